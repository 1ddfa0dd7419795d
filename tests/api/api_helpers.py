"""Helpers for API tests: results written through the storage layer, row counts, objects made
through the API."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select

from sparring.domain.status import Status
from sparring.services.keys import authenticate
from sparring.storage.db import Database
from sparring.storage.models import Agent, Base, Result, Run

SEED_METRIC_TYPES = (
    "binary_workflow_adherence",
    "binary_qualitative",
    "continuous_qualitative",
    "numeric",
    "enum",
)
STATUSES = tuple(s.value for s in Status)
T0 = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)


async def project_of(database: Database, key: str) -> int:
    """The project id an API key belongs to."""
    async with database.session() as session:
        return (await authenticate(session, key)).project_id


async def table_counts(database: Database) -> dict[str, int]:
    """How many rows every table holds."""
    async with database.session() as session:
        return {
            table.name: int(await session.scalar(select(func.count()).select_from(table)) or 0)
            for table in Base.metadata.sorted_tables
        }


def transcript(turns: int = 4, *, start: float = 0.0) -> list[dict[str, Any]]:
    """A conversation of `turns` messages alternating caller and agent, 6 s apart."""
    out = []
    for i in range(turns):
        agent = i % 2 == 1
        turn: dict[str, Any] = {
            "role": "Main Agent" if agent else "Testing Agent",
            "content": f"message {i}: " + ("Friday at 10 works." if agent else "Can I book?"),
            "start_time": start + 6.0 * i,
            "end_time": start + 6.0 * i + 4.0,
            "time": f"00:{6 * i:02d}",
        }
        if agent:
            turn["latency_ms"] = 420.0 + 10 * i
        out.append(turn)
    return out


def metric_verdicts(passed: bool = True) -> list[dict[str, Any]]:
    """One verdict of each of the seed's five metric types."""
    score = 1.0 if passed else 0.0
    return [
        {"id": 101, "name": "Follows the booking flow", "type": "binary_workflow_adherence",
         "score": score, "explanation": "Asked for the date first.", "function_name": None,
         "extra": {"categories": [{"category": "flow", "priority": "critical"}]}, "enum": None},
        {"id": 102, "name": "Polite", "type": "binary_qualitative", "score": score,
         "explanation": ["Greets the caller."], "function_name": None, "extra": {}, "enum": None},
        {"id": 103, "name": "Clarity", "type": "continuous_qualitative", "score": 4.0,
         "explanation": "Clear.", "function_name": None, "extra": {}, "enum": None},
        {"id": 104, "name": "Latency (in ms)", "type": "numeric", "score": 432.5,
         "explanation": "Average latency.", "function_name": "latency",
         "extra": {"percentiles": {"p50": 430.0}}, "enum": None},
        {"id": 105, "name": "Sentiment", "type": "enum", "score": None,
         "explanation": "Calm caller.", "function_name": None, "extra": {}, "enum": "neutral"},
    ]  # fmt: skip


def expected_outcome(score: float | None) -> dict[str, Any]:
    aligned = None if score is None else score >= 100
    mark = "✅" if aligned else "❌"
    return {
        "score": score,
        "explanation": [f"{mark} The agent offered Friday."],
        "outcome_alignments": [
            {"outcome": "Friday offered", "prompt_part": "offers Friday", "aligned": aligned}
        ],
    }


def run_values(status: str, **fields: Any) -> dict[str, Any]:
    """Column values of a run in `status`; live and queued runs have no verdicts yet."""
    finished = status in ("completed", "timeout")
    values: dict[str, Any] = {
        "status": status,
        "scenario_name": "Book on Friday",
        "personality_name": "Calm caller",
        "success": None,
        "transcript": transcript(4) if finished or status in ("running", "evaluating") else [],
        "evaluation": {},
        "expected_outcome": None,
        "duration": 75.4 if finished else None,
        "executed_at": T0 if status not in ("pending", "in_queue", "scaling_up") else None,
        "tags": ["booking"],
    }
    values.update(fields)
    return values


async def store_result(
    database: Database,
    project_id: int,
    runs: list[dict[str, Any]],
    *,
    agent_name: str = "Clinic front desk",
    **result_fields: Any,
) -> tuple[int, list[int]]:
    """A result (and its agent) with `runs` (column values of `Run`), written directly."""
    async with database.transaction() as session:
        agent = Agent(project_id=project_id, name=agent_name, provider={}, credentials={}, extra={})
        session.add(agent)
        await session.flush()
        result = Result(
            project_id=project_id,
            agent_id=agent.id,
            agent_name=agent_name,
            name=result_fields.pop("name", "Nightly booking checks"),
            status=result_fields.pop("status", Status.RUNNING.value),
            run_settings=result_fields.pop("run_settings", {"frequency": 1}),
            **result_fields,
        )
        session.add(result)
        await session.flush()
        rows = [
            Run(
                result_id=result.id,
                project_id=project_id,
                scenario_id=values.pop("scenario_id", 7),
                timestamp=T0 + timedelta(seconds=i),
                **values,
            )
            for i, values in enumerate(dict(v) for v in runs)
        ]
        session.add_all(rows)
        await session.flush()
        return result.id, [r.id for r in rows]


