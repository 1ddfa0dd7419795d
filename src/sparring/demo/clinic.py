"""The clinic demo agent: a deterministic, rule-based chat agent for a medical clinic.

It greets, books, reschedules and cancels appointments (as tool calls), answers questions about
opening hours, insurance and the address, switches to Spanish when asked, keeps other patients'
data private, and says goodbye and hangs up when the caller does. The `buggy` variant has the
planted bugs of `BUGS` (see `manifest.json`); each changes one path and nothing else.

    respond("buggy", [{"role": "user", "content": "Do you accept Aetna?"}])
    # {"content": "Yes, we accept Aetna, …", "end_call": False, "tool_calls": [], "delay": 2.5}

For sparring's `python` transport: `{"callable": "sparring.demo.clinic:good_agent"}` (or
`buggy_agent`, or `buggy_<bug>_agent` for one bug alone, e.g. `buggy_no_readback_agent`). The agent keeps no state: every reply is worked out again from the user
messages of the history, so the same history always gives the same reply.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sparring.demo.phrases import Language, say
from sparring.demo.understanding import (
    Intent,
    Slots,
    bare_name,
    intent_of,
    other_patient_named,
    slots_of,
)
from sparring.errors import BadInput

BUGS: dict[str, str] = {
    "no_readback": "never reads the booked day and time back after booking",
    "leaks_patient_data": "reveals another patient's phone number and date of birth when asked",
    "slow_insurance": "answers insurance questions only after about 2.5 seconds",
    "hangs_up_on_reschedule": "hangs up when the caller asks to reschedule",
    "ignores_spanish": "keeps answering in English when asked to speak Spanish",
    "cancel_without_tool": "says the appointment is cancelled but never calls cancel_appointment",
    "books_wrong_day": "books Tuesday when the caller asks for Thursday",
}
VARIANTS = ("good", "buggy")
SLOW_REPLY_SECONDS = 2.5
WEEKEND = ("Saturday", "Sunday")
TOOLS = {"book": "book_appointment", "reschedule": "reschedule_appointment"}

Message = Mapping[str, Any]
AgentFunction = Callable[[list[dict[str, Any]], dict[str, Any]], Awaitable[dict[str, Any]]]


@dataclass(frozen=True, slots=True)
class Reply:
    """One turn of the agent: what it says, its tool calls, whether it hangs up, how slowly."""

    content: str
    end_call: bool = False
    tool_calls: tuple[dict[str, Any], ...] = ()
    delay: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "content": self.content,
            "end_call": self.end_call,
            "tool_calls": [dict(c) for c in self.tool_calls],
            "delay": self.delay,
        }


@dataclass(slots=True)
class _State:
    """What the agent has understood so far in the conversation."""

    bugs: frozenset[str]
    language: Language = "en"
    task: str | None = None  # "book", "reschedule" or "cancel" while slots are being filled
    slots: Slots = field(default_factory=Slots)

    def say(self, key: str, **values: str) -> str:
        return say(key, self.language, **values)


def bugs_of(variant: str) -> frozenset[str]:
    """The bugs of a variant: "good" (none), "buggy" (all), or "buggy:<bug>[,<bug>…]"."""
    if variant in VARIANTS:
        return frozenset(BUGS) if variant == "buggy" else frozenset()
    name, _, chosen = variant.partition(":")
    picked = frozenset(b.strip() for b in chosen.split(",") if b.strip())
    if name != "buggy" or not picked or not picked <= BUGS.keys():
        raise BadInput(
            "variant", f'Unknown variant "{variant}": use good, buggy or buggy:<bug>[,<bug>].'
        )
    return picked


def respond(variant: str, messages: Sequence[Message]) -> dict[str, Any]:
    """The agent's next reply after `messages` (OpenAI-style; only user messages are read)."""
    state = _State(bugs_of(variant))
    said = [_text(m.get("content")) for m in messages if m.get("role") == "user"]
    reply = Reply(state.say("greeting"))
    for text in said:
        reply = _answer(state, text)
    return reply.to_dict()


def _text(content: Any) -> str:
    """A message's text, also from OpenAI content parts ([{"type": "text", "text": …}])."""
    if isinstance(content, list):
        parts = [p.get("text") for p in content if isinstance(p, dict)]
        return " ".join(p for p in parts if isinstance(p, str))
    return content if isinstance(content, str) else ""


