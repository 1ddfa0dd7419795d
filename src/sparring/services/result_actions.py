"""Actions on results and runs: end calls, rerun, delete runs."""

from __future__ import annotations

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from sparring.domain.plan import RunPlan
from sparring.domain.status import TERMINAL, Status
from sparring.errors import BadInput
from sparring.services import catalog
from sparring.services.keys import Principal
from sparring.services.launch import PlannedRun, store_result
from sparring.services.result_queries import get_result, get_run
from sparring.storage.models import Result, Run
from sparring.storage.types import utcnow

UNFINISHED = [s.value for s in Status if s not in TERMINAL]


async def end_calls(session: AsyncSession, principal: Principal, result_id: int) -> None:
    """Cancel every unfinished run of a result; live conversations stop within a second."""
    result = await get_result(session, principal, result_id)
    await session.execute(
        update(Run)
        .where(Run.result_id == result.id, Run.status.in_(UNFINISHED))
        .values(status=Status.CANCELLED.value, ended_at=utcnow())
    )
    if result.status not in {s.value for s in TERMINAL}:
        result.status = Status.CANCELLED.value
    await session.commit()


async def end_call(session: AsyncSession, principal: Principal, run_id: int) -> None:
    run = await get_run(session, principal, run_id)
    if run.status in UNFINISHED:
        run.status = Status.CANCELLED.value
        run.ended_at = utcnow()
    await session.commit()


async def rerun(session: AsyncSession, principal: Principal, result_id: int) -> tuple[Result, int]:
    """A new result repeating every run of `result_id` with the same plans and settings."""
    old = await get_result(session, principal, result_id)
    agent = await catalog.agents.check_ref(session, principal, old.agent_id, "agent")
    if agent is None:
        raise BadInput("agent", "The agent of this result was deleted; it cannot run again.")
    runs = (
        await session.scalars(select(Run).where(Run.result_id == old.id).order_by(Run.id))
    ).all()
    planned = [
        PlannedRun(
            RunPlan.from_json(r.plan),
            r.scenario_id,
            r.personality_id,
            r.test_profile_id,
            r.frequency_index,
        )
        for r in runs
    ]
    new = await store_result(
        session,
        principal,
        agent,
        planned,
        name=f"{old.name} (rerun)"[:255],
        run_type=old.run_type,
        settings={**old.run_settings, "rerun_of": old.id},
    )
    return new, len(planned)


async def delete_runs(
    session: AsyncSession, principal: Principal, result_id: int, run_ids: list[int]
) -> None:
    result = await get_result(session, principal, result_id)
    await session.execute(delete(Run).where(Run.result_id == result.id, Run.id.in_(run_ids)))
    await session.commit()
