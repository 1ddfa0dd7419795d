"""Run the REST API (uvicorn), bringing the database schema up to date first."""

from __future__ import annotations

from typing import Annotated

import typer


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8000,
) -> None:
    """Run the REST API (uvicorn), bringing the database schema up to date first."""
    import uvicorn

    from sparring.api.app import create_app
    from sparring.api.middleware import MAX_REQUEST_HEAD_BYTES
    from sparring.config import settings
    from sparring.runner.runtime import settle_heap
    from sparring.storage.migrate import upgrade_database

    upgrade_database(settings().effective_database_url)
    app = create_app()
    settle_heap()
    uvicorn.run(
        app,
        host=host,
        port=port,
        log_level="warning",
        proxy_headers=True,
        h11_max_incomplete_event_size=MAX_REQUEST_HEAD_BYTES,
    )
