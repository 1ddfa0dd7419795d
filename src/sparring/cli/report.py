"""How `sparring run` shows a result: a table per run, a summary line, JUnit XML and JSON files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

from rich.console import Console
from rich.markup import escape
from rich.table import Table

STATUS_STYLE = {"completed": "green", "failed": "red", "timeout": "yellow", "cancelled": "dim"}


def verdict(run: dict[str, Any]) -> str:
    if run.get("success"):
        return "[green]pass[/green]"
    outcome = run.get("expected_outcome") or {}
    if (
        run.get("status") == "completed"
        and outcome.get("score") is None
        and outcome.get("outcome_alignments")
    ):
        return "[yellow]inconclusive[/yellow]"
    return "[red]FAIL[/red]"


def what_failed(run: dict[str, Any], limit: int = 1) -> str:
    """The first ❌ lines of the expected outcome and failed metrics, or the error."""
    lines = [e for e in (run.get("expected_outcome") or {}).get("explanation", []) if "❌" in e]
    for metric in (run.get("evaluation") or {}).get("metrics", []):
        if metric.get("type", "").startswith("binary") and metric.get("score") == 0:
            lines.append(f"❌ {metric.get('name')}: {metric.get('explanation', '')}")
    if run.get("error_message"):
        lines.append(run["error_message"])
    shown = [line.replace("❌ ", "") for line in lines[:limit]]
    more = f" (+{len(lines) - limit} more)" if len(lines) > limit else ""
    return "; ".join(shown) + more


def run_table(result: dict[str, Any], title: str) -> Table:
    table = Table(title=title, title_justify="left", show_lines=False, expand=True)
    for column in ("scenario", "personality", "status", "verdict", "score", "duration", "ended by"):
        table.add_column(column, no_wrap=column != "scenario")
    table.add_column("what failed", ratio=2)
    for run in sorted(result["runs"].values(), key=lambda r: r["id"]):
        score = (run.get("expected_outcome") or {}).get("score")
        status = run["status"]
        table.add_row(
            run["scenario_name"],
            run["personality_name"],
            f"[{STATUS_STYLE.get(status, 'white')}]{status}[/]",
            verdict(run),
            "–" if score is None else f"{score:.0f}",
            run["duration"],
            str((run.get("metadata") or {}).get("ended_reason") or "–"),
            what_failed(run),
        )
    return table


def summary_line(result: dict[str, Any]) -> str:
    ci = result.get("success_rate_confidence_interval") or {}
    interval = f" (95% CI {ci['low']:.0f}–{ci['high']:.0f}%)" if ci else ""
    return (
        f"Result {result['id']} ({result['status']}): {result['success_runs_count']}/"
        f"{result['total_runs_count']} passed, {result['failed_runs_count']} failed — "
        f"success rate {result['success_rate']:.1f}%{interval}"
    )


def show_all(console: Console, results: list[dict[str, Any]]) -> None:
    """One agent: a table of its runs. Several: scenarios side by side."""
    if len(results) == 1:
        console.print(run_table(results[0], f"{results[0]['agent_name']} — {results[0]['name']}"))
    else:
        console.print(comparison_table(results))
    for result in results:
        show_summary(console, result)


def show_summary(console: Console, result: dict[str, Any]) -> None:
    console.print(f"[bold]{escape(result['agent_name'])}[/bold]")
    issues = (result.get("failed_reasons") or {}).get("issues") or []
    for issue in issues[:5]:
        count = issue["affected_count"]
        console.print(
            f"  [red]#{issue['rank']}[/red] {escape(issue['description'])} "
            f"[dim]({count} run{'' if count == 1 else 's'})[/dim]"
        )
    console.print("  " + escape(summary_line(result)), highlight=False)


def write_json(path: Path, results: list[dict[str, Any]]) -> None:
    data: Any = results[0] if len(results) == 1 else results
    path.write_text(json.dumps(data, indent=2, default=str, ensure_ascii=False))


def write_junit(path: Path, results: list[dict[str, Any]]) -> None:
    """One <testsuite> per result, one <testcase> per run (failures carry the ❌ lines)."""
    root = ET.Element("testsuites")
    for result in results:
        runs = sorted(result["runs"].values(), key=lambda r: r["id"])
        suite = ET.SubElement(
            root,
            "testsuite",
            name=f"{result['name']} (result {result['id']})",
            tests=str(len(runs)),
            failures=str(result["failed_runs_count"]),
        )
        for run in runs:
            case = ET.SubElement(
                suite,
                "testcase",
                classname=result["agent_name"] or "agent",
                name=f"{run['scenario_name']} [{run['personality_name']}] #{run['id']}",
            )
            if not run.get("success"):
                failure = ET.SubElement(
                    case, "failure", message=what_failed(run, 5) or run["status"]
                )
                failure.text = "\n".join((run.get("expected_outcome") or {}).get("explanation", []))
    ET.ElementTree(root).write(path, encoding="unicode", xml_declaration=True)


def comparison_table(results: list[dict[str, Any]]) -> Table:
    """One row per scenario, one column per agent: passed runs / runs, and what failed."""
    table = Table(title="Scenarios by agent", title_justify="left", expand=True)
    table.add_column("scenario", ratio=2)
    for result in results:
        table.add_column(result["agent_name"], no_wrap=True)
    table.add_column("what failed", ratio=3)
    names = list(dict.fromkeys(r["scenario_name"] for res in results for r in res["runs"].values()))
    for name in names:
        cells, failures = [], []
        for result in results:
            runs = [r for r in result["runs"].values() if r["scenario_name"] == name]
            passed = sum(1 for r in runs if r.get("success"))
            style = "green" if passed == len(runs) else "red"
            cells.append(f"[{style}]{passed}/{len(runs)} passed[/]")
            failures += [what_failed(r) for r in runs if not r.get("success")][:1]
        table.add_row(name, *cells, "; ".join(failures))
    return table
