"""Launching runs: resolve what to run into frozen plans, store a result with its runs, enqueue.

Runs = scenarios × personalities × test profiles × frequency. Each run's plan is stored on the run
so that any worker can execute it and a rerun repeats it exactly.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import product
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from sparring.domain.plan import RunPlan
from sparring.domain.scenario import ConditionalAction, PersonalitySpec, ScenarioSpec
from sparring.domain.status import Status
from sparring.domain.verdict import EvalType, MetricKind, MetricSpec
from sparring.errors import BadInput
from sparring.runner.agents import agent_spec
from sparring.services import catalog
from sparring.services.catalog import Catalog
from sparring.services.keys import Principal
from sparring.storage.models import Agent, Metric, Personality, Result, Run, Scenario, TestProfile

MAX_RUNS_PER_LAUNCH = 10_000


@dataclass
class LaunchRequest:
    """What to run, already validated for types by the API or the CLI."""

    agent_id: int | None
    scenario_ids: list[int] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    personality_ids: list[int] = field(default_factory=list)
    test_profile_ids: list[int] = field(default_factory=list)
    frequency: int = 1
    concurrency_limit: int | None = None
    name: str = ""
    caller_engine: str = "scripted"
    agent_overrides: dict[str, Any] = field(default_factory=dict)
    run_type: str = "Text"
    is_cronjob: bool = False


@dataclass(frozen=True)
class PlannedRun:
    plan: RunPlan
    scenario_id: int | None
    personality_id: int | None
    test_profile_id: int | None
    frequency_index: int


def scenario_spec(
    s: Scenario, personality: Personality | None, profile: TestProfile | None
) -> ScenarioSpec:
    """A stored scenario with its personality and test data, as the simulation reads it."""
    actions = s.conditional_actions or {}
    extra = s.extra or {}
    information = profile.information if profile else extra.get("inline_test_profile") or {}
    agent_vars, caller_vars = profile_variables(information)
    persona = personality_spec(personality, extra.get("inline_personality"))
    return ScenarioSpec(
        name=s.name,
        id=s.id,
        instructions=s.instructions,
        first_message=s.first_message,
        role=str(actions.get("role", "")),
        conditional_actions=tuple(
            ConditionalAction(
                id=int(c["id"]),
                condition=c["condition"],
                action=c.get("action", ""),
                type=c.get("type", "standard"),
                fixed_message=bool(c.get("fixed_message", True)),
            )
            for c in actions.get("conditions", [])
        ),
        expected_outcome=s.expected_outcome_prompt,
        personality=persona,
        agent_variables=agent_vars,
        caller_variables=caller_vars,
        language=s.language or persona.language,
        max_duration=float(s.max_duration) if s.max_duration else None,
        tags=tuple(s.tags or ()),
        metric_ids=tuple(s.metrics or ()),
        key=str((s.extra or {}).get("suite_key", "")),
    )


def personality_spec(row: Personality | None, inline: dict[str, Any] | None) -> PersonalitySpec:
    """A stored personality, else a suite's inline one, else the default caller."""
    if row is not None:
        return PersonalitySpec(row.name, row.prompt, row.language, row.id)
    return PersonalitySpec(**inline) if inline else PersonalitySpec()


