"""`sparring run SUITE.json`: hold a suite's conversations and report, offline by default.

Without `--api`, everything happens in this process: the embedded SQLite database, the
in-process broker, the scripted caller (or the LLM caller when `SPARRING_LLM_*` is set) and the
offline checks. With `--api URL`, the suite is sent to a sparring server instead.
"""

from __future__ import annotations

import asyncio
import json
import os
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from sparring.config import settings
from sparring.errors import BadInput

console = Console()


class Demo(StrEnum):
    good = "good"
    buggy = "buggy"
    both = "both"


class Protocol(StrEnum):
    openai = "openai"
    webhook = "webhook"
    websocket = "websocket"


def load_suite(path: Path) -> dict[str, Any]:
    from sparring.services import suites

    try:
        doc = json.loads(path.read_text())
    except FileNotFoundError:
        raise BadInput("SUITE", f"{path} does not exist.") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise BadInput("SUITE", f"{path} is not valid JSON: {exc}") from None
    try:
        return suites.validate_suite(doc)
    except suites.SuiteInvalid as exc:
        problems = "; ".join(f"{k}: {v[0]}" for k, v in list(exc.errors.items())[:5])
        raise BadInput("SUITE", f"{path} is not a valid test suite: {problems}") from None


def agent_targets(
    demo: Demo | None, agent_url: str | None, protocol: Protocol | None, model: str
) -> list[tuple[str, dict[str, Any]]]:
    """(label, provider block) of each agent to test."""
    if demo and agent_url:
        raise BadInput("--agent-url", "Give either --demo or --agent-url, not both.")
    if demo:
        variants = ["good", "buggy"] if demo is Demo.both else [demo.value]
        return [
            (
                f"clinic demo ({v})",
                {
                    "type": "python",
                    "credentials": {"config": {"callable": f"sparring.demo.clinic:{v}_agent"}},
                },
            )
            for v in variants
        ]
    if not agent_url:
        raise BadInput(
            "--agent-url", "Give the agent to test: --agent-url URL or --demo good|buggy."
        )
    if agent_url.startswith(("ws://", "wss://")) or protocol is Protocol.websocket:
        config: dict[str, Any] = {"url": agent_url}
        return [(agent_url, {"type": "self_hosted", "credentials": {"config": config}})]
    if not agent_url.startswith(("http://", "https://")):
        raise BadInput("--agent-url", "Use an http(s):// or ws(s):// URL.")
    if protocol is Protocol.webhook:
        return [(agent_url, {"type": "webhook", "credentials": {"config": {"url": agent_url}}})]
    key = os.environ.get("SPARRING_AGENT_API_KEY", "")
    openai = {"base_url": agent_url, "model": model}
    return [(agent_url, {"type": "openai_chat", "credentials": {"api_key": key, "config": openai}})]


def run(
    suite: Annotated[Path, typer.Argument(help="A test suite in Cekura's JSON format.")],
    agent_url: Annotated[
        str | None,
        typer.Option(
            help="The agent to test: http(s):// (OpenAI-compatible or webhook) or ws(s):// (Cekura chat WebSocket)."
        ),
    ] = None,
    demo: Annotated[
        Demo | None, typer.Option(help="Test the bundled clinic demo agent instead.")
    ] = None,
    agent_protocol: Annotated[
        Protocol | None, typer.Option(help="How to talk to --agent-url (default: from the URL).")
    ] = None,
    agent_model: Annotated[
        str, typer.Option(help="Model name sent to an OpenAI-compatible agent.")
    ] = "agent",
    concurrency: Annotated[
        int | None,
        typer.Option(
            min=1, max=10_000, help="Conversations at once (default: the suite's, else 10)."
        ),
    ] = None,
    fail_under: Annotated[
        float | None,
        typer.Option(min=0, max=100, help="Exit 1 when the success rate (%) is below this."),
    ] = None,
    junit: Annotated[Path | None, typer.Option(help="Write a JUnit XML report here.")] = None,
    json_out: Annotated[
        Path | None, typer.Option("--json", help="Write the result (seed shape) as JSON here.")
    ] = None,
    api: Annotated[
        str | None,
        typer.Option(
            help="Send the suite to this sparring server (key: SPARRING_API_KEY or CEKURA_API_KEY)."
        ),
    ] = None,
    agent_id: Annotated[
        int | None, typer.Option(help="With --api: the server's agent to test.")
    ] = None,
    caller: Annotated[
        str | None, typer.Option(help="scripted (offline) or llm (needs SPARRING_LLM_*).")
    ] = None,
) -> None:
    """Run a test suite against an agent and report every conversation."""
    from sparring.cli import report

    doc = load_suite(suite)
    engine = caller or ("llm" if settings().llm.configured else "scripted")
    if engine not in ("scripted", "llm"):
        raise BadInput("--caller", "Choose scripted or llm.")
    if api:
        from sparring.cli.remote import run_remote

        results = asyncio.run(run_remote(api, doc, agent_id, concurrency, console))
    else:
        targets = agent_targets(demo, agent_url, agent_protocol, agent_model)
        from sparring.cli.embedded import run_embedded
        from sparring.storage.migrate import upgrade_database

        upgrade_database(settings().effective_database_url)
        results = asyncio.run(run_embedded(console, doc, targets, concurrency, engine))
    report.show_all(console, results)
    if json_out:
        report.write_json(json_out, results)
    if junit:
        report.write_junit(junit, results)
    if fail_under is not None and any(r["success_rate"] < fail_under for r in results):
        console.print(f"[red]Success rate below --fail-under {fail_under:g}%.[/red]")
        raise typer.Exit(1)
