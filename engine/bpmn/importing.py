"""A diagram drawn in another modeler rewritten into one sop runs: made executable, ids readable data keys, every
step in a lane, a generated form for each user task, conditions in sop's language, code and data elements and
vendor extensions taken out; each change and each decision left to the process owner said as a note."""

from __future__ import annotations

import json
import keyword
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from engine.bpmn.diagram_checks import BPMN_NS, RESERVED_IDS, SPIFF_NS, is_task_id, tag
from engine.bpmn.import_conditions import is_sop_condition, merged_type, qualified, read_condition, step_fields
from engine.bpmn.tasks import FORM_PROPERTY
from engine.bpmn.xml_reading import parse_xml
from engine.common.errors import DefinitionError
from engine.common.i18n import N_

DI_NS = "http://www.omg.org/spec/BPMN/20100524/DI"
DC_NS = "http://www.omg.org/spec/DD/20100524/DC"
VENDORS = {"http://camunda.org/schema/1.0/bpmn": "camunda", "http://camunda.org/schema/zeebe/1.0": "zeebe",
           "http://activiti.org/bpmn": "activiti", "http://flowable.org/bpmn": "flowable",
           "http://www.bizagi.com/bpmn20": "bizagi"}
OLD_ID_PROPERTY = "id_asal"
DEFAULT_LANE = "Pelaksana"
NOTE_FIELD = "catatan"
STEPS = ("userTask", "manualTask", "task")
CODE_TASKS = {"scriptTask": N_("was a script"), "serviceTask": N_("was a service")}
FLOW_NODES = frozenset({*STEPS, *CODE_TASKS, "startEvent", "endEvent", "intermediateCatchEvent",
                        "intermediateThrowEvent", "boundaryEvent", "exclusiveGateway", "parallelGateway",
                        "inclusiveGateway", "eventBasedGateway", "complexGateway", "subProcess", "callActivity",
                        "sendTask", "receiveTask", "businessRuleTask", "transaction", "adHocSubProcess"})
_DATA = ("dataObject", "dataObjectReference", "dataStoreReference", "dataInputAssociation", "dataOutputAssociation",
         "ioSpecification", "loopDataOutputRef", "outputDataItem", "property")
_REF_ATTRIBUTES = ("sourceRef", "targetRef", "default", "attachedToRef", "bpmnElement", "processRef")
_REF_TEXTS = ("incoming", "outgoing", "flowNodeRef", "sourceRef", "targetRef")
# bpmn-js, Camunda and Signavio generate ids like Activity_0x1y2z3 or Task_1fhojlw: data keys nobody can read.
_GENERATED = re.compile(r"[A-Za-z]+_[0-9a-z]+")
_SCRIPTS = ("preScript", "postScript", "script")


class ImportNote(NamedTuple):
    """One change made, or one decision left to the process owner: the element's id (or "") and what."""

    element: str
    message: str


@dataclass(frozen=True)
class ImportedDiagram:
    """The rewritten diagram's text, the forms it binds (file name -> JSON text), and the notes."""

    text: str
    forms: dict[str, str]
    changes: tuple[ImportNote, ...]
    left: tuple[ImportNote, ...]


@dataclass
class _Work:
    root: Any
    prefix: str
    changes: list[ImportNote] = field(default_factory=list)
    left: list[ImportNote] = field(default_factory=list)
    groups: dict[str, str] = field(default_factory=dict)  # step id -> candidate group (a lane suggestion)
    fields: dict[str, dict[str, str]] = field(default_factory=dict)  # step id -> field -> JSON type
    forms: dict[str, str] = field(default_factory=dict)
    titles: dict[str, dict[str, str]] = field(default_factory=dict)  # step id -> field -> its label
    optional: set[tuple[str, str]] = field(default_factory=set)  # (step id, field) a vendor form did not require

    def change(self, element: str, message: str) -> None:
        self.changes.append(ImportNote(element, message))

    def leave(self, element: str, message: str) -> None:
        self.left.append(ImportNote(element, message))


