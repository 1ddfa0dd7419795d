"""Predefined metrics: values computed by hand on one transcript."""

from __future__ import annotations

from typing import Any

import pytest

from sparring.domain.scenario import ScenarioSpec
from sparring.domain.status import EndReason
from sparring.domain.transcript import Role, ToolCall, Transcript, Turn
from sparring.domain.verdict import EvalType, MetricKind, MetricSpec, MetricVerdict, VerdictStatus
from sparring.evaluation.base import Conversation
from sparring.evaluation.predefined import PREDEFINED_METRICS, PredefinedEvaluator, find_predefined
from sparring.evaluation.signals import result_is_error

CALLS = (
    ToolCall("book", {"day": "Tuesday"}, result='{"error": "slot taken"}'),
    ToolCall("book", {"day": "Tuesday"}, result='{"ok": true, "id": 7}'),
)


def transcript(**kw: Any) -> Transcript:
    return Transcript(
        [
            Turn(Role.AGENT, "Hello, thanks for calling. How can I help?", 0, 2, latency_ms=500),
            Turn(Role.CALLER, "I need to book an appointment.", 3, 5),
            Turn(Role.AGENT, "Sure, what day would you like?", 5.5, 7, latency_ms=500),
            Turn(Role.CALLER, "Tuesday.", 8, 9),
            Turn(Role.AGENT, "Sure, what day would you like?", 10, 11.5, latency_ms=1500),
            Turn(Role.CALLER, "Tuesday!", 12, 13),
            Turn(
                Role.AGENT,
                "Booked for Tuesday. Goodbye.",
                14,
                16,
                latency_ms=2500,
                tool_calls=CALLS,
            ),
        ],
        **{"end_reason": EndReason.AGENT_ENDED, **kw},
    )


async def measure(key: str, t: Transcript | None = None, **configuration: Any) -> MetricVerdict:
    definition = find_predefined(key)
    assert definition is not None
    metric = MetricSpec(
        definition.name,
        definition.eval_type,
        MetricKind.PREDEFINED,
        id=1,
        function_name=definition.slug,
        configuration=configuration,
    )
    conversation = Conversation(ScenarioSpec(name="s"), t or transcript())
    return await PredefinedEvaluator().evaluate(metric, conversation)


@pytest.mark.parametrize(
    ("slug", "score", "enum"),
    [
        ("agent_response_latency", 1250.0, None),  # (500 + 500 + 1500 + 2500) / 4
        ("time_to_first_reply", 500.0, None),
        ("turns", 4, None),
        ("call_duration", 16.0, None),
        ("words_per_agent_turn", 6.0, None),  # (8 + 6 + 6 + 4) / 4
        ("talk_ratio", 0.75, None),  # 24 agent words of 24 + 8
        ("unnecessary_repetition", 1, None),  # turn 4 repeats turn 2
        ("who_ended_call", None, "agent"),
        ("infrastructure_issues", 1, None),
        ("tool_call_errors", 1, None),
    ],
)
async def test_values_computed_by_hand(slug: str, score: float | None, enum: str | None) -> None:
    verdict = await measure(slug)
    assert verdict.status is VerdictStatus.OK, verdict.explanation
    assert (verdict.score, verdict.enum) == (score, enum)
    assert verdict.explanation
    assert verdict.function_name == slug


async def test_latency_percentiles_and_slowest_turn() -> None:
    verdict = await measure("agent_response_latency")
    # p90: rank 0.9 × 3 = 2.7 → 1500 + 0.7 × (2500 − 1500)
    assert verdict.extra == {
        "percentiles": {"p50": 1000.0, "p90": 2200.0},
        "max": 2500.0,
        "count": 4,
    }
    assert verdict.evidence[0].turn == 6


async def test_extras_and_evidence() -> None:
    assert (await measure("turns")).extra == {"messages": 7}
    assert (await measure("talk_ratio")).extra == {"agent_words": 24, "caller_words": 8}
    repetition = await measure("unnecessary_repetition")
    assert repetition.explanation == "turn 4 repeats turn 2"
    assert [e.turn for e in repetition.evidence] == [4]
    errors = await measure("tool_call_errors")
    assert errors.explanation == "1 of 2 tool results look like errors"
    assert [(e.turn, e.quote) for e in errors.evidence] == [(6, '{"error": "slot taken"}')]


@pytest.mark.parametrize(
    ("end", "value"),
    [(EndReason.CALLER_ENDED, "caller"), (EndReason.MAX_TURNS, "other"), (None, "other")],
)
async def test_who_ended(end: EndReason | None, value: str) -> None:
    assert (await measure("who_ended_call", transcript(end_reason=end))).enum == value


