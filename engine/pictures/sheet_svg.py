"""The flowchart pages of the SOP AP sheet as SVG, one per A4 landscape page (standard library only).

Each page is a grid: No | Uraian Kegiatan | one column per Pelaksana | Mutu Baku (Kelengkapan, Waktu, Output) |
Keterangan. A row's symbol sits in its actor's column: a capsule for the first and the last step, a rectangle for an
activity, a diamond for a decision, and for a wait (which SOP AP has no symbol for) a rectangle with a clock,
explained in a legend line under the flowchart of each page that has one. Arrows are orthogonal: down into the next
row; other jumps run in a gutter at the right of the Pelaksana columns (forward) or at the left (loop-backs) and
enter the target from above; an arrow to another page ends in an off-page connector carrying the other row's number.
Only presentation attributes are used: WeasyPrint applies no stylesheet inside SVG.
"""

from __future__ import annotations

from html import escape
from typing import NamedTuple

from engine.pictures.sheet_arrows import BAND_H, GUTTER, Area, PageArrows, Placement, decided_after
from engine.pictures.sheet_rows import SheetRow
from engine.pictures.text_metrics import FONT_FAMILY, wrap

PAGE_W, PAGE_H = 1047.0, 718.0  # 277 x 190 mm at 96 px per inch: A4 landscape less 10 mm margins
NO_W, URAIAN_W, KEL_W, WAKTU_W, OUTPUT_W, KET_W = 30.0, 215.0, 105.0, 56.0, 105.0, 120.0
TITLE_H, HEAD1_H = 28.0, 20.0
LEGEND_H = 22.0  # the legend line under the flowchart, on a sheet with a wait
LEGEND_TEXT = ("Tunggu: permohonan menunggu selama Mutu Baku Waktu (hari kerja), tanpa ada yang dikerjakan, lalu "
               "berjalan sendiri ke langkah berikutnya")
FONT, LINE = 9.0, 11.0
INK = "#000000"


class Columns(NamedTuple):
    """Column edges of the grid."""

    no: float
    uraian: float
    area: float  # left edge of the Pelaksana area (its left gutter)
    lanes: tuple[float, ...]  # centre of each Pelaksana column
    lane_w: float
    area_end: float
    kel: float
    waktu: float
    output: float
    ket: float
    end: float


class Placed(NamedTuple):
    """A row on a page: its top and height."""

    row: SheetRow
    top: float
    height: float


def columns(lane_count: int) -> Columns:
    """The grid's column edges for a number of Pelaksana columns."""
    fixed = NO_W + URAIAN_W + KEL_W + WAKTU_W + OUTPUT_W + KET_W + 2 * GUTTER
    lane_w = max((PAGE_W - fixed) / max(lane_count, 1), 40.0)
    x = NO_W
    area = x + URAIAN_W
    lanes = tuple(area + GUTTER + lane_w * (i + 0.5) for i in range(lane_count))
    area_end = area + 2 * GUTTER + lane_w * lane_count
    return Columns(0.0, x, area, lanes, lane_w, area_end, area_end, area_end + KEL_W, area_end + KEL_W + WAKTU_W,
                   area_end + KEL_W + WAKTU_W + OUTPUT_W, area_end + KEL_W + WAKTU_W + OUTPUT_W + KET_W)


def head2_height(lanes: tuple[str, ...], cols: Columns) -> float:
    """The height of the header row with the Pelaksana names."""
    lines = max((len(wrap(name, cols.lane_w - 6, FONT, bold=True)) for name in lanes), default=1)
    return max(30.0, lines * LINE + 8)


def row_height(row: SheetRow) -> float:
    """A row is as tall as its longest wrapped cell, and never shorter than its symbol needs."""
    cells = [(row.uraian, URAIAN_W), (row.kelengkapan, KEL_W), (row.waktu, WAKTU_W), (row.output, OUTPUT_W),
             (row.keterangan, KET_W)]
    lines = max(len(wrap(text, width - 8, FONT)) for text, width in cells)
    least = 90.0 if decided_after(row) else 70.0 if len(row.lanes) > 1 else 54.0  # room for bars and a diamond
    return max(least, lines * LINE + 12)


def paginate(rows: list[SheetRow], lanes: tuple[str, ...]) -> list[list[Placed]]:
    """Rows split into pages that fit A4 landscape, each row placed below the header and the top band."""
    cols = columns(len(lanes))
    top = TITLE_H + HEAD1_H + head2_height(lanes, cols) + BAND_H
    room = PAGE_H - top - BAND_H - (LEGEND_H if any(r.symbol == "wait" for r in rows) else 0)
    pages: list[list[Placed]] = [[]]
    y = top
    for row in rows:
        h = row_height(row)
        if pages[-1] and y + h > top + room:
            pages.append([])
            y = top
        pages[-1].append(Placed(row, y, h))
        y += h
    return pages


