"""A process owner's draft of an SOP table: read from the page (typed, or an uploaded table or workbook), checked by
`sop lint` in a folder of its own, drawn as the diagram and the sheet, and published into the definitions folder
the way `sop compile` writes (one atomic write; the folder's rules decide whether it loads)."""

from __future__ import annotations

import hashlib
import re
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from .words import N_, fixed_text, translate

if TYPE_CHECKING:
    from werkzeug.datastructures import FileStorage

    from engine import Engine

TABLE_MAX = 250_000  # bytes of a table or workbook a page takes (the shipped SOP's table is 9 KB)
TABLE_FORMAT = "sop_table.schema.json"  # what lint points authors to; a page names the guide instead
MAX_ROWS = 200  # rows (steps) of a table a page checks: lint and the drawing take about 6 ms a step
TABLE_SUFFIXES = (".sop.yaml", ".sop.yml")
SHOWN_CELL = 300  # characters of a cell the rows show
_LANGKAH = re.compile(r"langkah\s*:\s*(#.*)?$")
_ITEM = re.compile(r"( *)-(\s|$)")


class DraftRefusedError(ValueError):
    """An upload the page cannot take (too large, not text, a workbook without the reader): said in words."""


class ShownProblem(NamedTuple):
    """One problem as the page shows it: an error (blocks publishing) or a warning, the table's line, the words."""

    error: bool
    line: int | None
    text: str


class DraftRow(NamedTuple):
    """One row of the table as the sheet numbers it, with the problems found in its lines."""

    number: str
    activity: str
    actors: str
    time: str
    output: str
    problems: list[ShownProblem]


class Checked(NamedTuple):
    """What lint found in a draft: the rows with their problems, the problems of no row, and the diagram drawn
    (SVG) when the table compiles."""

    rows: list[DraftRow]
    general: list[ShownProblem]
    diagram: str | None

    @property
    def errors(self) -> int:
        """How many problems block publishing."""
        return sum(p.error for r in self.rows for p in r.problems) + sum(p.error for p in self.general)

    @property
    def warnings(self) -> int:
        """How many problems are warnings only."""
        return sum(not p.error for r in self.rows for p in r.problems) + sum(not p.error for p in self.general)


class Target(NamedTuple):
    """Where a process's SOP is written: its file in the definitions folder, and whether that is a table (else a
    diagram, written as the table compiles)."""

    path: Path
    table: bool
    exists: bool


def fingerprint(text: str | None) -> str:
    """The hash of a file's text (empty for none) the edit page started from, to tell when it changed since."""
    return "" if text is None else hashlib.sha256(text.encode("utf-8")).hexdigest()


def target_of(e: Engine, definitions: Path, process: str) -> Target:
    """The file that defines the process now (a table, or a diagram holding it alone), else NAME.sop.yaml for a new
    one; EngineError for a diagram that holds other processes too (a modeler edits it, not this page)."""
    from engine import DefinitionError

    catalog = e.processes.catalog()
    found = next((d for d in catalog.definitions if d.process_id == process), None)
    if found is None:
        named = [definitions / (process + suffix) for suffix in TABLE_SUFFIXES]
        path = next((p for p in named if p.is_file()), named[0])
        return Target(path, True, path.is_file())
    path = Path(found.file)
    if path.name.endswith(TABLE_SUFFIXES):
        return Target(path, True, True)
    others = [d.name for d in catalog.definitions if d.file == found.file and d.process_id != process]
    if others:
        raise DefinitionError("The diagram of {name} also holds {others}; edit it in a BPMN modeler, this page "
                              "writes one SOP per file", name=found.name, others=", ".join(others))
    return Target(path, False, True)


def current_text(e: Engine, target: Target, process: str) -> str:
    """The table the edit page starts from: the table file as written, a diagram read back as a table (as `sop
    decompile` does), or a first table for a new SOP."""
    from engine import parse_yaml, read_diagram_file, table_from_bpmn, write_table

    if not target.exists:
        return starter(process)
    if target.table:
        return target.path.read_text(encoding="utf-8")
    table = table_from_bpmn(read_diagram_file(target.path), str(target.path), process_id=process)
    identity = None
    page = target.path.with_suffix(".yaml")
    if page.is_file():
        found = parse_yaml(page.read_text(encoding="utf-8"), page.name)
        identity = found if isinstance(found, dict) and found.get("process") == process else None
    notes = identity.get("pelaksana") if identity and isinstance(identity.get("pelaksana"), dict) else None
    return str(write_table(table, identity, lane_notes=notes))


