"""The result object in the shape of Cekura's "Retrieve a test result" (the seed)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from sparring.api.schemas.common import Out


class OutcomeAlignment(BaseModel):
    outcome: str
    prompt_part: str
    aligned: bool | None


class ExpectedOutcomeOut(BaseModel):
    score: float | None = Field(description="0–100; 100 = met; null = inconclusive")
    explanation: list[str]
    outcome_alignments: list[OutcomeAlignment]


class MetricResultOut(Out):
    id: int | None
    name: str
    type: str = Field(
        description="binary_workflow_adherence | binary_qualitative | "
        "continuous_qualitative | numeric | enum"
    )
    score: float | None
    explanation: str | list[str]
    function_name: str | None = None
    extra: dict[str, Any] = Field(default_factory=dict)
    enum: str | None = None


class EvaluationOut(BaseModel):
    metrics: list[MetricResultOut]


class RunInResult(Out):
    id: int
    scenario: int | None
    outbound_number: str
    expected_outcome: ExpectedOutcomeOut | None
    success: bool
    evaluation: EvaluationOut
    timestamp: datetime
    executed_at: datetime | None
    error_message: str
    status: str
    duration: str = Field(description="MM:SS")
    scenario_name: str
    personality_name: str
    metadata: dict[str, Any]
    inbound_number: str
    transcript_object: list[dict[str, Any]]


class ScenarioRef(BaseModel):
    id: int | None
    name: str


class FailedReasons(BaseModel):
    issues: list[dict[str, Any]]
    total_failed_runs: int


class ResultBase(Out):
    id: int
    name: str
    agent: int | None
    agent_name: str
    status: str
    success_rate: float = Field(description="Percentage 0–100 of runs with success = true")
    run_as_text: bool
    is_cronjob: bool
    run_type: str
    met_expected_outcome_count: int
    total_expected_outcome_count: int
    total_runs_count: int
    completed_runs_count: int
    success_runs_count: int
    failed_runs_count: int
    scenarios: list[ScenarioRef]
    created_at: datetime
    updated_at: datetime


class RunSummaryOut(Out):
    id: int
    scenario: int | None
    scenario_name: str
    status: str
    success: bool
    duration: str


class ResultListItem(ResultBase):
    runs: list[RunSummaryOut]


class ResultPage(BaseModel):
    count: int
    next: str | None
    previous: str | None
    results: list[ResultListItem]


class ResultDetail(ResultBase):
    runs: dict[str, RunInResult] = Field(description="Runs keyed by run id string")
    overall_evaluation: dict[str, Any] | None
    total_duration: str = Field(description="MM:SS")
    critical_categories: list[Any]
    metrics: list[Any]
    domain: str | None
    domain_logo: str | None
    runs_by_tags: dict[str, Any]
    latency_data: dict[str, Any]
    failed_reasons: FailedReasons | None
    run_settings: dict[str, Any] | None
    connected_runs: list[int]
    not_connected_runs: list[int]
    failed_infrastructure_runs: list[int] | None
    failed_workflow_runs: list[int] | None
    successful_calls: list[int]


class RunExternal(Out):
    id: int
    result_id: int
    scenario: int | None
    scenario_name: str
    personality: int | None
    personality_name: str
    test_profile: int | None
    status: str
    success: bool
    expected_outcome: ExpectedOutcomeOut | None
    evaluation: dict[str, Any]
    transcript: str = Field(description='"[MM:SS] Role: text" lines')
    transcript_object: list[dict[str, Any]]
    duration: str
    metadata: dict[str, Any]
    error_message: str
    timestamp: datetime
    executed_at: datetime | None
    tags: list[str]
    run_as_text: bool


class RunPage(BaseModel):
    count: int
    next: str | None
    previous: str | None
    results: list[RunExternal]
