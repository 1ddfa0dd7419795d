"""Shared fixtures: throwaway databases on SQLite and PostgreSQL, a live API on 127.0.0.1,
and a guard that fails any test trying to reach beyond the loopback interface."""

from __future__ import annotations

import ipaddress
import os
import socket
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import pytest_asyncio
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from api_server import LiveAPI, serve_api
from sparring.config import load_settings
from sparring.storage.db import Database
from sparring.storage.migrate import upgrade_database

POSTGRES_URL = os.environ.get("SPARRING_TEST_POSTGRES_URL", "")
ENGINES = ["sqlite", "postgresql"]

# ---- no network beyond loopback ------------------------------------------------------------

_real_connect = socket.socket.connect


def _loopback_only(self: socket.socket, address: object) -> object:
    if isinstance(address, tuple) and address:
        host = str(address[0])
        try:
            ip = ipaddress.ip_address(host)
        except ValueError:
            ip = None
        if ip is not None and not ip.is_loopback:
            raise OSError(f"tests may not reach {host}: only 127.0.0.1 is allowed")
    return _real_connect(self, address)  # type: ignore[arg-type]


@pytest.fixture(autouse=True, scope="session")
def _no_network() -> Iterator[None]:
    socket.socket.connect = _loopback_only  # type: ignore[method-assign,assignment]
    os.environ.pop("SPARRING_LLM_BASE_URL", None)
    yield
    socket.socket.connect = _real_connect  # type: ignore[method-assign]


# ---- databases -----------------------------------------------------------------------------


def _throwaway_postgres() -> Iterator[str]:
    base = make_url(POSTGRES_URL)
    name = f"sparring_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base.set(drivername="postgresql+psycopg"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield base.set(drivername="postgresql+psycopg", database=name).render_as_string(
            hide_password=False
        )
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session", params=ENGINES)
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A migrated throwaway database: a SQLite file, or a new PostgreSQL database."""
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('db') / 'sparring.db'}"
        upgrade_database(url)
        yield url
        return
    if not POSTGRES_URL:
        pytest.skip("PostgreSQL not configured (set SPARRING_TEST_POSTGRES_URL; .ci/run does)")
    for url in _throwaway_postgres():
        upgrade_database(url.replace("postgresql+psycopg", "postgresql+psycopg"))
        yield url


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def database(database_url: str) -> AsyncIterator[Database]:
    db = Database(database_url)
    yield db
    await db.dispose()


# ---- a live API on 127.0.0.1 ---------------------------------------------------------------


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def live_api(
    database: Database, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[LiveAPI]:
    os.environ.setdefault("SPARRING_HOME", str(tmp_path_factory.mktemp("home")))
    async with serve_api(database, load_settings()) as api:
        yield api


@pytest.fixture
def repo_root() -> Path:
    return Path(__file__).resolve().parents[1]
