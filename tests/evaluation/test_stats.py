"""Percentiles, Wilson intervals and pass^k, against values worked out by hand."""

from __future__ import annotations

import pytest

from sparring.evaluation.stats import (
    mean,
    pass_hat_k,
    pass_hat_k_rate,
    percentile,
    rate,
    wilson_interval,
)


@pytest.mark.parametrize(
    ("values", "p", "expected"),
    [
        ([1, 2, 3, 4], 50, 2.5),  # rank 1.5: halfway between 2 and 3
        ([10, 20], 90, 19.0),  # rank 0.9
        ([4, 1, 3, 2], 50, 2.5),  # order of the input does not matter
        ([50, 100, 200, 300, 400, 1000, 2000], 90, 1400.0),  # rank 5.4
        ([50, 100, 200, 300, 400, 1000, 2000], 95, 1700.0),  # rank 5.7
        ([7], 90, 7.0),
        ([3, 1, 2], 0, 1.0),
        ([3, 1, 2], 100, 3.0),
    ],
)
def test_percentile_interpolates_linearly(values: list[float], p: float, expected: float) -> None:
    assert percentile(values, p) == pytest.approx(expected)


def test_percentile_of_nothing_is_none_and_p_is_checked() -> None:
    assert percentile([], 50) is None
    with pytest.raises(ValueError, match="between 0 and 100"):
        percentile([1.0], 101)


def test_mean_and_rate() -> None:
    assert mean([1.0, 2.0, 4.0]) == pytest.approx(7 / 3)
    assert mean([]) is None
    assert rate(1, 3) == 33.33
    assert rate(0, 0) == 0.0


@pytest.mark.parametrize(
    ("successes", "n", "expected"),
    [
        (5, 10, (23.66, 76.34)),
        (10, 10, (72.25, 100.0)),
        (0, 10, (0.0, 27.75)),
        (0, 0, (0.0, 100.0)),  # nothing known
    ],
)
def test_wilson_interval(successes: int, n: int, expected: tuple[float, float]) -> None:
    assert wilson_interval(successes, n) == expected


def test_wilson_interval_rejects_impossible_counts() -> None:
    with pytest.raises(ValueError, match="between 0 and n"):
        wilson_interval(3, 2)


def test_pass_hat_k_needs_every_attempt_to_pass() -> None:
    outcomes: dict[str, list[bool | None]] = {
        "a": [True, True, True],
        "b": [True, False, True],
        "c": [True, None],  # undecided is not a pass
        "d": [],
    }
    assert pass_hat_k(outcomes) == {"a": True, "b": False, "c": False, "d": False}
    assert pass_hat_k_rate(outcomes) == 25.0
    assert pass_hat_k_rate({}) == 0.0
