"""`sop import`'s lanes: every step in a named lane (its candidate group's, its pool's, or Pelaksana), drawn."""

from __future__ import annotations

from typing import Any

from engine.bpmn.diagram_checks import tag
from engine.bpmn.import_work import (
    DC_NS,
    DEFAULT_LANE,
    DI_NS,
    FLOW_NODES,
    STEPS,
    ImportWork,
    label,
    q,
    readable_id,
    taken_ids,
    unique_id,
)
from engine.common.i18n import N_


def _in_lanes(process: Any) -> set[str]:
    return {(r.text or "").strip() for r in process.iter(q("flowNodeRef"))}


def _pool_name(root: Any, process: Any) -> str:
    for participant in root.iter(q("participant")):
        if participant.get("processRef") == process.get("id") and (participant.get("name") or "").strip():
            return " ".join(str(participant.get("name")).split())
    return DEFAULT_LANE


def put_in_lanes(process: Any, work: ImportWork) -> None:
    """Every step in a named lane: its candidate group's, else one named after its pool (or Pelaksana)."""
    pool = _pool_name(work.root, process)
    for lane in process.iter(q("lane")):
        if not (lane.get("name") or "").strip() and len(lane.findall(q("flowNodeRef"))):
            lane.set("name", pool)
            work.change(lane.get("id", ""), N_("the lane without a name is named '{lane}'", lane=pool))
    placed = _in_lanes(process)
    loose = [c for c in process if isinstance(c.tag, str) and tag(c) in FLOW_NODES and c.get("id") not in placed]
    if not any(tag(c) in STEPS for c in loose):
        return
    by_lane: dict[str, list[Any]] = {}
    for node in loose:
        by_lane.setdefault(work.groups.get(node.get("id", ""), pool), []).append(node)
    for lane_name, nodes in by_lane.items():
        lane = _lane(process, lane_name, work)
        for node in nodes:
            from lxml import etree

            etree.SubElement(lane, q("flowNodeRef")).text = node.get("id")
        steps = ", ".join(label(n) for n in nodes if tag(n) in STEPS)
        if steps:
            work.change(lane.get("id", ""), N_("put in lane '{lane}': {steps}", lane=lane_name, steps=steps))


def _lane(process: Any, name: str, work: ImportWork) -> Any:
    """The process's lane of that name, made (with its shape) when it has none."""
    from lxml import etree

    for lane in process.iter(q("lane")):
        if lane.get("name") == name:
            return lane
    lane_set = process.find(q("laneSet"))
    if lane_set is None:
        lane_set = etree.Element(q("laneSet"), id=unique_id("LaneSet", taken_ids(work.root)))
        before = [i for i, c in enumerate(process) if isinstance(c.tag, str)
                  and tag(c) in ("documentation", "extensionElements", "auditing", "monitoring", "property")]
        process.insert(before[-1] + 1 if before else 0, lane_set)
    lane = etree.SubElement(lane_set, q("lane"), id=unique_id("Lane" + readable_id(name, "Lane"), taken_ids(work.root)),
                            name=name)
    return lane


def add_lane_shapes(root: Any) -> None:
    """A DI shape for each lane that has none: around its nodes' shapes (within the pool's, when drawn)."""
    from lxml import etree

    shapes = {s.get("bpmnElement"): s for s in root.iter(q("BPMNShape", DI_NS))}
    for lane in root.iter(q("lane")):
        if lane.get("id") in shapes:
            continue
        found = [_box(shapes[r.text.strip()]) for r in lane.iter(q("flowNodeRef"))
                 if r.text and r.text.strip() in shapes]
        boxes = [b for b in found if b is not None]
        plane = next(root.iter(q("BPMNPlane", DI_NS)), None)
        if not boxes or plane is None:
            continue
        x0, y0 = min(b[0] for b in boxes) - 40, min(b[1] for b in boxes) - 40
        x1, y1 = max(b[0] + b[2] for b in boxes) + 40, max(b[1] + b[3] for b in boxes) + 40
        pool_shape = _pool_shape(root, lane, shapes)
        pool = _box(pool_shape) if pool_shape is not None else None
        if pool is not None:  # the pool's only lane fills it, beside the pool's name band
            x0, y0, x1, y1 = pool[0] + 30, pool[1], pool[0] + pool[2], pool[1] + pool[3]
        shape = etree.Element(q("BPMNShape", DI_NS), id=f"{lane.get('id')}_di", bpmnElement=lane.get("id"),
                              isHorizontal="true")
        etree.SubElement(shape, q("Bounds", DC_NS), x=f"{x0:g}", y=f"{y0:g}", width=f"{x1 - x0:g}",
                         height=f"{y1 - y0:g}")
        if pool is not None and pool_shape is not None:
            pool_shape.addnext(shape)  # drawn over the pool, under its steps
        else:
            plane.insert(0, shape)


def _pool_shape(root: Any, lane: Any, shapes: dict[str, Any]) -> Any | None:
    """The drawn pool of a process whose only lane this is (None otherwise)."""
    lane_set = lane.getparent()
    process = lane_set.getparent()
    if len(lane_set.findall(q("lane"))) != 1 or tag(process) != "process":
        return None
    for participant in root.iter(q("participant")):
        if participant.get("processRef") == process.get("id") and participant.get("id") in shapes:
            return shapes[participant.get("id")]
    return None


def _box(shape: Any) -> tuple[float, float, float, float] | None:
    bounds = shape.find(q("Bounds", DC_NS))
    try:
        return (float(bounds.get("x")), float(bounds.get("y")), float(bounds.get("width")),
                float(bounds.get("height")))
    except (AttributeError, TypeError, ValueError):
        return None
