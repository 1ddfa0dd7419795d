"""A process's runner: its broker, its live conversations, leases, cancel watch and sweeper.

Every process that talks to the database through the runner (`sparring serve`, `run`,
`worker`) has one `Runtime`. With the in-process broker it also executes runs; with Redis, only
`sparring worker` processes do.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import gc
import logging
import os
import socket
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

from taskiq import AsyncBroker

from sparring.config import Settings
from sparring.domain.plan import RunPlan
from sparring.errors import NotFound
from sparring.evaluation.setup import evaluation_for
from sparring.runner import leases
from sparring.runner.agents import agent_spec
from sparring.runner.broker import LANE_TASK, make_broker
from sparring.runner.claims import ClaimDesk
from sparring.runner.executor import LiveRun, execute
from sparring.runner.writer import RunWriter
from sparring.storage.db import Database
from sparring.storage.models import Agent
from sparring.transports import Transport, get_transport

log = logging.getLogger(__name__)
AGENT_TTL_SECONDS = 2.0


@functools.cache  # once per process
def settle_heap() -> None:
    """Keep the garbage collector from re-scanning what start-up left alive (modules, pools).

    For processes that hold many conversations (`sparring run`, `worker`, `serve`), once they
    are set up: each full collection would otherwise walk all of it again, which cost about a
    tenth of the CPU of 1000 conversations in `benchmarks/text_throughput.py`.
    """
    gc.collect()
    gc.freeze()


class Runtime:
    """Runs results' runs through lanes: each lane claims and executes runs one at a time."""

    def __init__(self, db: Database, cfg: Settings, *, executes: bool | None = None) -> None:
        self.db = db
        self.cfg = cfg
        self.executes = (not cfg.broker_url) if executes is None else executes
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"

        # The lane task is bound to this runtime (several may live in one process, e.g. tests).
        async def lane(result_id: int) -> None:
            await self.work_on_result(result_id)

        self.broker: AsyncBroker = make_broker(cfg, lane)
        self.live: dict[int, LiveRun] = {}
        self._transports: dict[tuple[Any, ...], Transport] = {}
        self._agent_slots: dict[int, asyncio.Semaphore] = {}
        self._agents: dict[int, tuple[float, Agent]] = {}
        self._agent_reads: dict[int, asyncio.Lock] = {}
        self.writer = RunWriter(db)
        self.evaluation = evaluation_for(cfg.llm, db)
        self.claims = ClaimDesk(db, self.owner, cfg.run_lease_seconds)
        self.dirty_results: set[int] = set()
        self._lanes: set[asyncio.Task[None]] = set()
        self._loops: list[asyncio.Task[None]] = []
        self._stopping = asyncio.Event()
        self.runs_started = 0

    # ---- life cycle ----------------------------------------------------------------------

    async def start(self) -> Runtime:
        await self.broker.startup()
        self.writer.start()
        self._stopping.clear()
        self._loops = [asyncio.create_task(self._watch()), asyncio.create_task(self._sweep())]
        return self

    async def stop(self) -> None:
        self._stopping.set()  # the loops end between two rounds, never inside a transaction
        await asyncio.gather(*self._loops)
        for live in self.live.values():
            live.cancel.set()
        if self._lanes:
            await asyncio.wait(self._lanes, timeout=5)
        await self.broker.shutdown()
        await self.writer.stop()
        await self._refresh_results()
        for transport in self._transports.values():
            await transport.aclose()
        await self.evaluation.aclose()
        self._transports.clear()

    # ---- lanes ---------------------------------------------------------------------------

    async def enqueue_lanes(self, result_id: int, count: int) -> None:
        """Ask the broker for `count` lanes working on `result_id`."""
        task = self.broker.find_task(LANE_TASK)
        assert task is not None
        for _ in range(max(0, count)):
            await task.kiq(result_id)

    async def work_on_result(self, result_id: int) -> None:
        """One lane: claim and execute the result's waiting runs until none can be claimed."""
        me = asyncio.current_task()
        if me is not None:
            self._lanes.add(me)
        try:
            while True:
                claim = await self.claims.next(result_id)
                if claim is None:
                    return
                self.runs_started += 1
                await execute(self, claim)
        finally:
            if me is not None:
                self._lanes.discard(me)

    # ---- resources shared by this process's conversations ---------------------------------

    async def transport_for(self, plan: RunPlan) -> Transport:
        agent = await self._agent(plan.agent_id)
        key = (agent.id, agent.updated_at, repr(sorted(plan.agent_overrides.items())))
        transport = self._transports.get(key)
        if transport is None:
            spec = agent_spec(agent, plan.agent_overrides)
            transport = get_transport(spec.provider_type)(spec)
            self._transports[key] = transport
        return transport

    async def _agent(self, agent_id: int) -> Agent:
        """The agent row, re-read at most every few seconds (so edits apply to later runs)."""
        async with self._agent_reads.setdefault(agent_id, asyncio.Lock()):  # one read at a time
            cached = self._agents.get(agent_id)
            if cached is not None and cached[0] > time.monotonic():
                return cached[1]
            async with self.db.session() as session:
                agent = await session.get(Agent, agent_id)
            if agent is None:
                raise NotFound(f"Agent {agent_id} was deleted.")
            self._agents[agent_id] = (time.monotonic() + AGENT_TTL_SECONDS, agent)
            return agent

    @contextlib.asynccontextmanager
    async def agent_slot(self, agent_id: int) -> AsyncIterator[None]:
        """At most `agent_concurrency` live conversations per agent in this process."""
        slot = self._agent_slots.setdefault(agent_id, asyncio.Semaphore(self.cfg.agent_concurrency))
        async with slot:
            yield

    # ---- background loops ----------------------------------------------------------------

    async def _watch(self) -> None:
        """Renew leases of live runs and stop the ones cancelled through the API."""
        interval = min(0.5, self.cfg.run_lease_seconds / 3)
        beats = 0
        while await self._pause(interval):
            try:
                await self._refresh_results()
                ids = list(self.live)
                for run_id in await leases.cancelled_among(self.db, ids):
                    if run_id in self.live:
                        self.live[run_id].cancel.set()
                beats += 1
                if beats * interval >= self.cfg.run_lease_seconds / 3:
                    beats = 0
                    await leases.renew(self.db, self.owner, ids, self.cfg.run_lease_seconds)
            except Exception:  # keep watching through a database hiccup
                log.exception("lease watch failed")

    async def _refresh_results(self) -> None:
        """Bring the stored status of results whose runs changed up to date."""
        while self.dirty_results:
            await leases.refresh_result_status(self.db, self.dirty_results.pop())

    async def _sweep(self) -> None:
        """Recover runs of dead workers and results whose lanes were lost."""
        while True:
            try:
                for result_id in await leases.sweep(self.db, self.cfg.run_lease_seconds):
                    await self.enqueue_lanes(result_id, 1)
            except Exception:
                log.exception("sweep failed")
            if not await self._pause(max(1.0, self.cfg.run_lease_seconds / 2)):
                return

    async def _pause(self, seconds: float) -> bool:
        """Wait `seconds`; False as soon as the runtime stops."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), seconds)
        return not self._stopping.is_set()
