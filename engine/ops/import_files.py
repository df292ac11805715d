"""`sop import`: another modeler's diagram read, rewritten for sop (engine/bpmn/importing.py), written with its
generated forms (never over a file without force), then linted; the report lists the changes and what is left."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.bpmn.import_work import ImportNote
from engine.bpmn.importing import import_diagram_text
from engine.bpmn.xml_reading import read_diagram_file
from engine.common.errors import DataFileError, DefinitionError
from engine.lint.lint_files import LintProblem, lint_paths


@dataclass(frozen=True)
class ImportReport:
    """What `sop import` wrote, changed and left to the process owner, and what lint still finds in it."""

    written: tuple[str, ...]
    changes: tuple[ImportNote, ...]
    left: tuple[ImportNote, ...]
    lint: tuple[LintProblem, ...]

    def to_json(self) -> dict[str, Any]:
        """The `--json` object: written files, changes, notes left, lint findings."""
        return {"written": list(self.written),
                "changes": [{"element": n.element, "message": str(n.message)} for n in self.changes],
                "left": [{"element": n.element, "message": str(n.message)} for n in self.left],
                "lint": [p.to_json() for p in self.lint]}


def import_diagram(source: Path, *, definitions_dir: Path, forms_dir: Path, force: bool = False) -> ImportReport:
    """Import one diagram into a definitions folder and a forms folder; DefinitionError for a file that is no
    BPMN diagram, DataFileError for an output that exists (without force); nothing is written then."""
    if not source.is_file():
        raise DefinitionError("{source} is not a file; give the .bpmn file a modeler saved", source=str(source))
    text = read_diagram_file(source)
    target = definitions_dir / (source.stem + ".bpmn")
    prefix = re.sub(r"[^A-Za-z0-9_-]+", "_", source.stem).strip("_") or "form"
    imported = import_diagram_text(text, source=str(source), prefix=prefix)
    outputs = {target: imported.text, **{forms_dir / name: body for name, body in imported.forms.items()}}
    if target.resolve() == source.resolve():
        raise DataFileError("{path} is the diagram being imported; write the import to another folder with -o",
                            path=str(target))
    if not force:
        existing = [str(path) for path in outputs if path.exists()]
        if existing:
            raise DataFileError("{path} already exists; sop import never writes over a file: give --force to "
                                "replace it, or -o/--forms another folder", path=existing[0],
                                problems=existing[1:])
    from engine.common.atomic_file import write_atomically

    folders = sorted({path.parent for path in outputs})
    for folder in folders:
        if folder.exists() and not folder.is_dir():
            raise DataFileError("{path} is a file, not a folder; give -o/--forms a folder", path=str(folder))
    for folder in folders:
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise DataFileError("Cannot make the folder {path} ({reason}); give -o/--forms a folder you may write",
                                path=str(folder), reason=exc.strerror or str(exc)) from exc
    for path, body in outputs.items():
        write_atomically(str(path), body, what="the imported diagram")
    problems = lint_paths([target], forms_dir)
    return ImportReport(tuple(str(p) for p in outputs), imported.changes, imported.left, tuple(problems))
