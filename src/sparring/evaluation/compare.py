"""`compare_results`: what got worse from result A (before) to result B (after).

Scenarios are matched by id (name when they have none), metrics by id (name when none).
A scenario regresses when its pass rate drops by more than `tolerance` percentage points; the
drop is `significant` when B's 95 % Wilson interval lies wholly below A's. A binary metric
regresses when its pass percentage drops, a continuous_qualitative one when its mean rating
drops (by more than `tolerance` × 5 / 100, the same share of its scale). A numeric metric's
change is reported with `regression` null: whether higher is better is not known; enum metrics
report both distributions.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sparring.domain.verdict import EvalType
from sparring.evaluation.aggregate import (
    MetricLike,
    MetricRef,
    metric_refs,
    metric_summary,
    success_rate,
    verdicts_by_metric,
)
from sparring.evaluation.run_summary import RunSummary
from sparring.evaluation.stats import rate, wilson_interval

_SCALE = {EvalType.CONTINUOUS_QUALITATIVE: 5.0}


def compare_results(
    a_runs: Sequence[RunSummary],
    b_runs: Sequence[RunSummary],
    *,
    metrics: Sequence[MetricLike] = (),
    tolerance: float = 0.0,
) -> dict[str, Any]:
    """Per-scenario and per-metric changes from A to B, regressions listed first."""
    scenarios = scenario_changes(a_runs, b_runs, tolerance)
    metric_rows = metric_changes(a_runs, b_runs, metrics, tolerance)
    a_rate, b_rate = success_rate(a_runs), success_rate(b_runs)
    return {
        "success_rate": {"a": a_rate, "b": b_rate, "delta": round(b_rate - a_rate, 2)},
        "scenarios": scenarios,
        "metrics": metric_rows,
        "regressions": {
            "scenarios": [s["scenario"] for s in scenarios if s["regression"]],
            "metrics": [
                m["id"] if m["id"] is not None else m["name"]
                for m in metric_rows
                if m["regression"]
            ],
        },
    }


def _tally(runs: Sequence[RunSummary]) -> dict[str, dict[str, Any]]:
    tally: dict[str, dict[str, Any]] = {}
    for run in runs:
        row = tally.setdefault(
            run.scenario_key, {"name": run.scenario_name, "runs": 0, "passed": 0}
        )
        row["runs"] += 1
        row["passed"] += run.success is True
    return tally


def _side(row: dict[str, Any] | None) -> dict[str, Any] | None:
    if row is None:
        return None
    low, high = wilson_interval(row["passed"], row["runs"])
    return {
        "runs": row["runs"],
        "passed": row["passed"],
        "pass_rate": rate(row["passed"], row["runs"]),
        "interval": [low, high],
    }


def scenario_changes(
    a_runs: Sequence[RunSummary], b_runs: Sequence[RunSummary], tolerance: float = 0.0
) -> list[dict[str, Any]]:
    """One row per scenario in A or B: pass rates, delta (points), regression, significance."""
    a, b = _tally(a_runs), _tally(b_runs)
    rows = []
    for key in sorted(a.keys() | b.keys(), key=_scenario_order):
        before, after = _side(a.get(key)), _side(b.get(key))
        delta = None
        if before is not None and after is not None:
            delta = round(after["pass_rate"] - before["pass_rate"], 2)
        rows.append(
            {
                "scenario": key,
                "scenario_name": (b.get(key) or a[key])["name"],
                "a": before,
                "b": after,
                "delta": delta,
                "regression": delta is not None and delta < -tolerance,
                "significant": bool(
                    before and after and after["interval"][1] < before["interval"][0]
                ),
            }
        )
    rows.sort(
        key=lambda r: (not r["regression"], r["delta"] or 0.0, _scenario_order(r["scenario"]))
    )
    return rows


def _scenario_order(key: str) -> tuple[bool, int, str]:
    return (not key.isdigit(), int(key) if key.isdigit() else 0, key)


def metric_changes(
    a_runs: Sequence[RunSummary],
    b_runs: Sequence[RunSummary],
    metrics: Sequence[MetricLike] = (),
    tolerance: float = 0.0,
) -> list[dict[str, Any]]:
    """One row per metric in A or B: summary scores, delta, regression (see module)."""
    a_grouped, b_grouped = verdicts_by_metric(a_runs), verdicts_by_metric(b_runs)
    rows = []
    for ref in metric_refs([*a_runs, *b_runs], metrics):
        before = metric_summary(ref, a_grouped.get(ref.key, []))
        after = metric_summary(ref, b_grouped.get(ref.key, []))
        rows.append(_metric_row(ref, before, after, tolerance))
    rows.sort(key=lambda r: (r["regression"] is not True, r["_share"], r["_key"]))
    for row in rows:
        del row["_share"], row["_key"]
    return rows


def _metric_row(
    ref: MetricRef, before: dict[str, Any], after: dict[str, Any], tolerance: float
) -> dict[str, Any]:
    scale = 100.0 if ref.eval_type.binary else _SCALE.get(ref.eval_type)
    delta = None
    if before["score"] is not None and after["score"] is not None:
        delta = round(after["score"] - before["score"], 2)
    regression: bool | None = None
    if scale is not None:
        regression = delta is not None and delta < -tolerance * scale / 100
    row: dict[str, Any] = {
        "id": ref.id,
        "name": ref.name,
        "type": ref.eval_type.value,
        "a": before["score"],
        "b": after["score"],
        "delta": delta,
        "regression": regression,
        "_share": (delta or 0.0) / scale if scale else 0.0,
        "_key": ref.order,
    }
    if ref.eval_type is EvalType.ENUM:
        row["a"], row["b"] = before.get("distribution", {}), after.get("distribution", {})
    return row
