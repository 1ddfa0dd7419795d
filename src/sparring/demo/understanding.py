"""How the clinic demo agent reads a caller's message: an intent and the slots it fills.

Plain keyword rules, English and Spanish, so the same message always means the same thing.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace
from enum import StrEnum

from sparring.demo.phrases import OTHER_PATIENTS, SPANISH_DAYS, PatientRecord


class Intent(StrEnum):
    """What the caller wants from one message (checked in this order)."""

    GOODBYE = "goodbye"
    SPANISH = "spanish"
    OTHER_PATIENT = "other_patient"
    RESCHEDULE = "reschedule"
    CANCEL = "cancel"
    INSURANCE = "insurance"
    HOURS = "hours"
    ADDRESS = "address"
    BOOK = "book"
    THANKS = "thanks"
    GREETING = "greeting"
    NONE = "none"


_RULES: list[tuple[Intent, str]] = [
    (Intent.GOODBYE, r"\b(?:bye|goodbye|adios|hasta luego|chao)\b"),
    (Intent.SPANISH, r"\b(?:spanish|espanol)\b"),
    (
        Intent.OTHER_PATIENT,
        r"\b(?:another patient|other patients?|someone else'?s?|my neighbou?r'?s)\b",
    ),
    (
        Intent.RESCHEDULE,
        r"\b(?:reschedul\w*|move my appointment|change my appointment|reprogramar|"
        r"cambiar (?:mi|la) cita)\b",
    ),
    (Intent.CANCEL, r"\b(?:cancel\w*|anular)\b"),
    (Intent.INSURANCE, r"\b(?:insurance|insured|seguros?|aseguradora)\b"),
    (Intent.HOURS, r"\b(?:hours|open|opening|horario|abren|abiertos)\b"),
    (Intent.ADDRESS, r"\b(?:address|located|location|where is|where are|direccion|donde)\b"),
    (
        Intent.BOOK,
        r"\b(?:book\w*|appointment|see a doctor|see the doctor|reservar|cita|consulta)\b",
    ),
    (Intent.THANKS, r"\b(?:thanks|thank you|gracias)\b"),
    (Intent.GREETING, r"^(?:hi|hello|hey|good (?:morning|afternoon|evening)|hola|buenos dias)\b"),
]
_COMPILED = [(intent, re.compile(pattern)) for intent, pattern in _RULES]


def plain(text: str) -> str:
    """Lower case, accents removed and apostrophes straightened: what the rules match on."""
    decomposed = unicodedata.normalize("NFKD", text.replace("’", "'").lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


_DAYS = {english.lower(): english for english in SPANISH_DAYS} | {
    plain(spanish): english for english, spanish in SPANISH_DAYS.items()
}
_DAY = re.compile(r"\b(" + "|".join(sorted(_DAYS, key=len, reverse=True)) + r")\b")
_TIME = re.compile(r"\b(\d{1,2})(?::(\d{2}))?\s*([ap])\.?\s?m\b\.?")
_BARE_TIME = re.compile(
    r"\b(?:at|a las)\s+(\d{1,2})(?::(\d{2}))?\b|\b(\d{1,2})(?::(\d{2}))?\s*o'?clock\b"
)
_NOON = re.compile(r"\b(?:noon|midday|mediodia)\b")
_NAME_WORD = r"[A-ZÁÉÍÓÚÑ][\w'-]+"
_NAME = re.compile(
    r"(?:\b[Mm]y name is|\b[Nn]ame is|\b[Tt]his is|\b[Ii]t's for|\b[Ii]t's|\b[Ii] am|\b[Ii]'m|"
    r"\b[Pp]atient is|\b[Mm]e llamo|\b[Mm]i nombre es|\b[Ss]oy)\s+"
    rf"({_NAME_WORD}(?:\s+{_NAME_WORD})*)"
)
_NOT_NAMES = {*SPANISH_DAYS, *(d.capitalize() for d in SPANISH_DAYS.values()), "Spanish"}
_NOT_BARE_NAMES = {"Yes", "No", "Okay", "Ok", "Sure", "Great", "Sorry", "Please", "Perfect", "Fine"}
_BARE_NAME = re.compile(rf"\s*({_NAME_WORD}(?:\s+{_NAME_WORD}){{0,3}})\s*[.!]?\s*")


@dataclass(frozen=True, slots=True)
class Slots:
    """What an appointment needs; None until the caller has said it."""

    day: str | None = None
    time: str | None = None
    patient: str | None = None

    def merged(self, newer: Slots) -> Slots:
        """These slots, overwritten by whatever `newer` has."""
        return replace(
            self,
            day=newer.day or self.day,
            time=newer.time or self.time,
            patient=newer.patient or self.patient,
        )

    @property
    def empty(self) -> bool:
        return self.day is None and self.time is None and self.patient is None


def intent_of(text: str) -> Intent:
    """The first intent whose rule matches `text`, else `Intent.NONE`."""
    folded = plain(text)
    if other_patient_named(text) is not None:
        return Intent.OTHER_PATIENT
    return next((i for i, rule in _COMPILED if rule.search(folded)), Intent.NONE)


def other_patient_named(text: str) -> PatientRecord | None:
    """The other patient whose name `text` mentions, if any."""
    folded = plain(text)
    return next((p for p in OTHER_PATIENTS if plain(p.name) in folded), None)


def slots_of(text: str) -> Slots:
    """The day, time and patient name said in `text`."""
    day_match = _DAY.search(plain(text))
    return Slots(
        day=_DAYS[day_match[1]] if day_match else None,
        time=_time(text),
        patient=_name(text),
    )


def _time(text: str) -> str | None:
    folded = plain(text)
    if match := _TIME.search(folded):
        hour, minutes, suffix = match[1], match[2], f"{match[3]}m"
    elif match := _BARE_TIME.search(folded):
        hour, minutes = (match[1], match[2]) if match[1] else (match[3], match[4])
        suffix = "am" if 7 <= int(hour) <= 11 else "pm"  # office hours
    elif _NOON.search(folded):
        return "12 pm"
    else:
        return None
    shown = "" if minutes in (None, "00") else f":{minutes}"
    return f"{int(hour)}{shown} {suffix}"


def _name(text: str) -> str | None:
    for match in _NAME.finditer(text.replace("’", "'")):
        words = match[1].split()
        while words and words[-1] in _NOT_NAMES:
            words.pop()
        if words and words[0] not in _NOT_NAMES:
            return " ".join(words)
    return None


def bare_name(text: str) -> str | None:
    """`text` itself as a name, when it is only one (the answer to "What is your name?")."""
    match = _BARE_NAME.fullmatch(text.replace("’", "'"))
    if match is None or set(match[1].split()) & (_NOT_NAMES | _NOT_BARE_NAMES):
        return None
    return match[1]
