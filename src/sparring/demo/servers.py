"""The clinic demo agent as a server, to try sparring against a real endpoint.

- protocol "openai": an OpenAI-compatible `POST /v1/chat/completions` (plain and streamed). A
  turn with tool calls answers them first (`finish_reason` "tool_calls") and says its text once
  the tool results come back, as an LLM agent does; hanging up is a call of the `end_call` tool.
- protocol "websocket": Cekura's WebSocket chat protocol (CEKURA-API-NOTES 12.1). The agent
  greets as soon as the socket opens, sends `{"role": "Function Call", …}` frames (each followed
  by its result) before a reply, and hangs up with `{"content", "type": "end_call"}`.

    handle = await start_demo_agent("buggy", "websocket")   # 127.0.0.1, a free port
    ...connect to handle.url...
    await handle.stop()

`serve_demo_agent` runs one until cancelled (`sparring demo-agent`).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed

from sparring.demo.clinic import bugs_of, respond
from sparring.errors import BadInput

PROTOCOLS = ("openai", "websocket")
END_CALL_TOOL = "end_call"
TOOL_RESULT = "ok"
HANG_UP_GRACE_SECONDS = 2.0  # how long the agent waits for the caller to close after hanging up
VARIANT = web.AppKey("variant", str)


@dataclass(frozen=True, slots=True)
class DemoAgentHandle:
    """A running demo agent: where to reach it and how to stop it."""

    url: str
    variant: str
    protocol: str
    _stop: Callable[[], Awaitable[None]]

    async def stop(self) -> None:
        """Stop listening and close open conversations."""
        await self._stop()


async def start_demo_agent(
    variant: str, protocol: str, host: str = "127.0.0.1", port: int = 0
) -> DemoAgentHandle:
    """Start the demo agent (`port` 0 picks a free one) and return its handle."""
    bugs_of(variant)
    if protocol == "openai":
        return await _start_openai(variant, host, port)
    if protocol == "websocket":
        return await _start_websocket(variant, host, port)
    raise BadInput("protocol", f'Unknown protocol "{protocol}": use openai or websocket.')


async def serve_demo_agent(variant: str, protocol: str, host: str, port: int) -> None:
    """Serve the demo agent until cancelled."""
    handle = await start_demo_agent(variant, protocol, host, port)
    try:
        await asyncio.Event().wait()
    finally:
        await handle.stop()


def _chat_messages(messages: Any) -> list[dict[str, Any]]:
    """The user and assistant messages with text (or content parts), whatever else is sent."""
    if not isinstance(messages, list):
        return []
    return [
        m
        for m in messages
        if isinstance(m, dict)
        and m.get("role") in ("user", "assistant")
        and isinstance(m.get("content"), str | list)
    ]


# ---- OpenAI-compatible Chat Completions ---------------------------------------------------


async def _start_openai(variant: str, host: str, port: int) -> DemoAgentHandle:
    app = web.Application()
    app[VARIANT] = variant
    app.router.add_post("/v1/chat/completions", _completions)
    app.router.add_get("/v1/models", _models)
    runner = web.AppRunner(app, access_log=None, handler_cancellation=True, shutdown_timeout=1.0)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    bound = runner.addresses[0][1]
    return DemoAgentHandle(f"http://{host}:{bound}/v1", variant, "openai", runner.cleanup)


def _model(variant: str) -> str:
    return f"clinic-demo-{variant}"


async def _models(request: web.Request) -> web.Response:
    model = _model(request.app[VARIANT])
    return web.json_response({"object": "list", "data": [{"id": model, "object": "model"}]})


async def _completions(request: web.Request) -> web.StreamResponse:
    try:
        body = await request.json()
    except json.JSONDecodeError:
        return _error(400, "The body is not JSON.")
    if not isinstance(body, dict) or not isinstance(body.get("messages"), list):
        return _error(400, "`messages` must be a list.")
    variant: str = request.app[VARIANT]
    message = await _assistant_message(variant, body["messages"])
    if body.get("stream"):
        return await _stream(request, variant, message)
    finish = "tool_calls" if message.get("tool_calls") else "stop"
    return web.json_response(
        {
            "id": "chatcmpl-clinic",
            "object": "chat.completion",
            "created": 0,
            "model": _model(variant),
            "choices": [{"index": 0, "message": message, "finish_reason": finish}],
            "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0},
        }
    )


async def _assistant_message(variant: str, messages: list[Any]) -> dict[str, Any]:
    """The assistant message answering `messages`: tool calls first, then the text."""
    conversation = _chat_messages(messages)
    reply = respond(variant, conversation)
    turn = sum(1 for m in conversation if m["role"] == "user")
    last = messages[-1] if messages else {}
    after_tools = isinstance(last, dict) and last.get("role") == "tool"
    calls = [] if after_tools else list(reply["tool_calls"])
    if not after_tools and reply["delay"]:
        await asyncio.sleep(reply["delay"])
    if calls:
        return {"role": "assistant", "content": None, "tool_calls": _openai_calls(turn, calls)}
    if reply["end_call"]:
        calls = [{"name": END_CALL_TOOL, "arguments": {}}]
    message: dict[str, Any] = {"role": "assistant", "content": reply["content"]}
    if calls:
        message["tool_calls"] = _openai_calls(turn, calls)
    return message


def _openai_calls(turn: int, calls: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "id": f"call_{turn}_{index}",
            "type": "function",
            "function": {"name": call["name"], "arguments": json.dumps(call["arguments"])},
        }
        for index, call in enumerate(calls)
    ]


async def _stream(
    request: web.Request, variant: str, message: dict[str, Any]
) -> web.StreamResponse:
    """The message as server-sent chat.completion.chunk events, a word at a time."""
    response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
    await response.prepare(request)
    async for delta, finish in _deltas(message):
        chunk = {
            "id": "chatcmpl-clinic",
            "object": "chat.completion.chunk",
            "created": 0,
            "model": _model(variant),
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        }
        await response.write(f"data: {json.dumps(chunk)}\n\n".encode())
    await response.write(b"data: [DONE]\n\n")
    await response.write_eof()
    return response


async def _deltas(message: dict[str, Any]) -> AsyncIterator[tuple[dict[str, Any], str | None]]:
    yield {"role": "assistant", "content": ""}, None
    words = (message.get("content") or "").split(" ")
    for index, word in enumerate(w for w in words if w):
        yield {"content": word if index == 0 else f" {word}"}, None
    calls = message.get("tool_calls") or []
    for index, call in enumerate(calls):
        yield {"tool_calls": [{"index": index, **call}]}, None
    yield {}, "tool_calls" if calls else "stop"


def _error(status: int, text: str) -> web.Response:
    return web.json_response(
        {"error": {"message": text, "type": "invalid_request_error"}}, status=status
    )


# ---- Cekura's WebSocket chat protocol ------------------------------------------------------


async def _start_websocket(variant: str, host: str, port: int) -> DemoAgentHandle:
    async def handler(socket: ServerConnection) -> None:
        with contextlib.suppress(ConnectionClosed):
            await _converse(socket, variant)

    server = await serve(handler, host, port, close_timeout=1)
    bound = next(iter(server.sockets)).getsockname()[1]

    async def stop() -> None:
        server.close()
        await server.wait_closed()

    return DemoAgentHandle(f"ws://{host}:{bound}", variant, "websocket", stop)


async def _converse(socket: ServerConnection, variant: str) -> None:
    """One conversation: greet, then answer each caller frame until someone hangs up."""
    greeting = respond(variant, [])["content"]
    await socket.send(json.dumps({"content": greeting}))
    history: list[dict[str, Any]] = [{"role": "assistant", "content": greeting}]
    turn = 0
    async for raw in socket:
        frame = _frame(raw)
        if frame.get("type") == END_CALL_TOOL:
            return  # the caller hung up; it closes the socket
        if not isinstance(frame.get("content"), str):
            continue  # metadata, keepalives and unreadable frames need no answer
        history.append({"role": "user", "content": frame["content"]})
        turn += 1
        reply = respond(variant, history)
        if reply["delay"]:
            await asyncio.sleep(reply["delay"])
        await _send_tool_calls(socket, turn, reply["tool_calls"])
        out: dict[str, Any] = {"content": reply["content"]}
        if reply["end_call"]:
            out["type"] = END_CALL_TOOL
        await socket.send(json.dumps(out))
        history.append({"role": "assistant", "content": reply["content"]})
        if reply["end_call"]:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(socket.wait_closed(), HANG_UP_GRACE_SECONDS)
            return


def _frame(raw: str | bytes) -> dict[str, Any]:
    try:
        frame = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError):
        return {}
    return frame if isinstance(frame, dict) else {}


async def _send_tool_calls(
    socket: ServerConnection, turn: int, calls: list[dict[str, Any]]
) -> None:
    for index, call in enumerate(calls):
        call_id = f"call_{turn}_{index}"
        data = {"id": call_id, "name": call["name"], "arguments": json.dumps(call["arguments"])}
        await socket.send(json.dumps({"role": "Function Call", "data": data}))
        result = {"id": call_id, "result": TOOL_RESULT}
        await socket.send(json.dumps({"role": "Function Call Result", "data": result}))
