"""Result aggregates of a fixed set of six runs, checked against values worked out by hand."""

from __future__ import annotations

from typing import Any

import pytest

from sparring.domain.verdict import EvalType, MetricSpec, MetricVerdict, VerdictStatus
from sparring.evaluation import aggregate as agg
from sparring.evaluation.run_summary import RunSummary, verdict_from_json

BWA, CQ, NUM, ENUM = (
    EvalType.BINARY_WORKFLOW_ADHERENCE,
    EvalType.CONTINUOUS_QUALITATIVE,
    EvalType.NUMERIC,
    EvalType.ENUM,
)
INCONCLUSIVE, ERROR = VerdictStatus.INCONCLUSIVE, VerdictStatus.ERROR

METRICS: list[dict[str, Any]] = [
    {"id": 10, "name": "Flow", "eval_type": "binary_workflow_adherence"},
    {"id": 20, "name": "Empathy", "eval_type": "continuous_qualitative"},
    {
        "id": 30,
        "name": "Latency",
        "eval_type": "numeric",
        "function_name": "agent_response_latency",
    },
    {"id": 40, "name": "Ender", "eval_type": "enum"},
    {"id": 50, "name": "Infrastructure Issues", "eval_type": "binary_qualitative"},
    {"id": 60, "name": "Unused", "eval_type": "binary_qualitative"},
]


def v(metric_id: int, score: float | None, status: VerdictStatus = VerdictStatus.OK, **kw: Any):
    names = {10: ("Flow", BWA), 20: ("Empathy", CQ), 30: ("Latency", NUM), 40: ("Ender", ENUM)}
    name, eval_type = names[metric_id]
    return MetricVerdict(name, eval_type, score, metric_id, status, **kw)


def runs() -> list[RunSummary]:
    infra = MetricVerdict(
        "Infrastructure Issues",
        EvalType.BINARY_QUALITATIVE,
        0.0,
        50,
        explanation="connection refused",
        function_name="infrastructure_issues",
    )
    return [
        RunSummary(
            1,
            1,
            "Book",
            success=True,
            expected_score=100,
            expected_explanation=["✅ A: ok"],
            metrics=[v(10, 1), v(20, 4), v(30, 100), v(40, None, enum="agent")],
            tags=["smoke", "booking"],
            latencies_ms=[100, 200, 300],
            duration=60,
        ),
        RunSummary(
            2,
            1,
            "Book",
            success=False,
            expected_score=50,
            expected_explanation=["✅ A: ok", "❌ B: the agent never confirmed the time"],
            metrics=[
                v(10, 0, explanation="skipped the booking step"),
                v(20, 2),
                v(30, 300),
                v(40, None, enum="caller"),
            ],
            tags=["booking"],
            latencies_ms=[400],
            duration=30,
        ),
        RunSummary(
            3,
            2,
            "Cancel",
            success=True,
            expected_score=100,
            metrics=[v(10, 1), v(20, 5), v(30, 200), v(40, None, enum="agent")],
            tags=["smoke"],
        ),
        RunSummary(
            4,
            2,
            "Cancel",
            success=None,
            expected_explanation=["❔ C: inconclusive (unclear)"],
            metrics=[
                v(10, None, INCONCLUSIVE),
                v(20, None, ERROR),
                v(30, None, INCONCLUSIVE),
                v(40, None, INCONCLUSIVE),
            ],
            latencies_ms=[50],
            duration=10,
        ),
        RunSummary(
            5,
            3,
            "Reach",
            status="failed",
            success=False,
            metrics=[infra],
            connected=False,
            infrastructure_failure=True,
            error_message="Agent unreachable",
        ),
        RunSummary(
            6,
            3,
            "Reach",
            success=False,
            expected_score=0,
            expected_explanation=[
                "❌ B: the time was never confirmed by the agent",
                "❌ D: no refund offered",
            ],
            metrics=[v(10, 0, explanation="skipped the booking step again")],
            tags=["booking"],
            latencies_ms=[1000, 2000],
            duration=90,
        ),
    ]


