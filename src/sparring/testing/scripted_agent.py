"""A fake customer agent that is a real `Transport` (type "scripted_fake"), for loop tests.

Its replies come from a function of the conversation so far (a list of `(Role, text)` pairs,
the caller's newest message last); it can greet, be slow, hang up after N replies, or fail:

    agent = ScriptedAgent(lambda history: "You said: " + history[-1][1], greeting="Hi!",
                          hang_up_after=3, errors={2: AgentMisbehaved("garbage")})
    transcript = await converse(agent, caller, scenario, RunContext())
    agent.connections[0].received   # what the caller sent, in order

Options may also come from `AgentSpec.config` (`replies`: a list said in turn, `greeting`,
`delay`, `hang_up_after`), so the fake can be reached through the transport registry.
Replies are counted from 1 and the greeting counts: `errors={1: …}` fails the greeting (or the
first answer when there is none), and `hang_up_after=3` ends the call with the third reply.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any, ClassVar

from sparring.domain.scenario import AgentSpec, RunContext
from sparring.domain.transcript import Role
from sparring.errors import AgentError
from sparring.transports.base import AgentReply, Connection, Transport

History = list[tuple[Role, str]]
ReplyFunction = Callable[[History], "str | AgentReply"]
Delay = float | Callable[[int], float]


class ScriptedAgent(Transport):
    """A fake agent; kwargs win over the `AgentSpec.config` options."""

    type: ClassVar[str] = "scripted_fake"

    def __init__(
        self,
        reply: ReplyFunction | None = None,
        *,
        agent: AgentSpec | None = None,
        greeting: str | None = None,
        delay: Delay | None = None,
        first_token_after: float | None = None,
        hang_up_after: int | None = None,
        errors: Mapping[int, AgentError] | None = None,
        connect_error: AgentError | None = None,
        close_delay: float = 0.0,
    ) -> None:
        super().__init__(agent or AgentSpec(provider_type=self.type))
        config = self.agent.config
        self.reply = reply or _cycle(config.get("replies") or ["OK."])
        self.greeting = greeting if greeting is not None else config.get("greeting")
        self.delay: Delay = delay if delay is not None else float(config.get("delay", 0.0))
        self.first_token_after = first_token_after
        self.hang_up_after = (
            hang_up_after if hang_up_after is not None else config.get("hang_up_after")
        )
        self.errors = dict(errors or {})
        self.connect_error = connect_error
        self.close_delay = close_delay
        self.connections: list[ScriptedAgentConnection] = []

    async def connect(self, context: RunContext) -> Connection:
        if self.connect_error is not None:
            raise self.connect_error
        connection = ScriptedAgentConnection(self, context)
        self.connections.append(connection)
        return connection


class ScriptedAgentConnection(Connection):
    """One conversation with the fake; records what it received and how it was closed."""

    def __init__(self, agent: ScriptedAgent, context: RunContext) -> None:
        self.agent = agent
        self.context = context
        self.history: History = []
        self.replies = 0
        self.closed = False
        self.last_words: str | None = None

    @property
    def received(self) -> list[str]:
        """The caller's messages, in order."""
        return [text for role, text in self.history if role is Role.CALLER]

    async def start(self) -> AgentReply | None:
        if self.agent.greeting is None:
            return None
        return await self._answer(lambda _history: self.agent.greeting or "")

    async def send(self, text: str) -> AgentReply:
        self.history.append((Role.CALLER, text))
        return await self._answer(self.agent.reply)

    async def close(self, last_words: str | None = None) -> None:
        await asyncio.sleep(self.agent.close_delay)
        self.closed = True
        self.last_words = last_words

    async def _answer(self, reply: ReplyFunction) -> AgentReply:
        self.replies += 1
        began = time.monotonic()
        delay = self.agent.delay(self.replies) if callable(self.agent.delay) else self.agent.delay
        first_token_ms = None
        if self.agent.first_token_after is not None:
            await asyncio.sleep(self.agent.first_token_after)
            first_token_ms = (time.monotonic() - began) * 1000
        await asyncio.sleep(max(0.0, delay - (self.agent.first_token_after or 0.0)))
        error = self.agent.errors.get(self.replies)
        if error is not None:
            raise error
        answer = reply(list(self.history))
        if isinstance(answer, str):
            answer = AgentReply(text=answer, latency_ms=0.0)
        hang_up = self.agent.hang_up_after is not None and self.replies >= self.agent.hang_up_after
        answer = replace(
            answer,
            latency_ms=(time.monotonic() - began) * 1000,
            first_token_ms=first_token_ms if first_token_ms is not None else answer.first_token_ms,
            ended=answer.ended or hang_up,
        )
        self.history.append((Role.AGENT, answer.text))
        return answer


def _cycle(replies: Sequence[Any]) -> ReplyFunction:
    """Say `replies` in turn, repeating the last one."""

    def reply(history: History) -> str:
        asked = sum(1 for role, _ in history if role is Role.CALLER)
        return str(replies[min(max(asked - 1, 0), len(replies) - 1)])

    return reply
