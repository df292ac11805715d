"""The SLA report: per step, how long it took against its Mutu Baku; per instance, the total against the SOP's."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, NamedTuple

from engine.common.work_calendar import Clock, format_time, sla_seconds
from engine.service.schedule import due_of
from engine.store.protocol import Store


class StepFigures(NamedTuple):
    """One step of one process over the report's window."""

    process: str
    task: str
    name: str
    lane: str | None
    sla: str | None
    completed: int
    median_seconds: float
    p90_seconds: float
    within_share: float | None  # None when the step has no Mutu Baku

    def to_json(self) -> dict[str, Any]:
        """The documented JSON of one step row."""
        return self._asdict()


class InstanceFigures(NamedTuple):
    """One completed instance: its total working time against the Mutu Baku of the steps it went through."""

    instance: int
    process: str
    started: str
    completed: str
    total_seconds: float
    sop_seconds: float
    within: bool

    def to_json(self) -> dict[str, Any]:
        """The documented JSON of one instance row."""
        return self._asdict()


class SlaReport(NamedTuple):
    """The whole report: step figures, instance figures (all, or only those over the SOP's total), and how many
    instances completed."""

    steps: tuple[StepFigures, ...]
    instances: tuple[InstanceFigures, ...]
    completed: int = 0


def quantile(values: list[float], share: float) -> float:
    """The nearest-rank quantile of sorted values (p90: the value 90% of the values do not exceed)."""
    if not values:
        return 0.0
    rank = max(1, math.ceil(share * len(values)))
    return values[rank - 1]


def median(values: list[float]) -> float:
    """The median of sorted values (the mean of the middle two for an even count)."""
    n = len(values)
    if n == 0:
        return 0.0
    mid = n // 2
    return values[mid] if n % 2 else (values[mid - 1] + values[mid]) / 2


def day_window(clock: Clock, since: date | None, until: date | None) -> tuple[str | None, str | None]:
    """Dates (in the calendar's time zone; UTC without one) as store times: from the start of `since` to the
    end of `until`."""
    zone = getattr(clock, "zone", UTC)
    start = format_time(datetime.combine(since, time(0), zone)) if since else None
    end = format_time(datetime.combine(until + timedelta(days=1), time(0), zone)) if until else None
    return start, end


def build_report(
    store: Store, clock: Callable[[], Clock], *, process: str | None = None, since: str | None = None,
    until: str | None = None, late_only: bool = False,
) -> SlaReport:
    """Figures from the steps' ready and completion events (steps completed in [since, until); instances
    started in it). Times taken were counted when each step completed; the calendar is read only for steps
    recorded before the store kept them."""
    figures = step_figures(store, clock, process=process, since=since, until=until)
    completed, rows = store.instance_times(process, since, until, late_only)
    instances = []
    for instance, process_id, started, done, total, budget, slas in rows:
        if total is None or budget is None:
            total = clock().worked(started, done)
            budget = sum(sla_seconds(clock(), s) for s in (slas or "").split(",") if s)
        if late_only and total <= budget:
            continue
        instances.append(InstanceFigures(instance, process_id, started, done, total, budget, total <= budget))
    return SlaReport(tuple(figures), tuple(instances), completed)


def step_figures(
    store: Store, clock: Callable[[], Clock], *, process: str | None = None, since: str | None = None,
    until: str | None = None,
) -> list[StepFigures]:
    """Per step, the figures of the steps completed in [since, until): by SQL, or here for windows holding steps
    recorded before the store kept their times."""
    if store.has_unmeasured_steps(process, since, until):
        return _step_figures(store, clock, process, since, until)
    return [StepFigures(p, t, name, lane, sla, count, median_taken, p90, within / count if sla else None)
            for p, t, name, lane, sla, count, within, median_taken, p90 in store.step_summary(process, since, until)]


def _step_figures(
    store: Store, clock: Callable[[], Clock], process: str | None, since: str | None, until: str | None
) -> list[StepFigures]:
    """The step figures computed here, for windows holding steps recorded before the store kept their times."""
    groups: dict[tuple[str, str], tuple[list[Any], list[float], list[int]]] = {}
    for process_id, task, name, lane, sla, ready_at, done_at, due, taken in store.steps(process, since, until):
        if taken is None:
            taken = clock().worked(ready_at, done_at)
        if due is None:
            due = due_of(clock(), ready_at, sla, f"Process {process_id} step '{task}'")
        entry = groups.get((process_id, task))
        if entry is None:
            entry = groups[(process_id, task)] = ([name, lane, sla], [], [0])
        entry[1].append(taken)
        if due is not None and done_at <= due:
            entry[2][0] += 1
    figures = []
    for (process_id, task), ((name, lane, sla), times, within) in sorted(groups.items()):
        times.sort()
        share = within[0] / len(times) if sla else None
        figures.append(StepFigures(process_id, task, name, lane, sla, len(times), median(times),
                                   quantile(times, 0.9), share))
    return figures
