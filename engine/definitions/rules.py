"""The one rule set for diagrams: `sop lint` lists every finding, loading refuses with the first error."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, NamedTuple

from engine.bpmn.diagram_checks import (
    BPMN_NS,
    SPIFF_NS,
    STEP_TAGS,
    TASK_ID_RULE,
    expression_problems,
    is_task_id,
    process_problems,
    tag,
)
from engine.bpmn.flow_checks import FlowGraph, condition_problems, gateway_problems, ignored_condition_problems
from engine.bpmn.tasks import FORM_PROPERTY, UI_PROPERTY
from engine.bpmn.xml_reading import DOCTYPE_RULE, read_xml
from engine.common.durations import duration_problem
from engine.common.errors import DefinitionError, EngineError
from engine.common.i18n import N_

ERROR, WARNING = "error", "warning"


# The rules a version already pinned in a store must still pass to be replayed: what keeps it safe to run (no
# code, nothing SpiffWorkflow cannot drive). Rules added since (lanes, forms, flow) do not rewrite history.
PINNED_RULES = frozenset({"xml-malformed", DOCTYPE_RULE, "xsd", "process-unparsable", "id-reserved", "script-refused",
                          "element-unsupported", "flow-dangling", "condition-invalid", "timer-invalid",
                          "task-id-invalid", "sla-invalid", "form-ref-outside"})


class Finding(NamedTuple):
    """One rule a diagram breaks: how bad, where, which rule, and a message saying what and how to fix."""

    severity: str
    line: int | None
    element: str | None
    rule: str
    message: str


class DiagramRuleError(DefinitionError):
    """A diagram loading refuses: the message names the first error; findings holds every error of the check."""

    def __init__(self, message: str, findings: Iterable[Finding], process_ids: Iterable[str] = ()) -> None:
        super().__init__(message)
        self.findings = tuple(findings)
        self.process_ids = tuple(process_ids)


class FormSource:
    """Where a diagram's forms come from (a forms folder or a stored bundle); each text is read once and kept."""

    def __init__(self, where: str, read: Callable[[str], str | None], folder: Path | None = None) -> None:
        self.where = where
        self._read = read
        self.folder = folder
        self.texts: dict[str, str] = {}

    def label(self, name: str) -> str:
        """How messages name a form: its path in a forms folder, its name in a bundle."""
        return str(self.folder / name) if self.folder is not None else name

    def text(self, name: str) -> str | None:
        """The form's text, None when there is none; OSError or UnicodeDecodeError when it cannot be read."""
        if name not in self.texts:
            found = self._read(name)
            if found is None:
                return None
            self.texts[name] = found
        return self.texts[name]


def folder_forms(forms_dir: Path) -> FormSource:
    """The forms of a forms folder."""

    def read(name: str) -> str | None:
        path = forms_dir / name
        return path.read_text(encoding="utf-8") if path.is_file() else None

    return FormSource(N_("the forms folder '{forms_dir}'", forms_dir=forms_dir), read, forms_dir)


def bundle_forms(bundle: dict[str, Any]) -> FormSource:
    """The forms a stored definition bundle pins."""
    forms = bundle.get("forms") or {}
    return FormSource(N_("the definition's bundle"), lambda name: forms.get(name) if isinstance(forms, dict) else None)


def diagram_root(text: str) -> tuple[Any, list[Finding]]:
    """The root element of a diagram's text (as engine/bpmn/xml_reading.py reads it), or None and why not."""
    root, problem = read_xml(text)
    if problem is not None:
        return None, [Finding(ERROR, problem.line, None, problem.rule, problem.message)]
    if root.tag != f"{{{BPMN_NS}}}definitions":
        return None, [Finding(ERROR, root.sourceline, None, "xsd",
                              f"not a BPMN 2.0 file (root element {root.tag}); save it as BPMN 2.0")]
    return root, []


def executable_processes(root: Any) -> list[Any]:
    """The process elements of a diagram that sop runs (isExecutable is true or absent)."""
    return [p for p in drawn_processes(root) if p.get("isExecutable", "true").lower() == "true"]


def drawn_processes(root: Any) -> list[Any]:
    """The process elements of a diagram, without the empty ones (a pool with no flow node, as Bizagi writes one
    for each outside participant) when another process has steps."""
    processes = list(root.iter(f"{{{BPMN_NS}}}process"))
    drawn = [p for p in processes if any(_is_flow_node(child) for child in p)]
    return drawn or processes


def _is_flow_node(element: Any) -> bool:
    name = tag(element)
    return name.endswith(("Event", "Task", "Gateway")) or name in ("task", "subProcess", "callActivity",
                                                                    "transaction", "adHocSubProcess")


