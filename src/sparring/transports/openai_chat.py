"""Agents behind an OpenAI-compatible Chat Completions endpoint (`provider.type` "openai_chat").

sparring keeps the conversation's messages and sends them all on every turn, as the agent's own
front end would. Tool calls the agent makes are answered ("ok", or `tool_results[name]`) and the
agent is asked again, a few rounds at most, so that each turn ends in something said; a call of
the `end_call` tool means the agent hung up.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, ClassVar

import openai
from openai import AsyncOpenAI, AsyncStream, DefaultAioHttpClient
from openai.types.chat import ChatCompletion, ChatCompletionChunk

from sparring.domain.scenario import AgentSpec, RunContext
from sparring.domain.transcript import ToolCall
from sparring.errors import AgentMisbehaved, AgentUnreachable, BadInput
from sparring.transports.base import (
    AgentReply,
    Connection,
    HistoryConnection,
    Transport,
    require_str,
)
from sparring.transports.common import (
    DEFAULT_TIMEOUT_SECONDS,
    ReplyDeadline,
    Stopwatch,
    boolean,
    config_field,
    http_status_error,
    optional_number,
    optional_str,
    parse_arguments,
    positive_number,
    root_cause,
    string_map,
    url,
)

END_CALL_TOOL = "end_call"
MAX_TOOL_ROUNDS = 5  # an agent that keeps calling tools must not hold a turn forever
DEFAULT_TOOL_RESULT = "ok"


@dataclass(frozen=True, slots=True)
class OpenAIChatConfig:
    """`provider.credentials.config` of an "openai_chat" agent."""

    base_url: str
    model: str
    headers: dict[str, str] = field(default_factory=dict)
    system_prompt: str | None = None
    stream: bool = True
    temperature: float | None = None
    timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS
    tool_results: dict[str, str] = field(default_factory=dict)
    tools: tuple[dict[str, Any], ...] = ()

    @classmethod
    def parse(cls, config: dict[str, Any]) -> OpenAIChatConfig:
        """Check every key; `BadInput` names the first bad one."""
        temperature = optional_number(config, "temperature")
        if temperature is not None and not 0 <= temperature <= 2:
            raise BadInput(config_field("temperature"), "Must be between 0 and 2.")
        return cls(
            base_url=url(config, "base_url", ("http", "https")),
            model=require_str(config, "model"),
            headers=string_map(config, "headers"),
            system_prompt=optional_str(config, "system_prompt"),
            stream=boolean(config, "stream", True),
            temperature=temperature,
            timeout_seconds=positive_number(config, "timeout_seconds", DEFAULT_TIMEOUT_SECONDS),
            tool_results=_tool_results(config),
            tools=_tools(config),
        )


def _tool_results(config: dict[str, Any]) -> dict[str, str]:
    value = config.get("tool_results") or {}
    if not isinstance(value, dict):
        raise BadInput(config_field("tool_results"), "Must be an object of tool name → result.")
    return {str(k): v if isinstance(v, str) else json.dumps(v) for k, v in value.items()}


def _tools(config: dict[str, Any]) -> tuple[dict[str, Any], ...]:
    value = config.get("tools") or []
    if not isinstance(value, list) or not all(isinstance(t, dict) for t in value):
        raise BadInput(config_field("tools"), "Must be a list of OpenAI tool definitions.")
    return tuple(value)


class OpenAIChatTransport(Transport):
    """Reaches chat agents that speak the OpenAI Chat Completions API."""

    type: ClassVar[str] = "openai_chat"

    def __init__(self, agent: AgentSpec) -> None:
        super().__init__(agent)
        self.config = OpenAIChatConfig.parse(agent.config)
        self._client: AsyncOpenAI | None = None

    @classmethod
    def validate_config(cls, config: dict[str, Any]) -> dict[str, Any]:
        OpenAIChatConfig.parse(config)
        return config

    def client(self) -> AsyncOpenAI:
        """The one client (and aiohttp pool) of all this transport's conversations."""
        if self._client is None:
            self._client = AsyncOpenAI(
                base_url=self.config.base_url,
                api_key=self.agent.api_key or "not-needed",
                default_headers=self.config.headers,
                # Our own deadline bounds the whole reply; the SDK's is only a backstop.
                timeout=self.config.timeout_seconds + 5,
                # The runner retries unreachable agents itself; hidden retries would skew latency.
                max_retries=0,
                http_client=DefaultAioHttpClient(),
            )
        return self._client

    async def connect(self, context: RunContext) -> Connection:
        self.client()  # made here, inside the running loop
        return OpenAIChatConnection(self)

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.close()
            self._client = None


