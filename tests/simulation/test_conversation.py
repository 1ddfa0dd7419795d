"""The conversation loop: turns, timings, and every way a conversation ends."""

from __future__ import annotations

import asyncio
import time

from sparring.domain.scenario import AgentSpec, RunContext, ScenarioSpec
from sparring.domain.status import EndReason
from sparring.domain.transcript import Role, ToolCall, Turn
from sparring.errors import AgentMisbehaved, AgentUnreachable
from sparring.simulation.callers.scripted import ScriptedCaller
from sparring.simulation.conversation import converse
from sparring.simulation.end_conditions import StopSignal
from sparring.testing.scripted_agent import ScriptedAgent
from sparring.transports.base import AgentReply


def script(lines: int = 50, **fields: object) -> ScenarioSpec:
    """An instruction scenario whose caller has `lines` quoted lines to say."""
    quoted = " then ".join(f'"line {i}"' for i in range(1, lines + 1))
    return ScenarioSpec(name="t", instructions=f"Say {quoted}", **fields)  # type: ignore[arg-type]


def echo(history: list[tuple[Role, str]]) -> str:
    return f"You said: {history[-1][1]}"


async def test_turns_alternate_with_timings_and_latency(talk) -> None:
    call = await talk(script(2), echo, delay=0.05)
    t = call.transcript
    assert t.end_reason is EndReason.CALLER_ENDED
    assert [turn.role for turn in t.turns] == [Role.CALLER, Role.AGENT] * 3
    assert t.agent_turns[1].content == "You said: line 1"
    for caller_turn, agent_turn in zip(t.caller_turns, t.agent_turns, strict=True):
        assert agent_turn.latency_ms is not None
        assert 45 <= agent_turn.latency_ms < 500
        assert agent_turn.start >= caller_turn.end
        assert 0.045 <= agent_turn.end - caller_turn.end < 0.5
    ends = [turn.end for turn in t.turns]
    assert ends == sorted(ends)
    assert t.to_text().splitlines()[0] == "[00:00] Testing Agent: Hello"


async def test_streaming_first_token_sets_turn_start(talk) -> None:
    call = await talk(script(0), echo, delay=0.2, first_token_after=0.05)
    reply = call.transcript.agent_turns[0]
    assert reply.first_token_ms is not None
    assert 45 <= reply.first_token_ms < 150
    assert reply.latency_ms is not None
    assert reply.latency_ms >= 195
    assert 0.1 <= reply.end - reply.start <= 0.3


async def test_agent_greeting_comes_first(talk) -> None:
    call = await talk(script(1), echo, greeting="Welcome to Acme!")
    first, second = call.transcript.turns[:2]
    assert (first.role, first.content) == (Role.AGENT, "Welcome to Acme!")
    assert (second.role, second.content) == (Role.CALLER, "Hello")


async def test_missing_greeting_is_noted_when_agent_should_speak_first() -> None:
    agent = ScriptedAgent(
        echo, agent=AgentSpec(provider_type="scripted_fake", agent_speaks_first=True)
    )
    transcript = await converse(agent, ScriptedCaller(script(0)), script(0), RunContext())
    assert transcript.metadata["greeting_missing"] is True
    assert transcript.turns[0].role is Role.CALLER


async def test_tool_calls_are_recorded_on_the_agent_turn(talk) -> None:
    lookup = ToolCall(name="lookup_order", arguments={"id": "A-1"}, id="call_1", result="shipped")

    def reply(history: list[tuple[Role, str]]) -> AgentReply:
        return AgentReply(text="It has shipped.", latency_ms=0, tool_calls=(lookup,))

    call = await talk(script(0), reply)
    assert call.transcript.agent_turns[0].tool_calls == (lookup,)
    assert call.transcript.tool_calls == [lookup]
    assert call.transcript.to_json()[1]["tool_calls"][0]["name"] == "lookup_order"


async def test_on_turn_sees_every_turn_as_it_happens(talk) -> None:
    seen: list[Turn] = []

    async def on_turn(turn: Turn) -> None:
        seen.append(turn)

    call = await talk(script(2), echo, converse_options={"on_turn": on_turn})
    assert seen == call.transcript.turns


async def test_agent_hangs_up(talk) -> None:
    call = await talk(script(), echo, hang_up_after=2)
    assert call.transcript.end_reason is EndReason.AGENT_ENDED
    assert len(call.transcript.agent_turns) == 2
    assert call.connection.closed


async def test_max_turns_counts_agent_turns(talk) -> None:
    call = await talk(script(max_turns=3), echo)
    assert call.transcript.end_reason is EndReason.MAX_TURNS
    assert len(call.transcript.agent_turns) == 3
    assert call.transcript.turns[-1].role is Role.AGENT


