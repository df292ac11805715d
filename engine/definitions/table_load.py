"""A NAME.sop.yaml in the definitions folder, compiled on load into a runnable definition (the hash covers it)."""

from __future__ import annotations

from pathlib import Path

from engine.bpmn.diagram_checks import BPMN_NS
from engine.bpmn.xml_reading import parse_xml
from engine.common.errors import DefinitionError
from engine.definitions.catalog import Definition, bound_forms, definition_from_bundle
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
    """Read, check and compile an SOP table; its bundle pins the YAML text and the compiled BPMN together."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DefinitionError(f"{path}: cannot be read as UTF-8 text ({exc}); save it as UTF-8") from None
    table, _ = read_table(text, str(path), forms_dir)
    bpmn = compile_table(table, str(path))
    process = next(parse_xml(bpmn, str(path)).iter(f"{{{BPMN_NS}}}process"))
    bundle = {
        "process": table.process_id,
        "bpmn": {"file": compiled_name(path), "text": bpmn},
        "forms": bound_forms(process, path, forms_dir),
        "yaml": {"file": path.name, "text": text},
    }
    return definition_from_bundle(bundle, str(path))
