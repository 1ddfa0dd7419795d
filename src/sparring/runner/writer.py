"""Group commit of fenced run writes: the outcomes of many runs in one transaction.

Hundreds of conversations finish at about the same time; writing each in its own transaction
makes them queue for the database's single writer (SQLite) or its commit latency (PostgreSQL).
Each write keeps its own fence check, so batching never lets a stale worker overwrite a run: the
writes of a batch that share their columns go as one executemany, and when it changed fewer rows
than it had writes, the fences read back in the same transaction tell which writes held.
"""

from __future__ import annotations

import asyncio
from functools import cache
from typing import Any, cast

from sqlalchemy import Table, Update, bindparam, select, update

from sparring.runner.leases import Claim
from sparring.storage.db import Database
from sparring.storage.models import Run

MAX_BATCH = 500
Write = tuple[Claim, dict[str, Any], "asyncio.Future[bool]"]


class RunWriter:
    """Queues `(claim, values)` writes and commits them in batches."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._queue: asyncio.Queue[Write | None] = asyncio.Queue()  # None: stop
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop())

    async def stop(self) -> None:
        """Commit what is queued, then end (never cancelled mid-commit)."""
        if self._task is not None:
            self._queue.put_nowait(None)
            await self._task
            self._task = None

    async def write(self, claim: Claim, values: dict[str, Any]) -> bool:
        """Store `values` if the claim still owns the run; False when it was taken over."""
        done: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._queue.put_nowait((claim, values, done))
        return await done

    async def _loop(self) -> None:
        stopping = False
        while not stopping:
            batch: list[Write] = []
            item = await self._queue.get()
            while item is not None:
                batch.append(item)
                if len(batch) >= MAX_BATCH or self._queue.empty():
                    break
                item = self._queue.get_nowait()
            stopping = item is None
            if batch:
                await self._settle(batch)

    async def _settle(self, batch: list[Write]) -> None:
        """Commit `batch` and tell each writer whether its write held."""
        try:
            outcomes = await self._commit(batch)
        except Exception as exc:  # every waiter learns of the failure
            for _, _, done in batch:
                if not done.done():
                    done.set_exception(exc)
            return
        for (_, _, done), owned in zip(batch, outcomes, strict=True):
            if not done.done():
                done.set_result(owned)

    async def _commit(self, batch: list[Write]) -> list[bool]:
        """One transaction; one executemany per set of columns written (each statement is
        several round trips to the database thread or server, whatever its size)."""
        groups: dict[frozenset[str], list[int]] = {}
        for i, (_, values, _) in enumerate(batch):
            groups.setdefault(frozenset(values), []).append(i)
        owned = [True] * len(batch)
        async with self.db.transaction() as session:
            sane = self.db.engine.dialect.supports_sane_multi_rowcount
            for columns, members in groups.items():
                params = [
                    {**batch[i][1], "w_id": batch[i][0].run_id, "w_fence": batch[i][0].fence}
                    for i in members
                ]
                result = await session.execute(_statement(columns), params)
                if sane and result.rowcount == len(members):  # type: ignore[attr-defined]
                    continue
                # Some runs were claimed again meanwhile: the fence tells which writes held.
                ids = [batch[i][0].run_id for i in members]
                fences = {r.id: r.fence for r in await session.execute(_FENCES, {"ids": ids})}
                for i in members:
                    owned[i] = fences.get(batch[i][0].run_id) == batch[i][0].fence
        return owned


_RUNS = cast(Table, Run.__table__)
_FENCES = select(_RUNS.c.id, _RUNS.c.fence).where(_RUNS.c.id.in_(bindparam("ids", expanding=True)))


@cache
def _statement(columns: frozenset[str]) -> Update:
    """One fenced UPDATE per set of columns, built once (building statements costs CPU)."""
    names = {attr: Run.__mapper__.columns[attr].name for attr in columns}
    return (
        update(_RUNS)
        .where(_RUNS.c.id == bindparam("w_id"), _RUNS.c.fence == bindparam("w_fence"))
        .values({names[a]: bindparam(a) for a in sorted(columns)})
    )