IDLE_RULE = "process-not-executable"


def diagram_findings(root: Any, forms: FormSource, lanes_known: set[str] | None = None) -> list[Finding]:
    """Every finding of the sop rules in a diagram's executable processes (not SpiffWorkflow's own parse), and
    each process it does not run (an error when it runs none)."""
    processes = executable_processes(root)
    idle = [p for p in drawn_processes(root) if p not in processes]
    severity = WARNING if processes else ERROR
    out = [_idle_finding(p, severity) for p in idle]
    if not processes and not idle:
        out.append(Finding(ERROR, root.sourceline, None, "process-unparsable", "has no process; draw one"))
    return out + [found for process in processes for found in process_findings(process, forms, lanes_known)]


def _idle_finding(process: Any, severity: str) -> Finding:
    process_id, flag = process.get("id"), process.get("isExecutable")
    exporter = exporter_name(process.getroottree().getroot())
    key = (exporter or "").lower()
    if "bpmn-js" in key or "bpmn.io" in key:
        message = N_("process '{process_id}' has isExecutable=\"{flag}\" ({exporter}'s new-diagram default), so "
                     "sop does not run it; set isExecutable=\"true\" on the process (Camunda Modeler: its Executable "
                     "checkbox; bpmn.io has none, so open the diagram in Camunda Modeler)",
                     process_id=process_id, flag=flag, exporter=exporter)
    elif "camunda" in key:
        message = N_("process '{process_id}' has isExecutable=\"{flag}\", as {exporter} wrote it, so sop does not "
                     "run it; set isExecutable=\"true\" on the process: in Camunda Modeler, select the process (or its "
                     "pool) and tick Executable in the properties panel", process_id=process_id, flag=flag,
                     exporter=exporter)
    elif exporter:
        message = N_("process '{process_id}' has isExecutable=\"{flag}\", as {exporter} wrote it, so sop does not "
                     "run it; set isExecutable=\"true\" on the process: in {exporter}'s properties of the process "
                     "if it has that setting, else open the diagram in Camunda Modeler, select the process (or its "
                     "pool) and tick Executable", process_id=process_id, flag=flag, exporter=exporter)
    else:
        message = N_("process '{process_id}' has isExecutable=\"{flag}\", so sop does not run it; set "
                     "isExecutable=\"true\" on the process (in Camunda Modeler: select the process or its pool and "
                     "tick Executable in the properties panel)", process_id=process_id, flag=flag)
    return Finding(severity, process.sourceline, process_id, IDLE_RULE, message)


def exporter_name(root: Any) -> str | None:
    """The modeler that wrote a diagram, as its definitions' exporter and exporterVersion say ("Signavio Process
    Editor 16.1"), without the web address some add; None when the file does not say."""
    name = (root.get("exporter") or "").split(",")[0]
    name = re.sub(r"\s*\(?https?://\S*\)?", "", name).strip()[:60]
    version = (root.get("exporterVersion") or "").strip()[:20]
    return f"{name} {version}".strip() if name else None


def step_elements(process: Any) -> list[Any]:
    """The user, manual and plain tasks of a process, the steps people complete."""
    return [t for step_tag in STEP_TAGS for t in process.iter(f"{{{BPMN_NS}}}{step_tag}")]


def node_lanes(process: Any) -> dict[str, list[Any]]:
    """The innermost lanes listing each flow node, matched as SpiffWorkflow 3.2 matches them: the text before
    any comment inside a flowNodeRef, exactly, from the lanes of every process of the document."""
    listed: dict[str, list[Any]] = {}
    for ref in process.getroottree().iter(f"{{{BPMN_NS}}}flowNodeRef"):
        lanes = listed.setdefault(ref.text or "", [])
        if not any(lane is ref.getparent() for lane in lanes):
            lanes.append(ref.getparent())
    return {node: [lane for lane in lanes if not any(_inside(other, lane) for other in lanes if other is not lane)]
            for node, lanes in listed.items()}


def _inside(inner: Any, outer: Any) -> bool:
    return any(ancestor is outer for ancestor in inner.iterancestors())


def step_lane(lanes: dict[str, list[Any]], bpmn_id: str) -> str | None:
    """The name of the one lane a step is in, as the runtime reads it (None when in none, several or unnamed)."""
    found = lanes.get(bpmn_id, [])
    return found[0].get("name") if len(found) == 1 else None


