"""Brings a database schema up to date with Alembic (called by `sparring serve`, `run`, `worker`)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from sparring.storage.db import make_engine, sync_url

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", sync_url(url).replace("%", "%%"))
    return cfg


def upgrade_database(url: str) -> None:
    """Apply every migration not yet applied (synchronous; call from a thread inside a loop)."""
    make_engine(url)  # creates the SQLite file's folder when needed
    command.upgrade(alembic_config(url), "head")
