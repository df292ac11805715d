"""When a timer start event starts its process: a date (`2026-12-31T08:00`, once) or a cycle (`R/2026-01-05T08:00/P1W`
every week from then, `R12/2026-01-01T08:00/P1M` twelve months), read in the office's zone when no zone is written.

Days, weeks, months and years of a cycle are calendar ones (a monthly report on the 31st falls on the last day of a
shorter month); hours and minutes are clock time. A start event's timer is a literal: it runs before any data."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, tzinfo
from typing import NamedTuple

from engine.common.errors import EngineError

_CYCLE = re.compile(r"R(\d*)/([^/]+)/(P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?)?)$")


class StartTimer(NamedTuple):
    """A timer start event's schedule: its first moment, its period (months, then days and seconds; none for a
    date) and how many times it repeats (None: for ever)."""

    first: datetime
    months: int = 0
    days: int = 0
    seconds: int = 0
    times: int | None = 1

    @property
    def repeats(self) -> bool:
        """True for a cycle (it has a period)."""
        return bool(self.months or self.days or self.seconds)

    def nth(self, n: int) -> datetime:
        """The n-th occurrence (from 0)."""
        moment = self.first
        if self.months:
            total = moment.month - 1 + self.months * n
            year, month = moment.year + total // 12, total % 12 + 1
            moment = moment.replace(year=year, month=month, day=min(moment.day, _days_in(year, month)))
        return moment + timedelta(days=self.days * n, seconds=self.seconds * n)

    def latest(self, now: datetime) -> tuple[int, datetime] | None:
        """The last occurrence at or before now (its number and moment), or None before the first."""
        if now < self.first:
            return None
        if not self.repeats:
            return 0, self.first
        span = self.months * 31 * 86400 + self.days * 86400 + self.seconds  # an upper bound of one period
        low = int((now - self.first).total_seconds() // span)  # at least this many periods fit
        n = max(0, low if self.times is None else min(low, self.times - 1))
        while (self.times is None or n + 1 < self.times) and self.nth(n + 1) <= now:
            n += 1
        return n, self.nth(n)


def _days_in(year: int, month: int) -> int:
    """The days of a month."""
    following = datetime(year + month // 12, month % 12 + 1, 1)
    return (following - timedelta(days=1)).day


def _moment(text: str, zone: tzinfo, what: str) -> datetime:
    """An ISO date or date and time; a date alone is its midnight, and no zone written is the office's."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise EngineError("{what}: '{text}' is not an ISO-8601 date or time; write it as 2026-12-31 or "
                          "2026-12-31T08:00", what=what, text=text) from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=zone)


def start_timer(kind: str, text: str, zone: tzinfo, what: str) -> StartTimer:
    """The schedule of a timer start event giving `kind` (timeDate or timeCycle) `text`; EngineError naming `what`
    and how to write it otherwise."""
    bare = text.strip().strip("\"'")
    if kind == "timeDate":
        return StartTimer(_moment(bare, zone, what))
    if kind != "timeCycle":
        raise EngineError("{what} gives a {kind}; a start event's timer is a date (timeDate, e.g. 2026-12-31T08:00) "
                          "or a cycle (timeCycle, e.g. R/2026-01-05T08:00/P1W)", what=what, kind=kind)
    found = _CYCLE.match(bare)
    if not found:
        raise EngineError("{what}: '{text}' is not a cycle sop runs; write R/START/PERIOD (for ever) or "
                          "Rn/START/PERIOD (n times), e.g. R/2026-01-05T08:00/P1W every week or "
                          "R12/2026-01-01T08:00/P1M twelve months", what=what, text=text)
    count = int(found[1]) if found[1] else None
    years, months, weeks, days, hours, minutes = (int(g or 0) for g in found.groups()[3:9])
    schedule = StartTimer(_moment(found[2], zone, what), years * 12 + months, weeks * 7 + days,
                          hours * 3600 + minutes * 60, count)
    if not schedule.repeats or count == 0:
        raise EngineError("{what}: '{text}' never repeats; give a period (P1D, P1W, P1M) and a count of at least 1, "
                          "or use a timeDate for one start", what=what, text=text)
    if schedule.months == 0 and schedule.days == 0 and schedule.seconds < 3600:
        raise EngineError("{what}: '{text}' repeats more often than hourly; an SOP starts at most once an hour",
                          what=what, text=text)
    return schedule
