"""Playing a Cekura `conditional_actions` scenario turn by turn, without an LLM.

Each caller turn, in this order:

1. **Opening** (the first turn): condition "FIRST_MESSAGE" (id 0) gives the opening line. When
   its action is empty the caller says nothing of its own: if the agent spoke first the turn goes
   on to step 2 with the greeting as the reply; if not, it says the scenario's `first_message`
   (or "Hello"). The opening counts as condition 0 having run, so its follow-ups come next.
2. **Follow-ups**: every `action_followup` whose `condition` is the id of an action that ran on
   the caller's previous turn fires now, whatever the agent said (several are said together, in
   id order). A follow-up's own follow-ups fire on the turn after.
3. **Standard conditions**: the lowest-id condition that has not fired yet and matches the
   agent's last reply fires (see `conditions` for how text is matched). Each fires at most once.
4. **Fallbacks**: nothing left to wait for → hang up politely. Otherwise the first unmatched
   reply gets a neutral nudge (the caller repeats its last line); a second one in a row hangs up.

Actions are said verbatim (`fixed_message: false` actions that quote a sentence say the quoted
sentence); see `actions` for tags and `templating` for `{{test_profile.…}}` placeholders.
"""

from __future__ import annotations

from sparring.domain.scenario import ConditionalAction, ScenarioSpec
from sparring.domain.transcript import Role, Transcript
from sparring.simulation.callers.actions import quoted_sentences, render_action
from sparring.simulation.callers.base import CallerMove
from sparring.simulation.callers.conditions import condition_matches

FIRST_MESSAGE = "FIRST_MESSAGE"
DEFAULT_OPENING = "Hello"
GOODBYE = "Thank you, that's all I needed. Goodbye."


class ConditionalScript:
    """The state of one conversation through a scenario's conditional actions."""

    def __init__(self, scenario: ScenarioSpec) -> None:
        self.scenario = scenario
        actions = sorted(scenario.conditional_actions, key=lambda c: c.id)
        self.opening = next((c for c in actions if is_opening(c)), None)
        self.followups = [c for c in actions if _is_followup(c)]
        self.standard = [c for c in actions if not _is_followup(c) and not is_opening(c)]
        self.fired: set[int] = set()
        self.pending: list[ConditionalAction] = []
        self.misses = 0
        self.last_said = ""
        self.started = False

    def next_move(self, transcript: Transcript) -> CallerMove:
        """The caller's next move after `transcript`."""
        if not self.started:
            self.started = True
            opening = self._open(transcript)
            if opening is not None:
                return opening
        if self.pending:
            due, self.pending = self.pending, []
            return self._fire(due)
        reply = _last_agent_reply(transcript)
        match = next(
            (
                c
                for c in self.standard
                if c.id not in self.fired and condition_matches(str(c.condition), reply)
            ),
            None,
        )
        if match is not None:
            return self._fire([match])
        return self._fallback()

    def _open(self, transcript: Transcript) -> CallerMove | None:
        if self.opening is not None and self.opening.action.strip():
            return self._fire([self.opening])
        if self.opening is not None:
            self._mark_ran([self.opening])
        if transcript.agent_turns:
            return None  # the agent spoke first: answer its greeting like any reply
        return self._say(
            render_action(self.scenario.first_message or DEFAULT_OPENING, self.scenario)
        )

    def _fire(self, conditions: list[ConditionalAction]) -> CallerMove:
        moves = [self._render(c) for c in conditions]
        self._mark_ran(conditions)
        self.misses = 0
        text = " ".join(m.text for m in moves if m.text)
        return self._say(CallerMove(text=text, end_call=any(m.end_call for m in moves)))

    def _render(self, condition: ConditionalAction) -> CallerMove:
        move = render_action(condition.action, self.scenario)
        quoted = quoted_sentences(condition.action)
        if condition.fixed_message or not quoted:
            return move
        # A free-form action ("Give your name: \"John Smith\"") says only its quoted sentences.
        spoken = render_action(" ".join(quoted), self.scenario)
        return CallerMove(text=spoken.text, end_call=move.end_call or spoken.end_call)

    def _mark_ran(self, conditions: list[ConditionalAction]) -> None:
        ran = {c.id for c in conditions}
        self.fired |= ran
        self.pending = [
            c for c in self.followups if _followed_id(c) in ran and c.id not in self.fired
        ]

    def _fallback(self) -> CallerMove:
        waiting = any(c.id not in self.fired for c in self.standard)
        self.misses += 1
        if waiting and self.misses == 1:
            return CallerMove(text=self.last_said or self.scenario.first_message or DEFAULT_OPENING)
        return CallerMove(text=GOODBYE, end_call=True)

    def _say(self, move: CallerMove) -> CallerMove:
        if move.text:
            self.last_said = move.text
        return move


def is_opening(condition: ConditionalAction) -> bool:
    """Whether `condition` is the FIRST_MESSAGE (opening line) condition."""
    return str(condition.condition).strip().upper() == FIRST_MESSAGE


def _is_followup(condition: ConditionalAction) -> bool:
    # An int condition can only name another condition, whatever `type` says.
    return condition.type == "action_followup" or isinstance(condition.condition, int)


def _followed_id(condition: ConditionalAction) -> int | None:
    target = condition.condition
    if isinstance(target, int):
        return target
    return int(target) if target.strip().isdigit() else None


def _last_agent_reply(transcript: Transcript) -> str:
    if transcript.turns and transcript.turns[-1].role is Role.AGENT:
        return transcript.turns[-1].content
    return ""
