"""Finds caller engines by name, through the `sparring.callers` entry points.

Built in: "scripted" (deterministic, offline) and "llm" (any OpenAI-compatible endpoint). A
plugin registers `name = "package.module:CallerClass"`, a `Caller` built from the scenario alone.
"""

from __future__ import annotations

from sparring.config import settings
from sparring.domain.scenario import ScenarioSpec
from sparring.llm import LLMClient
from sparring.plugins import Plugins
from sparring.simulation.callers.base import Caller

CALLERS: Plugins[Caller] = Plugins(
    "sparring.callers",
    {
        "scripted": "sparring.simulation.callers.scripted:ScriptedCaller",
        "llm": "sparring.simulation.callers.llm:LLMCaller",
    },
    field="caller",
    kind="caller engine",
)


def caller_engines() -> list[str]:
    """Every caller engine name."""
    return CALLERS.names()


def default_engine() -> str:
    """ "llm" when an LLM endpoint is configured, else the offline "scripted"."""
    return "llm" if settings().llm.configured else "scripted"


def get_caller(engine: str, scenario: ScenarioSpec, *, llm: LLMClient | None = None) -> Caller:
    """A new caller of `engine` for one conversation of `scenario`, or `BadInput` on "caller".

    `llm` is the process's shared LLM client (one connection pool for every conversation).
    """
    cls = CALLERS.load(engine)
    if llm is not None and getattr(cls, "uses_llm", False):
        return cls(scenario, client=llm)  # type: ignore[call-arg]
    return cls(scenario)
