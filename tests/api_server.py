"""The API served by uvicorn on a real socket on 127.0.0.1, for tests."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import uvicorn

from sparring.api.app import create_app
from sparring.api.middleware import MAX_REQUEST_HEAD_BYTES
from sparring.config import Settings
from sparring.services.keys import create_key
from sparring.storage.db import Database


@dataclass
class LiveAPI:
    """The API served by uvicorn on a real socket, with one project's key."""

    url: str
    key: str
    database: Database

    def client(self, key: str | None = "default") -> httpx.AsyncClient:
        headers = {"X-CEKURA-API-KEY": self.key if key == "default" else key} if key else {}
        return httpx.AsyncClient(base_url=self.url, headers=headers, timeout=30)

    async def new_key(self, project: str | None = None) -> str:
        async with self.database.transaction() as session:
            return await create_key(session, "test", project or f"p-{uuid.uuid4().hex[:8]}")


@contextlib.asynccontextmanager
async def serve_api(database: Database, settings: Settings) -> AsyncIterator[LiveAPI]:
    """The API app with `settings` on a real socket, and a key of a new project."""
    app = create_app(settings, database=database)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)  # Nagle off
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        app,
        log_level="warning",
        lifespan="on",
        h11_max_incomplete_event_size=MAX_REQUEST_HEAD_BYTES,  # as `sparring serve`
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:
        await asyncio.sleep(0.01)
    api = LiveAPI(url=f"http://127.0.0.1:{port}", key="", database=database)
    api.key = await api.new_key()
    try:
        yield api
    finally:
        server.should_exit = True
        await task
