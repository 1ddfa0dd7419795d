"""One async client for any OpenAI-compatible Chat Completions endpoint.

It POSTs `{base_url}/chat/completions` through one shared aiohttp session and reads the reply
itself. The openai SDK (which the `openai_chat` transport uses) was the LLM caller's main cost
at a thousand concurrent conversations: even on its aiohttp backend it builds httpx request and
pydantic response objects, several times the CPU of the request itself
(`benchmarks/http_clients.py`, rows "openai SDK" and "aiohttp"). Like the SDK, a refused
connection, a timeout, 408, 409, 429 and 5xx are retried once after a pause (`Retry-After`
when the server sends one, at most `MAX_RETRY_WAIT` seconds).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from sparring import fastjson
from sparring.config import LLMSettings
from sparring.errors import LLMError, snippet

MAX_RETRIES = 1
RETRY_STATUSES = frozenset({408, 409, 429, 500, 502, 503, 504})
RETRY_WAIT = 0.5  # seconds before a retry when the server does not say
MAX_RETRY_WAIT = 8.0
MAX_CONNECTIONS = 1000


@dataclass(frozen=True, slots=True)
class LLMToolCall:
    """A tool call in an LLM reply; `arguments` parsed from JSON (empty if unparsable)."""

    name: str
    arguments: dict[str, Any] = field(default_factory=dict)
    id: str = ""


@dataclass(frozen=True, slots=True)
class LLMReply:
    """The text and tool calls of one completion."""

    text: str
    tool_calls: tuple[LLMToolCall, ...] = ()
    model: str = ""


class LLMClient:
    """Chat completions against `settings.base_url` with `settings.model`."""

    def __init__(self, settings: LLMSettings) -> None:
        if not settings.configured:
            raise LLMError("No LLM configured: set SPARRING_LLM_BASE_URL and SPARRING_LLM_MODEL.")
        self.settings = settings
        self.url = settings.base_url.rstrip("/") + "/chat/completions"
        self._session: aiohttp.ClientSession | None = None

    @property
    def model(self) -> str:
        return self.settings.model

    def _http(self) -> aiohttp.ClientSession:
        """The shared connection pool (made inside the running loop, on first use)."""
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=MAX_CONNECTIONS),
                headers={"Authorization": f"Bearer {self.settings.api_key or 'not-needed'}"},
                timeout=aiohttp.ClientTimeout(total=self.settings.timeout_seconds),
                json_serialize=fastjson.dumps,
            )
        return self._session

    async def complete(
        self,
        messages: list[dict[str, Any]],
        *,
        temperature: float | None = None,
        tools: list[dict[str, Any]] | None = None,
        json_mode: bool = False,
        seed: int | None = None,
    ) -> LLMReply:
        """One completion; any transport or API failure becomes `LLMError`."""
        body: dict[str, Any] = {
            "model": self.settings.model,
            "messages": messages,
            "temperature": self.settings.temperature if temperature is None else temperature,
        }
        if tools:
            body["tools"] = tools
        if json_mode:
            body["response_format"] = {"type": "json_object"}
        chosen_seed = self.settings.seed if seed is None else seed
        if chosen_seed is not None:
            body["seed"] = chosen_seed
        for attempt in range(MAX_RETRIES + 1):
            last = attempt == MAX_RETRIES
            try:
                async with self._http().post(self.url, json=body) as response:
                    status, raw = response.status, await response.read()
                    retry_after = response.headers.get("Retry-After")
            except (aiohttp.ClientError, OSError, TimeoutError) as exc:
                if last:
                    why = self._describe(exc)
                    raise LLMError(f"LLM request failed: {why}") from exc
                await asyncio.sleep(RETRY_WAIT)
                continue
            if status in RETRY_STATUSES and not last:
                await asyncio.sleep(_retry_wait(retry_after))
                continue
            if status >= 400:
                raise LLMError(f"LLM request failed: HTTP {status}: {_error_message(raw)}")
            return _read_reply(raw)
        raise AssertionError("unreachable")  # pragma: no cover

    def _describe(self, exc: BaseException) -> str:
        if isinstance(exc, TimeoutError):
            return f"timed out after {self.settings.timeout_seconds:g} s"
        return str(exc) or type(exc).__name__

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None


def _read_reply(raw: bytes) -> LLMReply:
    """The first choice of a chat completion body, or `LLMError` saying what is wrong."""
    try:
        data = fastjson.loads(raw)
        message = data["choices"][0]["message"]
        calls = tuple(
            LLMToolCall(
                name=str(c["function"]["name"]),
                arguments=_parse_args(c["function"].get("arguments")),
                id=str(c.get("id") or ""),
            )
            for c in message.get("tool_calls") or ()
            if c.get("type", "function") == "function"
        )
        text = message.get("content") or ""
        model = data.get("model") or ""
    except (ValueError, LookupError, TypeError, AttributeError):
        raise LLMError(
            f"LLM reply was not a chat completion: {snippet(raw.decode('utf-8', 'replace'))}"
        ) from None
    if not isinstance(text, str):
        raise LLMError("LLM reply content was not text.")
    return LLMReply(text=text, tool_calls=calls, model=str(model))


def _parse_args(raw: Any) -> dict[str, Any]:
    if isinstance(raw, dict):
        return raw
    try:
        parsed = fastjson.loads(raw or "{}")
    except (ValueError, TypeError):
        return {}
    return parsed if isinstance(parsed, dict) else {}


def _error_message(raw: bytes) -> str:
    """OpenAI-style `{"error": {"message"}}` when present, else the start of the body."""
    try:
        error = fastjson.loads(raw).get("error")
        message = error.get("message") if isinstance(error, dict) else error
        if isinstance(message, str) and message.strip():
            return message.strip()
    except (ValueError, AttributeError):
        pass
    return snippet(raw.decode("utf-8", "replace"))


def _retry_wait(header: str | None) -> float:
    try:
        return min(MAX_RETRY_WAIT, max(0.0, float(header))) if header else RETRY_WAIT
    except ValueError:
        return RETRY_WAIT