def _q(local: str, namespace: str = BPMN_NS) -> str:
    return f"{{{namespace}}}{local}"


def _label(element: Any) -> str:
    return str(element.get("name") or element.get("id") or tag(element))


def import_diagram_text(text: str, *, source: str, prefix: str) -> ImportedDiagram:
    """The diagram rewritten for sop; forms are named `<prefix>-<step id>.schema.json`. DefinitionError when the
    text is not a BPMN diagram."""
    root = parse_xml(text, source)
    if tag(root) != "definitions" or not str(root.tag).startswith(f"{{{BPMN_NS}}}"):
        raise DefinitionError("{source} is not a BPMN diagram (its root element is <{root}>, not bpmn:definitions); "
                              "give a .bpmn file saved by a modeler", source=source, root=tag(root))
    processes = [p for p in root.iter(_q("process")) if any(tag(c) in FLOW_NODES for c in p)]
    if not processes:
        raise DefinitionError("{source} holds no process with steps or events; give a diagram with a process",
                              source=source)
    work = _Work(root, prefix)
    for process in processes:
        _make_executable(process, work)
        _remove_data(process, work)
        _read_vendor(process, work)
    _rename_ids(root, processes, work)
    for process in processes:
        _convert_code(process, work)
        _put_in_lanes(process, work)
        _translate_conditions(process, work)
        _translate_loops(process, work)
        _decide_gateways(process, work)
        _give_forms(process, work)
    add_lane_shapes(root)
    from lxml import etree

    etree.cleanup_namespaces(root)
    etree.indent(root, space="  ")
    out = etree.tostring(root, xml_declaration=True, encoding="UTF-8").decode("utf-8")
    return ImportedDiagram(out + "\n", work.forms, tuple(work.changes), tuple(work.left))


def _make_executable(process: Any, work: _Work) -> None:
    if process.get("isExecutable") != "true":
        process.set("isExecutable", "true")
        work.change(process.get("id", ""), N_("process '{name}' made executable (isExecutable=\"true\")",
                                              name=_label(process)))


def _remove_data(process: Any, work: _Work) -> None:
    """Data objects, stores, their associations and declared inputs/outputs taken out, with their shapes."""
    removed: dict[str, int] = {}
    ids: set[str] = set()
    for element in [e for e in process.iter() if isinstance(e.tag, str) and tag(e) in _DATA
                    and str(e.tag).startswith(f"{{{BPMN_NS}}}")]:
        if element.getparent() is None:
            continue
        ids.update(i for i in (e.get("id") for e in element.iter() if isinstance(e.tag, str)) if i)
        removed[tag(element)] = removed.get(tag(element), 0) + 1
        element.getparent().remove(element)
    for association in list(process.iter(_q("association"))):
        if association.get("sourceRef") in ids or association.get("targetRef") in ids:
            ids.add(association.get("id", ""))
            removed["association"] = removed.get("association", 0) + 1
            association.getparent().remove(association)
    _remove_shapes(work.root, ids)
    for kind, count in sorted(removed.items()):
        work.change(process.get("id", ""), N_("{count} {kind} removed: sop keeps each step's data under the step's "
                                              "id, and conditions read it from there", count=count, kind=kind))


def _remove_shapes(root: Any, ids: set[str]) -> None:
    for shape in [s for s in root.iter(_q("BPMNShape", DI_NS), _q("BPMNEdge", DI_NS)) if s.get("bpmnElement") in ids]:
        shape.getparent().remove(shape)


