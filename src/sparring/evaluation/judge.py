"""The LLM judge: expected-outcome criteria and `llm_judge` metrics, decided by an LLM.

One request per run and question (all criteria of an expected outcome go in one request), at
temperature 0 in JSON mode. The reply is validated into pydantic models (`judge_replies.py`)
and fails closed; nothing below is ever a pass:

| what came back | verdict |
| --- | --- |
| an LLM error: refused connection, timeout, 5xx | error (criterion: `aligned` None) |
| text that is not the JSON asked for, a refusal, a value off the metric's scale | error |
| a criterion left out or answered twice differently, `cannot_tell`, a null value | inconclusive |
| a decision without evidence, or quoting words not in the turn it cites | inconclusive |
| `votes` > 1 without a strict majority for one answer | inconclusive |

Decisions are cached under sha256(JUDGE_VERSION, model, votes, temperature, messages) — the
messages hold the prompt and the transcript — so judging the same run again makes no request.
Only decisions for which every vote came back readable are cached; an LLM failure is tried
again next time.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from typing import Any, ClassVar, Protocol

from pydantic import ValidationError

from sparring.domain.verdict import (
    CriterionVerdict,
    EvalType,
    MetricKind,
    MetricSpec,
    MetricVerdict,
    VerdictStatus,
)
from sparring.evaluation.base import Conversation, CriteriaJudge, Evaluator
from sparring.evaluation.cache import MemoryVerdictCache, VerdictCache, cache_key
from sparring.evaluation.judge_prompts import (
    Message,
    criteria_messages,
    metric_instructions,
    metric_messages,
    turn_texts,
)
from sparring.evaluation.judge_replies import (
    JUDGMENTS,
    JudgeReplyError,
    Judgment,
    ballot_key,
    ballot_label,
    normalised_turns,
    read_criteria,
    read_metric,
)
from sparring.evaluation.verdicts import error_verdict, inconclusive_verdict, make_verdict
from sparring.llm.client import LLMClient, LLMReply

log = logging.getLogger(__name__)

JUDGE_VERSION = "1"
"""Bump when prompts or reply rules change, so cached verdicts are not reused."""

EMPTY_CONVERSATION = "the conversation is empty: nothing to judge"

Reader = Callable[[str], list[Judgment]]


class ChatModel(Protocol):
    """What the judge needs of an LLM client (`LLMClient` fits)."""

    @property
    def model(self) -> str: ...

    async def complete(
        self,
        messages: list[dict[str, Any]],
        *,
        temperature: float | None = None,
        json_mode: bool = False,
    ) -> LLMReply: ...


class LLMJudge:
    """Asks, reads, votes and caches; shared by the criteria judge and the metric evaluator.

    `votes` defaults to `LLMSettings.judge_votes` of an `LLMClient`, else 1.
    """

    def __init__(
        self,
        client: ChatModel,
        *,
        votes: int | None = None,
        cache: VerdictCache | None = None,
        temperature: float = 0.0,
    ) -> None:
        if votes is None:
            votes = client.settings.judge_votes if isinstance(client, LLMClient) else 1
        if votes < 1:
            raise ValueError("votes must be at least 1")
        self.client = client
        self.votes = votes
        self.cache: VerdictCache = MemoryVerdictCache() if cache is None else cache
        self.temperature = temperature

    async def decide(self, messages: list[Message], count: int, read: Reader) -> list[Judgment]:
        """`count` judgments for the question in `messages` (cached, voted, fail-closed)."""
        key = cache_key(JUDGE_VERSION, self.client.model, self.votes, self.temperature, messages)
        cached = await self._cached(key, count)
        if cached is not None:
            return cached
        ballots = await asyncio.gather(
            *(self._vote(messages, count, read) for _ in range(self.votes))
        )
        judgments = merge_votes([judgments for judgments, _ in ballots])
        if all(readable for _, readable in ballots):
            await self._store(key, judgments)
        return judgments

    async def _vote(
        self, messages: list[Message], count: int, read: Reader
    ) -> tuple[list[Judgment], bool]:
        """One request: (judgments, whether the reply was readable)."""
        try:
            reply = await self.client.complete(
                messages, temperature=self.temperature, json_mode=True
            )
        except Exception as exc:  # fail closed: whatever went wrong decides nothing
            log.warning("LLM judge request failed: %s", exc)
            return _errors(count, f"the LLM judge failed: {exc}"), False
        try:
            judgments = read(reply.text)
        except JudgeReplyError as exc:
            return _errors(count, str(exc)), False
        except Exception as exc:  # a bug in reading must not pass anything either
            log.exception("reading the judge's reply failed")
            return _errors(count, f"the judge's reply could not be read: {exc}"), False
        return judgments, True

    async def _cached(self, key: str, count: int) -> list[Judgment] | None:
        try:
            text = await self.cache.get(key)
            judgments = None if text is None else JUDGMENTS.validate_json(text)
        except (ValidationError, ValueError):
            return None  # unreadable entry: judge again
        except Exception:
            log.warning("verdict cache read failed", exc_info=True)
            return None
        return judgments if judgments is not None and len(judgments) == count else None

    async def _store(self, key: str, judgments: list[Judgment]) -> None:
        try:
            await self.cache.set(key, JUDGMENTS.dump_json(judgments).decode())
        except Exception:  # a failing cache costs a request next time, nothing more
            log.warning("verdict cache write failed", exc_info=True)


def merge_votes(ballots: Sequence[list[Judgment]]) -> list[Judgment]:
    """Per question, the answer of a strict majority of votes, else inconclusive."""
    if len(ballots) == 1:
        return list(ballots[0])
    return [_majority([ballot[i] for ballot in ballots]) for i in range(len(ballots[0]))]


def _majority(votes: list[Judgment]) -> Judgment:
    groups: dict[str, list[Judgment]] = {}
    for vote in votes:
        groups.setdefault(ballot_key(vote), []).append(vote)
    best = max(groups.values(), key=len)
    if 2 * len(best) > len(votes):
        winner = best[0]
        return winner.model_copy(
            update={"reason": f"{winner.reason} ({len(best)} of {len(votes)} votes)".strip()}
        )
    tally = ", ".join(f"{len(g)} × {ballot_label(g[0])}" for g in groups.values())
    return Judgment(
        status=VerdictStatus.INCONCLUSIVE,
        reason=f"the {len(votes)} votes did not agree: {tally}",
    )


def _errors(count: int, reason: str) -> list[Judgment]:
    return [Judgment(status=VerdictStatus.ERROR, reason=reason) for _ in range(count)]


class _UsesLLMJudge:
    """Both judges take (client, votes=None, cache=None) and keep an `LLMJudge` as `engine`."""

    def __init__(
        self,
        client: ChatModel,
        *,
        votes: int | None = None,
        cache: VerdictCache | None = None,
    ) -> None:
        self.engine = LLMJudge(client, votes=votes, cache=cache)


class LLMCriteriaJudge(_UsesLLMJudge, CriteriaJudge):
    """Decides every criterion of an expected outcome in one LLM request (per vote)."""

    async def judge(
        self, criteria: list[str], conversation: Conversation
    ) -> list[CriterionVerdict]:
        if not criteria:
            return []
        if not conversation.transcript.turns:
            return [CriterionVerdict(c, EMPTY_CONVERSATION, None) for c in criteria]
        turns = normalised_turns(turn_texts(conversation.transcript))
        judgments = await self.engine.decide(
            criteria_messages(criteria, conversation),
            len(criteria),
            lambda text: read_criteria(text, criteria, turns),
        )
        return [_criterion_verdict(c, j) for c, j in zip(criteria, judgments, strict=True)]


def _criterion_verdict(criterion: str, judgment: Judgment) -> CriterionVerdict:
    if judgment.ok and isinstance(judgment.value, bool):
        return CriterionVerdict(
            criterion, judgment.reason, judgment.value, judgment.domain_evidence()
        )
    return CriterionVerdict(criterion, judgment.reason, None)


class LLMJudgeEvaluator(_UsesLLMJudge, Evaluator):
    """Scores a metric of kind `llm_judge`: its prompt (or description) asked of the LLM."""

    kind: ClassVar[str] = MetricKind.LLM_JUDGE.value

    async def evaluate(self, metric: MetricSpec, conversation: Conversation) -> MetricVerdict:
        if not metric_instructions(metric):
            return error_verdict(metric, "the metric has no prompt or description to judge by")
        if not conversation.transcript.turns:
            return inconclusive_verdict(metric, EMPTY_CONVERSATION)
        turns = normalised_turns(turn_texts(conversation.transcript))
        [judgment] = await self.engine.decide(
            metric_messages(metric, conversation),
            1,
            lambda text: read_metric(text, metric, turns),
        )
        return metric_verdict(metric, judgment)


def metric_verdict(metric: MetricSpec, judgment: Judgment) -> MetricVerdict:
    """The metric's verdict from its judgment (enum value in `enum`, else a score)."""
    if judgment.status is VerdictStatus.ERROR:
        return error_verdict(metric, judgment.reason)
    if not judgment.ok:
        return inconclusive_verdict(metric, judgment.reason)
    value, evidence = judgment.value, judgment.domain_evidence()
    if metric.eval_type is EvalType.ENUM and isinstance(value, str):
        return make_verdict(metric, None, judgment.reason, enum=value, evidence=evidence)
    if metric.eval_type is not EvalType.ENUM and isinstance(value, float):
        return make_verdict(metric, value, judgment.reason, evidence=evidence)
    return error_verdict(metric, f"the judge's answer {value!r} does not fit the metric")
