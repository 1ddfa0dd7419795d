"""Metrics of kind `basic`: declarative checks scored pass/fail."""

from __future__ import annotations

from typing import Any

import pytest

from sparring.domain.scenario import ScenarioSpec
from sparring.domain.status import EndReason
from sparring.domain.transcript import Role, ToolCall, Transcript, Turn
from sparring.domain.verdict import EvalType, MetricKind, MetricSpec, MetricVerdict, VerdictStatus
from sparring.errors import BadInput
from sparring.evaluation.base import Conversation
from sparring.evaluation.check_config import checks_from_configuration
from sparring.evaluation.offline import BasicEvaluator

CONVERSATION = Conversation(
    ScenarioSpec(name="s"),
    Transcript(
        [
            Turn(Role.CALLER, "Book me for Tuesday. I'm jane@example.com", 0, 1),
            Turn(
                Role.AGENT,
                "Done, you're booked for Tuesday. Anything else?",
                1,
                2,
                latency_ms=900,
                tool_calls=(ToolCall("book", {"day": "Tuesday"}, result='{"ok": true}'),),
            ),
            Turn(Role.CALLER, "No, bye.", 2, 3),
            Turn(Role.AGENT, "Goodbye and thank you, jane@example.com!", 3, 4, latency_ms=300),
        ],
        end_reason=EndReason.CALLER_ENDED,
    ),
)


def metric(
    configuration: dict[str, Any],
    eval_type: EvalType = EvalType.BINARY_WORKFLOW_ADHERENCE,
    **kw: Any,
) -> MetricSpec:
    return MetricSpec(
        "Checks", eval_type, MetricKind.BASIC, id=5, configuration=configuration, **kw
    )


async def evaluate(spec: MetricSpec) -> MetricVerdict:
    return await BasicEvaluator().evaluate(spec, CONVERSATION)


ALL_KINDS_PASS = [
    {"kind": "must_say", "text": "booked for tuesday"},
    {"kind": "must_say", "any_of": ["monday", "goodbye"]},
    {"kind": "must_say", "all_of": ["anything else", "goodbye"]},
    {"kind": "must_not_say", "text": ["sorry", "cannot"]},
    {"kind": "tool_call", "name": "book", "arguments": {"day": "tuesday"}},
    {"kind": "no_tool_call", "name": "cancel"},
    {"kind": "ended_by", "who": "caller"},
    {"kind": "ended_by", "who": "agent", "negate": True},
    {"kind": "language", "language": "English"},
    {"kind": "max_latency_ms", "limit": 1000},
    {"kind": "max_turns", "limit": 2},
    {"kind": "no_pii"},
]


async def test_every_check_kind_passes_and_scores_1() -> None:
    verdict = await evaluate(metric({"checks": ALL_KINDS_PASS}))
    assert verdict.status is VerdictStatus.OK
    assert verdict.score == 1
    assert verdict.passed is True
    assert verdict.metric_id == 5
    lines = verdict.explanation.splitlines()
    assert len(lines) == len(ALL_KINDS_PASS)
    assert all(line.startswith("✅ ") for line in lines)
    assert lines[0] == '✅ The agent says "booked for tuesday": said "booked for tuesday" (turn 1)'


@pytest.mark.parametrize(
    "check",
    [
        {"kind": "must_say", "text": "refund"},
        {"kind": "must_not_say", "text": "goodbye"},
        {"kind": "tool_call", "name": "book", "arguments": {"day": "Monday"}},
        {"kind": "no_tool_call", "name": "book"},
        {"kind": "ended_by", "who": "agent"},
        {"kind": "language", "language": "de"},
        {"kind": "max_latency_ms", "limit": 500},
        {"kind": "max_turns", "limit": 1},
    ],
)
async def test_one_failing_check_scores_0_with_its_evidence(check: dict[str, Any]) -> None:
    verdict = await evaluate(metric({"checks": [ALL_KINDS_PASS[0], check]}))
    assert verdict.score == 0
    assert verdict.passed is False
    assert verdict.explanation.splitlines()[1].startswith("❌ ")


