"""One self-contained HTML page: the instance's diagram inline and its history beside it (no network needed)."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from engine.audit.records import HistoryRow, duration_text
from engine.common.i18n import N_, _
from engine.pictures.diagram_states import PictureStates

_CSS = """body{font-family:'DejaVu Sans',Verdana,Arial,sans-serif;margin:16px;color:#263238}
h1{font-size:18px}h2{font-size:15px;margin-top:20px}
.picture{overflow:auto;border:1px solid #cfd8dc;max-height:80vh}
table{border-collapse:collapse;font-size:12px}td,th{border:1px solid #cfd8dc;padding:3px 6px;text-align:left;
vertical-align:top}th{background:#eceff1}td.num{text-align:right}
@page{size:A4 landscape;margin:10mm}
@media print{.picture{overflow:visible;max-height:none;border:0}.picture svg{width:100%;height:auto}}"""


def _headings(*names: str) -> str:
    return "".join(f"<th>{escape(_(name))}</th>" for name in names)


def render_page(title: str, svg: str, rows: Sequence[HistoryRow] | None, states: PictureStates | None,
                files: Sequence[tuple[int, str, str, str, str, str, str | None]] = ()) -> str:
    """The HTML page; rows None for a bare diagram; files: (event, task, field, name, size, sha256, link or None)."""
    parts = ["<!DOCTYPE html>", '<html lang="id"><head><meta charset="utf-8">', f"<title>{escape(title)}</title>",
             f"<style>{_CSS}</style></head><body>", f"<h1>{escape(title)}</h1>", '<div class="picture">', svg,
             "</div>"]
    if states is not None and states.ready:
        parts.append(f"<h2>{escape(_('Waiting now'))}</h2><table><tr>" + _headings(N_("step"), N_("lane"), N_("since"),
                                                                                     N_("due")) + "</tr>")
        for task, info in states.ready.items():
            parts.append(f'<tr class="state-{states.states.get(task, "ready")}"><td>{escape(info.name or task)}</td>'
                         f"<td>{escape(info.lane or '')}</td><td>{escape(info.since)}</td>"
                         f"<td>{escape(str(info.due or ''))}</td></tr>")
        parts.append("</table>")
    if rows is not None:
        parts.append(f'<h2>{escape(_("History"))}</h2><table class="history"><tr>'
                     + _headings("#", N_("when"), N_("step"), N_("lane"), N_("who"), N_("operator"), N_("after"),
                                 N_("artefact")) + "</tr>")
        for r in rows:
            parts.append(f'<tr><td class="num">{r.seq}</td><td>{escape(r.time)}</td><td>{escape(r.name)}</td>'
                         f"<td>{escape(r.lane or '')}</td><td>{escape(_signed(r))}</td><td>{escape(r.operator)}</td>"
                         f"<td>{escape(duration_text(r.after))}</td><td>{escape(r.summary)}</td></tr>")
        parts.append("</table>")
    if files:
        parts.append(f'<h2>{escape(_("Attached files"))}</h2><table class="files"><tr>'
                     + _headings("#", N_("step"), N_("field"), N_("file"), N_("size"), "sha256") + "</tr>")
        for seq, task, field, name, size, sha, link in files:
            shown = escape(name) if link is None else \
                f'<a href="{escape(link, quote=True)}" download="{escape(name, quote=True)}">{escape(name)}</a>'
            parts.append(f'<tr><td class="num">{seq}</td><td>{escape(task)}</td><td>{escape(field)}</td>'
                         f"<td>{shown}</td><td>{escape(size)}</td><td><code>{escape(sha)}</code></td></tr>")
        parts.append("</table>")
    parts.append("</body></html>\n")
    return "\n".join(parts)


def _signed(row: HistoryRow) -> str:
    """Who did a history row's act: "Plh. Kepala Unit: login" under a delegation, else the login."""
    return f"{row.acting_as}: {row.actor}" if row.acting_as else str(row.actor)
