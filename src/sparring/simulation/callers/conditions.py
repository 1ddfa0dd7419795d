"""Deciding, without an LLM, whether the agent's reply meets a Cekura condition.

Two kinds of condition text are understood:

* **contains tests** — `contains "x"`, joined by `OR` / `AND` (AND binds tighter, as usual),
  case-insensitive substring tests on the agent's reply. They are exact: use them for
  deterministic scripted runs.
* **descriptions** — anything else, e.g. "The agent asks for your date of birth". Matched by
  keyword overlap: the description's content words (boilerplate such as "agent", "asks", "your"
  removed, light stemming so "confirms"/"confirmed" agree) are compared with the reply's words,
  and the condition matches when at least half of them occur in the reply. A description with no
  content words never matches. This is a heuristic; the LLM caller judges descriptions properly.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

_TOKEN = re.compile(
    r"""\s*(?:contains\s*(?:"(?P<dq>[^"]*)"|'(?P<sq>[^']*)'|“(?P<cq>[^”]*)”)|(?P<op>AND|OR)\b)\s*""",
    re.IGNORECASE,
)
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")

_STOPWORD_TEXT = """
    a about above after again all also am an and any are as at be been before being both but by
    can could did do does doing done each either for from had has have having he her here hers
    him his how i if in into is it its itself just let me more most my myself no nor not now of
    off on once only or other our ours out over own please same she should so some such than that
    the their theirs them then there these they this those through to too under until up very was
    we were what when whenever where whether which while who whom why will with would yes yet you
    your yours yourself
    agent agents bot assistant representative caller user customer person someone they
    ask asks asked asking say says said saying tell tells told telling mention mentions mentioned
    request requests requested inquire inquires inquired want wants wanted question questions
    respond responds responded response reply replies replied provide provides provided give
    gives gave start starts started begin begins try tries tried
"""
_STOPWORDS = frozenset(_STOPWORD_TEXT.split())


@dataclass(frozen=True, slots=True)
class ContainsTest:
    """An OR of AND-groups of substrings (lowercased)."""

    groups: tuple[tuple[str, ...], ...]

    def matches(self, reply: str) -> bool:
        text = reply.lower()
        return any(all(needle in text for needle in group) for group in self.groups)


def parse_contains(condition: str) -> ContainsTest | None:
    """The contains test written in `condition`, or None if it is not (only) contains tests."""
    groups: list[list[str]] = []
    expect_test, position = True, 0
    for match in _TOKEN.finditer(condition):
        if match.start() != position:
            return None
        position = match.end()
        op = match["op"]
        if expect_test == (op is not None):
            return None
        if op is None:
            needle = next(g for g in (match["dq"], match["sq"], match["cq"]) if g is not None)
            if not groups:
                groups.append([])
            groups[-1].append(needle.lower())
        elif op.upper() == "OR":
            groups.append([])
        expect_test = op is not None
    if position != len(condition) or expect_test or not groups:
        return None
    return ContainsTest(tuple(tuple(group) for group in groups))


def keywords(text: str) -> set[str]:
    """Stemmed content words of `text`."""
    words = (_stem(w) for w in _WORD.findall(text.lower().replace("’", "'")))
    return {w for w in words if w and w not in _STOPWORDS}


def description_matches(description: str, reply: str) -> bool:
    """Keyword overlap: at least half of the description's content words are in the reply."""
    wanted = keywords(description)
    if not wanted:
        return False
    found = wanted & keywords(reply)
    return len(found) >= max(1, math.ceil(len(wanted) / 2))


def condition_matches(condition: str, reply: str) -> bool:
    """Whether the agent's `reply` meets a standard condition's text."""
    test = parse_contains(condition)
    if test is not None:
        return test.matches(reply)
    return description_matches(condition, reply)


def _stem(word: str) -> str:
    """A light suffix stripper: enough for "confirms", "confirmed", "confirming" to agree."""
    if word.endswith("'s"):
        word = word[:-2]
    if word in _STOPWORDS:
        return word
    if len(word) > 4 and word.endswith("ies"):
        word = word[:-3] + "y"
    elif word.endswith(("sses", "xes", "zes", "ches", "shes")):
        word = word[:-2]
    elif len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    for suffix in ("ing", "ed"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)]
            break
    if len(word) > 3 and word.endswith("e"):
        word = word[:-1]
    if len(word) > 3 and word[-1] == word[-2] and word[-1] not in "lsz":
        word = word[:-1]
    return word
