"""A NAME.sop.yaml in the definitions folder, compiled on load into a runnable definition (the hash covers it)."""

from __future__ import annotations

from pathlib import Path

from engine.common.errors import DefinitionError
from engine.definitions.rules import (
    ERROR,
    Finding,
    FormSource,
    diagram_findings,
    diagram_root,
    executable_processes,
    folder_forms,
    refuse,
    table_findings,
)
from engine.definitions.version import Definition, bound_forms, checked_definition
from engine.table.sop_bpmn import compile_table
from engine.table.sop_table import SopTable
from engine.table.sop_yaml import SUFFIXES, read_table


def compiled_name(path: Path) -> str:
    """The file name the compiled diagram goes by: NAME.bpmn for NAME.sop.yaml."""
    name = path.name
    for suffix in SUFFIXES:
        if name.endswith(suffix):
            return name[: -len(suffix)] + ".bpmn"
    return path.stem + ".bpmn"


def table_forms(table: SopTable, forms_dir: Path) -> FormSource:
    """The forms a table's steps bind: those its isian make, generated here in memory (they win over a file of the
    same name), and the forms folder's for the others.

    Loading writes nothing: the folders may be read-only to the account that loads, and several processes load at
    once. The version pins the generated texts, which are the same bytes for the same table (no new version)."""
    from engine.table.table_forms import form_texts

    generated = form_texts(table)
    folder = folder_forms(forms_dir)
    return FormSource(folder.where, lambda name: generated[name] if name in generated else folder.text(name),
                      forms_dir)


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
    forms = table_forms(table, forms_dir)
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
