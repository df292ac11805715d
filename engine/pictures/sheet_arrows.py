"""The arrows of one flowchart page of the SOP AP sheet: every exit of every row, routed inside the Pelaksana area.

An arrow to the next row leaves a symbol at its bottom; a jump forward leaves at its right and runs down a track in
the right gutter of the Pelaksana area, a loop back leaves at its left and runs up the left gutter; each enters its
target from above, along a level just under the target row's top line. A parallel row (`bersamaan`) is drawn as
flowcharts draw a split and a join: a bar above its symbols with an arrow into each, a bar below them with a line
from each; the rows around it connect to the bars. A flow to a row on another page ends in an off-page connector
(a pentagon) in the band at the page's foot (forward) or head (back), carrying the target row's number; the other
page starts from a connector with the same number. Every line, bar and connector names what it joins in data-from,
data-to and data-node (step ids; `split:N`, `join:N`, `off:S>T:I` and `selesai` for the rest), so tools and tests
can follow the drawing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape
from typing import NamedTuple

from engine.pictures.sheet_rows import SheetRow
from engine.pictures.text_metrics import wrap

INK = "#000000"
GUTTER = 18.0  # each side of the Pelaksana area: tracks for the long arrows, 3 px apart
BAND_H = 34.0  # the empty band above the first row and below the last: off-page connectors
ENTRY = 4.0  # arrows enter a row along a level this far under its top line
BAR_GAP = 12.0  # a parallel row's bars this far from its top and bottom lines
DIAMOND_W, DIAMOND_H = 28.0, 20.0  # the decision after a parallel row's join, 6 px over its bottom line
TRACKS = 5
CONNECTOR_W, CONNECTOR_H = 14.0, 16.0
HEAD_L, HEAD_W = 7.0, 3.5  # an arrowhead's length and half its width
LABEL_W, LABEL_SIZE = 70.0, 8.0  # a flow's label wraps at this width
Point = tuple[float, float]


class Area(NamedTuple):
    """Where the arrows may run on a page: the Pelaksana area's edges and the two bands' tops."""

    left: float
    right: float
    band_top: float  # top of the band above the first row
    bottom_band: float  # top of the band below the last row


class Ports(NamedTuple):
    """Where arrows meet a row: the point they enter, the points they leave by, and the nodes those belong to."""

    entry: Point
    bottom: Point
    right: Point
    left: Point
    in_node: str
    out_node: str


class Placement(NamedTuple):
    """A row on a page (its top and height) and the centre, width and height of each of its symbols."""

    row: SheetRow
    top: float
    height: float
    boxes: tuple[tuple[float, float, float, float], ...]


def ports(p: Placement) -> Ports:
    """A row's ports: its symbol's sides, or for a parallel row the middle and ends of its two bars."""
    if len(p.boxes) == 1:
        cx, cy, w, h = p.boxes[0]
        step = p.row.step_ids[0]
        return Ports((cx, cy - h / 2), (cx, cy + h / 2), (cx + w / 2, cy), (cx - w / 2, cy), step, step)
    x1, x2 = _bar_span(p)
    mid = (x1 + x2) / 2
    split = (mid, p.top + BAR_GAP)
    if decided_after(p.row):
        cy = p.top + p.height - DIAMOND_H / 2 - 6
        return Ports(split, (mid, cy + DIAMOND_H / 2), (mid + DIAMOND_W / 2, cy), (mid - DIAMOND_W / 2, cy),
                     f"split:{p.row.nomor}", f"decide:{p.row.nomor}")
    join = p.top + p.height - BAR_GAP
    return Ports(split, (mid, join), (x2, join), (x1, join), f"split:{p.row.nomor}", f"join:{p.row.nomor}")


def decided_after(row: SheetRow) -> bool:
    """Whether a row is a parallel one with a decision after its join (drawn as a diamond below the join bar)."""
    return len(row.lanes) > 1 and row.symbol == "decision"


def _bar_span(p: Placement) -> tuple[float, float]:
    xs = [b[0] for b in p.boxes]
    return min(xs) - 8, max(xs) + 8


def exit_sides(row: SheetRow) -> list[str]:
    """The side each exit leaves by: bottom (the first to the next row), right (forward), left (back), or, for a
    branch that ends the process beside others, end-right or end-left (a short stub); "" when nothing is drawn."""
    sides: list[str] = []
    bottom = False
    for exit_ in row.exits:
        if exit_.target == 0:
            sides.append("end")
        elif exit_.target == row.nomor + 1 and not bottom:
            bottom = True
            sides.append("bottom")
        else:
            sides.append("right" if exit_.target > row.nomor else "left")
    if len(row.exits) == 1:
        return ["" if s == "end" else s for s in sides]
    return [("end-left" if "right" in sides and "left" not in sides else "end-right") if s == "end" else s
            for s in sides]


@dataclass
class _Route:
    """One line being routed: fixed points before and after an optional gutter track and band connector."""

    source: str
    target: str
    label: str = ""
    label_side: str = ""
    head: list[Point] = field(default_factory=list)
    tail: list[Point] = field(default_factory=list)
    side: str = ""  # the gutter (left/right) the line runs along, if any
    span: tuple[float, float] = (0.0, 0.0)
    track: float = 0.0
    band: str = ""  # top/bottom when the line meets an off-page connector
    arriving: bool = False  # the line starts at the connector
    direct: float | None = None  # a connector straight above or below the symbol, at this x
    connector: tuple[str, int, str] = ("", 0, "")  # node name, the row number it shows, to/from
    arrow: bool = True


class PageArrows:
    """Routes the arrows of one page; `svg()` draws them with their bars and connectors."""

    def __init__(self, area: Area, page: int, placed: list[Placement], elsewhere: dict[int, tuple[int, SheetRow]]):
        self.area, self.page = area, page
        self.placed = {p.row.nomor: p for p in placed}
        self.elsewhere = elsewhere  # every row of the document: its page index and row
        self.routes: list[_Route] = []
        self.tracks: dict[str, list[list[tuple[float, float]]]] = {"left": [[] for _ in range(TRACKS)],
                                                                   "right": [[] for _ in range(TRACKS)]}
        for p in placed:
            self._departures(p)
        self._arrivals()

    # --- routes -------------------------------------------------------------------------------------------------
    def _entry(self, target: Placement) -> list[Point]:
        """The end of every line into a row: along its entry level to the port, then down into it."""
        x, y = ports(target).entry
        return [(x, target.top + ENTRY), (x, y)]

    def _departures(self, p: Placement) -> None:
        port = ports(p)
        for index, (exit_, side) in enumerate(zip(p.row.exits, exit_sides(p.row), strict=True)):
            if not side:
                continue
            if side.startswith("end"):
                x, y = port.right if side == "end-right" else port.left
                stub = 16.0 if side == "end-right" else -16.0
                self.routes.append(_Route(port.out_node, "selesai", f"{exit_.label} (selesai)".strip(),
                                          side[4:], head=[(x, y), (x + stub, y)]))
                continue
            start = {"bottom": port.bottom, "right": port.right, "left": port.left}[side]
            route = _Route(port.out_node, "", exit_.label, side, head=[start])
            page, row = self.elsewhere[exit_.target]
            if page == self.page:
                target = self.placed[exit_.target]
                route.target = ports(target).in_node
                route.tail = self._entry(target)
                if side != "bottom":
                    route.side = side
                    route.span = (min(start[1], target.top), max(start[1], target.top))
            else:
                forward = page > self.page
                route.band = "bottom" if forward else "top"
                key = f"off:{p.row.nomor}>{row.nomor}:{index}"
                route.target, route.connector, route.arrow = key, (key, row.nomor, "to"), False
                if side == "bottom":
                    route.direct = start[0]
                else:
                    route.side = side
                    edge = self.area.bottom_band if forward else self.area.band_top + BAND_H
                    route.span = (min(start[1], edge), max(start[1], edge))
            self.routes.append(route)

    def _arrivals(self) -> None:
        """The lines into this page's rows from rows on other pages, each from a connector in a band."""
        for nomor, (page, row) in self.elsewhere.items():
            if page == self.page:
                continue
            for index, (exit_, side) in enumerate(zip(row.exits, exit_sides(row), strict=True)):
                p = self.placed.get(exit_.target)
                if p is None or not side or side.startswith("end"):
                    continue
                forward = page < self.page
                key = f"off:{nomor}>{p.row.nomor}:{index}"
                route = _Route(key, ports(p).in_node, band="top" if forward else "bottom", arriving=True,
                               connector=(key, p.row.nomor, "from"), tail=self._entry(p))
                if side == "bottom":
                    route.direct = ports(p).entry[0]
                else:
                    route.side = "right" if forward else "left"
                    edge = self.area.band_top + BAND_H if forward else self.area.bottom_band
                    route.span = (min(edge, p.top), max(edge, p.top))
                self.routes.append(route)

    def _track(self, side: str, span: tuple[float, float]) -> float:
        """The x of the first track on a side whose lines do not overlap this span (the least used when all do)."""
        lanes = self.tracks[side]
        free = next((i for i, used in enumerate(lanes) if all(b < span[0] - 2 or a > span[1] + 2 for a, b in used)),
                    None)
        if free is None:
            free = min(range(TRACKS), key=lambda i: len(lanes[i]))
        lanes[free].append(span)
        return self.area.left + 3 + 3 * free if side == "left" else self.area.right - 3 - 3 * free

    # --- connectors in the bands --------------------------------------------------------------------------------
    def _place_connectors(self) -> dict[int, tuple[float, float]]:
        """Each banded route's connector x and the level its line runs along in the band (by route index)."""
        placed: dict[int, tuple[float, float]] = {}
        for band in ("top", "bottom"):
            routes = [(i, r) for i, r in enumerate(self.routes) if r.band == band]
            taken = [r.direct for _, r in routes if r.direct is not None]
            for i, r in routes:
                if r.direct is not None:
                    placed[i] = (r.direct, 0.0)
            for side in ("right", "left"):
                # the outermost track gets the slot nearest its gutter and the level farthest from the rows,
                # so no line in the band crosses another
                mine = sorted(((i, r) for i, r in routes if r.direct is None and r.side == side),
                              key=lambda ir: -ir[1].track if side == "right" else ir[1].track)
                slot = 0
                for k, (i, _) in enumerate(mine):
                    while True:
                        x = (self.area.right - GUTTER - 10 - 18 * slot if side == "right"
                             else self.area.left + GUTTER + 10 + 18 * slot)
                        slot += 1
                        if all(abs(x - t) >= CONNECTOR_W + 2 for t in taken):
                            break
                    taken.append(x)
                    level = min(k, 3) * 3
                    y = (self.area.band_top + 21 + level if band == "top" else self.area.bottom_band + 12 - level)
                    placed[i] = (x, y)
        return placed

    def _connector_edge(self, band: str) -> float:
        """Where a line meets a connector: the tip of one in the head band, the top of one in the foot band."""
        return self.area.band_top + 3 + CONNECTOR_H if band == "top" else self.area.bottom_band + 15

    # --- drawing ------------------------------------------------------------------------------------------------
    def svg(self) -> str:
        """The page's arrows, bars and connectors as SVG elements."""
        for route in self.routes:
            if route.side:
                route.track = self._track(route.side, route.span)
        slots = self._place_connectors()
        out: list[str] = []
        for p in self.placed.values():
            if len(p.boxes) > 1:
                out.extend(_bars(p))
        for i, route in enumerate(self.routes):
            points = self._points(route, slots.get(i))
            out.append(_polyline(points, route.source, route.target, arrow=route.arrow))
            if route.label:
                out.append(_label(route.label, points[0], route.label_side))
            if route.band:
                x = slots[i][0]
                out.append(_connector(x, route.band, self.area, route.connector))
        return '<g class="arrows">' + "".join(out) + "</g>"

    def _points(self, route: _Route, slot: tuple[float, float] | None) -> list[Point]:
        if not route.band:
            if not route.side:
                start = route.head[-1]
                return _tidy([*route.head, (start[0], route.tail[0][1]), *route.tail]) if route.tail else route.head
            y0 = route.head[-1][1]
            return _tidy([*route.head, (route.track, y0), (route.track, route.tail[0][1]), *route.tail])
        assert slot is not None
        edge = self._connector_edge(route.band)
        x, level = slot
        if route.arriving:
            if route.direct is not None:
                return _tidy([(x, edge), *route.tail])
            return _tidy([(x, edge), (x, level), (route.track, level), (route.track, route.tail[0][1]), *route.tail])
        if route.direct is not None:
            return _tidy([*route.head, (x, edge)])
        y0 = route.head[-1][1]
        return _tidy([*route.head, (route.track, y0), (route.track, level), (x, level), (x, edge)])


