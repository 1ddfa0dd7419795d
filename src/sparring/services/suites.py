"""Cekura's test-suite JSON (`cekura-test-suite-v1`): validate, plan, and launch.

A suite names its test cases by `key`; each key is kept as a scenario row of the project (created
or updated on every launch), so results of the same suite stay comparable over time. Inline
personalities and test profiles are used for the run only, as in Cekura.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Any

from jsonschema import Draft202012Validator
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from sparring.domain.plan import RunPlan
from sparring.domain.scenario import ConditionalAction, PersonalitySpec, ScenarioSpec
from sparring.errors import BadInput
from sparring.services import catalog
from sparring.services.keys import Principal
from sparring.services.launch import (
    LaunchRequest,
    PlannedRun,
    metric_spec,
    profile_variables,
    run_settings,
    store_result,
)
from sparring.storage.models import Agent, Metric, Personality, Result, Scenario, TestProfile


class SuiteInvalid(BadInput):
    """Every problem of a suite document, keyed by its JSON path."""


@cache
def suite_schema() -> dict[str, Any]:
    text = files("sparring.services").joinpath("schemas/test-suite-v1.json").read_text()
    schema: dict[str, Any] = json.loads(text)
    return schema


def validate_suite(doc: Any) -> dict[str, Any]:
    """The suite if it matches the schema; `SuiteInvalid` listing all problems otherwise."""
    validator = Draft202012Validator(suite_schema())
    errors: dict[str, list[str]] = {}
    for error in sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path)):
        errors.setdefault(json_path(error.absolute_path), []).append(error.message)
    if errors:
        raise SuiteInvalid.many(errors)
    assert isinstance(doc, dict)
    return doc


def json_path(parts: Any) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (("." if out else "") + str(part))
    return out or "spec"


@dataclass
class SuiteCase:
    """One test case of a suite with the defaults applied."""

    key: str
    spec: dict[str, Any]
    frequency: int


def cases(suite: dict[str, Any]) -> list[SuiteCase]:
    defaults = suite.get("defaults") or {}
    out: list[SuiteCase] = []
    for index, scenario in enumerate(suite["scenarios"]):
        merged = {**{k: v for k, v in defaults.items() if k != "concurrency_limit"}, **scenario}
        merged["metrics"] = list(
            dict.fromkeys([*(defaults.get("metrics") or []), *(scenario.get("metrics") or [])])
        )
        key = str(scenario.get("key") or scenario["name"])
        out.append(SuiteCase(key, merged, int(merged.get("frequency") or 1)))
        del index
    keys = [c.key for c in out]
    dupes = sorted({k for k in keys if keys.count(k) > 1})
    if dupes:
        raise SuiteInvalid(
            "scenarios", f"Scenario keys must be unique; repeated: {', '.join(dupes)}."
        )
    return out


async def _metrics(
    session: AsyncSession, principal: Principal, refs: list[Any], where: str
) -> list[Metric]:
    rows = await catalog.metrics.find(session, principal)
    by_id = {m.id: m for m in rows}
    by_slug = {m.slug: m for m in rows}
    found = []
    for ref in refs:
        metric = by_id.get(ref) if isinstance(ref, int) else by_slug.get(ref)
        if metric is None:
            raise BadInput(f"{where}.metrics", f'Metric "{ref}" does not exist in this project.')
        found.append(metric)
    return found


async def _personality(
    session: AsyncSession, principal: Principal, value: Any, where: str
) -> tuple[PersonalitySpec, dict[str, Any]]:
    if value is None:
        return PersonalitySpec(), {"mode": "project_default"}
    if isinstance(value, int):
        row = await catalog.personalities.check_ref(
            session, principal, value, f"{where}.personality"
        )
        assert isinstance(row, Personality)
        return PersonalitySpec(row.name, row.prompt, row.language, row.id), {
            "mode": "existing",
            "id": row.id,
            "name": row.name,
        }
    base = PersonalitySpec()
    if value.get("base") is not None:
        row = await catalog.personalities.check_ref(
            session, principal, value["base"], f"{where}.personality.base"
        )
        assert isinstance(row, Personality)
        base = PersonalitySpec(row.name, row.prompt, row.language, row.id)
    spec = PersonalitySpec(
        name=value.get("name") or base.name
        if value.get("base")
        else value.get("name") or "Inline caller",
        prompt=value.get("prompt", base.prompt),
        language=value.get("language", base.language),
        id=base.id,
    )
    return spec, {"mode": "override" if value.get("base") else "inline", "name": spec.name}


async def _profile(
    session: AsyncSession, principal: Principal, value: Any, where: str
) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    if value is None:
        return {}, {}, {"mode": "none"}
    if isinstance(value, int):
        row = await catalog.test_profiles.check_ref(
            session, principal, value, f"{where}.test_profile"
        )
        assert isinstance(row, TestProfile)
        agent_vars, caller_vars = profile_variables(row.information)
        return agent_vars, caller_vars, {"mode": "existing", "id": row.id, "name": row.name}
    sections = [s for s in ("agent_variables", "caller_variables") if value.get(s)]
    return (
        dict(value.get("agent_variables") or {}),
        dict(value.get("caller_variables") or {}),
        {"mode": "inline", "sections": sections},
    )


async def plan_suite(
    session: AsyncSession,
    principal: Principal,
    suite: dict[str, Any],
    agent: Agent,
    caller_engine: str,
) -> tuple[list[tuple[SuiteCase, ScenarioSpec, list[Metric]]], list[dict[str, Any]]]:
    """Resolve every case into a scenario spec; also the dry-run description of each."""
    resolved = []
    described = []
    for index, case in enumerate(cases(suite)):
        where = f"scenarios[{index}]"
        spec = case.spec
        persona, persona_info = await _personality(
            session, principal, spec.get("personality"), where
        )
        agent_vars, caller_vars, profile_info = await _profile(
            session, principal, spec.get("test_profile"), where
        )
        metrics = await _metrics(session, principal, list(spec.get("metrics") or []), where)
        actions = spec.get("conditional_actions") or {}
        scenario = ScenarioSpec(
            name=spec["name"],
            key=case.key,
            instructions=spec.get("instructions", ""),
            first_message=spec.get("first_message", ""),
            role=str(actions.get("role", "")),
            conditional_actions=tuple(_action(c, where) for c in actions.get("conditions", [])),
            expected_outcome=spec.get("expected_outcome", ""),
            personality=persona,
            agent_variables=agent_vars,
            caller_variables=caller_vars,
            language=spec.get("language") or persona.language,
            max_duration=float(spec["max_duration"]) if spec.get("max_duration") else None,
            tags=tuple(spec.get("tags") or ()),
            metric_ids=tuple(m.id for m in metrics),
        )
        resolved.append((case, scenario, metrics))
        described.append(
            {
                "key": case.key,
                "name": scenario.name,
                "type": spec.get("type", "instruction"),
                "frequency": case.frequency,
                "metric_ids": [m.id for m in metrics],
                "tags": list(scenario.tags),
                "personality": persona_info,
                "test_profile": profile_info,
            }
        )
    return resolved, described


def _action(raw: Any, where: str) -> ConditionalAction:
    if not isinstance(raw, dict) or "id" not in raw or "condition" not in raw:
        raise BadInput(
            f"{where}.conditional_actions.conditions", "Each condition needs id and condition."
        )
    return ConditionalAction(
        id=int(raw["id"]),
        condition=raw["condition"],
        action=str(raw.get("action", "")),
        type=str(raw.get("type", "standard")),
        fixed_message=bool(raw.get("fixed_message", True)),
    )


async def keep_scenario(
    session: AsyncSession, principal: Principal, agent: Agent, spec: ScenarioSpec
) -> int:
    """The project's scenario row for this suite key, created or brought up to date."""
    rows = await session.scalars(
        select(Scenario).where(
            Scenario.project_id == principal.project_id, Scenario.name == spec.name
        )
    )
    row = next((r for r in rows if (r.extra or {}).get("suite_key") == spec.key), None)
    if row is None:
        row = Scenario(
            project_id=principal.project_id, name=spec.name, extra={"suite_key": spec.key}
        )
        session.add(row)
    row.agent_id = agent.id
    # The suite's inline personality and test data travel with the row, so launching the
    # scenario later by id (run_scenarios_text, `cekura run start`) plays it the same way.
    row.extra = {
        **(row.extra or {}),
        "suite_key": spec.key,
        "inline_personality": {
            "name": spec.personality.name,
            "prompt": spec.personality.prompt,
            "language": spec.personality.language,
        },
        "inline_test_profile": {
            "main_agent_variables": spec.agent_variables,
            "testing_agent_variables": spec.caller_variables,
        },
    }
    row.personality_id = spec.personality.id
    row.instructions = spec.instructions
    row.first_message = spec.first_message or "Hello"
    row.expected_outcome_prompt = spec.expected_outcome
    row.tags = list(spec.tags)
    row.metrics = list(spec.metric_ids)
    row.language = spec.language
    row.max_duration = int(spec.max_duration) if spec.max_duration else None
    if spec.conditional_actions:
        row.scenario_type = "conditional_actions"
        row.conditional_actions = {
            "role": spec.role,
            "conditions": [
                {
                    "id": c.id,
                    "condition": c.condition,
                    "action": c.action,
                    "type": c.type,
                    "fixed_message": c.fixed_message,
                }
                for c in spec.conditional_actions
            ],
        }
    await session.flush()
    return row.id


