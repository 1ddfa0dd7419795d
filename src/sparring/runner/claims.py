"""Where this process's lanes ask for their next run: asks for one result are granted together,
in one transaction, instead of each lane queueing for the database on its own."""

from __future__ import annotations

import asyncio
from itertools import zip_longest

from sparring.runner import leases
from sparring.runner.leases import Claim
from sparring.storage.db import Database


class ClaimDesk:
    """Grants waiting lanes their runs in batches (a lane granted nothing ends)."""

    def __init__(self, db: Database, owner: str, lease_seconds: float) -> None:
        self.db = db
        self.owner = owner
        self.lease_seconds = lease_seconds
        self._asks: dict[int, list[asyncio.Future[Claim | None]]] = {}
        self._granting: dict[int, asyncio.Task[None]] = {}

    async def next(self, result_id: int) -> Claim | None:
        ask: asyncio.Future[Claim | None] = asyncio.get_running_loop().create_future()
        self._asks.setdefault(result_id, []).append(ask)
        if result_id not in self._granting:
            self._granting[result_id] = asyncio.create_task(self._grant(result_id))
        return await ask

    async def _grant(self, result_id: int) -> None:
        try:
            while self._asks.get(result_id):
                asks = self._asks.pop(result_id)
                try:
                    claims = await leases.claim_runs(
                        self.db, result_id, self.owner, self.lease_seconds, len(asks)
                    )
                except Exception as exc:
                    for ask in asks:
                        ask.set_exception(exc)
                    continue
                for ask, claim in zip_longest(asks, claims):
                    if ask is not None:
                        ask.set_result(claim)
        finally:
            self._granting.pop(result_id, None)
