"""Taskiq wiring: an in-process broker by default, Redis streams with `SPARRING_BROKER_URL`.

The broker only delivers "work on result N" messages (lanes); whether a run is pending, running
under a lease, or done is decided by the runs table, so a lost or repeated message is harmless.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from taskiq import AsyncBroker, InMemoryBroker

from sparring.config import Settings

LANE_TASK = "sparring.work_on_result"


def make_broker(cfg: Settings, lane: Callable[[int], Awaitable[None]]) -> AsyncBroker:
    """The configured broker with the lane task registered on it."""
    broker: AsyncBroker
    if cfg.broker_url:
        from taskiq_redis import RedisStreamBroker

        broker = RedisStreamBroker(
            cfg.broker_url,
            queue_name="sparring:lanes",
            consumer_group_name="sparring-workers",
            max_connection_pool_size=200,
        )
    else:
        broker = InMemoryBroker(max_async_tasks=10_000, propagate_exceptions=False)
    broker.register_task(lane, task_name=LANE_TASK)
    return broker
