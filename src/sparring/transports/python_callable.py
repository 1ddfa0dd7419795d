"""Agents that are a Python function in this process (`provider.type` "python").

`config.callable` names it as "package.module:function" (or "module:Class.method"). It is
called once per turn as `fn(messages, context)`:

- `messages`: the conversation so far, OpenAI-style `[{"role": "user"|"assistant", "content"}]`,
  ending with the caller's message (empty when the agent speaks first);
- `context`: `{"run_id", "result_id", "scenario_id", "variables"}`.

It returns the reply as a string, or as `{"content": str, "end_call"?: bool,
"tool_calls"?: [{"name", "arguments", "id"?, "result"?}], "metadata"?: {…}}`. It may be sync (run
in a worker thread, so it cannot stall other conversations) or async. An exception it raises
counts as the agent being unreachable, like an HTTP 5xx; a reply of the wrong shape as
misbehaviour.
"""

from __future__ import annotations

import asyncio
import importlib
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

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
    config_field,
    parse_arguments,
    positive_number,
)

AgentFunction = Callable[[list[dict[str, str]], dict[str, Any]], Any]


def load_callable(spec: str) -> AgentFunction:
    """The function named by "module:attribute.path", or `BadInput` on `config.callable`."""
    where = config_field("callable")
    module_name, colon, attr_path = spec.strip().partition(":")
    if not colon or not module_name or not attr_path:
        raise BadInput(where, 'Must look like "package.module:function".')
    try:
        target: Any = importlib.import_module(module_name)
    except Exception as exc:  # any error while importing user code means "cannot use it"
        raise BadInput(
            where, f'Cannot import "{module_name}": {type(exc).__name__}: {exc}'
        ) from None
    for part in attr_path.split("."):
        if not hasattr(target, part):
            raise BadInput(where, f'"{module_name}" has no attribute "{attr_path}".')
        target = getattr(target, part)
    if not callable(target):
        raise BadInput(where, f'"{spec}" is not callable.')
    function: AgentFunction = target
    return function


@dataclass(frozen=True, slots=True)
class PythonCallableConfig:
    """`provider.credentials.config` of a "python" agent."""

    callable: str
    timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS

    @classmethod
    def parse(cls, config: dict[str, Any]) -> PythonCallableConfig:
        """Check every key (importing the callable); `BadInput` names the first bad one."""
        spec = require_str(config, "callable")
        load_callable(spec)
        return cls(
            callable=spec,
            timeout_seconds=positive_number(config, "timeout_seconds", DEFAULT_TIMEOUT_SECONDS),
        )


class PythonCallableTransport(Transport):
    """Reaches an agent written as a Python function, without any network in between."""

    type: ClassVar[str] = "python"

    def __init__(self, agent: AgentSpec) -> None:
        super().__init__(agent)
        self.config = PythonCallableConfig.parse(agent.config)
        self.function = load_callable(self.config.callable)

    @classmethod
    def validate_config(cls, config: dict[str, Any]) -> dict[str, Any]:
        PythonCallableConfig.parse(config)
        return config

    async def connect(self, context: RunContext) -> Connection:
        return PythonCallableConnection(self, context)


class PythonCallableConnection(HistoryConnection):
    """One conversation: the message history, one call per turn."""

    def __init__(self, transport: PythonCallableTransport, context: RunContext) -> None:
        self.transport = transport
        self.agent = transport.agent
        self.messages: list[dict[str, str]] = []
        self.context: dict[str, Any] = {
            "run_id": context.run_id,
            "result_id": context.result_id,
            "scenario_id": context.scenario_id,
            "variables": dict(context.agent_variables),
        }

    async def _reply(self) -> AgentReply:
        clock = Stopwatch()
        async with ReplyDeadline(self.transport.config.timeout_seconds):
            result = await self._call()
        reply = read_result(result)
        reply.latency_ms = clock.ms()
        self.messages.append({"role": "assistant", "content": reply.text})
        return reply

    async def _call(self) -> Any:
        function = self.transport.function
        # Copies, so a function that edits its arguments cannot rewrite our history.
        messages = [dict(m) for m in self.messages]
        context = {**self.context, "variables": dict(self.context["variables"])}
        try:
            if inspect.iscoroutinefunction(function):
                return await function(messages, context)
            result = await asyncio.to_thread(function, messages, context)
            if inspect.isawaitable(result):  # e.g. a partial of an async function
                result = await result
            return result
        except Exception as exc:  # the agent's own failure, whatever it is
            raise AgentUnreachable(
                f"The agent's callable raised {type(exc).__name__}: {exc}"
            ) from exc


def read_result(result: Any) -> AgentReply:
    """A callable's return value as a reply, or `AgentMisbehaved` naming what is wrong."""
    if isinstance(result, str):
        return AgentReply(text=result, latency_ms=0.0)
    if not isinstance(result, dict):
        raise AgentMisbehaved(
            f"The agent's callable returned {type(result).__name__}, not str or dict."
        )
    content = result.get("content")
    if not isinstance(content, str):
        raise AgentMisbehaved('The agent\'s callable returned a dict without a text "content".')
    ended = result.get("end_call", False)
    if not isinstance(ended, bool):
        raise AgentMisbehaved('"end_call" in the agent\'s reply is not true/false.')
    metadata = result.get("metadata") or {}
    if not isinstance(metadata, dict):
        raise AgentMisbehaved('"metadata" in the agent\'s reply is not an object.')
    return AgentReply(
        text=content,
        latency_ms=0.0,
        ended=ended,
        tool_calls=_tool_calls(result.get("tool_calls") or []),
        metadata=metadata,
    )


def _tool_calls(raw: Any) -> tuple[ToolCall, ...]:
    if not isinstance(raw, list):
        raise AgentMisbehaved('"tool_calls" in the agent\'s reply is not a list.')
    calls = []
    for item in raw:
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            raise AgentMisbehaved('Each of "tool_calls" needs a "name".')
        result = item.get("result")
        calls.append(
            ToolCall(
                name=item["name"],
                arguments=parse_arguments(item.get("arguments")),
                id=str(item.get("id") or ""),
                result=None if result is None else str(result),
            )
        )
    return tuple(calls)
