"""`GET /test_framework/v1/results/{a_id}/compare/{b_id}`: what got worse from result A to B.

A sparring extension (Cekura has no such endpoint), mounted under `results-external` too.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import Path, Query
from pydantic import BaseModel, Field

from sparring.api.deps import PrincipalDep, SessionDep
from sparring.api.jsonresponse import FastJSONResponse
from sparring.api.routing import SlashRouter
from sparring.api.schemas.common import ERROR_RESPONSES, MAX_ID
from sparring.services import compare as compare_service

router = SlashRouter(tags=["results"], responses=ERROR_RESPONSES)
ResultId = Annotated[int, Path(ge=1, le=MAX_ID)]


class ResultBrief(BaseModel):
    """Which result a side of the comparison is."""

    id: int
    name: str
    agent: int | None
    agent_name: str
    status: str
    success_rate: float = Field(description="0–100")
    total_runs_count: int
    success_runs_count: int
    failed_runs_count: int
    created_at: datetime


class RateChange(BaseModel):
    a: float
    b: float
    delta: float = Field(description="Percentage points, B − A")


class ScenarioSide(BaseModel):
    runs: int
    passed: int
    pass_rate: float = Field(description="0–100")
    interval: list[float] = Field(description="95 % Wilson interval of the pass rate")


class ScenarioChange(BaseModel):
    scenario: str = Field(description="The scenario's id (its name when it has none)")
    scenario_name: str
    a: ScenarioSide | None = Field(description="null: the scenario was not run in A")
    b: ScenarioSide | None = Field(description="null: the scenario was not run in B")
    delta: float | None = Field(description="Pass-rate change in percentage points")
    regression: bool
    significant: bool = Field(description="B's interval lies wholly below A's")


class MetricChange(BaseModel):
    id: int | None
    name: str
    type: str
    a: float | dict[str, int] | None = Field(description="Score, or an enum's distribution")
    b: float | dict[str, int] | None
    delta: float | None
    regression: bool | None = Field(description="null: numeric, no better direction known")


class Regressions(BaseModel):
    scenarios: list[str]
    metrics: list[int | str]


class ComparisonOut(BaseModel):
    """Per-scenario and per-metric changes from A (before) to B (after), regressions first."""

    a: ResultBrief
    b: ResultBrief
    tolerance: float
    regressed: bool = Field(description="B regresses against A on any scenario or metric")
    success_rate: RateChange
    scenarios: list[ScenarioChange]
    metrics: list[MetricChange]
    regressions: Regressions


for prefix in ("/test_framework/v1/results", "/test_framework/v1/results-external"):

    @router.get(
        prefix + "/{a_id}/compare/{b_id}",
        response_model=ComparisonOut,
        summary="Compare two results: what got worse from A to B",
    )
    async def compare_results(
        a_id: ResultId,
        b_id: ResultId,
        session: SessionDep,
        principal: PrincipalDep,
        tolerance: Annotated[
            float,
            Query(ge=0, le=100, description="Pass-rate drop (points) still not a regression"),
        ] = 0.0,
    ) -> Any:
        comparison = await compare_service.compare(
            session, a_id, b_id, project_id=principal.project_id, tolerance=tolerance
        )
        return FastJSONResponse(comparison)


__all__: list[Any] = ["router"]
