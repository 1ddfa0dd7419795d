"""`sparring keys create|list|revoke`."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from sparring.config import settings
from sparring.services import keys as key_service
from sparring.storage.db import Database
from sparring.storage.migrate import upgrade_database

T = TypeVar("T")


def with_database(work: Callable[[Database], Coroutine[Any, Any, T]]) -> T:
    """Run `work` against the configured database, migrated first."""
    url = settings().effective_database_url
    upgrade_database(url)

    async def go() -> T:
        database = Database(url)
        try:
            return await work(database)
        finally:
            await database.dispose()

    return asyncio.run(go())


def build(handle_errors: Callable[[Any], Any]) -> typer.Typer:
    keys = typer.Typer(no_args_is_help=True)
    console = Console()

    @keys.command("create")
    @handle_errors
    def create(
        name: Annotated[str, typer.Option(help="A label for the key.")],
        project: Annotated[str, typer.Option(help="Project (created if needed).")] = "default",
    ) -> None:
        """Create an API key; it is printed once, alone on the last line."""

        async def work(db: Database) -> str:
            async with db.transaction() as session:
                return await key_service.create_key(session, name, project)

        secret = with_database(work)
        console.print(
            f"Created key [bold]{name}[/bold] for project [bold]{project}[/bold]. "
            "Store it now: it is not shown again.",
            highlight=False,
        )
        print(secret)

    @keys.command("list")
    @handle_errors
    def list_() -> None:
        """List API keys (never the secrets)."""

        async def work(db: Database) -> list[key_service.KeyInfo]:
            async with db.session() as session:
                return await key_service.list_keys(session)

        table = Table("id", "name", "prefix", "project", "created", "revoked")
        for k in with_database(work):
            revoked = k.revoked_at.isoformat(timespec="seconds") if k.revoked_at else ""
            table.add_row(
                str(k.id),
                k.name,
                k.prefix + "…",
                k.project_name,
                k.created_at.isoformat(timespec="seconds"),
                revoked,
            )
        console.print(table)

    @keys.command("revoke")
    @handle_errors
    def revoke(
        key_id: Annotated[int, typer.Argument(help="The key's id (see `keys list`).")],
    ) -> None:
        """Revoke an API key: requests with it get 401 from now on."""

        async def work(db: Database) -> None:
            async with db.transaction() as session:
                await key_service.revoke_key(session, key_id)

        with_database(work)
        console.print(f"Revoked key {key_id}.")

    return keys
