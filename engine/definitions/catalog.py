"""Definitions folder: BPMN diagrams, the forms they bind and their YAML pages, loaded and hashed as versions."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine.bpmn.diagram_checks import BPMN_NS, SPIFF_NS
from engine.bpmn.tasks import FORM_PROPERTY
from engine.common.canonical import canonical_json, sha256_hex
from engine.common.errors import DefinitionError, EngineError
from engine.common.yamlio import parse_yaml
from engine.definitions.rules import (
    PINNED_RULES,
    DiagramRuleError,
    FormSource,
    bundle_forms,
    diagram_findings,
    diagram_root,
    executable_processes,
    folder_forms,
    node_lanes,
    process_findings,
    refuse,
    step_elements,
    step_lane,
)


@dataclass(frozen=True)
class Step:
    """A user task of a process as the operator sees it: id, name, lane, form and Mutu Baku."""

    bpmn_id: str
    name: str
    lane: str | None
    form: str | None
    sla: str | None
    output: str | None
    properties: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Definition:
    """One runnable process with everything it needs, hashed together as a version."""

    process_id: str
    name: str
    file: str
    version: str
    bundle: dict[str, Any]
    steps: tuple[Step, ...]
    identity: dict[str, Any]

    def step(self, bpmn_id: str) -> Step | None:
        """The user task with this BPMN id, if the process has one."""
        return next((s for s in self.steps if s.bpmn_id == bpmn_id), None)

    def form_schema(self, form: str) -> dict[str, Any]:
        """The pinned JSON Schema of a form this version binds."""
        from engine.definitions.forms import parse_form  # jsonschema (~0.2 s to import) only where forms are checked

        return parse_form(self.bundle["forms"][form], form)


@dataclass(frozen=True)
class Catalog:
    """What a definitions folder holds: the processes that load and the files that do not."""

    definitions: tuple[Definition, ...]
    problems: tuple[str, ...]
    ambiguous: tuple[tuple[str, tuple[str, ...]], ...] = ()
    refused: tuple[tuple[str, str], ...] = ()

    def get(self, process_id: str) -> Definition:
        """The process with this id, or a NotFound-style error listing what exists."""
        for refused_id, reason in self.refused:
            if refused_id == process_id:
                raise DefinitionError(f"Process '{process_id}' cannot be loaded: {reason}; nothing was done")
        for ambiguous_id, files in self.ambiguous:
            if ambiguous_id == process_id:
                raise DefinitionError(
                    f"Process '{process_id}' is defined in several files ({', '.join(files)}); "
                    "give each process its own id or remove the copy"
                )
        for definition in self.definitions:
            if definition.process_id == process_id:
                return definition
        from engine.common.errors import NotFoundError

        known = ", ".join(d.process_id for d in self.definitions) or "none"
        hint = ("; problems: " + "; ".join(self.problems)) if self.problems else ""
        raise NotFoundError(f"No process '{process_id}' in the definitions; known: {known}{hint}")


Pages = dict[str, tuple[str, str, dict[str, Any]]]


def yaml_pages(definitions_dir: Path, broken: dict[str, str]) -> Pages:
    """The SOP pages of the folder by process id; a page that cannot be read is kept by file stem in broken."""
    pages: Pages = {}
    for path in sorted(definitions_dir.glob("*.yaml")) + sorted(definitions_dir.glob("*.yml")):
        if path.name.endswith((".sop.yaml", ".sop.yml")):
            continue  # an SOP table (its own page), loaded by scan, not a diagram's identity page
        try:
            text = path.read_text(encoding="utf-8")
            page = parse_yaml(text, str(path))
        except (OSError, UnicodeDecodeError) as exc:
            broken[path.stem] = f"{path}: cannot be read as UTF-8 text ({exc}); save it as UTF-8"
            continue
        except EngineError as exc:
            broken[path.stem] = str(exc)
            continue
        if not isinstance(page, dict) or not isinstance(page.get("process"), str):
            continue  # not an SOP page (a roles or calendar file, say)
        pages[page["process"]] = (path.name, text, page)
    return pages


def scan(definitions_dir: str | Path, forms_dir: str | Path) -> Catalog:
    """Load every BPMN file and SOP table (NAME.sop.yaml) of the folder; a file that fails is reported, the
    others still load."""
    folder = Path(definitions_dir)
    if not folder.is_dir():
        raise DefinitionError(
            f"Definitions folder '{folder}' does not exist; pass --definitions DIR or set SOP_DEFINITIONS"
        )
    problems: list[str] = []
    refused: dict[str, str] = {}
    broken: dict[str, str] = {}
    pages = yaml_pages(folder, broken)
    found: list[Definition] = []
    diagrams = sorted(folder.glob("*.bpmn"))
    for path in diagrams:
        try:
            if path.stem in broken:  # the diagram's own page (same file name) is unreadable: do not run without it
                raise DefinitionError(f"{broken[path.stem]} (the SOP page of {path.name})")
            found.extend(load_file(path, Path(forms_dir), pages))
        except DiagramRuleError as exc:
            problems.append(str(exc))
            refused.update(dict.fromkeys(exc.process_ids, str(exc)))
        except EngineError as exc:
            problems.append(str(exc))
    tables = sorted(folder.glob("*.sop.yaml")) + sorted(folder.glob("*.sop.yml"))
    if tables:
        from engine.definitions.table_load import load_table_file

        for path in tables:
            try:
                found.append(load_table_file(path, Path(forms_dir)))
            except DiagramRuleError as exc:
                problems.append(str(exc))
                refused.update(dict.fromkeys(exc.process_ids, str(exc)))
            except EngineError as exc:
                problems.append(str(exc))
    stems = {p.stem for p in diagrams}
    problems.extend(message for stem, message in broken.items() if stem not in stems)
    files: dict[str, list[str]] = {}
    for definition in found:
        files.setdefault(definition.process_id, []).append(definition.file)
    ambiguous = tuple((pid, tuple(paths)) for pid, paths in files.items() if len(paths) > 1)
    for pid, paths in ambiguous:
        problems.append(f"process '{pid}' is defined in several files ({', '.join(paths)}); give each its own id")
    unique = [d for d in found if len(files[d.process_id]) == 1]
    loaded = {d.process_id for d in found}
    return Catalog(tuple(unique), tuple(problems), ambiguous,
                   tuple((pid, reason) for pid, reason in refused.items() if pid not in loaded))


def load_file(path: Path, forms_dir: Path, pages: Pages) -> list[Definition]:
    """Load the executable processes of one BPMN file with their forms and YAML pages; refuse what lint calls an
    error."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DefinitionError(f"{path}: cannot be read ({exc})") from None
    root, findings = diagram_root(text)
    forms = folder_forms(forms_dir)
    processes = executable_processes(root) if root is not None else []
    if root is not None:
        findings = diagram_findings(root, forms)
    refuse(findings, str(path), [p.get("id", "") for p in processes])
    result = []
    for process in processes:
        process_id = process.get("id")
        page = pages.get(process_id)
        bundle = {
            "process": process_id,
            "bpmn": {"file": path.name, "text": text},
            "forms": bound_forms(process, forms),
            "yaml": {"file": page[0], "text": page[1]} if page else None,
        }
        result.append(checked_definition(bundle, str(path), process))
    return result


