"""Self-hosted agents on Cekura's WebSocket chat protocol (`provider.type` "self_hosted").

sparring is the WebSocket client; every frame is a JSON text frame (CEKURA-API-NOTES 12.1):

    caller → agent   {"content": "…"}            hang-up: {"content": "…", "type": "end_call"}
    agent → caller   {"content": "…", "metadata"?: {…}}     a reply
                     {"metadata": {…}}                       merged into the reply's metadata
                     {"role": "Function Call", "data": {"id", "name", "arguments"}}
                     {"role": "Function Call Result", "data": {"id", "result"}}
                     {"content": "…", "type": "end_call"}    the agent hangs up

The agent closing the socket cleanly also means it hung up; an abrupt close is a failure.
Who opens: with `agent_speaks_first` true, `start()` waits up to `timeout_seconds` for the
greeting; unset (auto-detect), up to `greeting_timeout_seconds`; false, not at all.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from dataclasses import dataclass, field, replace
from typing import Any, ClassVar

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import (
    ConnectionClosed,
    ConnectionClosedOK,
    InvalidHandshake,
    InvalidStatus,
    InvalidURI,
)

from sparring.domain.scenario import AgentSpec, RunContext
from sparring.domain.transcript import ToolCall
from sparring.errors import AgentMisbehaved, AgentUnreachable, snippet
from sparring.transports.base import AgentReply, Connection, Transport
from sparring.transports.common import (
    DEFAULT_TIMEOUT_SECONDS,
    ReplyDeadline,
    Stopwatch,
    http_status_error,
    optional_str,
    parse_arguments,
    positive_number,
    string_map,
    url,
)

FIXED_PREFIX = "x-vocera-"
FUNCTION_CALL = "Function Call"
FUNCTION_RESULT = "Function Call Result"
END_CALL = "end_call"


@dataclass(frozen=True, slots=True)
class WebSocketChatConfig:
    """`provider.credentials.config` (or Cekura's `chat_agent_details.config`) of the agent."""

    url: str
    headers: dict[str, str] = field(default_factory=dict)
    websocket_secret: str | None = None
    greeting_timeout_seconds: float = 2.0
    timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS

    @classmethod
    def parse(cls, config: dict[str, Any]) -> WebSocketChatConfig:
        """Check every key; `BadInput` names the first bad one."""
        return cls(
            url=url(config, "url", ("ws", "wss")),
            headers=string_map(config, "headers"),
            websocket_secret=optional_str(config, "websocket_secret"),
            greeting_timeout_seconds=positive_number(config, "greeting_timeout_seconds", 2.0),
            timeout_seconds=positive_number(config, "timeout_seconds", DEFAULT_TIMEOUT_SECONDS),
        )


def upgrade_headers(config: WebSocketChatConfig, context: RunContext) -> dict[str, str]:
    """Config headers, then the run's `X-` variables (which win), then the fixed `X-VOCERA-*`
    ones; an `X-VOCERA-*` name from config or variables is dropped, never sent."""
    merged: dict[str, tuple[str, str]] = {}  # by lower-case name, so a later source replaces
    variables = {
        k: v if isinstance(v, str) else json.dumps(v)
        for k, v in context.agent_variables.items()
        if k.lower().startswith("x-")
    }
    for name, value in [*config.headers.items(), *variables.items()]:
        if not name.lower().startswith(FIXED_PREFIX):
            merged[name.lower()] = (name, value)
    fixed = {
        "X-VOCERA-SCENARIO-ID": str(context.scenario_id),
        "X-VOCERA-RESULT-ID": str(context.result_id),
        "X-VOCERA-RUN-ID": str(context.run_id),
    }
    if config.websocket_secret:
        fixed["X-VOCERA-SECRET"] = config.websocket_secret
    merged.update({name.lower(): (name, value) for name, value in fixed.items()})
    return dict(merged.values())


class WebSocketChatTransport(Transport):
    """Reaches agents that serve Cekura's custom WebSocket chat protocol."""

    type: ClassVar[str] = "self_hosted"

    def __init__(self, agent: AgentSpec) -> None:
        super().__init__(agent)
        self.config = WebSocketChatConfig.parse(agent.config)
        # One socket per conversation: there is no pool to share, only sockets to close at the end.
        self._live: set[WebSocketChatConnection] = set()

    @classmethod
    def validate_config(cls, config: dict[str, Any]) -> dict[str, Any]:
        WebSocketChatConfig.parse(config)
        return config

    async def connect(self, context: RunContext) -> Connection:
        headers = upgrade_headers(self.config, context)
        try:
            socket = await connect(
                self.config.url,
                additional_headers=headers,
                open_timeout=self.config.timeout_seconds,
                close_timeout=1,  # the conversation loop allows a hang-up 2 s
                ping_interval=30,
                ping_timeout=10,
            )
        except InvalidStatus as exc:
            response = exc.response
            body = response.body.decode(errors="replace") if response.body else ""
            raise http_status_error(response.status_code, body) from exc
        except InvalidURI as exc:
            raise AgentMisbehaved(f"Bad agent URL {self.config.url}: {exc}") from exc
        except InvalidHandshake as exc:
            raise AgentMisbehaved(
                f"The agent at {self.config.url} refused the WebSocket upgrade: {exc}"
            ) from exc
        except (OSError, TimeoutError) as exc:
            raise AgentUnreachable(
                f"Could not reach the agent at {self.config.url}: {str(exc) or 'timed out'}"
            ) from exc
        connection = WebSocketChatConnection(self, socket)
        self._live.add(connection)
        return connection

    def forget(self, connection: WebSocketChatConnection) -> None:
        self._live.discard(connection)

    async def aclose(self) -> None:
        await asyncio.gather(*(c.close() for c in list(self._live)), return_exceptions=True)


@dataclass(slots=True)
class _Turn:
    """What the agent has sent since its last reply."""

    metadata: dict[str, Any] = field(default_factory=dict)
    calls: list[ToolCall] = field(default_factory=list)


class WebSocketChatConnection(Connection):
    """One conversation over one WebSocket."""

    def __init__(self, transport: WebSocketChatTransport, socket: ClientConnection) -> None:
        self.transport = transport
        self.config = transport.config
        self.socket = socket
        self.turn = _Turn()
        self.ended = False
        self.closed = False

    async def start(self) -> AgentReply | None:
        speaks_first = self.transport.agent.agent_speaks_first
        if speaks_first is False:
            return None
        # An agent that promised to greet gets the full reply time; an unknown one a short wait.
        wait = self.config.timeout_seconds if speaks_first else self.config.greeting_timeout_seconds
        clock = Stopwatch()
        try:
            async with asyncio.timeout(wait):
                return await self._read_reply(clock)
        except TimeoutError:
            return None  # frames read so far stay in `self.turn` for the first reply

    async def send(self, text: str) -> AgentReply:
        if self.ended:
            return AgentReply(text="", latency_ms=0.0, ended=True)
        clock = Stopwatch()
        try:
            await self.socket.send(json.dumps({"content": text}))
        except ConnectionClosed as exc:
            return self._closed_by_agent(exc, clock)
        async with ReplyDeadline(self.config.timeout_seconds):
            return await self._read_reply(clock)

    async def close(self, last_words: str | None = None) -> None:
        if self.closed:
            return
        self.closed = True
        self.transport.forget(self)
        if not self.ended:
            with contextlib.suppress(ConnectionClosed):
                await self.socket.send(json.dumps({"content": last_words or "", "type": END_CALL}))
        with contextlib.suppress(ConnectionClosed, OSError):
            await self.socket.close()

    async def _read_reply(self, clock: Stopwatch) -> AgentReply:
        """Read frames until one carries the agent's words, or the agent hangs up."""
        while True:
            try:
                raw = await self.socket.recv()
            except ConnectionClosed as exc:
                return self._closed_by_agent(exc, clock)
            frame = _decode(raw)
            reply = self._take(frame, clock)
            if reply is not None:
                return reply

    def _take(self, frame: dict[str, Any], clock: Stopwatch) -> AgentReply | None:
        """Fold one frame into the turn; the reply if this frame completes it."""
        role = frame.get("role")
        if role in (FUNCTION_CALL, FUNCTION_RESULT):
            self._take_tool_frame(role, frame.get("data"))
            return None
        metadata = frame.get("metadata")
        if isinstance(metadata, dict):
            self.turn.metadata.update(metadata)
        content = frame.get("content")
        ends = frame.get("type") == END_CALL
        if content is None and not ends:
            if "metadata" in frame:
                return None
            raise AgentMisbehaved(
                f"The agent sent a frame with no content: {snippet(json.dumps(frame))}"
            )
        if content is not None and not isinstance(content, str):
            raise AgentMisbehaved('The agent sent a "content" that is not text.')
        self.ended = ends
        return self._finish(content or "", clock)

    def _take_tool_frame(self, role: str, data: Any) -> None:
        if not isinstance(data, dict):
            raise AgentMisbehaved(f'The agent sent a "{role}" frame without a "data" object.')
        call_id = str(data.get("id") or "")
        if role == FUNCTION_CALL:
            name = data.get("name")
            if not isinstance(name, str) or not name:
                raise AgentMisbehaved('The agent sent a "Function Call" frame without a name.')
            self.turn.calls.append(
                ToolCall(name=name, arguments=parse_arguments(data.get("arguments")), id=call_id)
            )
            return
        result = data.get("result")
        result_text = result if isinstance(result, str) else json.dumps(result)
        for index, call in enumerate(self.turn.calls):
            if call.id == call_id and call.result is None:
                self.turn.calls[index] = replace(call, result=result_text)
                return
        # A result for a call we never saw is still worth keeping in the trace.
        self.turn.calls.append(ToolCall(name="", id=call_id, result=result_text))

    def _finish(self, text: str, clock: Stopwatch) -> AgentReply:
        turn, self.turn = self.turn, _Turn()
        return AgentReply(
            text=text,
            latency_ms=clock.ms(),
            ended=self.ended,
            tool_calls=tuple(turn.calls),
            metadata=turn.metadata,
        )

    def _closed_by_agent(self, exc: ConnectionClosed, clock: Stopwatch) -> AgentReply:
        """A clean close is the agent hanging up; an abrupt one is an infrastructure failure."""
        if not isinstance(exc, ConnectionClosedOK):
            raise AgentUnreachable(f"The agent's WebSocket closed abruptly: {exc}") from exc
        self.ended = True
        return self._finish("", clock)


def _decode(raw: str | bytes) -> dict[str, Any]:
    """A frame as a JSON object, or `AgentMisbehaved`."""
    text = raw.decode(errors="replace") if isinstance(raw, bytes) else raw
    try:
        frame = json.loads(text)
    except json.JSONDecodeError:
        raise AgentMisbehaved(
            f"The agent sent a frame that is not JSON: {snippet(text)!r}"
        ) from None
    if not isinstance(frame, dict):
        raise AgentMisbehaved(
            f"The agent sent a frame that is not a JSON object: {snippet(text)!r}"
        )
    return frame
