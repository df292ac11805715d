"""Swimlane layout of an SOP flow graph: columns by rank, rows by lane, orthogonal edges that avoid every shape.

Columns are ranks (the longest path from the start once the loops a depth-first search finds are set aside as
back edges). Each lane is a band of tracks (a second node of one lane in one column goes on the next track)
with a channel band below them. An edge leaves a node on its right side and enters the next on its left side:
straight along a track when the cells between are empty, else with one vertical segment in a gap between
columns, else (loop-backs and long jumps) down into its source lane's channel, along it, and up or down to the
target. A gateway's second way out leaves from its bottom corner (or its top one, when it heads up) and turns
right at once, so a decision's two flows never share a stretch; its name then goes above it. Gaps hold no
shapes and channels are allotted so no two edges share one stretch, so no edge crosses a shape. Every size is
fixed and every choice ordered, so the same graph always gives the same coordinates.
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.table.sop_graph import Graph, Node

SIZES = {"task": (100, 80), "wait": (36, 36), "exclusive": (50, 50), "parallel": (50, 50), "start": (36, 36),
         "end": (36, 36)}
COLUMN = 100
TRACK = 120
SLOT = 12  # distance between parallel vertical segments in a gap, and between channel tracks; a corner exit's stub
GAP = 60
DECISION_GAP = 110  # room for the ya/tidak labels right of a decision
LANE_PAD = 10
HEADER = 30  # the participant's and each lane's name strip
ORIGIN = (100, 60)

Box = tuple[int, int, int, int]
Point = tuple[int, int]


@dataclass(frozen=True)
class Layout:
    """Where everything goes: bounds of the participant, lanes, shapes and labels, and each flow's waypoints."""

    participant: Box
    lanes: tuple[tuple[str, Box], ...]
    shapes: dict[str, Box]
    labels: dict[str, Box]
    waypoints: dict[str, tuple[Point, ...]]
    flow_labels: dict[str, Box]


@dataclass
class _Vertical:
    edge: int
    gap: int
    left_line: tuple[int, int] | None  # the track line joined by a piece going left from the vertical
    right_line: tuple[int, int] | None  # the track line joined by a piece going right
    x: int = 0


def _ranks(graph: Graph) -> tuple[dict[str, int], set[int]]:
    """Rank of each node (longest path over forward edges) and the indexes of the back edges."""
    out: dict[str, list[int]] = {n.id: [] for n in graph.nodes}
    for i, flow in enumerate(graph.flows):
        out[flow.source].append(i)
    start = graph.nodes[0].id
    state: dict[str, int] = {start: 1}
    back: set[int] = set()
    order: list[str] = []
    stack = [(start, iter(out[start]))]
    while stack:
        node, pending = stack[-1]
        flow_index = next(pending, None)
        if flow_index is None:
            state[node] = 2
            order.append(node)
            stack.pop()
            continue
        target = graph.flows[flow_index].target
        if state.get(target) == 1:
            back.add(flow_index)
        elif target not in state:
            state[target] = 1
            stack.append((target, iter(out[target])))
    rank = {n.id: 0 for n in graph.nodes}
    for node in reversed(order):  # reverse postorder is a topological order of the forward edges
        for i in out[node]:
            if i not in back:
                target = graph.flows[i].target
                rank[target] = max(rank[target], rank[node] + 1)
    return rank, back


def layout(graph: Graph) -> Layout:
    """Lay the graph out in swimlanes (see the module docstring)."""
    grid = _place(graph)
    routing = _Routing(grid)
    routing.route_all(graph)
    columns = _column_positions(graph, grid, routing.verticals)
    lane_boxes, lane_top, participant = _lane_bands(grid, routing.channels, columns.width)
    bands = _Bands(grid, lane_top)
    sides = _exit_sides(graph, grid, routing)
    below = {graph.flows[i].source for i, side in sides.items() if side == "bottom"}
    shapes, labels = _shapes(graph, grid, columns, bands, below)
    _slot_verticals(columns)
    waypoints = _waypoints(graph, grid, routing, shapes, bands, sides=sides)
    return Layout(participant, tuple(lane_boxes), shapes, labels, waypoints, _flow_labels(graph, waypoints))


@dataclass
class _Grid:
    """Where each node sits: its column (rank), its line (lane, track), and the cells taken."""

    lanes: list[str]
    rank: dict[str, int]
    back: set[int]
    line: dict[str, tuple[int, int]]
    cells: dict[tuple[int, int, int], str]
    tracks: list[int]

    @property
    def columns(self) -> int:
        """How many columns the ranks need."""
        return max(self.rank.values()) + 1


