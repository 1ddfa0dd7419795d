"""Create / get / PATCH / PUT / DELETE routes for a project-scoped resource, made once.

(No `from __future__ import annotations` here: FastAPI reads the body models from the
signatures of the functions made below, which must therefore be real classes.)
"""

from collections.abc import Awaitable, Callable
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Path, Response
from pydantic import BaseModel

from sparring.api.deps import PrincipalDep, SessionDep
from sparring.api.routing import SlashRouter
from sparring.api.schemas.common import MAX_ID
from sparring.services.catalog import Catalog
from sparring.services.keys import Principal
from sparring.storage.models import Base

M = TypeVar("M", bound=Base)
ObjId = Annotated[int, Path(ge=1, le=MAX_ID, description="The object's id")]

# apply(session, principal, row, body, partial) fills a row from a validated body.
Apply = Callable[[Any, Principal, Any, Any, bool], Awaitable[None]]


class CrudSpec(Generic[M]):
    """How one resource maps between its request/response models and its rows."""

    def __init__(
        self,
        catalog: Catalog[M],
        *,
        create_model: type[BaseModel],
        patch_model: type[BaseModel],
        out_model: type[BaseModel],
        new_row: Callable[[Principal], M],
        apply: Apply,
        to_out: Callable[[M], dict[str, Any]],
        create_status: int = 201,
    ) -> None:
        self.catalog = catalog
        self.create_model = create_model
        self.patch_model = patch_model
        self.out_model = out_model
        self.new_row = new_row
        self.apply = apply
        self.to_out = to_out
        self.create_status = create_status


def mount_crud(router: SlashRouter, path: str, spec: CrudSpec[Any], *, put: bool = True) -> None:
    """Add POST `path`, and GET/PATCH/(PUT)/DELETE `path/{id}` to `router`."""
    label = spec.catalog.label
    Create = spec.create_model
    Patch = spec.patch_model

    async def create(body: Create, session: SessionDep, principal: PrincipalDep) -> Any:  # type: ignore[valid-type]
        row = spec.new_row(principal)
        await spec.apply(session, principal, row, body, False)
        return spec.to_out(await spec.catalog.add(session, row))

    async def get(obj_id: ObjId, session: SessionDep, principal: PrincipalDep) -> Any:
        return spec.to_out(await spec.catalog.get(session, principal, obj_id))

    async def patch(
        obj_id: ObjId,
        body: Patch,  # type: ignore[valid-type]
        session: SessionDep,
        principal: PrincipalDep,
    ) -> Any:
        row = await spec.catalog.get(session, principal, obj_id)
        await spec.apply(session, principal, row, body, True)
        return spec.to_out(await spec.catalog.save(session, row))

    async def replace(
        obj_id: ObjId,
        body: Create,  # type: ignore[valid-type]
        session: SessionDep,
        principal: PrincipalDep,
    ) -> Any:
        row = await spec.catalog.get(session, principal, obj_id)
        await spec.apply(session, principal, row, body, False)
        return spec.to_out(await spec.catalog.save(session, row))

    async def remove(obj_id: ObjId, session: SessionDep, principal: PrincipalDep) -> Response:
        await spec.catalog.delete(session, principal, obj_id)
        return Response(status_code=204)

    slash = "/" if path.endswith("/") else ""
    item = path.rstrip("/") + "/{obj_id}" + slash
    out = spec.out_model
    router.post(
        path, status_code=spec.create_status, response_model=out, summary=f"Create a {label}"
    )(create)
    router.get(item, response_model=out, summary=f"Get a {label}")(get)
    router.patch(item, response_model=out, summary=f"Change some fields of a {label}")(patch)
    if put:
        router.put(item, response_model=out, summary=f"Replace a {label}")(replace)
    router.delete(item, status_code=204, response_class=Response, summary=f"Delete a {label}")(
        remove
    )
