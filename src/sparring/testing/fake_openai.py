"""A real OpenAI-compatible Chat Completions server on 127.0.0.1, for tests and benchmarks.

It plays an LLM (for the LLM caller and judge) or a customer's chat agent. A `responder`
decides each reply from the request body:

    async with FakeOpenAIServer(lambda req: FakeCompletion("Hi!")) as server:
        client = AsyncOpenAI(base_url=server.base_url, api_key="x")

`FakeCompletion` can also delay, fail with a status code, or send a raw (malformed) body.
The server counts requests and the peak number handled at once.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web


@dataclass
class FakeCompletion:
    """One reply of the fake server."""

    content: str | None = ""
    tool_calls: list[dict[str, Any]] = field(default_factory=list)
    delay: float = 0.0
    status: int = 200
    raw_body: str | None = None
    finish_reason: str = "stop"
    headers: dict[str, str] = field(default_factory=dict)


Responder = Callable[[dict[str, Any]], "FakeCompletion | Awaitable[FakeCompletion]"]


class FakeOpenAIServer:
    """`POST /v1/chat/completions` (streaming and not) and `GET /v1/models`."""

    def __init__(self, responder: Responder, *, model: str = "fake-model", port: int = 0) -> None:
        self.responder = responder
        self.model = model
        self.port = port
        self.requests: list[dict[str, Any]] = []
        self.active = 0
        self.peak = 0
        self._runner: web.AppRunner | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    async def start(self) -> FakeOpenAIServer:
        app = web.Application()
        app.router.add_post("/v1/chat/completions", self._completions)
        app.router.add_get("/v1/models", self._models)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", self.port)
        await site.start()
        server = site._server
        assert server is not None
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[union-attr,attr-defined]
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeOpenAIServer:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def _models(self, request: web.Request) -> web.Response:
        return web.json_response(
            {"object": "list", "data": [{"id": self.model, "object": "model"}]}
        )

    async def _completions(self, request: web.Request) -> web.StreamResponse:
        body = await request.json()
        self.requests.append(body)
        self.active += 1
        self.peak = max(self.peak, self.active)
        try:
            reply = self.responder(body)
            if inspect.isawaitable(reply):
                reply = await reply
            if reply.delay:
                await asyncio.sleep(reply.delay)
            if reply.raw_body is not None:
                return web.Response(
                    text=reply.raw_body,
                    status=reply.status,
                    content_type="application/json",
                    headers=reply.headers,
                )
            if reply.status != 200:
                return web.json_response(
                    {"error": {"message": "fake failure", "type": "server_error"}},
                    status=reply.status,
                    headers=reply.headers,
                )
            if body.get("stream"):
                return await self._stream(request, reply)
            return web.json_response(self._completion(reply))
        finally:
            self.active -= 1

    def _completion(self, reply: FakeCompletion) -> dict[str, Any]:
        message: dict[str, Any] = {"role": "assistant", "content": reply.content}
        if reply.tool_calls:
            message["tool_calls"] = [_tool_call(i, c) for i, c in enumerate(reply.tool_calls)]
        return {
            "id": f"chatcmpl-{uuid.uuid4().hex[:12]}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": self.model,
            "choices": [
                {
                    "index": 0,
                    "message": message,
                    "finish_reason": "tool_calls" if reply.tool_calls else reply.finish_reason,
                }
            ],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
        }

    async def _stream(self, request: web.Request, reply: FakeCompletion) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await response.prepare(request)
        base = {"id": "chatcmpl-fake", "object": "chat.completion.chunk", "model": self.model}
        words = (reply.content or "").split(" ")
        for i, word in enumerate(words):
            piece = word if i == 0 else " " + word
            chunk = {**base, "choices": [{"index": 0, "delta": {"content": piece}}]}
            await response.write(f"data: {json.dumps(chunk)}\n\n".encode())
        for i, call in enumerate(reply.tool_calls):
            delta = {"tool_calls": [{"index": i, **_tool_call(i, call)}]}
            chunk = {**base, "choices": [{"index": 0, "delta": delta}]}
            await response.write(f"data: {json.dumps(chunk)}\n\n".encode())
        finish = "tool_calls" if reply.tool_calls else reply.finish_reason
        last = {**base, "choices": [{"index": 0, "delta": {}, "finish_reason": finish}]}
        await response.write(f"data: {json.dumps(last)}\n\ndata: [DONE]\n\n".encode())
        await response.write_eof()
        return response


def _tool_call(index: int, call: dict[str, Any]) -> dict[str, Any]:
    arguments = call.get("arguments", {})
    return {
        "id": call.get("id") or f"call_{index}",
        "type": "function",
        "function": {
            "name": call["name"],
            "arguments": arguments if isinstance(arguments, str) else json.dumps(arguments),
        },
    }
