"""Comparing two stored results: what got worse from result A (before) to result B (after).

The API compares results of the caller's project; the CLI, working on its own embedded
database, compares any two results by id (`project_id=None`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from sparring.errors import NotFound
from sparring.evaluation.compare import compare_results
from sparring.services.result_queries import result_row, runs_of
from sparring.services.results import ResultRow, RunRow, result_common, to_summary
from sparring.storage.models import Result

BRIEF_FIELDS = (
    "id",
    "name",
    "agent",
    "agent_name",
    "status",
    "success_rate",
    "total_runs_count",
    "success_runs_count",
    "failed_runs_count",
    "created_at",
)


async def load_side(
    session: AsyncSession, result_id: int, project_id: int | None
) -> tuple[ResultRow, list[RunRow]]:
    """A result and its runs; `NotFound` when missing or (with `project_id`) another project's."""
    query = select(Result).where(Result.id == result_id)
    if project_id is not None:
        query = query.where(Result.project_id == project_id)
    result = await session.scalar(query)
    if result is None:
        raise NotFound(f"Result {result_id} not found.")
    return result_row(result), (await runs_of(session, [result.id]))[result.id]


def brief(result: ResultRow, runs: Sequence[RunRow]) -> dict[str, Any]:
    """Who a compared result is: id, name, agent, status and its headline counts."""
    common = result_common(result, runs)
    return {name: common[name] for name in BRIEF_FIELDS}


def comparison(
    a: tuple[ResultRow, Sequence[RunRow]],
    b: tuple[ResultRow, Sequence[RunRow]],
    tolerance: float = 0.0,
) -> dict[str, Any]:
    """`compare_results` over the two results' runs, with who A and B are and `regressed`."""
    (a_result, a_runs), (b_result, b_runs) = a, b
    changes = compare_results(
        [to_summary(r) for r in a_runs],
        [to_summary(r) for r in b_runs],
        metrics=[*a_result.metrics, *b_result.metrics],
        tolerance=tolerance,
    )
    regressions = changes["regressions"]
    return {
        "a": brief(a_result, a_runs),
        "b": brief(b_result, b_runs),
        "tolerance": tolerance,
        "regressed": bool(regressions["scenarios"] or regressions["metrics"]),
        **changes,
    }


async def compare(
    session: AsyncSession,
    a_id: int,
    b_id: int,
    *,
    project_id: int | None,
    tolerance: float = 0.0,
) -> dict[str, Any]:
    """Compare result `a_id` (before) with `b_id` (after); see `comparison`."""
    a = await load_side(session, a_id, project_id)
    b = await load_side(session, b_id, project_id)
    return comparison(a, b, tolerance)
