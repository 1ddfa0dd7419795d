"""Helpers the transports share: reading a config, timing a reply, classifying a failure."""

from __future__ import annotations

import asyncio
import json
import math
import time
from contextvars import ContextVar
from typing import Any
from urllib.parse import urlsplit

from sparring.errors import AgentError, AgentMisbehaved, AgentUnreachable, BadInput, snippet

CONFIG_PREFIX = "provider.credentials.config"
DEFAULT_TIMEOUT_SECONDS = 30.0

# The loop time by which whoever awaits this reply stops waiting anyway (the conversation loop
# sets it): a `ReplyDeadline` that would come later needs no timer of its own.
OUTER_DEADLINE: ContextVar[float] = ContextVar("sparring_outer_deadline", default=math.inf)


def config_field(key: str) -> str:
    """The API field path of a transport config key (what `BadInput` names)."""
    return f"{CONFIG_PREFIX}.{key}"


def optional_str(config: dict[str, Any], key: str) -> str | None:
    """A string or nothing; any other type is `BadInput`."""
    value = config.get(key)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise BadInput(config_field(key), "Must be a string.")
    return value


def string_map(config: dict[str, Any], key: str) -> dict[str, str]:
    """An object of string values (e.g. HTTP headers); missing means empty."""
    value = config.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise BadInput(config_field(key), "Must be an object whose values are strings.")
    return dict(value)


def optional_number(config: dict[str, Any], key: str) -> float | None:
    """A number or nothing (booleans are not numbers here)."""
    value = config.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise BadInput(config_field(key), "Must be a number.")
    return float(value)


def positive_number(config: dict[str, Any], key: str, default: float) -> float:
    """A number above zero, `default` when missing."""
    value = optional_number(config, key)
    if value is None:
        return default
    if value <= 0:
        raise BadInput(config_field(key), "Must be greater than 0.")
    return value


def boolean(config: dict[str, Any], key: str, default: bool) -> bool:
    """true or false, `default` when missing."""
    value = config.get(key)
    if value is None:
        return default
    if not isinstance(value, bool):
        raise BadInput(config_field(key), "Must be true or false.")
    return value


def url(config: dict[str, Any], key: str, schemes: tuple[str, ...]) -> str:
    """A required absolute URL with one of `schemes`."""
    value = config.get(key)
    if not isinstance(value, str) or not value.strip():
        raise BadInput(config_field(key), "This field is required.")
    parts = urlsplit(value.strip())
    if parts.scheme not in schemes or not parts.hostname:
        allowed = " or ".join(f"{s}://" for s in schemes)
        raise BadInput(config_field(key), f"Must be an absolute URL starting with {allowed}.")
    return value.strip()


class Stopwatch:
    """Milliseconds since it was made, on the monotonic clock."""

    def __init__(self) -> None:
        self._start = time.perf_counter()

    def ms(self) -> float:
        return (time.perf_counter() - self._start) * 1000.0


class ReplyDeadline:
    """Bound a whole reply (not each read): an agent that dribbles bytes still times out.

    `async with ReplyDeadline(30):` raises `AgentUnreachable` when time is up. It sets no timer
    when `OUTER_DEADLINE` comes first. A class rather than a generator context manager: it is
    entered on every turn of every conversation.
    """

    __slots__ = ("_timeout", "seconds")

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._timeout: asyncio.Timeout | None = None

    async def __aenter__(self) -> None:
        when = asyncio.get_running_loop().time() + self.seconds
        if when < OUTER_DEADLINE.get():
            self._timeout = asyncio.timeout_at(when)
            await self._timeout.__aenter__()

    async def __aexit__(self, *exc_info: Any) -> None:
        if self._timeout is None:
            return
        try:
            await self._timeout.__aexit__(*exc_info)
        except TimeoutError as exc:
            raise AgentUnreachable(f"The agent did not answer within {self.seconds:g} s.") from exc


def http_status_error(status: int, body: str = "") -> AgentError:
    """The error for an HTTP answer other than 2xx.

    5xx, 408 and 429 may pass on a retry, so they count as unreachable; other codes (401, 404 …)
    will not, so they count as misbehaviour and are not retried.
    """
    detail = f": {snippet(body)}" if body.strip() else "."
    message = f"The agent answered HTTP {status}{detail}"
    if status >= 500 or status in (408, 429):
        return AgentUnreachable(message)
    return AgentMisbehaved(message)


def root_cause(exc: BaseException) -> str:
    """The message of the innermost cause: client libraries wrap "connection refused" in
    vaguer errors (the openai SDK on aiohttp even calls it a timeout)."""
    inner = exc
    while inner.__cause__ is not None:
        inner = inner.__cause__
    return str(inner) or type(inner).__name__


def parse_arguments(raw: object) -> dict[str, Any]:
    """Tool-call arguments as an object; a JSON string is parsed, anything else kept as `raw`."""
    if isinstance(raw, dict):
        return raw
    if isinstance(raw, str):
        if not raw.strip():
            return {}
        try:
            parsed = json.loads(raw)
        except json.JSONDecodeError:
            return {"raw": raw}
        return parsed if isinstance(parsed, dict) else {"raw": parsed}
    return {} if raw is None else {"raw": raw}
