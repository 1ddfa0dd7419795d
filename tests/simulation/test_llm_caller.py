"""The LLM caller against a fake OpenAI-compatible server on 127.0.0.1."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from sparring.config import LLMSettings
from sparring.domain.scenario import ConditionalAction, PersonalitySpec, ScenarioSpec
from sparring.domain.status import EndReason
from sparring.domain.transcript import Transcript
from sparring.errors import LLMError
from sparring.simulation.callers.llm import LLMCaller
from sparring.testing.fake_openai import FakeCompletion, FakeOpenAIServer

END_CALL = {"name": "end_call", "arguments": {"last_words": "Danke, tschüss"}}


class Script:
    """The fake LLM's answers, in order (the last one repeats)."""

    def __init__(self, *answers: FakeCompletion) -> None:
        self.answers = list(answers)
        self.calls = 0

    def __call__(self, body: dict[str, Any]) -> FakeCompletion:
        self.calls += 1
        return self.answers[min(self.calls, len(self.answers)) - 1]


@pytest.fixture
async def llm() -> AsyncIterator[Callable[..., Any]]:
    """`server, caller = await llm(scenario, *answers, seed=…, temperature=…)`."""
    opened: list[tuple[FakeOpenAIServer, LLMCaller]] = []

    async def make(scenario: ScenarioSpec, *answers: FakeCompletion, **settings: Any) -> Any:
        server = await FakeOpenAIServer(Script(*answers)).start()
        llm_settings = LLMSettings(base_url=server.base_url, model="fake-model", **settings)
        caller = LLMCaller(scenario, llm_settings=llm_settings)
        opened.append((server, caller))
        return server, caller

    yield make
    for server, caller in opened:
        await caller.aclose()
        await server.stop()


BOOKING = ScenarioSpec(
    name="booking",
    instructions="Book a table for {{test_profile.party}} people on Friday.",
    personality=PersonalitySpec(name="Impatient", prompt="You are in a hurry and terse."),
    language="de",
    caller_variables={"party": 4, "name": "Ann Weber", "card": {"last4": "1234"}},
)


async def test_llm_plays_the_caller_with_scenario_personality_language_and_profile(
    talk, llm
) -> None:
    server, caller = await llm(
        BOOKING,
        FakeCompletion("Einen Tisch für vier, bitte."),
        FakeCompletion(tool_calls=[END_CALL]),
        seed=42,
        temperature=0.2,
    )
    call = await talk(BOOKING, lambda history: "Gerne, auf welchen Namen?", caller=caller)

    assert call.caller_lines == ["Einen Tisch für vier, bitte.", "Danke, tschüss"]
    assert call.transcript.end_reason is EndReason.CALLER_ENDED
    assert call.connection.received == ["Einen Tisch für vier, bitte."]
    assert call.connection.last_words == "Danke, tschüss"

    first, second = server.requests
    system = first["messages"][0]["content"]
    assert first["messages"][0]["role"] == "system"
    assert "Book a table for 4 people on Friday." in system
    assert "You are in a hurry and terse." in system
    assert "`de`" in system
    assert "Ann Weber" in system
    assert "card.last4: 1234" in system
    assert first["seed"] == 42
    assert first["temperature"] == 0.2
    (tool,) = first["tools"]
    assert tool["function"]["name"] == "end_call"
    assert "last_words" in tool["function"]["parameters"]["properties"]
    # The LLM is the caller: the agent's words reach it as "user", its own as "assistant".
    assert [m["role"] for m in second["messages"]] == ["system", "user", "assistant", "user"]
    assert second["messages"][2]["content"] == "Einen Tisch für vier, bitte."
    assert second["messages"][3]["content"] == "Gerne, auf welchen Namen?"


async def test_greeting_is_the_first_user_message(talk, llm) -> None:
    server, caller = await llm(BOOKING, FakeCompletion(tool_calls=[END_CALL]))
    await talk(
        BOOKING, lambda history: "unused", greeting="Restaurant Adler, guten Tag!", caller=caller
    )
    messages = server.requests[0]["messages"]
    assert [m["role"] for m in messages] == ["system", "user"]
    assert messages[1]["content"] == "Restaurant Adler, guten Tag!"


async def test_fixed_first_message_is_said_without_asking_the_llm(talk, llm) -> None:
    scenario = ScenarioSpec(
        name="t", instructions="Ask about opening hours.", first_message="Hi there"
    )
    server, caller = await llm(
        scenario,
        FakeCompletion("When do you open?"),
        FakeCompletion(tool_calls=[{"name": "end_call"}]),
    )
    call = await talk(scenario, lambda history: "How can I help?", caller=caller)
    assert call.caller_lines == ["Hi there", "When do you open?"]
    assert len(server.requests) == 2
    assert call.connection.last_words is None


async def test_conditional_actions_become_rules_in_the_prompt(talk, llm) -> None:
    scenario = ScenarioSpec(
        name="t",
        role="A patient calling to move an appointment",
        conditional_actions=(
            ConditionalAction(id=0, condition="FIRST_MESSAGE", action="Hi, I need to reschedule"),
            ConditionalAction(
                id=1,
                condition="The agent asks for your name",
                action="Say your name",
                fixed_message=False,
            ),
            ConditionalAction(id=2, condition=1, action="<endcall />", type="action_followup"),
        ),
    )
    server, caller = await llm(scenario, FakeCompletion("It's Bo. <endcall />"))
    call = await talk(scenario, lambda history: "Your name, please?", caller=caller)
    assert call.caller_lines == ["Hi, I need to reschedule", "It's Bo."]
    assert call.transcript.end_reason is EndReason.CALLER_ENDED
    system = server.requests[0]["messages"][0]["content"]
    assert "A patient calling to move an appointment" in system
    assert "The agent asks for your name" in system
    assert "Say your name" in system
    assert "right after you carried out rule 1" in system


async def test_llm_down_is_an_infrastructure_failure(talk, llm) -> None:
    _server, caller = await llm(BOOKING, FakeCompletion(status=500))
    call = await talk(BOOKING, lambda history: "unused", caller=caller)
    assert call.transcript.end_reason is EndReason.INFRASTRUCTURE
    assert call.transcript.metadata["failure"] == "infrastructure"
    assert "LLM" in (call.transcript.error or "")
    assert call.connection.closed
    with pytest.raises(LLMError):
        await caller.next_move(Transcript())


async def test_empty_llm_answer_raises_llm_error(llm) -> None:
    _server, caller = await llm(BOOKING, FakeCompletion(""))
    with pytest.raises(LLMError, match="empty"):
        await caller.next_move(Transcript())


async def test_unreachable_endpoint_raises_llm_error() -> None:
    settings = LLMSettings(base_url="http://127.0.0.1:9/v1", model="m", timeout_seconds=2)
    caller = LLMCaller(BOOKING, llm_settings=settings)
    try:
        with pytest.raises(LLMError):
            await caller.next_move(Transcript(turns=[]))
    finally:
        await caller.aclose()
