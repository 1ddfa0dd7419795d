"""How fast `GET /test_framework/v1/results/{id}` answers for a big result, against a baseline.

    python benchmarks/api_results.py [--runs 1000] [--requests 60] [--postgres URL]

A result with `--runs` runs (5 metric verdicts and a 10-turn transcript each) is written through
the storage layer; `sparring serve` runs in its own process and answers over real HTTP. Measured,
each in the same run and on every engine (SQLite always; PostgreSQL with `--postgres` or
SPARRING_TEST_POSTGRES_URL, in a throwaway database):
  api       GET results/{id} over HTTP (keep-alive), every field assembled from the runs
  baseline  one plain SQL query of the same run rows in this process, plus `json.dumps`
Printed: p50 and p95 in ms, response size, and the ratio api / baseline (target: p50 ≤ 150 ms
and ≤ 3× the baseline).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).parent))
from _common import free_port, table, wait_port

from sparring.services.keys import authenticate, create_key
from sparring.storage.db import Database, sync_url
from sparring.storage.migrate import upgrade_database
from sparring.storage.models import Agent, Result, Run

T0 = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)
METRIC_TYPES = ("binary_workflow_adherence", "binary_qualitative", "continuous_qualitative",
                "numeric", "enum")  # fmt: skip
RUN_COLUMNS = (
    "id, result_id, scenario_id, scenario_name, personality_name, status, success, "
    "expected_outcome, evaluation, metadata, error_message, timestamp, executed_at, duration, "
    "tags, transcript, infrastructure_failure, frequency_index, overrides"
)


def transcript(turns: int) -> list[dict[str, Any]]:
    out = []
    for i in range(turns):
        agent = i % 2 == 1
        turn: dict[str, Any] = {
            "role": "Main Agent" if agent else "Testing Agent",
            "content": ("Friday at ten works; shall I book it for you?" if agent
                        else "Hello, I would like to book an appointment on Friday please."),
            "start_time": 6.0 * i, "end_time": 6.0 * i + 4.0, "time": f"00:{6 * i:02d}",
        }  # fmt: skip
        if agent:
            turn["latency_ms"] = 400.0 + i
        out.append(turn)
    return out


def verdicts(passed: bool) -> list[dict[str, Any]]:
    return [
        {"id": 100 + n, "name": f"Metric {n}", "type": kind,
         "score": None if kind == "enum" else (1.0 if passed else 0.0) if n < 2 else 4.2,
         "explanation": "The agent confirmed the date and time before booking.",
         "function_name": None, "extra": {}, "enum": "neutral" if kind == "enum" else None,
         "status": "ok", "evidence": [{"turn": 1, "quote": "Friday at ten works"}]}
        for n, kind in enumerate(METRIC_TYPES)
    ]  # fmt: skip


def run_values(i: int) -> dict[str, Any]:
    passed = i % 4 != 0
    return {
        "scenario_id": 1 + i % 20,
        "scenario_name": f"Scenario {1 + i % 20}",
        "personality_name": "Calm caller",
        "status": "completed",
        "success": passed,
        "expected_outcome": {
            "score": 100 if passed else 0,
            "explanation": ["✅ Offered Friday" if passed else "❌ Did not offer Friday"],
            "outcome_alignments": [
                {"outcome": "Friday offered", "prompt_part": "offers Friday", "aligned": passed}
            ],
        },
        "evaluation": {"metrics": verdicts(passed)},
        "run_metadata": {"ended_reason": "testing-agent-ended-call"},
        "transcript": transcript(10),
        "tags": ["booking"],
        "duration": 58.0 + i % 7,
        "timestamp": T0 + timedelta(seconds=i),
        "executed_at": T0 + timedelta(seconds=i),
    }


async def seed(url: str, runs: int) -> tuple[str, int]:
    """A key and a result of `runs` runs, written through the storage layer."""
    database = Database(url)
    try:
        async with database.transaction() as session:
            key = await create_key(session, "bench", f"bench-{uuid.uuid4().hex[:6]}")
            project = (await authenticate(session, key)).project_id
            agent = Agent(project_id=project, name="Clinic", provider={}, credentials={}, extra={})
            session.add(agent)
            await session.flush()
            result = Result(project_id=project, agent_id=agent.id, agent_name="Clinic",
                            name="Benchmark", status="completed", metrics=[])  # fmt: skip
            session.add(result)
            await session.flush()
            session.add_all(
                Run(result_id=result.id, project_id=project, **run_values(i)) for i in range(runs)
            )
            return key, result.id
    finally:
        await database.dispose()


@contextmanager
def served(url: str, home: Path) -> Iterator[str]:
    """`sparring serve` on the database at `url`, in its own process."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SPARRING_")}
    env.update(SPARRING_DATABASE_URL=url, SPARRING_HOME=str(home))
    command = [str(Path(sys.executable).parent / "sparring"), "serve", "--port", str(port)]
    process = subprocess.Popen(command, env=env)
    try:
        wait_port(port, timeout=60)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=15)


