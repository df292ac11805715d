"""Pictures of processes: a process's bare diagram and its SOP AP sheet (an instance's picture is on its handle)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from engine.service.context import EngineContext


class PictureService:
    """What `sop diagram --process` and `sop sheet` call."""

    def __init__(self, context: EngineContext) -> None:
        self._context = context

    def diagram(self, process: str, *, html: bool = False) -> str:
        """A process's diagram as drawn in its newest definition: SVG text, or an HTML page."""
        from engine.service.drawing import process_picture

        return process_picture(self._context, process, html=html)

    def sheet(self, process: str, *, version: str | None = None, pdf: str | None = None) -> str:
        """The SOP AP document of a process as HTML; with pdf, also printed to that PDF file."""
        from engine.service.drawing import sheet_html, write_pdf

        html = sheet_html(self._context, process, version)
        if pdf:
            write_pdf(html, pdf)
        return html
