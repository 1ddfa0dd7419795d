"""The offline default caller: deterministic, no LLM.

Scenarios with `conditional_actions` are played as Cekura describes them (see `conditional`).

Scenarios with plain `instructions` follow this script convention: the caller says the
scenario's `first_message` (or "Hello" when it is empty), then each sentence written in double
quotes in the instructions, in order, one per turn, and hangs up after the agent answers the
last one. For example the instructions

    Ask "Can I book a table for Friday?" then say "Thanks, bye"

make the lines "Hello", "Can I book a table for Friday?", "Thanks, bye", then the hang-up.
Instructions without quoted sentences give just the first message, then the hang-up after the
agent's reply. A quoted sentence may carry `<endcall />` to hang up as it is said, and
`{{test_profile.key}}` placeholders are filled from the test profile.
"""

from __future__ import annotations

from sparring.domain.scenario import ScenarioSpec
from sparring.domain.transcript import Transcript
from sparring.simulation.callers.actions import quoted_sentences, render_action
from sparring.simulation.callers.base import Caller, CallerMove
from sparring.simulation.callers.conditional import DEFAULT_OPENING, ConditionalScript


class InstructionScript:
    """The lines of an `instruction` scenario, said one per turn."""

    def __init__(self, scenario: ScenarioSpec) -> None:
        self.scenario = scenario
        self.lines = [
            scenario.first_message or DEFAULT_OPENING,
            *quoted_sentences(scenario.instructions),
        ]
        self.position = 0

    def next_move(self, transcript: Transcript) -> CallerMove:
        """The next line, or the hang-up once every line was said."""
        if self.position >= len(self.lines):
            return CallerMove(text="", end_call=True)
        line = self.lines[self.position]
        self.position += 1
        return render_action(line, self.scenario)


class ScriptedCaller(Caller):
    """A caller that follows the scenario's script exactly (engine "scripted")."""

    instant = True

    def __init__(self, scenario: ScenarioSpec) -> None:
        super().__init__(scenario)
        self._script: ConditionalScript | InstructionScript = (
            ConditionalScript(scenario)
            if scenario.conditional_actions
            else InstructionScript(scenario)
        )

    async def next_move(self, transcript: Transcript) -> CallerMove:
        return self._script.next_move(transcript)
