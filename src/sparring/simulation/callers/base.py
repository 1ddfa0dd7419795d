"""The caller contract: given the conversation so far, say the next thing (or hang up)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import ClassVar

from sparring.domain.scenario import ScenarioSpec
from sparring.domain.transcript import Transcript


@dataclass(frozen=True, slots=True)
class CallerMove:
    """The caller's next message; `end_call` hangs up after saying it (text may be empty)."""

    text: str
    end_call: bool = False


class Caller(ABC):
    """A simulated user for one conversation."""

    # True when `next_move` does no I/O (answers at once), so the loop need not race it
    # against the call's limits.
    instant: ClassVar[bool] = False

    def __init__(self, scenario: ScenarioSpec) -> None:
        self.scenario = scenario

    @abstractmethod
    async def next_move(self, transcript: Transcript) -> CallerMove:
        """What to say after the transcript so far (its last turn is usually the agent's)."""

    async def aclose(self) -> None:  # noqa: B027 - optional hook
        """Free resources."""
