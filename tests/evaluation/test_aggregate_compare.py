"""`compare_results`: scenario and metric regressions from result A to result B."""

from __future__ import annotations

from sparring.domain.verdict import EvalType, MetricVerdict
from sparring.evaluation.compare import compare_results
from sparring.evaluation.run_summary import RunSummary

BIN, CQ, NUM, ENUM = (
    EvalType.BINARY_QUALITATIVE,
    EvalType.CONTINUOUS_QUALITATIVE,
    EvalType.NUMERIC,
    EvalType.ENUM,
)


def run(run_id: int, scenario: int, success: bool, *metrics: MetricVerdict) -> RunSummary:
    return RunSummary(run_id, scenario, f"S{scenario}", success=success, metrics=list(metrics))


def metrics(polite: float, rating: float, latency: float, ender: str) -> list[MetricVerdict]:
    return [
        MetricVerdict("Polite", BIN, polite, 1),
        MetricVerdict("Rating", CQ, rating, 2),
        MetricVerdict("Latency", NUM, latency, 3),
        MetricVerdict("Ender", ENUM, None, 4, enum=ender),
    ]


def results() -> tuple[list[RunSummary], list[RunSummary]]:
    a = [run(i, 1, True, *metrics(1, 4, 100, "agent")) for i in range(10)]
    a += [run(20, 2, True, *metrics(1, 4, 100, "agent")), run(21, 2, False)]
    b = [run(100 + i, 1, False, *metrics(0, 4.5, 300, "caller")) for i in range(10)]
    b += [run(120, 2, True), run(121, 2, True), run(130, 3, True)]
    return a, b


def test_scenario_regressions() -> None:
    a, b = results()
    comparison = compare_results(a, b)
    assert comparison["success_rate"] == {"a": 91.67, "b": 23.08, "delta": -68.59}
    first, *rest = comparison["scenarios"]
    assert first["scenario"] == "1"
    assert first["a"] == {"runs": 10, "passed": 10, "pass_rate": 100.0, "interval": [72.25, 100.0]}
    assert first["b"]["pass_rate"] == 0.0
    assert (first["delta"], first["regression"], first["significant"]) == (-100.0, True, True)
    by_key = {s["scenario"]: s for s in rest}
    assert (by_key["2"]["delta"], by_key["2"]["regression"]) == (50.0, False)
    assert (by_key["3"]["a"], by_key["3"]["delta"], by_key["3"]["regression"]) == (
        None,
        None,
        False,
    )
    assert comparison["regressions"]["scenarios"] == ["1"]


def test_metric_regressions() -> None:
    a, b = results()
    rows = {m["id"]: m for m in compare_results(a, b)["metrics"]}
    assert (rows[1]["a"], rows[1]["b"], rows[1]["delta"], rows[1]["regression"]) == (
        100.0,
        0.0,
        -100.0,
        True,
    )
    assert (rows[2]["delta"], rows[2]["regression"]) == (0.5, False)
    assert (rows[3]["delta"], rows[3]["regression"]) == (200.0, None)  # direction unknown
    assert (rows[4]["a"], rows[4]["b"], rows[4]["regression"]) == (
        {"agent": 11},
        {"caller": 10},
        None,
    )
    assert compare_results(a, b)["regressions"]["metrics"] == [1]
    assert compare_results(a, b)["metrics"][0]["id"] == 1  # regressions come first


def test_tolerance_ignores_small_drops() -> None:
    a = [run(1, 1, True, MetricVerdict("Rating", CQ, 4.0, 2))] * 2
    b = [run(2, 1, True, MetricVerdict("Rating", CQ, 3.9, 2))] * 2
    assert compare_results(a, b)["regressions"]["metrics"] == [2]
    assert compare_results(a, b, tolerance=5.0)["regressions"]["metrics"] == []  # 5 % of 5 = 0.25


def test_comparing_nothing() -> None:
    assert compare_results([], []) == {
        "success_rate": {"a": 0.0, "b": 0.0, "delta": 0.0},
        "scenarios": [],
        "metrics": [],
        "regressions": {"scenarios": [], "metrics": []},
    }
