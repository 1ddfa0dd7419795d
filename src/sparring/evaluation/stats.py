"""Small statistics for result summaries: percentiles, means, Wilson intervals, pass^k.

Percentages are 0–100 and rounded to 2 decimals, like the seed's `success_rate`.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Mapping, Sequence
from typing import TypeVar

Key = TypeVar("Key", bound=Hashable)


def percentile(values: Iterable[float], p: float) -> float | None:
    """The p-th percentile (0–100) by linear interpolation between closest ranks.

    The sorted values sit at ranks 0 … n−1; the percentile is at rank (n−1)·p/100, interpolated
    linearly between its two neighbours (numpy's default "linear" method, Hyndman–Fan type 7).
    So p50 of [1, 2, 3, 4] is 2.5 and p90 of [10, 20] is 19. None for no values.
    """
    if not 0 <= p <= 100:
        raise ValueError(f"p must be between 0 and 100, got {p}")
    ordered = sorted(values)
    return percentile_sorted(ordered, p)


def percentile_sorted(ordered: Sequence[float], p: float) -> float | None:
    """`percentile` of values already sorted ascending (no copy, no sort)."""
    if not ordered:
        return None
    rank = (len(ordered) - 1) * p / 100
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def mean(values: Sequence[float]) -> float | None:
    """The arithmetic mean, None for no values."""
    return math.fsum(values) / len(values) if values else None


def rounded(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(value, digits)


def rate(successes: int, n: int) -> float:
    """successes / n as a percentage 0–100 (0.0 when n is 0)."""
    return round(100.0 * successes / n, 2) if n else 0.0


def wilson_interval(successes: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """The Wilson score interval of a success rate, as (low, high) percentages.

    z = 1.96 gives 95 % confidence. With no runs nothing is known: (0.0, 100.0).
    """
    if not 0 <= successes <= n:
        raise ValueError(f"successes must be between 0 and n ({n}), got {successes}")
    if n == 0:
        return (0.0, 100.0)
    share = successes / n
    denominator = 1 + z * z / n
    centre = (share + z * z / (2 * n)) / denominator
    half = z * math.sqrt(share * (1 - share) / n + z * z / (4 * n * n)) / denominator
    return (round(100 * max(0.0, centre - half), 2), round(100 * min(1.0, centre + half), 2))


def pass_hat_k(outcomes: Mapping[Key, Sequence[bool | None]]) -> dict[Key, bool]:
    """Per scenario, whether it passed every one of its k attempts (pass^k).

    An undecided attempt (None) is not a pass; a scenario with no attempts has not passed.
    """
    return {
        key: bool(attempts) and all(a is True for a in attempts)
        for key, attempts in outcomes.items()
    }


def pass_hat_k_rate(outcomes: Mapping[Key, Sequence[bool | None]]) -> float:
    """Percentage 0–100 of scenarios that passed all their attempts (0.0 for none)."""
    passed = pass_hat_k(outcomes)
    return rate(sum(passed.values()), len(passed))
