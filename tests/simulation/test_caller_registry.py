"""Finding caller engines by name."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from sparring.config import settings
from sparring.domain.scenario import ScenarioSpec
from sparring.errors import BadInput
from sparring.simulation.callers import caller_engines, default_engine, get_caller
from sparring.simulation.callers.llm import LLMCaller
from sparring.simulation.callers.scripted import ScriptedCaller

SCENARIO = ScenarioSpec(name="t")


@pytest.fixture
def fresh_settings(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    """Settings re-read from an environment the test changes, restored afterwards."""
    for name in ("SPARRING_LLM_BASE_URL", "SPARRING_LLM_MODEL"):
        monkeypatch.delenv(name, raising=False)
    settings.cache_clear()
    yield monkeypatch
    monkeypatch.undo()
    settings.cache_clear()


def test_builtin_engines() -> None:
    assert {"scripted", "llm"} <= set(caller_engines())
    assert isinstance(get_caller("scripted", SCENARIO), ScriptedCaller)


async def test_llm_engine_uses_the_configured_endpoint(fresh_settings: pytest.MonkeyPatch) -> None:
    fresh_settings.setenv("SPARRING_LLM_BASE_URL", "http://127.0.0.1:9/v1")
    fresh_settings.setenv("SPARRING_LLM_MODEL", "local-model")
    settings.cache_clear()
    caller = get_caller("llm", SCENARIO)
    assert isinstance(caller, LLMCaller)
    assert caller.llm_settings.model == "local-model"
    await caller.aclose()


def test_unknown_engine_is_bad_input_on_caller() -> None:
    with pytest.raises(BadInput) as info:
        get_caller("telepathy", SCENARIO)
    assert info.value.field == "caller"
    assert "scripted" in info.value.message
    assert "llm" in info.value.message


def test_default_engine_is_offline_without_an_llm(fresh_settings: pytest.MonkeyPatch) -> None:
    assert default_engine() == "scripted"
    fresh_settings.setenv("SPARRING_LLM_BASE_URL", "http://127.0.0.1:9/v1")
    fresh_settings.setenv("SPARRING_LLM_MODEL", "local-model")
    settings.cache_clear()
    assert default_engine() == "llm"
