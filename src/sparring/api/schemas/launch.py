"""Request bodies of the `run_scenarios*` family and result actions."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from sparring.api.schemas.common import Id, RequestModel

Tag = Annotated[str, Field(min_length=1, max_length=64)]


class ScenarioItem(BaseModel):
    """`{"scenario": id}` form of a scenario selector (websocket / livekit / pipecat runs)."""

    model_config = ConfigDict(extra="allow")
    scenario: Id
    websocket_url: str | None = Field(None, max_length=2048)


class LaunchIn(RequestModel):
    """Cekura's run payloads: `agent_id` or `agent`; scenarios as ids or `[{"scenario": id}]`."""

    agent_id: Id | None = None
    agent: Id | None = None
    scenarios: list[Id | ScenarioItem] | None = Field(None, max_length=1000)
    tags: list[Tag] | None = Field(None, max_length=32)
    personality_ids: list[Id] | None = Field(None, max_length=100)
    personality_id: Id | None = None
    test_profile_ids: list[Id] | None = Field(None, max_length=100)
    test_profile_id: Id | None = None
    frequency: int = Field(1, ge=1, le=100)
    concurrency_limit: int | None = Field(None, ge=1, le=10_000)
    name: str = Field("", max_length=255)
    websocket_url: str | None = Field(None, max_length=2048, pattern=r"^wss?://")
    websocket_headers: dict[str, str] | None = None
    caller: Literal["scripted", "llm"] | None = Field(
        None, description="sparring: the simulated caller engine (default: llm if configured)"
    )

    @model_validator(mode="after")
    def _one_agent(self) -> LaunchIn:
        if self.agent_id is None and self.agent is None:
            raise ValueError("agent_id: This field is required.")
        return self


class RunIdsIn(RequestModel):
    run_ids: list[Id] = Field(min_length=1, max_length=1000)


class EvaluateMetricsIn(RequestModel):
    run_ids: list[Id] | None = Field(None, max_length=10_000)
    metric_ids: list[Id] = Field(min_length=1, max_length=64)


class LaunchRun(BaseModel):
    id: int
    status: str
    scenario: int | None
    scenario_name: str


class LaunchOut(BaseModel):
    """The new result, as Cekura answers a run launch (runs as an array)."""

    model_config = ConfigDict(extra="allow")
    id: int
    name: str
    agent: int | None
    status: str
    run_as_text: bool
    is_cronjob: bool
    success_rate: float
    runs: list[LaunchRun]
    created_at: Any
    updated_at: Any
