"""The embedded path of `sparring run`: this process holds the conversations.

SQLite (or `SPARRING_DATABASE_URL`), the in-process broker, the runner, and live progress.
Imported only when a run starts, so `sparring --help` stays quick.
"""

from __future__ import annotations

import asyncio
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy import select

from sparring.config import settings
from sparring.runner.runtime import Runtime, settle_heap
from sparring.services import launch, result_queries, suites
from sparring.services.keys import Principal, ensure_project
from sparring.storage.db import Database
from sparring.storage.models import Agent

LOCAL_PROJECT = "local"


async def ensure_agent(
    db: Database, principal: Principal, name: str, provider: dict[str, Any]
) -> int:
    """The local agent called `name`, created or pointed at `provider`."""
    from sparring.api.routes.agents import split_provider  # the API's validation, shared
    from sparring.api.schemas.agents import ProviderIn

    public, secret = split_provider(ProviderIn.model_validate(provider), {}, {})
    async with db.transaction() as session:
        agent = await session.scalar(
            select(Agent).where(Agent.project_id == principal.project_id, Agent.name == name)
        )
        if agent is None:
            agent = Agent(project_id=principal.project_id, name=name, extra={})
            session.add(agent)
        agent.provider, agent.credentials = public, secret
        await session.flush()
        return agent.id


async def run_embedded(
    console: Console,
    doc: dict[str, Any],
    targets: list[tuple[str, dict[str, Any]]],
    concurrency: int | None,
    caller: str,
) -> list[dict[str, Any]]:
    """Launch the suite against each target agent, follow the runs, return the results."""
    cfg = settings()
    db = Database(cfg.effective_database_url)
    runtime = await Runtime(db, cfg, executes=True).start()
    settle_heap()
    try:
        async with db.transaction() as session:
            project = await ensure_project(session, LOCAL_PROJECT)
            principal = Principal(project.id, project.organization_id, 0)
        launched = []
        for label, provider in targets:
            agent_id = await ensure_agent(db, principal, label, provider)
            async with db.transaction() as session:
                result, total, _ = await suites.launch_suite(
                    session,
                    principal,
                    doc,
                    agent_id,
                    name=f"{label}",
                    caller_engine=caller,
                    concurrency_limit=concurrency or 10,
                )
            assert result is not None
            await runtime.enqueue_lanes(result.id, launch.lanes_for(result, total))
            launched.append((label, result.id, total))
        await _follow(console, db, principal, launched)
        out = []
        async with db.session() as session:
            for _label, result_id, _total in launched:
                out.append(await result_queries.load_result(session, principal, result_id))
        return out
    finally:
        await runtime.stop()
        await db.dispose()


async def _follow(
    console: Console, db: Database, principal: Principal, launched: list[tuple[str, int, int]]
) -> None:
    """Live progress until every run of every launched result is terminal."""
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("[green]{task.fields[passed]} passed[/] [red]{task.fields[failed]} failed"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=False) as progress:
        bars = {
            rid: progress.add_task(label, total=total, passed=0, failed=0)
            for label, rid, total in launched
        }
        while True:
            done = True
            async with db.session() as session:
                for rid, bar in bars.items():
                    counts = await result_queries.run_counts(session, rid)
                    progress.update(
                        bar,
                        completed=counts["completed"],
                        passed=counts["passed"],
                        failed=counts["failed"],
                    )
                    done = done and counts["completed"] >= counts["total"]
            if done:
                return
            await asyncio.sleep(0.2)