def _read_vendor(process: Any, work: _Work) -> None:
    """Vendor attributes and extensions dropped; a candidate group kept as a lane suggestion, due dates and form
    keys left as notes."""
    for element in list(process.iter()):
        if not isinstance(element.tag, str) or element.getparent() is None:
            continue
        dropped = [f"{VENDORS[ns]}:{local}" for ns, local in _vendor_attributes(element)]
        if tag(element) in STEPS:
            _vendor_form(element, work)
        for ns, local in _vendor_attributes(element):
            value = element.attrib.pop(f"{{{ns}}}{local}")
            _vendor_meaning(element, local, value, work)
        for child in [c for c in element if isinstance(c.tag, str) and _namespace(c) in VENDORS]:
            dropped.append(f"{VENDORS[_namespace(child)]}:{tag(child)}")
            element.remove(child)
        for child in [c for c in element if isinstance(c.tag, str) and _namespace(c) == SPIFF_NS
                      and tag(c) in _SCRIPTS]:
            dropped.append(f"spiffworkflow:{tag(child)}")
            element.remove(child)
        owner = next((e for e in (element, *element.iterancestors()) if e.get("id")), process)
        if tag(element) == "extensionElements" and len(element) == 0:
            element.getparent().remove(element)
        if dropped:
            dropped = list(dict.fromkeys(dropped))
            work.change(owner.get("id", ""), N_("dropped from '{name}', which sop does not read: {extensions}",
                                                name=_label(owner), extensions=", ".join(dropped)))


_FIELD_TYPES = {"boolean": "boolean", "long": "integer", "integer": "integer", "double": "number",
                "number": "number", "date": "date", "string": "string"}


def _vendor_form(step: Any, work: _Work) -> None:
    """The fields a Camunda formData or an Activiti/Flowable formProperty list gives a step, for its form."""
    fields = work.fields.setdefault(step.get("id", ""), {})
    titles = work.titles.setdefault(step.get("id", ""), {})
    for found in step.iter():
        if not isinstance(found.tag, str) or _namespace(found) not in VENDORS or \
                tag(found) not in ("formField", "formProperty") or not found.get("id"):
            continue
        key = str(found.get("id"))
        values = [str(v.get("id")) for v in found if isinstance(v.tag, str) and tag(v) == "value" and v.get("id")]
        kind = "enum:" + json.dumps(values, ensure_ascii=False) if values else \
            _FIELD_TYPES.get(str(found.get("type", "string")), "string")
        fields[key] = kind
        titles[key] = " ".join(str(found.get("label") or found.get("name") or key).split())
        required = found.get("required") == "true" or any(
            tag(c) == "constraint" and c.get("name") == "required" for c in found.iter() if isinstance(c.tag, str))
        if not required:
            work.optional.add((step.get("id", ""), key))


def _namespace(element: Any) -> str:
    name = str(element.tag)
    return name[1:].split("}", 1)[0] if name.startswith("{") else ""


def _vendor_attributes(element: Any) -> list[tuple[str, str]]:
    found = []
    for name in element.attrib:
        if name.startswith("{"):
            ns, local = name[1:].split("}", 1)
            if ns in VENDORS:
                found.append((ns, local))
    return found


def _vendor_meaning(element: Any, local: str, value: str, work: _Work) -> None:
    """What a vendor attribute said that the owner still needs: who does the step, when it is due, its form."""
    owner = element.get("id", "")
    if local == "candidateGroups" and value.strip():
        work.groups[owner] = value.split(",")[0].strip()
    elif local in ("assignee", "candidateUsers") and value.strip():
        work.leave(owner, N_("'{name}' was assigned to {who!r}: give that person the step's lane in the roles file",
                             name=_label(element), who=value))
    elif local == "dueDate":
        work.leave(owner, N_("'{name}' was due at {due!r}: write its Mutu Baku time as the sla property (for "
                             "example 2 hari kerja)", name=_label(element), due=value))
    elif local in ("formKey", "formRef"):
        work.leave(owner, N_("'{name}' named its form {form!r}: sop binds a generated form instead; add the fields "
                             "that form had", name=_label(element), form=value))


