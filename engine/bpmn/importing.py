"""A diagram drawn in another modeler rewritten into one sop runs: made executable, ids readable data keys, every
step in a lane, a generated form for each user task, conditions in sop's language, code and data elements and
vendor extensions taken out; each change and each decision left to the process owner said as a note."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from engine.bpmn.diagram_checks import BPMN_NS, RESERVED_IDS, SPIFF_NS, is_task_id, tag
from engine.bpmn.import_gateways import decide_gateways, give_forms, translate_conditions, translate_loops
from engine.bpmn.import_lanes import add_lane_shapes, put_in_lanes
from engine.bpmn.import_splits import split_implicitly
from engine.bpmn.import_work import (
    CODE_TASKS,
    DI_NS,
    FLOW_NODES,
    OLD_ID_PROPERTY,
    STEPS,
    VENDORS,
    ImportNote,
    ImportWork,
    label,
    q,
    readable_id,
    set_property,
    unique_id,
)
from engine.bpmn.xml_reading import parse_xml
from engine.common.errors import DefinitionError
from engine.common.i18n import N_, translate

_DATA = ("dataObject", "dataObjectReference", "dataStoreReference", "dataInputAssociation", "dataOutputAssociation",
         "ioSpecification", "loopDataOutputRef", "outputDataItem", "property")
_REF_ATTRIBUTES = ("sourceRef", "targetRef", "default", "attachedToRef", "bpmnElement", "processRef")
_REF_TEXTS = ("incoming", "outgoing", "flowNodeRef", "sourceRef", "targetRef")
# bpmn-js, Camunda and Signavio generate ids like Activity_0x1y2z3 or Task_1fhojlw: data keys nobody can read.
_GENERATED = re.compile(r"[A-Za-z]+_[0-9a-z]+")
_SCRIPTS = ("preScript", "postScript", "script")


@dataclass(frozen=True)
class ImportedDiagram:
    """The rewritten diagram's text, the forms it binds (file name -> JSON text), and the notes."""

    text: str
    forms: dict[str, str]
    changes: tuple[ImportNote, ...]
    left: tuple[ImportNote, ...]


def import_diagram_text(text: str, *, source: str, prefix: str) -> ImportedDiagram:
    """The diagram rewritten for sop; forms are named `<prefix>-<step id>.schema.json`. DefinitionError when the
    text is not a BPMN diagram."""
    root = parse_xml(text, source)
    if tag(root) != "definitions" or not str(root.tag).startswith(f"{{{BPMN_NS}}}"):
        raise DefinitionError("{source} is not a BPMN diagram (its root element is <{root}>, not bpmn:definitions); "
                              "give a .bpmn file saved by a modeler", source=source, root=tag(root))
    processes = [p for p in root.iter(q("process")) if any(tag(c) in FLOW_NODES for c in p)]
    if not processes:
        raise DefinitionError("{source} holds no process with steps or events; give a diagram with a process",
                              source=source)
    work = ImportWork(root, prefix)
    for process in processes:
        _make_executable(process, work)
        _remove_data(process, work)
        _read_vendor(process, work)
    _rename_ids(root, processes, work)
    for process in processes:
        _convert_code(process, work)
        split_implicitly(process, work)
        put_in_lanes(process, work)
        translate_conditions(process, work)
        translate_loops(process, work)
        decide_gateways(process, work)
        give_forms(process, work)
    add_lane_shapes(root)
    from lxml import etree

    etree.cleanup_namespaces(root)
    etree.indent(root, space="  ")
    out = etree.tostring(root, xml_declaration=True, encoding="UTF-8").decode("utf-8")
    return ImportedDiagram(out + "\n", work.forms, tuple(work.changes), tuple(work.left))


def _make_executable(process: Any, work: ImportWork) -> None:
    if process.get("isExecutable") != "true":
        process.set("isExecutable", "true")
        work.change(process.get("id", ""), N_("process '{name}' made executable (isExecutable=\"true\")",
                                              name=label(process)))


