"""Acceptance: Cekura's own CLI and SDK against `sparring serve`, testing the clinic demo agent
(served by `sparring demo-agent`) as a CI gate: `cekura run start --wait --fail-on-threshold`
passes the good agent and fails the buggy one."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import cekura
import httpx
import pytest
from cli_helpers import CEKURA, SUITE, Command, cli_env, suite_cases

from conftest import Served

pytestmark = pytest.mark.slow

# A planted bug of the buggy variant (it leaks patient data) and a control that both pass.
KEYS = ("privacy-phone", "opening-hours")


def openai_provider(base_url: str) -> dict[str, Any]:
    config = {"base_url": base_url, "model": "clinic"}
    return {"type": "openai_chat", "credentials": {"api_key": "x", "config": config}}


def suite_scenarios(served: Served, agent_id: int) -> tuple[int, dict[str, int]]:
    """Run examples/clinic/suite.json once (it creates the scenario rows): its result id and
    the scenario id of each suite key."""
    response = httpx.post(
        f"{served.url}/test_framework/v1/scenarios/run_scenarios_json",
        json={"spec": json.loads(SUITE.read_text()), "agent_id": agent_id},
        headers={"X-CEKURA-API-KEY": served.key},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    launched = response.json()
    by_name = {run["scenario_name"]: run["scenario"] for run in launched["runs"]}
    return launched["id"], {case["key"]: by_name[case["name"]] for case in suite_cases()}


def gate(agent_id: int, scenario_ids: str, env: dict[str, str]) -> Command:
    """`cekura run start … --mode text --wait --fail-on-threshold 0.8`, started now."""
    options = ["--mode", "text", "--wait", "--fail-on-threshold", "0.8"]
    start = ["run", "start", "--agent-id", str(agent_id), "--scenario-ids", scenario_ids]
    return Command([CEKURA, *start, *options], env)


def test_cekura_cli_passes_the_good_agent_and_fails_the_buggy_one(
    served: Served, demo_agents: dict[str, str], tmp_path: Path
) -> None:
    sdk = cekura.Cekura(api_key=served.key, base_url=served.url)
    agents = {
        variant: sdk.agents.create(
            name=f"Clinic ({variant})", provider=openai_provider(demo_agents[variant])
        )["id"]
        for variant in ("good", "buggy")
    }
    suite_result, scenario_ids = suite_scenarios(served, agents["good"])

    (tmp_path / "home").mkdir()  # no ~/.cekura/config.toml: the env key is used
    env = cli_env(
        tmp_path, HOME=str(tmp_path / "home"), CEKURA_API_URL=served.url, CEKURA_API_KEY=served.key
    )
    ids = ",".join(str(scenario_ids[key]) for key in KEYS)
    gates = {v: gate(agent_id, ids, env) for v, agent_id in agents.items()}  # both polling at once
    good, buggy = gates["good"].done(), gates["buggy"].done()

    assert good.returncode == 0, good
    assert "All 2 runs passed." in good.output
    assert buggy.returncode == 1, buggy
    assert "1/2 passed, 1 failed." in buggy.output
    assert "Pass rate 50.0% is below threshold 80.0%" in buggy.output

    for done, passed in ((good, 2), (buggy, 1)):
        found = re.search(r"result ID: (\d+)", done.output)
        assert found, done
        final = sdk.results.wait(int(found.group(1)), poll_interval=1, timeout=60)
        assert final["status"] == "completed"
        assert final["success_runs_count"] == passed
        assert {r["scenario"] for r in final["runs"].values()} == set(map(int, ids.split(",")))

    whole_suite = sdk.results.wait(suite_result, poll_interval=1, timeout=60)
    assert whole_suite["status"] == "completed"
    assert whole_suite["success_rate"] == 100.0  # the good agent passes every case of the suite
    assert whole_suite["total_runs_count"] == len(scenario_ids)