def starter(process: str) -> str:
    """A first table for a new SOP (one step to replace), with the page's process id."""
    return _STARTER.format(process=process)


def file_text(target: Target) -> str | None:
    """The text of the process's file now (None when there is none yet)."""
    try:
        return target.path.read_text(encoding="utf-8") if target.exists else None
    except (OSError, UnicodeDecodeError):
        return None


_STARTER = """sop:
  id: {process}
  nama: Nama SOP
pelaksana:
  - Pelaksana pertama
langkah:
  - kegiatan: Uraian kegiatan pertama
    pelaksana: Pelaksana pertama
    waktu: 30 menit
    output: Hasil
"""


def sent_text(form: Any, upload: FileStorage | None, forms_dir: Path) -> str:
    """The table the page sent: an uploaded file (a table, or a workbook read as one) when one was chosen, else the
    text typed in the editor; DraftRefusedError, in words, for what cannot be a table."""
    text = _sent(form, upload, forms_dir)
    steps = sum(len(_step_dicts(entry)) or 1 for entry in _entries(text))
    if steps > MAX_ROWS:
        raise DraftRefusedError(translate(N_("The table has {count} steps; this page takes an SOP of at most {limit} "
                                             "steps: split it into several SOPs", count=steps, limit=MAX_ROWS)))
    return text


def _sent(form: Any, upload: FileStorage | None, forms_dir: Path) -> str:
    if upload is not None and upload.filename:
        data = upload.stream.read(TABLE_MAX + 1)
        if len(data) > TABLE_MAX:
            raise DraftRefusedError(translate(N_(
                "The file {name} is larger than {limit}; an SOP table or workbook is far smaller: check that it is "
                "the right file", name=upload.filename, limit=size_words(TABLE_MAX))))
        if upload.filename.lower().endswith((".xlsx", ".xlsm")) or data[:4] == b"PK\x03\x04":
            return workbook_text(data, upload.filename, forms_dir)
        return _decoded(data, upload.filename)
    text = str(form.get("table", ""))
    if len(text.encode("utf-8", "surrogatepass")) > TABLE_MAX:
        raise DraftRefusedError(translate(N_("The table is larger than {limit}; an SOP table is far smaller",
                                             limit=size_words(TABLE_MAX))))
    if not text.strip():
        raise DraftRefusedError(translate(N_("The table is empty; type the SOP's table or choose its file")))
    return text.replace("\r\n", "\n")


def size_words(count: int) -> str:
    """A size as people read it (512 KB)."""
    from engine import size_text

    return str(size_text(count))


def _decoded(data: bytes, name: str) -> str:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DraftRefusedError(translate(N_(
            "The file {name} is not a text table (YAML saved as UTF-8) nor a workbook (.xlsx); save the table as "
            "UTF-8 text, or the sheet as an Excel workbook", name=name))) from None
    if "\x00" in text:
        raise DraftRefusedError(translate(N_("The file {name} holds the character NUL; it is no text table",
                                             name=name)))
    return text.replace("\r\n", "\n")


def workbook_text(data: bytes, name: str, forms_dir: Path) -> str:
    """A workbook (.xlsx) read as the table's text (what NAME.sop.yaml would hold), so lint places each problem under
    its row; a workbook that cannot be read as an SOP sheet is refused, saying each problem at its cell."""
    import yaml

    from engine import EngineError, workbook_document

    try:
        document, _ = workbook_document(data, name, forms_dir=forms_dir)
    except EngineError as exc:
        raise DraftRefusedError(translate(N_("The workbook {name} cannot be read as an SOP sheet: {problem}",
                                             name=name, problem=exc))) from None
    return str(yaml.safe_dump(document, allow_unicode=True, sort_keys=False, width=110))


def table_process(text: str) -> str | None:
    """The process id a table names (`sop: id:`), or None when it cannot be read (lint says why)."""
    from engine import EngineError, parse_yaml

    try:
        doc = parse_yaml(text, "table")
    except EngineError:
        return None
    sop = doc.get("sop") if isinstance(doc, dict) else None
    found = sop.get("id") if isinstance(sop, dict) else None
    return str(found) if isinstance(found, str | int) else None