def _place(graph: Graph) -> _Grid:
    """Rank each node into a column and put it on the first free track of its lane in that column."""
    lanes = list(graph.table.lanes)
    lane_of = {n.id: lanes.index(n.lane) for n in graph.nodes}
    rank, back = _ranks(graph)
    track: dict[str, int] = {}
    cells: dict[tuple[int, int, int], str] = {}
    tracks = [1] * len(lanes)
    for node in graph.nodes:
        lane, col = lane_of[node.id], rank[node.id]
        t = 0
        while (lane, t, col) in cells:
            t += 1
        track[node.id] = t
        cells[(lane, t, col)] = node.id
        tracks[lane] = max(tracks[lane], t + 1)
    line = {n.id: (lane_of[n.id], track[n.id]) for n in graph.nodes}
    return _Grid(lanes, rank, back, line, cells, tracks)


Piece = tuple[int, int, str | None, str | None]  # a stretch of a track line: from, to, the node it leaves, enters


class _Routing:
    """Each edge's route (straight, one bend in a gap, or through a channel), with no two sharing a stretch."""

    def __init__(self, grid: _Grid) -> None:
        self.grid = grid
        self.verticals: list[_Vertical] = []
        self.routes: dict[int, tuple[str, int, int]] = {}  # edge -> (kind, gap or channel lane, channel track)
        self.runs: dict[tuple[int, int], list[Piece]] = {}
        self.channels: dict[int, list[tuple[int, int, int]]] = {}  # lane -> (first gap, last gap, channel track)

    def free(self, ln: tuple[int, int], first: int, last: int) -> bool:
        """No shape on the line in these columns."""
        return all((ln[0], ln[1], c) not in self.grid.cells for c in range(first, last + 1))

    def fits(self, ln: tuple[int, int], piece: Piece) -> bool:
        """The piece overlaps no other on the line, except one leaving or entering the same node."""
        for start, end, left, right in self.runs.get(ln, []):
            if start < piece[1] and piece[0] < end and not (
                    (left and left == piece[2]) or (right and right == piece[3])):
                return False
        return True

    def crosses_back(self, gap: int, lu: tuple[int, int], lv: tuple[int, int]) -> bool:
        """A vertical in the gap already goes the other way between the two lines (they would share a stretch)."""
        return lu != lv and any(v.gap == gap and v.left_line == lv and v.right_line == lu for v in self.verticals)

    def occupy(self, ln: tuple[int, int], piece: Piece) -> None:
        """Take the stretch of the line."""
        self.runs.setdefault(ln, []).append(piece)

    def route_all(self, graph: Graph) -> None:
        """Route forward edges by length first, back edges last, so short edges get the straight lines."""
        rank, back, flows = self.grid.rank, self.grid.back, graph.flows
        order = sorted(range(len(flows)),
                       key=lambda i: (i in back, abs(rank[flows[i].target] - rank[flows[i].source]), i))
        for i in order:
            u, v = flows[i].source, flows[i].target
            if not (i not in back and rank[v] > rank[u] and self._forward(i, u, v)):
                self._channel(i, u, v)

    def _forward(self, i: int, u: str, v: str) -> bool:
        """Straight along one line, else one vertical in the first gap that fits; False when neither does."""
        cu, cv, lu, lv = self.grid.rank[u], self.grid.rank[v], self.grid.line[u], self.grid.line[v]
        straight = (2 * cu + 1, 2 * cv + 1, u, v)
        if lu == lv and self.free(lu, cu + 1, cv - 1) and self.fits(lu, straight):
            self.occupy(lu, straight)
            self.routes[i] = ("straight", 0, 0)
            return True
        for gap in range(cu + 1, cv + 1):
            out_piece, in_piece = (2 * cu + 1, 2 * gap, u, None), (2 * gap, 2 * cv + 1, None, v)
            if (self.free(lu, cu + 1, gap - 1) and self.free(lv, gap, cv - 1) and self.fits(lu, out_piece)
                    and self.fits(lv, in_piece) and not self.crosses_back(gap, lu, lv)):
                self.occupy(lu, out_piece)
                self.occupy(lv, in_piece)
                self.routes[i] = ("bend", gap, 0)
                self.verticals.append(_Vertical(i, gap, lu, lv))
                return True
        return False

    def _channel(self, i: int, u: str, v: str) -> None:
        """Down into the source lane's channel, along the first free channel track, and to the target."""
        cu, cv, lu, lv = self.grid.rank[u], self.grid.rank[v], self.grid.line[u], self.grid.line[v]
        self.occupy(lu, (2 * cu + 1, 2 * cu + 2, u, None))
        self.occupy(lv, (2 * cv, 2 * cv + 1, None, v))
        span = (min(cu + 1, cv), max(cu + 1, cv))
        used = self.channels.setdefault(lu[0], [])
        k = 0
        while any(s <= span[1] and span[0] <= e for s, e, kk in used if kk == k):
            k += 1
        used.append((span[0], span[1], k))
        self.routes[i] = ("channel", lu[0], k)
        self.verticals.append(_Vertical(i, cu + 1, lu, None))
        self.verticals.append(_Vertical(i, cv, None, lv))


