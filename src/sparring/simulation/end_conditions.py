"""Why a conversation stops, and waiting on the agent or the caller without missing a stop.

Every way a conversation ends is raised inside the loop as `ConversationOver` and recorded on
the transcript in one place. Failures are told apart in `Transcript.metadata["failure"]`:

| what happened | end reason | `failure` | `error` |
| --- | --- | --- | --- |
| caller hangs up / agent hangs up | CALLER_ENDED / AGENT_ENDED | — | — |
| `max_turns` agent turns / `max_duration` seconds | MAX_TURNS / MAX_DURATION | — | — |
| no agent reply within the silence timeout | AGENT_SILENT | — | — |
| `StopSignal` set (cancel, shutdown) | CANCELLED | — | — |
| `AgentUnreachable`, `LLMError`, connect timeout | INFRASTRUCTURE | "infrastructure" | message |
| `AgentMisbehaved` (unreadable reply) | AGENT_SILENT | "agent" | message |

An unreadable reply is the agent's fault, not ours, so it is not INFRASTRUCTURE (which runners
retry); to the caller it is as if the agent said nothing, hence AGENT_SILENT. The transcript up
to that point is kept for evaluation and `metadata["agent_error"]` holds the message.
"""

from __future__ import annotations

import asyncio
import inspect
import math
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from sparring.domain.status import EndReason
from sparring.domain.transcript import Transcript
from sparring.errors import AgentError, LLMError
from sparring.transports.common import OUTER_DEADLINE

T = TypeVar("T")

MISBEHAVED_END_REASON = EndReason.AGENT_SILENT


class ConversationOver(Exception):
    """Ends the conversation for `reason`; `last_words` are passed to the connection's close."""

    def __init__(
        self,
        reason: EndReason,
        *,
        error: str | None = None,
        failure: str | None = None,
        last_words: str | None = None,
    ) -> None:
        super().__init__(reason.value)
        self.reason = reason
        self.error = error
        self.failure = failure
        self.last_words = last_words

    @classmethod
    def from_error(cls, exc: AgentError | LLMError) -> ConversationOver:
        """The end an agent or LLM failure causes (see the module table)."""
        if isinstance(exc, AgentError) and not exc.infrastructure:
            return cls(MISBEHAVED_END_REASON, error=str(exc), failure="agent")
        return cls(EndReason.INFRASTRUCTURE, error=str(exc), failure="infrastructure")

    def record(self, transcript: Transcript) -> None:
        """Write the end reason, error and failure kind onto the transcript."""
        transcript.end_reason = self.reason
        transcript.error = self.error
        if self.failure is not None:
            transcript.metadata["failure"] = self.failure
        if self.failure == "agent":
            transcript.metadata["agent_error"] = self.error


class StopSignal:
    """Stops one live conversation from outside (a cancel through the API, a shutdown).

    Waiting costs nothing per turn: `set()` cancels the conversation's task only while it is
    waiting on the agent or the caller inside `Limits`, and `Limits` turns that cancellation
    into `ConversationOver(CANCELLED)`. Anywhere else the next `Limits.check()` sees it.
    """

    __slots__ = ("_fired", "_is_set", "_waiting")

    def __init__(self) -> None:
        self._is_set = False
        self._waiting: asyncio.Task[Any] | None = None
        self._fired = False

    def set(self) -> None:
        if self._is_set:
            return
        self._is_set = True
        if self._waiting is not None and not self._fired:
            self._fired = True
            self._waiting.cancel()

    def is_set(self) -> bool:
        return self._is_set


class Limits:
    """The clock, deadline, silence timeout and stop signal of one conversation."""

    def __init__(
        self,
        *,
        clock: Callable[[], float],
        max_duration: float | None,
        silence_timeout: float,
        cancel: StopSignal | None,
    ) -> None:
        self.clock = clock
        self.max_duration = max_duration
        self.silence_timeout = silence_timeout
        self.cancel = cancel
        self.started_at = clock()

    def start(self) -> None:
        """The call is connected: times and the duration limit count from now."""
        self.started_at = self.clock()

    def elapsed(self) -> float:
        """Seconds since the call started."""
        return self.clock() - self.started_at

    def remaining(self) -> float | None:
        """Seconds left before `max_duration`, or None without a limit."""
        if self.max_duration is None:
            return None
        return max(0.0, self.max_duration - self.elapsed())

    def check(self) -> None:
        """Stop now if the run was cancelled or its time is up."""
        if self.cancel is not None and self.cancel.is_set():
            raise ConversationOver(EndReason.CANCELLED)
        if self.max_duration is not None and self.remaining() == 0.0:
            raise ConversationOver(EndReason.MAX_DURATION)

    async def agent(self, awaitable: Awaitable[T], *, connecting: bool = False) -> T:
        """Wait for the agent, at most the silence timeout and the time left."""
        remaining = self.remaining()
        if remaining is not None and remaining <= self.silence_timeout:
            return await self._wait(awaitable, remaining, EndReason.MAX_DURATION)
        return await self._wait(
            awaitable,
            self.silence_timeout,
            EndReason.INFRASTRUCTURE if connecting else EndReason.AGENT_SILENT,
        )

    async def caller(self, awaitable: Awaitable[T]) -> T:
        """Wait for the caller (an LLM may be slow), at most the time left."""
        return await self._wait(awaitable, self.remaining(), EndReason.MAX_DURATION)

    async def _wait(self, awaitable: Awaitable[T], limit: float | None, on_timeout: EndReason) -> T:
        """`await awaitable` in this task (no task of its own: this runs on every turn)."""
        try:
            self.check()
        except ConversationOver:
            if inspect.iscoroutine(awaitable):
                awaitable.close()  # never started: close it so it does not warn
            raise
        stop = self.cancel
        task = asyncio.current_task()
        if stop is not None:
            stop._waiting = task
        when = None if limit is None else asyncio.get_running_loop().time() + limit
        outer = OUTER_DEADLINE.set(math.inf if when is None else when)
        try:
            async with asyncio.timeout_at(when) as scope:
                return await awaitable
        except TimeoutError:
            if not scope.expired():
                raise  # the transport's own, not ours
            raise self._timed_out(on_timeout) from None
        except BaseException:
            if _take_back_cancel(stop, task):  # our cancel, and nobody else's
                raise ConversationOver(EndReason.CANCELLED) from None
            raise
        finally:
            OUTER_DEADLINE.reset(outer)
            if stop is not None:
                stop._waiting = None
                _take_back_cancel(stop, task)  # a transport swallowed it: check() will stop

    def _timed_out(self, reason: EndReason) -> ConversationOver:
        if reason is EndReason.INFRASTRUCTURE:
            message = f"The agent did not accept the connection within {self.silence_timeout:g} s."
            return ConversationOver(reason, error=message, failure="infrastructure")
        return ConversationOver(reason)


def _take_back_cancel(stop: StopSignal | None, task: asyncio.Task[Any] | None) -> bool:
    """Undo the cancel `stop` sent to `task`; True when no other cancel is pending on it."""
    if stop is None or not stop._fired or task is None:
        return False
    stop._fired = False
    return task.uncancel() == 0
