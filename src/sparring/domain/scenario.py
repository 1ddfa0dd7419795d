"""What one conversation is asked to be: the scenario, the caller's personality, the test data,
and how to reach the agent. Built from stored rows or from a test-suite file."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class PersonalitySpec:
    """Who the simulated caller is."""

    name: str = "Default caller"
    prompt: str = ""
    language: str = "en"
    id: int | None = None


@dataclass(frozen=True, slots=True)
class ConditionalAction:
    """One of Cekura's turn-by-turn conditions (see CEKURA-API-NOTES 3.2).

    `condition` is "FIRST_MESSAGE", a description of the agent's behaviour, `contains "x"`
    tests joined by OR/AND, or (for `action_followup`) the integer id of another condition.
    """

    id: int
    condition: str | int
    action: str
    type: str = "standard"
    fixed_message: bool = True


@dataclass(frozen=True, slots=True)
class ScenarioSpec:
    """A test case: what the caller wants and what a good outcome is."""

    name: str
    id: int | None = None
    instructions: str = ""
    first_message: str = ""
    role: str = ""
    conditional_actions: tuple[ConditionalAction, ...] = ()
    expected_outcome: str = ""
    personality: PersonalitySpec = field(default_factory=PersonalitySpec)
    agent_variables: dict[str, Any] = field(default_factory=dict)
    caller_variables: dict[str, Any] = field(default_factory=dict)
    language: str = "en"
    max_duration: float | None = None
    max_turns: int = 20
    tags: tuple[str, ...] = ()
    metric_ids: tuple[int, ...] = ()
    key: str = ""


@dataclass(frozen=True, slots=True)
class AgentSpec:
    """How to reach the agent under test: `provider_type` picks the transport."""

    provider_type: str
    config: dict[str, Any] = field(default_factory=dict)
    api_key: str = ""
    name: str = "agent"
    id: int | None = None
    description: str = ""
    language: str = "en"
    agent_speaks_first: bool | None = None


@dataclass(frozen=True, slots=True)
class RunContext:
    """Identifiers of one run, sent to agents that want them (e.g. `X-VOCERA-RUN-ID`)."""

    run_id: int = 0
    result_id: int = 0
    scenario_id: int = 0
    agent_variables: dict[str, Any] = field(default_factory=dict)
