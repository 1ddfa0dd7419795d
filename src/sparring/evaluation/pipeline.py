"""Evaluate one run: the expected outcome and every metric, concurrently, never raising.

Custom-code metrics run after the others, so a script can read their results in
`data["<metric name>"]` and the expected outcome in `data["expected_outcome_explanation"]`,
as Cekura's scripts can. A metric whose evaluator raises gets an error verdict instead.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from sparring.domain.verdict import ExpectedOutcome, MetricKind, MetricSpec, MetricVerdict
from sparring.evaluation.base import Conversation, CriteriaJudge, Evaluator, RunEvaluation
from sparring.evaluation.custom_code import (
    METRIC_RESULTS_KEY,
    OUTCOME_EXPLANATION_KEY,
    OUTCOME_SCORE_KEY,
)
from sparring.evaluation.offline import OfflineCriteriaJudge
from sparring.evaluation.outcome import judge_expected_outcome
from sparring.evaluation.predefined import predefined_for
from sparring.evaluation.registry import EvaluatorRegistry, default_registry
from sparring.evaluation.verdicts import error_verdict

log = logging.getLogger(__name__)


async def evaluate_run(
    conversation: Conversation,
    metrics: list[MetricSpec],
    *,
    criteria_judge: CriteriaJudge | None = None,
    registry: EvaluatorRegistry | None = None,
) -> RunEvaluation:
    """The expected-outcome verdict and one verdict per metric, in the order given."""
    registry = registry or default_registry()
    judge = criteria_judge or OfflineCriteriaJudge()
    later = [i for i, m in enumerate(metrics) if m.kind is MetricKind.CUSTOM_CODE]
    first = [i for i in range(len(metrics)) if i not in later]
    outcome, first_verdicts = await asyncio.gather(
        _expected_outcome(conversation, judge),
        _evaluate_all([metrics[i] for i in first], conversation, registry),
    )
    verdicts = dict(zip(first, first_verdicts, strict=True))
    if later:
        enriched = _with_results(conversation, outcome, first_verdicts)
        later_verdicts = await _evaluate_all([metrics[i] for i in later], enriched, registry)
        verdicts.update(zip(later, later_verdicts, strict=True))
    return RunEvaluation(
        expected_outcome=outcome, metrics=[verdicts[i] for i in range(len(metrics))]
    )


async def _evaluate_all(
    metrics: list[MetricSpec], conversation: Conversation, registry: EvaluatorRegistry
) -> list[MetricVerdict]:
    return list(
        await asyncio.gather(*(evaluate_metric(m, conversation, registry) for m in metrics))
    )


async def evaluate_metric(
    metric: MetricSpec, conversation: Conversation, registry: EvaluatorRegistry | None = None
) -> MetricVerdict:
    """One metric's verdict; an unknown kind or a crashing evaluator gives an error verdict."""
    evaluator = evaluator_for(metric, registry or default_registry())
    if evaluator is None:
        return error_verdict(metric, f"no evaluator for metric kind {metric.kind.value!r}")
    try:
        verdict = await evaluator.evaluate(metric, conversation)
    except Exception as exc:  # one broken metric must not sink the run
        log.exception("evaluator %s failed on metric %r", type(evaluator).__name__, metric.name)
        return error_verdict(metric, f"the {metric.kind.value} evaluator failed: {_describe(exc)}")
    if not isinstance(verdict, MetricVerdict):
        return error_verdict(metric, f"the {metric.kind.value} evaluator returned no verdict")
    return verdict


def evaluator_for(metric: MetricSpec, registry: EvaluatorRegistry) -> Evaluator | None:
    """The evaluator of the metric's kind; a `basic` metric with no checks that names a
    predefined function (stored metrics copied from the catalogue) goes to `predefined`."""
    kind = metric.kind
    has_checks = "checks" in metric.configuration or "criteria" in metric.configuration
    if kind is MetricKind.BASIC and not has_checks and predefined_for(metric) is not None:
        kind = MetricKind.PREDEFINED
    return registry.get(kind.value)


async def _expected_outcome(conversation: Conversation, judge: CriteriaJudge) -> ExpectedOutcome:
    try:
        return await judge_expected_outcome(
            conversation.scenario.expected_outcome, conversation, judge
        )
    except Exception as exc:  # judge_expected_outcome fails closed already; this is a backstop
        log.exception("expected outcome could not be judged")
        return ExpectedOutcome(
            None, [f"❔ the expected outcome could not be judged: {_describe(exc)}"]
        )


def _with_results(
    conversation: Conversation, outcome: ExpectedOutcome, verdicts: list[MetricVerdict]
) -> Conversation:
    results: dict[str, Any] = {v.name: v.enum if v.enum is not None else v.score for v in verdicts}
    metadata = {
        **conversation.metadata,
        METRIC_RESULTS_KEY: results,
        OUTCOME_SCORE_KEY: outcome.score,
        OUTCOME_EXPLANATION_KEY: list(outcome.explanation),
    }
    return Conversation(
        conversation.scenario, conversation.transcript, conversation.run_id, metadata
    )


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