def _readable(name: str, fallback: str) -> str:
    """An id from a name: its words, ASCII, each capitalised ("Periksa berkas" -> PeriksaBerkas)."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    words = re.findall(r"[A-Za-z0-9]+", ascii_name)
    ident = "".join(w[:1].upper() + w[1:] for w in words)[:40]
    if not ident or not ident[0].isalpha():
        ident = fallback[:1].upper() + fallback[1:] + ident
    return ident


def _unique(base: str, taken: set[str]) -> str:
    candidate, number = base, 1
    while (candidate in taken or keyword.iskeyword(candidate) or candidate in RESERVED_IDS
           or not is_task_id(candidate)):
        number += 1
        candidate = f"{base}{number}"
    taken.add(candidate)
    return candidate


def _needs_new_id(element: Any) -> bool:
    old = element.get("id", "")
    if not is_task_id(old) or old in RESERVED_IDS:
        return True
    return tag(element) in (*STEPS, *CODE_TASKS) and bool(element.get("name")) and \
        _GENERATED.fullmatch(old) is not None and any(c.isdigit() for c in old)


def _rename_ids(root: Any, processes: list[Any], work: _Work) -> None:
    """Flow nodes whose id is no data key (or a generated one) renamed from their names, references rewritten."""
    taken = {e.get("id") for e in root.iter() if isinstance(e.tag, str) and e.get("id")}
    renamed: dict[str, str] = {}
    for process in processes:
        for element in process.iter():
            if isinstance(element.tag, str) and tag(element) in FLOW_NODES and _needs_new_id(element):
                old = element.get("id", "")
                new = _unique(_readable(element.get("name") or "", tag(element)), taken)
                renamed[old] = new
                element.set("id", new)
                _set_property(element, OLD_ID_PROPERTY, old)
                work.change(new, N_("'{name}' has the id {new} (was {old}), kept as the property id_asal",
                                    name=_label(element), new=new, old=old))
    if renamed:
        _rewrite_references(root, renamed)
        work.groups = {renamed.get(k, k): v for k, v in work.groups.items()}
        work.fields = {renamed.get(k, k): v for k, v in work.fields.items()}
        work.titles = {renamed.get(k, k): v for k, v in work.titles.items()}
        work.optional = {(renamed.get(k, k), f) for k, f in work.optional}
        work.changes = [ImportNote(renamed.get(n.element, n.element), n.message) for n in work.changes]
        work.left = [ImportNote(renamed.get(n.element, n.element), n.message) for n in work.left]


def _rewrite_references(root: Any, renamed: dict[str, str]) -> None:
    pattern = re.compile(r"\b(" + "|".join(re.escape(k) for k in renamed if is_task_id(k)) + r")(?=\s*\[)") \
        if any(is_task_id(k) for k in renamed) else None
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        for attribute in _REF_ATTRIBUTES:
            value = element.get(attribute)
            if value in renamed:
                element.set(attribute, renamed[value])
        local = tag(element)
        if local in _REF_TEXTS and (element.text or "").strip() in renamed:
            element.text = renamed[(element.text or "").strip()]
        if local == "conditionExpression" and element.text and pattern is not None:
            element.text = pattern.sub(lambda m: renamed[m.group(1)], element.text)


def _extensions(element: Any) -> Any:
    """The element's bpmn:extensionElements, made after its documentation when it has none."""
    from lxml import etree

    found = element.find(_q("extensionElements"))
    if found is None:
        found = etree.Element(_q("extensionElements"))
        docs = [i for i, c in enumerate(element) if isinstance(c.tag, str) and tag(c) == "documentation"]
        element.insert(docs[-1] + 1 if docs else 0, found)
    return found


def _set_property(element: Any, name: str, value: str) -> None:
    from lxml import etree

    extensions = _extensions(element)
    holder = extensions.find(_q("properties", SPIFF_NS))
    if holder is None:
        holder = etree.SubElement(extensions, _q("properties", SPIFF_NS), nsmap={"spiffworkflow": SPIFF_NS})
    for prop in holder.findall(_q("property", SPIFF_NS)):
        if prop.get("name") == name:
            prop.set("value", value)
            return
    etree.SubElement(holder, _q("property", SPIFF_NS), name=name, value=value)


def _properties(element: Any) -> dict[str, str]:
    return {p.get("name", ""): p.get("value", "") for p in element.iter(_q("property", SPIFF_NS))}


