"""Pure helpers of the result queries: reading id lists, and pausing the garbage collector."""

from __future__ import annotations

import gc

import pytest

from sparring.errors import BadInput
from sparring.services.result_queries import collector_paused, is_id, parse_ids


@pytest.mark.parametrize(
    ("text", "ok"),
    [("1", True), ("2147483647", True), ("2147483648", False), ("0", False), ("-1", False),
     ("²", False), ("٣", False), ("9" * 5000, False), ("", False), ("1.0", False)],
)  # fmt: skip
def test_an_id_is_a_positive_32_bit_number_in_ascii_digits(text: str, ok: bool) -> None:
    assert is_id(text) is ok


def test_id_lists_are_read_or_refused_naming_the_parameter() -> None:
    assert parse_ids(" 3, 1,2 ,", "ids") == [3, 1, 2]
    for bad in ("", "1,,x", "1," + "9" * 5000, ",".join(["1"] * 1001)):
        with pytest.raises(BadInput) as refused:
            parse_ids(bad, "run_ids")
        assert refused.value.field == "run_ids"


def test_the_collector_resumes_after_overlapping_pauses_and_errors() -> None:
    assert gc.isenabled()
    first, second = collector_paused(), collector_paused()
    first.__enter__()
    second.__enter__()
    first.__exit__(None, None, None)
    assert not gc.isenabled()  # the second pause still holds
    second.__exit__(None, None, None)
    assert gc.isenabled()
    with pytest.raises(ValueError, match="boom"), collector_paused():
        raise ValueError("boom")
    assert gc.isenabled()


def test_a_pause_inside_someone_elses_leaves_the_collector_to_them() -> None:
    gc.disable()
    try:
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        gc.enable()
