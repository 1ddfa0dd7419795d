"""The `sparring` command line."""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

import typer
from rich.console import Console

from sparring.cli import compare, demo_agent, keys, run, serve, worker
from sparring.errors import BadInput, NotFound, SparringError

app = typer.Typer(
    name="sparring",
    help="Test conversational AI agents with simulated conversations, offline or at scale.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
err = Console(stderr=True)
F = TypeVar("F", bound=Callable[..., Any])

EXIT_BAD_INPUT = 2


def handle_errors(func: F) -> F:
    """Turn the error tree into a message and an exit code (2 = bad input)."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except (BadInput, NotFound) as exc:
            err.print(f"[red]Error:[/red] {exc}")
            raise typer.Exit(EXIT_BAD_INPUT) from None
        except SparringError as exc:
            err.print(f"[red]Error:[/red] {exc}")
            raise typer.Exit(1) from None

    return wrapper  # type: ignore[return-value]


app.command("serve", help=serve.__doc__)(handle_errors(serve.serve))
app.command("run")(handle_errors(run.run))
app.command("compare")(handle_errors(compare.compare))
app.command("worker")(handle_errors(worker.worker))
app.command("demo-agent")(handle_errors(demo_agent.demo_agent))
app.add_typer(keys.build(handle_errors), name="keys", help="Create, list and revoke API keys.")


def main() -> None:  # pragma: no cover - console entry point alias
    sys.exit(app())
