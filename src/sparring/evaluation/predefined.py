"""The predefined metrics: computed from timing and transcript alone, no LLM, no credits.

`PREDEFINED_METRICS` is the catalogue the API lists (`GET /predefined-metrics`); each entry has
a stable `code` (short hex, like Cekura's `vocera_defined_metric_code`), `slug` (also its
`function_name`), `name`, `description`, `category` and `eval_type`. `PredefinedEvaluator`
scores a metric of kind `predefined` by `function_name`, code, slug or name.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from sparring.domain.transcript import Transcript
from sparring.domain.verdict import EvalType, MetricKind, MetricSpec, MetricVerdict
from sparring.evaluation import signals
from sparring.evaluation.base import Conversation, Evaluator
from sparring.evaluation.signals import Measurement
from sparring.evaluation.verdicts import coerce_result, error_verdict, inconclusive_verdict

MetricFunction = Callable[[Transcript, Mapping[str, Any]], Measurement]

CONVERSATION_QUALITY = "Conversation Quality"
ACCURACY = "Accuracy"
SPEECH_QUALITY = "Speech Quality"


@dataclass(frozen=True, slots=True)
class PredefinedMetric:
    """One catalogue entry and the function that measures it."""

    code: str
    slug: str
    name: str
    description: str
    category: str
    eval_type: EvalType
    compute: MetricFunction
    enum_values: tuple[str, ...] = ()
    configuration: Mapping[str, Any] = field(default_factory=dict)
    unit: str = ""

    @property
    def function_name(self) -> str:
        return self.slug

    def spec(self, *, metric_id: int | None = None) -> MetricSpec:
        """The metric as evaluators see it (e.g. to add it to a run)."""
        return MetricSpec(
            name=self.name,
            eval_type=self.eval_type,
            kind=MetricKind.PREDEFINED,
            id=metric_id,
            description=self.description,
            enum_values=self.enum_values,
            configuration=dict(self.configuration),
            function_name=self.function_name,
        )

    def to_json(self) -> dict[str, Any]:
        """The listing item of `GET /test_framework/v1/predefined-metrics` (minus `id`)."""
        return {
            "name": self.name,
            "description": self.description,
            "code": self.code,
            "slug": self.slug,
            "type": MetricKind.PREDEFINED.value,
            "eval_type": self.eval_type.value,
            "function_name": self.function_name,
            "enum_values": list(self.enum_values),
            "configuration": dict(self.configuration),
            "category": self.category,
            "unit": self.unit,
            "audio_enabled": False,
            "simulation_enabled": True,
            "observability_enabled": True,
            "cost": "0.0",
        }


NUMERIC, BINARY, ENUM = EvalType.NUMERIC, EvalType.BINARY_QUALITATIVE, EvalType.ENUM
_Q, _A, _S = CONVERSATION_QUALITY, ACCURACY, SPEECH_QUALITY

# code, slug, name, description, category, eval_type, function, extra fields
PREDEFINED_METRICS: list[PredefinedMetric] = [
    PredefinedMetric(
        "2cf52262",
        "agent_response_latency",
        "Agent Response Latency",
        "Mean time "
        "in ms from the end of the caller's message to the end of the agent's reply; p50 and "
        "p90 of the run in extra.percentiles.",
        _Q,
        NUMERIC,
        signals.response_latency,
        unit="ms",
    ),
    PredefinedMetric(
        "ad48abdf",
        "time_to_first_reply",
        "Time to First Reply",
        "Latency in ms of the agent's first reply.",
        _Q,
        NUMERIC,
        signals.time_to_first_reply,
        unit="ms",
    ),
    PredefinedMetric(
        "0f3f5177",
        "turns",
        "Turns",
        "Number of agent replies (extra.messages counts caller messages too).",
        _Q,
        NUMERIC,
        signals.turn_count,
        unit="replies",
    ),
    PredefinedMetric(
        "29deb15d",
        "call_duration",
        "Call Duration",
        "Seconds from the start of the call to the end of its last message.",
        _Q,
        NUMERIC,
        signals.call_duration,
        unit="s",
    ),
    PredefinedMetric(
        "41593530",
        "words_per_agent_turn",
        "Words per Agent Turn",
        "Mean number of words in an agent reply (verbosity).",
        _Q,
        NUMERIC,
        signals.words_per_agent_turn,
        unit="words",
    ),
    PredefinedMetric(
        "b1d251b6",
        "talk_ratio",
        "Talk Ratio",
        "Share of all words spoken by the agent, 0.0 to 1.0.",
        _S,
        NUMERIC,
        signals.talk_ratio,
        unit="0-1",
    ),
    PredefinedMetric(
        "95cf6057",
        "unnecessary_repetition",
        "Unnecessary Repetition Count",
        "Agent replies of three or more words that repeat an earlier reply (same words, or at "
        "least 90 % similar).",
        _Q,
        NUMERIC,
        signals.repetitions,
        unit="replies",
    ),
    PredefinedMetric(
        "e6fe9d34",
        "who_ended_call",
        "Who Ended the Call",
        "Who ended the call: "
        "agent, caller, or other (turn or time limit, silence, failure). Judges appropriate "
        "termination.",
        _Q,
        ENUM,
        signals.who_ended,
        enum_values=("agent", "caller", "other"),
    ),
    PredefinedMetric(
        "2345d007",
        "infrastructure_issues",
        "Infrastructure Issues",
        "1 when the "
        "call ran without infrastructure trouble; 0 on a failed connection, an error, agent "
        "silence, or a reply slower than infra_issues_timeout seconds (default 10).",
        _Q,
        BINARY,
        signals.infrastructure,
        configuration={"infra_issues_timeout": 10},
    ),
    PredefinedMetric(
        "ee9a1d18",
        "tool_call_errors",
        "Tool Call Errors",
        "Number of tool results that look like errors (error fields, failure status, error text).",
        _A,
        NUMERIC,
        signals.tool_call_errors,
        unit="results",
    ),
]


def find_predefined(key: str) -> PredefinedMetric | None:
    """The catalogue entry whose code, slug (function name) or name is `key`."""
    wanted = key.strip().casefold()
    if not wanted:
        return None
    for metric in PREDEFINED_METRICS:
        if wanted in (metric.code, metric.slug, metric.name.casefold()):
            return metric
    return None


def predefined_for(metric: MetricSpec) -> PredefinedMetric | None:
    """The catalogue entry a stored metric refers to, by function name, code or name."""
    keys = [metric.function_name, str(metric.configuration.get("vocera_defined_metric_code", ""))]
    if metric.kind is MetricKind.PREDEFINED:
        keys += [metric.code, metric.name]  # `code` holds custom code for other kinds
    for key in keys:
        found = find_predefined(key) if key else None
        if found is not None:
            return found
    return None


class PredefinedEvaluator(Evaluator):
    """Kind `predefined`: runs the catalogue function the metric names."""

    kind: ClassVar[str] = MetricKind.PREDEFINED.value

    async def evaluate(self, metric: MetricSpec, conversation: Conversation) -> MetricVerdict:
        definition = predefined_for(metric)
        if definition is None:
            known = ", ".join(m.slug for m in PREDEFINED_METRICS)
            return error_verdict(
                metric,
                f"no predefined metric {metric.function_name or metric.name!r}; known: {known}",
            )
        config = {**definition.configuration, **metric.configuration}
        measured = definition.compute(conversation.transcript, config)
        if measured.value is None:
            return inconclusive_verdict(metric, measured.explanation, measured.evidence)
        spec = dataclasses.replace(
            metric,
            enum_values=metric.enum_values or definition.enum_values,
            function_name=metric.function_name or definition.function_name,
        )
        return coerce_result(
            spec,
            measured.value,
            measured.explanation,
            evidence=measured.evidence,
            extra=measured.extra,
        )
