"""`sparring worker`: take runs from the Redis broker (`SPARRING_BROKER_URL`) and hold them."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from typing import Annotated

import typer
from rich.console import Console

from sparring.config import settings
from sparring.errors import BadInput
from sparring.storage.migrate import upgrade_database


def worker(
    max_conversations: Annotated[
        int,
        typer.Option(min=1, max=10_000, help="Lanes (conversations) this worker holds at once."),
    ] = 200,
) -> None:
    """Take runs from the Redis broker (SPARRING_BROKER_URL) and hold the conversations."""
    cfg = settings()
    if not cfg.broker_url:
        raise BadInput("SPARRING_BROKER_URL", "Set it to redis://… : workers need a shared broker.")
    upgrade_database(cfg.effective_database_url)
    Console(stderr=True).print(
        f"sparring worker: broker {cfg.broker_url}, up to {max_conversations} conversations"
    )
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_work(max_conversations))


async def _work(max_conversations: int) -> None:
    from taskiq.api import run_receiver_task

    from sparring.runner.runtime import Runtime, settle_heap
    from sparring.storage.db import Database

    cfg = settings()
    db = Database(cfg.effective_database_url)
    runtime = await Runtime(db, cfg, executes=True).start()
    settle_heap()
    receiver = asyncio.create_task(
        run_receiver_task(runtime.broker, max_async_tasks=max_conversations, run_startup=False)
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await asyncio.wait([receiver, asyncio.create_task(stop.wait())], return_when="FIRST_COMPLETED")
    receiver.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await receiver
    await runtime.stop()
    await db.dispose()
