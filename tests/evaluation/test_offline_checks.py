"""Each offline recogniser: a criterion sentence decided on a hand-built transcript."""

from __future__ import annotations

import pytest

from sparring.domain.scenario import ScenarioSpec
from sparring.domain.status import EndReason
from sparring.domain.transcript import Role, ToolCall, Transcript, Turn
from sparring.evaluation.base import Conversation
from sparring.evaluation.checks import (
    EndedBy,
    MaxLatency,
    MaxTurns,
    MustNotSay,
    MustSay,
    NoPersonalData,
    RepliesIn,
    ToolCalled,
    arguments_match,
)
from sparring.evaluation.offline import OfflineCriteriaJudge
from sparring.evaluation.recognisers import parse_criterion


def turn(role: Role, text: str, i: int, latency: float | None = None, **kw: object) -> Turn:
    return Turn(role, text, start=2.0 * i, end=2.0 * i + 1, latency_ms=latency, **kw)  # type: ignore[arg-type]


BOOK = ToolCall("book_appointment", {"day": "Tuesday", "time": "10:00", "patient": {"id": 7}})


def booking(end: EndReason | None = EndReason.AGENT_ENDED) -> Transcript:
    return Transcript(
        turns=[
            turn(Role.CALLER, "Hi, I'd like an appointment. My number is 555-123-4567.", 0),
            turn(Role.AGENT, "Hello! Sure, I can book that for you. What day works?", 1, 800),
            turn(Role.CALLER, "Tuesday please.", 2),
            turn(Role.AGENT, "Booked for   TUESDAY at 10 am.", 3, 1200, tool_calls=(BOOK,)),
            turn(Role.CALLER, "Thanks, bye.", 4),
            turn(Role.AGENT, "Goodbye! Have a nice day.", 5, 400),
        ],
        end_reason=end,
    )


async def decide(criterion: str, transcript: Transcript) -> tuple[bool | None, str, list[int]]:
    conversation = Conversation(ScenarioSpec(name="s"), transcript)
    [verdict] = await OfflineCriteriaJudge().judge([criterion], conversation)
    assert verdict.prompt_part == criterion
    return verdict.aligned, verdict.outcome, [e.turn for e in verdict.evidence]


CASES = [
    # says / mentions / confirms … (case- and whitespace-insensitive, evidence = first reply)
    ('The agent says "booked for tuesday"', True, [3]),
    ('The agent confirms "Tuesday at 10 AM"', True, [3]),
    ('The agent mentions the day "Wednesday" or "Tuesday"', True, [3]),
    ('The agent tells the caller "goodbye"', True, [5]),
    ('The agent says "goodbye" and "sure"', True, [5, 1]),
    ('The agent says "goodbye" and "cancelled"', False, [5]),
    ('The agent says "cancelled"', False, []),
    ('Agent offers "Monday" or "Friday"', False, []),
    ("The agent reads back 'TUESDAY'", True, [3]),
    ("The agent should say: “nice day”", True, [5]),
    # never says
    ('The agent never says "cancelled"', True, []),
    ('The agent does not reveal "Have a NICE day"', False, [5]),
    ('The agent must not mention "Monday" or "sure"', False, [1]),
    ("The agent doesn’t say “sorry”", True, []),
    # tool calls
    ("The agent calls `book_appointment`", True, [3]),
    ('The agent calls `book_appointment` with {"day": "tuesday"}', True, [3]),
    ('The agent calls `book_appointment` with {"patient": {"id": 7}, "time": "10:00"}', True, [3]),
    ('The agent calls `book_appointment` with {"day": "Monday"}', False, [3]),
    ("The agent calls `cancel_appointment`", False, []),
    ("The agent uses the book_appointment tool", True, [3]),
    ("The agent does not call `cancel_appointment`", True, []),
    ("The agent never calls `book_appointment`", False, [3]),
    ('The agent does not call `book_appointment` with {"day": "Monday"}', True, [3]),
    # ending
    ("The agent ends the call", True, [5]),
    ("The agent hangs up", True, [5]),
    ("The caller ends the call", False, [5]),
    ("The agent does not end the call", False, [5]),
    ("The agent does not hang up", False, [5]),
    ("The call is ended by the agent", True, [5]),
    # language of the last reply
    ("The agent replies in English", True, [5]),
    ("The agent replies in Spanish", False, [5]),
    # latency
    ("Every agent reply arrives within 2 seconds", True, [3]),
    ("Every agent reply arrives within 1000 ms", False, [3]),
    ("The agent responds within 1.2 s", True, [3]),
    ("Response latency is under 1 s", False, [3]),
    # turns (agent replies)
    ("The conversation takes at most 3 turns", True, []),
    ("The conversation takes at most 2 turns", False, [5]),
    ("The call ends in fewer than 3 turns", False, [5]),
    ("The agent replies at most 3 times", True, []),
    # personal data: the caller's own number read back is fine
    ("The agent does not reveal personal data", True, []),
]


@pytest.mark.parametrize(("criterion", "aligned", "turns"), CASES)
async def test_recogniser_decides_with_evidence(
    criterion: str, aligned: bool, turns: list[int]
) -> None:
    got, why, evidence = await decide(criterion, booking())
    assert got is aligned, why
    assert evidence == turns
    assert why


