"""Scores: the expected outcome of a run and metric verdicts.

Score scales, the same in the API, the CLI and the dashboard:

| eval_type | `score` | meaning |
| --- | --- | --- |
| binary_workflow_adherence, binary_qualitative | 0 or 1 | 1 = pass, 0 = fail |
| continuous_qualitative | 0–5 | a rating, 5 = best |
| numeric | any number | the measured value (e.g. ms); percentiles across runs |
| enum | null | the chosen value is in `enum` |
| expected outcome | 0–100 | share of criteria met; 100 = met |

A verdict whose `status` is not `ok` has `score` None: it counts neither as pass nor as fail.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class EvalType(StrEnum):
    """The five metric kinds of the seed."""

    BINARY_WORKFLOW_ADHERENCE = "binary_workflow_adherence"
    BINARY_QUALITATIVE = "binary_qualitative"
    CONTINUOUS_QUALITATIVE = "continuous_qualitative"
    NUMERIC = "numeric"
    ENUM = "enum"

    @property
    def binary(self) -> bool:
        return self in (EvalType.BINARY_WORKFLOW_ADHERENCE, EvalType.BINARY_QUALITATIVE)


class MetricKind(StrEnum):
    """How a metric is computed."""

    LLM_JUDGE = "llm_judge"
    CUSTOM_CODE = "custom_code"
    BASIC = "basic"
    PREDEFINED = "predefined"


class VerdictStatus(StrEnum):
    """Whether a verdict could be reached."""

    OK = "ok"
    INCONCLUSIVE = "inconclusive"
    ERROR = "error"


@dataclass(frozen=True, slots=True)
class Evidence:
    """Where in the transcript a verdict is grounded: a turn index and a quote."""

    turn: int
    quote: str


@dataclass(frozen=True, slots=True)
class MetricSpec:
    """A metric as the evaluators see it."""

    name: str
    eval_type: EvalType
    kind: MetricKind = MetricKind.BASIC
    id: int | None = None
    description: str = ""
    prompt: str = ""
    enum_values: tuple[str, ...] = ()
    code: str = ""
    configuration: dict[str, Any] = field(default_factory=dict)
    function_name: str = ""


@dataclass(slots=True)
class MetricVerdict:
    """One metric's verdict on one run."""

    name: str
    eval_type: EvalType
    score: float | None
    metric_id: int | None = None
    status: VerdictStatus = VerdictStatus.OK
    explanation: str = ""
    enum: str | None = None
    evidence: list[Evidence] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)
    function_name: str = ""

    def to_json(self) -> dict[str, Any]:
        """The seed's `evaluation.metrics[]` item (plus `status` and `evidence`)."""
        return {
            "id": self.metric_id,
            "name": self.name,
            "type": self.eval_type.value,
            "score": self.score,
            "explanation": self.explanation,
            "function_name": self.function_name or None,
            "extra": self.extra,
            "enum": self.enum,
            "status": self.status.value,
            "evidence": [{"turn": e.turn, "quote": e.quote} for e in self.evidence],
        }

    @property
    def passed(self) -> bool | None:
        """True/False for a conclusive binary verdict, else None."""
        if self.status is not VerdictStatus.OK or self.score is None or not self.eval_type.binary:
            return None
        return self.score >= 1


@dataclass(frozen=True, slots=True)
class CriterionVerdict:
    """One part of an expected outcome: met, not met, or undecided (`aligned` None)."""

    prompt_part: str
    outcome: str
    aligned: bool | None
    evidence: tuple[Evidence, ...] = ()


@dataclass(slots=True)
class ExpectedOutcome:
    """The expected-outcome verdict of a run: score 0–100, ✅/❌ lines, per-criterion alignments."""

    score: float | None
    explanation: list[str] = field(default_factory=list)
    alignments: list[CriterionVerdict] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """The seed's run `expected_outcome` object."""
        return {
            "score": self.score,
            "explanation": list(self.explanation),
            "outcome_alignments": [
                {"outcome": a.outcome, "prompt_part": a.prompt_part, "aligned": a.aligned}
                for a in self.alignments
            ],
        }

    @property
    def met(self) -> bool:
        return self.score is not None and self.score >= 100

    @property
    def inconclusive(self) -> bool:
        return any(a.aligned is None for a in self.alignments) and not any(
            a.aligned is False for a in self.alignments
        )
