"""Organizations, projects and API keys: keys are shown once and stored as SHA-256 hashes."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from sparring.errors import BadInput, NotFound, Unauthorized
from sparring.storage.models import ApiKey, Organization, Project
from sparring.storage.types import utcnow

KEY_PREFIX = "sk_sparring_"
DEFAULT_ORGANIZATION = "default"


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: the project a key belongs to."""

    project_id: int
    organization_id: int
    key_id: int


@dataclass(frozen=True, slots=True)
class KeyInfo:
    """A key as listed (never the secret)."""

    id: int
    name: str
    prefix: str
    project_id: int
    project_name: str
    created_at: datetime
    revoked_at: datetime | None


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


async def ensure_project(session: AsyncSession, name: str) -> Project:
    """The project called `name` in the default organization, created if needed."""
    if not name.strip() or len(name) > 255:
        raise BadInput("project", "A project name of 1 to 255 characters is required.")
    org = await session.scalar(
        select(Organization).where(Organization.name == DEFAULT_ORGANIZATION)
    )
    if org is None:
        org = Organization(name=DEFAULT_ORGANIZATION)
        session.add(org)
        await session.flush()
    project = await session.scalar(
        select(Project).where(Project.organization_id == org.id, Project.name == name)
    )
    if project is None:
        project = Project(organization_id=org.id, name=name)
        session.add(project)
        await session.flush()
    return project


async def create_key(session: AsyncSession, name: str, project_name: str = "default") -> str:
    """Create an API key for `project_name` and return the secret (the only time it is seen)."""
    if not name.strip() or len(name) > 255:
        raise BadInput("name", "A key name of 1 to 255 characters is required.")
    project = await ensure_project(session, project_name)
    secret = KEY_PREFIX + secrets.token_urlsafe(32)
    session.add(
        ApiKey(project_id=project.id, name=name, prefix=secret[:16], key_hash=hash_key(secret))
    )
    await session.flush()
    return secret


async def list_keys(session: AsyncSession) -> list[KeyInfo]:
    rows = await session.execute(
        select(ApiKey, Project.name)
        .join(Project, Project.id == ApiKey.project_id)
        .order_by(ApiKey.id)
    )
    return [
        KeyInfo(k.id, k.name, k.prefix, k.project_id, project_name, k.created_at, k.revoked_at)
        for k, project_name in rows
    ]


async def revoke_key(session: AsyncSession, key_id: int) -> None:
    key = await session.get(ApiKey, key_id)
    if key is None:
        raise NotFound(f"No API key with id {key_id}.")
    if key.revoked_at is None:
        key.revoked_at = utcnow()


async def authenticate(session: AsyncSession, secret: str | None) -> Principal:
    """The principal of a valid, unrevoked key; `Unauthorized` otherwise."""
    if not secret:
        raise Unauthorized("Authentication credentials were not provided.")
    row = await session.execute(
        select(ApiKey.id, ApiKey.project_id, ApiKey.revoked_at, Project.organization_id)
        .join(Project, Project.id == ApiKey.project_id)
        .where(ApiKey.key_hash == hash_key(secret))
    )
    found = row.first()
    if found is None or found.revoked_at is not None:
        raise Unauthorized("Invalid API key.")
    return Principal(found.project_id, found.organization_id, found.id)
