"""`sop lint`: every problem of a definitions folder at once, each with file, line, element and rule."""

from __future__ import annotations

import copy
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
)
from engine.bpmn.tasks import FORM_PROPERTY
from engine.common.durations import duration_problem
from engine.common.errors import EngineError
from engine.common.lanes import lane_key
from engine.lint.lint_flow import Graph, condition_problems, gateway_problems

ERROR, WARNING = "error", "warning"

class Problem(NamedTuple):
    """One lint finding; the keys of `sop lint --json`."""

    severity: str
    file: str
    line: int | None
    element: str | None
    rule: str
    message: str

    def to_json(self) -> dict[str, Any]:
        """The documented JSON of one finding."""
        return self._asdict()


def lint(paths: list[Path], forms_dir: Path, roles_file: Path | None = None) -> list[Problem]:
    """Lint BPMN files and definitions folders; problems sorted by file and line. A path with nothing to lint,
    and a roles file that is missing (when given) or malformed, are errors."""
    problems: list[Problem] = []
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            found = sorted([*path.glob("*.bpmn"), *path.glob("*.sop.yaml"), *path.glob("*.sop.yml")])
            found = [f for f in found if f.is_file()]
            files.extend(found)
            problems.extend(_page_problems(path))
        elif path.is_file():
            found = [path]
            files.append(path)
        else:
            found = []
        if not found:
            problems.append(Problem(ERROR, str(path), None, None, "nothing-to-lint",
                                    f"nothing to lint in {path}: give a definitions folder holding *.bpmn or "
                                    "*.sop.yaml files, or such a file"))
    seen: dict[str, str] = {}
    known: dict[Path, set[str] | None] = {}
    if roles_file is not None:
        known[roles_file] = role_lanes(roles_file, problems, required=True)
    for path in files:
        roles = roles_file if roles_file is not None else path.parent / "roles.yaml"
        if roles not in known:
            known[roles] = role_lanes(roles, problems, required=False)
        problems.extend(lint_file(path, forms_dir, known[roles], seen))
    return sorted(problems, key=lambda p: (p.file, p.line or 0, p.rule))


def role_lanes(path: Path, problems: list[Problem], required: bool) -> set[str] | None:
    """The lanes a roles file knows (as roles.lane_key compares them), read by the roles file's own loader; None
    when there is none to use. A malformed file, or a missing one that was asked for, adds a roles-invalid error."""
    from engine.definitions.roles import find_roles, load_roles

    try:
        if required:
            find_roles(str(path), path.parent)  # a missing file or a folder is refused, as other commands do
        elif not path.is_file():
            return None
        roles = load_roles(path)
    except EngineError as exc:
        text, line = str(exc), _line_of(str(exc), str(path))
        if text.startswith(f"{path}:"):  # the file and line go to their own columns
            text = text.split(":", 2 if line else 1)[-1].strip()
        problems.append(Problem(ERROR, str(path), line, None, "roles-invalid", text))
        return None
    return {lane_key(lane) for person in roles.people.values() for lane in person.lanes}


def _page_problems(folder: Path) -> list[Problem]:
    from engine.definitions.catalog import yaml_pages

    broken: dict[str, str] = {}
    yaml_pages(folder, broken)
    out = []
    for stem, message in broken.items():
        page = next((p for p in (folder / f"{stem}.yaml", folder / f"{stem}.yml") if p.exists()), folder / stem)
        line = _line_of(message, str(page))
        out.append(Problem(ERROR, str(page), line, None, "page-invalid", message))
    return out


def _line_of(message: str, source: str) -> int | None:
    rest = message[len(source) + 1:] if message.startswith(source + ":") else ""
    digits = rest.split(":", 1)[0]
    return int(digits) if digits.isdigit() else None


def lint_file(path: Path, forms_dir: Path, lanes_known: set[str] | None, seen: dict[str, str]) -> list[Problem]:
    """Every problem of one BPMN file or SOP table (NAME.sop.yaml)."""
    source = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        rule = "table-invalid" if path.name.endswith((".sop.yaml", ".sop.yml")) else "xml-malformed"
        return [Problem(ERROR, source, None, None, rule, f"cannot be read as UTF-8 text ({exc}); save it as UTF-8")]
    if path.name.endswith((".sop.yaml", ".sop.yml")):
        return _lint_table(text, source, forms_dir, lanes_known, seen)
    return _lint_bpmn(text, source, forms_dir, lanes_known, seen)


