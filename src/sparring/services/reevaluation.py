"""Scoring again without talking again: re-evaluate stored transcripts, and people's overrides."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from sparring.domain.plan import RunPlan
from sparring.domain.status import EndReason
from sparring.domain.transcript import Transcript, Turn
from sparring.domain.verdict import EvalType
from sparring.errors import BadInput
from sparring.evaluation.base import Conversation
from sparring.evaluation.pipeline import evaluate_run
from sparring.evaluation.setup import Evaluation
from sparring.services import catalog
from sparring.services.keys import Principal
from sparring.services.launch import metric_spec
from sparring.services.result_queries import get_result, get_run
from sparring.services.results import apply_overrides
from sparring.storage.models import Metric, Run
from sparring.storage.types import utcnow

PARALLEL = 16


def conversation_of(run: Run) -> Conversation:
    plan = RunPlan.from_json(run.plan)
    transcript = Transcript([Turn.from_json(t) for t in run.transcript or []])
    metadata = dict(run.run_metadata or {})
    reason = metadata.get("ended_reason")
    if reason:
        transcript.end_reason = EndReason(reason)
    transcript.error = run.error_message or None
    return Conversation(plan.scenario, transcript, run.id, metadata)


def success_of(run: Run) -> bool | None:
    """Met expected outcome and no failed binary metric (overrides applied)."""
    outcome = (run.expected_outcome or {}).get("score")
    metrics = apply_overrides(run.evaluation, run.overrides)
    failed = any(m.get("type", "").startswith("binary") and m.get("score") == 0 for m in metrics)
    if run.status != "completed":
        return False
    if outcome is None:
        return False if failed else None
    return outcome >= 100 and not failed


async def evaluate_metrics(
    session: AsyncSession,
    principal: Principal,
    result_id: int,
    run_ids: list[int] | None,
    metric_ids: list[int],
    setup: Evaluation,
) -> int:
    """Score the chosen runs again with the chosen metrics; returns how many runs changed."""
    result = await get_result(session, principal, result_id)
    await catalog.metrics.check_refs(session, principal, metric_ids, "metric_ids")
    metrics = [
        metric_spec(m)
        for m in await session.scalars(select(Metric).where(Metric.id.in_(metric_ids)))
    ]
    query = select(Run).where(Run.result_id == result.id, Run.status == "completed")
    if run_ids:
        query = query.where(Run.id.in_(run_ids))
    runs = (await session.scalars(query)).all()
    if run_ids and len(runs) != len(set(run_ids)):
        raise BadInput("run_ids", "Every run must belong to this result and be completed.")
    gate = asyncio.Semaphore(PARALLEL)

    async def score(run: Run) -> None:
        async with gate:
            evaluation = await evaluate_run(
                conversation_of(run),
                metrics,
                criteria_judge=setup.criteria_judge,
                registry=setup.registry,
            )
        fresh = {v.metric_id: v.to_json() for v in evaluation.metrics}
        kept = [m for m in (run.evaluation or {}).get("metrics", []) if m.get("id") not in fresh]
        run.evaluation = {"metrics": kept + list(fresh.values())}
        run.success = success_of(run)

    await asyncio.gather(*(score(r) for r in runs))
    await session.commit()
    return len(runs)


async def override_metric(
    session: AsyncSession,
    principal: Principal,
    run_id: int,
    metric_id: int,
    score: float | None,
    enum: str | None,
    reason: str,
) -> dict[str, Any]:
    """A person's verdict on one metric of one run; the original stays beside it."""
    run = await get_run(session, principal, run_id)
    metric = next(
        (m for m in (run.evaluation or {}).get("metrics", []) if m.get("id") == metric_id), None
    )
    if metric is None:
        raise BadInput("metric_id", f"Run {run_id} has no verdict for metric {metric_id}.")
    kind = EvalType(metric["type"])
    if kind is EvalType.ENUM:
        if enum is None:
            raise BadInput("enum", "An enum metric is overridden with one of its values.")
    elif score is None:
        raise BadInput("score", "Give the corrected score.")
    elif kind.binary and score not in (0, 1):
        raise BadInput("score", "A binary metric scores 0 (fail) or 1 (pass).")
    elif kind is EvalType.CONTINUOUS_QUALITATIVE and not 0 <= score <= 5:
        raise BadInput("score", "A continuous_qualitative metric scores 0 to 5.")
    override = {
        "score": score,
        "enum": enum,
        "reason": reason,
        "at": utcnow().isoformat(),
        "original": {"score": metric.get("score"), "enum": metric.get("enum")},
    }
    run.overrides = {**(run.overrides or {}), str(metric_id): override}
    run.success = success_of(run)
    await session.commit()
    return override