def render_page(placed: list[Placed], lanes: tuple[str, ...], title: str, page_no: int, page_count: int,
                *, where: dict[int, tuple[int, Placed]], pages_before: int = 0) -> str:
    """One flowchart page; where maps each row number to its page index and placement (for off-page arrows);
    its heading numbers it within the whole document, after pages_before pages (the identity page)."""
    cols = columns(len(lanes))
    h2 = head2_height(lanes, cols)
    head_top = TITLE_H
    band_top = head_top + HEAD1_H + h2
    last = placed[-1]
    bottom_band = last.top + last.height
    grid_end = bottom_band + BAND_H
    out: list[str] = [f'<rect x="0" y="0" width="{PAGE_W:g}" height="{PAGE_H:g}" fill="#ffffff"/>']
    total = page_count + pages_before
    suffix = f" (halaman {page_no + pages_before} dari {total})" if total > 1 else ""
    out.append(_text(title + suffix, 0, 17, size=12, bold=True, anchor="start"))
    out.append(_header(cols, lanes, head_top, h2))
    # grid: bands and rows
    for y in [band_top + BAND_H, *(p.top + p.height for p in placed), grid_end]:
        out.append(_hline(cols.no, cols.end, y))
    for x in (cols.no, cols.uraian, cols.area, cols.area_end, cols.ket, cols.end):
        out.append(_vline(x, head_top, grid_end))
    for x in (cols.waktu, cols.output):  # inside the Mutu Baku span
        out.append(_vline(x, head_top + HEAD1_H, grid_end))
    for i in range(1, len(lanes)):
        x = cols.area + GUTTER + cols.lane_w * i
        out.append(_vline(x, head_top + HEAD1_H, grid_end, colour="#999999", width=0.5))
    out.append(_hline(cols.no, cols.end, head_top, width=1.2))
    out.append(_hline(cols.no, cols.end, band_top, width=1.2))
    for p in placed:
        out.append(_row_cells(p, cols))
    area = Area(cols.area, cols.area_end, band_top, bottom_band)
    boxes = [Placement(p.row, p.top, p.height, tuple(symbol_box(p, cols, i) for i in range(len(p.row.lanes))))
             for p in placed]
    elsewhere = {nomor: (page, there.row) for nomor, (page, there) in where.items()}
    out.append(PageArrows(area, page_no - 1, boxes, elsewhere).svg())
    for p in placed:
        out.append(_symbols(p, cols))
    if any(p.row.symbol == "wait" for p in placed):
        out.append(_legend(cols, grid_end))
    return (f'<svg xmlns="http://www.w3.org/2000/svg" version="1.1" viewBox="0 0 {PAGE_W:g} {PAGE_H:g}" '
            f'width="277mm" height="190mm" font-family={quoteattr(FONT_FAMILY)} font-size="{FONT:g}">'
            + "".join(out) + "</svg>")


def _text(text: str, x: float, y: float, *, size: float = FONT, bold: bool = False, anchor: str = "middle") -> str:
    weight = ' font-weight="bold"' if bold else ""
    return (f'<text x="{x:g}" y="{y:g}" font-size="{size:g}" fill="{INK}" text-anchor="{anchor}"{weight}>'
            f"{escape(text)}</text>")


def _hline(x1: float, x2: float, y: float, width: float = 0.8, colour: str = INK) -> str:
    return f'<line x1="{x1:g}" y1="{y:g}" x2="{x2:g}" y2="{y:g}" stroke="{colour}" stroke-width="{width:g}"/>'


def _vline(x: float, y1: float, y2: float, width: float = 0.8, colour: str = INK) -> str:
    return f'<line x1="{x:g}" y1="{y1:g}" x2="{x:g}" y2="{y2:g}" stroke="{colour}" stroke-width="{width:g}"/>'


def _block(text: str, x: float, width: float, top: float, height: float, *, bold: bool = False,
           centre: bool = True) -> str:
    lines = wrap(text, width - 8, FONT, bold) if text else []
    y = top + (height - len(lines) * LINE) / 2 + FONT if centre else top + 6 + FONT
    anchor = "middle" if centre else "start"
    tx = x + width / 2 if centre else x + 4
    return "".join(_text(line, tx, y + i * LINE, bold=bold, anchor=anchor) for i, line in enumerate(lines))


def _header(cols: Columns, lanes: tuple[str, ...], top: float, h2: float) -> str:
    full = HEAD1_H + h2
    parts = ['<g class="sheet-header">', f'<rect x="{cols.no:g}" y="{top:g}" width="{cols.end - cols.no:g}" '
             f'height="{full:g}" fill="#eeeeee"/>',
             _block("No", cols.no, NO_W, top, full, bold=True),
             _block("Uraian Kegiatan", cols.uraian, URAIAN_W, top, full, bold=True),
             _block("Pelaksana", cols.area, cols.area_end - cols.area, top, HEAD1_H, bold=True),
             _block("Mutu Baku", cols.kel, cols.ket - cols.kel, top, HEAD1_H, bold=True),
             _block("Keterangan", cols.ket, KET_W, top, full, bold=True),
             _hline(cols.area, cols.ket, top + HEAD1_H)]
    for i, name in enumerate(lanes):
        x = cols.area + GUTTER + cols.lane_w * i
        parts.append(f'<g class="pelaksana" data-lane={quoteattr(name)}>'
                     + _block(name, x, cols.lane_w, top + HEAD1_H, h2, bold=True) + "</g>")
    for label, x, w in (("Kelengkapan", cols.kel, KEL_W), ("Waktu", cols.waktu, WAKTU_W),
                        ("Output", cols.output, OUTPUT_W)):
        parts.append(_block(label, x, w, top + HEAD1_H, h2, bold=True))
    parts.append("</g>")
    return "".join(parts)


