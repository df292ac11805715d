"""Writes an SOP table as BPMN 2.0 XML: a collaboration with lanes, user tasks with sop's properties, gateways,
events and the swimlane diagram, following the conventions of the hand-drawn definitions (spiffworkflow:property
formJsonSchemaFilename, sla, output, nomor, kelengkapan, check, checkMessage). Byte-stable: no clocks, no
random ids, fixed attribute order.
"""

from __future__ import annotations

from typing import Any

from engine.bpmn.tasks import FORM_PROPERTY, RETURNABLE_PROPERTY, UI_PROPERTY
from engine.common.errors import DefinitionError
from engine.table.sop_graph import Flow, Graph, Node, build_graph
from engine.table.sop_layout import Layout, layout
from engine.table.sop_table import SopTable
from engine.table.table_forms import form_names

NAMESPACES = (
    'xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
    'xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" '
    'xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" '
    'xmlns:di="http://www.omg.org/spec/DD/20100524/DI" '
    'xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"'
)
TAGS = {"start": "startEvent", "end": "endEvent", "task": "userTask", "wait": "intermediateCatchEvent",
        "exclusive": "exclusiveGateway", "parallel": "parallelGateway"}


def _text(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _attr(value: str) -> str:
    return (_text(value).replace('"', "&quot;").replace("\n", "&#10;").replace("\r", "&#13;")
            .replace("\t", "&#9;"))


# The parts of a table document that are its flow; every other key is the SOP AP identity page.
FLOW_PARTS = ("sop", "mulai", "pelaksana", "langkah")
IDENTITY_FORMAT = "text/x-yaml"  # the process's documentation holding the identity page


def table_identity(document: dict[str, Any] | None) -> tuple[dict[str, Any], dict[str, str]]:
    """A table document's identity page (its `sop` block without the id, and its other keys, as written) and its
    lanes' descriptions (pelaksana written as a mapping)."""
    if not isinstance(document, dict):
        return {}, {}
    sop = document.get("sop") if isinstance(document.get("sop"), dict) else {}
    identity: dict[str, Any] = {"sop": {k: v for k, v in sop.items() if k != "id"}} if sop else {}
    identity.update({k: v for k, v in document.items() if k not in FLOW_PARTS})
    lanes = document.get("pelaksana")
    notes = {str(k): str(v) for k, v in lanes.items() if v} if isinstance(lanes, dict) else {}
    return identity, notes


def compile_table(table: SopTable, source: str = "<table>", *, document: dict[str, Any] | None = None) -> str:
    """The BPMN XML text of a table (already checked by read_table), laid out in swimlanes; document (the table
    as read) gives the identity page and the lanes' descriptions to keep in the diagram's documentation."""
    graph = build_graph(table, source)
    return write_bpmn(graph, layout(graph), source, document=document)


def _identity_lines(identity: dict[str, Any]) -> list[str]:
    if not identity:
        return []
    from engine.common.yamlio import dump_yaml

    text = dump_yaml(_plain(identity))
    return [f'    <bpmn:documentation textFormat="{IDENTITY_FORMAT}">{_text(text)}</bpmn:documentation>']


def _plain(value: Any) -> Any:
    """A value read from YAML as plain Python (the reader's ints and floats keep their text in subclasses), its
    dicts' keys in order, without empty values."""
    if isinstance(value, dict):  # keys sorted and empty values left out: the same page gives the same bytes
        return {str(k): _plain(v) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))
                if v not in (None, "", [], {})}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, bool) or value is None:
        return value
    for kind in (int, float, str):
        if isinstance(value, kind):
            return kind(value)
    return str(value)


def write_bpmn(graph: Graph, where: Layout, source: str = "<table>", *, document: dict[str, Any] | None = None) -> str:
    """Serialize a graph and its layout."""
    table = graph.table
    identity, notes = table_identity(document)
    pid = table.process_id
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<bpmn:definitions {NAMESPACES} id="Definitions_{pid}" targetNamespace="http://bpmn.io/schema/bpmn" '
        'exporter="sop compile" exporterVersion="1">',
        f'  <bpmn:collaboration id="Collaboration_{pid}">',
        f'    <bpmn:participant id="Participant_{pid}" name="{_attr(table.dinas or table.nama)}" processRef="{pid}" />',
        "  </bpmn:collaboration>",
        f'  <bpmn:process id="{pid}" name="{_attr(table.nama)}" isExecutable="true">',
        *_identity_lines(identity),
        f'    <bpmn:laneSet id="LaneSet_{pid}">',
    ]
    for index, lane in enumerate(table.lanes, 1):
        lines.append(f'      <bpmn:lane id="Lane_{index}" name="{_attr(lane)}">')
        if notes.get(lane):
            lines.append(f"        <bpmn:documentation>{_text(notes[lane])}</bpmn:documentation>")
        lines.extend(f"        <bpmn:flowNodeRef>{n.id}</bpmn:flowNodeRef>" for n in graph.nodes if n.lane == lane)
        lines.append("      </bpmn:lane>")
    lines.append("    </bpmn:laneSet>")
    for node in graph.nodes:
        lines.extend(_node(node, graph.flows, graph))
    for flow in graph.flows:
        lines.extend(_flow(flow))
    lines.append("  </bpmn:process>")
    lines.extend(_diagram(graph, where))
    lines.append("</bpmn:definitions>")
    _check_ids(graph, source)
    return "\n".join(lines) + "\n"


