"""Offline, deterministic checks of a transcript: each decides one criterion with evidence.

A check answers `aligned` True (met), False (not met) or None (cannot tell from the
transcript, e.g. no latency was measured), always with a reason a person can read.
Evidence turn indexes count every message of `Transcript.turns` from 0.
"""

from __future__ import annotations

import json
import re
from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from sparring.domain.status import EndReason
from sparring.domain.transcript import Role, ToolCall, Transcript, Turn
from sparring.domain.verdict import Evidence
from sparring.evaluation.language import LANGUAGES, detect_language
from sparring.evaluation.pii import date_keys, digits_of, find_personal_data

_QUOTE_LIMIT = 200
# Same-length replacements, so match positions stay valid in the original text.
_TYPOGRAPHY = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "\u00a0": " "})


@dataclass(frozen=True, slots=True)
class CheckResult:
    """What one check found: met, not met, or undecided (None), and why."""

    aligned: bool | None
    reason: str
    evidence: tuple[Evidence, ...] = ()


class Check(ABC):
    """One deterministic check; `describe()` is its criterion in the documented form."""

    kind: ClassVar[str]

    @abstractmethod
    def run(self, transcript: Transcript) -> CheckResult:
        """Decide the check on a transcript."""

    @abstractmethod
    def describe(self) -> str:
        """The check as a criterion sentence ('The agent says "hello"')."""


def agent_replies(transcript: Transcript) -> Iterator[tuple[int, Turn]]:
    """(index in `turns`, turn) of every agent reply."""
    return ((i, t) for i, t in enumerate(transcript.turns) if t.role is Role.AGENT)


def find_phrase(phrase: str, text: str) -> re.Match[str] | None:
    """Where `phrase` occurs in `text`, ignoring case, typography and runs of whitespace."""
    words = phrase.translate(_TYPOGRAPHY).split()
    if not words:
        return None
    pattern = r"\s+".join(re.escape(word) for word in words)
    return re.search(pattern, text.translate(_TYPOGRAPHY), re.IGNORECASE)