def _lint_table(text: str, source: str, forms_dir: Path, lanes_known: set[str] | None,
                seen: dict[str, str]) -> list[Problem]:
    """A table's own mistakes with their lines; then the rules for diagrams on the BPMN it compiles to."""
    from engine.table.sop_bpmn import compile_table
    from engine.table.sop_yaml import read_table

    try:
        table, _ = read_table(text, source, forms_dir)
    except EngineError as exc:
        found = getattr(exc, "table_problems", None) or [(_line_of(str(exc), source), str(exc))]
        return [Problem(ERROR, source, line, None, "table-invalid", message) for line, message in found]
    compiled = _lint_bpmn(compile_table(table, source), source, forms_dir, lanes_known, seen)
    return [p._replace(line=None) for p in compiled]  # lines of the compiled XML mean nothing to the author


def _lint_bpmn(text: str, source: str, forms_dir: Path, lanes_known: set[str] | None,
               seen: dict[str, str]) -> list[Problem]:
    from lxml import etree

    out: list[Problem] = []

    def add(line: int | None, element: str | None, rule: str, message: str, severity: str = ERROR) -> None:
        out.append(Problem(severity, source, line, element, rule, message))

    try:
        root = etree.fromstring(text.encode("utf-8"), etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError as exc:
        add(exc.lineno, None, "xml-malformed", f"not well-formed XML ({exc.msg}); fix the diagram")
        return out
    if root.tag != f"{{{BPMN_NS}}}definitions":
        add(root.sourceline, None, "xsd", f"not a BPMN 2.0 file (root element {root.tag}); save it as BPMN 2.0")
        return out
    out.extend(_xsd_problems(root, source))
    parser = _spiff_parser(root, source, add)
    processes = [p for p in root.iter(f"{{{BPMN_NS}}}process") if p.get("isExecutable", "true").lower() == "true"]
    if not processes:
        add(root.sourceline, None, "process-unparsable", 'has no executable process (isExecutable="true")')
    for process in processes:
        process_id = process.get("id", "")
        if process_id in seen:
            add(process.sourceline, process_id, "process-duplicate",
                f"process '{process_id}' is also defined in {seen[process_id]}; give each process its own id")
        seen.setdefault(process_id, source)
        if parser is not None:
            _spiff_process(parser, process, add)
        _lint_process(process, forms_dir, lanes_known, add)
    return out


def _xsd_problems(root: Any, source: str) -> list[Problem]:
    """Every XSD violation (SpiffWorkflow's BPMN 2.0 schema with its extensions), not only the first."""
    from SpiffWorkflow.spiff.parser import VALIDATOR

    doc = copy.deepcopy(root)
    VALIDATOR.preprocess(doc)
    if VALIDATOR.validator.validate(doc):
        return []
    at_line: dict[int, str] = {}
    for element in root.iter():
        if isinstance(element.tag, str) and element.get("id") and element.sourceline:
            at_line.setdefault(element.sourceline, element.get("id"))
    return [Problem(ERROR, source, e.line, at_line.get(e.line), "xsd", f"not BPMN 2.0 by the XSD: {e.message}")
            for e in VALIDATOR.validator.error_log]


def _spiff_parser(root: Any, source: str, add: Any) -> Any:
    from SpiffWorkflow.exceptions import SpiffWorkflowException
    from SpiffWorkflow.spiff.parser import SpiffBpmnParser

    parser = SpiffBpmnParser()
    try:
        parser.add_bpmn_xml(copy.deepcopy(root), source)
    except SpiffWorkflowException as exc:
        add(getattr(exc, "line_number", None), getattr(exc, "id", None), "process-unparsable",
            f"SpiffWorkflow cannot read the file: {exc}")
        return None
    return parser


def _spiff_process(parser: Any, process: Any, add: Any) -> None:
    from SpiffWorkflow.exceptions import SpiffWorkflowException

    try:
        parser.get_spec(process.get("id"))
    except SpiffWorkflowException as exc:
        element = getattr(exc, "id", None) or process.get("id")
        found = next((e for e in process.iter() if isinstance(e.tag, str) and e.get("id") == element), process)
        add(getattr(exc, "line_number", None) or found.sourceline, element,
            "process-unparsable", f"SpiffWorkflow cannot use process '{process.get('id')}': {str(exc).strip()}")
    except Exception as exc:  # SpiffWorkflow 3.2 raises plain errors on some broken graphs
        add(process.sourceline, process.get("id"), "process-unparsable",
            f"SpiffWorkflow cannot use process '{process.get('id')}': {type(exc).__name__}: {exc}")


def _lint_process(process: Any, forms_dir: Path, lanes_known: set[str] | None, add: Any) -> None:
    tasks = [t for step_tag in STEP_TAGS for t in process.iter(f"{{{BPMN_NS}}}{step_tag}")]
    step_ids = {t.get("id", "") for t in tasks}
    for found in process_problems(process, step_ids):
        add(found.line, found.element, found.rule, found.message)
    lanes = {}
    for lane in process.iter(f"{{{BPMN_NS}}}lane"):
        name = lane.get("name") or lane.get("id")
        for ref in lane.iter(f"{{{BPMN_NS}}}flowNodeRef"):
            lanes[(ref.text or "").strip()] = name
        if lanes_known is not None and lane_key(name) not in lanes_known:
            add(lane.sourceline, lane.get("id"), "lane-unknown-role",
                f"lane '{name}' is in no one's lanes in the roles file; nobody may act in it", WARNING)
    schemas: dict[str, dict[str, Any]] = {}
    for task in tasks:
        schema = _lint_step(task, lanes, forms_dir, add)
        if schema is not None:
            schemas[task.get("id", "")] = schema
    graph = Graph(process)
    for line, element, rule, message in graph.problems():
        add(line, element, rule, message)
    for line, element, rule, message in condition_problems(process, graph, step_ids, schemas):
        add(line, element, rule, message)
    for line, element, rule, message, severity in gateway_problems(process, schemas):
        add(line, element, rule, message, severity)


def _lint_step(task: Any, lanes: dict[str, str], forms_dir: Path, add: Any) -> dict[str, Any] | None:
    """The rules of one user task; returns its form's schema when the form is readable."""
    bpmn_id, line = task.get("id", ""), task.sourceline
    if not is_task_id(bpmn_id):
        add(line, bpmn_id, "task-id-invalid", f"user task id '{bpmn_id}' is not a valid data key; {TASK_ID_RULE}")
    if bpmn_id not in lanes:
        add(line, bpmn_id, "lane-missing", f"user task '{bpmn_id}' is in no lane; put it in its actor's lane")
    props = {p.get("name", ""): p.get("value", "") for p in task.iter(f"{{{SPIFF_NS}}}property")}
    sla = props.get("sla")
    problem = duration_problem(sla) if sla is not None else None
    if problem:
        add(line, bpmn_id, "sla-invalid",
            f"task '{bpmn_id}' has sla={sla!r}, {problem}")
    if props.get("check"):
        for rule, message in expression_problems(props["check"], f"task '{bpmn_id}' check", set()):
            if rule == "condition-invalid":
                add(line, bpmn_id, rule, message)
    name = props.get(FORM_PROPERTY)
    if not name:
        add(line, bpmn_id, "form-missing", f"user task '{bpmn_id}' binds no form; add the {FORM_PROPERTY} property")
        return None
    if "/" in name or "\\" in name or name.startswith("."):
        add(line, bpmn_id, "form-file-missing",
            f"task '{bpmn_id}' has {FORM_PROPERTY}={name!r}; give a plain file name in the forms folder")
        return None
    form_path = forms_dir / name
    if not form_path.is_file():
        add(line, bpmn_id, "form-file-missing",
            f"task '{bpmn_id}' binds form '{name}', which is not in the forms folder '{forms_dir}'; add the file "
            f"or fix {FORM_PROPERTY}")
        return None
    from engine.definitions.forms import parse_form

    try:
        return parse_form(form_path.read_text(encoding="utf-8"), str(form_path))
    except (OSError, UnicodeDecodeError) as exc:
        add(line, bpmn_id, "form-invalid", f"form {form_path} cannot be read as UTF-8 ({exc}); save it as UTF-8")
    except EngineError as exc:
        add(line, bpmn_id, "form-invalid", f"task '{bpmn_id}' binds an unusable form: {exc}")
    return None
