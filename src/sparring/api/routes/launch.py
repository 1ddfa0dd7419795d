"""Launching runs: `/test_framework/v1/scenarios/run_scenarios_*` (also under `scenarios-external`)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import Request
from sqlalchemy import select

from sparring.api.deps import PrincipalDep, SessionDep
from sparring.api.routing import SlashRouter
from sparring.api.schemas.common import ERROR_RESPONSES
from sparring.api.schemas.launch import LaunchIn, LaunchOut, ScenarioItem
from sparring.errors import BadInput
from sparring.services import launch
from sparring.storage.models import Result, Run

router = SlashRouter(tags=["runs"], responses=ERROR_RESPONSES)
PREFIXES = ("/test_framework/v1/scenarios", "/test_framework/v1/scenarios-external")
NOT_YET = (
    "run_scenarios",
    "run_scenarios_pipecat",
    "run_scenarios_pipecat_v2",
    "run_scenarios_livekit",
    "run_scenarios_livekit_v2",
    "run_scenarios_retell_webrtc",
    "run_scenarios_vapi_webrtc",
    "run_scenarios_elevenlabs",
    "run_scenarios_sip",
    "run_scenarios_chirp",
    "run_scenarios_agora",
    "run_scenarios_email",
)


def launch_request(body: LaunchIn, request: Request, run_type: str) -> launch.LaunchRequest:
    ids: list[int] = []
    overrides: dict[str, Any] = {}
    for item in body.scenarios or []:
        if isinstance(item, ScenarioItem):
            ids.append(item.scenario)
            if item.websocket_url:
                overrides["websocket_url"] = item.websocket_url
        else:
            ids.append(item)
    if body.websocket_url:
        overrides["websocket_url"] = body.websocket_url
    if body.websocket_headers:
        overrides["websocket_headers"] = body.websocket_headers
    llm = request.app.state.settings.llm
    return launch.LaunchRequest(
        agent_id=body.agent_id or body.agent,
        scenario_ids=ids,
        tags=list(body.tags or []),
        personality_ids=_merged(body.personality_ids, body.personality_id),
        test_profile_ids=_merged(body.test_profile_ids, body.test_profile_id),
        frequency=body.frequency,
        concurrency_limit=body.concurrency_limit,
        name=body.name,
        caller_engine=body.caller or ("llm" if llm.configured else "scripted"),
        agent_overrides=overrides,
        run_type="WebSocket" if overrides.get("websocket_url") else run_type,
    )


def _merged(many: list[int] | None, one: int | None) -> list[int]:
    out = list(many or [])
    if one is not None and one not in out:
        out.append(one)
    return out


async def launch_out(session: SessionDep, result: Result) -> dict[str, Any]:
    rows = await session.execute(
        select(Run.id, Run.status, Run.scenario_id, Run.scenario_name)
        .where(Run.result_id == result.id)
        .order_by(Run.id)
    )
    return {
        "id": result.id,
        "name": result.name,
        "agent": result.agent_id,
        "status": result.status,
        "run_as_text": True,
        "is_cronjob": result.is_cronjob,
        "success_rate": 0.0,
        "run_type": result.run_type,
        "runs": [
            {"id": i, "status": s, "scenario": sc, "scenario_name": n} for i, s, sc, n in rows
        ],
        "created_at": result.created_at,
        "updated_at": result.updated_at,
    }


async def start(
    body: LaunchIn, request: Request, session: SessionDep, principal: PrincipalDep, run_type: str
) -> dict[str, Any]:
    result, count = await launch.create_result(
        session, principal, launch_request(body, request, run_type)
    )
    await request.app.state.runtime.enqueue_lanes(result.id, launch.lanes_for(result, count))
    return await launch_out(session, result)


def _launcher(run_type: str) -> Callable[..., Awaitable[dict[str, Any]]]:
    async def launch_runs(
        body: LaunchIn, request: Request, session: SessionDep, principal: PrincipalDep
    ) -> dict[str, Any]:
        return await start(body, request, session, principal, run_type)

    return launch_runs


def _not_yet(mode: str) -> Callable[..., Awaitable[dict[str, Any]]]:
    async def not_available(principal: PrincipalDep) -> dict[str, Any]:
        raise BadInput(
            "mode",
            f"{mode} needs a voice or provider transport that sparring does not have yet; "
            "use run_scenarios_text (text conversations) instead.",
        )

    return not_available


TEXT_MODES = {
    "run_scenarios_text": ("Text", "Run scenarios as text conversations"),
    "run_scenarios_with_websockets": ("WebSocket", "Run scenarios over the agent's chat WebSocket"),
}

for prefix in PREFIXES:
    for path, (run_type, summary) in TEXT_MODES.items():
        router.post(f"{prefix}/{path}", status_code=201, response_model=LaunchOut, summary=summary)(
            _launcher(run_type)
        )
    for mode in NOT_YET:
        router.post(
            f"{prefix}/{mode}",
            summary=f"{mode} (not available yet)",
            responses={400: {"description": "This mode has no transport yet"}},
        )(_not_yet(mode))
