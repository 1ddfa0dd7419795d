"""Reading results and runs from storage, within the caller's project."""

from __future__ import annotations

import gc
from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import ColumnElement, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from sparring.domain.transcript import Transcript, Turn, format_clock
from sparring.errors import BadInput, NotFound
from sparring.services.keys import Principal
from sparring.services.results import ResultRow, RunRow, result_detail, result_list_item
from sparring.storage.models import Result, Run

RUN_COLUMNS = (
    Run.id,
    Run.result_id,
    Run.scenario_id,
    Run.scenario_name,
    Run.personality_name,
    Run.status,
    Run.success,
    Run.expected_outcome,
    Run.evaluation,
    Run.run_metadata,
    Run.error_message,
    Run.timestamp,
    Run.executed_at,
    Run.duration,
    Run.tags,
    Run.transcript,
    Run.infrastructure_failure,
    Run.frequency_index,
    Run.overrides,
)


def result_row(r: Result) -> ResultRow:
    return ResultRow(
        id=r.id,
        name=r.name,
        agent=r.agent_id,
        agent_name=r.agent_name,
        status=r.status,
        run_as_text=r.run_as_text,
        is_cronjob=r.is_cronjob,
        run_type=r.run_type,
        run_settings=r.run_settings,
        created_at=r.created_at,
        updated_at=r.updated_at,
        metrics=list(r.metrics or []),
    )


def run_row(values: Sequence[Any]) -> RunRow:
    (
        rid,
        _result,
        scenario,
        scenario_name,
        personality_name,
        status,
        success,
        outcome,
        evaluation,
        metadata,
        error,
        timestamp,
        executed,
        duration,
        tags,
        transcript,
        infra,
        freq,
        overrides,
    ) = values
    return RunRow(
        id=rid,
        scenario=scenario,
        scenario_name=scenario_name,
        personality_name=personality_name,
        status=status,
        success=success,
        expected_outcome=outcome,
        evaluation=evaluation or {},
        metadata=metadata or {},
        error_message=error or "",
        timestamp=timestamp,
        executed_at=executed,
        duration=duration,
        tags=tags or [],
        transcript=transcript or [],
        infrastructure_failure=bool(infra),
        frequency_index=freq or 0,
        overrides=overrides or {},
    )


async def get_result(session: AsyncSession, principal: Principal, result_id: int) -> Result:
    result = await session.scalar(
        select(Result).where(Result.id == result_id, Result.project_id == principal.project_id)
    )
    if result is None:
        raise NotFound("Not found.")
    return result


_pauses = 0


@contextmanager
def collector_paused() -> Iterator[None]:
    """No cyclic garbage collection inside the block (blocks may overlap across awaits).

    Reading a result decodes its runs' JSON into hundreds of thousands of small containers,
    none of them in a cycle; the collector's passes over them took a third of the time of
    `results/{id}` for 1000 runs, and found nothing. Collection resumes when the last
    overlapping block ends.
    """
    global _pauses
    if _pauses == 0 and not gc.isenabled():  # paused by someone else: leave it to them
        yield
        return
    _pauses += 1
    gc.disable()
    try:
        yield
    finally:
        _pauses -= 1
        if _pauses == 0:
            gc.enable()


async def runs_of(session: AsyncSession, result_ids: list[int]) -> dict[int, list[RunRow]]:
    grouped: dict[int, list[RunRow]] = defaultdict(list)
    if not result_ids:
        return grouped
    rows = await session.execute(
        select(*RUN_COLUMNS).where(Run.result_id.in_(result_ids)).order_by(Run.id)
    )
    for values in rows:
        grouped[values[1]].append(run_row(values))
    return grouped


async def load_result(
    session: AsyncSession, principal: Principal, result_id: int
) -> dict[str, Any]:
    """`results/{id}` in the seed's shape."""
    result = await get_result(session, principal, result_id)
    with collector_paused():
        runs = (await runs_of(session, [result.id]))[result.id]
        return result_detail(result_row(result), runs)


