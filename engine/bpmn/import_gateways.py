"""`sop import`'s conditions, gateways and forms: JUEL/FEEL conditions as sop's, reading the step before; a
choice for gateways with no conditions; a generated JSON Schema form for each step that needs one."""

from __future__ import annotations

import json
from typing import Any

from engine.bpmn.diagram_checks import tag
from engine.bpmn.import_conditions import is_sop_condition, merged_type, qualified, read_condition, step_fields
from engine.bpmn.import_work import (
    FLOW_NODES,
    NOTE_FIELD,
    STEPS,
    ImportWork,
    label,
    properties_of,
    q,
    set_property,
    steps_of,
)
from engine.bpmn.tasks import FORM_PROPERTY
from engine.common.i18n import N_


def writer_step(process: Any, node_id: str) -> Any | None:
    """The step nearest before a node along the flows of its own (sub)process, backwards: the one that writes what
    its gateway reads (a boundary event counts its activity as before it, as lint does)."""
    from engine.bpmn.flow_checks import FlowGraph

    node = next((e for e in process.iter() if isinstance(e.tag, str) and e.get("id") == node_id), None)
    if node is None or node.getparent() is None:
        return None
    graph = FlowGraph(node.getparent())
    queue, seen = list(graph.incoming.get(node_id, set())), {node_id}
    while queue:
        current = queue.pop(0)
        if current in seen:
            continue
        seen.add(current)
        element = graph.nodes.get(current)
        if element is not None and tag(element) in STEPS:
            return element
        queue.extend(sorted(graph.incoming.get(current, set())))
    return None


def translate_conditions(process: Any, work: ImportWork) -> None:
    """Each condition in JUEL or FEEL written as sop's, its bare names read from the step before."""
    step_ids = {s.get("id", "") for s in steps_of(process)}
    for flow in process.iter(q("sequenceFlow")):
        expression = flow.find(q("conditionExpression"))
        if expression is None or not (expression.text or "").strip():
            continue
        original = (expression.text or "").strip()
        if is_sop_condition(original, step_ids):
            for step_id, fields in step_fields(original).items():
                known = work.fields.setdefault(step_id, {})
                known.update({k: merged_type(known.get(k), v) for k, v in fields.items()})
                work.optional -= {(step_id, k) for k in fields}
            continue
        read = read_condition(original)
        if read.text is None:
            work.leave(flow.get("id", ""), N_("the condition {condition!r} on the flow '{flow}' cannot be translated; "
                                              "write it as sop's condition, e.g. Step[\"field\"] == \"value\"",
                                              condition=original, flow=label(flow)))
            continue
        writer = writer_step(process, flow.get("sourceRef", "")) if read.names else None
        if read.names and writer is None:
            expression.text = read.text
            work.leave(flow.get("id", ""), N_("the condition {condition!r} on the flow '{flow}' reads {names}, which "
                                              "no step before it writes; write it as sop's condition",
                                              condition=original, flow=label(flow), names=", ".join(read.names)))
            continue
        step_of = {name: writer.get("id", "") for name in read.names} if writer is not None else {}
        expression.text = qualified(read.text, step_of)
        expression.attrib.pop("language", None)
        if writer is not None:
            known = work.fields.setdefault(writer.get("id", ""), {})
            known.update({k: merged_type(known.get(k), v) for k, v in read.names.items()})
            work.optional -= {(writer.get("id", ""), k) for k in read.names}
        work.change(flow.get("id", ""), N_("the condition {old!r} is now {new!r}", old=original,
                                           new=expression.text))


def translate_loops(process: Any, work: ImportWork) -> None:
    """A multi-instance's cardinality or completion condition in JUEL (`${2}`) written as sop's; a standard loop's
    condition reading the looping step's own form."""
    for element in process.iter(q("loopCondition")):
        step = element.getparent().getparent()
        original = (element.text or "").strip()
        read = read_condition(original) if original else None
        if read is None or read.text is None or tag(step) not in STEPS or is_sop_condition(original, {step.get("id")}):
            continue
        element.text = qualified(read.text, {name: step.get("id", "") for name in read.names})
        if read.names and element.getparent().attrib.pop("testBefore", "false") == "true":
            work.change(step.get("id", ""), N_("'{name}' repeats while its own form says so, so its loop is tested "
                                               "after each completion, not before the first (testBefore removed)",
                                               name=label(step)))
        known = work.fields.setdefault(step.get("id", ""), {})
        known.update({k: merged_type(known.get(k), v) for k, v in read.names.items()})
        work.change(step.get("id", ""), N_("the condition {old!r} is now {new!r}", old=original, new=element.text))
    for element in process.iter(q("loopCardinality"), q("completionCondition")):
        original = (element.text or "").strip()
        read = read_condition(original) if original else None
        if read is None or read.text is None or read.names or read.text == original:
            continue
        element.text = read.text
        work.change(element.getparent().getparent().get("id", ""),
                    N_("the condition {old!r} is now {new!r}", old=original, new=read.text))


DECISION_FIELD = "keputusan"


