"""Request and response models of personalities, test profiles, metrics, scenarios, schedules."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from sparring.api.schemas.common import Id, Language, Name, RequestModel, Timestamps

# ---- personalities -------------------------------------------------------------------------


class PersonalityIn(RequestModel):
    """A simulated caller's personality."""

    name: Name
    project: Id | None = None
    prompt: str = Field("", max_length=20_000, description="How the simulated caller behaves")
    language: Language = "en"


class PersonalityPatch(RequestModel):
    name: Name | None = None
    project: Id | None = None
    prompt: str | None = Field(None, max_length=20_000)
    language: Language | None = None


class PersonalityOut(Timestamps):
    id: int
    name: str
    project: int
    prompt: str
    language: str


# ---- test profiles -------------------------------------------------------------------------


class TestProfileIn(RequestModel):
    """Test data: `information` is `{main_agent_variables, testing_agent_variables}` or flat."""

    __test__ = False
    name: Name
    agent: Id | None = None
    project: Id | None = None
    information: dict[str, Any] = Field(default_factory=dict)


class TestProfilePatch(RequestModel):
    __test__ = False
    name: Name | None = None
    agent: Id | None = None
    project: Id | None = None
    information: dict[str, Any] | None = None


class TestProfileOut(Timestamps):
    __test__ = False
    id: int
    name: str
    project: int
    agent: int | None
    agent_name: str | None = None
    information: dict[str, Any]


# ---- metrics -------------------------------------------------------------------------------

MetricType = Literal["llm_judge", "custom_code", "basic"]
EvalTypeIn = Literal[
    "binary",
    "binary_workflow_adherence",
    "binary_qualitative",
    "continuous_qualitative",
    "numeric",
    "enum",
]
EnumValue = Annotated[str, Field(min_length=1, max_length=255)]


class MetricIn(RequestModel):
    """A metric. `eval_type` "binary" is stored as the seed's `binary_qualitative`."""

    name: Name
    project: Id | None = None
    agents: list[Id] = Field(default_factory=list, max_length=1000)
    type: MetricType = "llm_judge"
    eval_type: EvalTypeIn = "binary_qualitative"
    description: str = Field("", max_length=20_000)
    prompt: str = Field("", max_length=20_000)
    enum_values: list[EnumValue] = Field(default_factory=list, max_length=100)
    custom_code: str = Field("", max_length=100_000)
    configuration: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _consistent(self) -> MetricIn:
        if self.eval_type == "enum" and not self.enum_values:
            raise ValueError("enum_values: An enum metric needs at least one value.")
        if self.type == "custom_code" and not self.custom_code.strip():
            raise ValueError("custom_code: A custom_code metric needs code.")
        return self


class MetricPatch(RequestModel):
    name: Name | None = None
    project: Id | None = None
    agents: list[Id] | None = Field(None, max_length=1000)
    type: MetricType | None = None
    eval_type: EvalTypeIn | None = None
    description: str | None = Field(None, max_length=20_000)
    prompt: str | None = Field(None, max_length=20_000)
    enum_values: list[EnumValue] | None = Field(None, max_length=100)
    custom_code: str | None = Field(None, max_length=100_000)
    configuration: dict[str, Any] | None = None


class MetricOut(Timestamps):
    id: int
    name: str
    slug: str
    project: int
    agents: list[int]
    type: str
    eval_type: str
    description: str
    prompt: str
    enum_values: list[str]
    custom_code: str
    configuration: dict[str, Any]


# ---- scenarios -----------------------------------------------------------------------------


class Condition(BaseModel):
    model_config = ConfigDict(extra="allow")
    id: int = Field(ge=0, le=100_000)
    condition: Annotated[str, Field(max_length=5000)] | Annotated[int, Field(ge=0, le=100_000)]
    action: str = Field("", max_length=10_000)
    type: Literal["standard", "action_followup"] = "standard"
    fixed_message: bool = True


class ConditionalActions(BaseModel):
    model_config = ConfigDict(extra="allow")
    role: str = Field("", max_length=20_000)
    conditions: list[Condition] = Field(min_length=1, max_length=500)
    functions: list[dict[str, Any]] = Field(default_factory=list, max_length=100)

    @field_validator("conditions")
    @classmethod
    def _unique_ids(cls, conditions: list[Condition]) -> list[Condition]:
        ids = [c.id for c in conditions]
        if len(ids) != len(set(ids)):
            raise ValueError("Condition ids must be unique.")
        return conditions


ScenarioType = Literal["instruction", "conditional_actions", "real_world_smart", "real_world_fixed"]
Tag = Annotated[str, Field(min_length=1, max_length=64)]