def _convert_code(process: Any, work: _Work) -> None:
    """Script and service tasks made manual steps whose name says what the code did."""
    for element in list(process.iter(*(_q(t) for t in CODE_TASKS))):
        what = _code_summary(element)
        kind = CODE_TASKS[tag(element)]
        for child in [c for c in element if isinstance(c.tag, str) and tag(c) == "script"]:
            element.remove(child)
        for attribute in ("scriptFormat", "implementation", "operationRef"):
            element.attrib.pop(attribute, None)
        name = f"{element.get('name') or element.get('id')} ({kind}: {what})" if what else \
            f"{element.get('name') or element.get('id')} ({kind})"
        element.tag = _q("manualTask")
        element.set("name", name)
        work.leave(element.get("id", ""), N_("'{name}' ran code, which sop never runs: it is now a manual step a "
                                             "person does and confirms", name=name))


def _code_summary(element: Any) -> str:
    script = element.find(_q("script"))
    text = " ".join((script.text or "").split()) if script is not None else ""
    text = text or element.get("implementation", "")
    return text[:60] + ("…" if len(text) > 60 else "")


def _steps(process: Any) -> list[Any]:
    return [c for c in process.iter(*(_q(t) for t in STEPS))]


def _in_lanes(process: Any) -> set[str]:
    return {(r.text or "").strip() for r in process.iter(_q("flowNodeRef"))}


def _pool_name(root: Any, process: Any) -> str:
    for participant in root.iter(_q("participant")):
        if participant.get("processRef") == process.get("id") and (participant.get("name") or "").strip():
            return " ".join(str(participant.get("name")).split())
    return DEFAULT_LANE


def _put_in_lanes(process: Any, work: _Work) -> None:
    """Every step in a named lane: its candidate group's, else one named after its pool (or Pelaksana)."""
    pool = _pool_name(work.root, process)
    for lane in process.iter(_q("lane")):
        if not (lane.get("name") or "").strip() and len(lane.findall(_q("flowNodeRef"))):
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

            etree.SubElement(lane, _q("flowNodeRef")).text = node.get("id")
        steps = ", ".join(_label(n) for n in nodes if tag(n) in STEPS)
        if steps:
            work.change(lane.get("id", ""), N_("put in lane '{lane}': {steps}", lane=lane_name, steps=steps))


def _lane(process: Any, name: str, work: _Work) -> Any:
    """The process's lane of that name, made (with its shape) when it has none."""
    from lxml import etree

    for lane in process.iter(_q("lane")):
        if lane.get("name") == name:
            return lane
    lane_set = process.find(_q("laneSet"))
    if lane_set is None:
        lane_set = etree.Element(_q("laneSet"), id=_unique("LaneSet", _taken(work.root)))
        before = [i for i, c in enumerate(process) if isinstance(c.tag, str)
                  and tag(c) in ("documentation", "extensionElements", "auditing", "monitoring", "property")]
        process.insert(before[-1] + 1 if before else 0, lane_set)
    lane = etree.SubElement(lane_set, _q("lane"), id=_unique("Lane" + _readable(name, "Lane"), _taken(work.root)),
                            name=name)
    return lane


def _taken(root: Any) -> set[str]:
    return {e.get("id") for e in root.iter() if isinstance(e.tag, str) and e.get("id")}