async def list_results(
    session: AsyncSession,
    principal: Principal,
    where: list[ColumnElement[bool]],
    offset: int,
    limit: int,
) -> tuple[int, list[dict[str, Any]]]:
    scope = [Result.project_id == principal.project_id, *where]
    count = int(await session.scalar(select(func.count()).select_from(Result).where(*scope)) or 0)
    if offset and offset >= count:
        return count, []
    rows = (
        await session.scalars(
            select(Result).where(*scope).order_by(Result.id.desc()).offset(offset).limit(limit)
        )
    ).all()
    with collector_paused():
        runs = await runs_of(session, [r.id for r in rows])
        return count, [result_list_item(result_row(r), runs[r.id]) for r in rows]


async def delete_result(session: AsyncSession, principal: Principal, result_id: int) -> None:
    await get_result(session, principal, result_id)
    await session.execute(delete(Run).where(Run.result_id == result_id))
    await session.execute(delete(Result).where(Result.id == result_id))
    await session.commit()


def run_external(run: Run) -> dict[str, Any]:
    """A run as `runs-external/{id}` shows it, with its transcript in both forms."""
    turns = [Turn.from_json(t) for t in run.transcript or []]
    return {
        "id": run.id,
        "result_id": run.result_id,
        "scenario": run.scenario_id,
        "scenario_name": run.scenario_name or "Scenario Deleted",
        "personality": run.personality_id,
        "personality_name": run.personality_name,
        "test_profile": run.test_profile_id,
        "status": run.status,
        "success": bool(run.success),
        "expected_outcome": run.expected_outcome,
        "evaluation": run.evaluation or {"metrics": []},
        "transcript": Transcript(turns).to_text(),
        "transcript_object": run.transcript or [],
        "duration": format_clock(run.duration or 0.0),
        "metadata": run.run_metadata or {},
        "error_message": run.error_message or "",
        "timestamp": run.timestamp,
        "executed_at": run.executed_at,
        "tags": run.tags or [],
        "run_as_text": True,
    }


async def get_run(session: AsyncSession, principal: Principal, run_id: int) -> Run:
    run = await session.scalar(
        select(Run).where(Run.id == run_id, Run.project_id == principal.project_id)
    )
    if run is None:
        raise NotFound("Not found.")
    return run


def is_id(text: str) -> bool:
    """Whether `text` is a positive 32-bit id written in ASCII digits (checked before `int()`,
    which refuses numbers over 4300 digits)."""
    return text.isascii() and text.isdigit() and len(text) <= 10 and 0 < int(text) < 2**31


def parse_ids(raw: str, field: str) -> list[int]:
    """ "1,2,3" → [1, 2, 3]; anything else is `BadInput` on `field`."""
    parts = [p.strip() for p in raw.split(",") if p.strip()]
    if not parts or not all(is_id(p) for p in parts):
        raise BadInput(field, "Give run ids as comma-separated positive integers, e.g. 1,2,3.")
    if len(parts) > 1000:
        raise BadInput(field, "At most 1000 ids at once.")
    return [int(p) for p in parts]


async def bulk_runs(
    session: AsyncSession, principal: Principal, ids: list[int]
) -> list[dict[str, Any]]:
    rows = await session.scalars(
        select(Run).where(Run.id.in_(ids), Run.project_id == principal.project_id).order_by(Run.id)
    )
    return [run_external(r) for r in rows]


async def run_counts(session: AsyncSession, result_id: int) -> dict[str, int]:
    """How many runs of a result exist, are terminal, passed and failed (for progress bars)."""
    rows = await session.execute(
        select(Run.status, Run.success, func.count())
        .where(Run.result_id == result_id)
        .group_by(Run.status, Run.success)
    )
    terminal = {"completed", "failed", "timeout", "cancelled"}
    counts = {"total": 0, "completed": 0, "passed": 0, "failed": 0}
    for status, success, n in rows:
        counts["total"] += n
        if status in terminal:
            counts["completed"] += n
            counts["passed" if success else "failed"] += n
    return counts
