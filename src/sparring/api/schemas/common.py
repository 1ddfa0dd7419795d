"""Shared pieces of the request and response models."""

from __future__ import annotations

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


def find_nul(value: Any, path: str = "") -> str | None:
    """The path of the first string holding a NUL character (databases refuse them)."""
    if isinstance(value, str):
        return path if "\x00" in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            sub = f"{path}.{key}" if path else str(key)
            if "\x00" in str(key):
                return sub
            found = find_nul(item, sub)
            if found is not None:
                return found
    if isinstance(value, list):
        for i, item in enumerate(value):
            found = find_nul(item, f"{path}[{i}]")
            if found is not None:
                return found
    return None


class NulCharacters(ValueError):
    def __init__(self, path: str) -> None:
        self.path = path
        super().__init__("Null characters are not allowed.")


class RequestModel(BaseModel):
    """Base of request bodies: unknown Cekura fields are kept; NUL characters refused."""

    model_config = ConfigDict(extra="allow")

    @model_validator(mode="before")
    @classmethod
    def _no_nul(cls, data: Any) -> Any:
        path = find_nul(data)
        if path is not None:
            raise NulCharacters(path)
        return data

    def extras(self) -> dict[str, Any]:
        """Fields the model does not declare (stored as they came)."""
        return dict(self.model_extra or {})


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
}