@pytest.mark.parametrize(
    ("kw", "configuration", "reason"),
    [
        ({"end_reason": EndReason.INFRASTRUCTURE}, {}, "the call failed on infrastructure"),
        ({"end_reason": EndReason.AGENT_SILENT}, {}, "the agent went silent"),
        ({"error": "connection refused"}, {}, "error: connection refused"),
        ({}, {"infra_issues_timeout": 2}, "turn 6 took 2.5 s (limit 2 s)"),
    ],
)
async def test_infrastructure_issue_scores_0(
    kw: dict[str, Any], configuration: dict[str, Any], reason: str
) -> None:
    verdict = await measure("infrastructure_issues", transcript(**kw), **configuration)
    assert verdict.score == 0
    assert reason in verdict.explanation


async def test_no_agent_reply() -> None:
    silent = Transcript([Turn(Role.CALLER, "Hello?", 0, 1)], end_reason=EndReason.AGENT_SILENT)
    assert (await measure("agent_response_latency", silent)).status is VerdictStatus.INCONCLUSIVE
    assert (await measure("time_to_first_reply", silent)).status is VerdictStatus.INCONCLUSIVE
    assert (await measure("words_per_agent_turn", silent)).status is VerdictStatus.INCONCLUSIVE
    assert (await measure("talk_ratio", silent)).score == 0
    assert (await measure("turns", silent)).score == 0
    assert (await measure("infrastructure_issues", silent)).score == 0


async def test_time_to_first_reply_without_measured_latency() -> None:
    t = Transcript([Turn(Role.CALLER, "Hi", 0, 1.0), Turn(Role.AGENT, "Hello", 1.2, 1.75)])
    assert (await measure("time_to_first_reply", t)).score == 750.0


async def test_function_result_turns_count_when_calls_carry_no_result() -> None:
    t = Transcript(
        [
            Turn(Role.FUNCTION_RESULT, "Error: timeout contacting calendar", 0, 0),
            Turn(Role.FUNCTION_RESULT, '{"status": "ok"}', 1, 1),
        ]
    )
    assert (await measure("tool_call_errors", t)).score == 1


@pytest.mark.parametrize(
    ("result", "error"),
    [
        ('{"error": "x"}', True),
        ('{"success": false}', True),
        ('{"status": "failed"}', True),
        ('{"status_code": 503}', True),
        ("Traceback (most recent call last): ...", True),
        ("Error: no slots", True),
        ("HTTP status 404", True),
        ('{"error": null, "id": 1}', False),
        ('{"status": 200}', False),
        ("Booked slot 3", False),
        ("no errors found", False),
    ],
)
def test_result_is_error(result: str, error: bool) -> None:
    assert result_is_error(result) is error


async def test_lookup_by_code_or_name_and_unknown_is_an_error() -> None:
    conversation = Conversation(ScenarioSpec(name="s"), transcript())
    evaluator = PredefinedEvaluator()
    by_code = MetricSpec("Mine", EvalType.NUMERIC, MetricKind.PREDEFINED, code="0f3f5177")
    assert (await evaluator.evaluate(by_code, conversation)).score == 4
    by_name = MetricSpec("Talk Ratio", EvalType.NUMERIC, MetricKind.PREDEFINED)
    assert (await evaluator.evaluate(by_name, conversation)).score == 0.75
    unknown = MetricSpec("Nope", EvalType.NUMERIC, MetricKind.PREDEFINED, function_name="nope")
    verdict = await evaluator.evaluate(unknown, conversation)
    assert verdict.status is VerdictStatus.ERROR
    assert "no predefined metric 'nope'" in verdict.explanation


async def test_a_stored_eval_type_that_does_not_fit_is_an_error() -> None:
    conversation = Conversation(ScenarioSpec(name="s"), transcript())
    wrong = MetricSpec(
        "Turns", EvalType.BINARY_QUALITATIVE, MetricKind.PREDEFINED, function_name="turns"
    )
    assert (await PredefinedEvaluator().evaluate(wrong, conversation)).status is VerdictStatus.ERROR


def test_catalogue_entries_are_unique_and_listable() -> None:
    codes = [m.code for m in PREDEFINED_METRICS]
    slugs = [m.slug for m in PREDEFINED_METRICS]
    assert len(set(codes)) == len(codes) == 10
    assert len(set(slugs)) == len(slugs)
    assert all(len(c) == 8 and int(c, 16) >= 0 for c in codes)
    item = find_predefined("who_ended_call").to_json()  # type: ignore[union-attr]
    assert item["eval_type"] == "enum"
    assert item["enum_values"] == ["agent", "caller", "other"]
    assert item["code"] == "e6fe9d34"
    assert item["category"] == "Conversation Quality"
    spec = PREDEFINED_METRICS[0].spec(metric_id=12)
    assert (spec.kind, spec.id, spec.function_name) == (
        MetricKind.PREDEFINED,
        12,
        "agent_response_latency",
    )
