"""`/test_framework/v2/aiagents/`: list, create, get, PATCH, PUT, DELETE."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path, Query, Request

from sparring.api.crud import CrudSpec, mount_crud
from sparring.api.deps import PrincipalDep, SessionDep
from sparring.api.pagination import PageDep, page_body
from sparring.api.routing import SlashRouter
from sparring.api.schemas.agents import CEKURA_PROVIDERS, AgentIn, AgentOut, AgentPatch, ProviderIn
from sparring.api.schemas.common import ERROR_RESPONSES, MAX_ID, passthrough
from sparring.config import settings
from sparring.errors import BadInput
from sparring.services import catalog, result_queries
from sparring.services.keys import Principal
from sparring.storage.models import Agent, Personality
from sparring.transports import get_transport, transport_types

router = SlashRouter(
    prefix="/test_framework/v2/aiagents", tags=["agents"], responses=ERROR_RESPONSES
)
AgentId = Annotated[int, Path(ge=1, le=MAX_ID)]


def split_provider(
    provider: ProviderIn, old_public: dict[str, Any], old_credentials: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The public part and the write-only part of a provider block, validated per type.

    Secrets left out of a PATCH are kept from before.
    """
    public = provider.model_dump(exclude={"credentials", "chat_agent_details"}, exclude_none=True)
    if provider.credentials is not None:
        credentials = provider.credentials.model_dump(exclude_none=True)
    else:
        credentials = {k: v for k, v in old_credentials.items() if k != "chat_config"}
    chat = provider.chat_agent_details
    if chat is not None:
        public["chat_agent_details"] = {"type": chat.type}
        credentials["chat_config"] = chat.config
    elif "chat_agent_details" in old_public:
        public["chat_agent_details"] = old_public["chat_agent_details"]
        credentials["chat_config"] = old_credentials.get("chat_config", {})
    chat_type = (public.get("chat_agent_details") or {}).get("type")
    _validate_provider(provider.type, chat_type, credentials)
    return public, credentials


def _validate_provider(kind: str, chat_type: str | None, credentials: dict[str, Any]) -> None:
    if kind in transport_types():
        get_transport(kind).validate_config(credentials.get("config") or {})
    elif kind not in CEKURA_PROVIDERS:
        choices = ", ".join(transport_types() + sorted(CEKURA_PROVIDERS))
        raise BadInput(
            "provider.type", f'"{kind}" is not a valid choice; choose one of: {choices}.'
        )
    if chat_type == "self_hosted":
        try:
            get_transport("self_hosted").validate_config(credentials.get("chat_config") or {})
        except BadInput as exc:
            key = exc.field.rsplit(".", 1)[-1]
            raise BadInput(f"provider.chat_agent_details.config.{key}", exc.message) from None


def agent_out(agent: Agent) -> dict[str, Any]:
    provider = None
    if agent.provider:
        provider = {**agent.provider, "credentials_configured": bool(agent.credentials)}
    return {
        **passthrough(agent.extra, AgentOut),
        "id": agent.id,
        "name": agent.name,
        "description": agent.description,
        "project": agent.project_id,
        "language": agent.language,
        "agent_speaks_first": agent.agent_speaks_first,
        "provider": provider,
        "telephony": agent.extra.get("telephony"),
        "enabled_personalities": [],
        "created_at": agent.created_at,
        "updated_at": agent.updated_at,
    }


async def _apply(
    session: SessionDep,
    principal: Principal,
    agent: Agent,
    body: AgentIn | AgentPatch,
    partial: bool,
) -> None:
    catalog.check_project(principal, body.project)
    fields = body.declared(exclude_unset=partial, exclude={"provider", "project"})
    extras = body.extras()
    if "telephony" in fields:
        extras["telephony"] = fields.pop("telephony")
    for key in ("name", "description", "language", "agent_speaks_first"):
        if key in fields and (fields[key] is not None or key == "agent_speaks_first"):
            setattr(agent, key, fields[key])
    agent.extra = {**(agent.extra if partial else {}), **extras}
    if body.provider is not None:
        if body.provider.type == "python" and not settings().allow_python_agents:
            raise BadInput(
                "provider.type",
                "python agents run code inside the server; set SPARRING_ALLOW_PYTHON_AGENTS=1 "
                "on the server to allow them.",
            )
        old_public, old_secret = (agent.provider, agent.credentials) if partial else ({}, {})
        agent.provider, agent.credentials = split_provider(body.provider, old_public, old_secret)
    elif not partial:
        agent.provider, agent.credentials = {}, {}


@router.get("/", response_model=dict[str, Any], summary="List agents")
async def list_agents(
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
    page: PageDep,
    project_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    q: Annotated[str | None, Query(max_length=255, description="Name or id")] = None,
) -> dict[str, Any]:
    where = []
    if project_id is not None:
        where.append(Agent.project_id == project_id)
    if q:
        where.append(
            Agent.name.ilike(f"%{q}%") | (Agent.id == (int(q) if result_queries.is_id(q) else -1))
        )
    count = await catalog.agents.count(session, principal, *where)
    page.check(count)
    rows = await catalog.agents.find(
        session, principal, *where, offset=page.offset, limit=page.size
    )
    return page_body(request, page, count, [agent_out(a) for a in rows])


mount_crud(
    router,
    "/",
    CrudSpec(
        catalog.agents,
        create_model=AgentIn,
        patch_model=AgentPatch,
        out_model=AgentOut,
        new_row=lambda p: Agent(project_id=p.project_id, extra={}, provider={}, credentials={}),
        apply=_apply,
        to_out=agent_out,
    ),
)


@router.get(
    "/{agent_id}/personalities/",
    response_model=dict[str, Any],
    summary="Personalities of an agent's project",
)
async def agent_personalities(
    request: Request, agent_id: AgentId, session: SessionDep, principal: PrincipalDep, page: PageDep
) -> dict[str, Any]:
    await catalog.agents.get(session, principal, agent_id)
    count = await catalog.personalities.count(session, principal)
    page.check(count)
    rows = await catalog.personalities.find(session, principal, offset=page.offset, limit=page.size)
    return page_body(request, page, count, [_personality_brief(p) for p in rows])


def _personality_brief(p: Personality) -> dict[str, Any]:
    return {"id": p.id, "name": p.name, "language": p.language, "prompt": p.prompt}
