"""The runs table owns the truth about who runs what (see TASK-QUEUE-NOTES.md).

- `claim_runs` takes waiting runs of a result under a lease, only while fewer than the
  result's `concurrency_limit` runs hold live leases, and bumps each run's fencing counter.
- `renew` extends the leases of the runs a process is working on.
- writes of a run's outcome check the fence (`writer.RunWriter`), so a worker that lost its
  lease (frozen, partitioned) can never overwrite the run's newer attempt.
- `sweep` puts runs whose lease expired back to pending (or fails them after the last attempt).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import and_, func, select, update

from sparring.domain.status import Status, result_status
from sparring.storage.db import Database
from sparring.storage.models import Result, Run
from sparring.storage.types import utcnow

MAX_ATTEMPTS = 3
UNLIMITED = 1_000_000
WAITING = (Status.PENDING.value, Status.IN_QUEUE.value)
LIVE = (Status.RUNNING.value, Status.EVALUATING.value)
UNFINISHED = tuple(s.value for s in Status if not s.terminal)


@dataclass(frozen=True, slots=True)
class Claim:
    """A run this process now holds a lease on."""

    run_id: int
    result_id: int
    fence: int
    attempt: int
    plan: dict[str, Any]


async def claim_runs(
    db: Database, result_id: int, owner: str, lease_seconds: float, wanted: int
) -> list[Claim]:
    """Lease up to `wanted` waiting runs of `result_id` at once, within its concurrency limit."""
    now = utcnow()
    async with db.transaction() as session:
        lock = select(Result.run_settings, Result.status).where(Result.id == result_id)
        if db.dialect == "postgresql":
            lock = lock.with_for_update()  # serialises claims of one result across workers
        row = (await session.execute(lock)).first()
        if row is None or row.status == Status.CANCELLED.value:
            return []
        limit = int((row.run_settings or {}).get("concurrency_limit") or UNLIMITED)
        live = await session.scalar(
            select(func.count())
            .select_from(Run)
            .where(Run.result_id == result_id, Run.status.in_(LIVE), Run.lease_expires_at > now)
        )
        room = min(wanted, limit - int(live or 0))
        if room <= 0:
            return []
        candidates = (
            select(Run.id)
            .where(Run.result_id == result_id, Run.status.in_(WAITING))
            .order_by(Run.id)
            .limit(room)
            .scalar_subquery()
        )
        claimed = await session.execute(
            update(Run)
            .where(Run.id.in_(candidates), Run.status.in_(WAITING))
            .values(
                status=Status.RUNNING.value,
                lease_owner=owner,
                lease_expires_at=now + timedelta(seconds=lease_seconds),
                fence=Run.fence + 1,
                attempt=Run.attempt + 1,
                executed_at=now,
            )
            .returning(Run.id, Run.fence, Run.attempt, Run.plan)
            .execution_options(synchronize_session=False)
        )
        claims = [Claim(r.id, result_id, r.fence, r.attempt, r.plan) for r in claimed.all()]
        if claims and row.status in WAITING:
            await session.execute(
                update(Result).where(Result.id == result_id).values(status=Status.RUNNING.value)
            )
        return sorted(claims, key=lambda c: c.run_id)


async def renew(db: Database, owner: str, run_ids: list[int], lease_seconds: float) -> None:
    if not run_ids:
        return
    async with db.transaction() as session:
        await session.execute(
            update(Run)
            .where(Run.id.in_(run_ids), Run.lease_owner == owner, Run.status.in_(LIVE))
            .values(lease_expires_at=utcnow() + timedelta(seconds=lease_seconds))
            .execution_options(synchronize_session=False)
        )


async def cancelled_among(db: Database, run_ids: list[int]) -> set[int]:
    if not run_ids:
        return set()
    async with db.session() as session:
        rows = await session.scalars(
            select(Run.id).where(Run.id.in_(run_ids), Run.status == Status.CANCELLED.value)
        )
        return set(rows.all())


async def sweep(db: Database, lease_seconds: float) -> set[int]:
    """Recover runs whose lease expired; return the result ids that need a lane again."""
    now = utcnow()
    async with db.transaction() as session:
        expired = and_(Run.status.in_(LIVE), Run.lease_expires_at < now)
        retry = await session.execute(
            update(Run)
            .where(expired, Run.attempt < MAX_ATTEMPTS)
            .values(status=Status.PENDING.value, lease_owner=None, lease_expires_at=None)
            .returning(Run.result_id)
            .execution_options(synchronize_session=False)
        )
        needs_lane = {r for (r,) in retry.all()}
        failed = await session.execute(
            update(Run)
            .where(expired, Run.attempt >= MAX_ATTEMPTS)
            .values(
                status=Status.FAILED.value,
                success=False,
                infrastructure_failure=True,
                error_message="The worker running this conversation stopped responding.",
                lease_owner=None,
                ended_at=now,
            )
            .returning(Run.result_id)
            .execution_options(synchronize_session=False)
        )
        touched = needs_lane | {r for (r,) in failed.all()}
        stale = now - timedelta(seconds=lease_seconds)
        orphans = await session.execute(
            select(Run.result_id)
            .where(Run.status.in_(WAITING), Run.timestamp < stale)
            .group_by(Run.result_id)
        )
        for (result_id,) in orphans.all():
            live = await session.scalar(
                select(func.count())
                .select_from(Run)
                .where(
                    Run.result_id == result_id,
                    Run.status.in_(LIVE),
                    Run.lease_expires_at > now,
                )
            )
            if not live:
                needs_lane.add(result_id)
    for result_id in touched:
        await refresh_result_status(db, result_id)
    return needs_lane


async def refresh_result_status(db: Database, result_id: int) -> str:
    """Store the status the result's runs imply (a cancel or timeout stands)."""
    async with db.transaction() as session:
        current = await session.scalar(select(Result.status).where(Result.id == result_id))
        if current is None or current in (Status.CANCELLED.value, Status.TIMEOUT.value):
            return current or ""
        unfinished = await session.scalar(
            select(Run.id).where(Run.result_id == result_id, Run.status.in_(UNFINISHED)).limit(1)
        )
        if unfinished is not None and current == Status.RUNNING.value:
            return current  # the common case while a result runs: nothing changes
        rows = await session.execute(
            select(Run.status, func.count()).where(Run.result_id == result_id).group_by(Run.status)
        )
        by_status = dict(rows.all())
        status = result_status(by_status, current)
        if status != current:
            await session.execute(
                update(Result).where(Result.id == result_id).values(status=status)
            )
        return status
