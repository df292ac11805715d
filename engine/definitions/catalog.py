"""Definitions folder: BPMN diagrams, the forms they bind and their YAML pages, loaded and hashed as versions."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.bpmn.diagram_checks import BPMN_NS
from engine.bpmn.xml_reading import read_diagram_file
from engine.common.errors import DefinitionError, EngineError
from engine.common.i18n import N_
from engine.common.yamlio import parse_yaml
from engine.definitions.limits import count_limit_problem, threshold_problem
from engine.definitions.rules import (
    DiagramRuleError,
    diagram_findings,
    diagram_root,
    executable_processes,
    folder_forms,
    refuse,
)
from engine.definitions.version import Definition, bound_forms, checked_definition


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
                raise DefinitionError("Process '{process_id}' cannot be loaded: {reason}; nothing was done",
                                      process_id=process_id, reason=reason)
        for ambiguous_id, files in self.ambiguous:
            if ambiguous_id == process_id:
                raise DefinitionError(
                    "Process '{process_id}' is defined in several files ({files}); "
                    "give each process its own id or remove the copy", process_id=process_id, files=', '.join(files)
                )
        for definition in self.definitions:
            if definition.process_id == process_id:
                return definition
        from engine.common.errors import NoProcessError

        known = ", ".join(d.process_id for d in self.definitions) or N_("none")
        hint = ("; problems: " + "; ".join(self.problems)) if self.problems else ""
        raise NoProcessError("No process '{process_id}' in the definitions; known: {known}{hint}",
                             process_id=process_id, known=known, hint=hint)


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
        from engine.definitions.lane_units import unit_problem

        problem = count_limit_problem(page) or unit_problem(page) or threshold_problem(page)
        if problem:
            broken[path.stem] = N_("{where}: {problem}; fix the page", where=_key_place(path, text, problem),
                                   problem=problem)
            continue
        pages[page["process"]] = (path.name, text, page)
    return pages


def _key_place(path: Path, text: str, problem: str) -> str:
    """The page and the line of the key a problem names first (`page.yaml:12`), or the page alone."""
    from engine.common.yamlio import parse_yaml_lines

    try:
        line = parse_yaml_lines(text, str(path))[1].get((problem.split(" ", 1)[0],))
    except EngineError:  # a key written twice, which the page's own parse let through: the page alone
        line = None
    return f"{path}:{line}" if line else str(path)


def scan(definitions_dir: str | Path, forms_dir: str | Path) -> Catalog:
    """Load every BPMN file and SOP table (NAME.sop.yaml) of the folder; a file that fails is reported, the
    others still load."""
    folder = Path(definitions_dir)
    if not folder.is_dir():
        raise DefinitionError(
            "Definitions folder '{folder}' does not exist; pass --definitions DIR or set SOP_DEFINITIONS", folder=folder
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
                raise DefinitionError("{broken} (the SOP page of {path_name})",
                                      broken=broken[path.stem], path_name=path.name)
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
    text = read_diagram_file(path)
    root, findings = diagram_root(text)
    forms = folder_forms(forms_dir)
    processes = executable_processes(root) if root is not None else []
    if root is not None:
        findings = diagram_findings(root, forms)
    # `sop start` on a process marked not executable says why, rather than that there is no such process
    named = processes or (list(root.iter(f"{{{BPMN_NS}}}process")) if root is not None else [])
    refuse(findings, str(path), [p.get("id", "") for p in named])
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
        if page is not None:
            _check_title(path.parent / page[0], page, process, bundle)
        result.append(checked_definition(bundle, str(path), process))
    return result


def _check_title(source: Path, page: tuple[str, str, dict[str, Any]], process: Any, bundle: dict[str, Any]) -> None:
    """Refuse a page whose title template names a field its step's form lacks (what `sop lint` calls an error)."""
    from engine.definitions.titles import TITLE_KEY, title_findings

    if TITLE_KEY in page[2]:
        findings = title_findings(page[2][TITLE_KEY], page[1], process, bundle["forms"].get)
        refuse(findings, str(source), [process.get("id", "")])
