"""`sop lint`: every problem of a definitions folder at once, each with file, line, element and rule."""

from __future__ import annotations

from pathlib import Path
from typing import Any, NamedTuple

from engine.bpmn.xml_reading import diagram_text_or_problem
from engine.common.errors import EngineError
from engine.common.i18n import N_
from engine.common.lanes import lane_key
from engine.definitions.rules import (
    ERROR,
    WARNING,
    Finding,
    FormSource,
    diagram_findings,
    diagram_root,
    executable_processes,
    folder_forms,
)

__all__ = ["ERROR", "WARNING", "LintProblem", "lint_file", "lint_paths"]

class LintProblem(NamedTuple):
    """One lint finding; the keys of `sop lint --json`."""

    severity: str
    file: str
    line: int | None
    element: str | None
    rule: str
    message: str
    row: int | None = None  # an SOP table's row (its place, 1-based), when the problem is in one
    key: str | None = None  # the key in the table (`keputusan.syarat`, `sop.nomor`), when there is one

    @property
    def is_error(self) -> bool:
        """An error (it blocks loading and makes `sop lint` exit 1), not a warning."""
        return self.severity == ERROR

    def to_json(self) -> dict[str, Any]:
        """The documented JSON of one finding."""
        return self._asdict()


def lint_paths(paths: list[Path], forms_dir: Path, *, roles_file: Path | None = None) -> list[LintProblem]:
    """Lint BPMN files and definitions folders; problems sorted by file and line. A path with nothing to lint,
    and a roles file that is missing (when given) or malformed, are errors."""
    problems: list[LintProblem] = []
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            found = sorted([*path.glob("*.bpmn"), *path.glob("*.sop.yaml"), *path.glob("*.sop.yml")])  # not .xlsx:
            # a folder runs tables and diagrams; a workbook is linted when named, before `sop compile` makes it one
            found = [f for f in found if f.is_file()]
            files.extend(found)
            problems.extend(_page_problems(path))
            problems.extend(_title_problems(path, forms_dir))
        elif path.is_file():
            found = [path]
            files.append(path)
        else:
            found = []
        if not found:
            problems.append(LintProblem(ERROR, str(path), None, None, "nothing-to-lint",
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
        problems.extend(lint_file(path, forms_dir, _page_lanes_known(path, known[roles]), seen))
    for path in paths:
        if path.is_dir():
            problems.extend(_shared_lane_problems(path, forms_dir, roles_file or path / "roles.yaml"))
    return sorted(problems, key=lambda p: (p.file, p.line or 0, p.rule))


def _page_lanes_known(path: Path, known: set[str] | None) -> set[str] | None:
    """The roles' lanes as a diagram draws them when its page (same file name) gives them a unit."""
    from engine.common.yamlio import parse_yaml
    from engine.definitions.lane_units import UNIT_KEYS, drawn_lanes_known

    page_file = next((p for p in (path.with_suffix(".yaml"), path.with_suffix(".yml")) if p.is_file()), None)
    if known is None or path.suffix != ".bpmn" or page_file is None:
        return known
    try:
        text = page_file.read_text(encoding="utf-8")
        return drawn_lanes_known(parse_yaml(text, str(page_file)), known) if any(k in text for k in UNIT_KEYS) \
            else known
    except (OSError, UnicodeDecodeError, EngineError):
        return known  # reported by the page check


def _shared_lane_problems(folder: Path, forms_dir: Path, roles_file: Path) -> list[LintProblem]:
    """A warning for each SOP sharing a unit-less lane that the roles give in several units (lanes per unit)."""
    from engine.definitions.catalog import scan
    from engine.definitions.roles import load_roles
    from engine.lint.lane_sharing import shared_lane_warnings

    if not roles_file.is_file():
        return []
    try:
        roles = load_roles(roles_file)
        definitions = scan(folder, forms_dir).definitions
    except EngineError:
        return []  # reported by the roles and file checks
    return [LintProblem(WARNING, file, None, None, "lane-unit-shared", message)
            for file, message in shared_lane_warnings(definitions, roles)]


def role_lanes(path: Path, problems: list[LintProblem], required: bool) -> set[str] | None:
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
        problems.append(LintProblem(ERROR, str(path), line, None, "roles-invalid", text))
        return None
    return {lane_key(lane) for person in roles.people.values() for lane in person.lanes}


def _page_problems(folder: Path) -> list[LintProblem]:
    from engine.definitions.catalog import yaml_pages

    broken: dict[str, str] = {}
    yaml_pages(folder, broken)
    out = []
    for stem, message in broken.items():
        page = next((p for p in (folder / f"{stem}.yaml", folder / f"{stem}.yml") if p.exists()), folder / stem)
        line = _line_of(message, str(page))
        out.append(LintProblem(ERROR, str(page), line, None, "page-invalid", message))
    return out


def _title_problems(folder: Path, forms_dir: Path) -> list[LintProblem]:
    """Each page's title template checked against its process's steps and forms (loading refuses the same)."""
    from engine.definitions.catalog import yaml_pages
    from engine.definitions.titles import TITLE_KEY, title_findings

    pages = {pid: page for pid, page in yaml_pages(folder, {}).items() if TITLE_KEY in page[2]}
    if not pages:
        return []
    forms = folder_forms(forms_dir)

    def read(name: str) -> str | None:
        try:
            return forms.text(name)
        except (OSError, UnicodeDecodeError):
            return None

    out: list[LintProblem] = []
    for path in sorted(folder.glob("*.bpmn")):
        text, problem = diagram_text_or_problem(path)
        root = diagram_root(text)[0] if problem is None else None
        for process in executable_processes(root) if root is not None else []:
            page = pages.get(process.get("id", ""))
            if page is not None:
                out.extend(LintProblem(f.severity, str(folder / page[0]), f.line, f.element, f.rule, f.message)
                           for f in title_findings(page[2][TITLE_KEY], page[1], process, read))
    return out


def _line_of(message: str, source: str) -> int | None:
    rest = message[len(source) + 1:] if message.startswith(source + ":") else ""
    digits = rest.split(":", 1)[0]
    return int(digits) if digits.isdigit() else None


def lint_file(path: Path, forms_dir: Path, lanes_known: set[str] | None, seen: dict[str, str]) -> list[LintProblem]:
    """Every problem of one BPMN file or SOP table (NAME.sop.yaml)."""
    source = str(path)
    if path.name.lower().endswith(".xlsx"):
        return _lint_workbook(path, forms_dir, lanes_known, seen)
    if not path.name.endswith((".sop.yaml", ".sop.yml")):
        text, problem = diagram_text_or_problem(path)
        if problem is not None:
            return [LintProblem(ERROR, source, problem.line, None, problem.rule, problem.message)]
        return _lint_bpmn(text, source, forms_dir, lanes_known, seen)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return [LintProblem(ERROR, source, None, None, "table-invalid",
                        f"cannot be read as UTF-8 text ({exc}); save it as UTF-8")]
    return _lint_table(text, source, forms_dir, lanes_known, seen)


def _lint_table(text: str, source: str, forms_dir: Path, lanes_known: set[str] | None,
                seen: dict[str, str]) -> list[LintProblem]:
    """A table's format, meaning and compiled diagram in one pass, each problem at its row and key (lines of the
    compiled XML mean nothing to the author)."""
    from engine.lint.lint_table import lint_table_text

    def diagram(bpmn: str, table: Any) -> list[Finding]:
        from engine.definitions.table_load import table_forms

        return [Finding(p.severity, p.line, p.element, p.rule, p.message)
                for p in _lint_bpmn(bpmn, source, forms_dir, lanes_known, seen, forms=table_forms(table, forms_dir))]

    return [LintProblem(p.severity, source, p.line, p.row, p.rule, p.text(), p.nomor, p.key)
            for p in lint_table_text(text, source, forms_dir, lanes_known, diagram)]


def _lint_workbook(path: Path, forms_dir: Path, lanes_known: set[str] | None,
                   seen: dict[str, str]) -> list[LintProblem]:
    """A workbook (the SOP AP sheet, .xlsx) linted as the table it holds, in the same one pass, each problem at its
    sheet and row ("Alur, row 5, waktu: ..."); a workbook that cannot be read is one problem, saying why."""
    from engine.lint.lint_table import lint_table_text
    from engine.table.sop_xlsx import workbook_lint_text

    source = str(path)
    try:
        text, place = workbook_lint_text(path.read_bytes(), source, forms_dir=forms_dir)
    except OSError as exc:
        return [LintProblem(ERROR, source, None, None, "table-invalid", N_("cannot be read ({exc})", exc=exc))]
    except EngineError as exc:
        return [LintProblem(ERROR, source, None, None, "table-invalid", str(exc))]

    def diagram(bpmn: str, table: Any) -> list[Finding]:
        from engine.definitions.table_load import table_forms

        return [Finding(p.severity, p.line, p.element, p.rule, p.message)
                for p in _lint_bpmn(bpmn, source, forms_dir, lanes_known, seen, forms=table_forms(table, forms_dir))]

    out = []
    for p in lint_table_text(text, source, forms_dir, lanes_known, diagram):
        sheet, row = place(p.line)
        problem = N_("{key}: {problem}", key=p.key, problem=p.message) if p.key else p.message
        said = N_("{sheet}, row {row}: {text}", sheet=sheet, row=row, text=problem) if sheet and row else problem
        out.append(LintProblem(p.severity, source, None, p.row, p.rule, said, p.nomor, p.key))
    return out


def _lint_bpmn(text: str, source: str, forms_dir: Path, lanes_known: set[str] | None,
               seen: dict[str, str], *, forms: FormSource | None = None) -> list[LintProblem]:
    """The rule set loading refuses by (engine/definitions/rules.py), SpiffWorkflow's XSD and parser, and ids
    that another file also defines."""
    from engine.runtime.parsing import parser_findings, xsd_findings

    root, findings = diagram_root(text)
    if root is None:
        return [_problem(source, found) for found in findings]
    own = diagram_findings(root, forms or folder_forms(forms_dir), lanes_known)
    refused = {found.element for found in own if found.severity == ERROR}
    # SpiffWorkflow stumbling on an element a sop rule already refuses is the same problem: say it once
    findings = xsd_findings(root) + [found for found in parser_findings(root, source) if found.element not in refused]
    findings.extend(own)
    for process in executable_processes(root):
        process_id = process.get("id", "")
        if process_id in seen:
            findings.append(Finding(ERROR, process.sourceline, process_id, "process-duplicate",
                                    f"process '{process_id}' is also defined in {seen[process_id]}; give each "
                                    "process its own id"))
        seen.setdefault(process_id, source)
    return [_problem(source, found) for found in findings]


def _problem(source: str, found: Finding) -> LintProblem:
    return LintProblem(found.severity, source, found.line, found.element, found.rule, found.message)
