"""A result's aggregate fields, computed from its runs: pure functions over `RunSummary`.

Score conventions of `metric_summary[...]["score"]` (over conclusive verdicts only; a verdict
that is inconclusive or an error counts in `inconclusive_count`, never as pass or fail):

| eval_type | score |
| --- | --- |
| binary_* | percent of runs passed, 0–100 |
| continuous_qualitative | mean rating, 0–5 |
| numeric | mean value (and `p50`) |
| enum | null (`distribution` counts each value) |

Every score is null when no run has a conclusive verdict. Rates are percentages rounded to 2
decimals; latencies are milliseconds rounded to 1 decimal.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sparring.domain.verdict import EvalType, MetricSpec, MetricVerdict, VerdictStatus
from sparring.evaluation.failure_reasons import failed_reasons
from sparring.evaluation.run_summary import RunSummary
from sparring.evaluation.stats import (
    mean,
    pass_hat_k,
    pass_hat_k_rate,
    percentile,
    percentile_sorted,
    rate,
    rounded,
    wilson_interval,
)

__all__ = [
    "MetricRef",
    "RunSummary",
    "connected_runs",
    "critical_categories",
    "failed_infrastructure_runs",
    "failed_reasons",
    "failed_workflow_runs",
    "latency_data",
    "metric_refs",
    "metric_summary",
    "overall_evaluation",
    "pass_hat_k",
    "pass_hat_k_rate",
    "pass_hat_k_summary",
    "percentile",
    "runs_by_tags",
    "success_rate",
    "successful_calls",
    "wilson_interval",
]

INFRASTRUCTURE_METRIC = "infrastructure_issues"
"""`function_name` of the predefined metric behind `failed_infrastructure_runs`."""

CRITICAL_RATING = 3.0
"""A continuous_qualitative metric whose mean rating is below this is a critical category."""

MetricLike = MetricSpec | Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class MetricRef:
    """A metric of the result: `key` is its id as a string (its name if it has no id)."""

    key: str
    id: int | None
    name: str
    eval_type: EvalType
    function_name: str = ""
    simulation_enabled: bool = True
    observability_enabled: bool = False

    @property
    def ref(self) -> int | str:
        """What lists of metrics hold: the id, else the name."""
        return self.id if self.id is not None else self.name

    @property
    def order(self) -> tuple[bool, int, str]:
        """Tie-breaker: by id (numerically), metrics without an id last, by name."""
        return (self.id is None, self.id or 0, self.name)


def metric_key(metric_id: int | None, name: str) -> str:
    return str(metric_id) if metric_id is not None else name


def metric_refs(runs: Sequence[RunSummary], metrics: Sequence[MetricLike] = ()) -> list[MetricRef]:
    """The result's metrics (`metrics` first, in order, then any only seen in verdicts)."""
    refs: dict[str, MetricRef] = {}
    for metric in metrics:
        ref = _ref(metric)
        if ref is not None:
            refs.setdefault(ref.key, ref)
    for run in runs:
        for v in run.metrics:
            key = metric_key(v.metric_id, v.name)
            if key not in refs:
                refs[key] = MetricRef(key, v.metric_id, v.name, v.eval_type, v.function_name)
    return list(refs.values())


def _ref(metric: MetricLike) -> MetricRef | None:
    if isinstance(metric, MetricSpec):
        key = metric_key(metric.id, metric.name)
        return MetricRef(key, metric.id, metric.name, metric.eval_type, metric.function_name)
    raw_type = str(metric.get("eval_type") or metric.get("type") or "")
    try:
        eval_type = EvalType("binary_qualitative" if raw_type == "binary" else raw_type)
    except ValueError:
        return None
    metric_id = metric.get("id")
    metric_id = (
        metric_id if isinstance(metric_id, int) and not isinstance(metric_id, bool) else None
    )
    name = str(metric.get("name") or "")
    return MetricRef(
        metric_key(metric_id, name),
        metric_id,
        name,
        eval_type,
        str(metric.get("function_name") or ""),
        bool(metric.get("simulation_enabled", True)),
        bool(metric.get("observability_enabled", False)),
    )


def verdicts_by_metric(runs: Sequence[RunSummary]) -> dict[str, list[MetricVerdict]]:
    """Every run's verdicts grouped by metric key."""
    grouped: dict[str, list[MetricVerdict]] = {}
    for run in runs:
        for verdict in run.metrics:
            grouped.setdefault(metric_key(verdict.metric_id, verdict.name), []).append(verdict)
    return grouped


def _conclusive(verdicts: Sequence[MetricVerdict]) -> list[MetricVerdict]:
    return [
        v
        for v in verdicts
        if v.status is VerdictStatus.OK and (v.score is not None or v.enum is not None)
    ]


