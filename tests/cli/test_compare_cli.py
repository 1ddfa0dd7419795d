"""`sparring compare A B` through the real console script: on the embedded database (results
by id, any project) and with `--api` against a server; exit 1 when B regresses, 2 on bad input."""

from __future__ import annotations

import asyncio
import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import AFTER, BEFORE, cli_env, sparring, sparring_async, store_result
from conftest import DemoRuns

from sparring.services.keys import authenticate, ensure_project
from sparring.storage.db import Database

pytestmark = pytest.mark.slow


async def local_pair(database: Database) -> tuple[int, int]:
    """Results A and B of a new project, as `sparring run` leaves them in its database."""
    async with database.transaction() as session:
        project = (await ensure_project(session, f"local-{uuid.uuid4().hex[:8]}")).id
    return (
        await store_result(database, project, BEFORE, "before"),
        await store_result(database, project, AFTER, "after"),
    )


async def test_compare_on_the_configured_database(
    database_url: str, database: Database, tmp_path: Path
) -> None:
    a, b = await local_pair(database)
    env = cli_env(tmp_path, SPARRING_DATABASE_URL=database_url)
    out = tmp_path / "comparison.json"
    worse, better, lenient, unknown = await asyncio.gather(
        sparring_async("compare", str(a), str(b), "--json", str(out), env=env),
        sparring_async("compare", str(b), str(a), env=env),
        sparring_async("compare", str(a), str(b), "--no-fail-on-regression", env=env),
        sparring_async("compare", str(a), "2147483000", env=env),
    )

    assert worse.returncode == 1, worse
    lines = worse.stdout.splitlines()
    assert any(l.startswith(f"A: result {a} before") and "4/4 passed" in l for l in lines)
    assert any(l.startswith(f"B: result {b} after") and "4/5 passed" in l for l in lines)
    assert "Success rate 100.0% → 80.0% (-20.0 points)" in worse.stdout
    assert row(worse.stdout, "Book on Friday")[1:] == [
        "2/2 (100%)",
        "1/2 (50%)",
        "-50.0",
        "REGRESSED",
    ]
    assert row(worse.stdout, "Cancel")[-1] == "only in B"
    assert "Opening hours" not in worse.stdout  # unchanged scenarios are only counted
    assert "1 unchanged" in worse.stdout
    assert row(worse.stdout, "Protects privacy")[2:] == ["100%", "80%", "-20", "REGRESSED"]
    assert row(worse.stdout, "Warmth")[-1] == "REGRESSED"
    assert row(worse.stdout, "Latency (in ms)")[-1] == "changed"
    assert "B regresses against A: 1 scenario(s), 2 metric(s)." in worse.stdout
    saved = json.loads(out.read_text())
    assert saved["regressed"] is True
    assert saved["regressions"] == {"scenarios": ["1"], "metrics": [501, 502]}

    assert better.returncode == 0, better
    assert "No regressions from A to B." in better.stdout
    assert row(better.stdout, "Book on Friday")[-1] == "better"
    assert lenient.returncode == 0, lenient
    assert "B regresses against A" in lenient.stdout
    assert unknown.returncode == 2, unknown
    assert "Error: Result 2147483000 not found." in unknown.stderr


def row(table: str, name: str) -> list[str]:
    """The cells of the rich table row that starts with `name`."""
    for line in table.splitlines():
        cells = [c.strip() for c in line.strip("│┃ ").split("│")]
        if cells and cells[0] == name:
            return cells
    raise AssertionError(f"no row {name!r} in:\n{table}")


async def test_compare_with_api_against_a_server(live_api: Any, tmp_path: Path) -> None:
    async with live_api.database.session() as session:
        project = (await authenticate(session, live_api.key)).project_id
    a = await store_result(live_api.database, project, BEFORE, "before")
    b = await store_result(live_api.database, project, AFTER, "after")
    other_key = await live_api.new_key()
    env = cli_env(tmp_path, SPARRING_API_KEY=live_api.key)
    worse, tolerant, foreign, bad_key, no_key = await asyncio.gather(
        sparring_async("compare", str(a), str(b), "--api", live_api.url, env=env),
        sparring_async(
            "compare", str(a), str(b), "--api", live_api.url, "--tolerance", "60", env=env
        ),
        sparring_async(
            "compare",
            str(a),
            str(b),
            "--api",
            live_api.url,
            env={**env, "SPARRING_API_KEY": other_key},
        ),  # fmt: skip
        sparring_async(
            "compare",
            str(a),
            str(b),
            "--api",
            live_api.url,
            env={**env, "SPARRING_API_KEY": "sk_sparring_wrong"},
        ),  # fmt: skip
        sparring_async("compare", str(a), str(b), "--api", live_api.url, env=cli_env(tmp_path)),
    )
    assert worse.returncode == 1, worse
    assert row(worse.stdout, "Book on Friday")[-1] == "REGRESSED"
    assert "B regresses against A: 1 scenario(s), 2 metric(s)." in worse.stdout
    assert tolerant.returncode == 0, tolerant
    assert row(tolerant.stdout, "Book on Friday")[-1] == "worse"
    assert "No regressions from A to B." in tolerant.stdout
    assert foreign.returncode == 2, foreign  # another project's results: not found
    assert f"no result {a} or {b}" in foreign.stderr
    assert bad_key.returncode == 2, bad_key
    assert "refused the API key" in bad_key.stderr
    assert no_key.returncode == 2, no_key
    assert "Set SPARRING_API_KEY" in no_key.stderr


def test_compare_on_the_embedded_database_after_sparring_run(demo_runs: DemoRuns) -> None:
    """`sparring run --demo both` leaves results 1 (good) and 2 (buggy) in SPARRING_HOME."""
    assert demo_runs.commands["both"].done().returncode == 0
    env = cli_env(demo_runs.homes["both"])
    worse = sparring("compare", "1", "2", env=env)
    fixed = sparring("compare", "2", "1", env=env)
    not_an_id = sparring("compare", "1", "two", env=env)
    results = json.loads((demo_runs.homes["both"] / "out.json").read_text())
    buggy_failures = {r["scenario_name"] for r in results[1]["runs"].values() if not r["success"]}

    done = worse.done()
    assert done.returncode == 1, done
    regressed = {name for name in buggy_failures if row(done.stdout, name)[-1] == "REGRESSED"}
    assert regressed == buggy_failures
    assert f"B regresses against A: {len(buggy_failures)} scenario(s)" in done.stdout
    done = fixed.done()
    assert done.returncode == 0, done
    assert "No regressions from A to B." in done.stdout
    done = not_an_id.done()
    assert done.returncode == 2, done
    assert "B: Give a result id (a positive integer), not 'two'." in done.stderr