async def test_max_duration_between_turns(talk) -> None:
    started = time.monotonic()
    call = await talk(script(max_duration=0.3), echo, delay=0.05)
    assert call.transcript.end_reason is EndReason.MAX_DURATION
    assert 0.25 <= time.monotonic() - started < 1.0
    assert call.connection.closed


async def test_max_duration_stops_a_slow_agent_mid_reply(talk) -> None:
    started = time.monotonic()
    call = await talk(script(max_duration=0.5), echo, delay=30)
    elapsed = time.monotonic() - started
    assert call.transcript.end_reason is EndReason.MAX_DURATION
    assert 0.45 <= elapsed < 1.5
    assert call.caller_lines == ["Hello"]
    assert call.agent_lines == []
    assert call.connection.closed


async def test_agent_silence(talk) -> None:
    started = time.monotonic()
    call = await talk(
        script(),
        echo,
        delay=lambda n: 0.0 if n == 1 else 30.0,
        converse_options={"silence_timeout": 0.3},
    )
    assert call.transcript.end_reason is EndReason.AGENT_SILENT
    assert 0.3 <= time.monotonic() - started < 1.0
    assert len(call.transcript.agent_turns) == 1
    assert call.transcript.error is None
    assert "failure" not in call.transcript.metadata


async def test_silence_timeout_gives_way_to_a_nearer_max_duration(talk) -> None:
    call = await talk(
        script(max_duration=0.2), echo, delay=30, converse_options={"silence_timeout": 5}
    )
    assert call.transcript.end_reason is EndReason.MAX_DURATION


async def test_cancel_mid_reply_stops_within_a_second(talk) -> None:
    cancel = StopSignal()
    asyncio.get_running_loop().call_later(0.3, cancel.set)
    started = time.monotonic()
    call = await talk(script(), echo, delay=30, converse_options={"cancel": cancel})
    assert call.transcript.end_reason is EndReason.CANCELLED
    assert time.monotonic() - started < 1.0
    assert call.connection.closed


async def test_cancel_before_start_holds_no_conversation(talk) -> None:
    cancel = StopSignal()
    cancel.set()
    call = await talk(script(), echo, converse_options={"cancel": cancel})
    assert call.transcript.end_reason is EndReason.CANCELLED
    assert call.transcript.turns == []
    assert call.agent.connections == []


async def test_unreachable_agent_at_connect_is_infrastructure(talk) -> None:
    call = await talk(script(), echo, connect_error=AgentUnreachable("connection refused"))
    t = call.transcript
    assert t.end_reason is EndReason.INFRASTRUCTURE
    assert t.error == "connection refused"
    assert t.metadata["failure"] == "infrastructure"
    assert t.turns == []


async def test_unreachable_agent_mid_call_keeps_the_transcript(talk) -> None:
    call = await talk(script(), echo, errors={3: AgentUnreachable("502 Bad Gateway")})
    t = call.transcript
    assert t.end_reason is EndReason.INFRASTRUCTURE
    assert t.error == "502 Bad Gateway"
    assert len(t.agent_turns) == 2
    assert len(t.caller_turns) == 3
    assert call.connection.closed


async def test_misbehaving_agent_is_an_agent_failure_not_infrastructure(talk) -> None:
    call = await talk(script(), echo, errors={2: AgentMisbehaved("reply was not JSON")})
    t = call.transcript
    assert t.end_reason is EndReason.AGENT_SILENT
    assert t.metadata["failure"] == "agent"
    assert t.metadata["agent_error"] == t.error == "reply was not JSON"
    assert len(t.agent_turns) == 1
    assert call.connection.closed


async def test_a_hanging_close_does_not_hang_the_run(talk) -> None:
    started = time.monotonic()
    call = await talk(script(0), echo, close_delay=30)
    assert call.transcript.end_reason is EndReason.CALLER_ENDED
    assert time.monotonic() - started < 3.0
    assert "hang up" in call.transcript.metadata["close_error"]


async def test_fake_agent_reads_its_options_from_the_agent_config() -> None:
    spec = AgentSpec(
        provider_type="scripted_fake",
        config={"greeting": "Hi!", "replies": ["One.", "Two."], "hang_up_after": 3},
    )
    agent = ScriptedAgent(agent=spec)
    transcript = await converse(agent, ScriptedCaller(script()), script(), RunContext())
    assert [t.content for t in transcript.agent_turns] == ["Hi!", "One.", "Two."]
    assert transcript.end_reason is EndReason.AGENT_ENDED


async def test_times_come_from_the_given_clock(talk) -> None:
    ticks = iter(range(1000))
    call = await talk(script(1), echo, converse_options={"clock": lambda: float(next(ticks))})
    starts = [turn.start for turn in call.transcript.turns]
    assert all(float(s).is_integer() for s in starts)
    assert starts == sorted(starts)
    assert call.transcript.turns[0].start >= 0
