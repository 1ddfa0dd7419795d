"""The conversation loop: a caller talks to the agent through a transport until an end condition.

    transcript = await converse(transport, caller, scenario, RunContext(run_id=7))

Who speaks first: the connection's `start()` may return the agent's greeting, which is recorded
as the first turn whatever `AgentSpec.agent_speaks_first` says (the transport decides whether to
ask for one). If the agent should speak first but sent no greeting, the caller opens anyway and
`metadata["greeting_missing"]` is set. Then caller and agent alternate. Times are seconds from
the moment the connection was open; an agent turn starts at its first token when the transport
reports one, else when the whole reply arrived. End conditions and failure handling are in
`end_conditions`. `converse()` returns normally for every agent and LLM failure; it always
closes the connection, but not the caller (whoever made the caller closes it).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import NoReturn

from sparring.domain.scenario import RunContext, ScenarioSpec
from sparring.domain.status import EndReason
from sparring.domain.transcript import Role, Transcript, Turn
from sparring.errors import AgentError, LLMError, SparringError
from sparring.simulation.callers.base import Caller, CallerMove
from sparring.simulation.end_conditions import ConversationOver, Limits, StopSignal
from sparring.transports.base import AgentReply, Connection, Transport

OnTurn = Callable[[Turn], Awaitable[None]]

CLOSE_TIMEOUT = 2.0  # seconds a hang-up may take before we stop waiting for it


async def converse(
    transport: Transport,
    caller: Caller,
    scenario: ScenarioSpec,
    context: RunContext,
    *,
    cancel: StopSignal | None = None,
    silence_timeout: float = 30.0,
    clock: Callable[[], float] = time.monotonic,
    on_turn: OnTurn | None = None,
) -> Transcript:
    """Hold one conversation and return its transcript, with why it ended."""
    limits = Limits(
        clock=clock,
        max_duration=scenario.max_duration,
        silence_timeout=silence_timeout,
        cancel=cancel,
    )
    transcript = Transcript()
    session = _Session(caller, scenario, limits, transcript, on_turn)
    connection: Connection | None = None
    last_words: str | None = None
    try:
        connection = await limits.agent(transport.connect(context), connecting=True)
        limits.start()
        await session.play(connection, expect_greeting=transport.agent.agent_speaks_first is True)
    except ConversationOver as over:
        over.record(transcript)
        last_words = over.last_words
    except (AgentError, LLMError) as exc:
        ConversationOver.from_error(exc).record(transcript)
    finally:
        if connection is not None:
            await _close(connection, last_words, transcript)
    return transcript


class _Session:
    """One conversation's turns: records them and raises `ConversationOver` at the end."""

    def __init__(
        self,
        caller: Caller,
        scenario: ScenarioSpec,
        limits: Limits,
        transcript: Transcript,
        on_turn: OnTurn | None,
    ) -> None:
        self.caller = caller
        self.scenario = scenario
        self.limits = limits
        self.transcript = transcript
        self.on_turn = on_turn
        self.agent_turns = 0

    async def _caller_move(self) -> CallerMove:
        if self.caller.instant:  # no I/O: nothing to bound by the limits
            self.limits.check()
            return await self.caller.next_move(self.transcript)
        return await self.limits.caller(self.caller.next_move(self.transcript))

    async def play(self, connection: Connection, *, expect_greeting: bool) -> NoReturn:
        opened_at = self.limits.elapsed()
        greeting = await self.limits.agent(connection.start())
        if greeting is not None and (greeting.text or greeting.tool_calls or greeting.ended):
            await self._agent_said(greeting, opened_at)
        elif expect_greeting:
            self.transcript.metadata["greeting_missing"] = True
        while True:
            self.limits.check()
            move = await self._caller_move()
            said_at = self.limits.elapsed()
            if move.end_call:
                if move.text:
                    await self._add(Turn(Role.CALLER, move.text, said_at, said_at))
                raise ConversationOver(EndReason.CALLER_ENDED, last_words=move.text or None)
            await self._add(Turn(Role.CALLER, move.text, said_at, said_at))
            reply = await self.limits.agent(connection.send(move.text))
            await self._agent_said(reply, said_at)

    async def _agent_said(self, reply: AgentReply, asked_at: float) -> None:
        """Record the agent's reply, then stop if it hung up or a limit is reached."""
        now = self.limits.elapsed()
        start = now
        if reply.first_token_ms is not None:
            start = min(now, max(asked_at, asked_at + reply.first_token_ms / 1000))
        turn = Turn(
            Role.AGENT,
            reply.text,
            start,
            now,
            latency_ms=reply.latency_ms,
            first_token_ms=reply.first_token_ms,
            tool_calls=reply.tool_calls,
        )
        await self._add(turn)
        self.agent_turns += 1
        if reply.ended:
            raise ConversationOver(EndReason.AGENT_ENDED)
        max_turns = self.scenario.max_turns
        if max_turns > 0 and self.agent_turns >= max_turns:
            raise ConversationOver(EndReason.MAX_TURNS)
        self.limits.check()

    async def _add(self, turn: Turn) -> None:
        self.transcript.turns.append(turn)
        if self.on_turn is not None:
            await self.on_turn(turn)


async def _close(connection: Connection, last_words: str | None, transcript: Transcript) -> None:
    """Hang up; a failing or hanging close is noted but does not change how the call ended."""
    try:
        await asyncio.wait_for(connection.close(last_words), timeout=CLOSE_TIMEOUT)
    except TimeoutError:
        transcript.metadata["close_error"] = (
            f"The agent did not hang up within {CLOSE_TIMEOUT:g} s."
        )
    except SparringError as exc:
        transcript.metadata["close_error"] = str(exc)
