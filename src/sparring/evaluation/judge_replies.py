"""Reading an LLM judge's reply: pydantic models, evidence checks, and the fail-closed rules.

A decision becomes a `Judgment` (status ok / inconclusive / error, a value, a reason, quotes).
Only a well-formed decision whose every quote is found in the turn it cites is `ok`;
a quote is compared after normalisation (Unicode NFKC, case folded, punctuation and runs of
whitespace collapsed to one space, whole words only), and "..." or "…" in a quote may stand
for left-out words.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Sequence
from typing import Literal, TypeVar

from pydantic import BaseModel, Field, JsonValue, TypeAdapter, ValidationError, field_validator

from sparring.domain.verdict import EvalType, Evidence, MetricSpec, VerdictStatus
from sparring.errors import EvaluationError, LLMError
from sparring.evaluation.verdicts import coerce_value

CriterionVerdictLabel = Literal["met", "not_met", "cannot_tell"]
_VALUES: dict[str, bool | None] = {"met": True, "not_met": False, "cannot_tell": None}
_FENCE = re.compile(r"^```(?:json)?\s*(.*?)\s*```$", re.DOTALL | re.IGNORECASE)
_REFUSAL = re.compile(
    r"\b(?:i\s+can(?:no|')?t|i\s+(?:am|'m)\s+(?:not\s+able|unable)|i\s+won't|"
    r"i\s+(?:must|have\s+to)\s+decline|sorry|as\s+an\s+ai)\b",
    re.IGNORECASE,
)
_NON_WORD = re.compile(r"[\W_]+")
_ELLIPSIS = re.compile(r"\.\.\.|…")
_CLIP = 120

Reply = TypeVar("Reply", bound=BaseModel)


class JudgeReplyError(LLMError):
    """The judge answered, but with nothing usable (not the JSON asked for, or a refusal)."""


class Quote(BaseModel):
    """A piece of evidence as the judge cites it."""

    turn: int
    quote: str


class CriterionAnswer(BaseModel):
    """The judge's answer on one criterion."""

    index: int | None = None
    criterion: str = ""
    verdict: CriterionVerdictLabel
    reason: str = ""
    evidence: list[Quote] = Field(default_factory=list)

    @field_validator("verdict", mode="before")
    @classmethod
    def _spelling(cls, value: object) -> object:
        # "Not met", "not-met", "NOT_MET" all mean not_met; anything else still fails.
        if isinstance(value, str):
            return "_".join(value.strip().casefold().replace("-", " ").split())
        return value


class CriteriaReply(BaseModel):
    """The reply to a criteria request."""

    criteria: list[CriterionAnswer]


class MetricAnswer(BaseModel):
    """The reply to a metric request; `value` null means the judge could not tell."""

    value: JsonValue
    reason: str = ""
    evidence: list[Quote] = Field(default_factory=list)


class Judgment(BaseModel):
    """One decided question (a criterion or a metric): what is voted on and cached."""

    status: VerdictStatus
    value: bool | float | str | None = None
    reason: str = ""
    evidence: list[Quote] = Field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.status is VerdictStatus.OK and self.value is not None

    def domain_evidence(self) -> tuple[Evidence, ...]:
        return tuple(Evidence(q.turn, q.quote) for q in self.evidence)


JUDGMENTS = TypeAdapter(list[Judgment])


def clip(text: str, limit: int = _CLIP) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def parse_reply(text: str, model: type[Reply]) -> Reply:
    """`text` validated as `model`; `JudgeReplyError` for anything else (refusals named)."""
    body = text.strip()
    fenced = _FENCE.match(body)
    if fenced:
        body = fenced.group(1).strip()
    if not body:
        raise JudgeReplyError("the judge sent an empty reply")
    if not body.startswith("{") and _REFUSAL.search(body.replace("’", "'")):
        raise JudgeReplyError(f"the judge refused: {clip(body)!r}")
    try:
        return model.model_validate_json(body)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "reply"
        raise JudgeReplyError(
            f"the judge's reply is not the JSON asked for ({where}: {first['msg']}): {clip(body)!r}"
        ) from exc


def normalise(text: str) -> str:
    """Case-folded words of `text`, one space apart (see module docstring)."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(_NON_WORD.sub(" ", folded).split())


def normalised_turns(turn_texts: Sequence[str]) -> list[str]:
    """Each turn's text normalised and padded with spaces, for whole-word search."""
    return [f" {normalise(t)} " for t in turn_texts]


