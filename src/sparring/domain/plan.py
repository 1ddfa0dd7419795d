"""A run's plan: everything needed to hold and score one conversation, frozen at launch and
stored as JSON on the run, so a worker on any machine can execute it and a rerun repeats it."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from sparring.domain.scenario import ConditionalAction, PersonalitySpec, ScenarioSpec
from sparring.domain.verdict import EvalType, MetricKind, MetricSpec


@dataclass(frozen=True, slots=True)
class RunPlan:
    """What one run does. The agent's connection details are read at run time by `agent_id`."""

    scenario: ScenarioSpec
    agent_id: int
    metrics: tuple[MetricSpec, ...] = ()
    caller_engine: str = "scripted"
    agent_overrides: dict[str, Any] = field(default_factory=dict)
    silence_timeout: float = 30.0

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RunPlan:
        s = dict(data["scenario"])
        s["personality"] = PersonalitySpec(**s.get("personality") or {})
        s["conditional_actions"] = tuple(
            ConditionalAction(**c) for c in s.get("conditional_actions") or ()
        )
        s["tags"] = tuple(s.get("tags") or ())
        s["metric_ids"] = tuple(s.get("metric_ids") or ())
        metrics = tuple(
            MetricSpec(
                **{
                    **m,
                    "eval_type": EvalType(m["eval_type"]),
                    "kind": MetricKind(m["kind"]),
                    "enum_values": tuple(m.get("enum_values") or ()),
                }
            )
            for m in data.get("metrics") or ()
        )
        return cls(
            scenario=ScenarioSpec(**s),
            agent_id=int(data["agent_id"]),
            metrics=metrics,
            caller_engine=data.get("caller_engine", "scripted"),
            agent_overrides=dict(data.get("agent_overrides") or {}),
            silence_timeout=float(data.get("silence_timeout", 30.0)),
        )