async def create(client: httpx.AsyncClient, path: str, body: dict[str, Any]) -> dict[str, Any]:
    """POST `body` to `path`; the created object (201, or 200 for test profiles)."""
    response = await client.post(path, json=body)
    assert response.status_code in (200, 201), response.text
    created: dict[str, Any] = response.json()
    return created


PERSONALITIES = "/test_framework/v1/personalities"
AGENTS = "/test_framework/v2/aiagents/"
SCENARIOS = "/test_framework/v1/scenarios"
TEST_PROFILES = "/test_framework/v1/test-profiles-external"
METRICS = "/test_framework/v1/metrics"
SCHEDULES = "/schedules/v1/cron-jobs-external"
RESULTS = "/test_framework/v1/results"
RUNS = "/test_framework/v1/runs-external"


def openai_agent(name: str = "Clinic bot") -> dict[str, Any]:
    """An agent reached over an OpenAI-compatible endpoint (never called by these tests)."""
    config = {"base_url": "http://127.0.0.1:9/v1", "model": "clinic"}
    return {"name": name, "provider": {"type": "openai_chat", "credentials": {"config": config}}}


async def catalog_objects(client: httpx.AsyncClient) -> dict[str, dict[str, Any]]:
    """One of each configurable object, made through the API with `client`'s key."""
    agent = await create(client, AGENTS, openai_agent())
    personality = await create(client, PERSONALITIES, {"name": "Calm caller", "prompt": "Calm."})
    profile = await create(client, TEST_PROFILES, {"name": "Ann", "agent": agent["id"]})
    metric = await create(client, METRICS, {"name": "Polite", "description": "Is it polite?"})
    scenario = await create(
        client,
        SCENARIOS,
        {"name": "Book", "agent": agent["id"], "personality": personality["id"],
         "test_profile": profile["id"], "metrics": [metric["id"]], "instructions": "Book."},
    )  # fmt: skip
    schedule = await create(
        client, SCHEDULES, {"crontab_expression": "0 9 * * 1-5", "agent": agent["id"]}
    )
    return {
        "agent": agent,
        "personality": personality,
        "test_profile": profile,
        "metric": metric,
        "scenario": scenario,
        "schedule": schedule,
    }


async def store_empty_results(database: Database, project_id: int, n: int) -> list[int]:
    """`n` results without runs, written directly (for paging)."""
    async with database.transaction() as session:
        rows = [
            Result(project_id=project_id, name=f"result {i}", status="pending") for i in range(n)
        ]
        session.add_all(rows)
        await session.flush()
        return [r.id for r in rows]


# ---- `sparring serve` and `sparring keys` as subprocesses -----------------------------------

BIN = Path(sys.executable).parent
# Imported by every Python process started with `process_env`: like the tests' own guard, it
# refuses connections beyond the loopback interface (agents made by fuzzing name any host).
LOOPBACK_GUARD = """
import ipaddress, socket
_connect = socket.socket.connect
def _loopback_only(self, address):
    if isinstance(address, tuple) and address:
        try:
            ip = ipaddress.ip_address(str(address[0]))
        except ValueError:
            ip = None
        if ip is not None and not ip.is_loopback:
            raise OSError(f"test servers may not reach {address[0]}")
    return _connect(self, address)
socket.socket.connect = _loopback_only
"""


def process_env(database_url: str, home: Path) -> dict[str, str]:
    """Environment of a `sparring` or `cekura` subprocess: the test database, a clean HOME."""
    guard = home / "guard"
    guard.mkdir(parents=True, exist_ok=True)
    (guard / "sitecustomize.py").write_text(LOOPBACK_GUARD)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SPARRING_", "CEKURA_"))}
    return {
        **env,
        "HOME": str(home),
        "SPARRING_HOME": str(home / "sparring"),
        "SPARRING_DATABASE_URL": database_url,
        "PYTHONPATH": str(guard),
        "NO_COLOR": "1",
        "COLUMNS": "200",
    }


def sparring(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run the `sparring` command; fail the test with its output if it fails."""
    done = subprocess.run(
        [str(BIN / "sparring"), *args], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done


def cli_key(env: dict[str, str], project: str, name: str = "t") -> str:
    """A key made by `sparring keys create` (the secret is the last line it prints)."""
    return sparring(
        "keys", "create", "--name", name, "--project", project, env=env
    ).stdout.splitlines()[-1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def sparring_serve(env: dict[str, str]) -> Iterator[str]:
    """`sparring serve` on 127.0.0.1 until the block ends; yields its base URL."""
    port = free_port()
    log = open(Path(env["HOME"]) / f"serve-{port}.log", "w+")  # noqa: SIM115 - closed below
    process = subprocess.Popen(
        [str(BIN / "sparring"), "serve", "--port", str(port)], env=env, stdout=log, stderr=log
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, Path(log.name).read_text()
            try:
                if httpx.get(url + "/openapi.json", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "sparring serve did not start"
            time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
