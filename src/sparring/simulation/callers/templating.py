"""Test-profile placeholders in caller text: `{{test_profile.key}}`, nested `{{test_profile.a.b}}`
and bracket `{{test_profile['k k']}}` (mixable: `{{test_profile.a['b c'].d}}`).

Values come from the scenario's caller variables, then its agent variables. A placeholder whose
key is unknown stays in the text as written, so a missing test-profile field is visible in the
transcript instead of silently turning into an empty answer.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from sparring.domain.scenario import ScenarioSpec

_SEGMENT = r"""\.[^\s.\[\]{}]+|\[\s*'[^']*'\s*\]|\[\s*"[^"]*"\s*\]"""
_PLACEHOLDER = re.compile(r"\{\{\s*test_profile((?:" + _SEGMENT + r")+)\s*\}\}")
_PARTS = re.compile(r"""\.([^\s.\[\]{}]+)|\[\s*'([^']*)'\s*\]|\[\s*"([^"]*)"\s*\]""")
_MISSING = object()


def fill_placeholders(text: str, *sources: Mapping[str, Any]) -> str:
    """`text` with every known `{{test_profile…}}` placeholder replaced by its value."""

    def replace(match: re.Match[str]) -> str:
        path = [
            next(g for g in part.groups() if g is not None) for part in _PARTS.finditer(match[1])
        ]
        for source in sources:
            value = _lookup(source, path)
            if value is not _MISSING:
                return _as_text(value)
        return match[0]

    return _PLACEHOLDER.sub(replace, text)


def fill_scenario(text: str, scenario: ScenarioSpec) -> str:
    """Placeholders filled from the scenario's caller variables, then its agent variables."""
    return fill_placeholders(text, scenario.caller_variables, scenario.agent_variables)


def _lookup(source: Any, path: list[str]) -> Any:
    value = source
    for key in path:
        if isinstance(value, Mapping) and key in value:
            value = value[key]
        elif isinstance(value, list) and key.isdigit() and int(key) < len(value):
            value = value[int(key)]
        else:
            return _MISSING
    return value


def _as_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)