@dataclass
class _Columns:
    """The x of each gap and column, each gap's width and verticals, and the decisions' columns."""

    gap_x: list[int]
    gap_w: list[int]
    col_x: list[int]
    width: int
    by_gap: dict[int, list[_Vertical]]
    decision_cols: set[int]


def _column_positions(graph: Graph, grid: _Grid, verticals: list[_Vertical]) -> _Columns:
    """Gap widths (room for the verticals in it, and the labels after a decision), then every x."""
    by_gap: dict[int, list[_Vertical]] = {}
    for vert in verticals:
        by_gap.setdefault(vert.gap, []).append(vert)
    decision_cols = {grid.rank[n.id] for n in graph.nodes if n.kind == "exclusive" and _is_decision(graph, n)}
    gap_w = []
    for g in range(grid.columns + 1):
        width = max(GAP, 2 * SLOT + SLOT * len(by_gap.get(g, [])))
        if g - 1 in decision_cols:
            width = max(width, DECISION_GAP + SLOT * len(by_gap.get(g, [])))
        gap_w.append(width)
    gap_x, col_x = [], []
    x = ORIGIN[0] + 2 * HEADER
    for g in range(grid.columns + 1):
        gap_x.append(x)
        x += gap_w[g]
        if g < grid.columns:
            col_x.append(x)
            x += COLUMN
    return _Columns(gap_x, gap_w, col_x, x - (ORIGIN[0] + HEADER), by_gap, decision_cols)


def _lane_bands(grid: _Grid, channels: dict[int, list[tuple[int, int, int]]],
                width: int) -> tuple[list[tuple[str, Box]], list[int], Box]:
    """Each lane's box (its tracks and its channel band), the top of each, and the participant around them."""
    lane_boxes, lane_top = [], []
    channel_count = {lane: 1 + max(k for _, _, k in used) for lane, used in channels.items()}
    y = ORIGIN[1]
    for index, name in enumerate(grid.lanes):
        height = 2 * LANE_PAD + grid.tracks[index] * TRACK + SLOT * (channel_count.get(index, 0) + 1)
        lane_top.append(y)
        lane_boxes.append((name, (ORIGIN[0] + HEADER, y, width, height)))
        y += height
    return lane_boxes, lane_top, (ORIGIN[0], ORIGIN[1], width + HEADER, y - ORIGIN[1])


@dataclass(frozen=True)
class _Bands:
    """The y of track lines and channel tracks, once the lanes are placed."""

    grid: _Grid
    lane_top: list[int]

    def line_y(self, ln: tuple[int, int]) -> int:
        """The y of a track line (lane, track)."""
        return self.lane_top[ln[0]] + LANE_PAD + ln[1] * TRACK + TRACK // 2

    def channel_y(self, lane: int, k: int) -> int:
        """The y of a lane's k-th channel track."""
        return self.lane_top[lane] + LANE_PAD + self.grid.tracks[lane] * TRACK + SLOT * (k + 1)


def _exit_sides(graph: Graph, grid: _Grid, routing: _Routing) -> dict[int, str]:
    """Which side each gateway's flows leave from: one (a straight one if any) on the right; of the others, the
    first heading down from the bottom corner and the first heading up from the top one; any more on the right."""
    sides: dict[int, str] = {}
    kinds = {n.id: n.kind for n in graph.nodes}
    for source in dict.fromkeys(f.source for f in graph.flows):
        flows = [i for i, f in enumerate(graph.flows) if f.source == source]
        if kinds[source] not in ("exclusive", "parallel") or len(flows) < 2:
            continue
        keep = next((i for i in flows if routing.routes[i][0] == "straight"), flows[0])
        used: set[str] = set()
        for i in flows:
            up = routing.routes[i][0] == "bend" and grid.line[graph.flows[i].target] < grid.line[source]
            side = "top" if up else "bottom"
            if i != keep and side not in used:
                used.add(side)
                sides[i] = side
    for vert in routing.verticals:  # a corner exit reaches its first vertical along its stub, not its track line
        if vert.edge in sides and vert.gap == grid.rank[graph.flows[vert.edge].source] + 1:
            vert.left_line = None
    return sides


