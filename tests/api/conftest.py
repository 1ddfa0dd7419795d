"""Fixtures for API tests: clients of the live API for two projects, and `sparring serve` in
its own process."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
from api_helpers import cli_key, process_env, sparring_serve


@pytest_asyncio.fixture
async def client(live_api: Any) -> AsyncIterator[httpx.AsyncClient]:
    """A client with the live API's key (project A)."""
    async with live_api.client() as api:
        yield api


@pytest_asyncio.fixture
async def other_client(live_api: Any) -> AsyncIterator[httpx.AsyncClient]:
    """A client with the key of a new project (project B)."""
    async with live_api.client(await live_api.new_key()) as api:
        yield api


@dataclass(frozen=True)
class Served:
    """`sparring serve` over the test database, a key from `sparring keys create`, its HOME."""

    url: str
    key: str
    home: Path


@pytest.fixture(scope="session")
def served(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    home = tmp_path_factory.mktemp("served")
    env = process_env(database_url, home)
    key = cli_key(env, "served")
    with sparring_serve(env) as url:
        yield Served(url, key, home)