class ScenarioIn(RequestModel):
    """A test case: what the simulated caller does and what a good outcome is."""

    name: Annotated[str, Field(min_length=1, max_length=80)]
    agent: Id | None = None
    project: Id | None = None
    personality: Id | None = None
    test_profile: Id | None = None
    scenario_type: ScenarioType = "instruction"
    instructions: str = Field("", max_length=50_000)
    conditional_actions: ConditionalActions | None = None
    expected_outcome_prompt: str = Field("", max_length=20_000)
    first_message: str = Field("Hello", max_length=5000)
    scenario_language: Language | None = None
    tags: list[Tag] = Field(default_factory=list, max_length=32)
    metrics: list[Id] = Field(default_factory=list, max_length=64)
    max_duration: int | None = Field(None, ge=10, le=3600, description="Seconds")

    @model_validator(mode="after")
    def _actions_match_type(self) -> ScenarioIn:
        if self.conditional_actions is not None and self.scenario_type != "conditional_actions":
            raise ValueError(
                'scenario_type: Must be "conditional_actions" when conditional_actions is sent.'
            )
        if self.scenario_type == "conditional_actions" and self.conditional_actions is None:
            raise ValueError("conditional_actions: Required for a conditional_actions scenario.")
        return self


class ScenarioPatch(RequestModel):
    name: Annotated[str, Field(min_length=1, max_length=80)] | None = None
    agent: Id | None = None
    project: Id | None = None
    personality: Id | None = None
    test_profile: Id | None = None
    scenario_type: ScenarioType | None = None
    instructions: str | None = Field(None, max_length=50_000)
    conditional_actions: ConditionalActions | None = None
    expected_outcome_prompt: str | None = Field(None, max_length=20_000)
    first_message: str | None = Field(None, max_length=5000)
    scenario_language: Language | None = None
    tags: list[Tag] | None = Field(None, max_length=32)
    metrics: list[Id] | None = Field(None, max_length=64)
    max_duration: int | None = Field(None, ge=10, le=3600)


class ScenarioOut(Timestamps):
    id: int
    name: str
    project: int
    agent: int | None
    personality: int | None
    personality_name: str | None = None
    test_profile: int | None
    scenario_type: str
    instructions: str
    conditional_actions: dict[str, Any] | None
    expected_outcome_prompt: str
    first_message: str
    scenario_language: str | None
    tags: list[str]
    metrics: list[int]
    max_duration: int | None


# ---- schedules -----------------------------------------------------------------------------

ExecutionMode = Literal[
    "voice",
    "text",
    "sip",
    "vapi_webrtc",
    "retell_webrtc",
    "elevenlabs",
    "ello",
    "livekit_v2",
    "pipecat_v2",
    "agora",
]


class ScheduleIn(RequestModel):
    """A cron job that launches runs (executed by a later release; stored and validated now)."""

    crontab_expression: Annotated[str, Field(min_length=1, max_length=255)]
    name: str = Field("", max_length=255)
    timezone: str = Field("UTC", max_length=64)
    agent: Id | None = None
    scenarios: list[Id] = Field(default_factory=list, max_length=1000)
    tags: list[Tag] = Field(default_factory=list, max_length=32)
    personalities: list[Id] = Field(default_factory=list, max_length=100)
    execution_mode: ExecutionMode = "text"
    frequency: int = Field(1, ge=1, le=100)
    concurrency_limit: int | None = Field(None, ge=1, le=10_000)
    notify_on: Literal["never", "success", "failure", "both"] = "never"
    is_active: bool = True

    @field_validator("crontab_expression")
    @classmethod
    def _cron(cls, value: str) -> str:
        return check_cron(value)

    @field_validator("timezone")
    @classmethod
    def _tz(cls, value: str) -> str:
        return check_timezone(value)


class SchedulePatch(RequestModel):
    crontab_expression: Annotated[str, Field(min_length=1, max_length=255)] | None = None
    name: str | None = Field(None, max_length=255)
    timezone: str | None = Field(None, max_length=64)
    agent: Id | None = None
    scenarios: list[Id] | None = Field(None, max_length=1000)
    tags: list[Tag] | None = Field(None, max_length=32)
    personalities: list[Id] | None = Field(None, max_length=100)
    execution_mode: ExecutionMode | None = None
    frequency: int | None = Field(None, ge=1, le=100)
    concurrency_limit: int | None = Field(None, ge=1, le=10_000)
    notify_on: Literal["never", "success", "failure", "both"] | None = None
    is_active: bool | None = None

    @field_validator("crontab_expression")
    @classmethod
    def _cron(cls, value: str | None) -> str | None:
        return None if value is None else check_cron(value)

    @field_validator("timezone")
    @classmethod
    def _tz(cls, value: str | None) -> str | None:
        return None if value is None else check_timezone(value)


class ScheduleOut(Timestamps):
    id: int
    name: str
    crontab_expression: str
    timezone: str
    agent: int | None
    scenarios: list[int]
    tags: list[str]
    personalities: list[int]
    execution_mode: str
    frequency: int
    concurrency_limit: int | None
    notify_on: str
    is_active: bool
    next_run_at: datetime | None


def check_cron(value: str) -> str:
    """A five-field cron expression that parses, or ValueError."""
    from croniter import croniter

    fields = value.split()
    if len(fields) != 5 or not croniter.is_valid(value):
        raise ValueError(f'"{value}" is not a valid five-field cron expression.')
    return " ".join(fields)


def check_timezone(value: str) -> str:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f'"{value}" is not a known IANA time zone.') from None
    return value