def _bars(p: Placement) -> list[str]:
    """A parallel row's split bar with an arrow into each symbol, and its join bar with a line from each."""
    x1, x2 = _bar_span(p)
    port = ports(p)
    join, join_y = f"join:{p.row.nomor}", p.top + p.height - BAR_GAP
    out = []
    if decided_after(p.row):
        join_y = p.boxes[0][1] + p.boxes[0][3] / 2 + 9
        (mx, bottom), top = port.bottom, port.bottom[1] - DIAMOND_H
        out.append(f'<g class="junction junction-decision" data-node="{port.out_node}"><path d="M{mx:g},{top:g} '
                   f'L{port.right[0]:g},{port.right[1]:g} L{mx:g},{bottom:g} L{port.left[0]:g},{port.left[1]:g} z" '
                   f'fill="#ffffff" stroke="{INK}" stroke-width="1.2"/></g>')
        out.append(_polyline([(mx, join_y), (mx, top)], join, port.out_node, arrow=True))
    for node, y in ((port.in_node, port.entry[1]), (join, join_y)):
        out.append(f'<g class="junction" data-node="{node}"><line x1="{x1:g}" y1="{y:g}" x2="{x2:g}" y2="{y:g}" '
                   f'stroke="{INK}" stroke-width="2.5"/></g>')
    for (cx, cy, _, h), step in zip(p.boxes, p.row.step_ids, strict=True):
        out.append(_polyline([(cx, port.entry[1]), (cx, cy - h / 2)], port.in_node, step, arrow=True))
        out.append(_polyline([(cx, cy + h / 2), (cx, join_y)], step, join, arrow=False))
    return out


