"""Turning a scripted action (Cekura's action text with tags) into what the caller says.

In text mode `<endcall />` hangs up after the rest of the text is said; every other tag
(`<silence time="1.5s"/>`, `<hold …/>`, `<dtmf digits="1#"/>`, `<break …/>`, …) and the emotion
markers (`[laughter]`, `[sigh]`) only make sense in voice, so they are dropped.
"""

from __future__ import annotations

import functools
import re

from sparring.domain.scenario import ScenarioSpec
from sparring.simulation.callers.base import CallerMove
from sparring.simulation.callers.templating import fill_scenario

_ENDCALL = re.compile(r"</?end_?call\b[^<>]*>", re.IGNORECASE)
_TAG = re.compile(r"</?[A-Za-z_][\w-]*(?:\s+[^<>]*)?/?\s*>")
# Only known emotion markers go: other bracketed text ("[sic]", a placeholder) is kept.
_MARKER = re.compile(
    r"\[(?:laughter|laugh|laughs|sigh|sighs|cough|coughs|pause|chuckle|chuckles|"
    r"gasp|gasps|cry|cries|crying|clears throat|sniff|sniffs|groan|groans)\]",
    re.IGNORECASE,
)
_SPACES = re.compile(r"[ \t]+")
_SPACE_BEFORE_PUNCTUATION = re.compile(r" ([,.!?;:])")
_QUOTED = re.compile(r"\"([^\"]+)\"|“([^”]+)”")


def render_action(action: str, scenario: ScenarioSpec) -> CallerMove:
    """The move for `action`: placeholders filled, tags dropped, `<endcall />` honoured."""
    text, ends = _without_tags(action)
    if "{{" in text:
        text = fill_scenario(text, scenario)
    return CallerMove(text=tidy(text), end_call=ends)


@functools.lru_cache(maxsize=4096)  # a script's lines are said on every run of the scenario
def _without_tags(action: str) -> tuple[str, bool]:
    ends = bool(_ENDCALL.search(action))
    return _MARKER.sub(" ", _TAG.sub(" ", _ENDCALL.sub(" ", action))), ends


@functools.lru_cache(maxsize=4096)
def tidy(text: str) -> str:
    """Collapse the gaps that dropped tags leave behind."""
    lines = (_SPACES.sub(" ", line).strip() for line in text.splitlines())
    joined = "\n".join(line for line in lines if line)
    return _SPACE_BEFORE_PUNCTUATION.sub(r"\1", joined)


def quoted_sentences(text: str) -> list[str]:
    """The sentences in double (or curly) quotes, in order: `Ask "A?" then say "B"` → [A?, B]."""
    found = (m[1] if m[1] is not None else m[2] for m in _QUOTED.finditer(text))
    return [s.strip() for s in found if s.strip()]