def process_findings(process: Any, forms: FormSource, lanes_known: set[str] | None = None) -> list[Finding]:
    """Every finding of one process: elements sop cannot run, steps, lanes, forms, flow and gateways."""
    out: list[Finding] = []

    def add(line: int | None, element: str | None, rule: str, message: str, severity: str = ERROR) -> None:
        out.append(Finding(severity, line, element, rule, message))

    from engine.bpmn.data_names import name_problems, start_data_names, start_data_problems

    tasks = step_elements(process)
    step_ids = {t.get("id", "") for t in tasks}
    declared = {**_start_form_fields(process, forms, add), **start_data_names(process)}
    start_data = frozenset(declared)
    for found in process_problems(process, step_ids, start_data):
        add(found.line, found.element, found.rule, found.message)
    _modeler_findings(process, tasks, add)
    for line, element, rule, message in start_data_problems(declared, step_ids, process.get("id", "")):
        add(line, element, rule, message)
    if lanes_known is not None:
        _role_warnings(process, lanes_known, add)
    lanes = node_lanes(process)
    schemas: dict[str, dict[str, Any]] = {}
    for task in tasks:
        _lane_findings(task, lanes, add)
        schema = _step_findings(task, forms, add)
        if schema is not None:
            schemas[task.get("id", "")] = schema
    _form_ref_findings(tasks + start_events_with_forms(process), forms, add)
    _form_default_findings(tasks, schemas, forms, add)
    graph = FlowGraph(process)
    for line, element, rule, message in graph.problems():
        add(line, element, rule, message)
    for line, element, rule, message in condition_problems(process, graph, step_ids, schemas, start_data):
        add(line, element, rule, message)
    for line, element, rule, message in name_problems(process, graph, step_ids, set(start_data), schemas):
        add(line, element, rule, message)
    for line, element, rule, message in ignored_condition_problems(process, graph):
        add(line, element, rule, message)
    for line, element, rule, message, severity in gateway_problems(process, schemas):
        add(line, element, rule, message, severity)
    return out


def _modeler_findings(process: Any, tasks: list[Any], add: Any) -> None:
    """What other modelers write that sop does not read, a process with no form at all, and the properties
    Camunda Modeler writes (a name given two values is an error)."""
    from engine.bpmn.modeler_conventions import convention_warnings, formless_warning
    from engine.bpmn.modeler_properties import property_conflicts, property_suggestions

    formless = formless_warning(process, tasks)
    for found in [*convention_warnings(process), *([formless] if formless else []), *property_suggestions(process)]:
        add(found.line, found.element, found.rule, found.message, WARNING)
    for found in property_conflicts(process):
        add(found.line, found.element, found.rule, found.message)


def _form_default_findings(tasks: list[Any], schemas: dict[str, dict[str, Any]], forms: FormSource, add: Any) -> None:
    """Each form field that takes its default from an earlier step (`x-sop-default: {from: STEP.FIELD}`) names a
    step of the process and a field of that step's form."""
    from engine.definitions.form_defaults import source_problems

    lines = {t.get("id", ""): t.sourceline for t in tasks}
    labels = {t.get("id", ""): forms.label(p.get("value", "")) for t in tasks
              for p in t.iter(f"{{{SPIFF_NS}}}property") if p.get("name") == FORM_PROPERTY}
    bound = {step: (labels.get(step, step), schema) for step, schema in schemas.items()}
    for step, message in source_problems(bound, set(lines)):
        add(lines.get(step), step, "form-default-invalid", message)


def start_events_with_forms(process: Any) -> list[Any]:
    """The start events of a process that bind a form: the form of its start data."""
    return [event for event in process.iter(f"{{{BPMN_NS}}}startEvent")
            if any(p.get("name") == FORM_PROPERTY and p.get("value") for p in event.iter(f"{{{SPIFF_NS}}}property"))]


def _start_form_fields(process: Any, forms: FormSource, add: Any) -> dict[str, int | None]:
    """The fields of the start events' forms (declared start data, by line), each form checked as a step's is."""
    found: dict[str, int | None] = {}
    for event in start_events_with_forms(process):
        name = next(p.get("value", "") for p in event.iter(f"{{{SPIFF_NS}}}property") if p.get("name") == FORM_PROPERTY)
        schema = _form_schema(event.get("id", ""), event.sourceline, name, forms, add)
        fields = schema.get("properties") if schema is not None else None
        for field in fields if isinstance(fields, dict) else ():
            found.setdefault(field, event.sourceline)
    return found


