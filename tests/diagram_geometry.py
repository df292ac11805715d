"""Reads a diagram's DI back and checks what a person opening it would see: shapes apart, edges clear of them."""

from __future__ import annotations

import itertools

from lxml import etree

NS = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL", "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
      "dc": "http://www.omg.org/spec/DD/20100524/DC", "di": "http://www.omg.org/spec/DD/20100524/DI"}
Box = tuple[float, float, float, float]


def read_di(text: str) -> tuple[dict[str, Box], dict[str, Box], dict[str, list[tuple[float, float]]], dict[str, str]]:
    """Flow-node shapes, lane shapes, edge waypoints and each node's lane name."""
    root = etree.fromstring(text.encode())
    lanes = {lane.get("id"): lane.get("name") for lane in root.iterfind(".//bpmn:lane", NS)}
    lane_of = {ref.text: lane.get("name") for lane in root.iterfind(".//bpmn:lane", NS)
               for ref in lane.iterfind("bpmn:flowNodeRef", NS)}
    shapes, lane_boxes = {}, {}
    for shape in root.iterfind(".//bpmndi:BPMNShape", NS):
        b = shape.find("dc:Bounds", NS)
        box = (float(b.get("x")), float(b.get("y")), float(b.get("width")), float(b.get("height")))
        element = shape.get("bpmnElement")
        if element in lanes:
            lane_boxes[lanes[element]] = box
        elif element in lane_of:
            shapes[element] = box
    edges = {e.get("bpmnElement"): [(float(p.get("x")), float(p.get("y"))) for p in e.iterfind("di:waypoint", NS)]
             for e in root.iterfind(".//bpmndi:BPMNEdge", NS)}
    return shapes, lane_boxes, edges, lane_of


def overlapping_shapes(shapes: dict[str, Box]) -> list[tuple[str, str]]:
    """Pairs of shapes whose areas intersect."""
    items = sorted(shapes.items())
    found = []
    for i, (a, (ax, ay, aw, ah)) in enumerate(items):
        for b, (bx, by, bw, bh) in items[i + 1:]:
            if ax < bx + bw and bx < ax + aw and ay < by + bh and by < ay + ah:
                found.append((a, b))
    return found


def edges_through_shapes(shapes: dict[str, Box], edges: dict[str, list[tuple[float, float]]]) -> list[str]:
    """Edges with a slanted segment or a segment crossing the inside of any shape (their own ends included)."""
    found = []
    for edge, points in edges.items():
        for (x1, y1), (x2, y2) in itertools.pairwise(points):
            if x1 != x2 and y1 != y2:
                found.append(f"{edge}: slanted segment {(x1, y1)}-{(x2, y2)}")
                continue
            lo_x, hi_x, lo_y, hi_y = min(x1, x2), max(x1, x2), min(y1, y2), max(y1, y2)
            for shape, (x, y, w, h) in shapes.items():
                if lo_x < x + w and hi_x > x and lo_y < y + h and hi_y > y:
                    found.append(f"{edge} crosses {shape}")
    return found


def shapes_outside_lanes(shapes: dict[str, Box], lanes: dict[str, Box], lane_of: dict[str, str]) -> list[str]:
    """Shapes not drawn inside the lane they belong to."""
    out = []
    for element, (x, y, w, h) in shapes.items():
        lx, ly, lw, lh = lanes[lane_of[element]]
        if not (lx <= x and x + w <= lx + lw and ly <= y and y + h <= ly + lh):
            out.append(element)
    return out


def flow_ends(text: str) -> dict[str, tuple[str, str]]:
    """Each sequence flow's source and target."""
    root = etree.fromstring(text.encode())
    return {f.get("id"): (f.get("sourceRef"), f.get("targetRef")) for f in root.iterfind(".//bpmn:sequenceFlow", NS)}


def shared_segments(edges: dict[str, list[tuple[float, float]]], ends: dict[str, tuple[str, str]],
                    splits: set[str] = frozenset()) -> list[str]:  # type: ignore[assignment]
    """Pairs of edges running along one stretch (collinear segments overlapping by more than a point), except
    flows into the same node (they meet at their target, as in any modeler), flows out of a split in `splits`, and
    two flows that swap between the same two track lines (one up, one down: across one gap, each with a single
    vertical, one of them must run along the other's line for a while)."""
    found = []
    items = sorted(edges.items())
    for i, (a, pa) in enumerate(items):
        for b, pb in items[i + 1:]:
            (sa, ta), (sb, tb) = ends.get(a, ("", a)), ends.get(b, ("", b))
            swap = pa[0][1] == pb[-1][1] != pa[-1][1] == pb[0][1]
            if ta == tb or (sa == sb and sa in splits) or swap:
                continue
            for (x1, y1), (x2, y2) in itertools.pairwise(pa):
                for (u1, v1), (u2, v2) in itertools.pairwise(pb):
                    if x1 == x2 == u1 == u2 and min(max(y1, y2), max(v1, v2)) > max(min(y1, y2), min(v1, v2)):
                        found.append(f"{a} and {b} share x={x1}")
                    elif y1 == y2 == v1 == v2 and min(max(x1, x2), max(u1, u2)) > max(min(x1, x2), min(u1, u2)):
                        found.append(f"{a} and {b} share y={y1}")
    return found
