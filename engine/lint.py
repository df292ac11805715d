"""`sop lint`: every problem of a definitions folder at once, each with file, line, element and rule."""

from __future__ import annotations

import copy
import keyword
from pathlib import Path
from typing import Any, NamedTuple

from .diagram_checks import BPMN_NS, SPIFF_NS, STEP_TAGS, expression_problems, process_problems
from .durations import is_duration
from .errors import EngineError
from .lint_flow import Graph, condition_problems, gateway_problems
from .tasks import FORM_PROPERTY

ERROR, WARNING = "error", "warning"
# Names a task id may not take: they would shadow the evaluator's constants and functions in conditions.
_SHADOWED = {"True", "False", "None", "true", "false", "null", "len", "min", "max", "abs", "str", "int", "float",
             "bool", "round", "sorted", "any", "all"}


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
    """Lint BPMN files and definitions folders; problems sorted by file and line."""
    problems: list[Problem] = []
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted([*path.glob("*.bpmn"), *path.glob("*.sop.yaml"), *path.glob("*.sop.yml")]))
            problems.extend(_page_problems(path))
        else:
            files.append(path)
    seen: dict[str, str] = {}
    for path in files:
        roles = roles_file if roles_file is not None else path.parent / "roles.yaml"
        problems.extend(lint_file(path, forms_dir, role_lanes(roles), seen))
    return sorted(problems, key=lambda p: (p.file, p.line or 0, p.rule))


def role_lanes(path: Path) -> set[str] | None:
    """The lanes a roles file knows (a mapping of people to {lanes: [...]}), or None when there is no such file."""
    if not path.is_file():
        return None
    from .yamlio import parse_yaml

    try:
        people = parse_yaml(path.read_text(encoding="utf-8"), str(path))
    except (OSError, UnicodeDecodeError, EngineError):
        return None
    lanes: set[str] = set()
    for person in (people.values() if isinstance(people, dict) else []):
        if isinstance(person, dict) and isinstance(person.get("lanes"), list):
            lanes.update(str(lane) for lane in person["lanes"])
    return lanes


def _page_problems(folder: Path) -> list[Problem]:
    from .definitions import _yaml_pages

    broken: dict[str, str] = {}
    _yaml_pages(folder, broken)
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
    from .sop_bpmn import compile_table
    from .sop_yaml import read_table

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
        if lanes_known is not None and name not in lanes_known:
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
    if not bpmn_id.isidentifier() or keyword.iskeyword(bpmn_id) or bpmn_id in _SHADOWED or bpmn_id.startswith("_"):
        add(line, bpmn_id, "task-id-invalid",
            f"user task id '{bpmn_id}' is not a valid data key; use letters, digits and _ only, not starting with a "
            "digit or _, and not a Python keyword or a condition function (for example DraftSurat)")
    if bpmn_id not in lanes:
        add(line, bpmn_id, "lane-missing", f"user task '{bpmn_id}' is in no lane; put it in its actor's lane")
    props = {p.get("name", ""): p.get("value", "") for p in task.iter(f"{{{SPIFF_NS}}}property")}
    sla = props.get("sla")
    if sla is not None and not is_duration(sla):
        add(line, bpmn_id, "sla-invalid",
            f"task '{bpmn_id}' has sla={sla!r}, not an ISO-8601 duration; write it as PT30M, PT1H or P1D")
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
    from .forms import parse_form

    try:
        return parse_form(form_path.read_text(encoding="utf-8"), str(form_path))
    except (OSError, UnicodeDecodeError) as exc:
        add(line, bpmn_id, "form-invalid", f"form {form_path} cannot be read as UTF-8 ({exc}); save it as UTF-8")
    except EngineError as exc:
        add(line, bpmn_id, "form-invalid", f"task '{bpmn_id}' binds an unusable form: {exc}")
    return None
