"""`sparring compare A B`: what got worse from result A (before) to result B (after).

Without `--api`, results are read from the embedded database by id (any project); with
`--api URL`, a sparring server compares results of the key's project.
"""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import aiohttp
import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from sparring.errors import BadInput, NotFound, SparringError

if TYPE_CHECKING:
    from sparring.storage.db import Database

console = Console()


def result_id(text: str, which: str) -> int:
    """A result id given on the command line; `BadInput` naming `which` (A or B) otherwise."""
    from sparring.services.result_queries import is_id

    if not is_id(text.strip()):
        raise BadInput(which, f"Give a result id (a positive integer), not {text!r}.")
    return int(text.strip())


async def compare_embedded(a_id: int, b_id: int, tolerance: float, db: Database) -> dict[str, Any]:
    from sparring.services import compare as compare_service

    async with db.session() as session:
        return await compare_service.compare(
            session, a_id, b_id, project_id=None, tolerance=tolerance
        )


async def compare_remote(api: str, a_id: int, b_id: int, tolerance: float) -> dict[str, Any]:
    """The server's `results/{a}/compare/{b}`; its 4xx answers become bad input (exit 2)."""
    key = os.environ.get("SPARRING_API_KEY") or os.environ.get("CEKURA_API_KEY")
    if not key:
        raise BadInput("SPARRING_API_KEY", "Set SPARRING_API_KEY (or CEKURA_API_KEY) to use --api.")
    if not api.startswith(("http://", "https://")):
        raise BadInput("--api", "Give the server as an http(s):// URL.")
    url = f"{api.rstrip('/')}/test_framework/v1/results/{a_id}/compare/{b_id}"
    try:
        async with (
            aiohttp.ClientSession(headers={"X-CEKURA-API-KEY": key}) as http,
            http.get(url, params={"tolerance": str(tolerance)}) as response,
        ):
            status = response.status
            data = await response.json(content_type=None)
    except (aiohttp.ClientError, ValueError) as exc:
        raise SparringError(f"cannot read {url}: {exc}") from exc
    if status == 404:
        raise NotFound(f"The server has no result {a_id} or {b_id} for this key.")
    if status in (401, 403):
        raise BadInput("SPARRING_API_KEY", "The server refused the API key.")
    if status == 400:
        raise BadInput("compare", str(data))
    if status != 200 or not isinstance(data, dict):
        raise SparringError(f"GET {url} answered {status}: {data}")
    return data


def compare(
    a: Annotated[str, typer.Argument(help="The result before (its id).")],
    b: Annotated[str, typer.Argument(help="The result after (its id).")],
    tolerance: Annotated[
        float,
        typer.Option(
            min=0, max=100, help="A pass-rate drop of up to this many points is no regression."
        ),
    ] = 0.0,
    fail_on_regression: Annotated[
        bool, typer.Option(help="Exit 1 when B regresses against A.")
    ] = True,
    api: Annotated[
        str | None,
        typer.Option(
            help="Compare on this sparring server (key: SPARRING_API_KEY or CEKURA_API_KEY)."
        ),
    ] = None,
    json_out: Annotated[
        Path | None, typer.Option("--json", help="Write the comparison as JSON here.")
    ] = None,
) -> None:
    """Compare two results: per-scenario and per-metric regressions from A to B."""
    a_id, b_id = result_id(a, "A"), result_id(b, "B")
    if api:
        data = asyncio.run(compare_remote(api, a_id, b_id, tolerance))
    else:
        from sparring.cli.keys import with_database

        data = with_database(lambda db: compare_embedded(a_id, b_id, tolerance, db))
    show(console, data)
    if json_out:
        json_out.write_text(json.dumps(data, indent=2, default=str, ensure_ascii=False))
    if data["regressed"] and fail_on_regression:
        raise typer.Exit(1)