@dataclass(slots=True)
class _Completion:
    """What one completion request returned."""

    text: str = ""
    calls: list[dict[str, str]] = field(default_factory=list)  # {"id", "name", "arguments"}
    first_token_ms: float | None = None


class OpenAIChatConnection(HistoryConnection):
    """One conversation: the message history and the turn loop with tool rounds."""

    def __init__(self, transport: OpenAIChatTransport) -> None:
        self.transport = transport
        self.agent = transport.agent
        self.config = transport.config
        self.messages: list[dict[str, Any]] = []
        if self.config.system_prompt:
            self.messages.append({"role": "system", "content": self.config.system_prompt})

    async def _reply(self) -> AgentReply:
        """Ask until the agent says something without calling tools (or ends, or rounds run out)."""
        clock = Stopwatch()
        texts: list[str] = []
        calls: list[ToolCall] = []
        first_token_ms: float | None = None
        ended = False
        async with ReplyDeadline(self.config.timeout_seconds):
            for _ in range(MAX_TOOL_ROUNDS + 1):
                completion = await self._complete(clock)
                if first_token_ms is None:
                    first_token_ms = completion.first_token_ms
                if completion.text:
                    texts.append(completion.text)
                self._remember(completion)
                calls.extend(self._answer_tools(completion.calls))
                ended = any(c.name == END_CALL_TOOL for c in calls)
                if not completion.calls or ended:
                    break
        return AgentReply(
            text=" ".join(texts),
            latency_ms=clock.ms(),
            first_token_ms=first_token_ms,
            ended=ended,
            tool_calls=tuple(calls),
        )

    def _remember(self, completion: _Completion) -> None:
        # Content may be null only beside tool calls; some servers refuse it otherwise.
        content = completion.text or (None if completion.calls else "")
        message: dict[str, Any] = {"role": "assistant", "content": content}
        if completion.calls:
            message["tool_calls"] = [
                {
                    "id": c["id"],
                    "type": "function",
                    "function": {"name": c["name"], "arguments": c["arguments"]},
                }
                for c in completion.calls
            ]
        self.messages.append(message)

    def _answer_tools(self, raw_calls: list[dict[str, str]]) -> list[ToolCall]:
        """Answer every call with a tool message, as the agent's runtime would."""
        answered = []
        for call in raw_calls:
            result = self.config.tool_results.get(call["name"], DEFAULT_TOOL_RESULT)
            self.messages.append({"role": "tool", "tool_call_id": call["id"], "content": result})
            answered.append(
                ToolCall(
                    name=call["name"],
                    arguments=parse_arguments(call["arguments"]),
                    id=call["id"],
                    result=result,
                )
            )
        return answered

    def _request(self) -> dict[str, Any]:
        kwargs: dict[str, Any] = {"model": self.config.model, "messages": self.messages}
        if self.config.temperature is not None:
            kwargs["temperature"] = self.config.temperature
        if self.config.tools:
            kwargs["tools"] = list(self.config.tools)
        return kwargs

    async def _complete(self, clock: Stopwatch) -> _Completion:
        client = self.transport.client()
        with _agent_errors(self.config.base_url):
            # The SDK's low-level post: create() runs every message of the growing history
            # through its TypedDict transformer (~10 ms of CPU per request); ours is plain JSON.
            if not self.config.stream:
                response = await client.post(
                    "/chat/completions", body=self._request(), cast_to=ChatCompletion
                )
                return _read_completion(response)
            stream = await client.post(
                "/chat/completions",
                body={**self._request(), "stream": True},
                cast_to=ChatCompletion,
                stream=True,
                stream_cls=AsyncStream[ChatCompletionChunk],
            )
            async with stream:
                return await _read_stream(stream, clock)