def evidence_problem(evidence: Sequence[Quote], turns: Sequence[str]) -> str | None:
    """Why the evidence cannot be trusted, or None; `turns` from `normalised_turns`."""
    if not evidence:
        return "no evidence was cited"
    for item in evidence:
        if not 0 <= item.turn < len(turns):
            return f"the evidence cites turn {item.turn}, which does not exist"
        pieces = [normalise(p) for p in _ELLIPSIS.split(item.quote)]
        pieces = [p for p in pieces if p]
        if not pieces or any(f" {p} " not in turns[item.turn] for p in pieces):
            return f"the quote {clip(item.quote)!r} is not in turn {item.turn}"
    return None


def decide(
    value: bool | float | str | None, reason: str, evidence: list[Quote], turns: Sequence[str]
) -> Judgment:
    """An `ok` judgment only for a value grounded in valid evidence; else inconclusive."""
    if value is None:
        return Judgment(
            status=VerdictStatus.INCONCLUSIVE, reason=reason or "the judge could not tell"
        )
    problem = evidence_problem(evidence, turns)
    if problem is not None:
        said = f" (the judge said: {clip(reason)})" if reason else ""
        return Judgment(status=VerdictStatus.INCONCLUSIVE, reason=f"{problem}{said}")
    return Judgment(status=VerdictStatus.OK, value=value, reason=reason, evidence=evidence)


def read_criteria(text: str, criteria: Sequence[str], turns: Sequence[str]) -> list[Judgment]:
    """One judgment per criterion, in order, from a criteria reply."""
    reply = parse_reply(text, CriteriaReply)
    judgments: list[Judgment] = []
    for answer in match_answers(reply.criteria, criteria):
        if isinstance(answer, str):
            judgments.append(Judgment(status=VerdictStatus.INCONCLUSIVE, reason=answer))
        else:
            value = _VALUES[answer.verdict]
            judgments.append(decide(value, answer.reason, answer.evidence, turns))
    return judgments


def match_answers(
    answers: Sequence[CriterionAnswer], criteria: Sequence[str]
) -> list[CriterionAnswer | str]:
    """Each criterion's answer (by its text, else its number), or why there is none."""
    by_text = {normalise(c): i for i, c in enumerate(criteria)}
    found: dict[int, CriterionAnswer] = {}
    conflicting: set[int] = set()
    for answer in answers:
        index = by_text.get(normalise(answer.criterion))
        if index is None and answer.index is not None and 1 <= answer.index <= len(criteria):
            index = answer.index - 1
        if index is None:
            continue
        if index in found and found[index].verdict != answer.verdict:
            conflicting.add(index)
        found.setdefault(index, answer)
    matched: list[CriterionAnswer | str] = []
    for i in range(len(criteria)):
        if i in conflicting:
            matched.append("the judge gave conflicting verdicts on this criterion")
        else:
            matched.append(found.get(i, "the judge gave no verdict on this criterion"))
    return matched


def read_metric(text: str, metric: MetricSpec, turns: Sequence[str]) -> list[Judgment]:
    """The one judgment of a metric reply; a value off the metric's scale is an error."""
    answer = parse_reply(text, MetricAnswer)
    if answer.value is None:
        return [decide(None, answer.reason, [], turns)]
    try:
        score, enum = coerce_value(metric.eval_type, answer.value, metric.enum_values)
    except EvaluationError as exc:
        raise JudgeReplyError(f"the judge's value does not fit the metric: {exc}") from exc
    value = enum if metric.eval_type is EvalType.ENUM else score
    return [decide(value, answer.reason, answer.evidence, turns)]


def ballot_label(judgment: Judgment) -> str:
    """How a vote is named in a tally: 'yes', 'no', '4', 'agent', 'inconclusive', 'error'."""
    if not judgment.ok:
        return judgment.status.value
    if isinstance(judgment.value, bool):
        return "yes" if judgment.value else "no"
    if isinstance(judgment.value, float):
        return f"{judgment.value:g}"
    return str(judgment.value)


def ballot_key(judgment: Judgment) -> str:
    """Votes with the same key agree."""
    return json.dumps([judgment.status.value, judgment.value])
