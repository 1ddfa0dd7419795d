"""Measurements computed from a transcript's timing and text alone (no LLM).

Each function takes the transcript and the metric's configuration and returns a `Measurement`;
`value` None means "nothing to measure" (e.g. no latency recorded), reported as inconclusive.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sparring.domain.status import EndReason
from sparring.domain.transcript import Role, Transcript, Turn
from sparring.domain.verdict import Evidence
from sparring.evaluation import stats
from sparring.evaluation.checks import agent_replies, quote

_WORD = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*")
_PUNCTUATION = re.compile(r"[^\w\s]")
_REPEAT_SIMILARITY = 0.9
_REPEAT_MIN_WORDS = 3
_ERROR_TEXT = re.compile(
    r"^\s*(?:error|exception|traceback|failed|failure)\b|\b(?:error|exception)\s*:"
    r"|traceback \(most recent call last\)|\bstatus(?:\s+code)?\s*[:=]?\s*[45]\d\d\b",
    re.IGNORECASE,
)
_ERROR_STATUS = frozenset({"error", "failed", "failure", "exception"})


@dataclass(frozen=True, slots=True)
class Measurement:
    """A measured value with its explanation; `value` None when there was nothing to measure."""

    value: float | str | None
    explanation: str
    extra: dict[str, Any] = field(default_factory=dict)
    evidence: tuple[Evidence, ...] = ()


def words(text: str) -> int:
    """How many words `text` has ("don't" and "check-in" count as one)."""
    return len(_WORD.findall(text))


def response_latency(transcript: Transcript, config: Mapping[str, Any]) -> Measurement:
    """Mean agent reply latency in ms, with p50/p90/max of the run in `extra`."""
    timed = [(i, t, t.latency_ms) for i, t in agent_replies(transcript) if t.latency_ms is not None]
    if not timed:
        return Measurement(None, "no reply latency was measured")
    values = [v for _, _, v in timed]
    index, slowest, worst = max(timed, key=lambda item: item[2])
    mean = sum(values) / len(values)
    extra = {
        "percentiles": {
            "p50": stats.rounded(stats.percentile(values, 50), 1),
            "p90": stats.rounded(stats.percentile(values, 90), 1),
        },
        "max": round(worst, 1),
        "count": len(values),
    }
    explanation = (
        f"mean {mean:.0f} ms over {len(values)} replies; slowest {worst:.0f} ms (turn {index})"
    )
    return Measurement(
        round(mean, 1), explanation, extra, (Evidence(index, quote(slowest.content)),)
    )


def time_to_first_reply(transcript: Transcript, config: Mapping[str, Any]) -> Measurement:
    """Latency of the agent's first reply in ms (from its predecessor's end when not measured)."""
    replies = list(agent_replies(transcript))
    if not replies:
        return Measurement(None, "the agent never replied")
    index, first = replies[0]
    if first.latency_ms is not None:
        value = first.latency_ms
    else:
        before = transcript.turns[index - 1].end if index else 0.0
        value = max(0.0, first.end - before) * 1000
    evidence = (Evidence(index, quote(first.content)),)
    return Measurement(
        round(value, 1), f"first reply after {value:.0f} ms (turn {index})", {}, evidence
    )


def turn_count(transcript: Transcript, config: Mapping[str, Any]) -> Measurement:
    """The number of agent replies (`extra.messages` counts caller messages too)."""
    agent = len(transcript.agent_turns)
    messages = agent + len(transcript.caller_turns)
    return Measurement(agent, f"{agent} agent replies, {messages} messages", {"messages": messages})


def call_duration(transcript: Transcript, config: Mapping[str, Any]) -> Measurement:
    """Seconds from the start of the call to the end of its last message."""
    seconds = round(transcript.duration, 2)
    return Measurement(seconds, f"the call lasted {seconds:g} s")


def words_per_agent_turn(transcript: Transcript, config: Mapping[str, Any]) -> Measurement:
    """Mean number of words in an agent reply."""
    replies = transcript.agent_turns
    if not replies:
        return Measurement(None, "the agent never replied")
    total = sum(words(t.content) for t in replies)
    mean = round(total / len(replies), 2)
    return Measurement(mean, f"{total} words in {len(replies)} replies", {"total_words": total})


def talk_ratio(transcript: Transcript, config: Mapping[str, Any]) -> Measurement:
    """Agent words / all words spoken, 0–1."""
    agent = sum(words(t.content) for t in transcript.agent_turns)
    caller = sum(words(t.content) for t in transcript.caller_turns)
    if agent + caller == 0:
        return Measurement(None, "nobody said anything")
    ratio = round(agent / (agent + caller), 3)
    extra = {"agent_words": agent, "caller_words": caller}
    return Measurement(ratio, f"the agent said {agent} of {agent + caller} words", extra)


def _normalised(text: str) -> str:
    return " ".join(_PUNCTUATION.sub(" ", text.casefold()).split())


def repetitions(transcript: Transcript, config: Mapping[str, Any]) -> Measurement:
    """Agent replies (of 3+ words) that repeat an earlier reply, exactly or ≥ 90 % similar."""
    earlier: list[tuple[int, str]] = []
    repeats: list[tuple[int, int, Turn]] = []
    for index, turn in agent_replies(transcript):
        text = _normalised(turn.content)
        if len(text.split()) < _REPEAT_MIN_WORDS:
            continue  # "Okay." twice is not a repetition worth flagging
        for first, seen in earlier:
            if text == seen or _similar(text, seen):
                repeats.append((index, first, turn))
                break
        earlier.append((index, text))
    if not repeats:
        return Measurement(0, "no agent reply repeats an earlier one")
    shown = ", ".join(f"turn {i} repeats turn {first}" for i, first, _ in repeats)
    evidence = tuple(Evidence(i, quote(t.content)) for i, _, t in repeats)
    return Measurement(len(repeats), shown, {}, evidence)


def who_ended(transcript: Transcript, config: Mapping[str, Any]) -> Measurement:
    """ "agent", "caller" or "other" (max turns, silence, failure …, named in the explanation)."""
    reason = transcript.end_reason
    if reason is EndReason.AGENT_ENDED:
        return Measurement("agent", "the agent ended the call")
    if reason is EndReason.CALLER_ENDED:
        return Measurement("caller", "the caller ended the call")
    why = reason.value if reason else "not recorded"
    return Measurement("other", f"neither side hung up: {why}", {"end_reason": why})


def infrastructure(transcript: Transcript, config: Mapping[str, Any]) -> Measurement:
    """1 when the call ran without infrastructure trouble, 0 with the troubles listed."""
    limit_s = float(config.get("infra_issues_timeout", 10))
    issues: list[str] = []
    evidence: list[Evidence] = []
    if transcript.end_reason is EndReason.INFRASTRUCTURE:
        issues.append("the call failed on infrastructure")
    if transcript.end_reason is EndReason.AGENT_SILENT:
        issues.append("the agent went silent")
    if transcript.error:
        issues.append(f"error: {transcript.error}")
    for index, turn in agent_replies(transcript):
        if turn.latency_ms is not None and turn.latency_ms > limit_s * 1000:
            issues.append(f"turn {index} took {turn.latency_ms / 1000:.1f} s (limit {limit_s:g} s)")
            evidence.append(Evidence(index, quote(turn.content)))
    if not transcript.agent_turns and not issues:
        issues.append("the agent never replied")
    if issues:
        return Measurement(0, "; ".join(issues), {"issues": issues}, tuple(evidence))
    return Measurement(1, "no infrastructure issue")


def result_is_error(result: str) -> bool:
    """Whether a tool result reads as a failure (JSON error fields, or error-like text)."""
    try:
        data = json.loads(result)
    except (ValueError, TypeError):
        data = None
    if isinstance(data, dict):
        return _json_is_error(data)
    return bool(_ERROR_TEXT.search(result))


def _json_is_error(data: dict[str, Any]) -> bool:
    if data.get("error") or data.get("errors") or data.get("exception"):
        return True
    if data.get("success") is False or data.get("ok") is False:
        return True
    for key in ("status", "status_code"):
        status = data.get(key)
        if isinstance(status, str) and status.lower() in _ERROR_STATUS:
            return True
        if isinstance(status, int) and not isinstance(status, bool) and status >= 400:
            return True
    return False


def tool_call_errors(transcript: Transcript, config: Mapping[str, Any]) -> Measurement:
    """How many tool results look like errors (call results, else Function Call Result turns)."""
    results = [(i, c.result) for i, t in enumerate(transcript.turns) for c in t.tool_calls]
    found = [(i, r) for i, r in results if r is not None]
    if not found:
        found = [
            (i, t.content) for i, t in enumerate(transcript.turns) if t.role is Role.FUNCTION_RESULT
        ]
    errors = [(i, r) for i, r in found if result_is_error(r)]
    explanation = f"{len(errors)} of {len(found)} tool results look like errors"
    evidence = tuple(Evidence(i, quote(r)) for i, r in errors)
    return Measurement(len(errors), explanation, {"results": len(found)}, evidence)


def _similar(a: str, b: str) -> bool:
    """`SequenceMatcher.ratio() >= _REPEAT_SIMILARITY`, with its cheap upper bounds tried first
    (most pairs of replies are far apart, and ratio() is quadratic)."""
    matcher = difflib.SequenceMatcher(None, a, b)
    return (
        matcher.real_quick_ratio() >= _REPEAT_SIMILARITY
        and matcher.quick_ratio() >= _REPEAT_SIMILARITY
        and matcher.ratio() >= _REPEAT_SIMILARITY
    )
