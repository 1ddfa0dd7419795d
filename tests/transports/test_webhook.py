"""The "webhook" transport against real HTTP agents on 127.0.0.1."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import pytest

from sparring.domain.scenario import RunContext, ScenarioSpec
from sparring.domain.status import EndReason
from sparring.errors import AgentMisbehaved, AgentUnreachable, BadInput
from sparring.simulation.callers.scripted import ScriptedCaller
from sparring.simulation.conversation import converse
from sparring.testing.fake_agents import FakeWebhookAgent
from sparring.testing.fake_openai import FakeCompletion, FakeOpenAIServer
from sparring.transports import Transport
from sparring.transports.webhook import WebhookTransport

MakeTransport = Callable[..., Transport]


async def test_a_conversation_is_one_session_with_timed_replies(
    make_transport: MakeTransport,
) -> None:
    async with FakeWebhookAgent() as agent:
        transport = make_transport("webhook", {"url": agent.url, "end_field": "end_call"})
        first_call = await transport.connect(RunContext(run_id=1))
        second_call = await transport.connect(RunContext(run_id=2))
        assert await first_call.start() is None
        one = await first_call.send("Hello")
        two = await first_call.send("Book Monday")
        other = await second_call.send("Hi")

    assert (one.text, two.text, other.text) == (
        "You said: Hello",
        "You said: Book Monday",
        "You said: Hi",
    )
    assert not two.ended
    assert two.latency_ms > 0
    assert two.first_token_ms is None
    sessions = [body["session_id"] for body in agent.requests]
    assert sessions[0] == sessions[1] != sessions[2]
    assert agent.total == 2
    assert agent.requests[1] == {"message": "Book Monday", "session_id": sessions[0]}


async def test_the_template_is_filled_with_ids_message_and_history(
    make_transport: MakeTransport,
) -> None:
    template = {
        "message": "{{message}}",
        "session_id": "{{session_id}}",
        "ids": "run {{run_id}} / result {{result_id}} / scenario {{scenario_id}}",
        "conversation": {"turns": "{{history}}", "note": "not {{history}}"},
        "fixed": [1, True, None],
    }
    async with FakeWebhookAgent() as agent:
        transport = make_transport(
            "webhook",
            {
                "url": agent.url,
                "request_template": template,
                "headers": {"Authorization": "Bearer t0k"},
            },
        )
        connection = await transport.connect(RunContext(run_id=7, result_id=8, scenario_id=9))
        await connection.send("Hi")
        await connection.send("Again")

    body = agent.requests[1]
    assert body["ids"] == "run 7 / result 8 / scenario 9"
    assert body["conversation"] == {
        "turns": [
            {"role": "user", "content": "Hi"},
            {"role": "assistant", "content": "You said: Hi"},
            {"role": "user", "content": "Again"},
        ],
        "note": "not {{history}}",
    }
    assert body["fixed"] == [1, True, None]
    assert agent.headers[0]["Authorization"] == "Bearer t0k"


async def test_a_dotted_response_field_reads_an_openai_style_answer(
    make_transport: MakeTransport,
) -> None:
    async with FakeOpenAIServer(
        lambda r: FakeCompletion(f"{len(r['messages'])} messages")
    ) as server:
        config = {
            "url": f"{server.base_url}/chat/completions",
            "request_template": {"model": "m", "messages": "{{history}}"},
            "response_field": "choices.0.message.content",
        }
        connection = await make_transport("webhook", config).connect(RunContext())
        await connection.send("One")
        reply = await connection.send("Two")

    assert reply.text == "3 messages"


async def test_the_agent_ends_the_call_through_end_field(make_transport: MakeTransport) -> None:
    async with FakeWebhookAgent(end_after=2) as agent:
        connection = await make_transport(
            "webhook", {"url": agent.url, "end_field": "end_call"}
        ).connect(RunContext())
        first = await connection.send("Hi")
        second = await connection.send("Bye?")

    assert not first.ended
    assert second.ended
    assert second.text == "You said: Bye?"


async def test_a_slow_agent_is_unreachable(make_transport: MakeTransport) -> None:
    async with FakeWebhookAgent(delay=1.0) as agent:
        connection = await make_transport(
            "webhook", {"url": agent.url, "timeout_seconds": 0.2}
        ).connect(RunContext())
        with pytest.raises(AgentUnreachable, match=r"did not answer within 0.2 s"):
            await connection.send("Hello?")


@pytest.mark.parametrize(
    ("options", "config", "message"),
    [
        ({"garbage": True}, {}, "not JSON"),
        ({}, {"response_field": "data.text"}, 'no "data.text"'),
        ({}, {"end_field": "reply"}, "not true/false"),
    ],
    ids=["garbage", "missing-field", "end-field-not-bool"],
)
async def test_unreadable_replies_are_misbehaviour(
    make_transport: MakeTransport, options: dict[str, Any], config: dict[str, Any], message: str
) -> None:
    async with FakeWebhookAgent(**options) as agent:
        connection = await make_transport("webhook", {"url": agent.url, **config}).connect(
            RunContext()
        )
        with pytest.raises(AgentMisbehaved, match=message):
            await connection.send("Hello?")


@pytest.mark.parametrize(
    ("status", "error"), [(500, AgentUnreachable), (502, AgentUnreachable), (404, AgentMisbehaved)]
)
async def test_http_errors_are_classified(
    make_transport: MakeTransport, status: int, error: type[Exception]
) -> None:
    async with FakeWebhookAgent(status=status) as agent:
        connection = await make_transport("webhook", {"url": agent.url}).connect(RunContext())
        with pytest.raises(error, match=f"HTTP {status}"):
            await connection.send("Hello?")


async def test_a_dead_port_is_unreachable(make_transport: MakeTransport, dead_port: int) -> None:
    connection = await make_transport(
        "webhook", {"url": f"http://127.0.0.1:{dead_port}/agent"}
    ).connect(RunContext())
    with pytest.raises(AgentUnreachable, match="Could not reach"):
        await connection.send("Hello?")


async def test_hundreds_of_conversations_at_once(make_transport: MakeTransport) -> None:
    async with FakeWebhookAgent(delay=0.2) as agent:
        transport = make_transport("webhook", {"url": agent.url})

        async def converse(n: int) -> list[str]:
            connection = await transport.connect(RunContext(run_id=n))
            return [(await connection.send(f"{n}-{turn}")).text for turn in range(2)]

        replies = await asyncio.gather(*(converse(n) for n in range(200)))

    assert replies == [[f"You said: {n}-{turn}" for turn in range(2)] for n in range(200)]
    assert agent.total == 200
    assert agent.peak > 100  # not queued behind a small connection pool
    assert agent.active == 0


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        ({}, "url"),
        ({"url": "ws://host/agent"}, "url"),
        ({"url": "http://h", "headers": ["X-A"]}, "headers"),
        ({"url": "http://h", "request_template": "{{message}}"}, "request_template"),
        ({"url": "http://h", "request_template": {"when": object()}}, "request_template"),
        ({"url": "http://h", "response_field": ""}, "response_field"),
        ({"url": "http://h", "end_field": 3}, "end_field"),
        ({"url": "http://h", "timeout_seconds": -1}, "timeout_seconds"),
    ],
)
def test_config_errors_name_the_field(bad: dict[str, Any], field: str) -> None:
    with pytest.raises(BadInput) as caught:
        WebhookTransport.validate_config(bad)
    assert caught.value.field == f"provider.credentials.config.{field}"


@pytest.mark.parametrize(
    ("reply_timeout", "silence_timeout", "end_reason"),
    [(0.2, 5.0, EndReason.INFRASTRUCTURE), (5.0, 0.2, EndReason.AGENT_SILENT)],
    ids=["agent-timeout-first", "silence-timeout-first"],
)
async def test_the_nearer_of_reply_and_silence_timeouts_ends_the_call(
    make_transport: MakeTransport,
    reply_timeout: float,
    silence_timeout: float,
    end_reason: EndReason,
) -> None:
    scenario = ScenarioSpec(name="slow", first_message="Hello?")
    async with FakeWebhookAgent(delay=2.0) as agent:
        transport = make_transport("webhook", {"url": agent.url, "timeout_seconds": reply_timeout})
        started = time.monotonic()
        transcript = await converse(
            transport,
            ScriptedCaller(scenario),
            scenario,
            RunContext(),
            silence_timeout=silence_timeout,
        )
    assert transcript.end_reason is end_reason
    assert time.monotonic() - started < 1.5
    if end_reason is EndReason.INFRASTRUCTURE:
        assert transcript.error == "The agent did not answer within 0.2 s."