async def launch_suite(
    session: AsyncSession,
    principal: Principal,
    suite_doc: Any,
    agent_id: int | None,
    *,
    name: str = "",
    caller_engine: str = "scripted",
    dry_run: bool = False,
    concurrency_limit: int | None = None,
) -> tuple[Result | None, int, dict[str, Any]]:
    """Validate and plan a suite; unless `dry_run`, store a result with its runs."""
    suite = validate_suite(suite_doc)
    agent = await catalog.agents.check_ref(session, principal, agent_id, "agent_id")
    if agent is None:
        raise BadInput("agent_id", "This field is required.")
    resolved, described = await plan_suite(session, principal, suite, agent, caller_engine)
    total = sum(case.frequency for case, _, _ in resolved)
    suite_name = (suite.get("suite") or {}).get("name") or "suite"
    limit = concurrency_limit or (suite.get("defaults") or {}).get("concurrency_limit")
    plan = {
        "agent_id": agent.id,
        "project_id": principal.project_id,
        "channel": "text",
        "suite_name": suite_name,
        "scenario_count": len(resolved),
        "total_runs": total,
        "estimated_cost": 0,
        "scenarios": described,
    }
    if dry_run:
        return None, total, plan
    planned: list[PlannedRun] = []
    for case, spec, metrics in resolved:
        scenario_id = await keep_scenario(session, principal, agent, spec)
        spec = ScenarioSpec(**{**_fields(spec), "id": scenario_id})
        run_plan = RunPlan(
            scenario=spec,
            agent_id=agent.id,
            metrics=tuple(metric_spec(m) for m in metrics),
            caller_engine=caller_engine,
        )
        planned += [
            PlannedRun(run_plan, scenario_id, spec.personality.id, None, i)
            for i in range(case.frequency)
        ]
    request = LaunchRequest(agent_id=agent.id, concurrency_limit=limit, caller_engine=caller_engine)
    settings = {**run_settings(request), "suite": suite_name}
    result = await store_result(
        session,
        principal,
        agent,
        planned,
        name=name or suite_name,
        run_type="Text",
        settings=settings,
    )
    return result, total, plan


def _fields(spec: ScenarioSpec) -> dict[str, Any]:
    return {f: getattr(spec, f) for f in spec.__dataclass_fields__}
