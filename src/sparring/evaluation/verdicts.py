"""Build metric verdicts on the scales of `domain/verdict.py`, and coerce raw results to them.

| eval_type | accepted result | score |
| --- | --- | --- |
| binary_* | True/False, 1/0, "true"/"false", "yes"/"no", "pass"/"fail" | 1 or 0 |
| continuous_qualitative | a number from 0 to 5 | that number |
| numeric | any finite number | that number |
| enum | one of the metric's `enum_values` (case-insensitive) | None, `enum` = the value |

Anything else is an error verdict naming what was expected and what came.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from sparring.domain.verdict import (
    EvalType,
    Evidence,
    MetricSpec,
    MetricVerdict,
    VerdictStatus,
)
from sparring.errors import EvaluationError

_TRUE = frozenset({"true", "yes", "pass", "passed", "1"})
_FALSE = frozenset({"false", "no", "fail", "failed", "0"})
_RATING_MAX = 5.0


def make_verdict(
    metric: MetricSpec,
    score: float | None,
    explanation: str = "",
    *,
    status: VerdictStatus = VerdictStatus.OK,
    enum: str | None = None,
    evidence: Iterable[Evidence] = (),
    extra: dict[str, Any] | None = None,
) -> MetricVerdict:
    """A verdict carrying the metric's name, id, type and function name."""
    return MetricVerdict(
        name=metric.name,
        eval_type=metric.eval_type,
        score=score if status is VerdictStatus.OK else None,
        metric_id=metric.id,
        status=status,
        explanation=explanation,
        enum=enum,
        evidence=list(evidence),
        extra=dict(extra or {}),
        function_name=metric.function_name,
    )


def error_verdict(metric: MetricSpec, message: str) -> MetricVerdict:
    """The metric could not be computed: no score, `message` says why."""
    return make_verdict(metric, None, message, status=VerdictStatus.ERROR)


def inconclusive_verdict(
    metric: MetricSpec, message: str, evidence: Iterable[Evidence] = ()
) -> MetricVerdict:
    """The metric could not be decided from what is known: no score, never a pass."""
    return make_verdict(metric, None, message, status=VerdictStatus.INCONCLUSIVE, evidence=evidence)


def coerce_result(
    metric: MetricSpec,
    value: Any,
    explanation: str = "",
    *,
    evidence: Iterable[Evidence] = (),
    extra: dict[str, Any] | None = None,
) -> MetricVerdict:
    """A verdict from a raw result (custom code, predefined function), or an error verdict."""
    try:
        score, enum = coerce_value(metric.eval_type, value, metric.enum_values)
    except EvaluationError as exc:
        return error_verdict(metric, str(exc))
    return make_verdict(metric, score, explanation, enum=enum, evidence=evidence, extra=extra)


def coerce_value(
    eval_type: EvalType, value: Any, enum_values: tuple[str, ...] = ()
) -> tuple[float | None, str | None]:
    """(score, enum) for `value` on the scale of `eval_type`; `EvaluationError` if unfit."""
    if value is None:
        raise EvaluationError("no result was produced")
    if eval_type.binary:
        return _binary(value), None
    if eval_type is EvalType.ENUM:
        return None, _enum(value, enum_values)
    number = _number(value, eval_type)
    if eval_type is EvalType.CONTINUOUS_QUALITATIVE and not 0 <= number <= _RATING_MAX:
        raise EvaluationError(f"a continuous_qualitative metric needs 0 to 5, got {number:g}")
    return number, None


def _binary(value: Any) -> float:
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    if isinstance(value, int | float) and value in (0, 1):
        return float(value)
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return 1.0 if value.strip().lower() in _TRUE else 0.0
    raise EvaluationError(f"a binary metric needs True/False (or 1/0), got {value!r}")


def _number(value: Any, eval_type: EvalType) -> float:
    number: float | None = None
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            number = None
    if number is None or not math.isfinite(number):
        raise EvaluationError(f"a {eval_type.value} metric needs a number, got {value!r}")
    return number


def _enum(value: Any, enum_values: tuple[str, ...]) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise EvaluationError(f"an enum metric needs one of its values (a string), got {value!r}")
    text = str(value).strip()
    if not enum_values:
        if not text:
            raise EvaluationError("an enum metric needs a value, got an empty string")
        return text
    for allowed in enum_values:
        if allowed.casefold() == text.casefold():
            return allowed
    raise EvaluationError(f"{text!r} is not one of the enum values: {', '.join(enum_values)}")
