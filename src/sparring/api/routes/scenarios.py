"""`/test_framework/v1/scenarios` (paginated; also mounted as `scenarios-external`)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query, Request

from sparring.api.crud import CrudSpec, mount_crud
from sparring.api.deps import PrincipalDep, SessionDep
from sparring.api.pagination import PageDep, page_body
from sparring.api.routing import SlashRouter
from sparring.api.schemas.catalog import ScenarioIn, ScenarioOut, ScenarioPatch
from sparring.api.schemas.common import ERROR_RESPONSES, MAX_ID, passthrough
from sparring.services import catalog
from sparring.services.keys import Principal
from sparring.storage.models import Scenario

router = SlashRouter(tags=["scenarios"], responses=ERROR_RESPONSES)
PREFIXES = ("/test_framework/v1/scenarios", "/test_framework/v1/scenarios-external")


def scenario_out(s: Scenario) -> dict[str, Any]:
    return {
        **passthrough(s.extra, ScenarioOut),
        "id": s.id,
        "name": s.name,
        "project": s.project_id,
        "agent": s.agent_id,
        "personality": s.personality_id,
        "test_profile": s.test_profile_id,
        "scenario_type": s.scenario_type,
        "instructions": s.instructions,
        "conditional_actions": s.conditional_actions,
        "expected_outcome_prompt": s.expected_outcome_prompt,
        "first_message": s.first_message,
        "scenario_language": s.language,
        "tags": s.tags,
        "metrics": s.metrics,
        "max_duration": s.max_duration,
        "created_at": s.created_at,
        "updated_at": s.updated_at,
    }


async def _apply(
    session: SessionDep,
    principal: Principal,
    row: Scenario,
    body: ScenarioIn | ScenarioPatch,
    partial: bool,
) -> None:
    catalog.check_project(principal, body.project)
    fields = body.declared(exclude_unset=partial, exclude={"project"}, mode="json")
    await catalog.agents.check_ref(session, principal, fields.get("agent"), "agent")
    await catalog.personalities.check_ref(
        session, principal, fields.get("personality"), "personality"
    )
    await catalog.test_profiles.check_ref(
        session, principal, fields.get("test_profile"), "test_profile"
    )
    await catalog.metrics.check_refs(session, principal, fields.get("metrics") or [], "metrics")
    renames = {
        "agent": "agent_id",
        "personality": "personality_id",
        "test_profile": "test_profile_id",
        "scenario_language": "language",
    }
    for key, value in fields.items():
        if value is None and partial and key not in renames:
            continue
        setattr(row, renames.get(key, key), value)
    if row.conditional_actions is not None and row.scenario_type != "conditional_actions":
        row.scenario_type = "conditional_actions"
    row.extra = {**(row.extra if partial else {}), **body.extras()}


SPEC = CrudSpec(
    catalog.scenarios,
    create_model=ScenarioIn,
    patch_model=ScenarioPatch,
    out_model=ScenarioOut,
    new_row=lambda p: Scenario(project_id=p.project_id, extra={}),
    apply=_apply,
    to_out=scenario_out,
)

for prefix in PREFIXES:

    @router.get(prefix, response_model=dict[str, Any], summary="List scenarios")
    async def list_scenarios(
        request: Request,
        session: SessionDep,
        principal: PrincipalDep,
        page: PageDep,
        agent_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
        project_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
        tags: Annotated[str | None, Query(max_length=2000, description="Comma-separated")] = None,
    ) -> dict[str, Any]:
        where = catalog.scenarios.equal(agent_id=agent_id, project_id=project_id)
        if tags:  # tags live in a JSON list: filter in Python, count what remains
            wanted = {t.strip() for t in tags.split(",") if t.strip()}
            every = await catalog.scenarios.find(session, principal, *where)
            matching = [s for s in every if wanted & set(s.tags)]
            page.check(len(matching))
            rows, count = matching[page.offset : page.offset + page.size], len(matching)
        else:
            count = await catalog.scenarios.count(session, principal, *where)
            page.check(count)
            rows = list(
                await catalog.scenarios.find(
                    session, principal, *where, offset=page.offset, limit=page.size
                )
            )
        return page_body(request, page, count, [scenario_out(s) for s in rows])

    mount_crud(router, prefix, SPEC)
