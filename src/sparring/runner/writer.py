"""Group commit of fenced run writes: the outcomes of many runs in one transaction.

Hundreds of conversations finish at about the same time; writing each in its own transaction
makes them queue for the database's single writer (SQLite) or its commit latency (PostgreSQL).
Each write keeps its own fence check, so batching never lets a stale worker overwrite a run.
"""

from __future__ import annotations

import asyncio
import contextlib
from functools import cache
from typing import Any, cast

from sqlalchemy import Table, Update, bindparam, update

from sparring.runner.leases import Claim
from sparring.storage.db import Database
from sparring.storage.models import Run

MAX_BATCH = 500


class RunWriter:
    """Queues `(claim, values)` writes and commits them in batches."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._queue: asyncio.Queue[tuple[Claim, dict[str, Any], asyncio.Future[bool]]] = (
            asyncio.Queue()
        )
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop())

    async def stop(self) -> None:
        while not self._queue.empty():
            await asyncio.sleep(0.01)
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def write(self, claim: Claim, values: dict[str, Any]) -> bool:
        """Store `values` if the claim still owns the run; False when it was taken over."""
        done: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._queue.put_nowait((claim, values, done))
        return await done

    async def _loop(self) -> None:
        while True:
            batch = [await self._queue.get()]
            while len(batch) < MAX_BATCH and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            try:
                outcomes = await self._commit(batch)
            except Exception as exc:  # every waiter learns of the failure
                for _, _, done in batch:
                    if not done.done():
                        done.set_exception(exc)
                continue
            for (_, _, done), owned in zip(batch, outcomes, strict=True):
                if not done.done():
                    done.set_result(owned)

    async def _commit(
        self, batch: list[tuple[Claim, dict[str, Any], asyncio.Future[bool]]]
    ) -> list[bool]:
        outcomes = []
        async with self.db.transaction() as session:
            for claim, values, _ in batch:
                params = {**values, "w_id": claim.run_id, "w_fence": claim.fence}
                result = await session.execute(_statement(frozenset(values)), params)
                outcomes.append(bool(result.rowcount))  # type: ignore[attr-defined]
        return outcomes


@cache
def _statement(columns: frozenset[str]) -> Update:
    """One fenced UPDATE per set of columns, built once (building statements costs CPU)."""
    table = cast(Table, Run.__table__)
    names = {attr: Run.__mapper__.columns[attr].name for attr in columns}
    return (
        update(table)
        .where(table.c.id == bindparam("w_id"), table.c.fence == bindparam("w_fence"))
        .values({names[a]: bindparam(a) for a in sorted(columns)})
    )
