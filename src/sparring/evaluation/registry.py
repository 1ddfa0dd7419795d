"""Evaluators found by metric kind: the built-ins, then plugins, then explicit overrides.

Plugins register under the entry point group `sparring.evaluators` (name = kind, value = an
`Evaluator` class, instance or factory). `register` replaces whatever served a kind before, so
the LLM judge can take over `llm_judge` once an LLM is configured; until then `llm_judge`
metrics get an inconclusive verdict saying so.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from functools import cache
from importlib.metadata import entry_points
from typing import ClassVar

from sparring.domain.verdict import MetricKind, MetricSpec, MetricVerdict
from sparring.evaluation.base import Conversation, Evaluator
from sparring.evaluation.custom_code import CustomCodeEvaluator
from sparring.evaluation.offline import BasicEvaluator
from sparring.evaluation.predefined import PredefinedEvaluator
from sparring.evaluation.verdicts import inconclusive_verdict

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "sparring.evaluators"
NO_LLM = (
    "no LLM judge configured: set SPARRING_LLM_BASE_URL and SPARRING_LLM_MODEL "
    "to score llm_judge metrics"
)


class LLMJudgeUnavailable(Evaluator):
    """Stands in for the LLM judge when none is configured: inconclusive, never a pass."""

    kind: ClassVar[str] = MetricKind.LLM_JUDGE.value

    async def evaluate(self, metric: MetricSpec, conversation: Conversation) -> MetricVerdict:
        return inconclusive_verdict(metric, NO_LLM)


class EvaluatorRegistry:
    """Maps a metric kind to the evaluator that scores it."""

    def __init__(self, evaluators: Iterable[Evaluator] = ()) -> None:
        self._by_kind: dict[str, Evaluator] = {}
        for evaluator in evaluators:
            self.register(evaluator)

    def register(self, evaluator: Evaluator, *, kind: str | None = None) -> None:
        """Serve `kind` (default `evaluator.kind`) with `evaluator`, replacing any earlier one."""
        self._by_kind[str(kind or evaluator.kind)] = evaluator

    def get(self, kind: str) -> Evaluator | None:
        """The evaluator for `kind`, or None when nothing serves it."""
        return self._by_kind.get(str(kind))

    def kinds(self) -> list[str]:
        """Every kind an evaluator is registered for."""
        return sorted(self._by_kind)

    def copy(self) -> EvaluatorRegistry:
        """An independent registry with the same evaluators (to override in one place only)."""
        clone = EvaluatorRegistry()
        clone._by_kind = dict(self._by_kind)
        return clone


def builtin_evaluators() -> list[Evaluator]:
    """The evaluators shipped with sparring (no LLM)."""
    return [BasicEvaluator(), PredefinedEvaluator(), CustomCodeEvaluator(), LLMJudgeUnavailable()]


def load_plugins(registry: EvaluatorRegistry, group: str = ENTRY_POINT_GROUP) -> None:
    """Register every evaluator of the entry point group; a broken plugin is logged, skipped."""
    for ep in entry_points(group=group):
        try:
            loaded = ep.load()
            evaluator = loaded if isinstance(loaded, Evaluator) else loaded()
            if not isinstance(evaluator, Evaluator):
                raise TypeError(f"{ep.value} did not give an Evaluator")
        except Exception:  # one bad plugin must not take evaluation down
            log.exception("cannot load evaluator plugin %s = %s", ep.name, ep.value)
            continue
        registry.register(evaluator, kind=ep.name)


@cache
def default_registry() -> EvaluatorRegistry:
    """The process-wide registry: built-ins, then plugins (which may replace built-ins)."""
    registry = EvaluatorRegistry(builtin_evaluators())
    load_plugins(registry)
    return registry


def register_evaluator(evaluator: Evaluator, *, kind: str | None = None) -> None:
    """Serve a kind with `evaluator` in the default registry (e.g. the LLM judge)."""
    default_registry().register(evaluator, kind=kind)
