"""`/test_framework/v1/results`: list, get, delete (also mounted as `results-external`)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path, Query, Request, Response

from sparring.api.deps import PrincipalDep, SessionDep
from sparring.api.jsonresponse import FastJSONResponse
from sparring.api.pagination import PageDep, page_body
from sparring.api.routing import SlashRouter
from sparring.api.schemas.common import ERROR_RESPONSES, MAX_ID
from sparring.api.schemas.results import ResultDetail, ResultPage
from sparring.domain.status import Status
from sparring.services import result_queries
from sparring.storage.models import Result

router = SlashRouter(tags=["results"], responses=ERROR_RESPONSES)
ResultId = Annotated[int, Path(ge=1, le=MAX_ID)]
PREFIXES = ("/test_framework/v1/results", "/test_framework/v1/results-external")

for prefix in PREFIXES:

    @router.get(prefix, response_model=ResultPage, summary="List results")
    async def list_results(
        request: Request,
        session: SessionDep,
        principal: PrincipalDep,
        page: PageDep,
        agent_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
        project_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
        status: Annotated[Status | None, Query()] = None,
        search: Annotated[str | None, Query(max_length=255, description="Part of the name")] = None,
    ) -> FastJSONResponse:
        where = []
        if agent_id is not None:
            where.append(Result.agent_id == agent_id)
        if project_id is not None:
            where.append(Result.project_id == project_id)
        if status is not None:
            where.append(Result.status == status.value)
        if search:
            where.append(Result.name.ilike(f"%{search}%"))
        count, items = await result_queries.list_results(
            session, principal, where, page.offset, page.size
        )
        page.check(count)
        return FastJSONResponse(page_body(request, page, count, items))

    @router.get(
        prefix + "/{result_id}",
        response_model=ResultDetail,
        summary="Retrieve a test result",
    )
    async def get_result(
        result_id: ResultId, session: SessionDep, principal: PrincipalDep
    ) -> FastJSONResponse:
        return FastJSONResponse(await result_queries.load_result(session, principal, result_id))

    @router.delete(
        prefix + "/{result_id}", status_code=204, response_class=Response, summary="Delete a result"
    )
    async def delete_result(
        result_id: ResultId, session: SessionDep, principal: PrincipalDep
    ) -> Response:
        await result_queries.delete_result(session, principal, result_id)
        return Response(status_code=204)


__all__: list[Any] = ["router"]
