"""The "openai_chat" transport against a real OpenAI-compatible server on 127.0.0.1."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest

from sparring.domain.scenario import RunContext
from sparring.errors import AgentMisbehaved, AgentUnreachable, BadInput
from sparring.testing.fake_openai import FakeCompletion, FakeOpenAIServer
from sparring.transports import Transport
from sparring.transports.openai_chat import MAX_TOOL_ROUNDS, OpenAIChatTransport

MakeTransport = Callable[..., Transport]


def echo(request: dict[str, Any]) -> FakeCompletion:
    last = request["messages"][-1]
    return FakeCompletion(f"Echo: {last['content']}")


def config(server: FakeOpenAIServer, **extra: Any) -> dict[str, Any]:
    return {"base_url": server.base_url, "model": "agent-model", **extra}


@pytest.mark.parametrize("stream", [True, False])
async def test_a_conversation_keeps_its_history_and_is_timed(
    make_transport: MakeTransport, stream: bool
) -> None:
    async with FakeOpenAIServer(echo) as server:
        transport = make_transport(
            "openai_chat", config(server, stream=stream, system_prompt="Be a clinic.")
        )
        connection = await transport.connect(RunContext(run_id=1))
        assert await connection.start() is None
        first = await connection.send("Hi there")
        second = await connection.send("Book me in")
        await connection.close()

    assert (first.text, second.text) == ("Echo: Hi there", "Echo: Book me in")
    assert not first.ended
    assert not second.ended
    assert second.latency_ms > 0
    if stream:
        assert second.first_token_ms is not None
        assert 0 < second.first_token_ms <= second.latency_ms
    else:
        assert second.first_token_ms is None
    assert server.requests[-1]["model"] == "agent-model"
    assert server.requests[-1]["messages"] == [
        {"role": "system", "content": "Be a clinic."},
        {"role": "user", "content": "Hi there"},
        {"role": "assistant", "content": "Echo: Hi there"},
        {"role": "user", "content": "Book me in"},
    ]


async def test_an_agent_that_speaks_first_greets_from_the_system_prompt(
    make_transport: MakeTransport,
) -> None:
    async with FakeOpenAIServer(lambda r: FakeCompletion("Welcome to the clinic!")) as server:
        transport = make_transport(
            "openai_chat", config(server, system_prompt="Greet."), agent_speaks_first=True
        )
        connection = await transport.connect(RunContext())
        greeting = await connection.start()

    assert greeting is not None
    assert greeting.text == "Welcome to the clinic!"
    assert server.requests[0]["messages"] == [{"role": "system", "content": "Greet."}]


def booking_agent(request: dict[str, Any]) -> FakeCompletion:
    """Calls `book` first; once it has the tool's result, says what happened."""
    last = request["messages"][-1]
    if last["role"] == "tool":
        return FakeCompletion(f"Done: {last['content']}")
    return FakeCompletion(
        "", tool_calls=[{"id": "c1", "name": "book", "arguments": {"day": "Mon"}}]
    )


@pytest.mark.parametrize("stream", [True, False])
async def test_tool_calls_are_answered_recorded_and_followed_by_text(
    make_transport: MakeTransport, stream: bool
) -> None:
    async with FakeOpenAIServer(booking_agent) as server:
        tool_results = {"book": {"confirmed": True}}
        transport = make_transport(
            "openai_chat", config(server, stream=stream, tool_results=tool_results)
        )
        connection = await transport.connect(RunContext())
        reply = await connection.send("Monday please")

    assert reply.text == 'Done: {"confirmed": true}'
    [call] = reply.tool_calls
    assert (call.name, call.arguments, call.id) == ("book", {"day": "Mon"}, "c1")
    assert call.result == '{"confirmed": true}'
    assert len(server.requests) == 2


async def test_the_end_call_tool_means_the_agent_hung_up(make_transport: MakeTransport) -> None:
    goodbye = FakeCompletion("Goodbye!", tool_calls=[{"name": "end_call", "arguments": {}}])
    async with FakeOpenAIServer(lambda r: goodbye) as server:
        connection = await make_transport("openai_chat", config(server)).connect(RunContext())
        reply = await connection.send("That's all")

    assert reply.ended
    assert reply.text == "Goodbye!"
    assert [c.name for c in reply.tool_calls] == ["end_call"]
    assert len(server.requests) == 1  # not asked again after hanging up