def quote(text: str, start: int = 0, end: int = 0) -> str:
    """`text`, or a window of it around [start, end) when it is long."""
    if len(text) <= _QUOTE_LIMIT:
        return text
    margin = max(0, (_QUOTE_LIMIT - (end - start)) // 2)
    lo, hi = max(0, start - margin), min(len(text), end + margin)
    return ("…" if lo else "") + text[lo:hi] + ("…" if hi < len(text) else "")


def _first_said(phrase: str, transcript: Transcript) -> Evidence | None:
    for index, turn in agent_replies(transcript):
        match = find_phrase(phrase, turn.content)
        if match:
            return Evidence(index, quote(turn.content, match.start(), match.end()))
    return None


def _quoted(phrases: tuple[str, ...], joiner: str) -> str:
    return f" {joiner} ".join(f'"{p}"' for p in phrases)


@dataclass(frozen=True, slots=True)
class MustSay(Check):
    """Some agent reply contains the phrase (any of them; all of them with `require_all`)."""

    phrases: tuple[str, ...]
    require_all: bool = False
    kind: ClassVar[str] = "must_say"

    def run(self, transcript: Transcript) -> CheckResult:
        found = {p: _first_said(p, transcript) for p in self.phrases}
        said = [ev for ev in found.values() if ev is not None]
        missing = tuple(p for p, ev in found.items() if ev is None)
        if self.require_all and missing:
            return CheckResult(False, f"never said {_quoted(missing, 'and')}", tuple(said))
        if said:
            where = ", ".join(f'"{p}" (turn {ev.turn})' for p, ev in found.items() if ev)
            return CheckResult(True, f"said {where}", tuple(said))
        return CheckResult(False, f"never said {_quoted(self.phrases, 'or')}")

    def describe(self) -> str:
        return f"The agent says {_quoted(self.phrases, 'and' if self.require_all else 'or')}"


@dataclass(frozen=True, slots=True)
class MustNotSay(Check):
    """No agent reply contains any of the phrases."""

    phrases: tuple[str, ...]
    kind: ClassVar[str] = "must_not_say"

    def run(self, transcript: Transcript) -> CheckResult:
        found = {p: _first_said(p, transcript) for p in self.phrases}
        said = [(p, ev) for p, ev in found.items() if ev is not None]
        if said:
            where = ", ".join(f'"{p}" (turn {ev.turn})' for p, ev in said)
            return CheckResult(False, f"said {where}", tuple(ev for _, ev in said))
        return CheckResult(True, f"never said {_quoted(self.phrases, 'or')}")

    def describe(self) -> str:
        return f"The agent never says {_quoted(self.phrases, 'or')}"


def arguments_match(expected: Any, actual: Any) -> bool:
    """`expected` is a subset of `actual`; strings compare case- and space-insensitively."""
    if isinstance(expected, Mapping):
        return isinstance(actual, Mapping) and all(
            key in actual and arguments_match(value, actual[key]) for key, value in expected.items()
        )
    if isinstance(expected, list):
        return (
            isinstance(actual, list)
            and len(expected) == len(actual)
            and all(arguments_match(e, a) for e, a in zip(expected, actual, strict=True))
        )
    if isinstance(expected, str) or isinstance(actual, str):
        return (
            " ".join(str(expected).split()).casefold() == " ".join(str(actual).split()).casefold()
        )
    return bool(expected == actual)


def _show_call(call: ToolCall) -> str:
    return f"{call.name}({json.dumps(call.arguments, ensure_ascii=False, sort_keys=True)})"


@dataclass(frozen=True, slots=True)
class ToolCalled(Check):
    """The agent calls the tool (with at least these arguments); with `expected` False, never."""

    name: str
    arguments: Mapping[str, Any] | None = None
    expected: bool = True
    kind: ClassVar[str] = "tool_call"

    def run(self, transcript: Transcript) -> CheckResult:
        calls = [(i, c) for i, t in enumerate(transcript.turns) for c in t.tool_calls]
        named = [(i, c) for i, c in calls if c.name.casefold() == self.name.casefold()]
        matching = [(i, c) for i, c in named if arguments_match(self.arguments or {}, c.arguments)]
        evidence = tuple(Evidence(i, _show_call(c)) for i, c in matching)
        if matching:
            first = matching[0]
            reason = f"called {_show_call(first[1])} (turn {first[0]})"
            return CheckResult(self.expected, reason, evidence)
        if named and self.arguments:
            shown = "; ".join(_show_call(c) for _, c in named)
            reason = f"called `{self.name}` only with other arguments: {shown}"
        else:
            others = sorted({c.name for _, c in calls})
            reason = f"never called `{self.name}`" + (
                f" (called: {', '.join(others)})" if others else " (no tool calls)"
            )
        return CheckResult(
            not self.expected, reason, tuple(Evidence(i, _show_call(c)) for i, c in named)
        )

    def describe(self) -> str:
        verb = "calls" if self.expected else "does not call"
        args = f" with {json.dumps(dict(self.arguments))}" if self.arguments else ""
        return f"The agent {verb} `{self.name}`{args}"


_ENDER = {EndReason.AGENT_ENDED: "the agent", EndReason.CALLER_ENDED: "the caller"}


@dataclass(frozen=True, slots=True)
class EndedBy(Check):
    """Who ended the call: `who` is "agent" or "caller"; `negate` for "does not end the call"."""

    who: str
    negate: bool = False
    kind: ClassVar[str] = "ended_by"

    def run(self, transcript: Transcript) -> CheckResult:
        reason = transcript.end_reason
        if reason is None:
            return CheckResult(None, "the transcript does not record how the call ended")
        wanted = EndReason.AGENT_ENDED if self.who == "agent" else EndReason.CALLER_ENDED
        happened = _ENDER.get(reason)
        said = f"{happened} ended the call" if happened else f"the call ended: {reason.value}"
        evidence: tuple[Evidence, ...] = ()
        if transcript.turns:
            last = len(transcript.turns) - 1
            evidence = (Evidence(last, quote(transcript.turns[last].content)),)
        return CheckResult((reason is wanted) != self.negate, said, evidence)

    def describe(self) -> str:
        if self.negate:
            return f"The {self.who} does not end the call"
        return f"The {self.who} ends the call"


@dataclass(frozen=True, slots=True)
class RepliesIn(Check):
    """The agent's last reply is in `language` (a code of `LANGUAGES`, or an undetectable name)."""

    language: str
    kind: ClassVar[str] = "language"

    def run(self, transcript: Transcript) -> CheckResult:
        wanted = LANGUAGES.get(self.language)
        if wanted is None:
            return CheckResult(None, f"no offline detector for {self.language}")
        replies = list(agent_replies(transcript))
        if not replies:
            return CheckResult(False, "the agent never replied")
        index, last = replies[-1]
        evidence = (Evidence(index, quote(last.content)),)
        found = detect_language(last.content)
        if found is None:
            return CheckResult(
                None, f"cannot tell the language of the last reply (turn {index})", evidence
            )
        if found == self.language:
            return CheckResult(True, f"the last reply (turn {index}) is in {wanted}", evidence)
        return CheckResult(
            False, f"the last reply (turn {index}) is in {LANGUAGES[found]}, not {wanted}", evidence
        )

    def describe(self) -> str:
        return f"The agent replies in {LANGUAGES.get(self.language, self.language)}"


@dataclass(frozen=True, slots=True)
class MaxLatency(Check):
    """Every agent reply's `latency_ms` is at most `limit_ms`."""

    limit_ms: float
    kind: ClassVar[str] = "max_latency_ms"

    def run(self, transcript: Transcript) -> CheckResult:
        timed = [(i, t) for i, t in agent_replies(transcript) if t.latency_ms is not None]
        if not timed:
            return CheckResult(None, "no reply latency was measured")
        index, slowest = max(timed, key=lambda pair: pair[1].latency_ms or 0.0)
        took = slowest.latency_ms or 0.0
        evidence = (Evidence(index, quote(slowest.content)),)
        if took <= self.limit_ms:
            reason = f"slowest reply took {took:.0f} ms (turn {index}), limit {self.limit_ms:g} ms"
            return CheckResult(True, reason, evidence)
        over = [(i, t) for i, t in timed if (t.latency_ms or 0.0) > self.limit_ms]
        reason = (
            f"{len(over)} of {len(timed)} replies took over {self.limit_ms:g} ms; "
            f"slowest {took:.0f} ms (turn {index})"
        )
        return CheckResult(False, reason, tuple(Evidence(i, quote(t.content)) for i, t in over))

    def describe(self) -> str:
        return f"Every agent reply arrives within {self.limit_ms:g} ms"


@dataclass(frozen=True, slots=True)
class MaxTurns(Check):
    """The agent replies at most `limit` times."""

    limit: int
    kind: ClassVar[str] = "max_turns"

    def run(self, transcript: Transcript) -> CheckResult:
        replies = list(agent_replies(transcript))
        reason = f"{len(replies)} agent replies, limit {self.limit}"
        if len(replies) <= self.limit:
            return CheckResult(True, reason)
        index, extra = replies[self.limit]
        return CheckResult(False, reason, (Evidence(index, quote(extra.content)),))

    def describe(self) -> str:
        return f"The conversation takes at most {self.limit} turns"


@dataclass(frozen=True, slots=True)
class NoPersonalData(Check):
    """No agent reply contains personal data that the caller did not say first."""

    allow: tuple[str, ...] = field(default=())
    kind: ClassVar[str] = "no_pii"

    def run(self, transcript: Transcript) -> CheckResult:
        given = _GivenData.of([t.content for t in transcript.caller_turns], self.allow)
        leaks: list[tuple[int, str, str]] = []
        for index, turn in agent_replies(transcript):
            for item in find_personal_data(turn.content):
                if not given.covers(item.kind, item.key):
                    leaks.append((index, item.kind, item.text))
        if not leaks:
            return CheckResult(True, "no personal data beyond what the caller gave")
        shown = "; ".join(f'{kind} "{text}" (turn {i})' for i, kind, text in leaks)
        return CheckResult(False, f"revealed {shown}", tuple(Evidence(i, t) for i, _, t in leaks))

    def describe(self) -> str:
        return "The agent does not reveal personal data"


@dataclass(frozen=True, slots=True)
class _GivenData:
    """What the caller said (plus allowed values), normalised to compare with agent replies."""

    digits: tuple[str, ...]
    emails: str
    dates: frozenset[str]

    @classmethod
    def of(cls, texts: list[str], allow: tuple[str, ...]) -> _GivenData:
        sources = [*texts, *allow]
        digits = tuple(d for d in (digits_of(t) for t in [*sources, " ".join(sources)]) if d)
        dates = frozenset(k for t in sources for k in date_keys(t))
        return cls(digits, " ".join(sources).casefold(), dates)

    def covers(self, kind: str, key: str) -> bool:
        if kind == "e-mail address":
            return key in self.emails
        if kind == "date of birth":
            return any(k in self.dates for k in key.split("|"))
        return any(key in d for d in self.digits)
