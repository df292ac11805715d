"""The dashboard's charts (SVG, in the reader's language) and the words its tables use: months as words, times in
the office's zone, working durations in words."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from engine.common.i18n import N_, fixed_text, translate
from engine.pictures.svg_charts import ChartRow, Series, bar_chart

if TYPE_CHECKING:
    from collections.abc import Callable

    from engine.service.dashboard import ShareRow, Summary

WAITING = Series(N_("waiting"), "#1565c0")
OVERDUE = Series(N_("overdue"), "#c62828", hatched=True)
ON_TIME = Series(N_("on time"), "#2e7d32")
MEDIAN = Series(N_("median working time"), "#1565c0")
BUDGET = Series(N_("sum of the Mutu Baku"), "#6d4c41", hatched=True)
STARTED = Series(N_("started"), "#1565c0")
FINISHED = Series(N_("completed"), "#2e7d32", hatched=True)


def month_words(first_day: str) -> str:
    """A month as words: "November 2026"."""
    from engine.definitions.artefact_view import MONTHS

    day = date.fromisoformat(first_day)
    return f"{fixed_text(MONTHS[day.month - 1])} {day.year}"


def share_words(share: float | None) -> str:
    """An on-time share as a percentage ("67%"), or "-" when no step had a due time."""
    return "-" if share is None else f"{share:.0%}"


def _named(series: Series) -> Series:
    return series._replace(name=fixed_text(series.name))


def summary_charts(summary: Summary, seconds_words: Callable[[float], str]) -> dict[str, str]:
    """Every chart of the dashboard by its key: lanes, weeks, instances, and one per SOP (sop-<n>)."""
    charts: dict[str, str] = {}
    lanes = [ChartRow(f"{w.lane or '-'} ({summary.names.get(w.process, w.process)})", (w.waiting, w.overdue),
                      (str(w.waiting), str(w.overdue))) for w in summary.lanes]
    if lanes:
        charts["lanes"] = bar_chart(fixed_text("What waits in each lane now"), (_named(WAITING), _named(OVERDUE)),
                                    lanes, key="chart-lanes")
    for n, row in enumerate(summary.sops):
        charts[f"sop-{n}"] = _share_chart(row, summary.months, key=f"chart-sop-{n}")
    if summary.instances:
        charts["instances"] = bar_chart(
            fixed_text("Working time per completed request against the sum of its steps' Mutu Baku"),
            (_named(MEDIAN), _named(BUDGET)),
            [ChartRow(i.name, (i.median_seconds, i.budget_seconds),
                      (seconds_words(i.median_seconds), seconds_words(i.budget_seconds))) for i in summary.instances],
            key="chart-instances")
    weeks = [ChartRow(translate(N_("week of {day}", day=_day_words(w.week))), (w.started, w.completed),
                      (str(w.started), str(w.completed))) for w in summary.weeks]
    charts["weeks"] = bar_chart(fixed_text("Requests started and completed per week"),
                                (_named(STARTED), _named(FINISHED)), weeks, key="chart-weeks")
    return charts


def _share_chart(row: ShareRow, months: tuple[str, ...], *, key: str) -> str:
    rows = [ChartRow(month_words(m), (100 * (s.share or 0.0),), (share_words(s.share),))
            for m, s in zip(months, row.months, strict=True)]
    title = translate(N_("Steps done within their Mutu Baku per month: {process}", process=row.name))
    return bar_chart(title, (_named(ON_TIME),), rows, key=key, top=100.0)


def _day_words(day: str) -> str:
    from engine.definitions.artefact_view import WordsOf

    return WordsOf().day(day)