def metric_summary(ref: MetricRef, verdicts: Sequence[MetricVerdict]) -> dict[str, Any]:
    """One `metric_summary` entry (score conventions in the module docstring)."""
    conclusive = _conclusive(verdicts)
    scores = [v.score for v in conclusive if v.score is not None]
    entry: dict[str, Any] = {
        "id": ref.id,
        "name": ref.name,
        "type": ref.eval_type.value,
        "score": None,
        "explanation": "",
        "function_name": ref.function_name or None,
        "count": len(conclusive),
        "inconclusive_count": len(verdicts) - len(conclusive),
    }
    n = len(scores)
    if ref.eval_type.binary and n:
        passed = sum(1 for s in scores if s >= 1)
        entry["score"] = rate(passed, n)
        entry["explanation"] = f"{passed} of {n} runs passed"
    elif ref.eval_type is EvalType.CONTINUOUS_QUALITATIVE and n:
        entry["score"] = rounded(mean(scores))
        entry["explanation"] = f"mean rating {entry['score']:g} of 5 over {n} runs"
    elif ref.eval_type is EvalType.NUMERIC and n:
        entry["score"] = rounded(mean(scores))
        entry["p50"] = rounded(percentile(scores, 50))
        entry["explanation"] = f"mean {entry['score']:g}, p50 {entry['p50']:g} over {n} runs"
    elif ref.eval_type is EvalType.ENUM:
        counts = Counter(v.enum for v in conclusive if v.enum is not None)
        ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
        entry["distribution"] = dict(ordered)
        entry["explanation"] = ", ".join(f"{value}: {count}" for value, count in ordered)
    if ref.eval_type is EvalType.NUMERIC:
        entry.setdefault("p50", None)
    if entry["inconclusive_count"]:
        inconclusive = f"{entry['inconclusive_count']} inconclusive"
        entry["explanation"] = "; ".join(p for p in (entry["explanation"], inconclusive) if p)
    return entry


def success_rate(runs: Sequence[RunSummary]) -> float:
    """Percent 0–100 of runs with success true (undecided runs count as not successful)."""
    return rate(sum(1 for r in runs if r.success is True), len(runs))


def overall_evaluation(
    runs: Sequence[RunSummary], metrics: Sequence[MetricLike] = ()
) -> dict[str, Any]:
    """The seed's `overall_evaluation` object."""
    grouped = verdicts_by_metric(runs)
    refs = metric_refs(runs, metrics)
    summaries = {ref.key: metric_summary(ref, grouped.get(ref.key, [])) for ref in refs}
    binary = [r for r in refs if r.eval_type.binary and summaries[r.key]["score"] is not None]
    worst = sorted(
        (r for r in binary if summaries[r.key]["score"] < 100),
        key=lambda r: (summaries[r.key]["score"], r.order),
    )
    numeric = [
        {
            "id": r.id,
            "name": r.name,
            "type": EvalType.NUMERIC.value,
            "value": summaries[r.key]["score"],
            "percentiles": {"p50": summaries[r.key]["p50"]},
        }
        for r in refs
        if r.eval_type is EvalType.NUMERIC and summaries[r.key]["score"] is not None
    ]
    return {
        "success_rate": success_rate(runs),
        "metric_summary": summaries,
        "worst_performing_metrics": {"binary_adherence": [r.ref for r in worst]},
        "numeric_metrics": numeric,
        "enum_metrics": [r.ref for r in refs if r.eval_type is EvalType.ENUM],
        "extra_metrics": extra_metrics(runs),
    }


def extra_metrics(runs: Sequence[RunSummary]) -> list[dict[str, Any]]:
    """'Expected Outcome' (mean 0–100 score) and 'Call Duration' (s), when there are values."""
    extras: list[dict[str, Any]] = []
    series = (
        ("Expected Outcome", [r.expected_score for r in runs if r.expected_score is not None]),
        ("Call Duration", [r.duration for r in runs if r.connected and r.duration > 0]),
    )
    for name, values in series:
        if values:
            extras.append(
                {
                    "name": name,
                    "type": EvalType.NUMERIC.value,
                    "value": rounded(mean(values)),
                    "percentiles": {"p50": rounded(percentile(values, 50))},
                }
            )
    return extras


def latency_data(runs: Sequence[RunSummary]) -> dict[str, Any]:
    """Agent reply latencies (ms) over all runs, and p50/p90 of each run under `runs`."""
    values = sorted(v for r in runs for v in r.latencies_ms)
    data = _latency_stats(values)
    data["runs"] = {}
    for run in runs:
        if run.latencies_ms:
            own = sorted(run.latencies_ms)
            data["runs"][str(run.run_id)] = {
                "p50": rounded(percentile_sorted(own, 50), 1),
                "p90": rounded(percentile_sorted(own, 90), 1),
                "count": len(own),
            }
    return data