def bound_forms(process: Any, forms: FormSource) -> dict[str, str]:
    """The texts of the forms a process's steps bind, as the rules read them (checked before)."""
    bound: dict[str, str] = {}
    for task in step_elements(process):
        for prop in task.iter(f"{{{SPIFF_NS}}}property"):
            name = prop.get("value", "")
            text = forms.text(name) if prop.get("name") == FORM_PROPERTY and name else None
            if text is not None:
                bound[name] = text
    return bound


def definition_from_bundle(bundle: dict[str, Any], file: str | None = None, pinned: bool = False) -> Definition:
    """Build a Definition from a bundle (files' texts), refusing what lint calls an error (only the rules that keep
    it safe to run when pinned: a version a store already runs); the version is the hash of the bundle."""
    source = file or bundle["bpmn"]["file"]
    root, findings = diagram_root(bundle["bpmn"]["text"])
    refuse(findings, source, [bundle["process"]])
    process = next(
        (p for p in root.iter(f"{{{BPMN_NS}}}process") if p.get("id") == bundle["process"]), None
    )
    if process is None:
        raise DefinitionError(f"{source}: no process '{bundle['process']}'")
    findings = process_findings(process, bundle_forms(bundle))
    refuse([f for f in findings if f.rule in PINNED_RULES] if pinned else findings, source, [bundle["process"]])
    return checked_definition(bundle, source, process)


def checked_definition(bundle: dict[str, Any], source: str, process: Any) -> Definition:
    """The Definition of a bundle whose process passed the rules: its steps, identity page and version hash."""
    lanes = node_lanes(process)
    steps = []
    for task in sorted(step_elements(process), key=lambda t: t.sourceline or 0):
        bpmn_id = task.get("id", "")
        props = {p.get("name", ""): p.get("value", "") for p in task.iter(f"{{{SPIFF_NS}}}property")}
        steps.append(Step(bpmn_id=bpmn_id, name=task.get("name") or bpmn_id, lane=step_lane(lanes, bpmn_id),
                          form=props.get(FORM_PROPERTY), sla=props.get("sla"), output=props.get("output"),
                          properties=props))
    identity: dict[str, Any] = {}
    if bundle.get("yaml"):
        page = parse_yaml(bundle["yaml"]["text"], bundle["yaml"]["file"])
        identity = page if isinstance(page, dict) else {}
    version = sha256_hex(canonical_json(bundle))
    return Definition(
        process_id=bundle["process"],
        name=process.get("name") or bundle["process"],
        file=source,
        version=version,
        bundle=bundle,
        steps=tuple(steps),
        identity=identity,
    )
