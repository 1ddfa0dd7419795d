"""`RunSummary`: what result aggregation needs to know about one run, as plain values."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sparring.domain.status import TERMINAL
from sparring.domain.transcript import Role
from sparring.domain.verdict import EvalType, Evidence, MetricVerdict, VerdictStatus

_TERMINAL = frozenset(s.value for s in TERMINAL)
_LEGACY_TYPES = {"binary": EvalType.BINARY_QUALITATIVE.value}
_OUTCOME_MARKS = ("✅", "❌", "❔")


@dataclass(slots=True)
class RunSummary:
    """One run for aggregation: its outcome, metric verdicts, tags and timings.

    `expected_score` is the expected outcome's 0–100 score (None: none defined or undecided),
    `expected_explanation` its ✅/❌/❔ lines; `latencies_ms` the agent replies' latencies;
    `duration` seconds; `connected` whether the run has any transcript.
    """

    run_id: int
    scenario_id: int | None = None
    scenario_name: str = ""
    status: str = "completed"
    success: bool | None = None
    expected_score: float | None = None
    expected_explanation: list[str] = field(default_factory=list)
    metrics: list[MetricVerdict] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    latencies_ms: list[float] = field(default_factory=list)
    duration: float = 0.0
    connected: bool = True
    infrastructure_failure: bool = False
    frequency_index: int = 0
    error_message: str = ""

    @property
    def terminal(self) -> bool:
        return self.status in _TERMINAL

    @property
    def failed(self) -> bool:
        """Finished without success (failed, undecided, cancelled, timed out)."""
        return self.success is False or (self.terminal and self.success is not True)

    @property
    def scenario_key(self) -> str:
        """The scenario's id as a string, or its name when it has no id."""
        return str(self.scenario_id) if self.scenario_id is not None else self.scenario_name

    @property
    def has_expected_outcome(self) -> bool:
        return self.expected_score is not None or any(
            line.startswith(_OUTCOME_MARKS) for line in self.expected_explanation
        )

    @classmethod
    def from_stored(
        cls,
        *,
        run_id: int,
        scenario_id: int | None,
        scenario_name: str,
        status: str,
        success: bool | None,
        expected_outcome: Mapping[str, Any] | None,
        metrics: Sequence[Mapping[str, Any]],
        tags: Sequence[str],
        transcript: Sequence[Mapping[str, Any]],
        duration: float | None,
        infrastructure_failure: bool,
        frequency_index: int,
        error_message: str = "",
    ) -> RunSummary:
        """From stored JSON: the run's `expected_outcome`, metric items and transcript turns."""
        outcome = expected_outcome or {}
        return cls(
            run_id=run_id,
            scenario_id=scenario_id,
            scenario_name=scenario_name,
            status=status,
            success=success,
            expected_score=_number(outcome.get("score")),
            expected_explanation=[str(line) for line in outcome.get("explanation") or ()],
            metrics=[v for v in map(verdict_from_json, metrics) if v is not None],
            tags=[str(t) for t in tags],
            latencies_ms=[
                float(t["latency_ms"])
                for t in transcript
                if t.get("role") == Role.AGENT.value and _number(t.get("latency_ms")) is not None
            ],
            duration=float(duration or 0.0),
            connected=bool(transcript),
            infrastructure_failure=infrastructure_failure,
            frequency_index=frequency_index,
            error_message=error_message,
        )


def verdict_from_json(data: Mapping[str, Any]) -> MetricVerdict | None:
    """A stored `evaluation.metrics[]` item (overrides applied) as a verdict; None if unreadable.

    An overridden item (it has `override`) counts as a conclusive verdict with its new score.
    """
    raw_type = str(data.get("type") or data.get("eval_type") or "")
    try:
        eval_type = EvalType(_LEGACY_TYPES.get(raw_type, raw_type))
    except ValueError:
        return None
    score, enum = _number(data.get("score")), data.get("enum")
    status = _status(data, score, enum)
    explanation = data.get("explanation") or ""
    if not isinstance(explanation, str):
        explanation = "\n".join(str(line) for line in explanation)
    return MetricVerdict(
        name=str(data.get("name") or ""),
        eval_type=eval_type,
        score=score if status is VerdictStatus.OK else None,
        metric_id=_int(data.get("id")),
        status=status,
        explanation=explanation,
        enum=str(enum) if enum is not None else None,
        evidence=[
            Evidence(int(e["turn"]), str(e.get("quote", "")))
            for e in data.get("evidence") or ()
            if isinstance(e, Mapping) and _int(e.get("turn")) is not None
        ],
        extra=dict(data.get("extra") or {}),
        function_name=str(data.get("function_name") or ""),
    )


def _status(data: Mapping[str, Any], score: float | None, enum: Any) -> VerdictStatus:
    if "override" in data:
        return VerdictStatus.OK
    raw = data.get("status")
    if raw:
        try:
            return VerdictStatus(str(raw))
        except ValueError:
            return VerdictStatus.ERROR
    return VerdictStatus.OK if score is not None or enum is not None else VerdictStatus.ERROR


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, int | float):
        return float(value)
    return None


def _int(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int | str):
        return None
    try:
        return int(value)
    except ValueError:
        return None
