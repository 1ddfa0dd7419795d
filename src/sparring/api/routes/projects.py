"""`/user/v1/projects` and `/user/organizations`: what the key can see (its own project)."""

from __future__ import annotations

from typing import Any

from sparring.api.deps import PrincipalDep, SessionDep
from sparring.api.routing import SlashRouter
from sparring.api.schemas.common import ERROR_RESPONSES
from sparring.services import catalog

router = SlashRouter(tags=["projects"], responses=ERROR_RESPONSES)


@router.get("/user/v1/projects", response_model=list[dict[str, Any]], summary="List projects")
async def list_projects(session: SessionDep, principal: PrincipalDep) -> list[dict[str, Any]]:
    return await catalog.project_ids(session, principal)


@router.get(
    "/user/organizations", response_model=list[dict[str, Any]], summary="List organizations"
)
async def list_organizations(principal: PrincipalDep) -> list[dict[str, Any]]:
    return [{"id": principal.organization_id, "name": "default"}]
