"""Request dependencies: the database session and the calling project."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.ext.asyncio import AsyncSession

from sparring.services.keys import Principal, authenticate
from sparring.storage.db import Database

api_key_header = APIKeyHeader(name="X-CEKURA-API-KEY", auto_error=False)
bearer = HTTPBearer(auto_error=False)


def get_database(request: Request) -> Database:
    database: Database = request.app.state.database
    return database


async def get_session(
    database: Annotated[Database, Depends(get_database)],
) -> AsyncIterator[AsyncSession]:
    async with database.session() as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session)]


async def get_principal(
    session: SessionDep,
    key: Annotated[str | None, Depends(api_key_header)],
    token: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Principal:
    """The project of the key in `X-CEKURA-API-KEY` or `Authorization: Bearer`."""
    secret = key or (token.credentials if token else None)
    principal = await authenticate(session, secret)
    await session.rollback()  # end the read transaction; handlers start their own
    return principal


PrincipalDep = Annotated[Principal, Depends(get_principal)]
