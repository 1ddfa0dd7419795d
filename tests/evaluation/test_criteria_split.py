"""Splitting an expected outcome into criteria."""

from __future__ import annotations

import pytest

from sparring.evaluation.criteria import split_criteria


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", []),
        ("   \n  \n", []),
        ("The agent says hello.", ["The agent says hello"]),
        (
            "The agent greets the caller. The agent books Tuesday! Is it polite? Yes.",
            ["The agent greets the caller", "The agent books Tuesday!", "Is it polite?", "Yes"],
        ),
        (
            '- The agent says "hi"\n* The agent ends the call\n• Third\n1. Fourth\n2) Fifth',
            ['The agent says "hi"', "The agent ends the call", "Third", "Fourth", "Fifth"],
        ),
        (
            'The agent says "Hi. How can I help? Bye." Then it waits.',
            ['The agent says "Hi. How can I help? Bye."', "Then it waits"],
        ),
        (
            "The agent says “Done. Thanks.” And stops.",
            ["The agent says “Done. Thanks.”", "And stops"],
        ),
        ("The agent calls `a.b. C` now. Next one.", ["The agent calls `a.b. C` now", "Next one"]),
        (
            "The agent says 'Hello. Bye' to the caller.",
            ["The agent says 'Hello. Bye' to the caller"],
        ),
        ("The caller's name. The agent's reply.", ["The caller's name", "The agent's reply"]),
        ("Replies within 2.5 s. Then ends.", ["Replies within 2.5 s", "Then ends"]),
        (
            "Meet Dr. Smith at 10 a.m. Monday. Then stop.",
            ["Meet Dr. Smith at 10 a.m. Monday", "Then stop"],
        ),
        ("e.g. something. Another", ["e.g. something", "Another"]),
        ("lower case. is not a new sentence", ["lower case. is not a new sentence"]),
        (
            'The agent should:\n- say "hi"\n- end the call',
            ['say "hi"', "end the call"],
        ),
        ("A\r\nB\r\n", ["A", "B"]),
    ],
)
def test_split_criteria(text: str, expected: list[str]) -> None:
    assert split_criteria(text) == expected
