"""Read a criterion sentence as a deterministic check (the forms listed in docs/metrics.md).

`parse_criterion` tries each recogniser in order (case-insensitive); the first that understands
the sentence builds its `Check`. A sentence none understands gives None, which the offline
judge reports as inconclusive: a criterion is never passed because nobody could read it.
Recognisers are strict on purpose: 'The agent says "hi" politely' is not understood, since
"politely" cannot be checked offline.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable

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
from sparring.evaluation.language import language_code

Builder = Callable[[re.Match[str]], Check | None]

_TYPOGRAPHY = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "«": '"', "»": '"'})

_AGENT_WORD = r"(?:the\s+)?(?:main\s+|voice\s+|ai\s+)?(?:agent|assistant|bot|ai)"
_CALLER_WORD = r"(?:the\s+)?(?:caller|user|customer|testing\s+agent|patient|client)"
_AGENT = rf"(?:{_AGENT_WORD}\s+)?"  # optional: bullets under "The agent should:" have none
_CALLER = rf"{_CALLER_WORD}\s+"
_MODAL = r"(?:(?:should|must|will|shall|has\s+to|needs\s+to|is\s+expected\s+to)\s+)?"
_ADVERB = r"(?:(?:always|clearly|explicitly|eventually|then|also|finally)\s+)?"
_NEG = (
    r"(?:never|does\s+not|doesn't|did\s+not|didn't|must\s+not|mustn't|should\s+not|shouldn't|"
    r"will\s+not|won't|may\s+not|cannot|can't|can\s+not|is\s+not\s+allowed\s+to|do\s+not|don't)\s+"
)
_POS_SAY = (
    r"(?:says?|mentions?|confirms?|reads?\s+(?:back|out)|repeats?|offers?|states?|"
    r"tells?(?:\s+the\s+(?:caller|user|customer))?|informs?\s+the\s+(?:caller|user|customer)|"
    r"(?:responds?|repl(?:y|ies)|answers?)\s+with|uses?\s+the\s+(?:phrase|words?|expression)|"
    r"includes?|provides?|gives?|quotes?|spells?(?:\s+out)?|recites?|asks?(?:\s+for)?|"
    r"suggests?|recommends?|reveals?|shares?|discloses?)"
)
_NEG_SAY = (
    r"(?:says?|mentions?|reveals?|shares?|discloses?|"
    r"tells?(?:\s+the\s+(?:caller|user|customer))?|states?|confirms?|repeats?|"
    r"reads?\s+(?:out|back)|offers?|uses?(?:\s+the\s+(?:phrase|words?|expression))?|"
    r"gives?(?:\s+out|\s+away)?|provides?|includes?|asks?(?:\s+for)?|quotes?|"
    r"spells?(?:\s+out)?|recommends?|suggests?)"
)
_FILLER = r"(?P<filler>[^\"`]*?)"
_QUOTED = r"(?:\"[^\"]+\"|'[^']+')"
_SEP = r"(?:\s*,\s*(?:or\s+|and\s+)?|\s+or\s+|\s+and\s+)"
_QUOTES = rf"(?P<tail>{_QUOTED}(?:{_SEP}{_QUOTED})*)"
_SAY_END = r"(?:\s+(?:to\s+the\s+(?:caller|user|customer)|at\s+least\s+once|verbatim))?$"
# Words that make a sentence more than "some reply contains X": those need a judge.
_HEDGES = re.compile(
    r"n't|\b(?:not|never|no|nothing|without|neither|nor|instead|rather|except|unless|if|when|"
    r"before|after|only|until|but|other|anything|unless|first|last|again|twice)\b",
    re.IGNORECASE,
)

_TOOL_VERB = (
    r"(?:calls?|invokes?|uses?|triggers?|runs?|executes?|makes?\s+a\s+(?:tool\s+|function\s+)?"
    r"call\s+to)"
)
_TOOL_NAME = (
    r"(?:the\s+)?(?:(?:tool|function)\s+)?`(?P<bt>[^`]+)`(?:\s+(?:tool|function))?"
    r"|(?:the\s+)?(?:tool|function)\s+(?P<after>[A-Za-z_][\w.-]*)"
    r"|(?:the\s+)?(?P<before>[A-Za-z_][\w.-]*)\s+(?:tool|function)"
)
_TOOL_ARGS = (
    r"(?:\s+with\s+(?:(?:the\s+)?(?:arguments?|args|parameters?|params|input)\s*:?\s*)?"
    r"(?P<args>\{.*\}))?(?:\s+at\s+least\s+once)?$"
)

_END_VERB = (
    r"(?:(?:ends?|terminates?|closes?|finish(?:es)?|concludes?|wraps?\s+up)\s+the\s+"
    r"(?:call|conversation|chat|session)|hangs?\s+up(?:\s+the\s+(?:call|phone))?|"
    r"disconnects?(?:\s+the\s+call)?)"
)

_NUMBER_UNIT = (
    r"(?P<num>\d+(?:[.,]\d+)?)\s*"
    r"(?P<unit>ms|millisec(?:ond)?s?|s|secs?|seconds?)"
)
_TIME_LIMIT = (
    r"(?:within|in\s+under|under|below|in\s+less\s+than|less\s+than|(?:in\s+)?at\s+most|"
    r"(?:in\s+)?no\s+(?:more|longer|slower)\s+than|not\s+more\s+than|<=?|≤|"
    r"never\s+exceeds|does\s+not\s+exceed|doesn't\s+exceed|is\s+never\s+(?:over|above))"
)
_TURN_LIMIT = (
    r"(?P<op>(?:in\s+)?(?:at\s+most|no\s+more\s+than|not\s+more\s+than|fewer\s+than|"
    r"less\s+than|under|up\s+to|a\s+maximum\s+of|max(?:imum)?(?:\s+of)?)|within|<=?|≤)"
)
_STRICT = re.compile(r"fewer|less|under|^<$", re.IGNORECASE)


@functools.lru_cache(maxsize=4096)  # checks are frozen; a suite's criteria repeat on every run
def parse_criterion(criterion: str) -> Check | None:
    """The check a criterion sentence asks for, or None when no recogniser understands it."""
    text = " ".join(criterion.translate(_TYPOGRAPHY).split()).rstrip(" .!;,")
    for pattern, build in _RECOGNISERS:
        match = pattern.match(text)
        if match:
            check = build(match)
            if check is not None:
                return check
    return None


def _phrases(tail: str) -> tuple[tuple[str, ...], str] | None:
    """The quoted phrases of a tail and how they are joined ("or" / "and"), None if mixed."""
    phrases = tuple(m[1:-1].strip() for m in re.findall(_QUOTED, tail))
    joiners = set(re.findall(r"\b(or|and)\b", re.sub(_QUOTED, " ", tail), re.IGNORECASE))
    joiners = {j.lower() for j in joiners}
    if len(joiners) > 1 or not all(phrases):
        return None
    return phrases, (joiners.pop() if joiners else "or")


def _must_say(match: re.Match[str]) -> Check | None:
    parsed = _phrases(match["tail"])
    if parsed is None or _HEDGES.search(match["filler"]):
        return None
    phrases, joiner = parsed
    return MustSay(phrases, require_all=joiner == "and")


def _must_not_say(match: re.Match[str]) -> Check | None:
    parsed = _phrases(match["tail"])
    if parsed is None or _HEDGES.search(match["filler"]):
        return None
    return MustNotSay(parsed[0])


def _tool(expected: bool) -> Builder:
    def build(match: re.Match[str]) -> Check | None:
        name = match["bt"] or match["after"] or match["before"]
        arguments = None
        if match["args"]:
            try:
                arguments = json.loads(match["args"])
            except json.JSONDecodeError:
                return None
            if not isinstance(arguments, dict):
                return None
        return ToolCalled(name.strip(), arguments, expected=expected)

    return build


def _ended(who: str, negate: bool) -> Builder:
    return lambda match: EndedBy(who, negate)


def _ended_passive(match: re.Match[str]) -> Check | None:
    who = "caller" if re.fullmatch(_CALLER_WORD, match["who"], re.IGNORECASE) else "agent"
    return EndedBy(who)


def _language(match: re.Match[str]) -> Check | None:
    code = language_code(match["lang"])
    return RepliesIn(code) if code else None


def _latency(match: re.Match[str]) -> Check | None:
    value = float(match["num"].replace(",", "."))
    unit = match["unit"].lower()
    return MaxLatency(value if unit.startswith("m") else value * 1000)


def _turns(match: re.Match[str]) -> Check | None:
    limit = int(match["n"])
    if _STRICT.search(match["op"]):
        limit -= 1
    return MaxTurns(limit) if limit >= 0 else None


def _pii(match: re.Match[str]) -> Check | None:
    return NoPersonalData()


def _compile(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


_RECOGNISERS: list[tuple[re.Pattern[str], Builder]] = [
    (
        _compile(
            rf"^{_AGENT}{_MODAL}{_NEG}{_ADVERB}(?:reveals?|shares?|discloses?|mentions?|exposes?|"
            r"leaks?|says?|gives?\s+(?:out|away)|reads?\s+out|repeats?|provides?|tells?)\s+(?:any\s+)?(?:[\w']+\s+){0,3}?"
            r"(?:(?:personal|private|sensitive|confidential)\s+(?:data|information|info|details)"
            r"|pii|personally\s+identifiable\s+information)"
            r"(?:\s+(?:of|about)\s+(?:[\w']+\s+){0,3}?[\w']+)?$"
        ),
        _pii,
    ),
    (
        _compile(rf"^{_AGENT}{_MODAL}{_NEG}{_ADVERB}{_TOOL_VERB}\s+(?:{_TOOL_NAME}){_TOOL_ARGS}"),
        _tool(False),
    ),
    (
        _compile(rf"^{_AGENT}{_MODAL}{_ADVERB}{_TOOL_VERB}\s+(?:{_TOOL_NAME}){_TOOL_ARGS}"),
        _tool(True),
    ),
    (
        _compile(
            rf"^{_AGENT}{_MODAL}{_NEG}{_ADVERB}{_NEG_SAY}\s*:?\s*{_FILLER}\s*{_QUOTES}{_SAY_END}"
        ),
        _must_not_say,
    ),
    (
        _compile(rf"^{_AGENT}{_MODAL}{_ADVERB}{_POS_SAY}\s*:?\s*{_FILLER}\s*{_QUOTES}{_SAY_END}"),
        _must_say,
    ),
    (_compile(rf"^{_AGENT}{_MODAL}{_NEG}{_ADVERB}{_END_VERB}$"), _ended("agent", True)),
    (_compile(rf"^{_CALLER}{_MODAL}{_NEG}{_ADVERB}{_END_VERB}$"), _ended("caller", True)),
    (
        _compile(rf"^{_AGENT}{_MODAL}{_ADVERB}{_END_VERB}(?:\s+(?:first|itself))?$"),
        _ended("agent", False),
    ),
    (_compile(rf"^{_CALLER}{_MODAL}{_ADVERB}{_END_VERB}(?:\s+first)?$"), _ended("caller", False)),
    (
        _compile(
            r"^(?:the\s+)?(?:call|conversation|chat)\s+is\s+(?:ended|terminated|closed)\s+by\s+"
            rf"(?P<who>{_AGENT_WORD}|{_CALLER_WORD})$"
        ),
        _ended_passive,
    ),
    (
        _compile(
            rf"^{_AGENT}{_MODAL}{_ADVERB}(?:(?:repl(?:y|ies)|responds?|answers?|speaks?|talks?|"
            r"communicates?|converses?|writes?)\s+(?:only\s+|entirely\s+|fully\s+)?in|"
            r"switch(?:es)?\s+to|continues?\s+in)\s+(?P<lang>[^\W\d_]+(?:\s+[^\W\d_]+)?)$"
        ),
        _language,
    ),
    (
        _compile(
            r"^(?:every|each|all|all\s+of\s+the|any)\s+(?:(?:agent|assistant)(?:'s)?\s+)?"
            r"(?:repl(?:y|ies)|responses?|answers?|turns?|messages?)"
            r"(?:\s+(?:from|of|by)\s+the\s+(?:agent|assistant))?"
            rf"(?:\s+[a-z']+){{0,3}}?\s+{_TIME_LIMIT}\s+{_NUMBER_UNIT}$"
        ),
        _latency,
    ),
    (
        _compile(
            rf"^{_AGENT}{_MODAL}{_ADVERB}(?:repl(?:y|ies)|responds?|answers?)\s+{_TIME_LIMIT}\s+"
            rf"{_NUMBER_UNIT}$"
        ),
        _latency,
    ),
    (
        _compile(
            r"^(?:the\s+)?(?:(?:agent|assistant)(?:'s)?\s+)?(?:(?:max(?:imum)?|worst(?:-case)?|"
            r"highest|peak)\s+)?(?:response\s+|reply\s+)?latency\s+(?:(?:is|stays|remains|must\s+be|"
            rf"should\s+be|must\s+stay|should\s+stay)\s+)?{_TIME_LIMIT}\s+{_NUMBER_UNIT}$"
        ),
        _latency,
    ),
    (
        _compile(
            r"^(?:the\s+)?(?:conversation|call|chat|dialog(?:ue)?)(?:\s+[a-z]+){0,3}?\s+"
            rf"{_TURN_LIMIT}\s+(?P<n>\d+)\s+(?:agent\s+)?(?:turns?|replies|exchanges|rounds)$"
        ),
        _turns,
    ),
    (
        _compile(
            rf"^{_AGENT}{_MODAL}(?:repl(?:y|ies)|responds?|answers?|speaks?)\s+{_TURN_LIMIT}\s+"
            r"(?P<n>\d+)\s+times$"
        ),
        _turns,
    ),
]
