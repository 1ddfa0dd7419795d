"""Fixtures for API tests: clients of the live API for two projects."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest_asyncio


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