def test_overall_evaluation_by_hand() -> None:
    overall = agg.overall_evaluation(runs(), METRICS)
    assert overall["success_rate"] == 33.33  # runs 1 and 3 of 6
    summary = overall["metric_summary"]
    assert list(summary) == ["10", "20", "30", "40", "50", "60"]
    assert summary["10"] == {
        "id": 10,
        "name": "Flow",
        "type": "binary_workflow_adherence",
        "score": 50.0,  # 2 passed of 4 conclusive
        "explanation": "2 of 4 runs passed; 1 inconclusive",
        "function_name": None,
        "count": 4,
        "inconclusive_count": 1,
    }
    assert summary["20"]["score"] == 3.67  # (4 + 2 + 5) / 3; run 4's error left out
    assert summary["20"]["inconclusive_count"] == 1
    assert (summary["30"]["score"], summary["30"]["p50"]) == (200.0, 200.0)
    assert summary["30"]["function_name"] == "agent_response_latency"
    assert summary["40"]["score"] is None
    assert summary["40"]["distribution"] == {"agent": 2, "caller": 1}
    assert summary["40"]["explanation"] == "agent: 2, caller: 1; 1 inconclusive"
    assert summary["50"]["score"] == 0.0
    assert (summary["60"]["score"], summary["60"]["count"]) == (None, 0)
    assert overall["worst_performing_metrics"] == {"binary_adherence": [50, 10]}
    assert overall["numeric_metrics"] == [
        {
            "id": 30,
            "name": "Latency",
            "type": "numeric",
            "value": 200.0,
            "percentiles": {"p50": 200.0},
        }
    ]
    assert overall["enum_metrics"] == [40]
    assert overall["extra_metrics"] == [
        # scores 100, 50, 100, 0: mean 62.5; p50 of [0, 50, 100, 100] is 75
        {
            "name": "Expected Outcome",
            "type": "numeric",
            "value": 62.5,
            "percentiles": {"p50": 75.0},
        },
        # connected runs with a duration: 60, 30, 10, 90 s
        {"name": "Call Duration", "type": "numeric", "value": 47.5, "percentiles": {"p50": 45.0}},
    ]


def test_metrics_given_as_specs_or_only_seen_in_verdicts() -> None:
    specs = [MetricSpec(name="Flow", eval_type=BWA, id=10, function_name="flow")]
    overall = agg.overall_evaluation(runs(), specs)
    assert list(overall["metric_summary"]) == ["10", "20", "30", "40", "50"]
    assert overall["metric_summary"]["10"]["function_name"] == "flow"


def test_latency_data_by_hand() -> None:
    data = agg.latency_data(runs())
    # all replies: 50 100 200 300 400 1000 2000
    assert {k: data[k] for k in ("p50", "p90", "p95", "avg", "min", "max", "count")} == {
        "p50": 300.0,
        "p90": 1400.0,
        "p95": 1700.0,
        "avg": 578.6,  # 4050 / 7
        "min": 50.0,
        "max": 2000.0,
        "count": 7,
    }
    assert data["runs"]["1"] == {"p50": 200.0, "p90": 280.0, "count": 3}
    assert data["runs"]["6"] == {"p50": 1500.0, "p90": 1900.0, "count": 2}
    assert "3" not in data["runs"]


def test_runs_by_tags_by_hand() -> None:
    assert agg.runs_by_tags(runs()) == {
        # Wilson 95 % by hand: 1 of 3 → 6.15–79.23 %, 2 of 2 → 34.24–100 %
        "booking": {
            "total": 3,
            "success": 1,
            "failed": 2,
            "success_rate": 33.33,
            "success_rate_confidence_interval": {"low": 6.15, "high": 79.23, "level": 0.95},
        },
        "smoke": {
            "total": 2,
            "success": 2,
            "failed": 0,
            "success_rate": 100.0,
            "success_rate_confidence_interval": {"low": 34.24, "high": 100.0, "level": 0.95},
        },
    }


