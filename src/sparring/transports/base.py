"""The transport contract.

A `Transport` knows how to reach one kind of agent; `connect()` opens one conversation as a
`Connection`, whose one essential method is `send(text) -> AgentReply`. Failures are raised from
the `errors` tree: `AgentUnreachable` for infrastructure (refused, 5xx, timeout) and
`AgentMisbehaved` for replies that cannot be read.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, ClassVar

from sparring.domain.scenario import AgentSpec, RunContext
from sparring.domain.transcript import ToolCall
from sparring.errors import BadInput


@dataclass(slots=True)
class AgentReply:
    """What the agent said in one turn, and how long it took."""

    text: str
    latency_ms: float
    first_token_ms: float | None = None
    ended: bool = False
    tool_calls: tuple[ToolCall, ...] = ()
    metadata: dict[str, Any] = field(default_factory=dict)


class Connection(ABC):
    """One live conversation with the agent."""

    async def start(self) -> AgentReply | None:
        """Open the conversation; return the agent's greeting if it speaks first."""
        return None

    @abstractmethod
    async def send(self, text: str) -> AgentReply:
        """Say `text` as the caller and wait for the agent's reply."""

    async def close(self, last_words: str | None = None) -> None:  # noqa: B027 - optional hook
        """End the conversation (the caller hangs up); free resources."""


class HistoryConnection(Connection):
    """A conversation kept as OpenAI-style messages, the whole history sent on every turn."""

    agent: AgentSpec
    messages: list[dict[str, Any]]

    async def start(self) -> AgentReply | None:
        if self.agent.agent_speaks_first is not True:
            return None
        return await self._reply()

    async def send(self, text: str) -> AgentReply:
        self.messages.append({"role": "user", "content": text})
        return await self._reply()

    @abstractmethod
    async def _reply(self) -> AgentReply:
        """The agent's answer to `messages` (which it appends to them)."""


class Transport(ABC):
    """A way of reaching agents of one `provider.type`."""

    type: ClassVar[str]

    def __init__(self, agent: AgentSpec) -> None:
        self.agent = agent

    @classmethod
    def validate_config(cls, config: dict[str, Any]) -> dict[str, Any]:
        """Check an agent's `provider.credentials.config` for this type; raise `BadInput`."""
        return config

    @abstractmethod
    async def connect(self, context: RunContext) -> Connection:
        """Open a new conversation for one run."""

    async def aclose(self) -> None:  # noqa: B027 - optional hook
        """Free shared resources (HTTP client pools)."""


def require_str(config: dict[str, Any], key: str, *, prefix: str = "config") -> str:
    """A required non-empty string in a transport config, or `BadInput` naming it."""
    value = config.get(key)
    if not isinstance(value, str) or not value.strip():
        raise BadInput(f"provider.credentials.{prefix}.{key}", "This field is required.")
    return value