def _tidy(points: list[Point]) -> list[Point]:
    """The points without repeats and without middle points of straight runs."""
    out: list[Point] = []
    for pt in points:
        if out and abs(out[-1][0] - pt[0]) < 1e-6 and abs(out[-1][1] - pt[1]) < 1e-6:
            continue
        if len(out) >= 2 and ((out[-2][0] == out[-1][0] == pt[0]) or (out[-2][1] == out[-1][1] == pt[1])):
            out[-1] = pt
            continue
        out.append(pt)
    return out


def _polyline(points: list[Point], source: str, target: str, *, arrow: bool) -> str:
    """A line, and its arrowhead drawn as a triangle (WeasyPrint does not turn SVG markers along a line)."""
    path = " ".join(f"{x:g},{y:g}" for x, y in points)
    line = (f'<polyline class="arrow" data-from="{escape(source)}" data-to="{escape(target)}" points="{path}" '
            f'fill="none" stroke="{INK}" stroke-width="1"/>')
    if not arrow or len(points) < 2:
        return line
    (x1, y1), (x2, y2) = points[-2], points[-1]
    length = max(abs(x2 - x1) + abs(y2 - y1), 1e-9)
    ux, uy = (x2 - x1) / length, (y2 - y1) / length  # segments are upright or level
    bx, by = x2 - ux * HEAD_L, y2 - uy * HEAD_L
    return line + (f'<path class="arrowhead" d="M{x2:g},{y2:g} L{bx - uy * HEAD_W:g},{by + ux * HEAD_W:g} '
                   f'L{bx + uy * HEAD_W:g},{by - ux * HEAD_W:g} z" fill="{INK}"/>')


