"""Pictures of processes: a process's bare diagram and its SOP AP sheet (an instance's picture is on its handle)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from datetime import date

    from engine.service.context import EngineContext
    from engine.service.dashboard import Summary


class PictureService:
    """What `sop diagram --process` and `sop sheet` call."""

    def __init__(self, context: EngineContext) -> None:
        self._context = context

    def diagram(self, process: str, *, html: bool = False) -> str:
        """A process's diagram as drawn in its newest definition: SVG text, or an HTML page."""
        from engine.service.drawing import process_picture

        return process_picture(self._context, process, html=html)

    def heat(self, process: str, *, since: date | None = None, until: date | None = None, html: bool = False) -> str:
        """A process's bottlenecks: each step coloured by its median and p90 working time over the days given
        against its Mutu Baku, the figures and what waits on it now written above it (SVG text, or an HTML page)."""
        from engine.service.dashboard import heat_picture
        from engine.service.sla_report import day_window

        context = self._context
        start, end = day_window(context.work_clock(), since, until) if since or until else (None, None)
        return heat_picture(context, process, since=start, until=end, html=html)

    def summary_charts(self, summary: Summary) -> dict[str, str]:
        """The dashboard's charts (SVG, in the reader's language) by key: lanes, sop-<n>, instances, weeks."""
        from engine.service.dashboard import seconds_words
        from engine.service.dashboard_charts import summary_charts

        return summary_charts(summary, lambda seconds: seconds_words(self._context, seconds))

    def sheet(self, process: str, *, version: str | None = None, pdf: str | None = None) -> str:
        """The SOP AP document of a process as HTML; with pdf, also printed to that PDF file."""
        from engine.service.drawing import sheet_html, write_pdf

        html = sheet_html(self._context, process, version)
        if pdf:
            write_pdf(html, pdf)
        return html
