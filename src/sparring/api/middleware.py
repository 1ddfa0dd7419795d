"""ASGI middleware: URL length limit (414), body size limit (413), NUL characters in query
strings (400), and an empty JSON body read as `{}` (as Django REST Framework reads it)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class _TooLarge(Exception):
    pass


BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
MAX_URL_BYTES = 64 * 1024  # far beyond any real request of this API
# What the HTTP server reads of a request's line and headers before refusing it: well above
# MAX_URL_BYTES, so an over-long URL gets the 414 below instead of a dropped connection.
MAX_REQUEST_HEAD_BYTES = 1024 * 1024


class RequestGuard:
    """Refuses URLs over `MAX_URL_BYTES` (414), bodies over `max_body` bytes (413) and query
    values with NUL characters (400).

    An empty POST/PUT/PATCH JSON body reaches the app as `{}`, so a create without
    data answers which fields are required, and an empty PATCH changes nothing.
    """

    def __init__(self, app: ASGIApp, max_body: int) -> None:
        self.app = app
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        query = scope.get("query_string", b"")
        if len(scope.get("raw_path") or b"") + len(query) > MAX_URL_BYTES:
            await _reply(send, 414, {"detail": f"The URL is longer than {MAX_URL_BYTES} bytes."})
            return
        bad = _nul_query_field(query)
        if bad is not None:
            await _reply(send, 400, {bad: ["Null characters are not allowed."]})
            return
        length = dict(scope["headers"]).get(b"content-length")
        if (
            length is not None
            and length.isdigit()
            and (len(length) > 18 or int(length) > self.max_body)
        ):
            await _reply(send, 413, self._too_large_body())
            return
        received = 0
        started = False
        empty_is_object = scope["method"] in BODY_METHODS and _json(scope)

        async def limited_receive() -> Message:
            nonlocal received, empty_is_object
            message = await receive()
            if message["type"] == "http.request":
                body = message.get("body", b"")
                if empty_is_object and not body and not message.get("more_body", False):
                    message = {**message, "body": b"{}"}
                empty_is_object = False
                received += len(body)
                if received > self.max_body:
                    raise _TooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if received > self.max_body:  # the app answered its failed read (FastAPI: a 400)
                if not started:
                    started = True
                    await _reply(send, 413, self._too_large_body())
                return
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except _TooLarge:
            if not started:
                await _reply(send, 413, self._too_large_body())

    def _too_large_body(self) -> dict[str, str]:
        return {"detail": f"Request body is larger than {self.max_body} bytes."}


def _json(scope: Scope) -> bool:
    header: bytes = dict(scope["headers"]).get(b"content-type", b"")
    content_type = header.split(b";")[0].strip()
    return content_type == b"application/json" or content_type.endswith(b"+json")


def _nul_query_field(query: bytes) -> str | None:
    if b"%00" not in query and b"\x00" not in query:
        return None
    for key, value in parse_qsl(query.decode("latin-1"), keep_blank_values=True):
        if "\x00" in key or "\x00" in value:
            return key.replace("\x00", "") or "query"
    return None


async def _reply(send: Send, status: int, body: Mapping[str, object]) -> None:
    payload = json.dumps(body).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(payload)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})
