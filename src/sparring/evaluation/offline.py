"""Offline evaluation: the criteria judge built on deterministic checks, and `basic` metrics.

`OfflineCriteriaJudge` decides the expected-outcome criteria it can read (docs/metrics.md lists
the forms) and leaves the rest undecided. `BasicEvaluator` scores a metric of kind `basic` from
its declarative checks: 1 when every check passes, 0 when one fails, inconclusive otherwise.
"""

from __future__ import annotations

import logging
from typing import ClassVar

from sparring.domain.transcript import Transcript
from sparring.domain.verdict import CriterionVerdict, MetricKind, MetricSpec, MetricVerdict
from sparring.errors import BadInput
from sparring.evaluation.base import Conversation, CriteriaJudge, Evaluator
from sparring.evaluation.check_config import Entry, checks_from_configuration
from sparring.evaluation.checks import Check, CheckResult
from sparring.evaluation.outcome import NO_OFFLINE_CHECK, outcome_line
from sparring.evaluation.recognisers import parse_criterion
from sparring.evaluation.verdicts import error_verdict, inconclusive_verdict, make_verdict

log = logging.getLogger(__name__)


def decide(check: Check | None, transcript: Transcript) -> CheckResult:
    """Run a check; an unreadable criterion (None) or a crashing check is undecided."""
    if check is None:
        return CheckResult(None, NO_OFFLINE_CHECK)
    try:
        return check.run(transcript)
    except Exception as exc:  # a bug in one check must not decide, nor sink the others
        log.exception("check %r failed", check)
        return CheckResult(None, f"the check failed: {type(exc).__name__}: {exc}")


class OfflineCriteriaJudge(CriteriaJudge):
    """Decides criteria with the deterministic recognisers; others stay undecided (None)."""

    async def judge(
        self, criteria: list[str], conversation: Conversation
    ) -> list[CriterionVerdict]:
        verdicts = []
        for criterion in criteria:
            result = decide(parse_criterion(criterion), conversation.transcript)
            verdicts.append(
                CriterionVerdict(criterion, result.reason, result.aligned, result.evidence)
            )
        return verdicts


class FallbackCriteriaJudge(CriteriaJudge):
    """Asks `first`; the criteria it leaves undecided go to `then` (e.g. offline, then an LLM)."""

    def __init__(self, first: CriteriaJudge, then: CriteriaJudge):
        self.first = first
        self.then = then

    async def judge(
        self, criteria: list[str], conversation: Conversation
    ) -> list[CriterionVerdict]:
        verdicts = list(await self.first.judge(criteria, conversation))
        open_ = [i for i, v in enumerate(verdicts) if v.aligned is None]
        if not open_:
            return verdicts
        try:
            later = await self.then.judge([criteria[i] for i in open_], conversation)
        except Exception:  # the first judge's verdicts still stand
            log.warning("fallback judge %s failed", type(self.then).__name__, exc_info=True)
            return verdicts
        for index, verdict in zip(open_, later, strict=False):
            verdicts[index] = verdict
        return verdicts


class BasicEvaluator(Evaluator):
    """Kind `basic`: `configuration.checks` / `configuration.criteria` as a pass/fail metric."""

    kind: ClassVar[str] = MetricKind.BASIC.value

    async def evaluate(self, metric: MetricSpec, conversation: Conversation) -> MetricVerdict:
        if not metric.eval_type.binary:
            return error_verdict(
                metric,
                "basic checks give pass/fail: set eval_type to binary_workflow_adherence "
                "or binary_qualitative",
            )
        try:
            entries = _entries(metric)
        except BadInput as exc:
            return error_verdict(metric, f"bad check configuration: {exc}")
        if not entries:
            return error_verdict(
                metric, "no checks configured: set configuration.checks or configuration.criteria"
            )
        return _score(metric, entries, conversation.transcript)


def _entries(metric: MetricSpec) -> list[Entry]:
    configuration = metric.configuration
    if "checks" in configuration or "criteria" in configuration:
        return checks_from_configuration(configuration)
    # A basic metric made without configuration: its description holds the criteria.
    text = metric.prompt or metric.description
    return checks_from_configuration({"criteria": text}) if text.strip() else []


def _score(metric: MetricSpec, entries: list[Entry], transcript: Transcript) -> MetricVerdict:
    results = [(criterion, decide(check, transcript)) for criterion, check in entries]
    lines = "\n".join(outcome_line(c, r.aligned, r.reason) for c, r in results)
    failed = [r for _, r in results if r.aligned is False]
    if failed:
        evidence = [e for r in failed for e in r.evidence]
        return make_verdict(metric, 0.0, lines, evidence=evidence)
    evidence = [e for _, r in results for e in r.evidence]
    if all(r.aligned is True for _, r in results):
        return make_verdict(metric, 1.0, lines, evidence=evidence)
    return inconclusive_verdict(metric, lines, evidence)
