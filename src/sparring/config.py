"""The one place that reads environment variables.

Every setting has an embedded default, so `sparring run` works with no services and no keys:

| variable | default | meaning |
| --- | --- | --- |
| `SPARRING_HOME` | `~/.local/share/sparring` (or `$XDG_DATA_HOME/sparring`) | where the default SQLite file lives |
| `SPARRING_DATABASE_URL` | `sqlite+aiosqlite:///$SPARRING_HOME/sparring.db` | SQLAlchemy URL; PostgreSQL as `postgresql+psycopg://…` |
| `SPARRING_BROKER_URL` | empty: in-process broker | `redis://…` for Taskiq workers on many machines |
| `SPARRING_LLM_BASE_URL` / `_API_KEY` / `_MODEL` | empty: offline caller and checks | any OpenAI-compatible endpoint |
| `SPARRING_LLM_SEED`, `SPARRING_LLM_TEMPERATURE` | none / 0.7 (caller) | reproducible LLM callers |
| `SPARRING_JUDGE_VOTES` | 1 | majority of n votes for the LLM judge |
| `SPARRING_AGENT_CONCURRENCY` | 50 | at most this many live conversations per agent |
| `SPARRING_RUN_LEASE_SECONDS` | 30 | a run whose worker stops renewing its lease for this long is retried |
| `SPARRING_ALLOW_PYTHON_AGENTS` | off | let API clients create `python` agents (the server imports their module) |
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path


def _default_home() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "sparring"


def _env_float(name: str, default: float) -> float:
    raw = os.environ.get(name, "").strip()
    return float(raw) if raw else default


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    return int(raw) if raw else default


@dataclass(frozen=True)
class LLMSettings:
    """An OpenAI-compatible endpoint for the LLM caller and judge; empty means offline."""

    base_url: str = ""
    api_key: str = ""
    model: str = ""
    seed: int | None = None
    temperature: float = 0.7
    judge_votes: int = 1
    timeout_seconds: float = 60.0

    @property
    def configured(self) -> bool:
        return bool(self.base_url and self.model)


@dataclass(frozen=True)
class Settings:
    """All of sparring's settings, read once from the environment."""

    home: Path = field(default_factory=_default_home)
    database_url: str = ""
    broker_url: str = ""
    llm: LLMSettings = field(default_factory=LLMSettings)
    agent_concurrency: int = 50
    run_lease_seconds: float = 30.0
    max_body_bytes: int = 1024 * 1024
    allow_python_agents: bool = False

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{self.home / 'sparring.db'}"


def load_settings() -> Settings:
    """Read the environment now (tests call this after changing it)."""
    home = Path(os.environ["SPARRING_HOME"]) if os.environ.get("SPARRING_HOME") else _default_home()
    seed = os.environ.get("SPARRING_LLM_SEED", "").strip()
    llm = LLMSettings(
        base_url=os.environ.get("SPARRING_LLM_BASE_URL", "").strip(),
        api_key=os.environ.get("SPARRING_LLM_API_KEY", "").strip(),
        model=os.environ.get("SPARRING_LLM_MODEL", "").strip(),
        seed=int(seed) if seed else None,
        temperature=_env_float("SPARRING_LLM_TEMPERATURE", 0.7),
        judge_votes=_env_int("SPARRING_JUDGE_VOTES", 1),
        timeout_seconds=_env_float("SPARRING_LLM_TIMEOUT", 60.0),
    )
    return Settings(
        home=home,
        database_url=os.environ.get("SPARRING_DATABASE_URL", "").strip(),
        broker_url=os.environ.get("SPARRING_BROKER_URL", "").strip(),
        llm=llm,
        agent_concurrency=_env_int("SPARRING_AGENT_CONCURRENCY", 50),
        run_lease_seconds=_env_float("SPARRING_RUN_LEASE_SECONDS", 30.0),
        allow_python_agents=os.environ.get("SPARRING_ALLOW_PYTHON_AGENTS", "").lower()
        in ("1", "true", "yes"),
    )


@lru_cache(maxsize=1)
def settings() -> Settings:
    """The process-wide settings (cached; `settings.cache_clear()` re-reads)."""
    return load_settings()
