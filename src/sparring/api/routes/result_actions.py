"""Result and run actions: end_calls, rerun, delete_runs, end_call, run_scenarios_json."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import Field

from sparring.api.deps import PrincipalDep, SessionDep
from sparring.api.jsonresponse import FastJSONResponse
from sparring.api.routes.launch import launch_out
from sparring.api.routing import SlashRouter
from sparring.api.schemas.common import ERROR_RESPONSES, MAX_ID, Id, RequestModel
from sparring.api.schemas.launch import EvaluateMetricsIn, LaunchOut, RunIdsIn
from sparring.services import launch, reevaluation, result_actions, result_queries, suites

router = SlashRouter(tags=["results"], responses=ERROR_RESPONSES)
ObjId = Annotated[int, Path(ge=1, le=MAX_ID)]

for prefix in ("/test_framework/v1/results", "/test_framework/v1/results-external"):

    @router.post(
        prefix + "/{result_id}/end_calls", summary="Stop every live conversation of a result"
    )
    async def end_calls(
        result_id: ObjId, session: SessionDep, principal: PrincipalDep
    ) -> dict[str, Any]:
        await result_actions.end_calls(session, principal, result_id)
        return {}

    @router.post(
        prefix + "/{result_id}/rerun", response_model=LaunchOut, summary="Run a result again"
    )
    async def rerun(
        result_id: ObjId, request: Request, session: SessionDep, principal: PrincipalDep
    ) -> dict[str, Any]:
        result, count = await result_actions.rerun(session, principal, result_id)
        await request.app.state.runtime.enqueue_lanes(result.id, launch.lanes_for(result, count))
        return await launch_out(session, result)

    @router.post(
        prefix + "/{result_id}/delete_runs",
        status_code=204,
        response_class=Response,
        summary="Delete some runs of a result",
    )
    async def delete_runs(
        result_id: ObjId, body: RunIdsIn, session: SessionDep, principal: PrincipalDep
    ) -> Response:
        await result_actions.delete_runs(session, principal, result_id, body.run_ids)
        return Response(status_code=204)

    @router.post(
        prefix + "/{result_id}/evaluate_metrics",
        response_model=dict[str, Any],
        summary="Score runs again with chosen metrics, without new conversations",
    )
    async def evaluate_metrics(
        request: Request,
        result_id: ObjId,
        body: EvaluateMetricsIn,
        session: SessionDep,
        principal: PrincipalDep,
    ) -> Any:
        await reevaluation.evaluate_metrics(
            session,
            principal,
            result_id,
            body.run_ids,
            body.metric_ids,
            request.app.state.runtime.evaluation,
        )
        return FastJSONResponse(await result_queries.load_result(session, principal, result_id))


class OverrideIn(RequestModel):
    """A person's verdict on one metric of a run (`reason` is kept with it)."""

    metric_id: Id
    score: float | None = Field(None, ge=-1e12, le=1e12)
    enum: str | None = Field(None, max_length=255)
    reason: str = Field(min_length=1, max_length=5000)


class VoteIn(RequestModel):
    """Cekura's `mark_metric_vote`: thumbs down with `expected_value` overrides the metric."""

    metric_id: Id
    thumbs_up: bool
    expected_value: Any = None
    feedback: str = Field("", max_length=5000)


for prefix in ("/test_framework/v1/runs-external", "/test_framework/v1/runs"):

    @router.post(prefix + "/{run_id}/end_call", summary="Stop one live conversation")
    async def end_call(
        run_id: ObjId, session: SessionDep, principal: PrincipalDep
    ) -> dict[str, Any]:
        await result_actions.end_call(session, principal, run_id)
        return {}

    @router.post(
        prefix + "/{run_id}/override_metric",
        response_model=dict[str, Any],
        summary="Override a metric's verdict on a run (original kept)",
    )
    async def override_metric(
        run_id: ObjId, body: OverrideIn, session: SessionDep, principal: PrincipalDep
    ) -> dict[str, Any]:
        return await reevaluation.override_metric(
            session, principal, run_id, body.metric_id, body.score, body.enum, body.reason
        )

    @router.post(
        prefix + "/{run_id}/mark_metric_vote",
        response_model=dict[str, Any],
        summary="Cekura's metric vote (a thumbs-down with expected_value overrides)",
    )
    async def mark_metric_vote(
        run_id: ObjId, body: VoteIn, session: SessionDep, principal: PrincipalDep
    ) -> dict[str, Any]:
        if body.thumbs_up:
            return {"recorded": True}
        value = body.expected_value
        is_number = isinstance(value, int | float) and not isinstance(value, bool)
        score = float(value) if is_number else (float(value) if isinstance(value, bool) else None)
        enum = value if isinstance(value, str) else None
        return await reevaluation.override_metric(
            session, principal, run_id, body.metric_id, score, enum, body.feedback or "vote"
        )


class SuiteIn(RequestModel):
    """`{spec, agent_id, channel, name}`: a Cekura test-suite document to run."""

    spec: dict[str, Any]
    agent_id: Id | None = None
    channel: str = "text"
    name: str = ""
    concurrency_limit: int | None = None


for prefix in ("/test_framework/v1/scenarios", "/test_framework/v1/scenarios-external"):

    @router.post(prefix + "/run_scenarios_json", summary="Run a test-suite JSON document")
    async def run_json(
        body: SuiteIn,
        request: Request,
        session: SessionDep,
        principal: PrincipalDep,
        dry_run: Annotated[bool, Query()] = False,
    ) -> Any:
        llm = request.app.state.settings.llm
        engine = "llm" if llm.configured else "scripted"
        try:
            result, total, plan = await suites.launch_suite(
                session,
                principal,
                body.spec,
                body.agent_id,
                name=body.name,
                caller_engine=engine,
                dry_run=dry_run,
                concurrency_limit=body.concurrency_limit,
            )
        except suites.SuiteInvalid as exc:
            return JSONResponse({"errors": exc.errors}, status_code=400)
        if result is None:
            return {"dry_run": True, "valid": True, "plan": plan}
        await request.app.state.runtime.enqueue_lanes(result.id, launch.lanes_for(result, total))
        return await launch_out(session, result)

    @router.get(prefix + "/json_schema", summary="The test-suite JSON schema")
    async def json_schema(principal: PrincipalDep) -> dict[str, Any]:
        return suites.suite_schema()
