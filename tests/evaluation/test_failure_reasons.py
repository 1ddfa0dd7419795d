"""Failure reasons: paraphrases of one root cause are one issue, different causes are apart."""

from __future__ import annotations

import random

import pytest

from sparring.domain.verdict import EvalType, MetricVerdict
from sparring.evaluation import failure_reasons
from sparring.evaluation.failure_reasons import failed_reasons, reason_lines
from sparring.evaluation.run_summary import RunSummary

# root cause -> the ❌ lines (criterion: why) different runs wrote about it
CAUSES: dict[str, list[str]] = {
    "time": [
        "The agent confirms the appointment time: it never repeated the time back to the caller",
        "The agent confirms the appointment time: the agent booked the slot but did not confirm the time",
        "The agent repeats the booked time back to the caller: the time was never confirmed",
        "The agent confirms the appointment time: no confirmation of the time was given",
        "The agent confirms the appointment time: the agent failed to confirm the time",
    ],
    "identity": [
        "The agent verifies the caller's identity: it never did so",
        "The agent verifies the caller's identity: no date of birth was asked",
        "The agent asks for the caller's date of birth: the agent skipped identity verification",
        "The agent verifies the caller's identity: identity was not verified before sharing records",
    ],
    "refund": [
        "The agent offers a refund: it never did so",
        "The agent offers a refund: the agent refused to refund and ended the call",
        "The agent offers a refund: no refund was offered",
    ],
    "greeting": [
        "The agent greets the caller by name: it said hello without the name",
        "The agent greets the caller by name: no name was used in the greeting",
    ],
}


def cause_runs() -> tuple[list[RunSummary], dict[str, set[int]]]:
    """One failed run per line; the 'time' runs also fail the Politeness metric."""
    runs, truth = [], {}
    run_id = 0
    for cause, lines in CAUSES.items():
        truth[cause] = set()
        for line in lines:
            run_id += 1
            truth[cause].add(run_id)
            metrics = []
            if cause == "time":
                why = [
                    "the agent interrupted the caller twice",
                    "the agent was curt and interrupted",
                ]
                metrics.append(
                    MetricVerdict(
                        "Politeness",
                        EvalType.BINARY_QUALITATIVE,
                        0.0,
                        9,
                        explanation=why[run_id % 2],
                    )
                )
            runs.append(
                RunSummary(
                    run_id,
                    success=False,
                    expected_score=0,
                    expected_explanation=["✅ The agent says hello: it did", f"❌ {line}"],
                    metrics=metrics,
                )
            )
    return runs, truth


def test_paraphrases_of_one_cause_are_one_issue_and_causes_stay_apart() -> None:
    runs, truth = cause_runs()
    issues = failed_reasons(runs)["issues"]
    grouped = [set(i["run_ids"]) for i in issues]
    assert truth["time"] in grouped
    assert truth["identity"] in grouped
    assert truth["refund"] in grouped
    assert truth["greeting"] in grouped
    politeness = [i for i in issues if i["description"].startswith("Politeness:")]
    assert len(politeness) == 1
    assert set(politeness[0]["run_ids"]) == truth["time"]
    assert len(issues) == 5


def test_issues_are_ranked_by_affected_runs_with_deterministic_ties() -> None:
    runs, _ = cause_runs()
    result = failed_reasons(runs)
    assert result["total_failed_runs"] == len(runs)
    ranked = [(i["rank"], i["affected_count"]) for i in result["issues"]]
    assert ranked == [(1, 5), (2, 5), (3, 4), (4, 3), (5, 2)]
    # "time" and "Politeness" both affect 5 runs: the one with more lines (equal) then by text
    assert result["issues"][0]["description"] < result["issues"][1]["description"]
    for issue in result["issues"]:
        assert issue["run_ids"] == sorted(issue["run_ids"])
        assert list(issue) == ["rank", "run_ids", "description", "affected_count"]


def test_the_output_does_not_depend_on_the_order_of_runs() -> None:
    runs, _ = cause_runs()
    expected = failed_reasons(runs)
    shuffled = runs[:]
    random.Random(3).shuffle(shuffled)
    assert failed_reasons(shuffled) == expected


def test_the_description_is_the_most_central_line() -> None:
    lines = [
        "The agent did not confirm the appointment",
        "The agent did not confirm the appointment time",
        "The agent did not confirm the time",
    ]
    runs = [
        RunSummary(i, success=False, expected_explanation=[f"❌ {line}"])
        for i, line in enumerate(lines, start=1)
    ]
    [issue] = failed_reasons(runs)["issues"]
    assert issue["description"] == "The agent did not confirm the appointment time"