def _latency_stats(ordered: list[float]) -> dict[str, Any]:
    return {
        "p50": rounded(percentile_sorted(ordered, 50), 1),
        "p90": rounded(percentile_sorted(ordered, 90), 1),
        "p95": rounded(percentile_sorted(ordered, 95), 1),
        "avg": rounded(mean(ordered), 1),
        "min": rounded(ordered[0], 1) if ordered else None,
        "max": rounded(ordered[-1], 1) if ordered else None,
        "count": len(ordered),
    }


def runs_by_tags(runs: Sequence[RunSummary]) -> dict[str, dict[str, Any]]:
    """{tag: {total, success, failed, success_rate}}, tags sorted; failed as `RunSummary.failed`."""
    tally: dict[str, list[int]] = {}
    for run in runs:
        for tag in dict.fromkeys(run.tags):
            counts = tally.setdefault(tag, [0, 0, 0])
            counts[0] += 1
            counts[1] += run.success is True
            counts[2] += run.failed
    return {
        tag: {
            "total": t,
            "success": s,
            "failed": f,
            "success_rate": rate(s, t),
            "success_rate_confidence_interval": confidence_interval(s, t),
        }
        for tag, (t, s, f) in sorted(tally.items())
    }


def confidence_interval(successes: int, n: int) -> dict[str, float]:
    """The 95 % Wilson interval of a success rate, in percent, as the API shows it."""
    low, high = wilson_interval(successes, n)
    return {"low": low, "high": high, "level": 0.95}


def critical_categories(
    runs: Sequence[RunSummary], metrics: Sequence[MetricLike] = ()
) -> list[dict[str, Any]]:
    """Metrics doing badly, worst first: a binary one failing any run, or a rating below 3."""
    grouped = verdicts_by_metric(runs)
    found: list[tuple[float, tuple[bool, int, str], dict[str, Any]]] = []
    for ref in metric_refs(runs, metrics):
        score = metric_summary(ref, grouped.get(ref.key, []))["score"]
        if score is None:
            continue
        if ref.eval_type.binary and score < 100:
            share = score / 100
        elif ref.eval_type is EvalType.CONTINUOUS_QUALITATIVE and score < CRITICAL_RATING:
            share = score / 5
        else:
            continue
        item = {
            "id": ref.id,
            "name": ref.name,
            "eval_type": ref.eval_type.value,
            "score": score,
            "simulation_enabled": ref.simulation_enabled,
            "observability_enabled": ref.observability_enabled,
        }
        found.append((share, ref.order, item))
    return [item for _, _, item in sorted(found, key=lambda f: (f[0], f[1]))]


def connected_runs(runs: Sequence[RunSummary]) -> list[int]:
    """Runs that have transcript data."""
    return [r.run_id for r in runs if r.connected]


def successful_calls(runs: Sequence[RunSummary]) -> list[int]:
    """Runs with success true."""
    return [r.run_id for r in runs if r.success is True]


def failed_workflow_runs(runs: Sequence[RunSummary]) -> list[int]:
    """Runs whose expected outcome was not met (score below 100).

    Cekura answers null when the metric is missing; sparring always has the expected outcome
    (empty when no run defines one), so this is always a list.
    """
    return [r.run_id for r in runs if r.expected_score is not None and r.expected_score < 100]


def failed_infrastructure_runs(runs: Sequence[RunSummary]) -> list[int]:
    """Runs flagged as infrastructure failures or failing the infrastructure-issues metric.

    Cekura answers null when that metric is missing; sparring's runner classifies every failure,
    so this is always a list.
    """
    failed: list[int] = []
    for run in runs:
        verdicts = [v for v in run.metrics if _is_infrastructure(v)]
        if run.infrastructure_failure or any(v.passed is False for v in verdicts):
            failed.append(run.run_id)
    return failed


def _is_infrastructure(verdict: MetricVerdict) -> bool:
    return verdict.function_name == INFRASTRUCTURE_METRIC or (
        verdict.name.casefold() == "infrastructure issues"
    )


def pass_hat_k_summary(runs: Sequence[RunSummary]) -> dict[str, Any]:
    """pass^k over the result: per scenario, did every attempt (frequency) succeed?"""
    outcomes: dict[str, list[bool | None]] = {}
    for run in runs:
        outcomes.setdefault(run.scenario_key, []).append(run.success)
    passed = pass_hat_k(outcomes)
    return {
        "k": max((len(a) for a in outcomes.values()), default=0),
        "rate": pass_hat_k_rate(outcomes),
        "passed": sum(passed.values()),
        "total": len(passed),
        "scenarios": passed,
    }