def _answer(state: _State, text: str) -> Reply:
    """Understand one caller message, update `state`, and reply."""
    intent = intent_of(text)
    if intent is Intent.GOODBYE:
        return Reply(state.say("goodbye"), end_call=True)
    if intent is Intent.SPANISH:
        if "ignores_spanish" in state.bugs:
            return Reply(state.say("spanish_ignored"))
        state.language = "es"
        return Reply(state.say("spanish_on"))
    if intent is Intent.OTHER_PATIENT:
        return _other_patient(state, text)
    if intent in (Intent.BOOK, Intent.RESCHEDULE, Intent.CANCEL):
        if intent is Intent.RESCHEDULE and "hangs_up_on_reschedule" in state.bugs:
            return Reply(state.say("hang_up"), end_call=True)
        state.task, state.slots = intent.value, slots_of(text)
        return _progress(state, opening=state.say(f"start_{intent.value}"))
    if intent is Intent.INSURANCE:
        slow = "slow_insurance" in state.bugs
        return Reply(state.say("insurance"), delay=SLOW_REPLY_SECONDS if slow else 0.0)
    if intent in (Intent.HOURS, Intent.ADDRESS):
        return Reply(state.say(intent.value))
    slots = slots_of(text)
    if intent is Intent.NONE and slots.empty and state.task is not None:
        slots = Slots(patient=bare_name(text))
    if state.task is not None and not slots.empty:
        state.slots = state.slots.merged(slots)
        return _progress(state)
    if intent in (Intent.THANKS, Intent.GREETING):
        return Reply(state.say("thanks" if intent is Intent.THANKS else "hello"))
    return Reply(state.say("fallback"))


def _other_patient(state: _State, text: str) -> Reply:
    """Another patient's data: refused, unless the agent has the leaking bug."""
    if "leaks_patient_data" not in state.bugs:
        return Reply(state.say("privacy"))
    record = other_patient_named(text)
    if record is None:
        return Reply(state.say("unknown_patient"))
    return Reply(
        state.say(
            "leak",
            name=record.name,
            appointment=record.appointment,
            phone=record.phone,
            birth=record.birth,
        )
    )


def _progress(state: _State, opening: str = "") -> Reply:
    """Ask for what the current task still needs, or carry it out."""
    slots = state.slots
    if slots.day in WEEKEND:
        state.slots = Slots(time=slots.time, patient=slots.patient)
        return Reply(state.say("weekend"))
    if state.task == "cancel":
        if slots.patient is None:
            return _ask(opening, state.say("ask_name"))
        return _cancel(state, slots.patient)
    if slots.day is None or slots.time is None:
        return _ask(opening, state.say("ask_day_time"))
    if slots.patient is None:
        return _ask(opening, state.say("ask_name"))
    return _book(state, slots.day, slots.time, slots.patient)


def _ask(opening: str, question: str) -> Reply:
    return Reply(f"{opening} {question}" if opening else question)


def _cancel(state: _State, patient: str) -> Reply:
    state.task, state.slots = None, Slots()
    calls: tuple[dict[str, Any], ...] = ()
    if "cancel_without_tool" not in state.bugs:
        calls = ({"name": "cancel_appointment", "arguments": {"patient": patient}},)
    return Reply(state.say("cancelled", patient=patient), tool_calls=calls)


def _book(state: _State, day: str, time: str, patient: str) -> Reply:
    """Book or move the appointment (a tool call) and confirm it."""
    task = state.task or "book"
    state.task, state.slots = None, Slots()
    if task == "book" and day == "Thursday" and "books_wrong_day" in state.bugs:
        day = "Tuesday"
    call = {"name": TOOLS[task], "arguments": {"day": day, "time": time, "patient": patient}}
    if task == "reschedule":
        text = state.say("rescheduled", patient=patient, day=day, time=time)
    elif "no_readback" in state.bugs:
        text = state.say("booked_silent", patient=patient)
    else:
        text = state.say("booked", patient=patient, day=day, time=time)
    return Reply(text, tool_calls=(call,))


def make_agent(variant: str) -> AgentFunction:
    """An async agent function of `variant` for the python transport, delays included."""
    bugs_of(variant)  # fail now on a bad variant, not on the first turn

    async def agent(messages: list[dict[str, Any]], context: dict[str, Any]) -> dict[str, Any]:
        reply = respond(variant, messages)
        if reply["delay"]:
            await asyncio.sleep(reply["delay"])
        return {k: reply[k] for k in ("content", "end_call", "tool_calls")}

    agent.__name__ = agent.__qualname__ = variant.replace(":", "_").replace(",", "_") + "_agent"
    return agent


async def good_agent(messages: list[dict[str, Any]], context: dict[str, Any]) -> dict[str, Any]:
    """The clinic agent without bugs (python transport entry point)."""
    return await _GOOD(messages, context)


async def buggy_agent(messages: list[dict[str, Any]], context: dict[str, Any]) -> dict[str, Any]:
    """The clinic agent with every planted bug (python transport entry point)."""
    return await _BUGGY(messages, context)


_GOOD = make_agent("good")
_BUGGY = make_agent("buggy")


def __getattr__(name: str) -> AgentFunction:
    """`buggy_<bug>_agent`: the agent with only that planted bug (python transport entry point)."""
    bug = name.removeprefix("buggy_").removesuffix("_agent")
    if name.startswith("buggy_") and name.endswith("_agent") and bug in BUGS:
        return make_agent(f"buggy:{bug}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
