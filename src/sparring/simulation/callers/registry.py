"""Finds caller engines by name, through the `sparring.callers` entry points.

Built in: "scripted" (deterministic, offline) and "llm" (any OpenAI-compatible endpoint). A
plugin registers `name = "package.module:CallerClass"`, a `Caller` built from the scenario alone.
"""

from __future__ import annotations

from functools import cache
from importlib.metadata import entry_points

from sparring.config import settings
from sparring.domain.scenario import ScenarioSpec
from sparring.errors import BadInput
from sparring.llm import LLMClient
from sparring.simulation.callers.base import Caller

_BUILTIN = {
    "scripted": "sparring.simulation.callers.scripted:ScriptedCaller",
    "llm": "sparring.simulation.callers.llm:LLMCaller",
}


@cache
def _specs() -> dict[str, str]:
    specs = dict(_BUILTIN)
    for ep in entry_points(group="sparring.callers"):
        specs[ep.name] = ep.value
    return specs


def caller_engines() -> list[str]:
    """Every caller engine name."""
    return sorted(_specs())


def default_engine() -> str:
    """ "llm" when an LLM endpoint is configured, else the offline "scripted"."""
    return "llm" if settings().llm.configured else "scripted"


def get_caller(engine: str, scenario: ScenarioSpec, *, llm: LLMClient | None = None) -> Caller:
    """A new caller of `engine` for one conversation of `scenario`, or `BadInput` on "caller".

    `llm` is the process's shared LLM client (one connection pool for every conversation).
    """
    spec = _specs().get(engine)
    if spec is None:
        raise BadInput(
            "caller",
            f'"{engine}" is not a known caller engine; '
            f"choose one of: {', '.join(caller_engines())}.",
        )
    module_name, _, attr = spec.partition(":")
    module = __import__(module_name, fromlist=[attr])
    cls: type[Caller] = getattr(module, attr)
    if llm is not None and getattr(cls, "uses_llm", False):
        return cls(scenario, client=llm)  # type: ignore[call-arg]
    return cls(scenario)
