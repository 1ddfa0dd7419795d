"""Score a run's expected outcome from per-criterion verdicts.

The score is defined so that "not decided" never looks like "met":

* no criteria (empty text): score None, explanation "No expected outcome defined.";
* any criterion not met (❌): score = 100 × met / all criteria, so below 100 (undecided
  criteria count in the total, as not met);
* every criterion met (✅): score 100;
* none failed but some undecided (❔): score None — inconclusive, counted apart, never a pass.
"""

from __future__ import annotations

import logging

from sparring.domain.verdict import CriterionVerdict, ExpectedOutcome
from sparring.evaluation.base import Conversation, CriteriaJudge
from sparring.evaluation.criteria import split_criteria

log = logging.getLogger(__name__)

NO_EXPECTED_OUTCOME = "No expected outcome defined."
NO_OFFLINE_CHECK = "no offline check; configure SPARRING_LLM_* for an LLM judge"


async def judge_expected_outcome(
    text: str, conversation: Conversation, judge: CriteriaJudge
) -> ExpectedOutcome:
    """Split `text` into criteria, have `judge` decide each, and score the whole (see module)."""
    criteria = split_criteria(text)
    if not criteria:
        return ExpectedOutcome(score=None, explanation=[NO_EXPECTED_OUTCOME])
    try:
        verdicts = await judge.judge(criteria, conversation)
    except Exception as exc:  # a failing judge makes the outcome undecided, never the run crash
        log.warning("criteria judge %s failed", type(judge).__name__, exc_info=True)
        verdicts = [
            CriterionVerdict(c, f"the judge failed: {type(exc).__name__}: {exc}", None)
            for c in criteria
        ]
    alignments = _align(criteria, list(verdicts))
    return ExpectedOutcome(
        score=outcome_score(alignments),
        explanation=[outcome_line(a.prompt_part, a.aligned, a.outcome) for a in alignments],
        alignments=alignments,
    )


def outcome_score(alignments: list[CriterionVerdict]) -> float | None:
    """100 × met / total when any criterion failed, 100 when all met, else None (see module)."""
    if not alignments:
        return None
    met = sum(1 for a in alignments if a.aligned is True)
    if any(a.aligned is False for a in alignments):
        return round(100 * met / len(alignments), 2)
    if met == len(alignments):
        return 100.0
    return None


def outcome_line(criterion: str, aligned: bool | None, why: str) -> str:
    """'✅ <criterion>: <why>', '❌ …' or '❔ <criterion>: inconclusive (<why>)'."""
    if aligned is None:
        return f"❔ {criterion}: inconclusive ({why or NO_OFFLINE_CHECK})"
    return f"{'✅' if aligned else '❌'} {criterion}: {why}"


def _align(criteria: list[str], verdicts: list[CriterionVerdict]) -> list[CriterionVerdict]:
    """One verdict per criterion, in order, named by our split (a judge may answer short)."""
    aligned: list[CriterionVerdict] = []
    for index, criterion in enumerate(criteria):
        if index < len(verdicts):
            v = verdicts[index]
            aligned.append(CriterionVerdict(criterion, v.outcome, v.aligned, v.evidence))
        else:
            aligned.append(CriterionVerdict(criterion, "the judge gave no verdict", None))
    return aligned