def percentiles(samples: list[float]) -> tuple[float, float]:
    """p50 and p95 in milliseconds."""
    cuts = statistics.quantiles(samples, n=20, method="inclusive")
    return statistics.median(samples) * 1000, cuts[18] * 1000


def alternating(
    first: Callable[[], int], second: Callable[[], int], requests: int
) -> tuple[list[float], list[float], int, int]:
    """Seconds per call of each action, called in turn (so both see the same machine load)."""
    for _ in range(3):  # warm up caches and connections
        first(), second()
    samples: tuple[list[float], list[float]] = ([], [])
    sizes = [0, 0]
    for _ in range(requests):
        for i, action in enumerate((first, second)):
            started = time.perf_counter()
            sizes[i] = action()
            samples[i].append(time.perf_counter() - started)
    return samples[0], samples[1], sizes[0], sizes[1]


def baseline(url: str, result_id: int) -> Callable[[], int]:
    """One plain SQL query of the result's runs, decoded, and `json.dumps` of the rows."""
    engine = create_engine(sync_url(url))
    query = text(f"SELECT {RUN_COLUMNS} FROM runs WHERE result_id = :id ORDER BY id")

    def action() -> int:
        with engine.connect() as connection:
            rows = [dict(row) for row in connection.execute(query, {"id": result_id}).mappings()]
        for row in rows:  # SQLite hands JSON columns back as text
            for column in ("expected_outcome", "evaluation", "metadata", "tags", "transcript"):
                if isinstance(row[column], str):
                    row[column] = json.loads(row[column])
        return len(json.dumps(rows, default=str).encode())

    return action


def measure(label: str, url: str, runs: int, requests: int) -> list[list[str]]:
    upgrade_database(url)
    key, result_id = asyncio.run(seed(url, runs))
    path = f"/test_framework/v1/results/{result_id}"
    with (
        tempfile.TemporaryDirectory() as home,
        served(url, Path(home)) as base,
        httpx.Client(base_url=base, headers={"X-CEKURA-API-KEY": key}, timeout=60) as api,
    ):
        assert len(api.get(path).json()["runs"]) == runs, "the result lost runs"

        def get() -> int:
            response = api.get(path)
            assert response.status_code == 200, response.text[:300]
            return len(response.content)

        api_samples, base_samples, api_size, base_size = alternating(
            get, baseline(url, result_id), requests
        )
    (api_p50, api_p95), (base_p50, base_p95) = percentiles(api_samples), percentiles(base_samples)
    verdict = "ok" if api_p50 <= 150 and api_p50 <= 3 * base_p50 else "MISSED"
    return [
        [label, "api", f"{api_p50:.1f}", f"{api_p95:.1f}", f"{api_size / 1e6:.2f}",
         f"{api_p50 / base_p50:.2f}x", verdict],
        [label, "baseline", f"{base_p50:.1f}", f"{base_p95:.1f}", f"{base_size / 1e6:.2f}", "1x", ""],
    ]  # fmt: skip


@contextmanager
def throwaway_postgres(base: str) -> Iterator[str]:
    url = make_url(base).set(drivername="postgresql+psycopg")
    name = f"sparring_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=1000)
    parser.add_argument("--requests", type=int, default=60)
    parser.add_argument("--postgres", default=os.environ.get("SPARRING_TEST_POSTGRES_URL", ""))
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as work:
        sqlite = f"sqlite+aiosqlite:///{Path(work) / 'bench.db'}"
        rows += measure("sqlite", sqlite, args.runs, args.requests)
    if args.postgres:
        with throwaway_postgres(args.postgres) as url:
            rows += measure("postgresql", url, args.runs, args.requests)
    print(f"GET results/{{id}} of a result with {args.runs} runs, {args.requests} requests each")
    header = ["engine", "what", "p50 ms", "p95 ms", "MB", "p50 ratio", "target"]
    print(table(rows, header))


if __name__ == "__main__":
    main()
