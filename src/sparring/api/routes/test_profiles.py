"""`/test_framework/v1/test-profiles-external` (list is a bare array; create answers 200)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query

from sparring.api.crud import CrudSpec, mount_crud
from sparring.api.deps import PrincipalDep, SessionDep
from sparring.api.routing import SlashRouter
from sparring.api.schemas.catalog import TestProfileIn, TestProfileOut, TestProfilePatch
from sparring.api.schemas.common import ERROR_RESPONSES, MAX_ID
from sparring.services import catalog
from sparring.services.keys import Principal
from sparring.storage.models import TestProfile

router = SlashRouter(tags=["test profiles"], responses=ERROR_RESPONSES)


def test_profile_out(t: TestProfile) -> dict[str, Any]:
    return {
        "id": t.id,
        "name": t.name,
        "project": t.project_id,
        "agent": t.agent_id,
        "information": t.information,
        "created_at": t.created_at,
        "updated_at": t.updated_at,
    }


test_profile_out.__test__ = False  # type: ignore[attr-defined]


async def _apply(
    session: SessionDep,
    principal: Principal,
    row: TestProfile,
    body: TestProfileIn | TestProfilePatch,
    partial: bool,
) -> None:
    catalog.check_project(principal, body.project)
    fields = body.declared(exclude_unset=partial, exclude={"project"})
    if "agent" in fields:
        await catalog.agents.check_ref(session, principal, fields["agent"], "agent")
        row.agent_id = fields["agent"]
    if fields.get("name") is not None:
        row.name = fields["name"]
    if fields.get("information") is not None:
        row.information = {**fields["information"], **body.extras()}
    elif not partial:
        row.information = {}


SPEC = CrudSpec(
    catalog.test_profiles,
    create_model=TestProfileIn,
    patch_model=TestProfilePatch,
    out_model=TestProfileOut,
    new_row=lambda p: TestProfile(project_id=p.project_id, information={}),
    apply=_apply,
    to_out=test_profile_out,
    create_status=200,
)

for prefix in ("/test_framework/v1/test-profiles-external", "/test_framework/v1/test-profiles"):

    @router.get(prefix, response_model=list[TestProfileOut], summary="List test profiles")
    async def list_test_profiles(
        session: SessionDep,
        principal: PrincipalDep,
        agent_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
        project_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    ) -> list[dict[str, Any]]:
        where = catalog.test_profiles.equal(agent_id=agent_id, project_id=project_id)
        rows = await catalog.test_profiles.find(session, principal, *where, limit=1000)
        return [test_profile_out(t) for t in rows]

    mount_crud(router, prefix, SPEC)
