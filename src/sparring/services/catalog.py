"""Project-scoped storage of the things users configure: agents, personalities, test profiles,
metrics, scenarios and schedules. Every read and write is filtered by the caller's project, so an
object of another project is indistinguishable from one that does not exist."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from sparring.errors import BadInput, NotFound
from sparring.services.keys import Principal
from sparring.storage.models import (
    Agent,
    Base,
    Metric,
    Personality,
    Project,
    Scenario,
    Schedule,
    TestProfile,
)

M = TypeVar("M", bound=Base)


class Catalog(Generic[M]):
    """CRUD for one model, always within the caller's project."""

    def __init__(self, model: type[M], label: str) -> None:
        self.model = model
        self.label = label
        # Every catalogued model has these two columns (typed loosely: M is any model).
        self.id_column: Any = getattr(model, "id")  # noqa: B009
        self.project_column: Any = getattr(model, "project_id")  # noqa: B009

    def equal(self, **values: object) -> list[ColumnElement[bool]]:
        """`column == value` filters for the given values that are not None."""
        return [
            getattr(self.model, name) == value
            for name, value in values.items()
            if value is not None
        ]

    def _scope(self, principal: Principal) -> ColumnElement[bool]:
        scope: ColumnElement[bool] = self.project_column == principal.project_id
        return scope

    async def count(
        self, session: AsyncSession, principal: Principal, *where: ColumnElement[bool]
    ) -> int:
        query = select(func.count()).select_from(self.model).where(self._scope(principal), *where)
        return int(await session.scalar(query) or 0)

    async def find(
        self,
        session: AsyncSession,
        principal: Principal,
        *where: ColumnElement[bool],
        offset: int = 0,
        limit: int | None = None,
    ) -> Sequence[M]:
        query = (
            select(self.model)
            .where(self._scope(principal), *where)
            .order_by(self.id_column.desc())
            .offset(offset)
            .limit(limit)
        )
        return (await session.scalars(query)).all()

    async def get(self, session: AsyncSession, principal: Principal, obj_id: int) -> M:
        row: M | None = await session.scalar(
            select(self.model).where(self._scope(principal), self.id_column == obj_id)
        )
        if row is None:
            raise NotFound("Not found.")
        return row

    async def add(self, session: AsyncSession, row: M) -> M:
        session.add(row)
        await session.commit()
        await session.refresh(row)
        return row

    async def save(self, session: AsyncSession, row: M) -> M:
        await session.commit()
        await session.refresh(row)
        return row

    async def delete(self, session: AsyncSession, principal: Principal, obj_id: int) -> None:
        await self.get(session, principal, obj_id)
        await session.execute(
            delete(self.model).where(self._scope(principal), self.id_column == obj_id)
        )
        await session.commit()

    async def check_ref(
        self, session: AsyncSession, principal: Principal, obj_id: int | None, field: str
    ) -> M | None:
        """The referenced object, or `BadInput` on `field` when it is not in the project."""
        if obj_id is None:
            return None
        try:
            return await self.get(session, principal, obj_id)
        except NotFound:
            raise BadInput(field, f'Invalid pk "{obj_id}" - object does not exist.') from None

    async def check_refs(
        self, session: AsyncSession, principal: Principal, ids: list[int], field: str
    ) -> None:
        if not ids:
            return
        found = await session.scalars(
            select(self.id_column).where(self._scope(principal), self.id_column.in_(ids))
        )
        missing: list[int] = sorted(set(ids) - set(found.all()))
        if missing:
            raise BadInput(field, f'Invalid pk "{missing[0]}" - object does not exist.')


agents = Catalog(Agent, "agent")
personalities = Catalog(Personality, "personality")
test_profiles = Catalog(TestProfile, "test profile")
metrics = Catalog(Metric, "metric")
scenarios = Catalog(Scenario, "scenario")
schedules = Catalog(Schedule, "schedule")


def check_project(principal: Principal, project: int | None) -> None:
    """A body's `project` must be the key's own project (others do not exist for it)."""
    if project is not None and project != principal.project_id:
        raise BadInput("project", f'Invalid pk "{project}" - object does not exist.')


async def project_ids(session: AsyncSession, principal: Principal) -> list[dict[str, Any]]:
    """The projects visible to the key (its own), for `/user/v1/projects`."""
    project = await session.get(Project, principal.project_id)
    if project is None:
        return []
    org = {"id": project.organization_id, "name": "default"}
    return [{"id": project.id, "name": project.name, "organization": org, "members": []}]