def _label(text: str, start: Point, side: str) -> str:
    """A flow's label beside where it leaves its symbol, in lines of at most LABEL_W (no word is cut off)."""
    lines = wrap(text, LABEL_W, LABEL_SIZE)
    x, y = start
    if side == "bottom":
        x, anchor, first = x + 3, "start", y + 9
    else:  # above the line, its last line just over it
        x, anchor = (x - 2, "end") if side == "left" else (x + 2, "start")
        first = y - 3 - (len(lines) - 1) * (LABEL_SIZE + 1)
    return "".join(f'<text class="flow-label" x="{x:g}" y="{first + i * (LABEL_SIZE + 1):g}" '
                   f'font-size="{LABEL_SIZE:g}" fill="{INK}" text-anchor="{anchor}">{escape(line)}</text>'
                   for i, line in enumerate(lines))


def _connector(x: float, band: str, area: Area, connector: tuple[str, int, str]) -> str:
    """An off-page connector: a pentagon pointing down with the target row's number."""
    node, number, kind = connector
    y = area.band_top + 3 if band == "top" else area.bottom_band + 15
    half, body = CONNECTOR_W / 2, CONNECTOR_H - 6
    return (f'<g class="off-page off-page-{kind}" data-node="{escape(node)}" data-row="{number}">'
            f'<path d="M{x - half:g},{y:g} L{x + half:g},{y:g} L{x + half:g},{y + body:g} L{x:g},{y + CONNECTOR_H:g} '
            f'L{x - half:g},{y + body:g} z" fill="#ffffff" stroke="{INK}" stroke-width="1"/>'
            f'<text x="{x:g}" y="{y + 9:g}" font-size="7.5" font-weight="bold" fill="{INK}" text-anchor="middle">'
            f"{number}</text></g>")