def _form_ref_findings(tasks: list[Any], forms: FormSource, add: Any) -> None:
    """Each `$ref` of a bound form (or of a form it reaches) to anything but the pinned forms, once, at the first
    step that binds it."""
    from engine.definitions.form_refs import REF_RULE, closed_forms, is_form_name, outside_refs

    seen: set[tuple[str, str]] = set()
    for task in tasks:
        names = [p.get("value", "") for p in task.iter(f"{{{SPIFF_NS}}}property") if p.get("name") == FORM_PROPERTY]
        names = [n for n in names if is_form_name(n)]
        if not names:
            continue
        for found in outside_refs(closed_forms(names, forms.text)):
            if (found.form, found.pointer) not in seen:
                seen.add((found.form, found.pointer))
                add(task.sourceline, task.get("id", ""), REF_RULE, found.message(forms.label(found.form)))


def _role_warnings(process: Any, lanes_known: set[str], add: Any) -> None:
    from engine.common.lanes import lane_key

    for lane in process.iter(f"{{{BPMN_NS}}}lane"):
        name = lane.get("name") or lane.get("id")
        if lane_key(name) not in lanes_known:
            add(lane.sourceline, lane.get("id"), "lane-unknown-role",
                f"lane '{name}' is in no one's lanes in the roles file; nobody may act in it", WARNING)


def step_kind(task: Any) -> str:
    """How messages name a step's element: user task, manual task or task."""
    return {"userTask": "user task", "manualTask": "manual task"}.get(tag(task), "task")


def _lane_findings(task: Any, lanes: dict[str, list[Any]], add: Any) -> None:
    """A step is in exactly one named lane: its actor's; else anyone in the roles file could complete it."""
    bpmn_id, line, kind = task.get("id", ""), task.sourceline, step_kind(task)
    found = lanes.get(bpmn_id, [])
    if not found:
        spaced = any(node.strip() == bpmn_id for node in lanes)
        hint = " (a lane lists it with spaces around the id; remove them)" if spaced else ""
        split = _split_ref(task, bpmn_id)
        if split is not None:
            hint = (f" (the flowNodeRef on line {split} has a comment or other markup inside the id, and only the "
                    "text before it counts; write the id alone)")
        add(line, bpmn_id, "lane-missing", f"{kind} '{bpmn_id}' is in no lane{hint}; put it in its actor's lane")
    elif len(found) > 1:
        names = ", ".join(f"'{lane.get('name') or lane.get('id')}'" for lane in found)
        add(line, bpmn_id, "lane-multiple",
            f"{kind} '{bpmn_id}' is in {len(found)} lanes ({names}); keep it in its actor's lane only")
    elif not found[0].get("name"):
        add(line, bpmn_id, "lane-missing",
            f"{kind} '{bpmn_id}' is in lane '{found[0].get('id')}', which has no name; name the lane after "
            "its actor, as the roles file writes it")


def _split_ref(task: Any, bpmn_id: str) -> int | None:
    """The line of a flowNodeRef that names the task only with markup (a comment, ...) inside its text."""
    for ref in task.getroottree().iter(f"{{{BPMN_NS}}}flowNodeRef"):
        if len(ref) and ((ref.text or "") + "".join(child.tail or "" for child in ref)).strip() == bpmn_id:
            line: int | None = ref.sourceline
            return line
    return None


def _step_findings(task: Any, forms: FormSource, add: Any) -> dict[str, Any] | None:
    """The rules of one step; returns its form's schema when the form is readable."""
    bpmn_id, line, kind = task.get("id", ""), task.sourceline, step_kind(task)
    if not is_task_id(bpmn_id):
        add(line, bpmn_id, "task-id-invalid", f"{kind} id '{bpmn_id}' is not a valid data key; {TASK_ID_RULE}")
    props = {p.get("name", ""): p.get("value", "") for p in task.iter(f"{{{SPIFF_NS}}}property")}
    if props.get(UI_PROPERTY):
        _ui_schema_findings(bpmn_id, line, props[UI_PROPERTY], forms, add)
    sla = props.get("sla")
    problem = duration_problem(sla) if sla is not None else None
    if problem:
        add(line, bpmn_id, "sla-invalid", f"task '{bpmn_id}' has sla={sla!r}, {problem}")
    if props.get("check"):
        for rule, message in expression_problems(props["check"], N_("task '{task_id}' check", task_id=bpmn_id),
                                                 set()):
            if rule == "condition-invalid":
                add(line, bpmn_id, rule, message)
    name = props.get(FORM_PROPERTY)
    if not name:
        if kind == "user task":
            add(line, bpmn_id, "form-missing", f"user task '{bpmn_id}' binds no form; add the {FORM_PROPERTY} "
                "property, naming a JSON Schema file of the forms folder: in Camunda Modeler, apply sop's element "
                "template 'Langkah SOP' to the task and fill its Formulir field (bpmn.io has no field for it: open "
                "the diagram in Camunda Modeler or spiff-arena's modeler; the process owners' guide, 'Opening a "
                "diagram in a modeler', says how)")
        return None  # a manual or plain task without a form: completing it records who and when, nothing else
    if kind != "user task":
        add(line, bpmn_id, "task-type-form",
            f"{kind} '{bpmn_id}' binds form '{name}', so sop runs it as a user task with that form; make it a user "
            f"task to say so, or remove {FORM_PROPERTY} for a step with no artefact", WARNING)
    return _form_schema(bpmn_id, line, name, forms, add)


