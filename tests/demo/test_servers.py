"""The demo agent served on 127.0.0.1: OpenAI-compatible HTTP and Cekura's WebSocket chat, each
answering a real client, and the whole suite judged the same way through sparring's transports."""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio
from demo_helpers import failing_keys, judge, play, scenarios
from openai import AsyncOpenAI
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from sparring.demo.clinic import BUGS
from sparring.demo.servers import DemoAgentHandle, serve_demo_agent, start_demo_agent
from sparring.domain.scenario import AgentSpec
from sparring.errors import BadInput
from sparring.transports import get_transport

BOOKING = ["I'd like to book an appointment for Friday at 10 am.", "My name is Maria Lopez."]


@pytest_asyncio.fixture(loop_scope="session")
async def openai_agent() -> AsyncIterator[DemoAgentHandle]:
    handle = await start_demo_agent("good", "openai")
    yield handle
    await handle.stop()


def user_turns(lines: list[str]) -> list[dict[str, Any]]:
    return [{"role": "user", "content": line} for line in lines]


async def test_the_openai_server_calls_tools_then_reads_the_booking_back(
    openai_agent: DemoAgentHandle,
) -> None:
    async with AsyncOpenAI(base_url=openai_agent.url, api_key="none", max_retries=0) as client:
        messages: list[Any] = user_turns(BOOKING)
        first = await client.chat.completions.create(model="clinic", messages=messages)
        choice = first.choices[0]
        assert choice.finish_reason == "tool_calls"
        assert choice.message.content is None
        call = (choice.message.tool_calls or [])[0]
        assert call.type == "function"
        assert call.function.name == "book_appointment"
        assert json.loads(call.function.arguments) == {
            "day": "Friday",
            "time": "10 am",
            "patient": "Maria Lopez",
        }
        messages += [
            choice.message.model_dump(exclude_none=True),
            {"role": "tool", "tool_call_id": call.id, "content": "ok"},
        ]
        second = await client.chat.completions.create(model="clinic", messages=messages)
        assert second.choices[0].finish_reason == "stop"
        assert "booked for Friday at 10 am" in (second.choices[0].message.content or "")
        models = await client.models.list()
        assert [m.id for m in models.data] == ["clinic-demo-good"]


async def test_the_openai_server_streams_and_hangs_up_with_the_end_call_tool(
    openai_agent: DemoAgentHandle,
) -> None:
    async with AsyncOpenAI(base_url=openai_agent.url, api_key="none", max_retries=0) as client:
        stream = await client.chat.completions.create(
            model="clinic", messages=user_turns(["Thanks, bye!"]), stream=True
        )
        text, names, finish = [], [], None
        async for chunk in stream:
            delta = chunk.choices[0].delta
            text.append(delta.content or "")
            names += [c.function.name for c in delta.tool_calls or [] if c.function]
            finish = chunk.choices[0].finish_reason or finish
    assert "".join(text) == "Thank you for calling Riverside Clinic. Goodbye!"
    assert names == ["end_call"]
    assert finish == "tool_calls"


async def test_the_openai_server_refuses_a_body_without_messages(
    openai_agent: DemoAgentHandle,
) -> None:
    async with AsyncOpenAI(base_url=openai_agent.url, api_key="none", max_retries=0) as client:
        raw = client.chat.completions.with_raw_response
        with pytest.raises(Exception, match="messages"):
            await raw.create(model="clinic", messages="hello")  # type: ignore[arg-type]


async def test_the_websocket_server_greets_sends_tool_frames_and_hangs_up() -> None:
    handle = await start_demo_agent("good", "websocket")
    try:
        async with connect(handle.url) as ws:
            greeting = json.loads(await ws.recv())
            assert "Riverside Clinic" in greeting["content"]
            for line in BOOKING:
                await ws.send(json.dumps({"content": line}))
            first = json.loads(await ws.recv())
            assert "patient's full name" in first["content"]
            call, result, reply = [json.loads(await ws.recv()) for _ in range(3)]
            assert call["role"] == "Function Call"
            assert call["data"]["name"] == "book_appointment"
            assert json.loads(call["data"]["arguments"])["day"] == "Friday"
            assert result == {"role": "Function Call Result", "data": {"id": call["data"]["id"], "result": "ok"}}  # fmt: skip
            assert "booked for Friday at 10 am" in reply["content"]
            await ws.send(json.dumps({"metadata": {"keepalive": True}}))  # needs no answer
            await ws.send(json.dumps({"content": "Thanks, bye!"}))
            bye = json.loads(await ws.recv())
            assert bye["type"] == "end_call"
            assert "Goodbye" in bye["content"]
    finally:
        await handle.stop()


async def test_the_websocket_server_stops_when_the_caller_hangs_up() -> None:
    handle = await start_demo_agent("buggy", "websocket")
    try:
        async with connect(handle.url) as ws:
            await ws.recv()
            await ws.send(json.dumps({"content": "Bye for now", "type": "end_call"}))
            with pytest.raises(ConnectionClosed):
                await asyncio.wait_for(ws.recv(), 2)
    finally:
        await handle.stop()


async def run_over(protocol: str, variant: str) -> set[str]:
    """The suite against a served variant through sparring's transport; the failing keys."""
    handle = await start_demo_agent(variant, protocol)
    if protocol == "openai":
        spec = AgentSpec("openai_chat", {"base_url": handle.url, "model": "clinic"})
    else:
        spec = AgentSpec("self_hosted", {"url": handle.url})
    transport = get_transport(spec.provider_type)(spec)
    cases = scenarios()
    try:
        transcripts = await asyncio.gather(*(play(transport, s) for s in cases))
    finally:
        await transport.aclose()
        await handle.stop()
    outcomes = [await judge(s, t) for s, t in zip(cases, transcripts, strict=True)]
    undecided = [s.key for s, o in zip(cases, outcomes, strict=True) if o.score is None]
    assert undecided == []
    return {s.key for s, o in zip(cases, outcomes, strict=True) if not o.met}


@pytest.mark.slow
async def test_the_suite_gives_the_same_verdicts_over_both_servers() -> None:
    runs = [(p, v) for p in ("openai", "websocket") for v in ("good", "buggy")]
    failed = await asyncio.gather(*(run_over(p, v) for p, v in runs))
    expected = {"good": set(), "buggy": failing_keys(set(BUGS))}
    assert dict(zip(runs, failed, strict=True)) == {(p, v): expected[v] for p, v in runs}


async def test_serve_demo_agent_runs_until_cancelled() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    task = asyncio.create_task(serve_demo_agent("good", "websocket", "127.0.0.1", port))
    for _ in range(100):
        with contextlib.suppress(OSError):
            async with connect(f"ws://127.0.0.1:{port}") as ws:
                assert "Riverside Clinic" in json.loads(await ws.recv())["content"]
                break
        await asyncio.sleep(0.02)
    else:
        pytest.fail("the demo agent never accepted a connection")
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    with pytest.raises(OSError):
        async with connect(f"ws://127.0.0.1:{port}", open_timeout=1):
            pass


async def test_unknown_protocols_and_variants_are_refused() -> None:
    with pytest.raises(BadInput, match="protocol"):
        await start_demo_agent("good", "carrier-pigeon")
    with pytest.raises(BadInput, match="variant"):
        await start_demo_agent("mediocre", "openai")
