"""Raw results coerced onto the five metric scales (domain/verdict.py)."""

from __future__ import annotations

from typing import Any

import pytest

from sparring.domain.verdict import EvalType, MetricKind, MetricSpec, VerdictStatus
from sparring.evaluation.verdicts import coerce_result

BW, BQ, CQ = (
    EvalType.BINARY_WORKFLOW_ADHERENCE,
    EvalType.BINARY_QUALITATIVE,
    EvalType.CONTINUOUS_QUALITATIVE,
)
NUM, ENUM = EvalType.NUMERIC, EvalType.ENUM


def spec(eval_type: EvalType, enum_values: tuple[str, ...] = ()) -> MetricSpec:
    return MetricSpec(
        "M", eval_type, MetricKind.CUSTOM_CODE, id=9, enum_values=enum_values, function_name="f"
    )


@pytest.mark.parametrize(
    ("eval_type", "value", "score"),
    [
        (BW, True, 1.0),
        (BW, False, 0.0),
        (BQ, 1, 1.0),
        (BQ, 0.0, 0.0),
        (BW, "Yes", 1.0),
        (BQ, "fail", 0.0),
        (CQ, 4.5, 4.5),
        (CQ, 0, 0.0),
        (CQ, "5", 5.0),
        (NUM, -12.5, -12.5),
        (NUM, 10**6, 1e6),
        (NUM, " 3.25 ", 3.25),
    ],
)
def test_values_that_fit_the_scale(eval_type: EvalType, value: Any, score: float) -> None:
    verdict = coerce_result(spec(eval_type), value, "why")
    assert (verdict.status, verdict.score, verdict.enum) == (VerdictStatus.OK, score, None)
    assert (verdict.name, verdict.metric_id, verdict.function_name) == ("M", 9, "f")
    assert verdict.explanation == "why"


def test_enum_value_is_in_enum_and_score_is_none() -> None:
    verdict = coerce_result(spec(ENUM, ("Positive", "Negative")), "positive")
    assert (verdict.status, verdict.score, verdict.enum) == (VerdictStatus.OK, None, "Positive")
    free = coerce_result(spec(ENUM), "anything")
    assert free.enum == "anything"


@pytest.mark.parametrize(
    ("eval_type", "value", "message"),
    [
        (BW, 2, "binary metric needs True/False"),
        (BQ, "maybe", "binary metric needs True/False"),
        (CQ, 7, "needs 0 to 5, got 7"),
        (CQ, -1, "needs 0 to 5"),
        (CQ, True, "needs a number"),
        (NUM, "fast", "needs a number, got 'fast'"),
        (NUM, float("nan"), "needs a number"),
        (NUM, [1], "needs a number"),
        (ENUM, "neutral", "'neutral' is not one of the enum values: Positive, Negative"),
        (ENUM, {"a": 1}, "an enum metric needs one of its values"),
        (NUM, None, "no result"),
    ],
)
def test_values_that_do_not_fit_are_error_verdicts(
    eval_type: EvalType, value: Any, message: str
) -> None:
    verdict = coerce_result(spec(eval_type, ("Positive", "Negative")), value)
    assert verdict.status is VerdictStatus.ERROR
    assert verdict.score is None
    assert verdict.passed is None
    assert message in verdict.explanation
