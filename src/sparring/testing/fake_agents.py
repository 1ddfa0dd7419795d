"""Fakes of customers' chat agents on 127.0.0.1, for tests and benchmarks.

`FakeWebhookAgent` answers one HTTP POST per turn (`{"message", "session_id"}` in, `{"reply",
"end_call", "session_id"}` out); `FakeWebSocketAgent` serves Cekura's WebSocket chat protocol.
Both take an `AgentBehaviour` (or its fields as keyword arguments):

    async with FakeWebSocketAgent(greeting="Hi!", delay=0.05, end_after=3) as agent:
        config = {"url": agent.url}
        ...
        agent.peak           # most conversations open at once

and count conversations: `total`, `active` now, and `peak`. For the WebSocket agent a
conversation is an open socket. A webhook has no open or close, so there a conversation is a
session id, `total` counts distinct ones, and `active`/`peak` count requests in flight (with
one request per turn, the conversations being answered at once).
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.datastructures import Headers
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

History = list[dict[str, str]]  # [{"role": "user" | "assistant", "content": …}], newest last
ReplyFunction = Callable[[str, History], "str | Awaitable[str]"]
GARBAGE = "<html><body>502 Bad Gateway, but with status 200 {"


def echo(message: str, history: History) -> str:
    """The default reply: repeat the caller."""
    return f"You said: {message}"


@dataclass
class AgentBehaviour:
    """How a fake agent behaves. Replies are counted from 1; a greeting does not count."""

    reply: ReplyFunction = echo
    delay: float = 0.0  # seconds before each reply
    garbage: bool = False  # reply with a body / frame that is not JSON
    end_after: int | None = None  # the N-th reply hangs up (webhook: "end_call": true)
    greeting: str | None = None  # WebSocket: said as soon as the socket opens
    status: int = 200  # webhook: answer with this HTTP status; WebSocket: refuse the upgrade
    secret: str | None = None  # WebSocket: refuse the upgrade unless X-VOCERA-SECRET matches
    tool_calls: list[dict[str, Any]] = field(default_factory=list)  # WS: before each reply
    metadata: dict[str, Any] | None = None  # WS: a metadata-only frame; webhook: in the body
    close_after: int | None = None  # WebSocket: close cleanly after N replies
    crash_after: int | None = None  # WebSocket: drop the TCP connection after N replies


class _Counts:
    """Conversations seen, open now, and most open at once."""

    def __init__(self) -> None:
        self.total = 0
        self.active = 0
        self.peak = 0
        self._changed = asyncio.Event()

    def _opened(self, *, new: bool = True) -> None:
        self.total += int(new)
        self.active += 1
        self.peak = max(self.peak, self.active)

    def _closed(self) -> None:
        self.active -= 1
        self._changed.set()

    async def wait_idle(self) -> None:
        """Wait until no conversation is open (an agent learns of a hang-up after the caller)."""
        while self.active:
            self._changed.clear()
            await self._changed.wait()


async def _say(behaviour: AgentBehaviour, message: str, history: History) -> str:
    """Wait the delay, then ask the reply function (sync or async)."""
    if behaviour.delay:
        await asyncio.sleep(behaviour.delay)
    text = behaviour.reply(message, history)
    if inspect.isawaitable(text):
        text = await text
    return str(text)


class FakeWebhookAgent(_Counts):
    """A webhook agent: `POST /agent` with `{"message", "session_id"}`; history per session."""

    def __init__(self, behaviour: AgentBehaviour | None = None, *, port: int = 0, **options: Any):
        super().__init__()
        self.behaviour = behaviour or AgentBehaviour(**options)
        self.port = port
        self.requests: list[Any] = []  # JSON bodies received, in order
        self.headers: list[dict[str, str]] = []
        self.histories: dict[str, History] = {}
        self._runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/agent"

    async def start(self) -> FakeWebhookAgent:
        app = web.Application()
        app.router.add_post("/agent", self._handle)
        # Cancel handlers whose client gave up, so stopping never waits on a slow reply.
        self._runner = web.AppRunner(
            app, access_log=None, handler_cancellation=True, shutdown_timeout=1.0
        )
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", self.port)
        await site.start()
        self.port = self._runner.addresses[0][1]
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeWebhookAgent:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        self.headers.append(dict(request.headers))
        try:
            body = await request.json()
        except json.JSONDecodeError:
            return web.json_response({"error": "body is not JSON"}, status=400)
        self.requests.append(body)
        fields = body if isinstance(body, dict) else {}
        session_id = str(fields.get("session_id") or "")
        self._opened(new=session_id not in self.histories)
        history = self.histories.setdefault(session_id, [])
        try:
            return await self._answer(str(fields.get("message") or ""), session_id, history)
        finally:
            self._closed()

    async def _answer(self, message: str, session_id: str, history: History) -> web.Response:
        behaviour = self.behaviour
        history.append({"role": "user", "content": message})
        text = await _say(behaviour, message, history)
        if behaviour.status != 200:
            return web.json_response({"error": "fake failure"}, status=behaviour.status)
        if behaviour.garbage:
            return web.Response(text=GARBAGE, content_type="text/html")
        history.append({"role": "assistant", "content": text})
        replies = sum(1 for m in history if m["role"] == "assistant")
        body: dict[str, Any] = {
            "reply": text,
            "end_call": behaviour.end_after is not None and replies >= behaviour.end_after,
            "session_id": session_id,
        }
        if behaviour.metadata is not None:
            body["metadata"] = behaviour.metadata
        return web.json_response(body)


class FakeWebSocketAgent(_Counts):
    """A self-hosted agent on Cekura's WebSocket chat protocol (CEKURA-API-NOTES 12.1)."""

    def __init__(self, behaviour: AgentBehaviour | None = None, *, port: int = 0, **options: Any):
        super().__init__()
        self.behaviour = behaviour or AgentBehaviour(**options)
        self.port = port
        self.handshakes: list[Headers] = []  # upgrade headers of each accepted conversation
        self.received: list[Any] = []  # every frame the caller sent, decoded
        self.hangups = 0  # caller end_call frames received
        self._server: Server | None = None

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    async def start(self) -> FakeWebSocketAgent:
        self._server = await serve(
            self._handle, "127.0.0.1", self.port, process_request=self._check, close_timeout=1
        )
        self.port = next(iter(self._server.sockets)).getsockname()[1]
        return self

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    async def __aenter__(self) -> FakeWebSocketAgent:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    def _check(self, connection: ServerConnection, request: Request) -> Response | None:
        """Refuse the upgrade when told to fail, or when the secret is wrong."""
        if self.behaviour.status != 200:
            return connection.respond(self.behaviour.status, "fake failure\n")
        secret = self.behaviour.secret
        if secret is not None and request.headers.get("X-VOCERA-SECRET") != secret:
            return connection.respond(401, "bad secret\n")
        return None

    async def _handle(self, socket: ServerConnection) -> None:
        self.handshakes.append(socket.request.headers if socket.request else Headers())
        self._opened()
        try:
            with contextlib.suppress(ConnectionClosed):
                await self._converse(socket)
        finally:
            self._closed()

    async def _converse(self, socket: ServerConnection) -> None:
        behaviour = self.behaviour
        history: History = []
        if behaviour.greeting is not None:
            await socket.send(json.dumps({"content": behaviour.greeting}))
            history.append({"role": "assistant", "content": behaviour.greeting})
        replies = 0
        async for raw in socket:
            frame = json.loads(raw)
            self.received.append(frame)
            if frame.get("type") == "end_call":
                self.hangups += 1
                continue  # the caller closes the socket next
            message = str(frame.get("content") or "")
            history.append({"role": "user", "content": message})
            replies += 1
            await self._answer(socket, message, history, replies)
            if behaviour.crash_after is not None and replies >= behaviour.crash_after:
                socket.transport.abort()
                return
            if behaviour.close_after is not None and replies >= behaviour.close_after:
                await socket.close()
                return

    async def _answer(
        self, socket: ServerConnection, message: str, history: History, replies: int
    ) -> None:
        behaviour = self.behaviour
        text = await _say(behaviour, message, history)
        if behaviour.garbage:
            await socket.send(GARBAGE)
            return
        for call in behaviour.tool_calls:
            arguments = json.dumps(call.get("arguments", {}))
            data = {"id": call.get("id", ""), "name": call["name"], "arguments": arguments}
            await socket.send(json.dumps({"role": "Function Call", "data": data}))
            if "result" in call:
                result = {"id": call.get("id", ""), "result": call["result"]}
                await socket.send(json.dumps({"role": "Function Call Result", "data": result}))
        if behaviour.metadata is not None:
            await socket.send(json.dumps({"metadata": behaviour.metadata}))
        reply: dict[str, Any] = {"content": text}
        if behaviour.end_after is not None and replies >= behaviour.end_after:
            reply["type"] = "end_call"
        history.append({"role": "assistant", "content": text})
        await socket.send(json.dumps(reply))