def _read_completion(response: Any) -> _Completion:
    """The text and tool calls of a non-streamed reply (the SDK does not validate its shape)."""
    choices = getattr(response, "choices", None)
    if not isinstance(choices, list) or not choices:
        raise AgentMisbehaved("The agent's reply has no `choices`.")
    message = getattr(choices[0], "message", None)
    if message is None:
        raise AgentMisbehaved("The agent's reply has no `choices[0].message`.")
    content = getattr(message, "content", None)
    completion = _Completion(text=content if isinstance(content, str) else "")
    for index, call in enumerate(getattr(message, "tool_calls", None) or []):
        function = getattr(call, "function", None)
        name = getattr(function, "name", None)
        if not isinstance(name, str) or not name:
            raise AgentMisbehaved("The agent made a tool call without a function name.")
        completion.calls.append(
            {
                "id": getattr(call, "id", None) or f"call_{index}",
                "name": name,
                "arguments": getattr(function, "arguments", None) or "{}",
            }
        )
    return completion


async def _read_stream(stream: Any, clock: Stopwatch) -> _Completion:
    """Join a streamed reply's pieces, timing the first piece of text."""
    completion = _Completion()
    parts: list[str] = []
    slots: dict[int, dict[str, str]] = {}
    readable = False
    async for chunk in stream:
        choices = getattr(chunk, "choices", None)
        if not isinstance(choices, list):
            continue
        readable = True
        for choice in choices:
            delta = getattr(choice, "delta", None)
            content = getattr(delta, "content", None)
            if isinstance(content, str) and content:
                if completion.first_token_ms is None:
                    completion.first_token_ms = clock.ms()
                parts.append(content)
            for piece in getattr(delta, "tool_calls", None) or []:
                _add_call_piece(slots, piece)
    if not readable:
        raise AgentMisbehaved("The agent's stream carried no chat completion chunks.")
    completion.text = "".join(parts)
    for index in sorted(slots):
        slot = slots[index]
        if not slot["name"]:
            raise AgentMisbehaved("The agent streamed a tool call without a function name.")
        completion.calls.append({**slot, "id": slot["id"] or f"call_{index}"})
    return completion


def _add_call_piece(slots: dict[int, dict[str, str]], piece: Any) -> None:
    """Streamed tool calls arrive in pieces keyed by index: the name once, arguments in parts."""
    index = getattr(piece, "index", 0) or 0
    slot = slots.setdefault(index, {"id": "", "name": "", "arguments": ""})
    slot["id"] = slot["id"] or (getattr(piece, "id", None) or "")
    function = getattr(piece, "function", None)
    slot["name"] = slot["name"] or (getattr(function, "name", None) or "")
    slot["arguments"] += getattr(function, "arguments", None) or ""


@contextmanager
def _agent_errors(base_url: str) -> Iterator[None]:
    """Translate the SDK's errors into sparring's: unreachable (retryable) or misbehaved."""
    try:
        yield
    except openai.APIStatusError as exc:
        raise http_status_error(exc.status_code, exc.message) from exc
    except openai.APIConnectionError as exc:
        raise AgentUnreachable(
            f"Could not reach the agent at {base_url}: {root_cause(exc)}"
        ) from exc
    except openai.APIResponseValidationError as exc:
        raise AgentMisbehaved(f"The agent's reply is malformed: {exc}") from exc
    except openai.APIError as exc:  # an error event in the middle of a stream
        raise AgentUnreachable(f"The agent failed while answering: {exc}") from exc
    except ValueError as exc:  # JSONDecodeError and pydantic's ValidationError among them
        raise AgentMisbehaved(f"The agent's reply is not valid JSON: {exc}") from exc