def add_lane_shapes(root: Any) -> None:
    """A DI shape for each lane that has none: around its nodes' shapes (within the pool's, when drawn)."""
    from lxml import etree

    shapes = {s.get("bpmnElement"): s for s in root.iter(_q("BPMNShape", DI_NS))}
    for lane in root.iter(_q("lane")):
        if lane.get("id") in shapes:
            continue
        found = [_box(shapes[r.text.strip()]) for r in lane.iter(_q("flowNodeRef"))
                 if r.text and r.text.strip() in shapes]
        boxes = [b for b in found if b is not None]
        plane = next(root.iter(_q("BPMNPlane", DI_NS)), None)
        if not boxes or plane is None:
            continue
        x0, y0 = min(b[0] for b in boxes) - 40, min(b[1] for b in boxes) - 40
        x1, y1 = max(b[0] + b[2] for b in boxes) + 40, max(b[1] + b[3] for b in boxes) + 40
        pool_shape = _pool_shape(root, lane, shapes)
        pool = _box(pool_shape) if pool_shape is not None else None
        if pool is not None:  # the pool's only lane fills it, beside the pool's name band
            x0, y0, x1, y1 = pool[0] + 30, pool[1], pool[0] + pool[2], pool[1] + pool[3]
        shape = etree.Element(_q("BPMNShape", DI_NS), id=f"{lane.get('id')}_di", bpmnElement=lane.get("id"),
                              isHorizontal="true")
        etree.SubElement(shape, _q("Bounds", DC_NS), x=f"{x0:g}", y=f"{y0:g}", width=f"{x1 - x0:g}",
                         height=f"{y1 - y0:g}")
        if pool is not None and pool_shape is not None:
            pool_shape.addnext(shape)  # drawn over the pool, under its steps
        else:
            plane.insert(0, shape)


def _pool_shape(root: Any, lane: Any, shapes: dict[str, Any]) -> Any | None:
    """The drawn pool of a process whose only lane this is (None otherwise)."""
    lane_set = lane.getparent()
    process = lane_set.getparent()
    if len(lane_set.findall(_q("lane"))) != 1 or tag(process) != "process":
        return None
    for participant in root.iter(_q("participant")):
        if participant.get("processRef") == process.get("id") and participant.get("id") in shapes:
            return shapes[participant.get("id")]
    return None


def _box(shape: Any) -> tuple[float, float, float, float] | None:
    bounds = shape.find(_q("Bounds", DC_NS))
    try:
        return (float(bounds.get("x")), float(bounds.get("y")), float(bounds.get("width")),
                float(bounds.get("height")))
    except (AttributeError, TypeError, ValueError):
        return None


def _writer_step(process: Any, node_id: str) -> Any | None:
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


def _translate_conditions(process: Any, work: _Work) -> None:
    """Each condition in JUEL or FEEL written as sop's, its bare names read from the step before."""
    step_ids = {s.get("id", "") for s in _steps(process)}
    for flow in process.iter(_q("sequenceFlow")):
        expression = flow.find(_q("conditionExpression"))
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
                                              condition=original, flow=_label(flow)))
            continue
        writer = _writer_step(process, flow.get("sourceRef", "")) if read.names else None
        if read.names and writer is None:
            expression.text = read.text
            work.leave(flow.get("id", ""), N_("the condition {condition!r} on the flow '{flow}' reads {names}, which "
                                              "no step before it writes; write it as sop's condition",
                                              condition=original, flow=_label(flow), names=", ".join(read.names)))
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


def _translate_loops(process: Any, work: _Work) -> None:
    """A multi-instance's cardinality or completion condition in JUEL (`${2}`) written as sop's; a standard loop's
    condition reading the looping step's own form."""
    for element in process.iter(_q("loopCondition")):
        step = element.getparent().getparent()
        original = (element.text or "").strip()
        read = read_condition(original) if original else None
        if read is None or read.text is None or tag(step) not in STEPS or is_sop_condition(original, {step.get("id")}):
            continue
        element.text = qualified(read.text, {name: step.get("id", "") for name in read.names})
        if read.names and element.getparent().attrib.pop("testBefore", "false") == "true":
            work.change(step.get("id", ""), N_("'{name}' repeats while its own form says so, so its loop is tested "
                                               "after each completion, not before the first (testBefore removed)",
                                               name=_label(step)))
        known = work.fields.setdefault(step.get("id", ""), {})
        known.update({k: merged_type(known.get(k), v) for k, v in read.names.items()})
        work.change(step.get("id", ""), N_("the condition {old!r} is now {new!r}", old=original, new=element.text))
    for element in process.iter(_q("loopCardinality"), _q("completionCondition")):
        original = (element.text or "").strip()
        read = read_condition(original) if original else None
        if read is None or read.text is None or read.names or read.text == original:
            continue
        element.text = read.text
        work.change(element.getparent().getparent().get("id", ""),
                    N_("the condition {old!r} is now {new!r}", old=original, new=read.text))


