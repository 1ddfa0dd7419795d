"""Where judge verdicts are kept so the same question is never paid for twice.

A `VerdictCache` maps a key (a sha256 hex digest, see `cache_key`) to a JSON text. The default
`MemoryVerdictCache` is a per-process LRU; a database-backed cache only has to implement the
two async methods.
"""

from __future__ import annotations

import hashlib
import json
from collections import OrderedDict
from typing import Any, Protocol, runtime_checkable

from sparring.storage.db import Database
from sparring.storage.models import JudgeVerdict


@runtime_checkable
class VerdictCache(Protocol):
    """Async get/set of JSON texts by key."""

    async def get(self, key: str) -> str | None:
        """The stored text, or None."""
        ...

    async def set(self, key: str, value: str) -> None:
        """Store (or replace) the text under `key`."""
        ...


class MemoryVerdictCache:
    """An in-memory LRU cache holding at most `max_entries` verdicts."""

    def __init__(self, max_entries: int = 10_000) -> None:
        if max_entries < 1:
            raise ValueError("max_entries must be at least 1")
        self.max_entries = max_entries
        self._entries: OrderedDict[str, str] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    async def get(self, key: str) -> str | None:
        value = self._entries.get(key)
        if value is not None:
            self._entries.move_to_end(key)
        return value

    async def set(self, key: str, value: str) -> None:
        self._entries[key] = value
        self._entries.move_to_end(key)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)


class DatabaseVerdictCache:
    """Verdicts kept in the database (shared by every process, kept across restarts), with a
    per-process memory in front of it."""

    def __init__(self, db: Database, memory: MemoryVerdictCache | None = None) -> None:
        self.db = db
        self.memory = memory or MemoryVerdictCache()

    async def get(self, key: str) -> str | None:
        value = await self.memory.get(key)
        if value is not None:
            return value
        async with self.db.session() as session:
            row = await session.get(JudgeVerdict, key)
        if row is not None:
            await self.memory.set(key, row.value)
            return row.value
        return None

    async def set(self, key: str, value: str) -> None:
        await self.memory.set(key, value)
        async with self.db.transaction() as session:
            if await session.get(JudgeVerdict, key) is None:
                session.add(JudgeVerdict(key=key, value=value))


def cache_key(*parts: Any) -> str:
    """sha256 hex digest of the JSON form of `parts` (keys sorted, so order-stable)."""
    text = json.dumps(parts, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
