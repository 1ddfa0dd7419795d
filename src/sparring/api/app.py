"""The FastAPI application factory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from sparring import __version__
from sparring.api.errors import install_error_handlers
from sparring.api.middleware import RequestGuard
from sparring.api.routes import (
    agents,
    compare,
    launch,
    metrics,
    personalities,
    projects,
    result_actions,
    results,
    runs,
    scenarios,
    schedules,
    test_profiles,
)
from sparring.config import Settings, settings
from sparring.runner.runtime import Runtime
from sparring.storage.db import Database

DESCRIPTION = """sparring tests conversational AI agents with simulated conversations.

Its REST API has the shape of Cekura's `test_framework` API, so Cekura's SDK and CLI work
against it. Authenticate with `X-CEKURA-API-KEY: <key>` or `Authorization: Bearer <key>`
(create a key with `sparring keys create`). Every path answers with and without a trailing slash.
"""


def create_app(config: Settings | None = None, database: Database | None = None) -> FastAPI:
    """An app over `database` (or the configured one, opened at start-up)."""
    cfg = config or settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        own = database is None
        app.state.database = database or Database(cfg.effective_database_url)
        app.state.runtime = await Runtime(app.state.database, cfg).start()
        try:
            yield
        finally:
            await app.state.runtime.stop()
            if own:
                await app.state.database.dispose()

    app = FastAPI(
        title="sparring",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        redirect_slashes=False,
    )
    if database is not None:
        app.state.database = database
    app.state.settings = cfg
    install_error_handlers(app)
    app.add_middleware(RequestGuard, max_body=cfg.max_body_bytes)
    modules = (
        launch,
        result_actions,
        agents,
        scenarios,
        personalities,
        test_profiles,
        metrics,
        schedules,
        compare,
        results,
        runs,
        projects,
    )
    for module in modules:
        app.include_router(module.router)
    # Every route with its full path, to answer 405 with the methods a path does allow.
    app.state.api_routes = [route for module in modules for route in module.router.routes]
    return app
