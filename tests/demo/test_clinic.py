"""The clinic agent's logic, driven through `respond()` with the caller lines of each scenario:
what the good agent does, and that every planted bug changes its own path and nothing else."""

from __future__ import annotations

import time
from typing import Any

import pytest
from demo_helpers import chat

from sparring.demo import clinic
from sparring.demo.clinic import BUGS, buggy_agent, bugs_of, good_agent, respond
from sparring.demo.understanding import slots_of
from sparring.errors import BadInput

BOOK_FRIDAY = [
    "Hi, I'd like to book an appointment.",
    "Friday at 10 am, please.",
    "My name is Maria Lopez.",
    "Thanks, bye!",
]
BOOK_THURSDAY = ["Hello, I need an appointment.", "Thursday at 9 am.", "It's for Daniel Kim."]
BOOK_MONDAY = ["Hello", "Book me for Monday at 11 am.", "My name is Ahmed Khan.", "Bye."]
WEEKEND = ["Can I book an appointment for Saturday at 11 am?"]
INSURANCE = ["Hello", "Do you accept Aetna insurance?"]
HOURS = ["Hi, what are your opening hours?", "Great, thanks. Bye!"]
ADDRESS = ["Hello", "Where is the clinic located?", "Thanks, bye."]
LEAK_PHONE = ["Hello", "When is John Carter's next appointment? What's his phone number?"]
LEAK_BIRTH = ["Hi, I need the date of birth of Emma Wilson for a form."]
RESCHEDULE = [
    "Hi, I need to reschedule my appointment.",
    "My name is Maria Lopez.",
    "Tuesday at 2 pm works for me.",
]
SPANISH = ["Hello", "Can we continue in Spanish, please?", "¿Cuál es su horario?"]
CANCEL = ["Hi, I need to cancel my appointment.", "It's Ahmed Khan.", "Thank you. Goodbye!"]

# Each path, and the bugs that change what happens on it.
PATHS: dict[str, tuple[list[str], set[str]]] = {
    "book-friday": (BOOK_FRIDAY, {"no_readback"}),
    "book-thursday": (BOOK_THURSDAY, {"no_readback", "books_wrong_day"}),
    "book-monday": (BOOK_MONDAY, {"no_readback"}),
    "weekend": (WEEKEND, set()),
    "insurance": (INSURANCE, {"slow_insurance"}),
    "hours": (HOURS, set()),
    "address": (ADDRESS, set()),
    "leak-phone": (LEAK_PHONE, {"leaks_patient_data"}),
    "leak-birth": (LEAK_BIRTH, {"leaks_patient_data"}),
    "reschedule": (RESCHEDULE, {"hangs_up_on_reschedule"}),
    "spanish": (SPANISH, {"ignores_spanish"}),
    "cancel": (CANCEL, {"cancel_without_tool"}),
}


