"""evaluate_run: expected outcome plus every metric, concurrently, never raising."""

from __future__ import annotations

import asyncio
from importlib.metadata import EntryPoint
from typing import Any, ClassVar

import pytest

from sparring.domain.scenario import ScenarioSpec
from sparring.domain.status import EndReason
from sparring.domain.transcript import Role, Transcript, Turn
from sparring.domain.verdict import (
    CriterionVerdict,
    EvalType,
    MetricKind,
    MetricSpec,
    MetricVerdict,
    VerdictStatus,
)
from sparring.evaluation import registry as registry_module
from sparring.evaluation.base import Conversation, CriteriaJudge, Evaluator
from sparring.evaluation.pipeline import evaluate_run
from sparring.evaluation.registry import (
    EvaluatorRegistry,
    LLMJudgeUnavailable,
    default_registry,
    load_plugins,
)

CONVERSATION = Conversation(
    ScenarioSpec(
        name="Booking", expected_outcome='The agent says "booked". The agent ends the call.'
    ),
    Transcript(
        [
            Turn(Role.CALLER, "Book me in.", 0, 1),
            Turn(Role.AGENT, "You are booked. Bye!", 1, 2, latency_ms=650),
        ],
        end_reason=EndReason.AGENT_ENDED,
    ),
    run_id=8,
)
BINARY = EvalType.BINARY_WORKFLOW_ADHERENCE


def metric(name: str, kind: MetricKind, eval_type: EvalType = BINARY, **kw: Any) -> MetricSpec:
    return MetricSpec(name, eval_type, kind, **kw)


class Exploding(Evaluator):
    kind: ClassVar[str] = "llm_judge"

    async def evaluate(self, metric: MetricSpec, conversation: Conversation) -> MetricVerdict:
        raise RuntimeError("model exploded")


class NotAVerdict(Evaluator):
    kind: ClassVar[str] = "llm_judge"

    async def evaluate(self, metric: MetricSpec, conversation: Conversation) -> MetricVerdict:
        return "yes"  # type: ignore[return-value]


class FakeLLMJudge(Evaluator):
    kind: ClassVar[str] = "llm_judge"

    async def evaluate(self, metric: MetricSpec, conversation: Conversation) -> MetricVerdict:
        return MetricVerdict(
            metric.name, metric.eval_type, 1.0, metric.id, explanation="LLM says yes"
        )


async def test_a_full_run() -> None:
    metrics = [
        metric(
            "Says booked",
            MetricKind.BASIC,
            configuration={"checks": [{"kind": "must_say", "text": "booked"}]},
        ),
        metric(
            "Latency",
            MetricKind.PREDEFINED,
            EvalType.NUMERIC,
            function_name="agent_response_latency",
        ),
        metric("Politeness", MetricKind.LLM_JUDGE, id=4),
        metric("Script", MetricKind.CUSTOM_CODE, EvalType.NUMERIC, code="_result = data['run_id']"),
    ]
    result = await evaluate_run(CONVERSATION, metrics)
    assert result.expected_outcome.score == 100
    assert [v.name for v in result.metrics] == ["Says booked", "Latency", "Politeness", "Script"]
    assert [v.score for v in result.metrics] == [1, 650, None, 8]
    llm = result.metrics[2]
    assert llm.status is VerdictStatus.INCONCLUSIVE
    assert llm.metric_id == 4
    assert "no LLM judge configured" in llm.explanation
    assert "SPARRING_LLM_BASE_URL" in llm.explanation


@pytest.mark.parametrize("evaluator", [Exploding(), NotAVerdict()])
async def test_a_broken_evaluator_becomes_an_error_verdict(evaluator: Evaluator) -> None:
    registry = default_registry().copy()
    registry.register(evaluator)
    metrics = [
        metric("Broken", MetricKind.LLM_JUDGE),
        metric("Turns", MetricKind.PREDEFINED, EvalType.NUMERIC, function_name="turns"),
    ]
    result = await evaluate_run(CONVERSATION, metrics, registry=registry)
    broken, turns = result.metrics
    assert broken.status is VerdictStatus.ERROR
    assert broken.score is None
    assert "llm_judge evaluator" in broken.explanation
    assert turns.score == 1
    assert result.expected_outcome.score == 100


async def test_exception_message_is_in_the_error_verdict() -> None:
    registry = default_registry().copy()
    registry.register(Exploding())
    result = await evaluate_run(
        CONVERSATION, [metric("Broken", MetricKind.LLM_JUDGE)], registry=registry
    )
    assert (
        result.metrics[0].explanation
        == "the llm_judge evaluator failed: RuntimeError: model exploded"
    )


