"""`/test_framework/v1/personalities` (list is a bare array, as in Cekura)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Query

from sparring.api.crud import CrudSpec, mount_crud
from sparring.api.deps import PrincipalDep, SessionDep
from sparring.api.routing import SlashRouter
from sparring.api.schemas.catalog import PersonalityIn, PersonalityOut, PersonalityPatch
from sparring.api.schemas.common import ERROR_RESPONSES, Language, passthrough
from sparring.services import catalog
from sparring.services.keys import Principal
from sparring.storage.models import Personality

router = SlashRouter(tags=["personalities"], responses=ERROR_RESPONSES)


def personality_out(p: Personality) -> dict[str, Any]:
    return {
        **passthrough(p.extra, PersonalityOut),
        "id": p.id,
        "name": p.name,
        "project": p.project_id,
        "prompt": p.prompt,
        "language": p.language,
        "created_at": p.created_at,
        "updated_at": p.updated_at,
    }


async def _apply(
    session: SessionDep,
    principal: Principal,
    row: Personality,
    body: PersonalityIn | PersonalityPatch,
    partial: bool,
) -> None:
    catalog.check_project(principal, body.project)
    fields = body.declared(exclude_unset=partial, exclude={"project"}, exclude_none=partial)
    for key in ("name", "prompt", "language"):
        if key in fields:
            setattr(row, key, fields[key])
    row.extra = {**(row.extra if partial else {}), **body.extras()}


SPEC = CrudSpec(
    catalog.personalities,
    create_model=PersonalityIn,
    patch_model=PersonalityPatch,
    out_model=PersonalityOut,
    new_row=lambda p: Personality(project_id=p.project_id, extra={}),
    apply=_apply,
    to_out=personality_out,
)

for prefix in ("/test_framework/v1/personalities", "/test_framework/v1/personalities-external"):

    @router.get(prefix, response_model=list[PersonalityOut], summary="List personalities")
    async def list_personalities(
        session: SessionDep,
        principal: PrincipalDep,
        language: Annotated[Language | None, Query()] = None,
        project_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    ) -> list[dict[str, Any]]:
        where = catalog.personalities.equal(language=language, project_id=project_id)
        rows = await catalog.personalities.find(session, principal, *where, limit=1000)
        return [personality_out(p) for p in rows]

    mount_crud(router, prefix, SPEC)