def show(out: Console, data: dict[str, Any]) -> None:
    """Who A and B are, the changed scenarios and metrics, and the verdict."""
    for side in ("a", "b"):
        r = data[side]
        out.print(
            f"{side.upper()}: result {r['id']} [bold]{escape(r['name'])}[/bold] "
            f"({escape(r['agent_name'] or 'no agent')}, {r['status']}) — "
            f"{r['success_runs_count']}/{r['total_runs_count']} passed, "
            f"{r['success_rate']:.1f}%",
            highlight=False,
        )
    rate = data["success_rate"]
    out.print(
        f"Success rate {rate['a']:.1f}% → {rate['b']:.1f}% ({rate['delta']:+.1f} points)",
        highlight=False,
    )
    out.print(scenario_table(data["scenarios"]))
    if data["metrics"]:
        out.print(metric_table(data["metrics"]))
    regressions = data["regressions"]
    if data["regressed"]:
        out.print(
            f"[red bold]B regresses against A:[/] {len(regressions['scenarios'])} scenario(s), "
            f"{len(regressions['metrics'])} metric(s)."
        )
    else:
        out.print("[green]No regressions from A to B.[/green]")


def _side(side: dict[str, Any] | None) -> str:
    if side is None:
        return "–"
    return f"{side['passed']}/{side['runs']} ({side['pass_rate']:.0f}%)"


def _verdict(regression: bool | None, delta: float | None, *, significant: bool = False) -> str:
    if regression:
        return "[red]REGRESSED[/red]" + (" (significant)" if significant else "")
    if delta is None:
        return "[dim]not comparable[/dim]"
    if delta > 0:
        return "[green]better[/green]"
    return "worse" if delta < 0 else "same"


def scenario_table(rows: list[dict[str, Any]]) -> Table:
    """Scenarios whose pass rate changed (or that only one side ran), regressions first."""
    changed = [r for r in rows if r["regression"] or r["delta"] != 0]
    table = Table(
        title="Scenarios",
        title_justify="left",
        caption=f"{len(rows) - len(changed)} unchanged" if len(rows) > len(changed) else None,
        caption_justify="left",
    )
    for column in ("scenario", "A", "B", "Δ points", "verdict"):
        table.add_column(column, no_wrap=column != "scenario")
    for row in changed:
        verdict = _verdict(row["regression"], row["delta"], significant=row["significant"])
        if row["a"] is None or row["b"] is None:
            verdict = f"[dim]only in {'B' if row['a'] is None else 'A'}[/dim]"
        table.add_row(
            escape(row["scenario_name"]),
            _side(row["a"]),
            _side(row["b"]),
            "–" if row["delta"] is None else f"{row['delta']:+.1f}",
            verdict,
        )
    return table


def _score(value: Any, kind: str) -> str:
    if value is None:
        return "–"
    if isinstance(value, dict):
        return ", ".join(f"{k}: {n}" for k, n in value.items()) or "–"
    if kind.startswith("binary"):
        return f"{value:.0f}%"
    return f"{value:g}/5" if kind == "continuous_qualitative" else f"{value:g}"


def metric_table(rows: list[dict[str, Any]]) -> Table:
    """Metrics whose score changed, regressions first."""
    changed = [r for r in rows if r["regression"] or r["a"] != r["b"]]
    table = Table(
        title="Metrics",
        title_justify="left",
        caption=f"{len(rows) - len(changed)} unchanged" if len(rows) > len(changed) else None,
        caption_justify="left",
    )
    for column in ("metric", "type", "A", "B", "Δ", "verdict"):
        table.add_column(column, no_wrap=column != "metric")
    for row in changed:
        # numeric and enum metrics have no better direction: they only change
        unranked = row["regression"] is None
        table.add_row(
            escape(row["name"]),
            row["type"],
            _score(row["a"], row["type"]),
            _score(row["b"], row["type"]),
            "–" if row["delta"] is None else f"{row['delta']:+g}",
            "changed" if unranked else _verdict(row["regression"], row["delta"]),
        )
    return table