def _remove_data(process: Any, work: ImportWork) -> None:
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
    for association in list(process.iter(q("association"))):
        if association.get("sourceRef") in ids or association.get("targetRef") in ids:
            ids.add(association.get("id", ""))
            removed["association"] = removed.get("association", 0) + 1
            association.getparent().remove(association)
    _remove_shapes(work.root, ids)
    for kind, count in sorted(removed.items()):
        work.change(process.get("id", ""), N_("{count} {kind} removed: sop keeps each step's data under the step's "
                                              "id, and conditions read it from there", count=count, kind=kind))


def _remove_shapes(root: Any, ids: set[str]) -> None:
    for shape in [s for s in root.iter(q("BPMNShape", DI_NS), q("BPMNEdge", DI_NS)) if s.get("bpmnElement") in ids]:
        shape.getparent().remove(shape)


def _read_vendor(process: Any, work: ImportWork) -> None:
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
                                                name=label(owner), extensions=", ".join(dropped)))


_FIELD_TYPES = {"boolean": "boolean", "long": "integer", "integer": "integer", "double": "number",
                "number": "number", "date": "date", "string": "string"}


def _vendor_form(step: Any, work: ImportWork) -> None:
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


def _vendor_meaning(element: Any, local: str, value: str, work: ImportWork) -> None:
    """What a vendor attribute said that the owner still needs: who does the step, when it is due, its form."""
    owner = element.get("id", "")
    if local == "candidateGroups" and value.strip():
        work.groups[owner] = value.split(",")[0].strip()
    elif local in ("assignee", "candidateUsers") and value.strip():
        work.leave(owner, N_("'{name}' was assigned to {who!r}: give that person the step's lane in the roles file",
                             name=label(element), who=value))
    elif local == "dueDate":
        work.leave(owner, N_("'{name}' was due at {due!r}: write its Mutu Baku time as the sla property (for "
                             "example 2 hari kerja)", name=label(element), due=value))
    elif local in ("formKey", "formRef"):
        work.leave(owner, N_("'{name}' named its form {form!r}: sop binds a generated form instead; add the fields "
                             "that form had", name=label(element), form=value))


def _needs_new_id(element: Any) -> bool:
    old = element.get("id", "")
    if not is_task_id(old) or old in RESERVED_IDS:
        return True
    return tag(element) in (*STEPS, *CODE_TASKS) and bool(element.get("name")) and \
        _GENERATED.fullmatch(old) is not None and any(c.isdigit() for c in old)


def _rename_ids(root: Any, processes: list[Any], work: ImportWork) -> None:
    """Flow nodes whose id is no data key (or a generated one) renamed from their names, references rewritten."""
    taken = {e.get("id") for e in root.iter() if isinstance(e.tag, str) and e.get("id")}
    renamed: dict[str, str] = {}
    for process in processes:
        for element in process.iter():
            if isinstance(element.tag, str) and tag(element) in FLOW_NODES and _needs_new_id(element):
                old = element.get("id", "")
                new = unique_id(readable_id(element.get("name") or "", tag(element)), taken)
                renamed[old] = new
                element.set("id", new)
                set_property(element, OLD_ID_PROPERTY, old)
                work.change(new, N_("'{name}' has the id {new} (was {old}), kept as the property id_asal",
                                    name=label(element), new=new, old=old))
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


def _convert_code(process: Any, work: ImportWork) -> None:
    """Script and service tasks made manual steps whose name says what the code did."""
    for element in list(process.iter(*(q(t) for t in CODE_TASKS))):
        what = _code_summary(element)
        kind = translate(CODE_TASKS[tag(element)])  # a step's name is read by officials: in their language
        for child in [c for c in element if isinstance(c.tag, str) and tag(c) == "script"]:
            element.remove(child)
        for attribute in ("scriptFormat", "implementation", "operationRef"):
            element.attrib.pop(attribute, None)
        name = f"{element.get('name') or element.get('id')} ({kind}: {what})" if what else \
            f"{element.get('name') or element.get('id')} ({kind})"
        element.tag = q("manualTask")
        element.set("name", name)
        work.leave(element.get("id", ""), N_("'{name}' ran code, which sop never runs: it is now a manual step a "
                                             "person does and confirms", name=name))


def _code_summary(element: Any) -> str:
    script = element.find(q("script"))
    text = " ".join((script.text or "").split()) if script is not None else ""
    text = text or element.get("implementation", "")
    return text[:60] + ("…" if len(text) > 60 else "")
