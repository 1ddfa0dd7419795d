"""Group commit of run outcomes: batched, yet each write still checks its claim's fence."""

from __future__ import annotations

import asyncio

from sqlalchemy import select, update

from sparring.runner.leases import Claim, claim_runs
from sparring.runner.writer import RunWriter
from sparring.services.keys import ensure_project
from sparring.storage.db import Database
from sparring.storage.models import Result, Run


async def claimed_runs(database: Database, count: int) -> list[Claim]:
    """A result with `count` runs, all claimed by this process."""
    async with database.transaction() as session:
        project = await ensure_project(session, "writer tests")
        result = Result(project_id=project.id, name="writes", status="in_queue")
        session.add(result)
        await session.flush()
        session.add_all(
            Run(result_id=result.id, project_id=project.id, status="in_queue") for _ in range(count)
        )
        result_id = result.id
    return await claim_runs(database, result_id, "me", 30, count)


async def stored(database: Database, claims: list[Claim]) -> list[tuple[str, str]]:
    async with database.session() as session:
        rows = await session.execute(
            select(Run.status, Run.error_message)
            .where(Run.id.in_([c.run_id for c in claims]))
            .order_by(Run.id)
        )
        return [(r.status, r.error_message) for r in rows]


async def test_a_batch_keeps_each_writes_fence(database: Database) -> None:
    claims = await claimed_runs(database, 4)
    async with database.transaction() as session:  # another worker took run 2 over
        await session.execute(
            update(Run).where(Run.id == claims[1].run_id).values(fence=Run.fence + 1)
        )
    writer = RunWriter(database)
    writer.start()
    try:
        outcomes = await asyncio.gather(
            writer.write(claims[0], {"status": "completed", "error_message": "one"}),
            writer.write(claims[1], {"status": "completed", "error_message": "two"}),
            writer.write(claims[2], {"status": "failed"}),  # other columns: a second statement
            writer.write(claims[3], {"status": "completed", "error_message": "four"}),
        )
    finally:
        await writer.stop()
    assert outcomes == [True, False, True, True]
    assert await stored(database, claims) == [
        ("completed", "one"),
        ("running", ""),
        ("failed", ""),
        ("completed", "four"),
    ]


async def test_a_run_deleted_meanwhile_is_not_owned(database: Database) -> None:
    claims = await claimed_runs(database, 2)
    async with database.transaction() as session:
        await session.execute(Run.__table__.delete().where(Run.id == claims[0].run_id))
    writer = RunWriter(database)
    writer.start()
    try:
        outcomes = await asyncio.gather(
            writer.write(claims[0], {"status": "completed"}),
            writer.write(claims[1], {"status": "completed"}),
        )
    finally:
        await writer.stop()
    assert outcomes == [False, True]
