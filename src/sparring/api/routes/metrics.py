"""`/test_framework/v1/metrics` (bare array) and `/test_framework/v1/predefined-metrics`."""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import Query
from pydantic import Field
from sqlalchemy import select

from sparring.api.crud import CrudSpec, mount_crud
from sparring.api.deps import PrincipalDep, SessionDep
from sparring.api.routing import SlashRouter
from sparring.api.schemas.catalog import MetricIn, MetricOut, MetricPatch
from sparring.api.schemas.common import ERROR_RESPONSES, MAX_ID, Id, RequestModel, passthrough
from sparring.errors import BadInput
from sparring.evaluation.check_config import checks_from_configuration
from sparring.services import catalog, predefined
from sparring.services.keys import Principal
from sparring.storage.models import Metric

router = SlashRouter(tags=["metrics"], responses=ERROR_RESPONSES)

LEGACY_EVAL_TYPES = {"binary": "binary_qualitative"}


def metric_out(m: Metric) -> dict[str, Any]:
    return {
        **passthrough(m.extra, MetricOut),
        "id": m.id,
        "name": m.name,
        "slug": m.slug,
        "project": m.project_id,
        "agents": m.agents,
        "type": m.type,
        "eval_type": m.eval_type,
        "description": m.description,
        "prompt": m.prompt,
        "enum_values": m.enum_values,
        "custom_code": m.custom_code,
        "configuration": m.configuration,
        "created_at": m.created_at,
        "updated_at": m.updated_at,
    }


def slugify(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")[:200] or "metric"


async def _unique_slug(session: SessionDep, principal: Principal, name: str) -> str:
    base = slugify(name)
    taken = set(
        (
            await session.scalars(
                select(Metric.slug).where(
                    Metric.project_id == principal.project_id, Metric.slug.like(f"{base}%")
                )
            )
        ).all()
    )
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}_{n}", n + 1
    return slug


async def _apply(
    session: SessionDep,
    principal: Principal,
    row: Metric,
    body: MetricIn | MetricPatch,
    partial: bool,
) -> None:
    catalog.check_project(principal, body.project)
    fields = body.declared(exclude_unset=partial, exclude={"project"}, exclude_none=partial)
    if "agents" in fields:
        await catalog.agents.check_refs(session, principal, fields["agents"], "agents")
    if "eval_type" in fields:
        fields["eval_type"] = LEGACY_EVAL_TYPES.get(fields["eval_type"], fields["eval_type"])
    for key, value in fields.items():
        setattr(row, key, value)
    if row.type == "basic":
        checks_from_configuration(row.configuration or {})  # 400 naming the bad check now
    if partial and row.eval_type == "enum" and not row.enum_values:
        raise BadInput("enum_values", "An enum metric needs at least one value.")
    if not row.slug:
        row.slug = await _unique_slug(session, principal, row.name)
    row.extra = {**(row.extra if partial else {}), **body.extras()}


SPEC = CrudSpec(
    catalog.metrics,
    create_model=MetricIn,
    patch_model=MetricPatch,
    out_model=MetricOut,
    new_row=lambda p: Metric(project_id=p.project_id, extra={}, slug=""),
    apply=_apply,
    to_out=metric_out,
)


class CopyIn(RequestModel):
    """Copy catalogue entries into the project, optionally enabled for one agent."""

    predefined_metric_ids: list[Annotated[int, Field(ge=1, le=10_000)]] = Field(
        default_factory=list, max_length=100
    )
    metric_codes: list[Annotated[str, Field(min_length=1, max_length=64)]] = Field(
        default_factory=list, max_length=100
    )
    project_id: Id | None = None
    agent_id: Id | None = None


for prefix in (
    "/test_framework/v1/predefined-metrics",
    "/test_framework/v1/predefined-metrics-external",
):

    @router.get(prefix, response_model=list[dict[str, Any]], summary="List predefined metrics")
    async def list_predefined(principal: PrincipalDep) -> list[dict[str, Any]]:
        return predefined.listing()

    @router.post(
        prefix + "/copy/",
        response_model=list[MetricOut],
        summary="Copy predefined metrics into the project (or enable them for an agent)",
    )
    async def copy_predefined(
        body: CopyIn, session: SessionDep, principal: PrincipalDep
    ) -> list[dict[str, Any]]:
        catalog.check_project(principal, body.project_id)
        refs: list[int | str] = [*body.predefined_metric_ids, *body.metric_codes]
        if not refs:
            raise BadInput("predefined_metric_ids", "Give predefined_metric_ids or metric_codes.")
        agents = [body.agent_id] if body.agent_id else []
        await catalog.agents.check_refs(session, principal, agents, "agent_id")
        rows = await predefined.copy_into_project(
            session, principal, predefined.resolve(refs, "predefined_metric_ids"), agents
        )
        await session.commit()
        return [metric_out(m) for m in rows]


for prefix in ("/test_framework/v1/metrics", "/test_framework/v1/metrics-external"):

    @router.get(prefix, response_model=list[MetricOut], summary="List metrics")
    async def list_metrics(
        session: SessionDep,
        principal: PrincipalDep,
        project_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
        agent_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
        slug: Annotated[str | None, Query(max_length=300)] = None,
    ) -> list[dict[str, Any]]:
        where = catalog.metrics.equal(project_id=project_id, slug=slug or None)
        rows = await catalog.metrics.find(session, principal, *where, limit=1000)
        if agent_id is not None:
            rows = [m for m in rows if not m.agents or agent_id in m.agents]
        return [metric_out(m) for m in rows]

    mount_crud(router, prefix, SPEC, put=False)