async def test_an_agent_that_only_calls_tools_gives_up_after_a_few_rounds(
    make_transport: MakeTransport,
) -> None:
    looping = FakeCompletion("", tool_calls=[{"name": "lookup", "arguments": "{not json"}])
    async with FakeOpenAIServer(lambda r: looping) as server:
        connection = await make_transport("openai_chat", config(server)).connect(RunContext())
        reply = await connection.send("Hello?")

    assert reply.text == ""
    assert len(reply.tool_calls) == MAX_TOOL_ROUNDS + 1 == len(server.requests)
    assert reply.tool_calls[0].arguments == {"raw": "{not json"}


async def test_a_slow_agent_is_unreachable(make_transport: MakeTransport) -> None:
    async with FakeOpenAIServer(lambda r: FakeCompletion("late", delay=0.5)) as server:
        connection = await make_transport(
            "openai_chat", config(server, timeout_seconds=0.1)
        ).connect(RunContext())
        with pytest.raises(AgentUnreachable, match=r"did not answer within 0.1 s"):
            await connection.send("Hello?")


@pytest.mark.parametrize("stream", [True, False])
@pytest.mark.parametrize("body", ["<html>oops</html>", '{"unexpected": 1}'])
async def test_unreadable_replies_are_misbehaviour(
    make_transport: MakeTransport, stream: bool, body: str
) -> None:
    async with FakeOpenAIServer(lambda r: FakeCompletion(raw_body=body)) as server:
        connection = await make_transport("openai_chat", config(server, stream=stream)).connect(
            RunContext()
        )
        with pytest.raises(AgentMisbehaved):
            await connection.send("Hello?")


@pytest.mark.parametrize(
    ("status", "error"), [(500, AgentUnreachable), (503, AgentUnreachable), (401, AgentMisbehaved)]
)
async def test_http_errors_are_classified(
    make_transport: MakeTransport, status: int, error: type[Exception]
) -> None:
    async with FakeOpenAIServer(lambda r: FakeCompletion(status=status)) as server:
        connection = await make_transport("openai_chat", config(server)).connect(RunContext())
        with pytest.raises(error, match=f"HTTP {status}"):
            await connection.send("Hello?")


async def test_a_dead_port_is_unreachable(make_transport: MakeTransport, dead_port: int) -> None:
    transport = make_transport(
        "openai_chat", {"base_url": f"http://127.0.0.1:{dead_port}/v1", "model": "m"}
    )
    connection = await transport.connect(RunContext())
    with pytest.raises(AgentUnreachable, match="Could not reach"):
        await connection.send("Hello?")


async def test_hundreds_of_conversations_share_one_client(make_transport: MakeTransport) -> None:
    async def slow_echo(request: dict[str, Any]) -> FakeCompletion:
        await asyncio.sleep(0.2)
        return echo(request)

    async with FakeOpenAIServer(slow_echo) as server:
        transport = make_transport("openai_chat", config(server))

        async def converse(n: int) -> str:
            connection = await transport.connect(RunContext(run_id=n))
            return (await connection.send(f"Hi {n}")).text

        replies = await asyncio.gather(*(converse(n) for n in range(200)))

    assert replies == [f"Echo: Hi {n}" for n in range(200)]
    assert server.peak > 100  # requests were not queued behind a small pool


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        ({"model": "m"}, "base_url"),
        ({"base_url": "ftp://host/v1", "model": "m"}, "base_url"),
        ({"base_url": "http://h/v1"}, "model"),
        ({"base_url": "http://h/v1", "model": "m", "headers": {"X-A": 1}}, "headers"),
        ({"base_url": "http://h/v1", "model": "m", "stream": "yes"}, "stream"),
        ({"base_url": "http://h/v1", "model": "m", "temperature": 3}, "temperature"),
        ({"base_url": "http://h/v1", "model": "m", "timeout_seconds": 0}, "timeout_seconds"),
        ({"base_url": "http://h/v1", "model": "m", "tool_results": ["ok"]}, "tool_results"),
        ({"base_url": "http://h/v1", "model": "m", "system_prompt": 5}, "system_prompt"),
    ],
)
def test_config_errors_name_the_field(bad: dict[str, Any], field: str) -> None:
    with pytest.raises(BadInput) as caught:
        OpenAIChatTransport.validate_config(bad)
    assert caught.value.field == f"provider.credentials.config.{field}"
