"""Declarative checks in a metric's `configuration`, validated into `Check` objects.

    {"checks": [{"kind": "must_say", "text": "goodbye"},
                {"kind": "tool_call", "name": "book", "arguments": {"day": "Tuesday"}}],
     "criteria": ["The agent never says \\"password\\""]}

Each entry becomes (criterion sentence, check); a criterion no recogniser understands is kept
with check None, so it is reported as inconclusive rather than dropped.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from sparring.errors import BadInput
from sparring.evaluation.checks import (
    Check,
    EndedBy,
    MaxLatency,
    MaxTurns,
    MustNotSay,
    MustSay,
    NoPersonalData,
    RepliesIn,
    ToolCalled,
)
from sparring.evaluation.criteria import split_criteria
from sparring.evaluation.language import LANGUAGES, language_code
from sparring.evaluation.recognisers import parse_criterion

Entry = tuple[str, Check | None]


def checks_from_configuration(configuration: Mapping[str, Any]) -> list[Entry]:
    """The checks of `configuration["checks"]` and `["criteria"]`; `BadInput` if malformed."""
    entries: list[Entry] = []
    raw_checks = configuration.get("checks") or []
    if not isinstance(raw_checks, list):
        raise BadInput("configuration.checks", "must be a list of checks.")
    for index, raw in enumerate(raw_checks):
        check = check_from_config(raw, f"configuration.checks[{index}]")
        entries.append((check.describe(), check))
    raw_criteria = configuration.get("criteria") or []
    if isinstance(raw_criteria, str):
        raw_criteria = split_criteria(raw_criteria)
    if not isinstance(raw_criteria, list) or not all(isinstance(c, str) for c in raw_criteria):
        raise BadInput("configuration.criteria", "must be a list of sentences.")
    entries.extend((c, parse_criterion(c)) for c in raw_criteria if c.strip())
    return entries


def check_from_config(raw: Any, where: str) -> Check:
    """One declarative check; `BadInput` naming the field when it is wrong."""
    if not isinstance(raw, Mapping):
        raise BadInput(where, "must be an object with a `kind`.")
    kind = raw.get("kind") or raw.get("type")
    build = _BUILDERS.get(str(kind))
    if build is None:
        raise BadInput(f"{where}.kind", f"must be one of: {', '.join(_BUILDERS)}.")
    return build(raw, where)


def _phrases(raw: Mapping[str, Any], where: str, keys: tuple[str, ...]) -> tuple[str, ...]:
    for key in keys:
        if key in raw:
            value = raw[key]
            values = [value] if isinstance(value, str) else value
            if not isinstance(values, list) or not values:
                raise BadInput(f"{where}.{key}", "must be a phrase or a list of phrases.")
            if not all(isinstance(v, str) and v.strip() for v in values):
                raise BadInput(f"{where}.{key}", "phrases must be non-empty strings.")
            return tuple(v.strip() for v in values)
    raise BadInput(f"{where}.{keys[0]}", "is required.")


def _must_say(raw: Mapping[str, Any], where: str) -> Check:
    if "all_of" in raw:
        return MustSay(_phrases(raw, where, ("all_of",)), require_all=True)
    return MustSay(_phrases(raw, where, ("text", "phrases", "any_of")))


def _must_not_say(raw: Mapping[str, Any], where: str) -> Check:
    return MustNotSay(_phrases(raw, where, ("text", "phrases", "any_of")))


def _tool(expected: bool) -> Callable[[Mapping[str, Any], str], Check]:
    def build(raw: Mapping[str, Any], where: str) -> Check:
        name = raw.get("name")
        if not isinstance(name, str) or not name.strip():
            raise BadInput(f"{where}.name", "must be the tool's name.")
        arguments = raw.get("arguments", raw.get("args"))
        if arguments is not None and not isinstance(arguments, Mapping):
            raise BadInput(f"{where}.arguments", "must be an object of argument values.")
        return ToolCalled(name.strip(), dict(arguments) if arguments else None, expected)

    return build


def _ended_by(raw: Mapping[str, Any], where: str) -> Check:
    who = str(raw.get("who", "")).lower()
    if who not in ("agent", "caller"):
        raise BadInput(f"{where}.who", 'must be "agent" or "caller".')
    negate = raw.get("negate", False)
    if not isinstance(negate, bool):
        raise BadInput(f"{where}.negate", "must be true or false.")
    return EndedBy(who, negate)


def _language(raw: Mapping[str, Any], where: str) -> Check:
    code = language_code(str(raw.get("language", "")))
    if code is None:
        raise BadInput(f"{where}.language", f"must be one of: {', '.join(LANGUAGES)}.")
    return RepliesIn(code)


def _limit(raw: Mapping[str, Any], where: str, keys: tuple[str, ...]) -> float:
    for key in keys:
        value = raw.get(key)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            raise BadInput(f"{where}.{key}", "must be a number of at least 0.")
        return float(value)
    raise BadInput(f"{where}.{keys[0]}", "is required.")


def _max_latency(raw: Mapping[str, Any], where: str) -> Check:
    return MaxLatency(_limit(raw, where, ("limit", "ms", "max_ms")))


def _max_turns(raw: Mapping[str, Any], where: str) -> Check:
    limit = _limit(raw, where, ("limit", "turns", "max"))
    if limit != int(limit):
        raise BadInput(f"{where}.limit", "must be a whole number of turns.")
    return MaxTurns(int(limit))


def _no_pii(raw: Mapping[str, Any], where: str) -> Check:
    allow = raw.get("allow", [])
    if not isinstance(allow, list) or not all(isinstance(a, str) for a in allow):
        raise BadInput(f"{where}.allow", "must be a list of values the agent may say.")
    return NoPersonalData(tuple(allow))


_BUILDERS: dict[str, Callable[[Mapping[str, Any], str], Check]] = {
    "must_say": _must_say,
    "must_not_say": _must_not_say,
    "tool_call": _tool(True),
    "no_tool_call": _tool(False),
    "ended_by": _ended_by,
    "language": _language,
    "max_latency_ms": _max_latency,
    "max_turns": _max_turns,
    "no_pii": _no_pii,
}