async def test_no_evaluator_for_a_kind_is_an_error_verdict() -> None:
    result = await evaluate_run(
        CONVERSATION, [metric("M", MetricKind.BASIC)], registry=EvaluatorRegistry()
    )
    assert result.metrics[0].status is VerdictStatus.ERROR
    assert result.metrics[0].explanation == "no evaluator for metric kind 'basic'"


async def test_registry_override_plugs_in_an_llm_judge_without_touching_the_default() -> None:
    registry = default_registry().copy()
    registry.register(FakeLLMJudge())
    result = await evaluate_run(
        CONVERSATION, [metric("Polite", MetricKind.LLM_JUDGE)], registry=registry
    )
    assert (result.metrics[0].score, result.metrics[0].explanation) == (1.0, "LLM says yes")
    assert isinstance(default_registry().get("llm_judge"), LLMJudgeUnavailable)


async def test_the_given_criteria_judge_decides_the_expected_outcome() -> None:
    class No(CriteriaJudge):
        async def judge(
            self, criteria: list[str], conversation: Conversation
        ) -> list[CriterionVerdict]:
            return [CriterionVerdict(c, "nope", False) for c in criteria]

    result = await evaluate_run(CONVERSATION, [], criteria_judge=No())
    assert result.expected_outcome.score == 0
    assert result.expected_outcome.explanation[0] == '❌ The agent says "booked": nope'
    assert result.metrics == []


async def test_custom_code_sees_other_results_and_the_expected_outcome() -> None:
    code = (
        "_result = data['Turns'] == 1 and data['Who'] == 'agent'\n"
        "_result = _result and data['expected_outcome_score'] == 100\n"
        "_explanation = data['expected_outcome_explanation'][0]\n"
    )
    metrics = [
        metric("Script", MetricKind.CUSTOM_CODE, code=code),
        metric("Turns", MetricKind.PREDEFINED, EvalType.NUMERIC, function_name="turns"),
        metric("Who", MetricKind.PREDEFINED, EvalType.ENUM, function_name="who_ended_call"),
    ]
    result = await evaluate_run(CONVERSATION, metrics)
    script = result.metrics[0]
    assert (script.status, script.score) == (VerdictStatus.OK, 1), script.explanation
    assert script.explanation.startswith('✅ The agent says "booked"')


async def test_metrics_are_evaluated_concurrently() -> None:
    both_started = asyncio.Event()
    started: list[str] = []

    class Rendezvous(Evaluator):
        kind: ClassVar[str] = "llm_judge"

        async def evaluate(self, metric: MetricSpec, conversation: Conversation) -> MetricVerdict:
            started.append(metric.name)
            if len(started) == 2:
                both_started.set()
            await asyncio.wait_for(both_started.wait(), 2)  # sequential evaluation would time out
            return MetricVerdict(metric.name, metric.eval_type, 1.0)

    registry = EvaluatorRegistry([Rendezvous()])
    metrics = [metric("A", MetricKind.LLM_JUDGE), metric("B", MetricKind.LLM_JUDGE)]
    result = await evaluate_run(CONVERSATION, metrics, registry=registry)
    assert [v.score for v in result.metrics] == [1, 1]


async def test_a_basic_metric_naming_a_predefined_function_is_measured() -> None:
    copied = metric(
        "Call Duration", MetricKind.BASIC, EvalType.NUMERIC, function_name="call_duration"
    )
    result = await evaluate_run(CONVERSATION, [copied])
    assert result.metrics[0].score == 2.0


async def test_no_expected_outcome_and_no_metrics() -> None:
    bare = Conversation(ScenarioSpec(name="s"), Transcript())
    result = await evaluate_run(bare, [])
    assert result.expected_outcome.score is None
    assert result.expected_outcome.explanation == ["No expected outcome defined."]


def test_default_registry_serves_every_kind() -> None:
    assert default_registry().kinds() == ["basic", "custom_code", "llm_judge", "predefined"]


def test_plugins_come_from_entry_points_and_a_broken_one_is_skipped(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    plugins = [
        EntryPoint("llm_judge", "tests_evaluation_missing_module:Judge", "sparring.evaluators"),
        EntryPoint(
            "sentiment", "sparring.evaluation.registry:LLMJudgeUnavailable", "sparring.evaluators"
        ),
    ]
    monkeypatch.setattr(registry_module, "entry_points", lambda group: plugins)
    registry = EvaluatorRegistry([FakeLLMJudge()])
    load_plugins(registry)
    assert isinstance(registry.get("sentiment"), LLMJudgeUnavailable)
    assert isinstance(registry.get("llm_judge"), FakeLLMJudge)
