"""The heat figures' rank picks over two sorted runs (the kept earlier months and this month) give exactly the
median and nearest-rank p90 of all the times together, as the store's step summary does."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.service.heat_times import figures_of, kth

times = st.lists(st.floats(min_value=0, max_value=1e7, allow_nan=False), max_size=40)


@given(times, times)
def test_every_rank_of_two_runs_is_that_of_the_merged_times(first: list[float], second: list[float]) -> None:
    """kth(a, b, k) is the k-th of sorted(a + b) for every k, duplicates and empty runs included."""
    a, b = sorted(first), sorted(second)
    merged = sorted(a + b)
    assert [kth(a, b, k) for k in range(len(merged))] == merged


@given(times, times)
def test_median_and_p90_are_those_of_the_merged_times(first: list[float], second: list[float]) -> None:
    """The count, the median (the mean of the two middle times of an even count) and the p90 (the ceil(0.9 n)-th
    time) of the two runs together."""
    merged = sorted(first + second)
    got = figures_of(sorted(first), sorted(second))
    if not merged:
        assert got == (0, 0.0, 0.0)
        return
    n = len(merged)
    median = merged[n // 2] if n % 2 else (merged[n // 2 - 1] + merged[n // 2]) / 2
    assert got == (n, median, merged[math.ceil(0.9 * n) - 1])


def test_hand_counted_figures_and_a_rank_outside_the_times() -> None:
    """Ten times 1..10 split across the runs: median 5.5, p90 the 9th (9); asking for an eleventh is an error."""
    assert figures_of([1.0, 4.0, 5.0, 9.0], [2.0, 3.0, 6.0, 7.0, 8.0, 10.0]) == (10, 5.5, 9.0)
    assert figures_of([], [7.0]) == (1, 7.0, 7.0)
    with pytest.raises(IndexError):
        kth([1.0], [2.0], 2)
