"""Runs: `/test_framework/v1/runs-external[/{id}]` and `/runs/bulk?run_ids=…` (or `ids=`)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path, Query, Request
from sqlalchemy import func, select

from sparring.api.deps import PrincipalDep, SessionDep
from sparring.api.jsonresponse import FastJSONResponse
from sparring.api.pagination import PageDep, page_body
from sparring.api.routing import SlashRouter
from sparring.api.schemas.common import ERROR_RESPONSES, MAX_ID
from sparring.api.schemas.results import RunExternal, RunPage
from sparring.domain.status import Status
from sparring.errors import BadInput
from sparring.services import result_queries
from sparring.storage.models import Result, Run

router = SlashRouter(tags=["runs"], responses=ERROR_RESPONSES)
RunId = Annotated[int, Path(ge=1, le=MAX_ID)]
IdQuery = Annotated[int | None, Query(ge=1, le=MAX_ID)]
BULK_IDS = Annotated[
    str | None,
    Query(max_length=20_000, pattern=r"^\s*\d+(\s*,\s*\d+)*\s*,?\s*$", description="1,2,3"),
]

for prefix in ("/test_framework/v1/runs-external", "/test_framework/v1/runs"):

    @router.get(prefix + "/bulk", response_model=list[RunExternal], summary="Several runs by id")
    async def bulk_runs(
        session: SessionDep,
        principal: PrincipalDep,
        run_ids: BULK_IDS = None,
        ids: BULK_IDS = None,
    ) -> FastJSONResponse:
        raw, field = (run_ids, "run_ids") if run_ids is not None else (ids, "ids")
        if raw is None:
            raise BadInput("run_ids", "This query parameter is required, e.g. run_ids=1,2,3.")
        run_list = result_queries.parse_ids(raw, field)
        return FastJSONResponse(await result_queries.bulk_runs(session, principal, run_list))

    @router.get(prefix, response_model=RunPage, summary="List runs")
    async def list_runs(
        request: Request,
        session: SessionDep,
        principal: PrincipalDep,
        page: PageDep,
        result_id: IdQuery = None,
        agent_id: IdQuery = None,
        project_id: IdQuery = None,
        status: Annotated[Status | None, Query()] = None,
    ) -> FastJSONResponse:
        where = [Run.project_id == principal.project_id]
        if result_id is not None:
            where.append(Run.result_id == result_id)
        if project_id is not None:
            where.append(Run.project_id == project_id)
        if status is not None:
            where.append(Run.status == status.value)
        if agent_id is not None:
            where.append(Run.result_id.in_(select(Result.id).where(Result.agent_id == agent_id)))
        count = int(await session.scalar(select(func.count()).select_from(Run).where(*where)) or 0)
        page.check(count)
        rows = await session.scalars(
            select(Run).where(*where).order_by(Run.id.desc()).offset(page.offset).limit(page.size)
        )
        items = [result_queries.run_external(r) for r in rows]
        return FastJSONResponse(page_body(request, page, count, items))

    @router.get(prefix + "/{run_id}", response_model=RunExternal, summary="Get a run")
    async def get_run(
        run_id: RunId, session: SessionDep, principal: PrincipalDep
    ) -> FastJSONResponse:
        run = await result_queries.get_run(session, principal, run_id)
        return FastJSONResponse(result_queries.run_external(run))


__all__: list[Any] = ["router"]