def test_a_line_said_in_more_runs_weighs_more() -> None:
    runs = [
        RunSummary(
            1, success=False, expected_explanation=["❌ The agent did not confirm the time"]
        ),
        RunSummary(
            2, success=False, expected_explanation=["❌ The agent did not confirm the time"]
        ),
        RunSummary(
            3, success=False, expected_explanation=["❌ The agent never confirmed the time"]
        ),
    ]
    [issue] = failed_reasons(runs)["issues"]
    assert issue == {
        "rank": 1,
        "run_ids": [1, 2, 3],
        "description": "The agent did not confirm the time",
        "affected_count": 3,
    }


def test_a_run_counts_once_per_issue() -> None:
    run = RunSummary(
        1,
        success=False,
        expected_explanation=[
            "❌ The agent confirms the time: it did not",
            "❌ The agent confirms the time: never",
        ],
    )
    [issue] = failed_reasons([run])["issues"]
    assert issue["affected_count"] == 1


def test_no_lines_one_line_and_lines_without_words() -> None:
    assert failed_reasons([RunSummary(1, success=True)])["issues"] == []
    one = failed_reasons([RunSummary(1, success=False, expected_explanation=["❌ A: no"])])
    assert one["issues"] == [
        {"rank": 1, "run_ids": [1], "description": "A: no", "affected_count": 1}
    ]
    symbols = [
        RunSummary(1, success=False, expected_explanation=["❌ ???"]),
        RunSummary(2, success=False, expected_explanation=["❌ 1234"]),
    ]
    assert len(failed_reasons(symbols)["issues"]) == 2


def test_reason_lines_fall_back_to_undecided_lines_then_the_error() -> None:
    undecided = RunSummary(
        1, success=None, expected_explanation=["✅ A: ok", "❔ B: inconclusive (x)"]
    )
    assert reason_lines(undecided) == ["B: inconclusive (x)"]
    failed_metric = MetricVerdict("Flow", EvalType.BINARY_WORKFLOW_ADHERENCE, 0.0, explanation="")
    both = RunSummary(
        2, success=False, expected_explanation=["❔ B: inconclusive (x)"], metrics=[failed_metric]
    )
    assert reason_lines(both) == ["Flow failed"]
    unreachable = RunSummary(3, status="failed", success=False, error_message="Agent unreachable")
    assert reason_lines(unreachable) == ["Agent unreachable"]
    assert reason_lines(RunSummary(4, status="cancelled")) == [
        "The run ended without success (cancelled)."
    ]


def test_only_failed_runs_give_reasons() -> None:
    passed = RunSummary(
        1,
        success=True,
        metrics=[MetricVerdict("Tone", EvalType.BINARY_QUALITATIVE, 0.0, explanation="flat")],
    )
    running = RunSummary(2, status="running", success=None)
    assert failed_reasons([passed, running]) == {"issues": [], "total_failed_runs": 0}


def test_many_distinct_lines_merge_by_criterion_first(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(failure_reasons, "MAX_CLUSTERED_LINES", 3)
    runs = [
        RunSummary(
            i, success=False, expected_explanation=[f"❌ The agent offers a refund: reason {w}"]
        )
        for i, w in enumerate(["alpha", "beta", "gamma", "delta"], start=1)
    ] + [RunSummary(9, success=False, expected_explanation=["❌ The agent greets: no"])]
    issues = failed_reasons(runs)["issues"]
    assert [(i["affected_count"], i["run_ids"]) for i in issues] == [(4, [1, 2, 3, 4]), (1, [9])]


def test_beyond_the_limit_other_lines_join_the_nearest_issue(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(failure_reasons, "MAX_CLUSTERED_LINES", 2)

    def failed(run_id: int, line: str) -> RunSummary:
        return RunSummary(run_id, success=False, expected_explanation=[f"❌ {line}"])

    runs = [failed(i, "Refund policy: no refund was offered to the caller") for i in (1, 2, 3)]
    runs += [failed(i, "Greeting: the agent did not greet") for i in (4, 5)]
    runs += [failed(6, "Refunds: the caller was not offered a refund")]  # joins the refund issue
    runs += [failed(7, "Transfer: the agent refused to transfer")]  # near nothing: its own issue
    issues = failed_reasons(runs)["issues"]
    assert [(i["run_ids"], i["description"]) for i in issues] == [
        ([1, 2, 3, 6], "Refund policy: no refund was offered to the caller"),
        ([4, 5], "Greeting: the agent did not greet"),
        ([7], "Transfer: the agent refused to transfer"),
    ]
