"""Shared pieces of the request and response models."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

MAX_ID = 2**31 - 1

Id = Annotated[int, Field(ge=1, le=MAX_ID)]
Name = Annotated[str, Field(min_length=1, max_length=255)]

Language = Literal[
    "af",
    "ar",
    "bn",
    "bg",
    "zh",
    "cs",
    "da",
    "nl",
    "en",
    "et",
    "fi",
    "fr",
    "de",
    "el",
    "gu",
    "hi",
    "he",
    "hu",
    "id",
    "it",
    "ja",
    "kn",
    "ko",
    "ms",
    "ml",
    "mr",
    "multi",
    "no",
    "pl",
    "pa",
    "pt",
    "ro",
    "ru",
    "sk",
    "es",
    "sv",
    "th",
    "tr",
    "tl",
    "ta",
    "te",
    "uk",
    "vi",
]


def find_unstorable(value: Any, path: str = "") -> tuple[str, str] | None:
    """The path of the first value no database keeps as sent, and why.

    NUL characters (PostgreSQL refuses them), lone UTF-16 surrogates such as `"\\ud800"` (not
    encodable as UTF-8, so neither storable nor answerable), and NaN / Infinity (which Python's
    JSON parser accepts but JSON, JSONB and the response encoder do not).
    """
    if isinstance(value, str):
        problem = text_problem(value)
        return None if problem is None else (path, problem)
    if isinstance(value, float):
        return None if math.isfinite(value) else (path, NOT_FINITE_MESSAGE)
    if isinstance(value, dict):
        for key, item in value.items():
            sub = f"{path}.{key}" if path else str(key)
            problem = text_problem(str(key))
            if problem is not None:
                return printable(sub), problem
            found = find_unstorable(item, sub)
            if found is not None:
                return found
    if isinstance(value, list):
        for i, item in enumerate(value):
            found = find_unstorable(item, f"{path}[{i}]")
            if found is not None:
                return found
    return None


def text_problem(text: str) -> str | None:
    if "\x00" in text:
        return NUL_MESSAGE
    if not text.isascii():
        try:
            text.encode()
        except UnicodeEncodeError:
            return SURROGATE_MESSAGE
    return None


def printable(path: str) -> str:
    """A field path safe to put in an error body (no NUL, no lone surrogate)."""
    return path.replace("\x00", "").encode(errors="replace").decode()


NUL_MESSAGE = "Null characters are not allowed."
SURROGATE_MESSAGE = "Lone surrogate characters (\\ud800-\\udfff) are not allowed."
NOT_FINITE_MESSAGE = "NaN and Infinity are not valid numbers."


class UnstorableValue(ValueError):
    """A request value refused before validation; `path` names its field."""

    def __init__(self, path: str, message: str) -> None:
        self.path = path
        super().__init__(message)


class RequestModel(BaseModel):
    """Base of request bodies: unknown Cekura fields are kept; NUL characters and
    non-finite numbers refused."""

    model_config = ConfigDict(extra="allow")

    @model_validator(mode="before")
    @classmethod
    def _storable(cls, data: Any) -> Any:
        found = find_unstorable(data)
        if found is not None:
            raise UnstorableValue(*found)
        return data

    def extras(self) -> dict[str, Any]:
        """Fields the model does not declare (stored as they came)."""
        return dict(self.model_extra or {})

    def declared(self, **options: Any) -> dict[str, Any]:
        """`model_dump(**options)` of the declared fields only: the kept unknown ones (which
        may be named like anything, `__dict__` included) never reach a row's attributes."""
        return self.model_dump(include=set(type(self).model_fields), **options)


def passthrough(extra: dict[str, Any], model: type[BaseModel]) -> dict[str, Any]:
    """Stored unknown fields, minus any that would shadow a field `model` declares.

    A client may send e.g. `personality_name: 5`; echoing it would break the response model.
    """
    return {key: value for key, value in extra.items() if key not in model.model_fields}


class Out(BaseModel):
    """Base of response models."""

    model_config = ConfigDict(from_attributes=True, extra="allow")


class Timestamps(Out):
    created_at: datetime
    updated_at: datetime


class Detail(BaseModel):
    """An error or message: `{"detail": "…"}`."""

    detail: str


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"description": "Bad input: `{field: [messages]}`", "model": dict[str, Any]},
    401: {"description": "No or invalid API key", "model": Detail},
    404: {"description": "Not found (or not visible to this key)", "model": Detail},
    # Also keeps FastAPI from documenting its 422: validation errors answer 400 here.
    "4XX": {
        "description": "Wrong method (405, with `Allow`), body over 1 MiB (413)",
        "model": Detail,
    },
}
