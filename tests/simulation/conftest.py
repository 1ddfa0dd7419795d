"""Helpers for simulation tests: hold a conversation with the scripted fake agent."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest

from sparring.domain.scenario import RunContext, ScenarioSpec
from sparring.domain.transcript import Transcript
from sparring.simulation.callers.base import Caller
from sparring.simulation.callers.scripted import ScriptedCaller
from sparring.simulation.conversation import converse
from sparring.testing.scripted_agent import ScriptedAgent, ScriptedAgentConnection


@dataclass
class Call:
    """A finished conversation and the fake agent that took part in it."""

    transcript: Transcript
    agent: ScriptedAgent

    @property
    def caller_lines(self) -> list[str]:
        return [t.content for t in self.transcript.caller_turns]

    @property
    def agent_lines(self) -> list[str]:
        return [t.content for t in self.transcript.agent_turns]

    @property
    def connection(self) -> ScriptedAgentConnection:
        return self.agent.connections[0]


Talk = Callable[..., Awaitable[Call]]


@pytest.fixture
def talk() -> Talk:
    """`await talk(scenario, reply_fn, caller=…, converse_options=…, **agent_options)`."""

    async def run(
        scenario: ScenarioSpec,
        reply: Any = None,
        *,
        caller: Caller | None = None,
        converse_options: dict[str, Any] | None = None,
        **agent_options: Any,
    ) -> Call:
        agent = ScriptedAgent(reply, **agent_options)
        transcript = await converse(
            agent,
            caller or ScriptedCaller(scenario),
            scenario,
            RunContext(run_id=1),
            **(converse_options or {}),
        )
        return Call(transcript, agent)

    return run
