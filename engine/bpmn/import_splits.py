"""`sop import`'s implicit splits: a step or event with several outgoing flows starts each (no conditions) or those
whose condition holds (conditional flows, a default): SpiffWorkflow parses neither, so a gateway is drawn after it
(parallel; exclusive for one condition and a default; inclusive otherwise) and the conditions move onto it."""

from __future__ import annotations

from typing import Any

from engine.bpmn.diagram_checks import tag
from engine.bpmn.import_work import DC_NS, DI_NS, FLOW_NODES, ImportWork, label, q, taken_ids, unique_id
from engine.common.i18n import N_

_DD_DI = "http://www.omg.org/spec/DD/20100524/DI"
_GATEWAYS = ("exclusiveGateway", "parallelGateway", "inclusiveGateway", "eventBasedGateway", "complexGateway")


def split_implicitly(process: Any, work: ImportWork) -> None:
    """A parallel gateway after each node whose several outgoing flows carry no condition."""
    for node in [e for e in process.iter() if isinstance(e.tag, str) and tag(e) in FLOW_NODES
                 and tag(e) not in _GATEWAYS]:
        scope = node.getparent()
        out = [f for f in scope.findall(q("sequenceFlow")) if f.get("sourceRef") == node.get("id")]
        conditioned = [f for f in out if f.find(q("conditionExpression")) is not None]
        default = node.get("default")
        if len(out) < 2:
            continue
        if not conditioned and not default:
            gateway = _gateway_after(node, out, work, "parallelGateway")
            work.change(gateway.get("id", ""), N_("'{name}' starts {count} flows at once: a parallel gateway after "
                                                  "it says so", name=label(node), count=len(out)))
        elif conditioned and all(f in conditioned or f.get("id") == default for f in out):
            kind = "exclusiveGateway" if len(conditioned) == 1 else "inclusiveGateway"
            gateway = _gateway_after(node, out, work, kind)
            if default:
                gateway.set("default", node.attrib.pop("default"))
            work.change(gateway.get("id", ""), N_("the conditions on the flows out of '{name}' are now on a gateway "
                                                  "after it, where they are evaluated", name=label(node)))


def _gateway_after(node: Any, out: list[Any], work: ImportWork, kind: str) -> Any:
    from lxml import etree

    taken = taken_ids(work.root)
    scope = node.getparent()
    gateway_id = unique_id(f"Split{node.get('id')}", taken)
    flow_id = unique_id(f"Flow{node.get('id')}Split", taken)
    gateway = etree.Element(q(kind), id=gateway_id)
    node.addnext(gateway)
    flow = etree.Element(q("sequenceFlow"), id=flow_id, sourceRef=node.get("id", ""), targetRef=gateway_id)
    gateway.addnext(flow)
    etree.SubElement(gateway, q("incoming")).text = flow_id
    for old in out:
        old.set("sourceRef", gateway_id)
        etree.SubElement(gateway, q("outgoing")).text = old.get("id")
    for ref in [r for r in node.findall(q("outgoing")) if (r.text or "").strip() in {f.get("id") for f in out}]:
        node.remove(ref)
    etree.SubElement(node, q("outgoing")).text = flow_id
    for lane_ref in [r for r in scope.iter(q("flowNodeRef")) if (r.text or "").strip() == node.get("id")]:
        etree.SubElement(lane_ref.getparent(), q("flowNodeRef")).text = gateway_id
    _draw(work.root, node.get("id", ""), gateway_id, flow_id, [f.get("id", "") for f in out])
    return gateway


def _draw(root: Any, node_id: str, gateway_id: str, flow_id: str, out: list[str]) -> None:
    """The gateway's shape just right of the node, the new flow's edge, the old edges starting at the gateway."""
    from lxml import etree

    shape = next((s for s in root.iter(q("BPMNShape", DI_NS)) if s.get("bpmnElement") == node_id), None)
    bounds = shape.find(q("Bounds", DC_NS)) if shape is not None else None
    if shape is None or bounds is None:
        return
    try:
        x, y, w, h = (float(bounds.get(k, "")) for k in ("x", "y", "width", "height"))
    except ValueError:
        return
    gx, gy = x + w + 15, y + h / 2 - 18
    gateway_shape = etree.Element(q("BPMNShape", DI_NS), id=f"{gateway_id}_di", bpmnElement=gateway_id)
    etree.SubElement(gateway_shape, q("Bounds", DC_NS), x=f"{gx:g}", y=f"{gy:g}", width="36", height="36")
    shape.addnext(gateway_shape)
    edge = etree.Element(q("BPMNEdge", DI_NS), id=f"{flow_id}_di", bpmnElement=flow_id)
    etree.SubElement(edge, q("waypoint", _DD_DI), x=f"{x + w:g}",
                     y=f"{y + h / 2:g}")
    etree.SubElement(edge, q("waypoint", _DD_DI), x=f"{gx:g}", y=f"{y + h / 2:g}")
    gateway_shape.addnext(edge)
    for old in root.iter(q("BPMNEdge", DI_NS)):
        if old.get("bpmnElement") in out:
            first = old.find(q("waypoint", _DD_DI))
            if first is not None:
                first.set("x", f"{gx + 36:g}")
                first.set("y", f"{y + h / 2:g}")