def profile_variables(information: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(agent variables, caller variables); a flat dict goes to both sides."""
    if "main_agent_variables" in information or "testing_agent_variables" in information:
        return (
            dict(information.get("main_agent_variables") or {}),
            dict(information.get("testing_agent_variables") or {}),
        )
    return dict(information), dict(information)


def metric_spec(m: Metric) -> MetricSpec:
    kinds = {
        "llm_judge": MetricKind.LLM_JUDGE,
        "custom_code": MetricKind.CUSTOM_CODE,
        "predefined": MetricKind.PREDEFINED,
    }
    return MetricSpec(
        name=m.name,
        eval_type=EvalType(m.eval_type),
        kind=kinds.get(m.type, MetricKind.BASIC),
        id=m.id,
        description=m.description,
        prompt=m.prompt,
        enum_values=tuple(m.enum_values or ()),
        code=m.custom_code,
        configuration=dict(m.configuration or {}),
        function_name=str((m.extra or {}).get("function_name", "")),
    )


async def resolve_scenarios(
    session: AsyncSession, principal: Principal, request: LaunchRequest
) -> list[Scenario]:
    if request.scenario_ids:
        await catalog.scenarios.check_refs(session, principal, request.scenario_ids, "scenarios")
        rows = await session.scalars(
            select(Scenario).where(
                Scenario.project_id == principal.project_id, Scenario.id.in_(request.scenario_ids)
            )
        )
        by_id = {s.id: s for s in rows}
        return [by_id[i] for i in request.scenario_ids]
    if request.tags:
        every = await catalog.scenarios.find(session, principal)
        chosen = [s for s in reversed(every) if set(request.tags) & set(s.tags or ())]
        if not chosen:
            raise BadInput("tags", "No scenario of this project has any of these tags.")
        return chosen
    raise BadInput("scenarios", "Give the scenarios to run (scenario ids) or tags.")


async def plan_runs(
    session: AsyncSession, principal: Principal, request: LaunchRequest, agent: Agent
) -> list[PlannedRun]:
    scenarios = await resolve_scenarios(session, principal, request)
    await catalog.personalities.check_refs(
        session, principal, request.personality_ids, "personality_ids"
    )
    await catalog.test_profiles.check_refs(
        session, principal, request.test_profile_ids, "test_profile_ids"
    )
    total = (
        len(scenarios)
        * request.frequency
        * max(1, len(request.personality_ids))
        * max(1, len(request.test_profile_ids))
    )
    if total > MAX_RUNS_PER_LAUNCH:
        raise BadInput(
            "frequency", f"This would start {total} runs; at most {MAX_RUNS_PER_LAUNCH}."
        )
    agent_metrics = [
        m for m in await catalog.metrics.find(session, principal) if agent.id in (m.agents or [])
    ]
    planned: list[PlannedRun] = []
    for scenario in scenarios:
        metrics = tuple(
            metric_spec(m) for m in await _metrics_for(session, principal, scenario, agent_metrics)
        )
        personas = await _pick(
            session,
            principal,
            catalog.personalities,
            request.personality_ids,
            scenario.personality_id,
        )
        profiles = await _pick(
            session,
            principal,
            catalog.test_profiles,
            request.test_profile_ids,
            scenario.test_profile_id,
        )
        for persona, profile in product(personas, profiles):
            plan = RunPlan(
                scenario=scenario_spec(scenario, persona, profile),
                agent_id=agent.id,
                metrics=metrics,
                caller_engine=request.caller_engine,
                agent_overrides=request.agent_overrides,
            )
            ids = (scenario.id, persona.id if persona else None, profile.id if profile else None)
            planned += [PlannedRun(plan, *ids, index) for index in range(request.frequency)]
    return planned


async def _pick(
    session: AsyncSession, principal: Principal, kind: Catalog[Any], ids: list[int], own: int | None
) -> Sequence[Any]:
    """The rows the launch names, else the scenario's own one, else [None]."""
    wanted = ids or ([own] if own else [])
    if not wanted:
        return [None]
    rows = {r.id: r for r in await kind.find(session, principal, kind.id_column.in_(wanted))}
    return [rows[i] for i in wanted if i in rows] or [None]


async def _metrics_for(
    session: AsyncSession, principal: Principal, scenario: Scenario, agent_metrics: list[Metric]
) -> list[Metric]:
    ids = [int(i) for i in scenario.metrics or []]
    rows = list(await catalog.metrics.find(session, principal, Metric.id.in_(ids))) if ids else []
    seen = {m.id for m in rows}
    return sorted(rows + [m for m in agent_metrics if m.id not in seen], key=lambda m: m.id)


async def create_result(
    session: AsyncSession, principal: Principal, request: LaunchRequest
) -> tuple[Result, int]:
    """Store a result with its planned runs (one transaction); returns it and its run count."""
    agent = await catalog.agents.check_ref(session, principal, request.agent_id, "agent_id")
    if agent is None:
        raise BadInput("agent_id", "This field is required.")
    agent_spec(agent, request.agent_overrides)  # 400 now if no transport can reach it
    planned = await plan_runs(session, principal, request, agent)
    result = await store_result(
        session,
        principal,
        agent,
        planned,
        name=request.name,
        run_type=request.run_type,
        settings=run_settings(request),
        is_cronjob=request.is_cronjob,
    )
    return result, len(planned)


async def store_result(
    session: AsyncSession,
    principal: Principal,
    agent: Agent,
    planned: list[PlannedRun],
    *,
    name: str,
    run_type: str,
    settings: dict[str, Any],
    is_cronjob: bool = False,
) -> Result:
    """A result with one queued run per planned run, in one transaction."""
    metric_list: dict[int, dict[str, Any]] = {}
    for p in planned:
        for m in p.plan.metrics:
            if m.id is not None:
                metric_list[m.id] = {"id": m.id, "name": m.name, "eval_type": m.eval_type.value}
    result = Result(
        project_id=principal.project_id,
        agent_id=agent.id,
        agent_name=agent.name,
        name=name or f"{agent.name} — {len({p.scenario_id for p in planned})} scenarios",
        status=Status.IN_QUEUE.value,
        run_as_text=True,
        is_cronjob=is_cronjob,
        run_type=run_type,
        run_settings=settings,
        metrics=list(metric_list.values()),
    )
    session.add(result)
    await session.flush()
    shared = {id(p.plan): p.plan for p in planned}  # the runs of a frequency share one plan
    plans = {key: plan.to_json() for key, plan in shared.items()}
    rows = [
        {
            "result_id": result.id,
            "project_id": principal.project_id,
            "scenario_id": p.scenario_id,
            "personality_id": p.personality_id,
            "test_profile_id": p.test_profile_id,
            "scenario_name": p.plan.scenario.name,
            "personality_name": p.plan.scenario.personality.name,
            "status": Status.IN_QUEUE.value,
            "plan": plans[id(p.plan)],
            "tags": list(p.plan.scenario.tags),
            "frequency_index": p.frequency_index,
        }
        for p in planned
    ]
    if rows:
        await session.execute(insert(Run), rows)  # one executemany, no ORM objects
    await session.commit()
    return result


def run_settings(request: LaunchRequest) -> dict[str, Any]:
    """The seed's `run_settings`: a snapshot of what the launch asked for."""
    return {
        "frequency": request.frequency,
        "concurrency_limit": request.concurrency_limit,
        "personality_ids": request.personality_ids,
        "test_profile_ids": request.test_profile_ids,
        "scenario_ids": request.scenario_ids,
        "tags": request.tags,
        "caller": request.caller_engine,
        "mode": "text",
        **{k: v for k, v in request.agent_overrides.items() if k != "websocket_headers"},
    }


def lanes_for(result: Result, run_count: int) -> int:
    limit = (result.run_settings or {}).get("concurrency_limit")
    return min(run_count, int(limit)) if limit else run_count