def _ui_schema_findings(bpmn_id: str, line: int | None, name: str, forms: FormSource, add: Any) -> None:
    """A formUiSchemaFilename names a JSON object in the forms folder, pinned with the version."""
    import json

    from engine.definitions.form_refs import is_form_name

    if not is_form_name(name):
        add(line, bpmn_id, "form-file-missing",
            f"task '{bpmn_id}' has {UI_PROPERTY}={name!r}; give a plain file name in the forms folder")
        return
    try:
        text = forms.text(name)
    except (OSError, UnicodeDecodeError) as exc:
        add(line, bpmn_id, "form-invalid", f"UI schema {forms.label(name)} cannot be read as UTF-8 ({exc}); "
            "save it as UTF-8")
        return
    if text is None:
        add(line, bpmn_id, "form-file-missing", f"task '{bpmn_id}' names UI schema '{name}', which is not in "
            f"{forms.where}; add the file or remove {UI_PROPERTY}")
        return
    try:
        loaded = json.loads(text)
    except (ValueError, RecursionError):
        loaded = None
    if not isinstance(loaded, dict):
        add(line, bpmn_id, "form-invalid", f"UI schema {forms.label(name)} is not a JSON object; fix the file")


def _form_schema(bpmn_id: str, line: int | None, name: str, forms: FormSource, add: Any) -> dict[str, Any] | None:
    if "/" in name or "\\" in name or name.startswith("."):
        add(line, bpmn_id, "form-file-missing",
            f"task '{bpmn_id}' has {FORM_PROPERTY}={name!r}; give a plain file name in the forms folder")
        return None
    try:
        text = forms.text(name)
    except (OSError, UnicodeDecodeError) as exc:
        add(line, bpmn_id, "form-invalid",
            f"form {forms.label(name)} cannot be read as UTF-8 ({exc}); save it as UTF-8")
        return None
    if text is None:
        add(line, bpmn_id, "form-file-missing",
            f"task '{bpmn_id}' binds form '{name}', which is not in {forms.where}; add the file or fix "
            f"{FORM_PROPERTY}")
        return None
    from engine.definitions.forms import parse_form  # jsonschema (~0.07 s to import) only where forms are checked

    try:
        schema = parse_form(text, forms.label(name))
    except EngineError as exc:
        add(line, bpmn_id, "form-invalid", f"task '{bpmn_id}' binds an unusable form: {exc}")
        return None
    from engine.common.expressions import RESERVED_NAMES

    fields = schema.get("properties")
    for field in sorted(set(fields) & RESERVED_NAMES if isinstance(fields, dict) else ()):
        add(line, bpmn_id, "form-field-reserved",
            f"form {forms.label(name)} has a field '{field}', a name conditions read as a constant or function; "
            "rename the field")
    return schema


def table_findings(findings: Iterable[Finding]) -> list[Finding]:
    """Findings of the BPMN an SOP table compiles to, without lines: those of the compiled XML mean nothing to
    the table's author."""
    return [f._replace(line=None) for f in findings]


def refuse(findings: Iterable[Finding], source: str, process_ids: Iterable[str] = ()) -> None:
    """Raise DiagramRuleError naming the first error (file, line, rule, what and the fix); warnings pass."""
    errors = [f for f in findings if f.severity == ERROR]
    if errors:
        raise rule_error(errors, source, process_ids)


def rule_error(errors: list[Finding], source: str, process_ids: Iterable[str] = ()) -> DiagramRuleError:
    """The error loading raises for these (one or more) errors: the first named, the others counted."""
    first = min(errors, key=lambda f: (f.line or 0, f.rule))
    where = f"{source}:{first.line}" if first.line else source
    more = len(errors) - 1
    template = (N_("{where}: {first_message} (rule {rule})") if not more
                else N_("{where}: {first_message} (rule {rule}; 1 more error: run `sop lint` to see all)") if more == 1
                else N_("{where}: {first_message} (rule {rule}; {more} more errors: run `sop lint` to see all)"))
    return DiagramRuleError(N_(template, where=where, first_message=first.message, rule=first.rule, more=more),
                            errors, process_ids)