DECISION_FIELD = "keputusan"


def _decide_gateways(process: Any, work: _Work) -> None:
    """A gateway whose ways out have no conditions: the step before it chooses the way, by a choice field."""
    flows = list(process.iter(_q("sequenceFlow")))
    nodes = {e.get("id"): e for e in process.iter() if isinstance(e.tag, str) and tag(e) in FLOW_NODES}
    for gateway in process.iter(_q("exclusiveGateway"), _q("inclusiveGateway")):
        out = [f for f in flows if f.get("sourceRef") == gateway.get("id")]
        bare = [f for f in out if f.find(_q("conditionExpression")) is None and f.get("id") != gateway.get("default")]
        if len(out) < 2 or not bare:
            continue
        if len(bare) == 1 and not gateway.get("default"):
            gateway.set("default", bare[0].get("id", ""))
            work.change(bare[0].get("id", ""), N_("the flow '{flow}' without a condition is the default way out of "
                                                  "'{gateway}'", flow=_label(bare[0]), gateway=_label(gateway)))
            continue
        writer = _writer_step(process, gateway.get("id", ""))
        if writer is None or len(bare) != len(out):
            work.leave(gateway.get("id", ""), N_("'{gateway}' has ways out without a condition; give each a "
                                                 "condition or make one the default", gateway=_label(gateway)))
            continue
        out.sort(key=lambda f: _leads_back(flows, f.get("targetRef", ""), gateway.get("id", "")))
        choices = _choices(out, nodes)
        for flow, choice in zip(out, choices, strict=True):
            from lxml import etree

            condition = etree.SubElement(flow, _q("conditionExpression"))
            condition.text = f'{writer.get("id")}["{DECISION_FIELD}"] == {json.dumps(choice, ensure_ascii=False)}'
        work.fields.setdefault(writer.get("id", ""), {})[DECISION_FIELD] = "enum:" + json.dumps(choices)
        work.change(gateway.get("id", ""), N_("'{gateway}' follows the choice '{field}' of '{step}': {choices}",
                                              gateway=_label(gateway), field=DECISION_FIELD, step=_label(writer),
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
        base = " ".join(str(flow.get("name") or (_label(target) if target is not None else "") or "pilihan").split())
        choice, number = base, 1
        while choice in taken:
            number += 1
            choice = f"{base} {number}"
        taken.add(choice)
        found.append(choice)
    return found


def _give_forms(process: Any, work: _Work) -> None:
    """A generated form for each user task without one (and each step a condition reads)."""
    for step in _steps(process):
        step_id = step.get("id", "")
        fields = work.fields.get(step_id, {})
        bound = _properties(step).get(FORM_PROPERTY)
        if bound:
            if fields:
                work.leave(step_id, N_("conditions read {fields} from '{name}': add them to its form {form}",
                                       fields=", ".join(fields), name=_label(step), form=bound))
            continue
        if tag(step) != "userTask" and not fields:
            continue
        if tag(step) != "userTask":
            step.tag = _q("userTask")
        name = f"{work.prefix}-{step_id}.schema.json"
        required = [f for f in fields if (step_id, f) not in work.optional]
        work.forms[name] = _form_text(step, fields, work.titles.get(step_id, {}), required)
        _set_property(step, FORM_PROPERTY, name)
        said = ", ".join(fields) if fields else NOTE_FIELD
        work.change(step_id, N_("'{name}' has a generated form {form} with the fields {fields}", name=_label(step),
                                form=name, fields=said))


_TITLES = {"boolean": "Ya/Tidak"}


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
    schema = {"$schema": "https://json-schema.org/draft/2020-12/schema", "title": " ".join(_label(step).split()),
              "type": "object", "additionalProperties": False, "required": required, "properties": properties}
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"