def test_run_id_lists_by_hand() -> None:
    assert agg.connected_runs(runs()) == [1, 2, 3, 4, 6]
    assert agg.successful_calls(runs()) == [1, 3]
    assert agg.failed_workflow_runs(runs()) == [2, 6]
    assert agg.failed_infrastructure_runs(runs()) == [5]


def test_critical_categories_are_failing_metrics_worst_first() -> None:
    critical = agg.critical_categories(runs(), METRICS)
    assert [(c["id"], c["score"]) for c in critical] == [(50, 0.0), (10, 50.0)]
    assert critical[0]["eval_type"] == "binary_qualitative"
    low_rating = [RunSummary(1, metrics=[v(20, 2)]), RunSummary(2, metrics=[v(20, 3)])]
    assert [c["id"] for c in agg.critical_categories(low_rating)] == [20]  # mean 2.5 < 3


def test_failed_reasons_of_the_fixture() -> None:
    reasons = agg.failed_reasons(runs())
    assert reasons["total_failed_runs"] == 4  # runs 2, 4 (undecided), 5, 6
    assert reasons["issues"][0] == {
        "rank": 1,
        "run_ids": [2, 6],
        "description": "B: the agent never confirmed the time",
        "affected_count": 2,
    }
    described = {i["description"] for i in reasons["issues"]}
    assert "C: inconclusive (unclear)" in described
    assert "Infrastructure Issues: connection refused" in described


def test_pass_hat_k_summary() -> None:
    summary = agg.pass_hat_k_summary(runs())
    assert summary == {
        "k": 2,
        "rate": 0.0,
        "passed": 0,
        "total": 3,
        "scenarios": {"1": False, "2": False, "3": False},
    }
    twice = [RunSummary(1, 7, success=True), RunSummary(2, 7, success=True)]
    assert agg.pass_hat_k_summary(twice)["scenarios"] == {"7": True}


def test_empty_result() -> None:
    overall = agg.overall_evaluation([], METRICS[:2])
    assert overall["success_rate"] == 0.0
    assert [s["score"] for s in overall["metric_summary"].values()] == [None, None]
    assert overall["worst_performing_metrics"] == {"binary_adherence": []}
    assert (overall["numeric_metrics"], overall["extra_metrics"]) == ([], [])
    assert agg.latency_data([]) == {
        "p50": None,
        "p90": None,
        "p95": None,
        "avg": None,
        "min": None,
        "max": None,
        "count": 0,
        "runs": {},
    }
    assert agg.failed_reasons([]) == {"issues": [], "total_failed_runs": 0}
    assert agg.runs_by_tags([]) == {}
    assert agg.critical_categories([], METRICS) == []
    assert agg.failed_workflow_runs([]) == []
    assert agg.failed_infrastructure_runs([]) == []
    assert agg.pass_hat_k_summary([])["k"] == 0


def test_all_failed() -> None:
    failed = [
        RunSummary(
            i,
            1,
            success=False,
            expected_score=0,
            expected_explanation=["❌ A: not done"],
            metrics=[v(10, 0, explanation="flow broken")],
        )
        for i in (1, 2, 3)
    ]
    overall = agg.overall_evaluation(failed)
    assert overall["success_rate"] == 0.0
    assert overall["metric_summary"]["10"]["score"] == 0.0
    assert overall["worst_performing_metrics"]["binary_adherence"] == [10]
    assert agg.failed_workflow_runs(failed) == [1, 2, 3]
    reasons = agg.failed_reasons(failed)
    assert reasons["total_failed_runs"] == 3
    assert [i["affected_count"] for i in reasons["issues"]] == [3, 3]
    assert [i["description"] for i in reasons["issues"]] == ["A: not done", "Flow: flow broken"]


