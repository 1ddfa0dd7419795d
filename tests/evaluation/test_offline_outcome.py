"""The expected-outcome score: ✅/❌/❔ lines, alignments, and inconclusive never passing."""

from __future__ import annotations

import pytest

from sparring.domain.scenario import ScenarioSpec
from sparring.domain.status import EndReason
from sparring.domain.transcript import Role, Transcript, Turn
from sparring.domain.verdict import CriterionVerdict, ExpectedOutcome
from sparring.errors import LLMError
from sparring.evaluation.base import Conversation, CriteriaJudge
from sparring.evaluation.offline import FallbackCriteriaJudge, OfflineCriteriaJudge
from sparring.evaluation.outcome import judge_expected_outcome

CONVERSATION = Conversation(
    ScenarioSpec(name="s"),
    Transcript(
        [
            Turn(Role.CALLER, "I want to cancel.", 0, 1),
            Turn(Role.AGENT, "Your booking is cancelled. Goodbye!", 1, 2, latency_ms=700),
        ],
        end_reason=EndReason.AGENT_ENDED,
    ),
)
NO_CHECK = "inconclusive (no offline check; configure SPARRING_LLM_* for an LLM judge)"


async def outcome(text: str, judge: CriteriaJudge | None = None) -> ExpectedOutcome:
    return await judge_expected_outcome(text, CONVERSATION, judge or OfflineCriteriaJudge())


async def test_all_met_scores_100() -> None:
    result = await outcome('The agent says "cancelled". The agent ends the call.')
    assert result.score == 100
    assert result.met
    assert result.explanation == [
        '✅ The agent says "cancelled": said "cancelled" (turn 1)',
        "✅ The agent ends the call: the agent ended the call",
    ]
    assert [(a.prompt_part, a.aligned) for a in result.alignments] == [
        ('The agent says "cancelled"', True),
        ("The agent ends the call", True),
    ]


async def test_a_failure_scores_the_share_met_counting_undecided_as_not_met() -> None:
    text = '- The agent says "cancelled"\n- The agent never says "goodbye"\n- The agent is kind'
    result = await outcome(text)
    assert result.score == pytest.approx(33.33)
    assert not result.met
    assert not result.inconclusive
    assert result.explanation[1] == '❌ The agent never says "goodbye": said "goodbye" (turn 1)'
    assert result.explanation[2] == f"❔ The agent is kind: {NO_CHECK}"
    assert [a.aligned for a in result.alignments] == [True, False, None]


async def test_undecided_without_failure_has_no_score_and_is_not_met() -> None:
    result = await outcome('The agent says "cancelled". The agent is empathetic.')
    assert result.score is None
    assert not result.met
    assert result.inconclusive
    assert result.explanation[1] == f"❔ The agent is empathetic: {NO_CHECK}"


@pytest.mark.parametrize("text", ["", "  \n\t", "Expected:"])
async def test_no_expected_outcome(text: str) -> None:
    result = await outcome(text)
    assert result.score is None
    assert result.explanation == ["No expected outcome defined."]
    assert result.alignments == []


class Broken(CriteriaJudge):
    async def judge(
        self, criteria: list[str], conversation: Conversation
    ) -> list[CriterionVerdict]:
        raise LLMError("endpoint down")


class Short(CriteriaJudge):
    async def judge(
        self, criteria: list[str], conversation: Conversation
    ) -> list[CriterionVerdict]:
        return [CriterionVerdict("whatever", "looks right", True)]


class AlwaysYes(CriteriaJudge):
    async def judge(
        self, criteria: list[str], conversation: Conversation
    ) -> list[CriterionVerdict]:
        return [CriterionVerdict(c, "the LLM agrees", True) for c in criteria]


async def test_a_failing_judge_makes_the_outcome_inconclusive() -> None:
    result = await outcome("The agent is kind.", Broken())
    assert result.score is None
    assert result.explanation == [
        "❔ The agent is kind: inconclusive (the judge failed: LLMError: endpoint down)"
    ]


async def test_a_judge_answering_short_leaves_the_rest_undecided() -> None:
    result = await outcome("One. Two.", Short())
    assert [(a.prompt_part, a.aligned) for a in result.alignments] == [("One", True), ("Two", None)]
    assert result.score is None


async def test_fallback_judge_only_gets_what_offline_could_not_decide() -> None:
    text = 'The agent never says "goodbye". The agent is kind.'
    result = await outcome(text, FallbackCriteriaJudge(OfflineCriteriaJudge(), AlwaysYes()))
    assert [a.aligned for a in result.alignments] == [False, True]
    assert result.explanation[1] == "✅ The agent is kind: the LLM agrees"
    assert result.score == 50
    broken = await outcome(text, FallbackCriteriaJudge(OfflineCriteriaJudge(), Broken()))
    assert [a.aligned for a in broken.alignments] == [False, None]
