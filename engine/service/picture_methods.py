"""The Engine's pictures: an instance or a process drawn on its diagram, and the SOP AP sheet."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

if TYPE_CHECKING:
    from engine.service.facade import Engine


class PictureMethods:
    """What `sop diagram` and `sop sheet` call on the Engine."""

    def diagram(self, instance: int | None = None, process: str | None = None, html: bool = False,
                files_folder: str | None = None) -> str:
        """An instance drawn on its pinned diagram, or a process's bare diagram: SVG text, or an HTML page (its
        attached files written to files_folder by hash and linked from it)."""
        engine = cast("Engine", self)
        from engine.service.drawing import instance_picture, process_picture

        if instance is not None:
            return instance_picture(engine, instance, html, files_folder)
        return process_picture(engine, process or "", html)

    def sheet(self, process: str, version: str | None = None, pdf: str | None = None) -> str:
        """The SOP AP document of a process as HTML; with pdf, also printed to that PDF file."""
        engine = cast("Engine", self)
        from engine.service.drawing import sheet_html, write_pdf

        html = sheet_html(engine, process, version)
        if pdf:
            write_pdf(html, pdf)
        return html
