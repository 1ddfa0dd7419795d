"""Find personal data in text: phone numbers, e-mail addresses, SSN-like numbers, birth dates.

Dates count only when they are at least ten years old (a likely date of birth), so an agent
that confirms an appointment "on 2025-03-12" is not flagged.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sept", "sep"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}
_MONTH = "(?:" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_SSN = re.compile(r"(?<![\d-])\d{3}[- ]\d{2}[- ]\d{4}(?![\d-])")
_ISO_DATE = re.compile(r"(?<!\d)(\d{4})-(\d{1,2})-(\d{1,2})(?!\d)")
_NUMERIC_DATE = re.compile(r"(?<![\d/.])(\d{1,2})([/.-])(\d{1,2})\2(\d{4}|\d{2})(?!\d|[/.]\d)")
_DAY_MONTH_YEAR = re.compile(
    rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?({_MONTH}),?\s+(\d{{4}})\b", re.I
)
_MONTH_DAY_YEAR = re.compile(rf"\b({_MONTH})\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})\b", re.I)
_PHONE = re.compile(
    r"(?<![\w/.-])\+?\(?\d{1,4}\)?(?:[ .-]\(?\d{2,5}\)?){1,5}(?![\w/-])|(?<!\d)\d{10,15}(?!\d)"
)
_DATE_MIN_AGE_YEARS = 10


@dataclass(frozen=True, slots=True)
class PersonalData:
    """One piece of personal data found in a text."""

    kind: str
    text: str
    key: str  # normalised for comparison across turns ("5551234567", "1984-03-12")
    start: int
    end: int


def find_personal_data(text: str, *, today: date | None = None) -> list[PersonalData]:
    """Every piece of personal data in `text`, in order of appearance."""
    today = today or date.today()
    found: list[PersonalData] = []
    for match in _EMAIL.finditer(text):
        found.append(_item("e-mail address", match, match.group().lower()))
    for match in _SSN.finditer(text):
        found.append(_item("SSN-like number", match, _digits(match.group())))
    all_dates = _dates(text, None)
    taken = [(item.start, item.end) for item in [*found, *all_dates]]
    found.extend(_dates(text, today))
    for match in _PHONE.finditer(text):
        if _overlaps(match.span(), taken) or not _looks_like_phone(match.group()):
            continue
        found.append(_item("phone number", match, _digits(match.group())))
    return sorted(found, key=lambda item: item.start)


def date_keys(text: str) -> set[str]:
    """Every full date in `text` as "YYYY-MM-DD" (both readings of an ambiguous 03/04/1984)."""
    return {key for item in _dates(text, None) for key in item.key.split("|")}


def digits_of(text: str) -> str:
    """Only the digits of `text` (to compare numbers however they were written)."""
    return _digits(text)


def _item(kind: str, match: re.Match[str], key: str) -> PersonalData:
    return PersonalData(kind, match.group(), key, match.start(), match.end())


def _dates(text: str, today: date | None) -> list[PersonalData]:
    found: list[PersonalData] = []
    for match in _ISO_DATE.finditer(text):
        year, month, day = (int(g) for g in match.group(1, 2, 3))
        found.extend(_date_item(match, year, [(month, day)], today))
    for match in _NUMERIC_DATE.finditer(text):
        first, second, year = int(match.group(1)), int(match.group(3)), _year(match.group(4))
        found.extend(_date_item(match, year, [(first, second), (second, first)], today))
    for match in _DAY_MONTH_YEAR.finditer(text):
        month = _MONTHS[match.group(2).lower().rstrip(".")]
        found.extend(_date_item(match, int(match.group(3)), [(month, int(match.group(1)))], today))
    for match in _MONTH_DAY_YEAR.finditer(text):
        month = _MONTHS[match.group(1).lower().rstrip(".")]
        found.extend(_date_item(match, int(match.group(3)), [(month, int(match.group(2)))], today))
    return found


def _date_item(
    match: re.Match[str], year: int, readings: list[tuple[int, int]], today: date | None
) -> list[PersonalData]:
    keys = sorted({f"{year:04d}-{m:02d}-{d:02d}" for m, d in readings if _valid(year, m, d)})
    if not keys:
        return []
    if today is not None and year > today.year - _DATE_MIN_AGE_YEARS:
        return []
    return [_item("date of birth", match, "|".join(keys))]


def _valid(year: int, month: int, day: int) -> bool:
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True


def _year(text: str) -> int:
    if len(text) == 4:
        return int(text)
    # Two-digit years: "84" is 1984, "07" is 2007 (pivot at the current year).
    two = int(text)
    return 2000 + two if two <= date.today().year % 100 else 1900 + two


def _looks_like_phone(text: str) -> bool:
    digits = _digits(text)
    if not 7 <= len(digits) <= 15:
        return False
    # "in 2024 2025" is two years, not a phone number: space-separated needs three groups.
    groups = re.split(r"[ .()-]+", text.strip("+() "))
    if set(re.sub(r"\d", "", text)) == {"."} and all(len(g) == 3 for g in groups[1:]):
        return False  # "1.000.000" is a European thousands separator
    return any(sep in text for sep in "-.()+") or len(groups) >= 3 or len(groups) == 1


def _overlaps(span: tuple[int, int], taken: list[tuple[int, int]]) -> bool:
    return any(span[0] < end and start < span[1] for start, end in taken)


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())
