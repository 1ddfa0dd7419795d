"""A caller played by any OpenAI-compatible LLM (engine "llm").

The LLM is told the scenario (instructions, or the role and the conditional actions as rules),
the personality, the language and the caller's test-profile facts (see `prompts`). It hangs up
by calling the `end_call` tool. Opening lines that the scenario fixes (a `fixed_message`
FIRST_MESSAGE action, or `first_message`) are said verbatim without asking the LLM. Seed and
temperature come from the LLM settings. Any failure of the endpoint, or an empty answer, raises
`LLMError`; the conversation loop records it as an infrastructure failure of the run.
"""

from __future__ import annotations

from sparring.config import LLMSettings, settings
from sparring.domain.scenario import ScenarioSpec
from sparring.domain.transcript import Transcript
from sparring.errors import LLMError
from sparring.llm import LLMClient, LLMReply
from sparring.simulation.callers.actions import render_action
from sparring.simulation.callers.base import Caller, CallerMove
from sparring.simulation.callers.conditional import is_opening
from sparring.simulation.callers.prompts import END_CALL_TOOL, chat_messages


class LLMCaller(Caller):
    """A simulated user whose every message is written by an LLM."""

    uses_llm = True

    def __init__(
        self,
        scenario: ScenarioSpec,
        *,
        llm_settings: LLMSettings | None = None,
        client: LLMClient | None = None,
    ) -> None:
        super().__init__(scenario)
        self.llm_settings = llm_settings or (client.settings if client else settings().llm)
        self._owns_client = client is None
        self._client = client or LLMClient(self.llm_settings)

    async def next_move(self, transcript: Transcript) -> CallerMove:
        if not transcript.caller_turns:
            opening = self._fixed_opening()
            if opening is not None:
                return render_action(opening, self.scenario)
        reply = await self._client.complete(
            chat_messages(self.scenario, transcript),
            tools=[END_CALL_TOOL],
            temperature=self.llm_settings.temperature,
            seed=self.llm_settings.seed,
        )
        return self._move_from(reply)

    async def aclose(self) -> None:
        if self._owns_client:
            await self._client.aclose()

    def _move_from(self, reply: LLMReply) -> CallerMove:
        """The caller's move from a completion: `end_call` hangs up, `<endcall />` too."""
        end = next((c for c in reply.tool_calls if c.name == "end_call"), None)
        if end is not None:
            last_words = end.arguments.get("last_words")
            text = last_words if isinstance(last_words, str) and last_words.strip() else reply.text
            return CallerMove(text=render_action(text, self.scenario).text, end_call=True)
        move = render_action(reply.text, self.scenario)
        if not move.text and not move.end_call:
            raise LLMError("The LLM caller answered with an empty message.")
        return move

    def _fixed_opening(self) -> str | None:
        for condition in self.scenario.conditional_actions:
            if is_opening(condition):
                if condition.fixed_message and condition.action.strip():
                    return condition.action
                return None
        return self.scenario.first_message if self.scenario.first_message.strip() else None