def _row_cells(p: Placed, cols: Columns) -> str:
    r = p.row
    return (f'<g class="sheet-row" data-row="{r.nomor}" data-steps={quoteattr(" ".join(r.step_ids))}>'
            + _block(str(r.nomor), cols.no, NO_W, p.top, p.height)
            + f'<g class="uraian">{_block(r.uraian, cols.uraian, URAIAN_W, p.top, p.height, centre=False)}</g>'
            + f'<g class="kelengkapan">{_block(r.kelengkapan, cols.kel, KEL_W, p.top, p.height)}</g>'
            + f'<g class="waktu">{_block(r.waktu, cols.waktu, WAKTU_W, p.top, p.height)}</g>'
            + f'<g class="output">{_block(r.output, cols.output, OUTPUT_W, p.top, p.height)}</g>'
            + f'<g class="keterangan">{_block(r.keterangan, cols.ket, KET_W, p.top, p.height)}</g></g>')


def symbol_box(p: Placed, cols: Columns, index: int) -> tuple[float, float, float, float]:
    """Centre x, centre y, width and height of the symbol of the row's index-th step."""
    lanes = p.row.lanes
    lane = lanes[index]
    w = min(cols.lane_w - 14, 50.0)
    same = [i for i, other in enumerate(lanes) if other == lane]
    cx = cols.lanes[lane] + (same.index(index) - (len(same) - 1) / 2) * (w / len(same) + 2)
    w = w / len(same) if len(same) > 1 else w
    if decided_after(p.row):  # the symbols between the bars, the decision's diamond below the join
        return cx, p.top + p.height / 2 - 12, w, 24.0
    h = 30.0 if p.row.symbol == "decision" else 24.0
    return cx, p.top + p.height / 2, w, h


def _symbols(p: Placed, cols: Columns) -> str:
    parts = []
    for i, lane in enumerate(p.row.lanes):
        cx, cy, w, h = symbol_box(p, cols, i)
        paint = f'fill="#ffffff" stroke="{INK}" stroke-width="1.2"'
        kind = "activity" if decided_after(p.row) else p.row.symbol
        if kind == "wait":
            shape = _wait_shape(cx, cy, w, h, paint)
        elif kind == "decision":
            shape = (f'<path d="M{cx:g},{cy - h / 2:g} L{cx + w / 2:g},{cy:g} L{cx:g},{cy + h / 2:g} '
                     f'L{cx - w / 2:g},{cy:g} z" {paint}/>')
        else:
            radius = h / 2 if kind in ("start", "end") else 0
            shape = (f'<rect x="{cx - w / 2:g}" y="{cy - h / 2:g}" width="{w:g}" height="{h:g}" rx="{radius:g}" '
                     f'ry="{radius:g}" {paint}/>')
        if kind == "wait" and all(e.target == 0 for e in p.row.exits):  # a wait that ends the process
            kind = "wait symbol-end"
        parts.append(f'<g class="symbol symbol-{kind}" data-row="{p.row.nomor}" data-lane="{lane}" '
                     f'data-step={quoteattr(p.row.step_ids[i])}>{shape}</g>')
    return "".join(parts)


def _wait_shape(cx: float, cy: float, w: float, h: float, paint: str) -> str:
    """A wait: the activity's rectangle with a clock in it (the clock of BPMN's timer event)."""
    r = h / 2 - 4
    return (f'<rect x="{cx - w / 2:g}" y="{cy - h / 2:g}" width="{w:g}" height="{h:g}" rx="0" ry="0" {paint}/>'
            f'<circle cx="{cx:g}" cy="{cy:g}" r="{r:g}" fill="#ffffff" stroke="{INK}" stroke-width="1"/>'
            f'<line x1="{cx:g}" y1="{cy:g}" x2="{cx:g}" y2="{cy - r + 2:g}" stroke="{INK}" stroke-width="1"/>'
            f'<line x1="{cx:g}" y1="{cy:g}" x2="{cx + r - 3:g}" y2="{cy:g}" stroke="{INK}" stroke-width="1"/>')


def _legend(cols: Columns, grid_end: float) -> str:
    """The line under the flowchart that explains the wait's symbol."""
    cy = grid_end + LEGEND_H / 2 + 2
    paint = f'fill="#ffffff" stroke="{INK}" stroke-width="1.2"'
    return (f'<g class="legend">{_wait_shape(cols.no + 20, cy, 34.0, 18.0, paint)}'
            + _text(LEGEND_TEXT, cols.no + 44, cy + FONT / 2 - 1, anchor="start") + "</g>")


def quoteattr(text: str) -> str:
    """An XML attribute value with its quotes (xml.sax.saxutils would import urllib: 50 ms)."""
    return f'"{escape(text, quote=True)}"'
