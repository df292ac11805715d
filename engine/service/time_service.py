"""Time: the working calendar and the office's local times, the SLA report against the Mutu Baku, and firing due
boundary timers (`sop tick`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from datetime import date

    from engine.common.local_time import LocalTimes
    from engine.common.work_calendar import Clock
    from engine.service.context import EngineContext
    from engine.service.dashboard import StepHeat, Summary
    from engine.service.sla_report import SlaReport
    from engine.service.ticker import TickResult


class TimeService:
    """What `sop report` and `sop tick` call, and the times people read."""

    def __init__(self, context: EngineContext) -> None:
        self._context = context

    def now(self) -> str:
        """The engine's clock: the current time as the store writes it (UTC ISO)."""
        return self._context.clock()

    def work_clock(self) -> Clock:
        """The working-time calendar of the definitions folder (calendar.yaml), or wall-clock time without one."""
        return self._context.work_clock()

    def local_times(self) -> LocalTimes:
        """Stored times as people read them: in the calendar's zone (or this machine's), e.g. `08:30 WIB`."""
        return self._context.local_times()

    def duration_words(self, duration: str | None) -> str:
        """A step's time (an ISO-8601 duration, e.g. its sla) in words: "30 menit", "3 jam kerja" on the working
        calendar, "2 hari" on a wall clock."""
        from engine.definitions.artefact_view import duration_words

        return duration_words(duration, working=self._context.on_calendar())

    def sla_report(
        self, *, process: str | None = None, since: date | None = None, until: date | None = None,
        late_only: bool = False,
    ) -> SlaReport:
        """Per step and per instance (late_only: only instances over the SOP's total), time taken against the
        Mutu Baku, from the steps' events."""
        from engine.service.sla_report import build_report, day_window

        context = self._context
        start, end = day_window(context.work_clock(), since, until) if since or until else (None, None)
        return build_report(
            context.store(), context.work_clock, process=process, since=start, until=end, late_only=late_only
        )

    def summary(self, *, process: str | None = None) -> Summary:
        """The office's dashboard: what waits now per lane and person, overdue now, on-time shares per SOP and step
        per month, instance times against the Mutu Baku, started and completed per week (RoleError for a person
        who may not see it)."""
        from engine.service.dashboard import build_summary

        return build_summary(self._context, process=process)

    def summary_months(self) -> tuple[str, ...]:
        """The first day (ISO) of each month the dashboard shows: this month and the six before it."""
        from engine.service.dashboard import MONTHS_SHOWN, month_starts

        context = self._context
        return tuple(d.isoformat() for d in month_starts(context.clock(), context.local_times().zone,
                                                          MONTHS_SHOWN)[:-1])

    def may_see_summary(self) -> bool:
        """True when the person may see the dashboard (operators, auditors, the people of a process's lanes other
        than its start lane; everyone without roles)."""
        from engine.common.errors import RoleError
        from engine.service.dashboard import visible_processes

        try:
            visible_processes(self._context)
        except RoleError:
            return False
        return True

    def heat(self, process: str, *, since: date | None = None, until: date | None = None) -> list[StepHeat]:
        """Each step of a process: its median and p90 working time against its Mutu Baku over the days given, and
        what waits on it now."""
        from engine.service.dashboard import build_heat
        from engine.service.sla_report import day_window

        start, end = day_window(self._context.work_clock(), since, until) if since or until else (None, None)
        return build_heat(self._context, process, since=start, until=end)

    def seconds_words(self, seconds: float) -> str:
        """Working seconds in words, in two units at most: "1 hari kerja 2 jam kerja", "45 menit"."""
        from engine.service.dashboard import seconds_words

        return seconds_words(self._context, seconds)

    def month_words(self, first_day: str) -> str:
        """A month (its first day, ISO) in words: "November 2026"."""
        from engine.service.dashboard_charts import month_words

        return month_words(first_day)

    def day_words(self, day: str) -> str:
        """An ISO date in words: "2 November 2026"."""
        from engine.definitions.artefact_view import WordsOf

        return WordsOf().day(day)

    def moment_words(self, moment: str | None) -> str:
        """A stored time in words in the office's zone: "10 November 2026 08:00 WIB" ("-" for none)."""
        from engine.definitions.artefact_view import WordsOf

        return WordsOf(self._context.local_times().zone).moment(moment) if moment else "-"

    def tick(self) -> TickResult:
        """Fire every boundary timer due by the engine's clock, one transaction and event each."""
        from engine.service.ticker import run_tick

        return run_tick(self._context)