@pytest.mark.parametrize(
    "criterion",
    [
        "The agent greets the caller warmly",
        'The agent says "hello" politely',
        'The agent says nothing about "price"',
        'The agent never says anything but "ok"',
        "The agent replies in Klingon",
        "The agent calls `book` with {not json}",
        'The agent says "a" or "b" and "c"',
        "",
    ],
)
async def test_unreadable_criterion_is_inconclusive_never_a_pass(criterion: str) -> None:
    aligned, why, evidence = await decide(criterion, booking())
    assert aligned is None
    assert "no offline check" in why
    assert evidence == []


async def test_ending_unknown_is_inconclusive() -> None:
    aligned, why, _ = await decide("The agent ends the call", booking(end=None))
    assert aligned is None
    assert "does not record" in why


async def test_caller_ended_and_other_endings() -> None:
    assert (await decide("The caller hangs up", booking(EndReason.CALLER_ENDED)))[0] is True
    aligned, why, _ = await decide("The agent ends the call", booking(EndReason.MAX_TURNS))
    assert aligned is False
    assert "max-turns-reached" in why
    assert (await decide("The agent does not end the call", booking(EndReason.MAX_TURNS)))[0]


async def test_language_of_last_reply() -> None:
    spanish = Transcript(
        [
            turn(Role.AGENT, "Hello, how can I help you?", 0, 300),
            turn(Role.CALLER, "¿Habla español?", 1),
            turn(Role.AGENT, "Sí, claro. ¿En qué puedo ayudarle hoy?", 2, 500),
        ]
    )
    assert (await decide("The agent replies in Spanish", spanish))[:3:2] == (True, [2])
    assert (await decide("The agent switches to español", spanish))[0] is True
    assert (await decide("The agent replies in English", spanish))[0] is False
    short = Transcript([turn(Role.AGENT, "OK 123", 0)])
    assert (await decide("The agent replies in French", short))[0] is None
    silent = Transcript([turn(Role.CALLER, "Hello?", 0)])
    aligned, why, _ = await decide("The agent replies in French", silent)
    assert (aligned, why) == (False, "the agent never replied")


async def test_latency_without_measurements_is_inconclusive() -> None:
    untimed = Transcript([turn(Role.AGENT, "Hi", 0)])
    aligned, why, _ = await decide("Every agent reply arrives within 2 s", untimed)
    assert aligned is None
    assert "no reply latency" in why


async def test_latency_failure_names_each_slow_reply() -> None:
    _, why, evidence = await decide("Each reply takes at most 500 ms", booking())
    assert why == "2 of 3 replies took over 500 ms; slowest 1200 ms (turn 3)"
    assert evidence == [1, 3]


async def test_tool_failure_says_what_was_called() -> None:
    _, why, _ = await decide('The agent calls `book_appointment` with {"day": "Monday"}', booking())
    assert why.startswith("called `book_appointment` only with other arguments")
    _, why, _ = await decide("The agent calls `transfer`", booking())
    assert why == "never called `transfer` (called: book_appointment)"


async def test_must_say_quote_is_the_reply_and_reason_names_turn() -> None:
    conversation = Conversation(ScenarioSpec(name="s"), booking())
    [v] = await OfflineCriteriaJudge().judge(['The agent says "tuesday"'], conversation)
    assert v.outcome == 'said "tuesday" (turn 3)'
    assert v.evidence[0].quote == "Booked for   TUESDAY at 10 am."


def test_long_reply_is_quoted_around_the_match() -> None:
    long = "x " * 300 + "the secret phrase" + " y" * 300
    result = MustSay(("secret phrase",)).run(Transcript([turn(Role.AGENT, long, 0)]))
    quote = result.evidence[0].quote
    assert "secret phrase" in quote
    assert len(quote) < 250
    assert quote.startswith("…")
    assert quote.endswith("…")


@pytest.mark.parametrize(
    ("expected", "actual", "match"),
    [
        ({"a": "X "}, {"a": "x", "b": 1}, True),
        ({"a": 1}, {"a": "1"}, True),
        ({"a": 1}, {"a": 2}, False),
        ({"a": [1, "B"]}, {"a": [1, "b"]}, True),
        ({"a": [1]}, {"a": [1, 2]}, False),
        ({"a": {"b": 1}}, {"a": "b"}, False),
        ({"missing": 1}, {}, False),
    ],
)
def test_arguments_are_a_case_insensitive_subset(
    expected: dict[str, object], actual: dict[str, object], match: bool
) -> None:
    assert arguments_match(expected, actual) is match


@pytest.mark.parametrize(
    "check",
    [
        MustSay(("a", "b"), require_all=True),
        ToolCalled("book", {"day": "Tuesday"}),
        ToolCalled("cancel", expected=False),
        MaxLatency(1500),
        MustNotSay(("x", "y")),
        EndedBy("caller", negate=True),
        EndedBy("agent"),
        RepliesIn("de"),
        MaxTurns(4),
        NoPersonalData(),
    ],
)
def test_describe_reads_back_as_the_same_check(check: object) -> None:
    assert parse_criterion(check.describe()) == check  # type: ignore[attr-defined]
