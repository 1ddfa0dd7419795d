"""The result assembler's pure functions on hand-built runs: counts, success rate, the result's
status, durations, and people's overrides of metric verdicts."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from sparring.services.results import (
    ResultRow,
    RunRow,
    apply_overrides,
    counts,
    result_common,
    result_detail,
    result_list_item,
    run_detail,
    run_summary,
    success_rate,
)

T0 = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)
ALL_STATUSES = (
    "pending", "in_queue", "scaling_up", "running", "in_progress", "evaluating", "completed",
    "failed", "timeout", "cancelled",
)  # fmt: skip


def run(
    run_id: int,
    status: str = "completed",
    success: bool | None = None,
    outcome: float | None = None,
    **fields: Any,
) -> RunRow:
    return RunRow(
        id=run_id,
        scenario=fields.pop("scenario", 1),
        scenario_name=fields.pop("scenario_name", "Book on Friday"),
        personality_name="Calm caller",
        status=status,
        success=success,
        expected_outcome=None if outcome is None else {"score": outcome, "explanation": []},
        evaluation=fields.pop("evaluation", {}),
        metadata={},
        error_message="",
        timestamp=T0,
        executed_at=None,
        duration=fields.pop("duration", None),
        **fields,
    )


def result(status: str = "running") -> ResultRow:
    return ResultRow(
        id=9,
        name="Nightly",
        agent=3,
        agent_name="Clinic",
        status=status,
        run_as_text=True,
        is_cronjob=False,
        run_type="Text",
        run_settings={},
        created_at=T0,
        updated_at=T0,
    )


def test_counts_are_integers_and_add_up_once_every_run_is_terminal() -> None:
    runs = [
        run(1, success=True, outcome=100),
        run(2, success=False, outcome=40),
        run(3, success=None, outcome=None),  # inconclusive
        run(4, "failed", success=False),
        run(5, "timeout", success=False),
        run(6, "cancelled"),
    ]
    assert counts(runs) == {
        "total_runs_count": 6,
        "completed_runs_count": 6,
        "success_runs_count": 1,
        "failed_runs_count": 5,
        "met_expected_outcome_count": 1,
        "total_expected_outcome_count": 2,
    }


def test_unfinished_runs_count_as_neither_passed_nor_failed() -> None:
    runs = [run(i, status) for i, status in enumerate(ALL_STATUSES)]
    got = counts(runs)
    assert got["total_runs_count"] == 10
    assert got["completed_runs_count"] == 4  # completed, failed, timeout, cancelled
    assert got["success_runs_count"] == 0
    assert got["failed_runs_count"] == 4


def test_no_runs_counts_zero_and_a_zero_rate() -> None:
    assert set(counts([]).values()) == {0}
    assert success_rate([]) == 0.0


@pytest.mark.parametrize(
    ("passed", "total", "rate"), [(0, 3, 0.0), (1, 3, 33.33), (2, 3, 66.67), (3, 3, 100.0)]
)
def test_success_rate_is_a_percentage(passed: int, total: int, rate: float) -> None:
    runs = [run(i, success=i < passed) for i in range(total)]
    assert success_rate(runs) == rate
    assert isinstance(success_rate(runs), float)


@pytest.mark.parametrize(
    ("statuses", "stored", "expected"),
    [
        (["completed", "completed"], "running", "completed"),
        (["completed", "failed", "timeout"], "running", "completed"),
        (["failed", "failed"], "running", "failed"),
        (["completed", "running"], "in_queue", "running"),
        (["completed", "in_queue"], "in_queue", "running"),
        (["completed", "evaluating"], "running", "evaluating"),
        (["in_queue", "pending"], "pending", "in_queue"),
        (["pending"], "pending", "pending"),
        (["completed", "running"], "cancelled", "cancelled"),
        (["running"], "timeout", "timeout"),
        ([], "pending", "pending"),
    ],
)
def test_the_result_status_follows_its_runs(
    statuses: list[str], stored: str, expected: str
) -> None:
    runs = [run(i, s) for i, s in enumerate(statuses)]
    assert result_common(result(stored), runs)["status"] == expected


def test_durations_are_minutes_and_seconds() -> None:
    runs = [run(1, duration=75.4), run(2, duration=3599.6), run(3, "pending")]
    assert [run_summary(r)["duration"] for r in runs] == ["01:15", "60:00", "00:00"]
    assert result_detail(result(), runs)["total_duration"] == "61:15"


def test_a_run_in_the_detail_has_the_seed_fields() -> None:
    detail = run_detail(run(5, "pending"))
    assert set(detail) >= {
        "id", "scenario", "outbound_number", "expected_outcome", "success", "evaluation",
        "timestamp", "executed_at", "error_message", "status", "duration", "scenario_name",
        "personality_name", "metadata", "inbound_number",
    }  # fmt: skip
    assert detail["success"] is False
    assert detail["evaluation"] == {"metrics": []}
    assert detail["expected_outcome"] is None


def test_the_detail_keys_runs_by_id_string_and_the_list_gives_an_array() -> None:
    runs = [run(11, success=True, outcome=100), run(12, "running")]
    detail = result_detail(result(), runs)
    assert list(detail["runs"]) == ["11", "12"]
    item = result_list_item(result(), runs)
    assert [r["id"] for r in item["runs"]] == [11, 12]
    assert detail["successful_calls"] == [11]
    assert detail["scenarios"] == [{"id": 1, "name": "Book on Friday"}]


def test_scenarios_are_listed_once_each_in_order_of_first_run() -> None:
    runs = [run(1, scenario=4, scenario_name="B"), run(2, scenario=2, scenario_name="A"),
            run(3, scenario=4, scenario_name="B")]  # fmt: skip
    assert result_common(result(), runs)["scenarios"] == [
        {"id": 4, "name": "B"},
        {"id": 2, "name": "A"},
    ]


VERDICTS = {
    "metrics": [
        {"id": 1, "name": "Polite", "type": "binary_qualitative", "score": 0.0, "enum": None},
        {"id": 2, "name": "Mood", "type": "enum", "score": None, "enum": "angry"},
        {"id": 3, "name": "CSAT", "type": "numeric", "score": 71.0, "enum": None},
    ]
}


def test_an_override_replaces_the_verdict_and_keeps_the_original() -> None:
    overrides = {
        "1": {"score": 1.0, "reason": "It was polite.", "at": "2026-11-03T10:00:00+00:00"},
        "2": {"score": None, "enum": "calm", "reason": "Calm caller."},
    }
    metrics = apply_overrides(VERDICTS, overrides)
    polite, mood, csat = metrics
    assert polite["score"] == 1.0
    assert polite["original"] == {"score": 0.0, "enum": None}
    assert polite["override"] == {"reason": "It was polite.", "at": "2026-11-03T10:00:00+00:00"}
    assert (mood["enum"], mood["original"]["enum"]) == ("calm", "angry")
    assert csat == VERDICTS["metrics"][2]
    assert VERDICTS["metrics"][0]["score"] == 0.0  # the stored verdict is not changed


def test_overrides_show_in_the_detail_and_not_without_them() -> None:
    plain = run(1, evaluation=VERDICTS)
    assert apply_overrides(plain.evaluation, plain.overrides) == VERDICTS["metrics"]
    overridden = run(2, evaluation=VERDICTS, overrides={"3": {"score": 90.0, "reason": "r"}})
    metrics = result_detail(result(), [overridden])["runs"]["2"]["evaluation"]["metrics"]
    assert [m["score"] for m in metrics] == [0.0, None, 90.0]


def test_an_override_of_a_metric_the_run_lacks_changes_nothing() -> None:
    row = run(1, evaluation=VERDICTS, overrides={"99": {"score": 1.0, "reason": "r"}})
    assert apply_overrides(row.evaluation, row.overrides) == VERDICTS["metrics"]
