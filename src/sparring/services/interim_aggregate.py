"""Interim aggregation until evaluation/aggregate.py lands (to be removed)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any


@dataclass
class RunSummary:
    run_id: int
    scenario_id: int | None
    success: bool | None
    status: str
    connected: bool
    infrastructure_failure: bool
    expected_score: float | None
    tags: list[str] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)

    @classmethod
    def from_stored(cls, **kw: Any) -> RunSummary:
        outcome = kw["expected_outcome"] or {}
        lat = [t["latency_ms"] for t in kw["transcript"] if t.get("latency_ms") is not None]
        return cls(
            kw["run_id"],
            kw["scenario_id"],
            kw["success"],
            kw["status"],
            bool(kw["transcript"]),
            kw["infrastructure_failure"],
            outcome.get("score"),
            kw["tags"],
            lat,
        )


def wilson_interval(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    if n == 0:
        return (0.0, 0.0)
    p = k / n
    d = 1 + z * z / n
    c = (p + z * z / (2 * n)) / d
    h = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / d
    return (round(100 * max(0.0, c - h), 2), round(100 * min(1.0, c + h), 2))


def overall_evaluation(runs: list[RunSummary], metrics: list[Any]) -> dict[str, Any]:
    rate = 100.0 * sum(1 for r in runs if r.success) / len(runs) if runs else 0.0
    return {
        "success_rate": rate,
        "metric_summary": {},
        "worst_performing_metrics": {"binary_adherence": []},
        "numeric_metrics": [],
        "enum_metrics": [],
        "extra_metrics": [],
    }


def critical_categories(runs: list[RunSummary], metrics: list[Any]) -> list[Any]:
    return []


def runs_by_tags(runs: list[RunSummary]) -> dict[str, Any]:
    return {}


def latency_data(runs: list[RunSummary]) -> dict[str, Any]:
    return {}


def failed_reasons(runs: list[RunSummary]) -> dict[str, Any]:
    return {"issues": [], "total_failed_runs": sum(1 for r in runs if r.success is False)}


def connected_runs(runs: list[RunSummary]) -> list[int]:
    return [r.run_id for r in runs if r.connected]


def failed_infrastructure_runs(runs: list[RunSummary]) -> list[int]:
    return [r.run_id for r in runs if r.infrastructure_failure]


def failed_workflow_runs(runs: list[RunSummary]) -> list[int]:
    return [r.run_id for r in runs if r.expected_score is not None and r.expected_score < 100]


def successful_calls(runs: list[RunSummary]) -> list[int]:
    return [r.run_id for r in runs if r.success]


def pass_hat_k_summary(runs: list[RunSummary]) -> dict[str, Any]:
    return {}