@contextmanager
def draft_folder(text: str, process: str) -> Iterator[tuple[Path, Path]]:
    """A folder of the draft's own, removed after: the table as NAME.sop.yaml in a folder alone, and the folder."""
    folder = Path(tempfile.mkdtemp(prefix="sop-draft-"))
    try:
        table = folder / "tabel" / (process + ".sop.yaml")
        table.parent.mkdir()
        table.write_text(text, encoding="utf-8")
        yield table, folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def check(text: str, process: str, *, target: Target, forms: Path, roles: Path | None) -> Checked:
    """Lint a draft (its table, then what it compiles to beside the process's identity page) and draw it."""
    from engine import lint_paths

    named = table_process(text)
    general: list[ShownProblem] = []
    if named is not None and named != process:
        general.append(ShownProblem(True, None, wrong_process(process, named)))
    with draft_folder(text, process) as (table, _):
        found = lint_paths([table], forms, roles_file=roles)
        shown = [ShownProblem(p.is_error, p.line, _words(p.message, table)) for p in found]
        places = [(getattr(p, "row", None), p.element) for p in found]  # lint's row, where it gives one
        diagram = None
        if not any(p.error for p in shown) and not general:
            source = _published_folder(text, process, target, table, forms)
            if not target.table:  # the diagram beside its identity page: the page's rules (its title) too
                later = lint_paths([source], forms, roles_file=roles)
                general += [ShownProblem(True, None, _words(p.message, source / target.path.name))
                            for p in later if p.is_error]
            diagram = _diagram(source, forms, process)
    rows, rest = rows_with_problems(text, shown, places)
    return Checked(rows, general + rest, diagram)


def wrong_process(process: str, named: str) -> str:
    """The refusal of a table written for another process than the page's."""
    return translate(N_("This table is for process '{named}', and this page publishes '{process}' only: its id "
                        "under sop must be {process} (another SOP is published from its own page)",
                        named=named, process=process))


def _published_folder(text: str, process: str, target: Target, table_file: Path, forms: Path) -> Path:
    """The folder the process would be read from once published: the table's own, or for a process drawn as a
    diagram the table compiled to the diagram's file name beside a copy of its identity page."""
    from engine import compile_table, read_table

    if target.table:
        return table_file.parent
    folder = table_file.parent.parent / "diagram"
    folder.mkdir()
    table, _ = read_table(text, process + ".sop.yaml", forms_dir=forms)
    (folder / target.path.name).write_text(compile_table(table, process + ".sop.yaml"), encoding="utf-8")
    page = target.path.with_suffix(".yaml")
    if page.is_file():
        shutil.copy(page, folder / page.name)
    return folder


def _diagram(folder: Path, forms: Path, process: str) -> str | None:
    """The draft's diagram (SVG), drawn by an engine reading the draft's folder (it opens no store)."""
    from engine import EngineError

    try:
        return str(preview_engine(folder, forms).pictures.diagram(process))
    except EngineError:
        return None


def preview_engine(folder: Path, forms: Path) -> Engine:
    """An engine over a draft's folder, for its pictures only: its store is never opened or made."""
    from engine import Engine

    return Engine(str(folder / "preview.db"), definitions_dir=folder, forms_dir=forms, operator="-")


def sheet(text: str, process: str, *, target: Target, forms: Path) -> str:
    """The draft's SOP AP sheet (HTML), as the sheet page prints it once published."""
    with draft_folder(text, process) as (table, _):
        folder = _published_folder(text, process, target, table, forms)
        return str(preview_engine(folder, forms).pictures.sheet(process))


def _words(message: str, path: Path) -> str:
    """A lint message in the reader's language, without the draft folder's paths or the table format's file."""
    said = translate(message)
    said = re.sub(re.escape(str(path)) + r"(:\d+)?:\s*", "", said)
    said = said.replace(str(path), fixed_text("the table"))
    return said.replace(TABLE_FORMAT, fixed_text("the table format in the guide for process owners"))


