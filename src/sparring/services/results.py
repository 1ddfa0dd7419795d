"""The result assembler: every field of a result, computed from its stored runs.

Pure functions over plain values (`ResultRow`, `RunRow`), so they are unit-tested on hand-built
runs; the only I/O is in `load_result` / `load_result_page`, which read rows and call them.
Nothing of a result's summary is stored: it is always derived from the runs.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sparring.domain.status import TERMINAL, result_status
from sparring.domain.transcript import format_clock
from sparring.evaluation import aggregate


@dataclass(slots=True)
class ResultRow:
    """A result's own stored fields."""

    id: int
    name: str
    agent: int | None
    agent_name: str
    status: str
    run_as_text: bool
    is_cronjob: bool
    run_type: str
    run_settings: dict[str, Any]
    created_at: datetime
    updated_at: datetime
    metrics: list[dict[str, Any]] = field(default_factory=list)


@dataclass(slots=True)
class RunRow:
    """A run's stored fields, as the assembler reads them."""

    id: int
    scenario: int | None
    scenario_name: str
    personality_name: str
    status: str
    success: bool | None
    expected_outcome: dict[str, Any] | None
    evaluation: dict[str, Any]
    metadata: dict[str, Any]
    error_message: str
    timestamp: datetime
    executed_at: datetime | None
    duration: float | None
    tags: list[str] = field(default_factory=list)
    transcript: list[dict[str, Any]] = field(default_factory=list)
    infrastructure_failure: bool = False
    frequency_index: int = 0
    overrides: dict[str, Any] = field(default_factory=dict)


def is_terminal(status: str) -> bool:
    return status in {s.value for s in TERMINAL}


def counts(runs: Sequence[RunRow]) -> dict[str, int]:
    """Integer counts; success + failed = total once every run is terminal."""
    total = len(runs)
    completed = sum(1 for r in runs if is_terminal(r.status))
    success = sum(1 for r in runs if r.success is True)
    failed = sum(1 for r in runs if is_terminal(r.status) and r.success is not True)
    met = sum(1 for r in runs if (r.expected_outcome or {}).get("score") == 100)
    with_outcome = sum(1 for r in runs if (r.expected_outcome or {}).get("score") is not None)
    return {
        "total_runs_count": total,
        "completed_runs_count": completed,
        "success_runs_count": success,
        "failed_runs_count": failed,
        "met_expected_outcome_count": met,
        "total_expected_outcome_count": with_outcome,
    }


def success_rate(runs: Sequence[RunRow]) -> float:
    """Percentage 0–100 of runs with success = true (0.0 for no runs)."""
    if not runs:
        return 0.0
    return round(100.0 * sum(1 for r in runs if r.success is True) / len(runs), 2)


def run_duration(run: RunRow) -> str:
    return format_clock(run.duration or 0.0)


def run_detail(run: RunRow) -> dict[str, Any]:
    """One run inside `results/{id}.runs`, keyed by its id string."""
    return {
        "id": run.id,
        "scenario": run.scenario,
        "outbound_number": "",
        "inbound_number": "",
        "expected_outcome": run.expected_outcome,
        "success": bool(run.success),
        "evaluation": {"metrics": apply_overrides(run.evaluation, run.overrides)},
        "timestamp": run.timestamp,
        "executed_at": run.executed_at,
        "error_message": run.error_message,
        "status": run.status,
        "duration": run_duration(run),
        "scenario_name": run.scenario_name,
        "personality_name": run.personality_name,
        "metadata": run.metadata,
        "tags": run.tags,
        "transcript_object": run.transcript,
    }


