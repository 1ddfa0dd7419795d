"""`/schedules/v1/cron-jobs-external`: cron jobs, stored and validated (bare-array list)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from croniter import croniter
from fastapi import Query

from sparring.api.crud import CrudSpec, mount_crud
from sparring.api.deps import PrincipalDep, SessionDep
from sparring.api.routing import SlashRouter
from sparring.api.schemas.catalog import ScheduleIn, ScheduleOut, SchedulePatch
from sparring.api.schemas.common import ERROR_RESPONSES, MAX_ID
from sparring.services import catalog
from sparring.services.keys import Principal
from sparring.storage.models import Schedule

router = SlashRouter(tags=["schedules"], responses=ERROR_RESPONSES)
SETTINGS = (
    "scenarios",
    "tags",
    "personalities",
    "execution_mode",
    "frequency",
    "concurrency_limit",
    "notify_on",
)


def schedule_out(s: Schedule) -> dict[str, Any]:
    return {
        "id": s.id,
        "name": s.name,
        "crontab_expression": s.crontab_expression,
        "timezone": s.timezone,
        "agent": s.agent_id,
        "is_active": s.is_active,
        "next_run_at": s.next_run_at,
        "scenarios": s.extra.get("scenarios", []),
        "tags": s.extra.get("tags", []),
        "personalities": s.extra.get("personalities", []),
        "execution_mode": s.extra.get("execution_mode", "text"),
        "frequency": s.extra.get("frequency", 1),
        "concurrency_limit": s.extra.get("concurrency_limit"),
        "notify_on": s.extra.get("notify_on", "never"),
        "created_at": s.created_at,
        "updated_at": s.updated_at,
    }


def next_run(expression: str, timezone: str) -> datetime:
    now = datetime.now(ZoneInfo(timezone))
    nxt: datetime = croniter(expression, now).get_next(datetime)
    return nxt.astimezone(UTC)


async def _apply(
    session: SessionDep,
    principal: Principal,
    row: Schedule,
    body: ScheduleIn | SchedulePatch,
    partial: bool,
) -> None:
    fields = body.declared(exclude_unset=partial, exclude_none=partial)
    if "agent" in fields:
        await catalog.agents.check_ref(session, principal, fields["agent"], "agent")
        row.agent_id = fields["agent"]
    await catalog.scenarios.check_refs(
        session, principal, fields.get("scenarios") or [], "scenarios"
    )
    await catalog.personalities.check_refs(
        session, principal, fields.get("personalities") or [], "personalities"
    )
    for key in ("name", "crontab_expression", "timezone", "is_active"):
        if key in fields:
            setattr(row, key, fields[key])
    settings = {k: fields[k] for k in SETTINGS if k in fields}
    row.extra = {**(row.extra if partial else {}), **settings, **body.extras()}
    row.next_run_at = next_run(row.crontab_expression, row.timezone) if row.is_active else None


SPEC = CrudSpec(
    catalog.schedules,
    create_model=ScheduleIn,
    patch_model=SchedulePatch,
    out_model=ScheduleOut,
    new_row=lambda p: Schedule(project_id=p.project_id, extra={}),
    apply=_apply,
    to_out=schedule_out,
)

for prefix in ("/schedules/v1/cron-jobs-external", "/schedules/v1/cron-jobs"):

    @router.get(prefix, response_model=list[ScheduleOut], summary="List cron jobs")
    async def list_schedules(
        session: SessionDep,
        principal: PrincipalDep,
        agent_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
        project_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    ) -> list[dict[str, Any]]:
        where = catalog.schedules.equal(agent_id=agent_id, project_id=project_id)
        rows = await catalog.schedules.find(session, principal, *where, limit=1000)
        return [schedule_out(s) for s in rows]

    mount_crud(router, prefix, SPEC)
