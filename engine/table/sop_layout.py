"""Swimlane layout of an SOP flow graph: columns by rank, rows by lane, orthogonal edges that avoid every shape.

Columns are ranks (the longest path from the start once the loops a depth-first search finds are set aside as
back edges). Each lane is a band of tracks (a second node of one lane in one column goes on the next track)
with a channel band below them. An edge leaves a node on its right side and enters the next on its left side:
straight along a track when the cells between are empty, else with one vertical segment in a gap between
columns, else (loop-backs and long jumps) down into its source lane's channel, along it, and up or down to the
target. Gaps hold no shapes and channels are allotted so no two edges share one stretch, so no edge crosses a
shape. Every size is fixed and every choice ordered, so the same graph always gives the same coordinates.
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.table.sop_graph import Graph, Node

SIZES = {"task": (100, 80), "exclusive": (50, 50), "parallel": (50, 50), "start": (36, 36), "end": (36, 36)}
COLUMN = 100
TRACK = 120
SLOT = 12  # distance between parallel vertical segments in a gap, and between channel tracks
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
    lanes = list(graph.table.lanes)
    lane_of = {n.id: lanes.index(n.lane) for n in graph.nodes}
    rank, back = _ranks(graph)
    columns = max(rank.values()) + 1
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

    verticals: list[_Vertical] = []
    routes: dict[int, tuple[str, int, int]] = {}  # edge -> (kind, gap or channel lane, channel track)
    runs: dict[tuple[int, int], list[tuple[int, int, str | None, str | None]]] = {}
    channels: dict[int, list[tuple[int, int, int]]] = {}  # lane -> (first gap, last gap, channel track)

    def free(ln: tuple[int, int], first: int, last: int) -> bool:
        return all((ln[0], ln[1], c) not in cells for c in range(first, last + 1))

    def fits(ln: tuple[int, int], piece: tuple[int, int, str | None, str | None]) -> bool:
        for start, end, left, right in runs.get(ln, []):
            if start < piece[1] and piece[0] < end and not (
                    (left and left == piece[2]) or (right and right == piece[3])):
                return False
        return True

    def occupy(ln: tuple[int, int], piece: tuple[int, int, str | None, str | None]) -> None:
        runs.setdefault(ln, []).append(piece)

    flows = graph.flows
    order = sorted(range(len(flows)), key=lambda i: (i in back, abs(rank[flows[i].target] - rank[flows[i].source]), i))
    for i in order:
        u, v = flows[i].source, flows[i].target
        cu, cv, lu, lv = rank[u], rank[v], line[u], line[v]
        if i not in back and cv > cu:
            straight = (2 * cu + 1, 2 * cv + 1, u, v)
            if lu == lv and free(lu, cu + 1, cv - 1) and fits(lu, straight):
                occupy(lu, straight)
                routes[i] = ("straight", 0, 0)
                continue
            chosen = None
            for gap in range(cu + 1, cv + 1):
                out_piece, in_piece = (2 * cu + 1, 2 * gap, u, None), (2 * gap, 2 * cv + 1, None, v)
                if (free(lu, cu + 1, gap - 1) and free(lv, gap, cv - 1) and fits(lu, out_piece)
                        and fits(lv, in_piece)):
                    chosen = gap
                    occupy(lu, out_piece)
                    occupy(lv, in_piece)
                    break
            if chosen is not None:
                routes[i] = ("bend", chosen, 0)
                verticals.append(_Vertical(i, chosen, lu, lv))
                continue
        occupy(lu, (2 * cu + 1, 2 * cu + 2, u, None))
        occupy(lv, (2 * cv, 2 * cv + 1, None, v))
        span = (min(cu + 1, cv), max(cu + 1, cv))
        used = channels.setdefault(lu[0], [])
        k = 0
        while any(s <= span[1] and span[0] <= e for s, e, kk in used if kk == k):
            k += 1
        used.append((span[0], span[1], k))
        routes[i] = ("channel", lu[0], k)
        verticals.append(_Vertical(i, cu + 1, lu, None))
        verticals.append(_Vertical(i, cv, None, lv))

    # gap widths: room for the verticals in it (and the labels after a decision)
    by_gap: dict[int, list[_Vertical]] = {}
    for vert in verticals:
        by_gap.setdefault(vert.gap, []).append(vert)
    decision_cols = {rank[n.id] for n in graph.nodes if n.kind == "exclusive" and _is_decision(graph, n)}
    gap_w = []
    for g in range(columns + 1):
        width = max(GAP, 2 * SLOT + SLOT * len(by_gap.get(g, [])))
        if g - 1 in decision_cols:
            width = max(width, DECISION_GAP + SLOT * len(by_gap.get(g, [])))
        gap_w.append(width)
    x0 = ORIGIN[0] + 2 * HEADER
    gap_x, col_x = [], []
    x = x0
    for g in range(columns + 1):
        gap_x.append(x)
        x += gap_w[g]
        if g < columns:
            col_x.append(x)
            x += COLUMN
    width = x - (ORIGIN[0] + HEADER)

    lane_boxes = []
    lane_top = []
    channel_count = {lane: 1 + max(k for _, _, k in used) for lane, used in channels.items()}
    y = ORIGIN[1]
    for index, name in enumerate(lanes):
        height = 2 * LANE_PAD + tracks[index] * TRACK + SLOT * (channel_count.get(index, 0) + 1)
        lane_top.append(y)
        lane_boxes.append((name, (ORIGIN[0] + HEADER, y, width, height)))
        y += height
    participant = (ORIGIN[0], ORIGIN[1], width + HEADER, y - ORIGIN[1])

    def line_y(ln: tuple[int, int]) -> int:
        return lane_top[ln[0]] + LANE_PAD + ln[1] * TRACK + TRACK // 2

    def channel_y(lane: int, k: int) -> int:
        return lane_top[lane] + LANE_PAD + tracks[lane] * TRACK + SLOT * (k + 1)

    shapes: dict[str, Box] = {}
    labels: dict[str, Box] = {}
    for node in graph.nodes:
        w, h = SIZES[node.kind]
        cx, cy = col_x[rank[node.id]] + COLUMN // 2, line_y(line[node.id])
        shapes[node.id] = (cx - w // 2, cy - h // 2, w, h)
        if node.kind != "task" and node.name:
            labels[node.id] = (cx - 50, cy + h // 2 + 5, 100, 27)

    for g, items in by_gap.items():
        ordered = _slot_order(items)
        first = gap_x[g] + (gap_w[g] - SLOT * (len(ordered) - 1)) // 2
        if g - 1 in decision_cols:
            first = gap_x[g] + gap_w[g] - SLOT * len(ordered)
        for n, vert in enumerate(ordered):
            vert.x = first + SLOT * n
    vx: dict[tuple[int, int], int] = {(v.edge, v.gap): v.x for v in verticals}

    waypoints: dict[str, tuple[Point, ...]] = {}
    flow_labels: dict[str, Box] = {}
    for i, flow in enumerate(flows):
        su, sv = shapes[flow.source], shapes[flow.target]
        start: Point = (su[0] + su[2], su[1] + su[3] // 2)
        end: Point = (sv[0], sv[1] + sv[3] // 2)
        kind, a, k = routes[i]
        if kind == "straight":
            points: tuple[Point, ...] = (start, end)
        elif kind == "bend":
            x = vx[(i, a)]
            points = (start, (x, start[1]), (x, end[1]), end)
        else:
            x1, x2, yc = vx[(i, rank[flow.source] + 1)], vx[(i, rank[flow.target])], channel_y(a, k)
            points = (start, (x1, start[1]), (x1, yc), (x2, yc), (x2, end[1]), end)
        waypoints[flow.id] = points
    for node in graph.nodes:  # a decision's labels: the flow turning up (or the ya flow) above, the other below
        named = [f for f in flows if f.source == node.id and f.name]
        turns = sorted(named, key=lambda f: (waypoints[f.id][2][1] - waypoints[f.id][0][1]
                                            if len(waypoints[f.id]) > 2 else 0, f.condition is None))
        for n, flow in enumerate(turns):
            x, y = waypoints[flow.id][0]
            flow_labels[flow.id] = (x + 4, y - 18 if n == 0 else y + 4, 90, 14)
    return Layout(participant, tuple(lane_boxes), shapes, labels, waypoints, flow_labels)


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
