"""The evaluator contract: one metric, one conversation, one typed verdict."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, ClassVar

from sparring.domain.scenario import ScenarioSpec
from sparring.domain.transcript import Transcript
from sparring.domain.verdict import CriterionVerdict, ExpectedOutcome, MetricSpec, MetricVerdict


@dataclass(frozen=True, slots=True)
class Conversation:
    """What evaluators read: the scenario asked for and the transcript that happened."""

    scenario: ScenarioSpec
    transcript: Transcript
    run_id: int = 0
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class RunEvaluation:
    """Everything evaluation says about one run."""

    expected_outcome: ExpectedOutcome
    metrics: list[MetricVerdict] = field(default_factory=list)


class Evaluator(ABC):
    """Scores metrics of one `MetricKind` (registered under `kind`)."""

    kind: ClassVar[str]

    @abstractmethod
    async def evaluate(self, metric: MetricSpec, conversation: Conversation) -> MetricVerdict:
        """The metric's verdict on the conversation; never raises for a bad metric."""


class CriteriaJudge(ABC):
    """Decides the criteria of an expected outcome (offline checks, or an LLM judge)."""

    @abstractmethod
    async def judge(
        self, criteria: list[str], conversation: Conversation
    ) -> list[CriterionVerdict]:
        """One verdict per criterion, in order; `aligned` None when it cannot decide."""
