"""The "self_hosted" transport (Cekura's WebSocket chat protocol) against agents on 127.0.0.1."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest

from sparring.domain.scenario import RunContext
from sparring.domain.transcript import ToolCall
from sparring.errors import AgentMisbehaved, AgentUnreachable, BadInput
from sparring.testing.fake_agents import FakeWebSocketAgent
from sparring.transports import Transport
from sparring.transports.websocket_chat import WebSocketChatTransport

MakeTransport = Callable[..., Transport]


async def test_a_conversation_with_a_greeting_and_a_hang_up(make_transport: MakeTransport) -> None:
    async with FakeWebSocketAgent(greeting="Clinic, how can I help?") as agent:
        connection = await make_transport("self_hosted", {"url": agent.url}).connect(RunContext())
        greeting = await connection.start()
        reply = await connection.send("I need an appointment")
        await connection.close("Thanks, bye")
        await asyncio.wait_for(agent.wait_idle(), 5)

    assert greeting is not None
    assert greeting.text == "Clinic, how can I help?"
    assert reply.text == "You said: I need an appointment"
    assert reply.latency_ms > 0
    assert not reply.ended
    assert agent.received == [
        {"content": "I need an appointment"},
        {"content": "Thanks, bye", "type": "end_call"},
    ]
    assert agent.hangups == 1
    assert (agent.total, agent.active) == (1, 0)


async def test_without_a_greeting_start_waits_only_the_greeting_timeout(
    make_transport: MakeTransport,
) -> None:
    async with FakeWebSocketAgent() as agent:
        transport = make_transport(
            "self_hosted", {"url": agent.url, "greeting_timeout_seconds": 0.1}
        )
        connection = await transport.connect(RunContext())
        assert await connection.start() is None
        assert (await connection.send("Hello?")).text == "You said: Hello?"


async def test_upgrade_headers_carry_ids_secret_config_and_run_variables(
    make_transport: MakeTransport,
) -> None:
    config = {
        "url": "",
        "websocket_secret": "s3cret",
        "headers": {"Authorization": "Bearer t0k", "X-VOCERA-RUN-ID": "spoofed"},
    }
    variables = {
        "X-Tenant": "acme",
        "x-vocera-scenario-id": "spoofed",
        "X-Count": 3,
        "plain": "not sent",
    }
    async with FakeWebSocketAgent(secret="s3cret") as agent:
        transport = make_transport("self_hosted", {**config, "url": agent.url})
        connection = await transport.connect(
            RunContext(run_id=7, result_id=8, scenario_id=9, agent_variables=variables)
        )
        await connection.close()

    [headers] = agent.handshakes
    assert headers["X-VOCERA-SECRET"] == "s3cret"
    assert headers.get_all("X-VOCERA-RUN-ID") == ["7"]
    assert headers.get_all("X-VOCERA-RESULT-ID") == ["8"]
    assert headers.get_all("X-VOCERA-SCENARIO-ID") == ["9"]
    assert headers["Authorization"] == "Bearer t0k"
    assert (headers["X-Tenant"], headers["X-Count"]) == ("acme", "3")
    assert "plain" not in headers


async def test_a_wrong_secret_is_refused_and_not_worth_retrying(
    make_transport: MakeTransport,
) -> None:
    async with FakeWebSocketAgent(secret="right") as agent:
        transport = make_transport("self_hosted", {"url": agent.url, "websocket_secret": "wrong"})
        with pytest.raises(AgentMisbehaved, match="HTTP 401"):
            await transport.connect(RunContext())


async def test_a_5xx_on_the_upgrade_is_unreachable(make_transport: MakeTransport) -> None:
    async with FakeWebSocketAgent(status=503) as agent:
        with pytest.raises(AgentUnreachable, match="HTTP 503"):
            await make_transport("self_hosted", {"url": agent.url}).connect(RunContext())


async def test_the_agent_ends_the_call_with_an_end_call_frame(
    make_transport: MakeTransport,
) -> None:
    async with FakeWebSocketAgent(end_after=2) as agent:
        connection = await make_transport("self_hosted", {"url": agent.url}).connect(RunContext())
        first = await connection.send("Hi")
        second = await connection.send("That's all")
        await connection.close("bye")
        await asyncio.wait_for(agent.wait_idle(), 5)

    assert not first.ended
    assert second.ended
    assert second.text == "You said: That's all"
    assert agent.hangups == 0  # the caller does not hang up on an agent that already did


async def test_the_agent_closing_the_socket_ends_the_call(make_transport: MakeTransport) -> None:
    async with FakeWebSocketAgent(close_after=1) as agent:
        connection = await make_transport("self_hosted", {"url": agent.url}).connect(RunContext())
        first = await connection.send("Hi")
        second = await connection.send("Hello?")

    assert first.text == "You said: Hi"
    assert not first.ended
    assert second.ended
    assert second.text == ""


async def test_a_dropped_connection_is_unreachable(make_transport: MakeTransport) -> None:
    async with FakeWebSocketAgent(crash_after=1) as agent:
        connection = await make_transport("self_hosted", {"url": agent.url}).connect(RunContext())
        await connection.send("Hi")
        with pytest.raises(AgentUnreachable, match="closed abruptly"):
            await connection.send("Hello?")


async def test_tool_frames_and_metadata_join_the_reply(make_transport: MakeTransport) -> None:
    calls = [{"id": "c1", "name": "lookup", "arguments": {"day": "Mon"}, "result": "2 slots"}]
    async with FakeWebSocketAgent(tool_calls=calls, metadata={"intent": "book"}) as agent:
        connection = await make_transport("self_hosted", {"url": agent.url}).connect(RunContext())
        reply = await connection.send("Monday?")

    assert reply.text == "You said: Monday?"
    assert reply.tool_calls == (
        ToolCall(name="lookup", arguments={"day": "Mon"}, id="c1", result="2 slots"),
    )
    assert reply.metadata == {"intent": "book"}


async def test_a_slow_agent_is_unreachable(make_transport: MakeTransport) -> None:
    async with FakeWebSocketAgent(delay=0.5) as agent:
        transport = make_transport("self_hosted", {"url": agent.url, "timeout_seconds": 0.1})
        connection = await transport.connect(RunContext())
        with pytest.raises(AgentUnreachable, match=r"did not answer within 0.1 s"):
            await connection.send("Hello?")
        await connection.close()


async def test_garbage_frames_are_misbehaviour(make_transport: MakeTransport) -> None:
    async with FakeWebSocketAgent(garbage=True) as agent:
        connection = await make_transport("self_hosted", {"url": agent.url}).connect(RunContext())
        with pytest.raises(AgentMisbehaved, match="not JSON"):
            await connection.send("Hello?")
        await connection.close()


async def test_a_dead_port_is_unreachable(make_transport: MakeTransport, dead_port: int) -> None:
    transport = make_transport("self_hosted", {"url": f"ws://127.0.0.1:{dead_port}"})
    with pytest.raises(AgentUnreachable, match="Could not reach"):
        await transport.connect(RunContext())


async def test_hundreds_of_conversations_at_once(make_transport: MakeTransport) -> None:
    async with FakeWebSocketAgent(delay=0.2) as agent:
        transport = make_transport("self_hosted", {"url": agent.url})

        async def converse(n: int) -> list[str]:
            connection = await transport.connect(RunContext(run_id=n))
            texts = [(await connection.send(f"{n}-{turn}")).text for turn in range(2)]
            await connection.close()
            return texts

        replies = await asyncio.gather(*(converse(n) for n in range(200)))
        await asyncio.wait_for(agent.wait_idle(), 5)

    assert replies == [[f"You said: {n}-{turn}" for turn in range(2)] for n in range(200)]
    assert agent.total == 200
    assert agent.peak > 100


async def test_closing_the_transport_hangs_up_live_conversations(
    make_transport: MakeTransport,
) -> None:
    async with FakeWebSocketAgent() as agent:
        transport = make_transport("self_hosted", {"url": agent.url})
        for n in range(3):
            await transport.connect(RunContext(run_id=n))
        await transport.aclose()
        await asyncio.wait_for(agent.wait_idle(), 5)

    assert agent.hangups == 3


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        ({}, "url"),
        ({"url": "http://agent.example/chat"}, "url"),
        ({"url": "ws://h", "headers": {"X-A": 1}}, "headers"),
        ({"url": "ws://h", "websocket_secret": 123}, "websocket_secret"),
        ({"url": "ws://h", "greeting_timeout_seconds": 0}, "greeting_timeout_seconds"),
        ({"url": "ws://h", "timeout_seconds": "soon"}, "timeout_seconds"),
    ],
)
def test_config_errors_name_the_field(bad: dict[str, Any], field: str) -> None:
    with pytest.raises(BadInput) as caught:
        WebSocketChatTransport.validate_config(bad)
    assert caught.value.field == f"provider.credentials.config.{field}"