def decide_gateways(process: Any, work: ImportWork) -> None:
    """A gateway whose ways out have no conditions: the step before it chooses the way, by a choice field."""
    flows = list(process.iter(q("sequenceFlow")))
    nodes = {e.get("id"): e for e in process.iter() if isinstance(e.tag, str) and tag(e) in FLOW_NODES}
    for gateway in process.iter(q("exclusiveGateway"), q("inclusiveGateway")):
        out = [f for f in flows if f.get("sourceRef") == gateway.get("id")]
        default = gateway.get("default")
        bare = [f for f in out if not _condition_text(f) and f.get("id") != default]
        if len(out) < 2 or not bare:
            continue
        if len(bare) == 1 and not default:
            gateway.set("default", bare[0].get("id", ""))
            work.change(bare[0].get("id", ""), N_("the flow '{flow}' without a condition is the default way out of "
                                                  "'{gateway}'", flow=label(bare[0]), gateway=label(gateway)))
            continue
        writer = writer_step(process, gateway.get("id", ""))
        if writer is None or len(bare) != len([f for f in out if f.get("id") != default]):
            work.leave(gateway.get("id", ""), N_("'{gateway}' has ways out without a condition; give each a "
                                                 "condition or make one the default", gateway=label(gateway)))
            continue
        _decide(gateway, sorted(out, key=lambda f: _leads_back(flows, f.get("targetRef", ""), gateway.get("id", ""))),
                writer, nodes, work)


def _condition_text(flow: Any) -> str:
    found = flow.find(q("conditionExpression"))
    return (found.text or "").strip() if found is not None else ""


def _decide(gateway: Any, out: list[Any], writer: Any, nodes: dict[str, Any], work: ImportWork) -> None:
    """Each way out of the gateway taken by one value of a choice field of the step before (the default keeps
    its place: it is taken for its own value, the others' conditions being false)."""
    from lxml import etree

    fields = work.fields.setdefault(writer.get("id", ""), {})
    name, number = DECISION_FIELD, 1
    while name in fields:
        number += 1
        name = f"{DECISION_FIELD}_{number}"
    choices = _choices(out, nodes)
    for flow, choice in zip(out, choices, strict=True):
        if flow.get("id") == gateway.get("default"):
            continue
        condition = flow.find(q("conditionExpression"))
        if condition is None:
            condition = etree.SubElement(flow, q("conditionExpression"))
        condition.text = f'{writer.get("id")}["{name}"] == {json.dumps(choice, ensure_ascii=False)}'
    fields[name] = "enum:" + json.dumps(choices, ensure_ascii=False)
    work.change(gateway.get("id", ""), N_("'{gateway}' follows the choice '{field}' of '{step}': {choices}",
                                          gateway=label(gateway), field=name, step=label(writer),
                                          choices=", ".join(choices)))


def _leads_back(flows: list[Any], start: str, gateway: str) -> bool:
    """Whether the flow from a node comes back to the gateway (a way out that loops: listed after the others)."""
    queue, seen = [start], set()
    while queue:
        node = queue.pop()
        if node == gateway:
            return True
        if node not in seen:
            seen.add(node)
            queue.extend(f.get("targetRef", "") for f in flows if f.get("sourceRef") == node)
    return False


def _choices(out: list[Any], nodes: dict[str, Any]) -> list[str]:
    """Each way out's words: the flow's name, else its target's; unique."""
    taken: set[str] = set()
    found = []
    for flow in out:
        target = nodes.get(flow.get("targetRef"))
        base = " ".join(str(flow.get("name") or (label(target) if target is not None else "") or "pilihan").split())
        choice, number = base, 1
        while choice in taken:
            number += 1
            choice = f"{base} {number}"
        taken.add(choice)
        found.append(choice)
    return found


def give_forms(process: Any, work: ImportWork) -> None:
    """A generated form for each user task without one (and each step a condition reads)."""
    for step in steps_of(process):
        step_id = step.get("id", "")
        fields = work.fields.get(step_id, {})
        bound = properties_of(step).get(FORM_PROPERTY)
        if bound:
            if fields:
                work.leave(step_id, N_("conditions read {fields} from '{name}': add them to its form {form}",
                                       fields=", ".join(fields), name=label(step), form=bound))
            continue
        if tag(step) != "userTask" and not fields:
            continue
        if tag(step) != "userTask":
            step.tag = q("userTask")
        name = f"{work.prefix}-{step_id}.schema.json"
        required = [f for f in fields if (step_id, f) not in work.optional]
        work.forms[name] = _form_text(step, fields, work.titles.get(step_id, {}), required)
        set_property(step, FORM_PROPERTY, name)
        said = ", ".join(fields) if fields else NOTE_FIELD
        work.change(step_id, N_("'{name}' has a generated form {form} with the fields {fields}", name=label(step),
                                form=name, fields=said))


def _form_text(step: Any, fields: dict[str, str], titles: dict[str, str], required: list[str]) -> str:
    properties: dict[str, Any] = {}
    for name, kind in fields.items():
        title = titles.get(name) or name.replace("_", " ").capitalize()
        properties[name] = {"type": kind, "title": title}
        if kind.startswith("enum:"):
            properties[name] = {"type": "string", "title": title, "enum": json.loads(kind[5:])}
        elif kind == "date":
            properties[name] = {"type": "string", "format": "date", "title": title}
        elif kind == "string":
            properties[name]["maxLength"] = 2000
    if not fields:
        properties[NOTE_FIELD] = {"type": "string", "title": "Catatan", "maxLength": 2000}
    schema = {"$schema": "https://json-schema.org/draft/2020-12/schema", "title": " ".join(label(step).split()),
              "type": "object", "additionalProperties": False, "required": required, "properties": properties}
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"
