"""A router that serves every path with and without its trailing slash, never redirecting.

Cekura's SDK calls some paths with the slash and some without, and a redirect would turn a POST
into a body-less GET; so each route is registered twice (only the documented form in OpenAPI).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter


class SlashRouter(APIRouter):
    """`APIRouter` whose routes answer on `/path` and `/path/` alike."""

    def api_route(self, path: str, *args: Any, **kwargs: Any) -> Callable[..., Any]:
        documented = path
        twin = path[:-1] if path.endswith("/") else path + "/"
        register = super().api_route
        include = kwargs.pop("include_in_schema", True)

        def decorator(func: Callable[..., Any]) -> Callable[..., Any]:
            register(documented, *args, include_in_schema=include, **kwargs)(func)
            twin_kwargs = {k: v for k, v in kwargs.items() if k != "operation_id"}
            register(twin, *args, include_in_schema=False, **twin_kwargs)(func)
            return func

        return decorator
