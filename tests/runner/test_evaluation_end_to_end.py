"""Evaluation through the API on real runs: metrics of every kind, the result read by Cekura's
SDK, re-scoring without new conversations, and a person's override."""

from __future__ import annotations

import asyncio
from typing import Any

from runner_helpers import launch, make_agent, make_scenario, wait_result, websocket_provider

from sparring.testing.fake_agents import FakeWebSocketAgent

LOOP = "while True:\n    pass\n"
CRASH = "raise ValueError('the CRM is down')\n"
WORDS = "_result = len(data['transcript'].split())\n_explanation = 'words in the transcript'\n"


def agent_reply(message: str, history: Any) -> str:
    return "Friday at 10 works. Goodbye!" if "bye" in message.lower() else "Friday at 10 works."


async def create_metric(client: Any, **body: Any) -> int:
    response = await client.post("/test_framework/v1/metrics", json=body)
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


async def scored_result(client: Any, agent_url: str) -> tuple[dict[str, Any], dict[str, int]]:
    agent_id = await make_agent(client, websocket_provider(agent_url), agent_speaks_first=False)
    metrics = {
        "loop": await create_metric(client, name="Loops forever", type="custom_code",
                                    eval_type="numeric", custom_code=LOOP,
                                    configuration={"timeout_seconds": 1}),
        "crash": await create_metric(client, name="Crashes", type="custom_code",
                                     eval_type="numeric", custom_code=CRASH),
        "words": await create_metric(client, name="Words", type="custom_code",
                                     eval_type="numeric", custom_code=WORDS),
        "polite": await create_metric(client, name="Polite", type="basic", eval_type="binary",
                                      configuration={"criteria": ['The agent says "goodbye"']}),
        "sorry": await create_metric(client, name="Apologises", type="basic", eval_type="binary",
                                     configuration={"criteria": ['The agent says "sorry"']}),
    }  # fmt: skip
    copied = await client.post(
        "/test_framework/v1/predefined-metrics/copy/",
        json={"metric_codes": ["agent_response_latency"], "agent_id": agent_id},
    )
    assert copied.status_code == 200, copied.text
    metrics["latency"] = copied.json()[0]["id"]
    scenario = await make_scenario(
        client, metrics=[metrics[k] for k in ("loop", "crash", "words", "polite", "sorry")]
    )
    result_id = await launch(client, agent_id=agent_id, scenarios=[scenario], frequency=2)
    return await wait_result(client, result_id, timeout=60), metrics


def verdicts(run: dict[str, Any]) -> dict[int, dict[str, Any]]:
    return {m["id"]: m for m in run["evaluation"]["metrics"]}


async def test_every_metric_kind_on_a_real_run(live_api) -> None:
    async with FakeWebSocketAgent(reply=agent_reply) as agent, live_api.client() as client:
        result, ids = await scored_result(client, agent.url)
    assert result["status"] == "completed"
    assert result["completed_runs_count"] == 2
    for run in result["runs"].values():
        by_id = verdicts(run)
        assert by_id[ids["loop"]]["status"] == "error"
        assert "timed out" in by_id[ids["loop"]]["explanation"]
        assert by_id[ids["crash"]]["status"] == "error"
        assert "the CRM is down" in by_id[ids["crash"]]["explanation"]
        assert by_id[ids["words"]]["score"] > 5
        assert by_id[ids["polite"]]["score"] == 1
        assert by_id[ids["sorry"]]["score"] == 0
        assert by_id[ids["latency"]]["type"] == "numeric"
        assert by_id[ids["latency"]]["score"] > 0
        assert run["success"] is False  # a failed binary metric fails the run
    summary = result["overall_evaluation"]["metric_summary"]
    assert summary[str(ids["sorry"])]["score"] == 0
    assert summary[str(ids["polite"])]["score"] == 100
    assert (
        ids["sorry"] in result["overall_evaluation"]["worst_performing_metrics"]["binary_adherence"]
    )


async def test_re_scoring_and_overrides_need_no_new_conversation(live_api) -> None:
    async with FakeWebSocketAgent(reply=agent_reply) as agent, live_api.client() as client:
        result, ids = await scored_result(client, agent.url)
        conversations = agent.total
        late = await create_metric(client, name="Friday", type="basic", eval_type="binary",
                                   configuration={"criteria": ['The agent says "Friday"']})  # fmt: skip
        response = await client.post(
            f"/test_framework/v1/results/{result['id']}/evaluate_metrics",
            json={"metric_ids": [late]},
        )
        assert response.status_code == 200, response.text
        rescored = response.json()
        run_id = int(next(iter(rescored["runs"])))
        override = await client.post(
            f"/test_framework/v1/runs-external/{run_id}/override_metric",
            json={"metric_id": ids["sorry"], "score": 1, "reason": "apologies are not needed here"},
        )
        assert override.status_code == 200, override.text
        after = (await client.get(f"/test_framework/v1/results/{result['id']}")).json()
        await asyncio.sleep(0)
        assert agent.total == conversations  # nothing was said again
    assert all(verdicts(r)[late]["score"] == 1 for r in rescored["runs"].values())
    changed = verdicts(after["runs"][str(run_id)])[ids["sorry"]]
    assert changed["score"] == 1
    assert changed["original"]["score"] == 0
    assert changed["override"]["reason"] == "apologies are not needed here"
    assert after["overall_evaluation"]["metric_summary"][str(ids["sorry"])]["score"] == 50


