"""A BPMN diagram as drawn: shapes and edges from its DI (BPMNShape, BPMNEdge), with each element's kind and name."""

from __future__ import annotations

from typing import NamedTuple
from xml.etree import ElementTree

from engine.bpmn.xml_reading import parse_xml_light
from engine.common.errors import DefinitionError

BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
BPMNDI = "{http://www.omg.org/spec/BPMN/20100524/DI}"
DC = "{http://www.omg.org/spec/DD/20100524/DC}"
DI = "{http://www.omg.org/spec/DD/20100524/DI}"

EVENT_DEFINITIONS = ("timer", "message", "signal", "error", "escalation", "terminate", "conditional", "compensate",
                     "cancel", "link")
EDGE_KINDS = ("sequenceFlow", "messageFlow", "association", "dataInputAssociation", "dataOutputAssociation")


class Box(NamedTuple):
    """A DI bounds rectangle."""

    x: float
    y: float
    w: float
    h: float


class Shape(NamedTuple):
    """A drawn element: kind is the BPMN tag (userTask, exclusiveGateway, lane, participant, ...)."""

    id: str
    kind: str
    name: str
    box: Box
    label: Box | None  # DI label bounds, when the diagram gives usable ones
    event: str | None = None  # timer, message, ... for events with an event definition
    attached_to: str | None = None  # the task a boundary event sits on
    interrupting: bool = True
    horizontal: bool = True
    text: str = ""  # a text annotation's text, its lines kept
    marker: str | None = None  # loop, parallel or sequential (multi-instance), as the activity's marker
    expanded: bool = False  # a sub-process drawn open (its content inside it)


class Edge(NamedTuple):
    """A drawn connection along its waypoints."""

    id: str
    kind: str
    name: str
    source: str
    target: str
    points: tuple[tuple[float, float], ...]
    label: Box | None
    condition: str | None = None
    default: bool = False


class Diagram(NamedTuple):
    """Everything a renderer needs, in drawing order: pools and lanes, then edges, then flow nodes."""

    pools: list[Shape]
    lanes: list[Shape]
    nodes: list[Shape]
    edges: list[Edge]
    box: Box

    def flow_node_ids(self) -> list[str]:
        """The ids of the drawn flow nodes (events, tasks, gateways ...)."""
        return [n.id for n in self.nodes if n.kind not in ("textAnnotation", "dataObjectReference",
                                                             "dataStoreReference")]


def parse_diagram(bpmn_text: str, source: str = "diagram") -> Diagram:
    """Read the first BPMNDiagram of a BPMN text; DefinitionError when the text has no usable DI."""
    root = parse_xml_light(bpmn_text, source)
    semantic = {el.get("id"): el for el in root.iter() if el.get("id") and not el.tag.startswith(BPMNDI)}
    defaults = {el.get("default") for el in root.iter() if el.get("default")}
    plane = root.find(f"{BPMNDI}BPMNDiagram/{BPMNDI}BPMNPlane")
    if plane is None:
        raise DefinitionError("{source}: the diagram has no layout (BPMNDiagram/BPMNPlane); open and save it in a "
                              "BPMN modeler to lay it out", source=source)
    pools: list[Shape] = []
    lanes: list[Shape] = []
    nodes: list[Shape] = []
    edges: list[Edge] = []
    for di in plane:
        ref = di.get("bpmnElement") or ""
        element = semantic.get(ref)
        if element is None:
            continue
        kind = element.tag.rsplit("}", 1)[-1]
        # The modeler keeps a name's line breaks (written &#xA; or &#xD;&#xA;) and draws each as a new line.
        name = "\n".join(" ".join(line.split()) for line in (element.get("name") or "").splitlines()).strip()
        if di.tag == f"{BPMNDI}BPMNShape":
            box = _bounds(di.find(f"{DC}Bounds"))
            if box is None:
                continue
            shape = Shape(ref, kind, name, box, _label(di), _event_kind(element), element.get("attachedToRef"),
                          element.get("cancelActivity", "true") != "false", di.get("isHorizontal", "true") != "false",
                          _annotation_text(element), _marker(element), di.get("isExpanded") == "true")
            (pools if kind == "participant" else lanes if kind == "lane" else nodes).append(shape)
        elif di.tag == f"{BPMNDI}BPMNEdge" and kind in EDGE_KINDS:
            points = tuple((float(p.get("x", 0)), float(p.get("y", 0))) for p in di.findall(f"{DI}waypoint"))
            if len(points) < 2:
                continue
            condition = element.find(f"{BPMN}conditionExpression")
            edges.append(Edge(ref, kind, name, element.get("sourceRef") or "", element.get("targetRef") or "",
                              points, _label(di), " ".join((condition.text or "").split()) if condition is not None
                              else None, ref in defaults))
    # Open sub-processes are drawn first, the outer before the inner (their content over them), and boundary events
    # after the task they sit on.
    nodes.sort(key=lambda n: (0, -n.box.w * n.box.h) if n.expanded else (2, 0) if n.kind == "boundaryEvent" else (1, 0))
    return Diagram(pools, lanes, nodes, edges, _extent(pools + lanes + nodes, edges))


def _bounds(el: ElementTree.Element | None) -> Box | None:
    if el is None:
        return None
    try:
        box = Box(*(float(el.get(k, "")) for k in ("x", "y", "width", "height")))
    except ValueError:
        return None
    return box if box.w >= 0 and box.h >= 0 else None


def _label(di: ElementTree.Element) -> Box | None:
    """Label bounds, ignoring an empty BPMNLabel or a zero-sized one at the origin (modelers write both); a
    zero-sized one elsewhere places the label as in bpmn-js (its top centre)."""
    box = _bounds(di.find(f"{BPMNDI}BPMNLabel/{DC}Bounds"))
    if box is None or ((box.w == 0 or box.h == 0) and box.x == box.y == 0):
        return None
    return box


def _annotation_text(element: ElementTree.Element) -> str:
    """A text annotation's text (its line breaks kept, each line's spaces collapsed); empty for other elements."""
    text = element.find(f"{BPMN}text")
    if text is None or not text.text:
        return ""
    return "\n".join(" ".join(line.split()) for line in text.text.strip().splitlines())


def _marker(element: ElementTree.Element) -> str | None:
    """The activity marker BPMN 2.0 draws at the bottom of the shape: loop, parallel or sequential multi-instance."""
    if element.find(f"{BPMN}standardLoopCharacteristics") is not None:
        return "loop"
    multi = element.find(f"{BPMN}multiInstanceLoopCharacteristics")
    if multi is None:
        return None
    return "sequential" if multi.get("isSequential", "false").strip() == "true" else "parallel"


def _event_kind(element: ElementTree.Element) -> str | None:
    for child in element:
        tag = child.tag.rsplit("}", 1)[-1]
        if tag.endswith("EventDefinition"):
            kind = tag[: -len("EventDefinition")]
            return kind if kind in EVENT_DEFINITIONS else None
    return None


def _extent(shapes: list[Shape], edges: list[Edge]) -> Box:
    xs: list[float] = []
    ys: list[float] = []
    for s in shapes:
        for b in (s.box, s.label):
            if b is not None:
                xs += [b.x, b.x + b.w]
                ys += [b.y, b.y + b.h]
    for e in edges:
        xs += [p[0] for p in e.points]
        ys += [p[1] for p in e.points]
    if not xs:
        return Box(0, 0, 100, 100)
    return Box(min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys))
