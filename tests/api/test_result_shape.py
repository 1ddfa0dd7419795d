"""`GET results/{id}` has every field of Cekura's seed with the seed's types, for a result whose
runs are in every one of the ten statuses (some with no verdicts and no expected outcome)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import httpx
import pytest
from api_helpers import (
    RESULTS,
    SEED_METRIC_TYPES,
    STATUSES,
    expected_outcome,
    metric_verdicts,
    project_of,
    run_values,
    store_result,
)

CLOCK = re.compile(r"^\d{2,}:\d{2}$")
NUMBER = (int, float)


def every_status_runs() -> list[dict[str, Any]]:
    """12 runs: all ten statuses, completed three ways (pass, fail, inconclusive)."""
    return [
        run_values(
            "completed",
            success=True,
            expected_outcome=expected_outcome(100),
            evaluation={"metrics": metric_verdicts(passed=True)},
        ),
        run_values(
            "completed",
            success=False,
            expected_outcome=expected_outcome(0),
            evaluation={"metrics": metric_verdicts(passed=False)},
        ),
        run_values("completed", expected_outcome=expected_outcome(None), evaluation={}),
        run_values(
            "failed",
            success=False,
            transcript=[],
            infrastructure_failure=True,
            error_message="connection refused",
            metadata={"ended_reason": "infrastructure-failure"},
        ),
        run_values("timeout", success=False),
        run_values("cancelled"),
        *(
            run_values(s)
            for s in STATUSES
            if s not in ("completed", "failed", "timeout", "cancelled")
        ),
    ]


def is_datetime(value: Any) -> bool:
    return isinstance(value, str) and datetime.fromisoformat(value).tzinfo is not None


def check_run(run_id: str, run: dict[str, Any]) -> None:
    assert run["id"] == int(run_id)
    assert isinstance(run["scenario"], int)
    for key in ("outbound_number", "inbound_number", "error_message", "scenario_name",
                "personality_name"):  # fmt: skip
        assert isinstance(run[key], str), key
    assert isinstance(run["success"], bool)
    assert run["status"] in STATUSES
    assert CLOCK.match(run["duration"]), run["duration"]
    assert is_datetime(run["timestamp"])
    assert run["executed_at"] is None or is_datetime(run["executed_at"])
    assert isinstance(run["metadata"], dict)
    outcome = run["expected_outcome"]
    if outcome is not None:
        assert outcome["score"] is None or isinstance(outcome["score"], NUMBER)
        assert all(isinstance(line, str) for line in outcome["explanation"])
        for alignment in outcome["outcome_alignments"]:
            assert isinstance(alignment["outcome"], str)
            assert isinstance(alignment["prompt_part"], str)
            assert alignment["aligned"] in (True, False, None)
    assert isinstance(run["evaluation"]["metrics"], list)
    for metric in run["evaluation"]["metrics"]:
        assert isinstance(metric["id"], int)
        assert isinstance(metric["name"], str)
        assert metric["type"] in SEED_METRIC_TYPES
        assert metric["score"] is None or isinstance(metric["score"], NUMBER)
        assert isinstance(metric["explanation"], str | list)
        assert isinstance(metric["extra"], dict)
        if metric["type"] == "enum":
            assert isinstance(metric["enum"], str)


def check_overall_evaluation(overall: dict[str, Any]) -> None:
    assert isinstance(overall["success_rate"], NUMBER)
    assert isinstance(overall["metric_summary"], dict)
    assert isinstance(overall["worst_performing_metrics"], dict)
    assert isinstance(overall["worst_performing_metrics"].get("binary_adherence", []), list)
    for key in ("numeric_metrics", "enum_metrics", "extra_metrics"):
        assert isinstance(overall[key], list), key
    for item in overall["numeric_metrics"] + overall["extra_metrics"]:
        assert isinstance(item["name"], str)
        assert item["value"] is None or isinstance(item["value"], NUMBER)


@pytest.fixture
async def every_status_result(live_api: Any) -> tuple[int, list[int]]:
    project = await project_of(live_api.database, live_api.key)
    return await store_result(
        live_api.database,
        project,
        every_status_runs(),
        run_settings={"frequency": 1, "concurrency_limit": 5, "personality_ids": [3]},
    )


async def test_result_has_every_seed_field_with_the_seed_types(
    client: httpx.AsyncClient, every_status_result: tuple[int, list[int]]
) -> None:
    result_id, run_ids = every_status_result
    response = await client.get(f"{RESULTS}/{result_id}")
    assert response.status_code == 200
    result = response.json()

    assert result["id"] == result_id
    assert isinstance(result["agent"], int)
    assert result["agent_name"] == "Clinic front desk"
    assert result["name"] == "Nightly booking checks"
    assert result["status"] in STATUSES
    assert isinstance(result["run_as_text"], bool)
    assert isinstance(result["is_cronjob"], bool)
    counts = {key: result[key] for key in result if key.endswith("_count")}
    assert counts == {
        "total_runs_count": 12,
        "completed_runs_count": 6,  # completed ×3, failed, timeout, cancelled
        "success_runs_count": 1,
        "failed_runs_count": 5,
        "met_expected_outcome_count": 1,
        "total_expected_outcome_count": 2,
    }
    assert all(type(v) is int for v in counts.values())
    assert type(result["success_rate"]) is float
    assert result["success_rate"] == pytest.approx(100 / 12, abs=0.01)
    assert CLOCK.match(result["total_duration"])
    assert result["total_duration"] == "05:02"  # completed ×3 and timeout: 4 × 75.4 s
    assert is_datetime(result["created_at"])
    assert is_datetime(result["updated_at"])

    assert sorted(result["runs"]) == sorted(str(i) for i in run_ids)
    for run_id, run in result["runs"].items():
        check_run(run_id, run)
    assert {run["status"] for run in result["runs"].values()} == set(STATUSES)
    check_overall_evaluation(result["overall_evaluation"])

    assert result["scenarios"] == [{"id": 7, "name": "Book on Friday"}]
    for key in ("critical_categories", "metrics", "connected_runs", "successful_calls"):
        assert isinstance(result[key], list), key
    for key in ("failed_infrastructure_runs", "failed_workflow_runs"):
        assert result[key] is None or all(isinstance(i, int) for i in result[key]), key
    assert set(result["connected_runs"]) <= set(run_ids)
    assert result["successful_calls"] == [run_ids[0]]
    assert result["domain"] is None or isinstance(result["domain"], str)
    assert result["domain_logo"] is None or isinstance(result["domain_logo"], str)
    assert isinstance(result["runs_by_tags"], dict)
    assert isinstance(result["latency_data"], dict)
    assert isinstance(result["failed_reasons"]["issues"], list)
    assert type(result["failed_reasons"]["total_failed_runs"]) is int
    assert result["run_settings"] == {
        "frequency": 1,
        "concurrency_limit": 5,
        "personality_ids": [3],
    }


async def test_a_run_with_nothing_evaluated_still_has_every_field(
    live_api: Any, client: httpx.AsyncClient
) -> None:
    project = await project_of(live_api.database, live_api.key)
    result_id, [run_id] = await store_result(live_api.database, project, [run_values("pending")])
    result = (await client.get(f"{RESULTS}/{result_id}")).json()
    run = result["runs"][str(run_id)]
    check_run(str(run_id), run)
    assert run["expected_outcome"] is None
    assert run["evaluation"] == {"metrics": []}
    assert run["success"] is False
    assert run["duration"] == "00:00"
    assert result["success_rate"] == 0.0
    assert result["total_duration"] == "00:00"
    assert result["status"] in STATUSES


async def test_the_list_gives_runs_as_an_array_of_summaries(
    client: httpx.AsyncClient, every_status_result: tuple[int, list[int]]
) -> None:
    result_id, run_ids = every_status_result
    page = (await client.get(RESULTS, params={"page_size": 100})).json()
    [item] = [r for r in page["results"] if r["id"] == result_id]
    assert [run["id"] for run in item["runs"]] == run_ids
    for run in item["runs"]:
        assert set(run) >= {"id", "scenario", "scenario_name", "status", "success", "duration"}
        assert CLOCK.match(run["duration"])
    detail = (await client.get(f"{RESULTS}/{result_id}")).json()
    for key in ("id", "name", "agent_name", "status", "success_rate", "total_runs_count",
                "success_runs_count", "failed_runs_count", "created_at"):  # fmt: skip
        assert item[key] == detail[key], key


async def test_a_finished_result_is_completed_with_a_percentage(
    live_api: Any, client: httpx.AsyncClient
) -> None:
    project = await project_of(live_api.database, live_api.key)
    runs = [
        run_values("completed", success=True, expected_outcome=expected_outcome(100)),
        run_values("completed", success=True, expected_outcome=expected_outcome(100)),
        run_values("completed", success=True, expected_outcome=expected_outcome(100)),
        run_values("completed", success=False, expected_outcome=expected_outcome(0)),
    ]
    result_id, _ = await store_result(live_api.database, project, runs)
    result = (await client.get(f"{RESULTS}/{result_id}")).json()
    assert result["status"] == "completed"
    assert result["success_rate"] == 75.0
    assert (result["success_runs_count"], result["failed_runs_count"]) == (3, 1)
    assert result["total_duration"] == "05:02"