async def test_run_a_suite_document_and_its_dry_run(live_api) -> None:
    suite = {
        "version": "1",
        "suite": {"name": "smoke"},
        "scenarios": [
            {"name": "friday", "key": "friday", "instructions": 'Ask "Friday?"',
             "expected_outcome": 'The agent says "Friday"', "frequency": 2},
        ],
    }  # fmt: skip
    async with FakeWebSocketAgent(reply=agent_reply) as agent, live_api.client() as client:
        agent_id = await make_agent(client, websocket_provider(agent.url), agent_speaks_first=False)
        path = "/test_framework/v1/scenarios/run_scenarios_json"
        dry = await client.post(
            path, params={"dry_run": "true"}, json={"spec": suite, "agent_id": agent_id}
        )
        assert dry.status_code == 200, dry.text
        assert dry.json()["plan"]["total_runs"] == 2
        assert agent.total == 0
        bad = await client.post(
            path, json={"spec": {"version": "2", "scenarios": [{}]}, "agent_id": agent_id}
        )
        assert bad.status_code == 400
        assert set(bad.json()["errors"]) >= {"version", "scenarios[0]"}
        started = await client.post(path, json={"spec": suite, "agent_id": agent_id})
        assert started.status_code == 200, started.text
        result = await wait_result(client, started.json()["id"])
    assert result["success_runs_count"] == 2
    assert result["name"] == "smoke"


SEED_TYPES: dict[str, type | tuple[type, ...]] = {
    "id": int, "name": str, "agent": int, "status": str, "met_expected_outcome_count": int,
    "total_expected_outcome_count": int, "success_rate": float, "run_as_text": bool,
    "is_cronjob": bool, "runs": dict, "overall_evaluation": dict, "total_duration": str,
    "total_runs_count": int, "completed_runs_count": int, "success_runs_count": int,
    "failed_runs_count": int, "scenarios": list, "critical_categories": list, "metrics": list,
    "runs_by_tags": dict, "latency_data": dict, "failed_reasons": dict, "run_settings": dict,
    "connected_runs": list, "failed_infrastructure_runs": list, "failed_workflow_runs": list,
    "successful_calls": list, "agent_name": str, "created_at": str, "updated_at": str,
}  # fmt: skip
RUN_TYPES: dict[str, type | tuple[type, ...]] = {
    "id": int, "scenario": int, "outbound_number": str, "expected_outcome": dict, "success": bool,
    "evaluation": dict, "timestamp": str, "executed_at": str, "error_message": str,
    "status": str, "duration": str, "scenario_name": str, "personality_name": str,
    "metadata": dict, "inbound_number": str,
}  # fmt: skip


async def test_cekura_sdk_reads_a_real_result_with_consistent_counts(live_api) -> None:
    from cekura import AsyncCekura

    async with FakeWebSocketAgent(reply=agent_reply) as agent, live_api.client() as client:
        result, _ = await scored_result(client, agent.url)
        sdk = AsyncCekura(api_key=live_api.key, base_url=live_api.url)
        read = await sdk.results.get(result["id"])
        waited = await sdk.results.wait(result["id"])
    assert waited["status"] == "completed"
    for field, kind in SEED_TYPES.items():
        assert isinstance(read[field], kind), (field, read[field])
    assert 0 <= read["success_rate"] <= 100
    assert read["domain"] is None
    assert read["domain_logo"] is None
    for run_id, run in read["runs"].items():
        assert run_id == str(run["id"])
        for field, kind in RUN_TYPES.items():
            assert isinstance(run[field], kind), (field, run[field])
        assert len(run["duration"]) == 5
        assert run["duration"][2] == ":"
        for metric in run["evaluation"]["metrics"]:
            assert {"id", "name", "type", "score", "explanation"} <= set(metric)
    total = read["total_runs_count"]
    assert read["success_runs_count"] + read["failed_runs_count"] == total
    assert len(read["successful_calls"]) == read["success_runs_count"]
    assert sorted(read["connected_runs"]) == sorted(int(i) for i in read["runs"])
    assert read["failed_reasons"]["total_failed_runs"] == read["failed_runs_count"]
    issue_runs = {i for issue in read["failed_reasons"]["issues"] for i in issue["run_ids"]}
    assert issue_runs == {int(i) for i, r in read["runs"].items() if not r["success"]}
    assert read["overall_evaluation"]["success_rate"] == read["success_rate"]
