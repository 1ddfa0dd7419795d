"""Maps the error tree to HTTP answers in Django REST Framework's shapes.

| error | status | body |
| --- | --- | --- |
| BadInput, request validation | 400 | `{"field.path": ["message"]}` |
| malformed JSON | 400 | `{"detail": "JSON parse error - …"}` |
| Unauthorized | 401 | `{"detail": "…"}` |
| NotFound, unknown path | 404 | `{"detail": "Not found."}` |
| wrong method | 405 | `{"detail": "Method \\"X\\" not allowed."}` + `Allow` |
| OPTIONS on an existing path | 204 | empty, with `Allow` |
| Conflict | 409 | `{"detail": "…"}` |
| body over 1 MiB | 413 | `{"detail": "…"}` |
"""

from __future__ import annotations

import logging
import re
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from sparring.api.schemas.common import UnstorableValue
from sparring.errors import BadInput, Conflict, NotFound, SparringError, Unauthorized

log = logging.getLogger(__name__)

STATUS_BY_ERROR: dict[type[SparringError], int] = {
    BadInput: 400,
    Unauthorized: 401,
    NotFound: 404,
    Conflict: 409,
}


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(SparringError, _sparring_error)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _validation_error)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, _http_error)  # type: ignore[arg-type]
    app.add_exception_handler(DataError, _data_error)  # type: ignore[arg-type]


async def _sparring_error(request: Request, exc: SparringError) -> JSONResponse:
    status = next((code for cls, code in STATUS_BY_ERROR.items() if isinstance(exc, cls)), 400)
    if isinstance(exc, BadInput):
        return JSONResponse(exc.errors, status_code=400)
    headers = {"WWW-Authenticate": 'Api-Key header="X-CEKURA-API-KEY"'} if status == 401 else None
    return JSONResponse({"detail": str(exc) or "Not found."}, status_code=status, headers=headers)


def field_path(loc: tuple[Any, ...]) -> str:
    """`("body", "provider", "type")` → `"provider.type"`; list indexes as `[i]`."""
    parts = list(loc[1:] if loc and loc[0] in ("body", "query", "path", "header") else loc)
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or (str(loc[0]) if loc else "non_field_errors")


async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    errors: dict[str, list[str]] = {}
    for err in exc.errors():
        if err.get("type") == "json_invalid":
            reason = err.get("ctx", {}).get("error", "invalid JSON")
            return JSONResponse({"detail": f"JSON parse error - {reason}"}, status_code=400)
        loc = tuple(err.get("loc", ()))
        cause = err.get("ctx", {}).get("error")
        if isinstance(cause, UnstorableValue):
            errors.setdefault(cause.path or "non_field_errors", []).append(str(cause))
            continue
        if err.get("type") == "missing" and loc == ("body",):
            return JSONResponse(
                {"non_field_errors": ["No data provided; send a JSON object."]}, status_code=400
            )
        if err.get("type") == "model_attributes_type" and loc == ("body",):
            return JSONResponse(
                {"non_field_errors": ["Invalid data. Expected a JSON object."]}, status_code=400
            )
        message = _message(err)
        field = field_path(loc)
        named = re.match(r"^([a-z_][a-z0-9_.]*): (.+)$", message)
        if named and len(loc) <= 1:  # a model-level check that names its field
            field, message = named.group(1), named.group(2)
        errors.setdefault(field, []).append(message)
    return JSONResponse(errors, status_code=400)


def _message(err: dict[str, Any]) -> str:
    kind = err.get("type", "")
    if kind == "missing":
        return "This field is required."
    msg = str(err.get("msg", "Invalid value."))
    return msg.removeprefix("Value error, ")


async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
    if exc.status_code == 405:
        allow = {"Allow": ", ".join(_allowed_methods(request))}
        if request.method == "OPTIONS":  # the path exists: say what it allows
            return Response(status_code=204, headers=allow)
        return JSONResponse(
            {"detail": f'Method "{request.method}" not allowed.'}, status_code=405, headers=allow
        )
    detail = "Not found." if exc.status_code == 404 else str(exc.detail)
    return JSONResponse({"detail": detail}, status_code=exc.status_code, headers=exc.headers)


def _allowed_methods(request: Request) -> list[str]:
    methods: set[str] = set()
    for route in request.app.state.api_routes:
        match, _ = route.matches({**request.scope, "method": "__NONE__"})
        if match in (Match.FULL, Match.PARTIAL):
            methods |= set(getattr(route, "methods", None) or ())
    return sorted(methods | {"OPTIONS"})


async def _data_error(request: Request, exc: DataError) -> JSONResponse:
    # A value the database refuses (e.g. out of range) is the caller's input, not our crash.
    log.info("database refused a value: %s", exc.orig)
    return JSONResponse({"detail": "A value is out of range or not storable."}, status_code=400)
