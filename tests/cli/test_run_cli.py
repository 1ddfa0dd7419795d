"""`sparring run` through the real console script: the clinic demo good and buggy, reports,
a WebSocket agent served by `sparring demo-agent`, and exit code 2 with a message on bad input."""

from __future__ import annotations

import json
import re
from xml.etree import ElementTree as ET

import pytest
from cli_helpers import suite_cases

from conftest import BAD_INPUT, DemoRuns

pytestmark = pytest.mark.slow

# The top-level and per-run fields of Cekura's "Retrieve a test result" (the seed).
SEED_FIELDS = {
    "id", "name", "agent", "status", "met_expected_outcome_count",
    "total_expected_outcome_count", "success_rate", "run_as_text", "is_cronjob", "runs",
    "overall_evaluation", "total_duration", "total_runs_count", "completed_runs_count",
    "success_runs_count", "failed_runs_count", "scenarios", "critical_categories", "metrics",
    "domain", "domain_logo", "runs_by_tags", "latency_data", "failed_reasons", "run_settings",
    "created_at", "updated_at",
}  # fmt: skip
SEED_RUN_FIELDS = {
    "id", "scenario", "outbound_number", "expected_outcome", "success", "evaluation",
    "timestamp", "executed_at", "error_message", "status", "duration", "scenario_name",
    "personality_name", "metadata", "inbound_number",
}  # fmt: skip


def all_passed_line(cases: int) -> str:
    return rf"Result \d+ \(completed\): {cases}/{cases} passed, 0 failed — success rate 100\.0%"


def test_demo_good_passes_and_prints_the_result_line(demo_runs: DemoRuns) -> None:
    done = demo_runs.commands["good"].done()
    assert done.returncode == 0, done
    assert re.search(all_passed_line(len(suite_cases())), done.stdout), done.stdout
    assert "clinic demo (good)" in done.stdout


def test_demo_buggy_below_fail_under_exits_1(demo_runs: DemoRuns) -> None:
    done = demo_runs.commands["buggy"].done()
    assert done.returncode == 1, done
    assert re.search(r"Result \d+ \(completed\): \d+/\d+ passed, [1-9]\d* failed", done.stdout)
    assert "Success rate below --fail-under 90%" in done.stdout
    assert "The agent does not reveal personal data" in done.stdout  # a planted bug, explained


def test_demo_both_writes_json_and_junit_reports(demo_runs: DemoRuns) -> None:
    done = demo_runs.commands["both"].done()
    assert done.returncode == 0, done  # no --fail-under: reporting only
    home = demo_runs.homes["both"]
    results = json.loads((home / "out.json").read_text())
    assert isinstance(results, list)
    assert [r["agent_name"] for r in results] == ["clinic demo (good)", "clinic demo (buggy)"]
    cases = len(suite_cases())
    for result in results:
        assert result.keys() >= SEED_FIELDS, SEED_FIELDS - result.keys()
        assert result["status"] == "completed"
        assert result["total_runs_count"] == cases
        assert len(result["runs"]) == cases
        for run_id, run in result["runs"].items():
            assert run_id == str(run["id"])
            assert run.keys() >= SEED_RUN_FIELDS, SEED_RUN_FIELDS - run.keys()
    good, buggy = results
    assert good["success_rate"] == 100.0
    assert 0 < buggy["failed_runs_count"] < cases
    assert buggy["success_rate"] < 100.0

    suites = ET.parse(home / "out.xml").getroot().findall("testsuite")
    assert len(suites) == 2
    for suite, result in zip(suites, results, strict=True):
        testcases = suite.findall("testcase")
        assert len(testcases) == len(result["runs"])  # one testcase per run
        failing = [case for case in testcases if case.find("failure") is not None]
        assert len(failing) == result["failed_runs_count"]
        assert suite.get("failures") == str(result["failed_runs_count"])
    failed_names = {
        case.get("name", "").split(" [")[0]
        for case in suites[1].findall("testcase")
        if case.find("failure") is not None
    }
    expected = {r["scenario_name"] for r in buggy["runs"].values() if not r["success"]}
    assert failed_names == expected


def test_a_websocket_agent_served_by_demo_agent(demo_runs: DemoRuns) -> None:
    done = demo_runs.commands["websocket"].done()
    assert done.returncode == 0, done
    assert re.search(all_passed_line(len(suite_cases())), done.stdout), done.stdout
    assert "ws://127.0.0.1:" in done.stdout  # the agent is named by its URL


@pytest.mark.parametrize("case", BAD_INPUT)
def test_bad_input_exits_2_with_a_clear_message(demo_runs: DemoRuns, case: str) -> None:
    done = demo_runs.commands[case].done()
    expected = BAD_INPUT[case][1]
    assert done.returncode == 2, done
    assert expected in " ".join(done.stderr.replace("│", " ").split()), done.stderr
    assert "Traceback" not in done.output
    assert not (demo_runs.homes[case] / "sparring.db").exists()  # refused before any work
