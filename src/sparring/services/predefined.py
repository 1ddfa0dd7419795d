"""Predefined metrics: the catalogue, and copying entries into a project (optionally enabled for
some agents), as Cekura's `predefined-metrics/copy/` does."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from sparring.errors import BadInput
from sparring.evaluation.predefined import PREDEFINED_METRICS, PredefinedMetric, find_predefined
from sparring.services import catalog
from sparring.services.keys import Principal
from sparring.storage.models import Metric


def listing() -> list[dict[str, Any]]:
    """The catalogue; ids are positions (1-based) and stay stable as entries are appended."""
    return [{"id": i + 1, **m.to_json()} for i, m in enumerate(PREDEFINED_METRICS)]


def resolve(refs: list[int | str], field: str) -> list[PredefinedMetric]:
    found = []
    for ref in refs:
        entry = (
            PREDEFINED_METRICS[ref - 1]
            if isinstance(ref, int) and 1 <= ref <= len(PREDEFINED_METRICS)
            else find_predefined(str(ref))
        )
        if entry is None:
            raise BadInput(field, f'"{ref}" is not a predefined metric (see /predefined-metrics).')
        found.append(entry)
    return found


async def copy_into_project(
    session: AsyncSession,
    principal: Principal,
    entries: list[PredefinedMetric],
    agent_ids: list[int],
) -> list[Metric]:
    """A project metric per entry (reused if already copied), enabled for `agent_ids`."""
    existing = {
        m.slug: m
        for m in await session.scalars(
            select(Metric).where(
                Metric.project_id == principal.project_id, Metric.type == "predefined"
            )
        )
    }
    out = []
    for entry in entries:
        metric = existing.get(entry.slug)
        if metric is None:
            metric = Metric(
                project_id=principal.project_id,
                name=entry.name,
                slug=entry.slug,
                type="predefined",
                eval_type=entry.eval_type.value,
                description=entry.description,
                enum_values=list(entry.enum_values),
                configuration=dict(entry.configuration),
                agents=[],
                extra={"function_name": entry.function_name, "code": entry.code},
            )
            session.add(metric)
        metric.agents = sorted(set(metric.agents or []) | set(agent_ids))
        out.append(metric)
    await session.flush()
    return out


async def enable_for_agent(
    session: AsyncSession, principal: Principal, agent_id: int, refs: list[int | str]
) -> None:
    await catalog.agents.get(session, principal, agent_id)
    await copy_into_project(session, principal, resolve(refs, "predefined_metrics"), [agent_id])