def apply_overrides(
    evaluation: dict[str, Any] | None, overrides: dict[str, Any] | None
) -> list[dict[str, Any]]:
    """Metric verdicts with a person's overrides applied (the original kept beside)."""
    metrics: list[dict[str, Any]] = list((evaluation or {}).get("metrics") or [])
    if not overrides:
        return metrics
    out = []
    for metric in metrics:
        override = overrides.get(str(metric.get("id")))
        if override is None:
            out.append(metric)
            continue
        out.append(
            {
                **metric,
                "score": override["score"],
                "enum": override.get("enum", metric.get("enum")),
                "override": {"reason": override.get("reason", ""), "at": override.get("at")},
                "original": {"score": metric.get("score"), "enum": metric.get("enum")},
            }
        )
    return out


def run_summary(run: RunRow) -> dict[str, Any]:
    """One run in the list endpoint's `runs` array."""
    return {
        "id": run.id,
        "scenario": run.scenario,
        "scenario_name": run.scenario_name,
        "status": run.status,
        "success": bool(run.success),
        "duration": run_duration(run),
    }


def scenarios_of(runs: Sequence[RunRow]) -> list[dict[str, Any]]:
    seen: dict[int | None, str] = {}
    for run in runs:
        seen.setdefault(run.scenario, run.scenario_name)
    return [{"id": sid, "name": name} for sid, name in seen.items()]


def result_common(result: ResultRow, runs: Sequence[RunRow]) -> dict[str, Any]:
    """Fields shared by the list item and the detail."""
    return {
        "id": result.id,
        "name": result.name,
        "agent": result.agent,
        "agent_name": result.agent_name,
        "status": result_status(Counter(r.status for r in runs), result.status),
        "success_rate": success_rate(runs),
        "success_rate_confidence_interval": aggregate.confidence_interval(
            sum(1 for r in runs if r.success is True), len(runs)
        ),
        "run_as_text": result.run_as_text,
        "is_cronjob": result.is_cronjob,
        "run_type": result.run_type,
        **counts(runs),
        "scenarios": scenarios_of(runs),
        "created_at": result.created_at,
        "updated_at": result.updated_at,
    }


def result_list_item(result: ResultRow, runs: Sequence[RunRow]) -> dict[str, Any]:
    return {**result_common(result, runs), "runs": [run_summary(r) for r in runs]}


def result_detail(result: ResultRow, runs: Sequence[RunRow]) -> dict[str, Any]:
    """`GET results/{id}`: the seed's fields, all derived from the runs."""
    summaries = [to_summary(r) for r in runs]
    metrics = result.metrics
    return {
        **result_common(result, runs),
        "runs": {str(r.id): run_detail(r) for r in runs},
        "overall_evaluation": aggregate.overall_evaluation(summaries, metrics),
        "total_duration": format_clock(sum(r.duration or 0.0 for r in runs)),
        "critical_categories": aggregate.critical_categories(summaries, metrics),
        "metrics": metrics,
        "domain": None,
        "domain_logo": None,
        "runs_by_tags": aggregate.runs_by_tags(summaries),
        "latency_data": aggregate.latency_data(summaries),
        "failed_reasons": aggregate.failed_reasons(summaries),
        "run_settings": result.run_settings,
        "connected_runs": aggregate.connected_runs(summaries),
        "not_connected_runs": [r.id for r in runs if is_terminal(r.status) and not r.transcript],
        "failed_infrastructure_runs": aggregate.failed_infrastructure_runs(summaries),
        "failed_workflow_runs": aggregate.failed_workflow_runs(summaries),
        "successful_calls": aggregate.successful_calls(summaries),
        "pass_hat_k": aggregate.pass_hat_k_summary(summaries),
    }


def to_summary(run: RunRow) -> aggregate.RunSummary:
    """The aggregation view of a stored run (overrides applied)."""
    return aggregate.RunSummary.from_stored(
        run_id=run.id,
        scenario_id=run.scenario,
        scenario_name=run.scenario_name,
        status=run.status,
        success=run.success,
        expected_outcome=run.expected_outcome,
        metrics=apply_overrides(run.evaluation, run.overrides),
        tags=run.tags,
        transcript=run.transcript,
        duration=run.duration,
        infrastructure_failure=run.infrastructure_failure,
        frequency_index=run.frequency_index,
        error_message=run.error_message,
    )
