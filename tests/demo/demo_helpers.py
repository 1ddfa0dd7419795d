"""Helpers for the demo tests: the clinic suite and manifest, and playing a suite case
through sparring's own conversation loop, scripted caller and offline judge."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from sparring.demo import bug_manifest
from sparring.demo.clinic import respond
from sparring.domain.scenario import AgentSpec, ConditionalAction, RunContext, ScenarioSpec
from sparring.domain.transcript import Transcript
from sparring.domain.verdict import ExpectedOutcome
from sparring.evaluation.base import Conversation
from sparring.evaluation.offline import OfflineCriteriaJudge
from sparring.evaluation.outcome import judge_expected_outcome
from sparring.simulation.callers.scripted import ScriptedCaller
from sparring.simulation.conversation import converse
from sparring.transports import Transport, get_transport

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "clinic"


@cache
def suite() -> dict[str, Any]:
    doc: dict[str, Any] = json.loads((EXAMPLE / "suite.json").read_text())
    return doc


def manifest() -> dict[str, Any]:
    return bug_manifest()


def scenarios() -> list[ScenarioSpec]:
    """Every case of the suite, defaults applied, as the conversation loop takes it."""
    defaults = suite().get("defaults") or {}
    return [_scenario({**defaults, **case}) for case in suite()["scenarios"]]


def _scenario(case: dict[str, Any]) -> ScenarioSpec:
    profile = case.get("test_profile") or {}
    actions = case.get("conditional_actions") or {}
    return ScenarioSpec(
        name=case["name"],
        key=case["key"],
        instructions=case.get("instructions", ""),
        first_message=case.get("first_message", ""),
        role=actions.get("role", ""),
        conditional_actions=tuple(ConditionalAction(**c) for c in actions.get("conditions", [])),
        expected_outcome=case.get("expected_outcome", ""),
        agent_variables=dict(profile.get("agent_variables") or {}),
        caller_variables=dict(profile.get("caller_variables") or {}),
        language=case.get("language", "en"),
    )


def failing_keys(variant_bugs: set[str]) -> set[str]:
    """The suite keys the manifest says fail when these bugs are planted."""
    return {k for b in manifest()["bugs"] if b["id"] in variant_bugs for k in b["scenarios"]}


def python_transport(callable_name: str) -> Transport:
    spec = AgentSpec(provider_type="python", config={"callable": callable_name})
    return get_transport("python")(spec)


async def play(transport: Transport, scenario: ScenarioSpec) -> Transcript:
    """One conversation with the offline scripted caller."""
    caller = ScriptedCaller(scenario)
    try:
        return await converse(transport, caller, scenario, RunContext(), silence_timeout=10)
    finally:
        await caller.aclose()


async def judge(scenario: ScenarioSpec, transcript: Transcript) -> ExpectedOutcome:
    """The expected outcome as the offline judge decides it."""
    conversation = Conversation(scenario=scenario, transcript=transcript)
    return await judge_expected_outcome(
        scenario.expected_outcome, conversation, OfflineCriteriaJudge()
    )


def chat(variant: str, lines: list[str]) -> list[dict[str, Any]]:
    """Say `lines` to `respond()` one by one; the agent's replies (stops when it hangs up)."""
    messages: list[dict[str, Any]] = []
    replies = []
    for line in lines:
        messages.append({"role": "user", "content": line})
        reply = respond(variant, messages)
        replies.append(reply)
        messages.append({"role": "assistant", "content": reply["content"]})
        if reply["end_call"]:
            break
    return replies
