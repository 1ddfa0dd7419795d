"""Split an expected-outcome text into criteria, one checkable claim each.

A criterion ends at a newline, at a bullet ("- ", "* ", "• ", "1. ", "1) ") and at a sentence
end (". ", "! ", "? " before a capital letter or a quote), but never inside quotes or backticks:
`The agent says "Hi. How can I help?"` stays one criterion. A line that ends with ":" is a
lead-in ("The agent should:") and is dropped; the bullets under it are the criteria.
"""

from __future__ import annotations

import re

_BULLET = re.compile(r"^\s*(?:[-*•]|\d{1,3}[.)])\s+")
_ABBREVIATIONS = frozenset(
    {"e.g", "i.e", "etc", "dr", "mr", "mrs", "ms", "st", "vs", "no", "a.m", "p.m", "approx"}
)
_SENTENCE_END = ".!?"
_OPENING = {'"': '"', "“": "”", "`": "`", "«": "»"}


def split_criteria(text: str) -> list[str]:
    """The criteria of an expected outcome, in order, without bullets and trailing periods."""
    criteria: list[str] = []
    for line in text.splitlines():
        line = _BULLET.sub("", line).strip()
        if not line or line.endswith(":"):
            continue
        for sentence in _split_sentences(line):
            cleaned = _clean(sentence)
            if cleaned:
                criteria.append(cleaned)
    return criteria


def _split_sentences(line: str) -> list[str]:
    """Cut one line at sentence ends that are outside quotes."""
    pieces: list[str] = []
    start = 0
    closing: str | None = None
    for i, char in enumerate(line):
        if closing is not None:
            if char == closing and _closes_single(line, i, closing):
                closing = None
                # 'says "Bye." Then …': the quote ended the sentence.
                if line[i - 1] in _SENTENCE_END and _next_starts_sentence(line, i):
                    pieces.append(line[start : i + 1])
                    start = i + 1
            continue
        if char in _OPENING or (char == "'" and _opens_single(line, i)):
            closing = _OPENING.get(char, "'")
            continue
        if char in _SENTENCE_END and _ends_sentence(line, start, i):
            pieces.append(line[start : i + 1])
            start = i + 1
    pieces.append(line[start:])
    return pieces


def _opens_single(line: str, i: int) -> bool:
    # An apostrophe inside a word ("caller's") is not a quote; one after a space is.
    before = line[i - 1] if i > 0 else " "
    after = line[i + 1] if i + 1 < len(line) else " "
    return (before.isspace() or before in "(:") and not after.isspace() and "'" in line[i + 1 :]


def _closes_single(line: str, i: int, closing: str) -> bool:
    if closing != "'":
        return True
    after = line[i + 1] if i + 1 < len(line) else " "
    return not after.isalnum()


def _next_starts_sentence(line: str, i: int) -> bool:
    rest = line[i + 1 :]
    if not rest[:1].isspace():
        return False  # "2.5 s", "a.m." or the end of the line
    following = rest.lstrip()[:1]
    return following.isupper() or following in _OPENING or following == "'"


def _ends_sentence(line: str, start: int, i: int) -> bool:
    if not _next_starts_sentence(line, i):
        return False
    word = line[start:i].rsplit(maxsplit=1)[-1].lower() if line[start:i].strip() else ""
    return line[i] != "." or word.strip("(") not in _ABBREVIATIONS


def _clean(sentence: str) -> str:
    sentence = " ".join(sentence.split())
    return sentence.rstrip(" .;,")
