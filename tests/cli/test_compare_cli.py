"""`sparring compare A B`: on the configured database (results by id, any project) and with
`--api` against a server; exit 1 when B regresses against A, 2 on bad input.

Most cases run the command in this process (`invoke`); one runs the real console script.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import AFTER, BEFORE, cli_env, invoke, row, sparring, store_result

from conftest import DemoRuns
from sparring.services.keys import authenticate, ensure_project
from sparring.storage.db import Database


@pytest.fixture
async def local_pair(database: Database) -> tuple[int, int]:
    """Results A and B of a new project, as `sparring run` leaves them in its database."""
    async with database.transaction() as session:
        project = (await ensure_project(session, f"local-{uuid.uuid4().hex[:8]}")).id
    return (
        await store_result(database, project, BEFORE, "before"),
        await store_result(database, project, AFTER, "after"),
    )


def test_b_regressing_against_a_exits_1_and_shows_what_got_worse(
    database_url: str, local_pair: tuple[int, int], tmp_path: Path
) -> None:
    a, b = local_pair
    out = tmp_path / "comparison.json"
    done = invoke("compare", str(a), str(b), "--json", str(out), SPARRING_DATABASE_URL=database_url)
    assert done.exit_code == 1, done.output
    lines = done.stdout.splitlines()
    assert lines[0].startswith(f"A: result {a} before (Clinic bot, completed)")
    assert lines[0].endswith("4/4 passed, 100.0%")
    assert lines[1].startswith(f"B: result {b} after")
    assert lines[1].endswith("4/5 passed, 80.0%")
    assert lines[2] == "Success rate 100.0% → 80.0% (-20.0 points)"
    scenarios = ["2/2 (100%)", "1/2 (50%)", "-50.0", "REGRESSED"]
    assert row(done.stdout, "Book on Friday")[1:] == scenarios
    assert row(done.stdout, "Cancel")[-1] == "only in B"
    assert "Opening hours" not in done.stdout  # unchanged scenarios are only counted
    assert "1 unchanged" in done.stdout
    assert row(done.stdout, "Protects privacy")[1:] == [
        "binary_qualitative", "100%", "80%", "-20", "REGRESSED",
    ]  # fmt: skip
    assert row(done.stdout, "Warmth")[2:] == ["4.5/5", "3.6/5", "-0.9", "REGRESSED"]
    assert row(done.stdout, "Latency (in ms)")[2:] == ["400", "500", "+100", "changed"]
    assert row(done.stdout, "Caller mood")[2:] == ["calm: 4", "calm: 4, angry: 1", "–", "changed"]
    assert lines[-1] == "B regresses against A: 1 scenario(s), 2 metric(s)."
    saved = json.loads(out.read_text())
    assert saved["regressed"] is True
    assert saved["regressions"] == {"scenarios": ["1"], "metrics": [501, 502]}


def test_no_regression_tolerance_and_no_fail_exit_0(
    database_url: str, local_pair: tuple[int, int]
) -> None:
    a, b = local_pair
    better = invoke("compare", str(b), str(a), SPARRING_DATABASE_URL=database_url)
    assert better.exit_code == 0, better.output
    assert row(better.stdout, "Book on Friday")[-1] == "better"
    assert better.stdout.splitlines()[-1] == "No regressions from A to B."

    tolerant = invoke(
        "compare", str(a), str(b), "--tolerance", "60", SPARRING_DATABASE_URL=database_url
    )
    assert tolerant.exit_code == 0, tolerant.output
    assert row(tolerant.stdout, "Book on Friday")[-1] == "worse"

    reporting = invoke(
        "compare", str(a), str(b), "--no-fail-on-regression", SPARRING_DATABASE_URL=database_url
    )
    assert reporting.exit_code == 0, reporting.output
    assert "B regresses against A" in reporting.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["1", "2147483000"], "Error: Result 2147483000 not found."),
        (["x", "1"], "Error: A: Give a result id (a positive integer), not 'x'."),
        (["0", "1"], "Error: A: Give a result id (a positive integer), not '0'."),
        (["--", "1", "-3"], "Error: B: Give a result id (a positive integer), not '-3'."),
        (["1", "99999999999"], "not '99999999999'"),
        (["1", "2", "--tolerance", "101"], "Invalid value for '--tolerance'"),
    ],
)
def test_bad_input_exits_2(database_url: str, args: list[str], message: str) -> None:
    done = invoke("compare", *args, SPARRING_DATABASE_URL=database_url)
    assert done.exit_code == 2, done.output
    assert message in done.stderr
    assert done.stdout == ""


async def test_compare_with_api_against_a_server(live_api: Any) -> None:
    async with live_api.database.session() as session:
        project = (await authenticate(session, live_api.key)).project_id
    a = await store_result(live_api.database, project, BEFORE, "before")
    b = await store_result(live_api.database, project, AFTER, "after")
    other_key = await live_api.new_key()

    async def against_server(*options: str, **env: str) -> Any:
        args = ("compare", str(a), str(b), "--api", live_api.url, *options)
        return await asyncio.to_thread(invoke, *args, **env)  # the server keeps serving

    worse = await against_server(SPARRING_API_KEY=live_api.key)
    assert worse.exit_code == 1, worse.output
    assert row(worse.stdout, "Book on Friday")[-1] == "REGRESSED"
    assert worse.stdout.splitlines()[-1] == "B regresses against A: 1 scenario(s), 2 metric(s)."
    tolerant = await against_server("--tolerance", "60", CEKURA_API_KEY=live_api.key)
    assert tolerant.exit_code == 0, tolerant.output
    assert tolerant.stdout.splitlines()[-1] == "No regressions from A to B."

    foreign = await against_server(SPARRING_API_KEY=other_key)
    assert foreign.exit_code == 2, foreign.output  # another project's results: not found
    assert f"no result {a} or {b}" in foreign.stderr
    wrong_key = await against_server(SPARRING_API_KEY="sk_sparring_wrong")
    assert wrong_key.exit_code == 2, wrong_key.output
    assert "refused the API key" in wrong_key.stderr
    no_key = await against_server()
    assert no_key.exit_code == 2, no_key.output
    assert "Set SPARRING_API_KEY" in no_key.stderr
    not_http = await asyncio.to_thread(
        invoke, "compare", str(a), str(b), "--api", "ftp://x", SPARRING_API_KEY=live_api.key
    )
    assert not_http.exit_code == 2, not_http.output


@pytest.mark.slow
def test_the_console_script_compares_results_left_by_sparring_run(demo_runs: DemoRuns) -> None:
    """`sparring run --demo both` leaves results 1 (good) and 2 (buggy) in SPARRING_HOME."""
    assert demo_runs.commands["both"].done().returncode == 0
    home = demo_runs.homes["both"]
    done = sparring("compare", "1", "2", env=cli_env(home)).done()
    results = json.loads((home / "out.json").read_text())
    failures = {r["scenario_name"] for r in results[1]["runs"].values() if not r["success"]}

    assert done.returncode == 1, done
    assert {name for name in failures if row(done.stdout, name)[-1] == "REGRESSED"} == failures
    assert f"B regresses against A: {len(failures)} scenario(s)" in done.stdout
    fixed = invoke("compare", "2", "1", SPARRING_HOME=str(home))
    assert fixed.exit_code == 0, fixed.output
    assert fixed.stdout.splitlines()[-1] == "No regressions from A to B."