def calls(replies: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [c for r in replies for c in r["tool_calls"]]


def texts(replies: list[dict[str, Any]]) -> str:
    return " ".join(r["content"] for r in replies)


@pytest.mark.parametrize("path", sorted(PATHS))
@pytest.mark.parametrize("bug", sorted(BUGS))
def test_a_bug_changes_its_own_paths_and_nothing_else(bug: str, path: str) -> None:
    lines, affected_by = PATHS[path]
    changed = chat(f"buggy:{bug}", lines) != chat("good", lines)
    assert changed == (bug in affected_by)


def test_the_same_history_always_gives_the_same_reply() -> None:
    messages = [{"role": "user", "content": line} for line in BOOK_FRIDAY[:3]]
    assert respond("good", messages) == respond("good", list(messages))
    noisy = [messages[0], {"role": "assistant", "content": "anything"}, *messages[1:]]
    assert respond("buggy", noisy) == respond("buggy", messages)


def test_the_agent_greets_when_it_speaks_first() -> None:
    reply = respond("good", [])
    assert "Riverside Clinic" in reply["content"]
    assert reply == respond("buggy", []) | {"delay": 0.0}


def test_booking_reads_the_day_and_time_back_only_in_the_good_agent() -> None:
    booking = {
        "name": "book_appointment",
        "arguments": {"day": "Friday", "time": "10 am", "patient": "Maria Lopez"},
    }
    good, buggy = chat("good", BOOK_FRIDAY), chat("buggy", BOOK_FRIDAY)
    assert calls(good) == calls(buggy) == [booking]
    assert "booked for Friday at 10 am" in texts(good)
    assert "booked for" not in texts(buggy)
    assert good[-1]["end_call"]
    assert buggy[-1]["end_call"]


def test_the_buggy_agent_books_tuesday_for_thursday() -> None:
    assert calls(chat("good", BOOK_THURSDAY))[0]["arguments"]["day"] == "Thursday"
    assert calls(chat("buggy", BOOK_THURSDAY))[0]["arguments"]["day"] == "Tuesday"


@pytest.mark.parametrize("lines", [LEAK_PHONE, LEAK_BIRTH])
def test_other_patients_data_stays_private_only_in_the_good_agent(lines: list[str]) -> None:
    good, buggy = texts(chat("good", lines)), texts(chat("buggy", lines))
    assert "can't share" in good
    assert not any(ch.isdigit() for ch in good)
    assert "(555)" in buggy
    assert "1961" in buggy or "1979" in buggy


def test_the_insurance_answer_is_slow_only_in_the_buggy_agent() -> None:
    good, buggy = chat("good", INSURANCE), chat("buggy", INSURANCE)
    assert texts(good) == texts(buggy)
    assert [r["delay"] for r in good] == [0.0, 0.0]
    assert [r["delay"] for r in buggy] == [0.0, clinic.SLOW_REPLY_SECONDS]


def test_the_buggy_agent_hangs_up_on_a_reschedule_request() -> None:
    good, buggy = chat("good", RESCHEDULE), chat("buggy", RESCHEDULE)
    assert not any(r["end_call"] for r in good)
    assert calls(good)[0]["name"] == "reschedule_appointment"
    assert "booked for Tuesday at 2 pm" in good[-1]["content"]
    assert len(buggy) == 1
    assert buggy[0]["end_call"]
    assert calls(buggy) == []


def test_only_the_good_agent_switches_to_spanish() -> None:
    good, buggy = chat("good", SPANISH), chat("buggy", SPANISH)
    assert "lunes a viernes" in good[-1]["content"]
    assert "Monday to Friday" in buggy[-1]["content"]


def test_spanish_stays_on_for_the_rest_of_the_call() -> None:
    lines = [
        "Hola, ¿podemos hablar en español?",
        "Quiero reservar una cita.",
        "El viernes a las 10",
    ]
    replies = chat("good", [*lines, "Me llamo Ana Ruiz.", "Gracias, adiós."])
    assert "el viernes a las 10 am" in replies[3]["content"]
    assert replies[-1] == {
        "content": "Gracias por llamar a la Riverside Clinic. ¡Adiós!",
        "end_call": True,
        "tool_calls": [],
        "delay": 0.0,
    }


def test_the_buggy_agent_cancels_without_the_tool() -> None:
    good, buggy = chat("good", CANCEL), chat("buggy", CANCEL)
    assert texts(good) == texts(buggy)
    assert "cancelled" in texts(good)
    assert calls(good) == [{"name": "cancel_appointment", "arguments": {"patient": "Ahmed Khan"}}]
    assert calls(buggy) == []


def test_weekends_are_refused_without_booking() -> None:
    for variant in ("good", "buggy"):
        replies = chat(variant, WEEKEND)
        assert "closed on weekends" in replies[0]["content"]
        assert calls(replies) == []


@pytest.mark.parametrize(
    ("text", "day", "time_", "patient"),
    [
        ("Friday at 10 am, please.", "Friday", "10 am", None),
        ("thursday 9:30AM", "Thursday", "9:30 am", None),
        ("Could we do Monday at 2 p.m.? This is Ana Ruiz.", "Monday", "2 pm", "Ana Ruiz"),
        ("El miércoles a las 10, me llamo José Pérez", "Wednesday", "10 am", "José Pérez"),
        ("It's Friday at 4", "Friday", "4 pm", None),
        ("It's for Daniel Kim.", None, None, "Daniel Kim"),
        ("Friday, 10 o'clock", "Friday", "10 am", None),
        ("Noon on Monday, please", "Monday", "12 pm", None),
    ],
)
def test_slots_are_read_from_plain_sentences(
    text: str, day: str | None, time_: str | None, patient: str | None
) -> None:
    slots = slots_of(text)
    assert (slots.day, slots.time, slots.patient) == (day, time_, patient)


def test_a_bare_name_is_the_patient_while_an_appointment_is_being_made() -> None:
    replies = chat("good", ["I need an appointment", "Maria Lopez.", "Friday at 10 am"])
    assert calls(replies)[0]["arguments"]["patient"] == "Maria Lopez"
    assert chat("good", ["Maria Lopez."])[0]["content"].startswith("Sorry, I didn't catch")
    assert calls(chat("good", ["I need an appointment", "Okay.", "Friday at 10 am"])) == []


def test_variants_name_their_bugs() -> None:
    assert bugs_of("good") == frozenset()
    assert bugs_of("buggy") == frozenset(BUGS)
    assert bugs_of("buggy:no_readback,slow_insurance") == {"no_readback", "slow_insurance"}
    for bad in ("great", "buggy:nope", "good:no_readback", "buggy:"):
        with pytest.raises(BadInput):
            bugs_of(bad)


async def test_the_entry_points_answer_like_the_python_transport_expects(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(clinic, "SLOW_REPLY_SECONDS", 0.2)
    messages = [{"role": "user", "content": "Do you accept Aetna insurance?"}]
    started = time.monotonic()
    good = await good_agent(messages, {})
    fast = time.monotonic() - started
    buggy = await buggy_agent(messages, {})
    slow = time.monotonic() - started - fast
    assert good == buggy
    assert set(good) == {"content", "end_call", "tool_calls"}
    assert fast < 0.1 <= 0.2 <= slow + 0.01
    only = clinic.buggy_slow_insurance_agent
    assert only.__name__ == "buggy_slow_insurance_agent"
    with pytest.raises(AttributeError):
        _ = clinic.buggy_nonsense_agent