def _shapes(graph: Graph, grid: _Grid, columns: _Columns, bands: _Bands, label_above: set[str]
            ) -> tuple[dict[str, Box], dict[str, Box]]:
    """Each node's box, centred in its cell, and the name label under each event and gateway (above a gateway
    whose bottom corner a flow leaves from)."""
    shapes: dict[str, Box] = {}
    labels: dict[str, Box] = {}
    for node in graph.nodes:
        w, h = SIZES[node.kind]
        cx, cy = columns.col_x[grid.rank[node.id]] + COLUMN // 2, bands.line_y(grid.line[node.id])
        shapes[node.id] = (cx - w // 2, cy - h // 2, w, h)
        if node.kind != "task" and node.name:
            labels[node.id] = (cx - 50, cy - h // 2 - 32 if node.id in label_above else cy + h // 2 + 5, 100, 27)
    return shapes, labels


def _slot_verticals(columns: _Columns) -> None:
    """The x of each vertical: centred in its gap, or at the right after a decision to leave its labels room."""
    for g, items in columns.by_gap.items():
        ordered = _slot_order(items)
        first = columns.gap_x[g] + (columns.gap_w[g] - SLOT * (len(ordered) - 1)) // 2
        if g - 1 in columns.decision_cols:
            first = columns.gap_x[g] + columns.gap_w[g] - SLOT * len(ordered)
        for n, vert in enumerate(ordered):
            vert.x = first + SLOT * n


def _waypoints(graph: Graph, grid: _Grid, routing: _Routing, shapes: dict[str, Box], bands: _Bands,
               *, sides: dict[int, str]) -> dict[str, tuple[Point, ...]]:
    """Each flow's points, from the right side (or a corner) of its source to the left side of its target."""
    vx: dict[int, list[int]] = {}  # each edge's verticals' x in order (a channel's two may share a gap)
    for vert in routing.verticals:
        vx.setdefault(vert.edge, []).append(vert.x)
    waypoints: dict[str, tuple[Point, ...]] = {}
    for i, flow in enumerate(graph.flows):
        su, sv = shapes[flow.source], shapes[flow.target]
        start: Point = (su[0] + su[2], su[1] + su[3] // 2)
        lead: tuple[Point, ...] = (start,)
        if i in sides:  # from the corner, a short stub out, then right along the stub's line
            corner_y = su[1] + su[3] if sides[i] == "bottom" else su[1]
            stub_y = corner_y + SLOT if sides[i] == "bottom" else corner_y - SLOT
            start = (su[0] + su[2] // 2, stub_y)
            lead = ((start[0], corner_y), start)
        end: Point = (sv[0], sv[1] + sv[3] // 2)
        kind, a, k = routing.routes[i]
        if kind == "straight":
            points: tuple[Point, ...] = (*lead, end)
        elif kind == "bend":
            x = vx[i][0]
            points = (*lead, (x, start[1]), (x, end[1]), end)
        else:
            x1, x2 = vx[i][0], vx[i][-1]
            yc = bands.channel_y(a, k)
            points = (*lead, (x1, start[1]), (x1, yc), (x2, yc), (x2, end[1]), end)
        waypoints[flow.id] = points
    return waypoints


def _flow_labels(graph: Graph, waypoints: dict[str, tuple[Point, ...]]) -> dict[str, Box]:
    """A decision's labels: the flow turning up (or the ya flow) above its first stretch, the other below."""
    flow_labels: dict[str, Box] = {}
    for node in graph.nodes:
        named = [f for f in graph.flows if f.source == node.id and f.name]
        turns = sorted(named, key=lambda f: (waypoints[f.id][2][1] - waypoints[f.id][0][1]
                                            if len(waypoints[f.id]) > 2 else 0, f.condition is None))
        for n, flow in enumerate(turns):
            (x, y), (x2, y2) = waypoints[flow.id][:2]
            if x2 == x and y2 != y:  # a corner exit: beside its stub, on the side away from the stub's turn
                flow_labels[flow.id] = (x + 4, y2 + 2 if y2 > y else y2 - 16, 90, 14)
            else:
                flow_labels[flow.id] = (x + 4, y - 18 if n == 0 else y + 4, 90, 14)
    return flow_labels


def _is_decision(graph: Graph, node: Node) -> bool:
    return any(f.condition for f in graph.flows if f.source == node.id)


def _slot_order(items: list[_Vertical]) -> list[_Vertical]:
    """Order a gap's verticals so that, on every track line, pieces going left sit left of pieces going right."""
    before: dict[int, set[int]] = {n: set() for n in range(len(items))}
    for a, va in enumerate(items):
        for b, vb in enumerate(items):
            if a != b and va.left_line is not None and va.left_line == vb.right_line:
                before[b].add(a)  # a must come before b
    kind = [(0 if v.right_line is None else 2 if v.left_line is None else 1) for v in items]
    remaining = set(range(len(items)))
    result = []
    while remaining:
        ready = [n for n in remaining if not (before[n] & remaining)] or list(remaining)
        pick = min(ready, key=lambda n: (kind[n], items[n].edge))
        result.append(items[pick])
        remaining.remove(pick)
    return result