async def test_criteria_sentences_and_an_unreadable_one_is_inconclusive() -> None:
    verdict = await evaluate(
        metric({"criteria": ['The agent says "goodbye"', "The agent sounds friendly"]})
    )
    assert verdict.status is VerdictStatus.INCONCLUSIVE
    assert verdict.score is None
    assert verdict.passed is None
    assert "❔ The agent sounds friendly: inconclusive (no offline check" in verdict.explanation


async def test_a_failure_outweighs_an_inconclusive() -> None:
    verdict = await evaluate(metric({"criteria": 'The agent says "refund". The agent is nice.'}))
    assert verdict.score == 0


async def test_description_is_the_criteria_when_no_configuration() -> None:
    verdict = await evaluate(metric({}, description='The agent never says "sorry"'))
    assert verdict.score == 1


async def test_reading_back_the_callers_address_is_not_a_leak() -> None:
    verdict = await evaluate(metric({"checks": [{"kind": "no_pii"}]}))
    assert verdict.score == 1  # the caller said jane@example.com first


@pytest.mark.parametrize(
    ("configuration", "field"),
    [
        ({"checks": [{"kind": "shout"}]}, "configuration.checks[0].kind"),
        ({"checks": [{"kind": "must_say"}]}, "configuration.checks[0].text"),
        ({"checks": [{"kind": "must_say", "text": [""]}]}, "configuration.checks[0].text"),
        ({"checks": [{"kind": "tool_call"}]}, "configuration.checks[0].name"),
        (
            {"checks": [{"kind": "tool_call", "name": "x", "arguments": [1]}]},
            "configuration.checks[0].arguments",
        ),
        ({"checks": [{"kind": "ended_by", "who": "nobody"}]}, "configuration.checks[0].who"),
        (
            {"checks": [{"kind": "language", "language": "Klingon"}]},
            "configuration.checks[0].language",
        ),
        (
            {"checks": [{"kind": "max_latency_ms", "limit": "fast"}]},
            "configuration.checks[0].limit",
        ),
        ({"checks": [{"kind": "max_turns", "limit": 2.5}]}, "configuration.checks[0].limit"),
        ({"checks": [{"kind": "no_pii", "allow": "x"}]}, "configuration.checks[0].allow"),
        ({"checks": {"kind": "must_say"}}, "configuration.checks"),
        ({"criteria": [1]}, "configuration.criteria"),
        ({"checks": ["must_say"]}, "configuration.checks[0]"),
    ],
)
async def test_bad_configuration_is_an_error_naming_the_field(
    configuration: dict[str, Any], field: str
) -> None:
    with pytest.raises(BadInput) as caught:
        checks_from_configuration(configuration)
    assert caught.value.field == field
    verdict = await evaluate(metric(configuration))
    assert verdict.status is VerdictStatus.ERROR
    assert verdict.score is None
    assert field in verdict.explanation


async def test_no_checks_is_an_error() -> None:
    verdict = await evaluate(metric({}))
    assert verdict.status is VerdictStatus.ERROR
    assert "no checks configured" in verdict.explanation


@pytest.mark.parametrize(
    "eval_type", [EvalType.NUMERIC, EvalType.ENUM, EvalType.CONTINUOUS_QUALITATIVE]
)
async def test_basic_checks_need_a_binary_metric(eval_type: EvalType) -> None:
    verdict = await evaluate(metric({"checks": ALL_KINDS_PASS}, eval_type))
    assert verdict.status is VerdictStatus.ERROR
    assert "binary" in verdict.explanation


async def test_binary_qualitative_works_too() -> None:
    verdict = await evaluate(metric({"checks": ALL_KINDS_PASS[:1]}, EvalType.BINARY_QUALITATIVE))
    assert verdict.score == 1
