"""One async client for any OpenAI-compatible Chat Completions endpoint.

It runs the openai SDK on aiohttp (`openai[aiohttp]`): at hundreds of concurrent conversations
aiohttp spends far less CPU per request than httpx (see `benchmarks/http_clients.py`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import openai
from openai import AsyncOpenAI, DefaultAioHttpClient
from openai.types.chat import ChatCompletion

from sparring.config import LLMSettings
from sparring.errors import LLMError


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
        self._client = AsyncOpenAI(
            base_url=settings.base_url,
            api_key=settings.api_key or "not-needed",
            timeout=settings.timeout_seconds,
            max_retries=1,
            http_client=DefaultAioHttpClient(),
        )

    @property
    def model(self) -> str:
        return self.settings.model

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
        kwargs: dict[str, Any] = {
            "model": self.settings.model,
            "messages": messages,
            "temperature": self.settings.temperature if temperature is None else temperature,
        }
        if tools:
            kwargs["tools"] = tools
        if json_mode:
            kwargs["response_format"] = {"type": "json_object"}
        chosen_seed = self.settings.seed if seed is None else seed
        if chosen_seed is not None:
            kwargs["seed"] = chosen_seed
        try:
            # The SDK's low-level post, not chat.completions.create(): create() walks every
            # message through its TypedDict transformer, ~10 ms of CPU per request with a long
            # history, which dominates at hundreds of conversations. The body is already plain.
            response = await self._client.post(
                "/chat/completions", body=kwargs, cast_to=ChatCompletion
            )
        except openai.OpenAIError as exc:
            raise LLMError(f"LLM request failed: {exc}") from exc
        if not response.choices:
            raise LLMError("LLM reply had no choices.")
        message = response.choices[0].message
        calls = tuple(
            LLMToolCall(name=c.function.name, arguments=_parse_args(c.function.arguments), id=c.id)
            for c in (message.tool_calls or [])
            if c.type == "function"
        )
        return LLMReply(text=message.content or "", tool_calls=calls, model=response.model or "")

    async def aclose(self) -> None:
        await self._client.close()


def _parse_args(raw: str | None) -> dict[str, Any]:
    try:
        parsed = json.loads(raw or "{}")
    except json.JSONDecodeError:
        return {}
    return parsed if isinstance(parsed, dict) else {}