def rows_with_problems(text: str, problems: list[ShownProblem], places: list[tuple[int | None, str | None]]
                       ) -> tuple[list[DraftRow], list[ShownProblem]]:
    """The table's rows, each with the problems lint places in it (by its row, else by the lines the row spans, else
    by a step of the row it names), and the problems of no row (the identity, the lanes, the whole flow)."""
    entries = _entries(text)
    spans = row_spans(text)
    rows = [_row(entry, i) for i, entry in enumerate(entries)]
    by_step = {step_id: i for i, entry in enumerate(entries) for step_id in _step_ids(entry)}
    rest: list[ShownProblem] = []
    usable = len(spans) == len(rows)
    for problem, (row, element) in zip(problems, places, strict=True):
        index = None
        if isinstance(row, int) and 0 < row <= len(rows):
            index = row - 1
        elif problem.line is not None and usable:
            index = next((i for i, (first, last) in enumerate(spans) if first <= problem.line <= last), None)
        elif element is not None:
            index = by_step.get(element)
        (rows[index].problems if index is not None else rest).append(problem)
    return rows, rest


def _entries(text: str) -> list[Any]:
    """The table's langkah entries as the safe loader reads them (none when it cannot be read)."""
    from engine import EngineError, parse_yaml

    try:
        doc = parse_yaml(text, "table")
    except EngineError:
        return []
    entries = doc.get("langkah") if isinstance(doc, dict) else None
    return entries if isinstance(entries, list) else []


def row_spans(text: str) -> list[tuple[int, int]]:
    """The first and last line of each langkah entry written in block style (`- ` items under `langkah:`)."""
    starts: list[int] = []
    end = 0
    inside, indent = False, -1
    for number, line in enumerate(text.split("\n"), 1):
        if not inside:
            inside = _LANGKAH.match(line) is not None
            continue
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        item = _ITEM.match(line)
        if not line[0].isspace() and item is None:
            break  # the next key of the document
        end = number
        if item is not None and indent < 0:
            indent = len(item.group(1))
        if item is not None and len(item.group(1)) == indent:
            starts.append(number)
    return [(first, (starts[i + 1] - 1) if i + 1 < len(starts) else end) for i, first in enumerate(starts)]


def _step_dicts(entry: Any) -> list[dict[str, Any]]:
    """The steps of a langkah entry: itself, or those done at the same time (bersamaan)."""
    if not isinstance(entry, dict):
        return []
    together = entry.get("bersamaan")
    steps: list[Any] = together if isinstance(together, list) else [entry]
    return [s for s in steps if isinstance(s, dict)]


def _step_ids(entry: Any) -> list[str]:
    return [str(s["id"]) for s in _step_dicts(entry) if isinstance(s.get("id"), str)]


def _row(entry: Any, index: int) -> DraftRow:
    if not isinstance(entry, dict):
        return DraftRow(str(index + 1), "", "", "", "", [])
    steps = _step_dicts(entry)

    def cells(key: str) -> str:
        return _cell("; ".join(str(s[key]) for s in steps if isinstance(s.get(key), str | int | float)))

    number = entry.get("nomor", index + 1)
    return DraftRow(_cell(str(number)), cells("kegiatan"), cells("pelaksana"), cells("waktu"), cells("output"), [])


def _cell(text: str) -> str:
    return text if len(text) <= SHOWN_CELL else text[:SHOWN_CELL] + "…"


def publish(text: str, process: str, *, target: Target, forms: Path) -> str | None:
    """Write the draft as the process's file (one atomic write): the table, or for a diagram the table compiled;
    returns the text that was there before (None: a new file)."""
    from engine import compile_table, read_table, write_atomically

    before = file_text(target)
    if target.table:  # loaded as it is: the forms its isian make are made in memory
        content = text
    else:  # a diagram: the table compiled with its identity page, and the forms its isian make written beside
        from engine import write_table_forms

        table, document = read_table(text, process + ".sop.yaml", forms_dir=forms)
        content = compile_table(table, process + ".sop.yaml", document=document)
        write_table_forms(table, forms_dir=forms)
    write_atomically(str(target.path), content, what=translate(N_("the SOP of {process}", process=process)))
    return before


def undo(target: Target, before: str | None) -> None:
    """Put back what a publish replaced (the folder refused the new file)."""
    from engine import write_atomically

    if before is None:
        target.path.unlink(missing_ok=True)
    else:
        write_atomically(str(target.path), before, what="the SOP")


def unchanged(e: Engine, text: str, target: Target, process: str) -> bool:
    """True when the draft is the SOP in force: the table file's text, or a diagram's table as the editor showed
    it (publishing it would only replace the modeler's drawing with the compiled one)."""
    from engine import EngineError

    if target.table or not target.exists:
        return file_text(target) == text
    try:
        return current_text(e, target, process) == text
    except (EngineError, OSError, UnicodeDecodeError):
        return False
