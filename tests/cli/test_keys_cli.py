"""`sparring keys create|list|revoke` on the configured database: a created key authenticates
until it is revoked; the secret is shown once; bad input exits 2."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import pytest
from cli_helpers import invoke, row

from sparring.errors import Unauthorized
from sparring.services.keys import Principal, authenticate
from sparring.storage.db import Database


def authenticated(database_url: str, secret: str) -> Principal | None:
    """The key's principal, or None once it is refused."""

    async def check() -> Principal | None:
        database = Database(database_url)
        try:
            async with database.session() as session:
                return await authenticate(session, secret)
        except Unauthorized:
            return None
        finally:
            await database.dispose()

    return asyncio.run(check())


def test_create_list_and_revoke_a_key(database_url: str) -> None:
    env = {"SPARRING_DATABASE_URL": database_url}
    name, project = f"ci-{uuid.uuid4().hex[:6]}", f"payments-{uuid.uuid4().hex[:6]}"

    created = invoke("keys", "create", "--name", name, "--project", project, **env)
    assert created.exit_code == 0, created.output
    secret = created.stdout.splitlines()[-1]  # alone on the last line, for scripts
    assert secret.startswith("sk_sparring_")
    assert f"Created key {name} for project {project}" in created.stdout
    assert authenticated(database_url, secret) is not None

    listed = invoke("keys", "list", **env)
    assert listed.exit_code == 0, listed.output
    key_id, shown_name, prefix, shown_project, created_at, revoked_at = row_of(listed.stdout, name)
    assert (shown_name, shown_project, revoked_at) == (name, project, "")
    assert secret.startswith(prefix.rstrip("…"))
    assert secret not in listed.stdout
    assert created_at[:4].isdigit()

    revoked = invoke("keys", "revoke", key_id, **env)
    assert revoked.exit_code == 0, revoked.output
    assert f"Revoked key {key_id}." in revoked.stdout
    assert authenticated(database_url, secret) is None
    assert row_of(invoke("keys", "list", **env).stdout, name)[-1] != ""  # revoked when


def row_of(table: str, name: str) -> list[str]:
    """The `keys list` row of the key called `name` (the id is the first cell)."""
    return row(table, name, column=1)


def test_keys_live_in_the_embedded_database_by_default(tmp_path: Path) -> None:
    created = invoke("keys", "create", "--name", "local", SPARRING_HOME=str(tmp_path))
    assert created.exit_code == 0, created.output
    assert "for project default" in created.stdout
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'sparring.db'}"
    assert authenticated(database_url, created.stdout.splitlines()[-1]) is not None


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["revoke", "2147483000"], "No API key with id 2147483000."),
        (["revoke", "first"], "Invalid value for 'key_id'"),
        (["create", "--name", "x", "--project", " "], "A project name of 1 to 255 characters"),
        (["create"], "Missing option '--name'"),
    ],
)
def test_bad_input_exits_2(database_url: str, args: list[str], message: str) -> None:
    done = invoke("keys", *args, SPARRING_DATABASE_URL=database_url)
    assert done.exit_code == 2, done.output
    assert message in " ".join(done.stderr.replace("│", " ").split())