def _node(node: Node, flows: tuple[Flow, ...], graph: Graph) -> list[str]:
    tag = TAGS[node.kind]
    attrs = f'id="{node.id}"' + (f' name="{_attr(node.name)}"' if node.name else "")
    default = next((f.id for f in flows if f.source == node.id and f.default), None)
    if default:
        attrs += f' default="{default}"'
    out = [f"    <bpmn:{tag} {attrs}>"]
    step = node.step
    if step is not None:
        ui_form = form_names(graph.table.process_id, step.id)[1] if step.isian else None
        props = [("nomor", str(node.nomor)), (FORM_PROPERTY, step.formulir), (UI_PROPERTY, ui_form),
                 ("sla", step.waktu), ("kelengkapan", step.kelengkapan), ("output", step.output),
                 ("keterangan", step.keterangan),
                 ("check", step.periksa.syarat if step.periksa else None),
                 ("checkMessage", step.periksa.pesan if step.periksa else None),
                 (RETURNABLE_PROPERTY, None if step.dapat_dikembalikan else "false")]
        out.append("      <bpmn:extensionElements>")
        out.append("        <spiffworkflow:properties>")
        out.extend(f'          <spiffworkflow:property name="{name}" value="{_attr(value)}" />'
                   for name, value in props if value is not None)
        out.append("        </spiffworkflow:properties>")
        out.append("      </bpmn:extensionElements>")
    out.extend(f"      <bpmn:incoming>{f.id}</bpmn:incoming>" for f in flows if f.target == node.id)
    out.extend(f"      <bpmn:outgoing>{f.id}</bpmn:outgoing>" for f in flows if f.source == node.id)
    if step is not None and step.tunggu is not None:  # a wait: a duration on the working calendar
        out += [f'      <bpmn:timerEventDefinition id="{timer_id(node.id)}">',
                f"        <bpmn:timeDuration>{_text(step.tunggu)}</bpmn:timeDuration>",
                "      </bpmn:timerEventDefinition>"]
    out.append(f"    </bpmn:{tag}>")
    return out


def timer_id(node_id: str) -> str:
    """The id of a wait's timer definition."""
    return f"{node_id}_Waktu"


def _flow(flow: Flow) -> list[str]:
    attrs = f'id="{flow.id}"' + (f' name="{_attr(flow.name)}"' if flow.name else "")
    attrs += f' sourceRef="{flow.source}" targetRef="{flow.target}"'
    if flow.condition is None:
        return [f"    <bpmn:sequenceFlow {attrs} />"]
    return [f"    <bpmn:sequenceFlow {attrs}>",
            f'      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">{_text(flow.condition)}'
            "</bpmn:conditionExpression>",
            "    </bpmn:sequenceFlow>"]


def _bounds(box: tuple[int, int, int, int]) -> str:
    return f'<dc:Bounds x="{box[0]}" y="{box[1]}" width="{box[2]}" height="{box[3]}" />'


def _diagram(graph: Graph, where: Layout) -> list[str]:
    pid = graph.table.process_id
    out = [f'  <bpmndi:BPMNDiagram id="BPMNDiagram_{pid}">',
           f'    <bpmndi:BPMNPlane id="BPMNPlane_{pid}" bpmnElement="Collaboration_{pid}">',
           f'      <bpmndi:BPMNShape id="Participant_{pid}_di" bpmnElement="Participant_{pid}" isHorizontal="true">',
           f"        {_bounds(where.participant)}",
           "      </bpmndi:BPMNShape>"]
    for index, (_, box) in enumerate(where.lanes, 1):
        out += [f'      <bpmndi:BPMNShape id="Lane_{index}_di" bpmnElement="Lane_{index}" isHorizontal="true">',
                f"        {_bounds(box)}", "      </bpmndi:BPMNShape>"]
    for node in graph.nodes:
        marker = ' isMarkerVisible="true"' if node.kind == "exclusive" else ""
        out.append(f'      <bpmndi:BPMNShape id="{node.id}_di" bpmnElement="{node.id}"{marker}>')
        out.append(f"        {_bounds(where.shapes[node.id])}")
        if node.id in where.labels:
            out.append(f"        <bpmndi:BPMNLabel>{_bounds(where.labels[node.id])}</bpmndi:BPMNLabel>")
        out.append("      </bpmndi:BPMNShape>")
    for flow in graph.flows:
        out.append(f'      <bpmndi:BPMNEdge id="{flow.id}_di" bpmnElement="{flow.id}">')
        out.extend(f'        <di:waypoint x="{x}" y="{y}" />' for x, y in where.waypoints[flow.id])
        if flow.id in where.flow_labels:
            out.append(f"        <bpmndi:BPMNLabel>{_bounds(where.flow_labels[flow.id])}</bpmndi:BPMNLabel>")
        out.append("      </bpmndi:BPMNEdge>")
    out += ["    </bpmndi:BPMNPlane>", "  </bpmndi:BPMNDiagram>"]
    return out


def _check_ids(graph: Graph, source: str) -> None:
    pid = graph.table.process_id
    fixed = [f"Definitions_{pid}", f"Collaboration_{pid}", f"Participant_{pid}", f"LaneSet_{pid}", pid,
             f"BPMNDiagram_{pid}", f"BPMNPlane_{pid}", f"Participant_{pid}_di"]
    fixed += [f"Lane_{i}" for i in range(1, len(graph.table.lanes) + 1)]
    fixed += [f"Lane_{i}_di" for i in range(1, len(graph.table.lanes) + 1)]
    elements = [n.id for n in graph.nodes] + [f.id for f in graph.flows]
    elements += [timer_id(n.id) for n in graph.nodes if n.kind == "wait"]
    seen: set[str] = set()
    for element in fixed + elements + [f"{e}_di" for e in elements]:
        if element in seen:
            raise DefinitionError("{source}: id '{element}' would be used twice in the diagram (a step's id "
                                  "collides with a generated one: Lane_N, Definitions_, Participant_, or an id "
                                  "ending _di); rename the step", source=source, element=element)
        seen.add(element)
