"""The Engine's time methods: the SLA report against the Mutu Baku, and firing due boundary timers."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

if TYPE_CHECKING:
    from datetime import date

    from engine.service.facade import Engine
    from engine.service.sla_report import SlaReport
    from engine.service.ticker import TickResult


class TimeMethods:
    """What `sop report` and `sop tick` call on the Engine."""

    def sla_report(
        self, process: str | None = None, since: date | None = None, until: date | None = None,
        late_only: bool = False,
    ) -> SlaReport:
        """Per step and per instance (late_only: only instances over the SOP's total), time taken against the
        Mutu Baku, from the steps' events."""
        engine = cast("Engine", self)
        from engine.service.sla_report import build_report, day_window

        start, end = day_window(engine.work_clock(), since, until) if since or until else (None, None)
        return build_report(engine.store(), engine.work_clock, process, start, end, late_only)

    def tick(self) -> TickResult:
        """Fire every boundary timer due by the engine's clock, one transaction and event each."""
        engine = cast("Engine", self)
        from engine.service.ticker import run_tick

        return run_tick(engine)