def test_all_inconclusive() -> None:
    undecided = [
        RunSummary(
            i,
            1,
            success=None,
            expected_explanation=["❔ A: inconclusive (no check)"],
            metrics=[v(10, None, INCONCLUSIVE), v(20, None, ERROR)],
        )
        for i in (1, 2, 3)
    ]
    overall = agg.overall_evaluation(undecided)
    assert overall["success_rate"] == 0.0
    flow = overall["metric_summary"]["10"]
    assert (flow["score"], flow["count"], flow["inconclusive_count"]) == (None, 0, 3)
    assert flow["explanation"] == "3 inconclusive"
    assert overall["worst_performing_metrics"]["binary_adherence"] == []
    assert overall["extra_metrics"] == []  # no scores, no durations
    assert agg.failed_workflow_runs(undecided) == []  # defined, but none decided as failed
    assert agg.successful_calls(undecided) == []
    assert agg.failed_reasons(undecided)["issues"] == [
        {
            "rank": 1,
            "run_ids": [1, 2, 3],
            "description": "A: inconclusive (no check)",
            "affected_count": 3,
        }
    ]


def test_ties_are_broken_by_metric_id() -> None:
    tied = [RunSummary(1, metrics=[MetricVerdict("Nine", BWA, 0.0, 9), v(10, 0)])]
    assert agg.overall_evaluation(tied)["worst_performing_metrics"]["binary_adherence"] == [9, 10]
    assert [c["id"] for c in agg.critical_categories(tied)] == [9, 10]


def test_from_stored_reads_the_runs_json() -> None:
    summary = RunSummary.from_stored(
        run_id=7,
        scenario_id=3,
        scenario_name="Book",
        status="completed",
        success=False,
        expected_outcome={"score": 50, "explanation": ["✅ A: ok", "❌ B: no"]},
        metrics=[
            {
                "id": 10,
                "name": "Flow",
                "type": "binary_workflow_adherence",
                "score": 1,
                "explanation": ["line one", "line two"],
                "status": "ok",
                "evidence": [{"turn": 1, "quote": "hi"}],
            },
            {"id": 11, "name": "Legacy", "type": "binary", "score": 0},
            {
                "id": 12,
                "name": "Judged",
                "type": "binary_qualitative",
                "score": 1,
                "status": "error",
                "override": {"reason": "human says pass"},
            },
            {
                "id": 13,
                "name": "Broken",
                "type": "binary_qualitative",
                "score": None,
                "status": "error",
            },
            {"id": 14, "name": "Odd", "type": "no-such-type", "score": 1},
        ],
        tags=["t"],
        transcript=[
            {"role": "Testing Agent", "content": "hi", "latency_ms": 5.0},
            {"role": "Main Agent", "content": "hello", "latency_ms": 120.0},
            {"role": "Main Agent", "content": "more"},
        ],
        duration=12.5,
        infrastructure_failure=False,
        frequency_index=1,
    )
    assert summary.expected_score == 50.0
    assert summary.latencies_ms == [120.0]
    assert summary.connected is True
    flow, legacy, judged, broken = summary.metrics
    assert (flow.passed, flow.explanation, flow.evidence[0].quote) == (
        True,
        "line one\nline two",
        "hi",
    )
    assert (legacy.eval_type, legacy.passed) == (EvalType.BINARY_QUALITATIVE, False)
    assert (judged.status, judged.passed) == (VerdictStatus.OK, True)  # the override stands
    assert (broken.status, broken.score) == (VerdictStatus.ERROR, None)
    assert verdict_from_json({}) is None  # no type: not a verdict
    statuses = [
        getattr(verdict_from_json(item), "status", None)
        for item in ({"type": "numeric", "score": 3}, {"type": "numeric"})
    ]
    assert statuses == [VerdictStatus.OK, VerdictStatus.ERROR]


@pytest.mark.parametrize("status", ["completed", "failed", "timeout", "cancelled"])
def test_a_finished_run_without_success_counts_as_failed(status: str) -> None:
    assert RunSummary(1, status=status, success=None).failed
    assert not RunSummary(1, status="running", success=None).failed
