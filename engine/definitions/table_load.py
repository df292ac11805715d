"""A NAME.sop.yaml in the definitions folder, compiled on load into a runnable definition (the hash covers it)."""

from __future__ import annotations

from pathlib import Path

from engine.common.errors import DefinitionError
from engine.definitions.rules import (
    ERROR,
    Finding,
    diagram_findings,
    diagram_root,
    executable_processes,
    folder_forms,
    refuse,
    table_findings,
)
from engine.definitions.version import Definition, bound_forms, checked_definition
from engine.table.sop_bpmn import compile_table
from engine.table.sop_yaml import SUFFIXES, read_table


def compiled_name(path: Path) -> str:
    """The file name the compiled diagram goes by: NAME.bpmn for NAME.sop.yaml."""
    name = path.name
    for suffix in SUFFIXES:
        if name.endswith(suffix):
            return name[: -len(suffix)] + ".bpmn"
    return path.stem + ".bpmn"


def load_table_file(path: Path, forms_dir: Path) -> Definition:
    """Read, check and compile an SOP table, refusing what lint calls an error; its bundle pins the YAML text and
    the compiled BPMN together."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DefinitionError("{path}: cannot be read as UTF-8 text ({exc}); save it as UTF-8",
                              path=path, exc=exc) from None
    table, doc = read_table(text, str(path), forms_dir=forms_dir)
    bpmn = compile_table(table, str(path), document=doc)
    root, findings = diagram_root(bpmn)
    forms = folder_forms(forms_dir)
    if root is not None:
        findings = diagram_findings(root, forms)
    errors = [f for f in findings if f.severity == ERROR]
    if errors:  # said at the table's rows and keys, with the table's lines, as lint says them
        from engine.common.yamlio import parse_yaml_lines
        from engine.table.table_findings import compiled_problems

        placed = compiled_problems(table, parse_yaml_lines(text, str(path))[1], errors, [])
        refuse([Finding(p.severity, p.line, p.row, p.rule, p.text()) for p in placed] or table_findings(errors),
               str(path), [table.process_id])
    process = next(p for p in executable_processes(root) if p.get("id") == table.process_id)
    bundle = {
        "process": table.process_id,
        "bpmn": {"file": compiled_name(path), "text": bpmn},
        "forms": bound_forms(process, forms),
        "yaml": {"file": path.name, "text": text},
    }
    return checked_definition(bundle, str(path), process)
