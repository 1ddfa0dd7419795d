"""The runner through the API: concurrency limits, cancel, rerun, timeouts, dead agents."""

from __future__ import annotations

import asyncio
import socket
import time

from runner_helpers import launch, make_agent, make_scenario, wait_result, websocket_provider

from sparring.testing.fake_agents import FakeWebSocketAgent


def dead_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_200_runs_never_exceed_the_concurrency_limit(live_api) -> None:
    async with (
        FakeWebSocketAgent(delay=0.05, reply=lambda m, h: "Friday works.") as agent,
        live_api.client() as client,
    ):
        agent_id = await make_agent(client, websocket_provider(agent.url), agent_speaks_first=False)
        scenarios = [await make_scenario(client, name=f"s{i}") for i in range(2)]
        result_id = await launch(
            client, agent_id=agent_id, scenarios=scenarios, frequency=100, concurrency_limit=7
        )
        result = await wait_result(client, result_id, timeout=120)
    assert result["total_runs_count"] == 200
    assert result["completed_runs_count"] == 200
    assert all(r["status"] == "completed" for r in result["runs"].values())
    assert agent.total == 200
    assert agent.peak == 7
    assert result["success_runs_count"] + result["failed_runs_count"] == 200
    assert result["status"] == "completed"


async def test_end_calls_stops_live_conversations_within_two_seconds(live_api) -> None:
    async with FakeWebSocketAgent(delay=4) as agent, live_api.client() as client:
        agent_id = await make_agent(client, websocket_provider(agent.url), agent_speaks_first=False)
        scenario = await make_scenario(client)
        result_id = await launch(client, agent_id=agent_id, scenarios=[scenario], frequency=3)
        while agent.active < 3:
            await asyncio.sleep(0.05)
        started = time.monotonic()
        response = await client.post(f"/test_framework/v1/results/{result_id}/end_calls", json={})
        assert response.status_code == 200
        while True:  # the executors record how each conversation ended once it has stopped
            result = await wait_result(client, result_id, timeout=5)
            reasons = {r["metadata"].get("ended_reason") for r in result["runs"].values()}
            if reasons == {"cancelled"} or time.monotonic() - started > 5:
                break
            await asyncio.sleep(0.05)
        stopped_in = time.monotonic() - started
    assert result["status"] == "cancelled"
    assert {r["status"] for r in result["runs"].values()} == {"cancelled"}
    assert stopped_in < 2.0


async def test_rerun_repeats_the_runs_with_the_same_settings(live_api) -> None:
    async with (
        FakeWebSocketAgent(reply=lambda m, h: "Friday it is.") as agent,
        live_api.client() as client,
    ):
        agent_id = await make_agent(client, websocket_provider(agent.url), agent_speaks_first=False)
        scenario = await make_scenario(client)
        first = await launch(
            client, agent_id=agent_id, scenarios=[scenario], frequency=2, concurrency_limit=1
        )
        await wait_result(client, first)
        response = await client.post(f"/test_framework/v1/results/{first}/rerun", json={})
        assert response.status_code == 200, response.text
        second = response.json()["id"]
        assert second != first
        result = await wait_result(client, second)
    assert result["total_runs_count"] == 2
    assert result["success_runs_count"] == 2
    assert result["run_settings"]["concurrency_limit"] == 1
    assert result["run_settings"]["rerun_of"] == first


async def test_max_duration_ends_a_run_as_timeout(live_api) -> None:
    suite = {
        "version": "1",
        "scenarios": [
            {
                "name": "slow",
                "instructions": 'Ask "Hello?"',
                "max_duration": 1,
                "expected_outcome": 'The agent says "hi"',
            }
        ],
    }
    async with FakeWebSocketAgent(delay=3) as agent, live_api.client() as client:
        agent_id = await make_agent(client, websocket_provider(agent.url), agent_speaks_first=False)
        started = time.monotonic()
        response = await client.post(
            "/test_framework/v1/scenarios/run_scenarios_json",
            json={"spec": suite, "agent_id": agent_id},
        )
        assert response.status_code == 200, response.text
        result = await wait_result(client, response.json()["id"], timeout=10)
        took = time.monotonic() - started
    (run,) = result["runs"].values()
    assert run["status"] == "timeout"
    assert run["metadata"]["ended_reason"] == "max-duration-exceeded"
    assert run["success"] is False
    assert took < 5


async def test_agent_down_counts_as_infrastructure_failure(live_api) -> None:
    async with live_api.client() as client:
        url = f"ws://127.0.0.1:{dead_port()}"
        agent_id = await make_agent(client, websocket_provider(url), agent_speaks_first=False)
        scenario = await make_scenario(client)
        result_id = await launch(client, agent_id=agent_id, scenarios=[scenario], frequency=2)
        result = await wait_result(client, result_id, timeout=30)
    assert result["status"] == "failed"
    assert sorted(result["failed_infrastructure_runs"]) == sorted(int(i) for i in result["runs"])
    assert result["failed_runs_count"] == 2
    for run in result["runs"].values():
        assert run["status"] == "failed"
        assert run["error_message"]
        assert run["metadata"]["attempts"] == 3  # retried with backoff first
