"""The heat figures' working times: each step's median and nearest-rank p90 over a window, with the times of the
steps completed before this month kept once read.

A completed step's time never changes, so the sorted times of the part of a window before the current month (office
time) are read once per store, process and window start and kept; a request then reads only this month's times and
picks each figure at its rank in the two sorted runs, without merging them (a year of a Kabupaten's requests holds
700,000 step times in the seven months the dashboard shows: read whole, they take most of a second on PostgreSQL).
The figures are those of `Store.step_summary`: the median interpolated between the two middle times of an even count,
the p90 the ceil(0.9 n)-th time. A store restored from a backup under a running server shows its earlier months'
figures after a restart, as the dashboard's on-time shares do."""

from __future__ import annotations

import threading
from array import array
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    from collections.abc import Sequence

    from engine.service.context import EngineContext

Times = dict[str, "array[float]"]
_KEPT: dict[tuple[str, str, str | None, str], Times] = {}
_LOCK = threading.Lock()
_KEEP = 16  # windows kept per process (a few starts a day are asked for: the dashboard's, a report's)


class StepTimes(NamedTuple):
    """One step's completions in a window and the median and p90 of their working seconds."""

    completed: int
    median_seconds: float
    p90_seconds: float


def kth(first: Sequence[float], second: Sequence[float], k: int) -> float:
    """The k-th smallest (from 0) of the union of two ascending sequences, found by bisection on how many of the
    k + 1 smallest come from the first."""
    if not 0 <= k < len(first) + len(second):
        raise IndexError(k)
    low, high = max(0, k + 1 - len(second)), min(k + 1, len(first))
    while low < high:
        i = (low + high) // 2
        j = k + 1 - i
        if j > 0 and first[i] < second[j - 1]:
            low = i + 1
        else:
            high = i
    j = k + 1 - low
    if low == 0:
        return second[j - 1]
    if j == 0:
        return first[low - 1]
    return max(first[low - 1], second[j - 1])


def figures_of(first: Sequence[float], second: Sequence[float]) -> StepTimes:
    """Count, median and nearest-rank p90 of the union of two ascending sequences."""
    n = len(first) + len(second)
    if not n:
        return StepTimes(0, 0.0, 0.0)
    lower = kth(first, second, (n - 1) // 2)
    median = lower if n % 2 else (lower + kth(first, second, n // 2)) / 2
    return StepTimes(n, median, kth(first, second, (9 * n + 9) // 10 - 1))


def _grouped(rows: list[tuple[Any, ...]]) -> Times:
    """(BPMN id, time taken) rows in (step, time) order as one ascending array per step."""
    out: Times = {}
    for step, taken in rows:
        out.setdefault(step, array("d")).append(float(taken))
    return out


def step_times(context: EngineContext, process: str, since: str | None, until: str | None,
               month_start: str) -> dict[str, StepTimes] | None:
    """Each step's figures over the steps of the process completed in [since, until); None when some step of the
    window lacks its recorded time (then the caller computes them the slow way)."""
    store = context.store()
    if store.has_unmeasured_steps(process, since, until):
        return None
    cut = month_start if (since is None or since < month_start) and (until is None or until > month_start) else None
    if cut is None:
        recent = _grouped(store.taken_times(process, since, until))
        return {step: figures_of(times, ()) for step, times in recent.items()}
    key = (str(store.location), process, since, cut)
    with _LOCK:
        earlier = _KEPT.get(key)
    if earlier is None:
        earlier = _grouped(store.taken_times(process, since, cut))
        with _LOCK:
            if len(_KEPT) >= _KEEP:
                _KEPT.clear()
            _KEPT[key] = earlier
    recent = _grouped(store.taken_times(process, cut, until))
    return {step: figures_of(earlier.get(step, ()), recent.get(step, ())) for step in {*earlier, *recent}}
