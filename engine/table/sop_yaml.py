"""NAME.sop.yaml <-> the SOP table: read with line numbers (schema first, then meaning), and written back."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from functools import lru_cache
from pathlib import Path
from typing import Any, NamedTuple

from engine.bpmn.diagram_checks import RESERVED_IDS, TASK_ID_RULE, check_expression, is_task_id
from engine.common.durations import DURATION_SHAPE, duration_problem, is_duration
from engine.common.errors import DefinitionError, EngineError
from engine.common.i18n import N_
from engine.common.messages import Message
from engine.common.yamlio import Lines, parse_yaml_lines
from engine.table.sop_table import (
    END,
    Check,
    Decision,
    Row,
    SopTable,
    Step,
    TableField,
    default_parallel_id,
    default_step_id,
    structure_problems,
    tunggu_text,
    waktu_text,
)
from engine.table.table_forms import form_names, isian_entry, read_isian
from engine.table.table_words import (
    ERROR,
    WARNING,
    TableProblem,
    at_line,
    did_you_mean,
    labels_of,
    located,
    numbering_warning,
    renumbered_text,
    row_ids,
    schema_words,
    without_errors,
)

SCHEMA_FILE = Path(__file__).with_name("sop_table.schema.json")
SUFFIXES = (".sop.yaml", ".sop.yml")
TOP_KEYS = {"sop", "mulai", "pelaksana", "langkah", "judul", "data_kegiatan", "dasar_hukum", "kualifikasi_pelaksana",
            "keterkaitan", "peralatan_perlengkapan", "peringatan", "pencatatan_pendataan", "asumsi",
            "batas_pengulangan"}
SOP_KEYS = {"id", "nama", "nomor", "instansi", "dinas", "tanggal_pembuatan", "tanggal_revisi", "tanggal_efektif",
            "disahkan_oleh", "catatan_sumber", "dasar_hukum", "kualifikasi_pelaksana", "keterkaitan",
            "peralatan_perlengkapan", "peringatan", "pencatatan_pendataan"}
STEP_KEYS = ("kegiatan", "pelaksana", "kelengkapan", "waktu", "output", "keterangan", "periksa", "dapat_dikembalikan",
             "tunggu")
NOT_FOR_WAITS = ("kelengkapan", "waktu", "periksa", "dapat_dikembalikan")  # a wait has no artefact, time or check
_WAKTU = re.compile(r"(\d+)\s*(minggu|hari(?:\s+kerja)?|jam|menit|detik)")
_ISO_UNIT = {"minggu": ("W", False), "hari": ("D", False), "jam": ("H", True), "menit": ("M", True),
             "detik": ("S", True)}

Path_ = tuple[str | int, ...]


@lru_cache(maxsize=1)
def _validator() -> Any:
    from jsonschema import Draft202012Validator
    from referencing import Registry

    # An empty registry fetches nothing: the table schema refers only inside itself.
    return Draft202012Validator(json.loads(SCHEMA_FILE.read_text(encoding="utf-8")), registry=Registry())


def is_table_file(path: Path) -> bool:
    """True for NAME.sop.yaml (a table), as opposed to NAME.yaml (a diagram's identity page)."""
    return path.name.endswith(SUFFIXES)


def parse_waktu(text: str) -> str | None:
    """A step's waktu as an ISO-8601 duration: PT30M stays, '30 menit' -> PT30M, '1 jam 30 menit' -> PT1H30M;
    None when it is no time or is longer than durations.MAX_DAYS."""
    iso = waktu_iso(text)
    return iso if iso is not None and is_duration(iso) else None


def waktu_iso(text: str) -> str | None:
    """A waktu written in words as ISO-8601 text (not checked for length), or None when it is no time."""
    text = text.strip()
    if DURATION_SHAPE.match(text):
        return text
    found = _WAKTU.findall(text.lower())
    if not found or _WAKTU.sub("", text.lower()).strip():
        return None
    found = [(n, u.split()[0]) for n, u in found]  # "hari kerja" is "hari": a day of sop is a working day
    date = "".join(f"{n}{_ISO_UNIT[u][0]}" for n, u in found if not _ISO_UNIT[u][1])
    time = "".join(f"{n}{_ISO_UNIT[u][0]}" for n, u in found if _ISO_UNIT[u][1])
    iso = "P" + date + ("T" + time if time else "")
    return iso if DURATION_SHAPE.match(iso) else None


class _YamlReader:
    """Builds the table from a validated document, collecting every problem with its line."""

    def __init__(self, doc: dict[str, Any], lines: Lines, source: str, forms_dir: Path | None) -> None:
        self.doc, self.lines, self.source, self.forms_dir = doc, lines, source, forms_dir
        self.problems: list[tuple[int, str]] = []
        self.paths: dict[tuple[int, str], Path_] = {}  # where each problem is, when the reader knows the key
        self.flow_problems = 0  # jumps to no row: the flow cannot be followed, nor compiled
        self.id_problems = 0  # ids that are no identifiers, or used twice: the table cannot be compiled
        self.lane_problems = 0  # a step with no known pelaksana has no lane to be drawn in
        self.flow_taken = False  # a key of the flow was refused by the schema: reachability would mislead

    def line(self, path: Path_) -> int:
        while path and path not in self.lines:
            path = path[:-1]
        return self.lines.get(path, 1)

    def problem(self, path: Path_, text: str) -> None:
        self.problems.append((self.line(path), text))
        self.paths.setdefault((self.line(path), text), path)

    def table(self) -> SopTable:
        sop = self.doc["sop"]
        lanes = tuple(self.doc["pelaksana"])  # a list of names, or a mapping name -> description
        for i, lane in enumerate(lanes):
            if lanes.index(lane) != i:
                self.lane_problems += 1
                self.problem(("pelaksana", i), f"pelaksana '{lane}' is listed twice; list each lane once")
        self.lanes = lanes
        entries = self.doc["langkah"]
        numbers = {i + 1: self._row_id(entry, i + 1) for i, entry in enumerate(entries)}
        self.by_nomor = numbers
        self.labels = labels_of(entries)
        self.step_rows: dict[str, int] = {}
        for i, entry in enumerate(entries):
            for j, item in enumerate(entry.get("bersamaan") or []):
                self.step_rows[str(item.get("id") or default_step_id(i + 1, j + 1))] = i + 1
        rows = tuple(self._row(entry, i + 1) for i, entry in enumerate(entries))
        process_id = str(sop["id"])
        if process_id in RESERVED_IDS:
            self.problem(("sop", "id"), f"process id '{process_id}' is reserved by SpiffWorkflow; choose another")
        table = SopTable(process_id, str(sop["nama"]), lanes, rows, self.doc.get("mulai"), sop.get("dinas"))
        self._check_ids(table)
        step_ids = {s.id for _, s in table.steps() if not s.menunggu}  # a wait writes no data to read
        for row, step in table.steps():
            at: Path_ = ("langkah", row.nomor - 1)
            if step.periksa:
                inner = ("bersamaan", row.steps.index(step)) if row.bersamaan else ()
                self._expression(step.periksa.syarat, (*at, *inner, "periksa", "syarat"),
                                 f"step '{step.id}' periksa", step_ids)
            if row.keputusan and step is row.steps[0]:
                self._expression(row.keputusan.syarat, (*at, "keputusan", "syarat"), f"row {row.nomor} keputusan",
                                 step_ids)
        if not self.flow_problems and not self.flow_taken:
            self.problems.extend(structure_problems(table))
        return table

    def _expression(self, text: str, path: Path_, what: str, step_ids: set[str]) -> None:
        where = f"{self.source}:{self.line(path)}: {what}"
        try:
            check_expression(text, where, step_ids)
        except DefinitionError as exc:
            said = exc.message  # "{where}: {problem}": the problem alone, still a Message to translate
            self.problem(path, said.fields["problem"] if said.fields.get("where") == where and "problem" in said.fields
                         else str(exc).removeprefix(f"{where}: "))

    def _row_id(self, entry: dict[str, Any], nomor: int) -> str:
        default = default_parallel_id(nomor) if "bersamaan" in entry else default_step_id(nomor)
        return str(entry.get("id") or default)

    def _row(self, entry: dict[str, Any], nomor: int) -> Row:
        path: Path_ = ("langkah", nomor - 1)
        row_id = self.by_nomor[nomor]
        if "bersamaan" in entry:
            misplaced = [k for k in STEP_KEYS if k in entry]
            if misplaced:
                self.problem((*path, misplaced[0]), f"row {nomor} has bersamaan and also {', '.join(misplaced)}; "
                             "each step done at the same time carries its own, under bersamaan")
            steps = tuple(self._step(item, (*path, "bersamaan", j), default_step_id(nomor, j + 1))
                          for j, item in enumerate(entry["bersamaan"]))
            self._identifier(str(entry.get("id") or row_id), (*path, "id"))
        else:
            missing = [k for k in ("kegiatan", "pelaksana") if k not in entry]
            if missing:
                self.lane_problems += 1
                self.problem(path, f"row {nomor} has no {' and no '.join(missing)}; give what is done and by whom "
                             "(or list steps done at the same time under bersamaan)")
            steps = (self._step(entry, path, row_id),)
        decision, lanjut, name = None, None, None
        if "keputusan" in entry:
            for other in ("lanjut", "selesai"):
                if other in entry:
                    self.problem((*path, other), f"row {nomor} has a keputusan and also {other}; after a decision "
                                 "the flow goes by ya or tidak only")
            k = entry["keputusan"]
            kp: Path_ = (*path, "keputusan")
            decision = Decision(str(k["syarat"]), self._target(k["ya"], (*kp, "ya")),
                                self._target(k["tidak"], (*kp, "tidak")), k.get("pertanyaan"),
                                k.get("label_ya", "Ya"), k.get("label_tidak", "Tidak"), self.line(kp))
        elif "lanjut" in entry and entry.get("selesai") not in (None, False):
            self.problem((*path, "selesai"), f"row {nomor} has both lanjut and selesai; keep one")
        elif "lanjut" in entry:
            lanjut = self._target(entry["lanjut"], (*path, "lanjut"))
        elif entry.get("selesai") not in (None, False) or nomor == len(self.by_nomor):
            lanjut = END
            name = entry["selesai"] if isinstance(entry.get("selesai"), str) else None
        else:
            lanjut = self.by_nomor[nomor + 1]
        if lanjut == END and isinstance(entry.get("selesai"), str):
            name = entry["selesai"]
        return Row(nomor, row_id, steps, decision, lanjut, name, self.line(path))

    def _identifier(self, value: str, path: Path_) -> None:
        if not value.isidentifier() or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", value):
            self.id_problems += 1
            self.problem(path, f"id '{value}' is not an identifier; use letters, digits and _ only, not starting "
                         "with a digit (for example DraftSurat)")
        elif value in RESERVED_IDS or value == END:
            self.problem(path, f"id '{value}' is reserved; choose another (for example {value}Surat)")

    def _step(self, item: dict[str, Any], path: Path_, default_id: str) -> Step:
        step_id = str(item.get("id") or default_id)
        self._identifier(step_id, (*path, "id"))
        if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", step_id) and not is_task_id(step_id):  # lint and load's rule
            self.problem((*path, "id"), f"step id '{step_id}' is not a valid data key; {TASK_ID_RULE}")
        lane = str(item.get("pelaksana", ""))
        if "pelaksana" in item and lane not in self.lanes:
            self.lane_problems += 1
            self.problem((*path, "pelaksana"), f"step '{step_id}' has pelaksana '{lane}', which is not one of the "
                         f"pelaksana ({', '.join(self.lanes)}); fix the name or add the lane")
        kelengkapan = item.get("kelengkapan")
        form, artefact = (kelengkapan, None) if isinstance(kelengkapan, str) else (
            (kelengkapan or {}).get("formulir"), (kelengkapan or {}).get("nama"))
        isian = self._isian(kelengkapan, step_id, (*path, "kelengkapan"))
        if isian:
            form = form_names(str(self.doc["sop"]["id"]), step_id)[0]
        elif form is not None:
            self._form(str(form), step_id, (*path, "kelengkapan"))
        waktu = None
        if "waktu" in item:
            iso = waktu_iso(str(item["waktu"]))
            problem = duration_problem(iso) if iso is not None else None
            if iso is None:
                self.problem((*path, "waktu"), f"step '{step_id}' has waktu '{item['waktu']}', which is not a time; "
                             "write PT30M, PT1H, P1D or '30 menit', '1 jam', '2 hari'")
            elif problem:
                self.problem((*path, "waktu"), f"step '{step_id}' has waktu '{item['waktu']}' ({iso}), {problem}")
            else:
                waktu = iso
        check = item.get("periksa")
        return Step(step_id, str(item.get("kegiatan", "")), lane, form, artefact, waktu, item.get("output"),
                    item.get("keterangan"), Check(check["syarat"], check.get("pesan")) if check else None,
                    self.line(path), isian=isian, dapat_dikembalikan=item.get("dapat_dikembalikan") is not False,
                    tunggu=self._tunggu(item, step_id, path))

    def _tunggu(self, item: dict[str, Any], step_id: str, path: Path_) -> str | None:
        """A wait row's time (ISO-8601); each key a wait cannot have is refused at its line."""
        if "tunggu" not in item:
            return None
        if "bersamaan" in path:
            self.problem((*path, "tunggu"), N_(
                "step '{step_id}' waits (tunggu) inside bersamaan; a wait is a row of its own: move it to its own "
                "row before or after the steps done at the same time", step_id=step_id))
        for key in NOT_FOR_WAITS:
            if key in item:
                self.problem((*path, key), N_(
                    "step '{step_id}' waits (tunggu) and also has {key}; nobody works during a wait, so it has no "
                    "kelengkapan, waktu, periksa or dapat_dikembalikan: move {key} to the step before or after it, "
                    "or remove it", step_id=step_id, key=key))
        text = str(item["tunggu"])
        iso = waktu_iso(text)
        problem = duration_problem(iso) if iso is not None else None
        if iso is None:
            self.problem((*path, "tunggu"), N_(
                "step '{step_id}' has tunggu '{text}', which is not a length of time; write '14 hari kerja', "
                "'3 hari', '2 jam' or P14D", step_id=step_id, text=text))
        elif problem:
            self.problem((*path, "tunggu"), N_("step '{step_id}' has tunggu '{text}' ({iso}), {problem}",
                                               step_id=step_id, text=text, iso=iso, problem=problem))
        else:
            return iso
        return "P1D"  # unusable: the problem above refuses the table; the row still reads as a wait

    def _isian(self, kelengkapan: Any, step_id: str, path: Path_) -> tuple[TableField, ...]:
        """The Kelengkapan's fields (isian), each problem at its field's line; () when it names a form instead."""
        if not isinstance(kelengkapan, dict) or "isian" not in kelengkapan:
            return ()
        if "formulir" in kelengkapan:
            self.problem((*path, "formulir"), N_("step '{step_id}' has both formulir and isian under kelengkapan; "
                                                 "keep isian to have sop write the form, or formulir to name a form "
                                                 "of the forms folder", step_id=step_id))
        fields, problems = read_isian(kelengkapan["isian"], step_id)  # placed at its row and key by problem()
        for index, text in problems:
            self.problem((*path, "isian", index), text)
        return tuple(replace(f, line=self.line((*path, "isian", i))) for i, f in enumerate(fields))

    def _form(self, name: str, step_id: str, path: Path_) -> None:
        if "/" in name or "\\" in name or name.startswith("."):
            self.problem(path, f"step '{step_id}' has form '{name}'; give a plain file name in the forms folder")
        elif self.forms_dir is not None and not (self.forms_dir / name).is_file():
            self.problem(path, f"step '{step_id}' has form '{name}', which is not in the forms folder "
                         f"'{self.forms_dir}'; add the file or fix the name (an artefact without a form: "
                         "kelengkapan: {nama: ...})")

    def _target(self, value: Any, path: Path_) -> str:
        if isinstance(value, int) and not isinstance(value, bool):
            return self._numbered_target(value, path)
        text = str(value)
        if text == END or text in self.by_nomor.values():
            return text
        if text in self.step_rows:
            nomor = self.step_rows[text]
            self.problem(path, f"'{text}' is a step of the bersamaan row {nomor}; go to the row (nomor {nomor})")
        else:
            self.problem(path, f"'{text}' names no row; give a row's nomor or id, or 'selesai'")
        self.flow_problems += 1
        return text

    def _numbered_target(self, value: int, path: Path_) -> str:
        """A jump by number goes to the row that carries that nomor (in a table that writes none, its place)."""
        rows = self.labels.get(value, [])
        if len(rows) == 1:
            return self.by_nomor[rows[0] + 1]
        self.flow_problems += 1
        if rows:
            named = ", ".join(f"'{self.by_nomor[i + 1]}'" for i in rows)
            self.problems.append((self.line(path), N_(
                "{value} is the nomor of {count} rows ({named}); give the row's id instead, or renumber the rows",
                value=value, count=len(rows), named=named)))
        else:
            at = {i: n for n, rows in self.labels.items() for i in rows}  # a row without a number shows as -
            written = ", ".join(str(at.get(i, "-")) for i in range(len(self.by_nomor)))
            self.problems.append((self.line(path), N_("{value} names no row; the rows are numbered {written}",
                                                      value=value, written=written)))
        self.paths.setdefault(self.problems[-1], path)
        return str(value)

    def _check_ids(self, table: SopTable) -> None:
        seen: dict[str, int] = {}
        for row in table.rows:
            ids = [s.id for s in row.steps] + ([row.id] if row.bersamaan else [])
            for step_id in ids:
                line = next((s.line for s in row.steps if s.id == step_id), row.line)
                if step_id in seen:
                    self.id_problems += 1
                    self.problems.append((line, N_("id '{step_id}' is used twice (also on line {first}); give "
                                                   "each step its own id", step_id=step_id, first=seen[step_id])))
                seen.setdefault(step_id, line)


class TableCheck(NamedTuple):
    """What one reading of a table found: the table (None when it could not be built), the document and its
    lines, every problem at its row and key, and whether the table can be compiled to check its diagram."""

    table: SopTable | None
    doc: Any
    lines: Lines
    problems: list[TableProblem]
    compilable: bool
    not_a_table: bool = False  # the text reads as YAML but is no mapping
    unreadable: EngineError | None = None  # the text is no YAML (a syntax error, a key written twice)

    @property
    def errors(self) -> list[TableProblem]:
        """The problems that refuse the table (warnings never do)."""
        return [p for p in self.problems if p.severity == ERROR]


def check_table(text: str, source: str, *, forms_dir: Path | None = None) -> TableCheck:
    """Read NAME.sop.yaml and report every problem at once: the format (a key the schema refuses is taken out so the
    rest can still be read), then the meaning (people, forms, times, ids, conditions, where each row goes), each at
    its row and key. A YAML syntax error is the one problem of a text that cannot be read."""
    try:
        doc, lines = parse_yaml_lines(text, source)
    except EngineError as exc:  # its message names the file and line itself, in a sentence the catalog knows
        return TableCheck(None, None, {}, [TableProblem(_line_in(str(exc), source) or 1, str(exc))], False,
                          unreadable=exc)
    if not isinstance(doc, dict):
        return TableCheck(None, doc, lines, [TableProblem(1, N_(
            "an SOP table is a mapping with sop, pelaksana and langkah; see {schema_file_name}",
            schema_file_name=SCHEMA_FILE.name))], False, not_a_table=True)
    ids = row_ids(doc)
    problems: list[TableProblem] = []
    refused: list[Path_] = []
    reader = _YamlReader(doc, lines, source, forms_dir)
    renames: dict[Path_, str] = {}  # a misspelt key is read as the key meant, so its value is checked too
    for error in sorted(_validator().iter_errors(doc), key=lambda e: (list(map(str, e.absolute_path)), e.message)):
        for path, words in schema_words(error):
            problems.append(located(reader.line(path), words, path, ids))
            close = words.fields.get("close") if isinstance(words, Message) else None
            if close and isinstance(error.instance, dict) and close not in error.instance:
                renames[path] = str(close)
            else:
                refused.append(path)
    problems += _near_misses(doc, lines, ids)
    clean, flow_taken = without_errors(_renamed(doc, renames), refused) if refused or renames else (doc, False)
    table = None
    if clean is not None:
        reader = _YamlReader(clean, lines, source, forms_dir)
        reader.flow_taken = flow_taken
        table = reader.table()
        for line, message in reader.problems:
            known = reader.paths.get((line, message))
            problems.append(located(line, message, known, ids) if known else at_line(line, message, lines, ids))
        warning = numbering_warning(clean, lines, ids)
        if warning is not None:
            problems.append(warning)
    compilable = table is not None and not flow_taken and not (reader.flow_problems or reader.id_problems
                                                               or reader.lane_problems)
    unique = list(dict.fromkeys(problems))
    return TableCheck(table, doc, lines, sorted(unique, key=lambda p: (p.line, p.severity, p.message)), compilable)


def _renamed(doc: dict[str, Any], renames: dict[Path_, str]) -> dict[str, Any]:
    """A copy of the document with each misspelt key written as the key meant."""
    import copy

    out = copy.deepcopy(doc)
    for path, close in renames.items():
        parent: Any = out
        for part in path[:-1]:
            parent = parent[part]
        parent[close] = parent.pop(path[-1])
    return out


def _near_misses(doc: dict[str, Any], lines: Lines, ids: list[str]) -> list[TableProblem]:
    """A key of the document or of its sop block that is not one sop knows but is close to one: a warning with the
    key meant (other keys are kept as the author's own notes)."""
    out = []
    for where, mapping, known in (((), doc, TOP_KEYS), (("sop",), doc.get("sop"), SOP_KEYS)):
        if not isinstance(mapping, dict):
            continue
        for key in mapping:
            close = did_you_mean(str(key), known) if key not in known else None
            if close:
                path = (*where, str(key))
                out.append(located(lines.get(path, 1), N_("unknown key '{key}'; did you mean '{close}'?", key=key,
                                                          close=close), path, ids, WARNING)
                           ._replace(rule="table-key-unknown"))
    return out


def _line_in(message: str, source: str) -> int | None:
    rest = message[len(source) + 1:] if message.startswith(source + ":") else ""
    digits = rest.split(":", 1)[0]
    return int(digits) if digits.isdigit() else None


def read_table(text: str, source: str, *, forms_dir: Path | None = None) -> tuple[SopTable, dict[str, Any]]:
    """Parse NAME.sop.yaml text into the table and the raw document; every mistake is named with its line.

    forms_dir, when given, is where each step's form must exist.
    """
    checked = check_table(text, source, forms_dir=forms_dir)
    if checked.unreadable is not None:
        raise checked.unreadable
    if checked.not_a_table:
        raise DefinitionError("{source}: an SOP table is a mapping with sop, pelaksana and langkah; "
                              "see {schema_file_name}", source=source, schema_file_name=SCHEMA_FILE.name)
    errors = checked.errors
    if errors or checked.table is None:
        raise _table_error(source, [(p.line, p.text()) for p in errors])
    return checked.table, checked.doc


def _table_error(source: str, problems: list[tuple[int, str]]) -> EngineError:
    problems = sorted(set(problems))
    if len(problems) == 1:
        line, text = problems[0]
        error = DefinitionError("{source}:{line}: {text}", source=source, line=line, text=text)
    else:
        listing = "\n".join(f"  - {source}:{line}: {text}" for line, text in problems)
        head = N_("{source}: the SOP table has {problems_count} problems; fix them and try again:", source=source,
                  problems_count=len(problems))  # a line of its own: translated even where the text is read back
        error = DefinitionError("{head}\n{listing}", head=head, listing=listing)
    error.table_problems = problems  # type: ignore[attr-defined]  # each (line, text), for `sop lint`
    return error


def table_document(table: SopTable, identity: dict[str, Any] | None = None,
                   lane_notes: dict[str, Any] | None = None) -> dict[str, Any]:
    """The table as a NAME.sop.yaml document (keys in the sheet's order); identity adds the page's other keys."""
    sop: dict[str, Any] = {"id": table.process_id, "nama": table.nama}
    if table.dinas:
        sop["dinas"] = table.dinas
    extra = dict(identity or {})
    sop.update({k: v for k, v in (extra.pop("sop", None) or {}).items() if k not in sop})
    doc: dict[str, Any] = {"sop": sop}
    if table.mulai:
        doc["mulai"] = table.mulai
    notes = lane_notes or {}
    doc["pelaksana"] = {lane: notes[lane] for lane in table.lanes} if notes and all(
        lane in notes for lane in table.lanes) else list(table.lanes)
    nomor = {r.id: r.nomor for r in table.rows}
    implicit = {r.id for r in table.rows if r.id in (default_step_id(r.nomor), default_parallel_id(r.nomor))}

    def ref(target: str) -> Any:
        return nomor[target] if target in implicit else target

    entries = []
    for i, row in enumerate(table.rows):
        entry: dict[str, Any] = {"nomor": row.nomor}
        if row.bersamaan:
            if row.id not in implicit:
                entry["id"] = row.id
            entry["bersamaan"] = [_step_entry(s, default_step_id(row.nomor, j + 1)) for j, s in enumerate(row.steps)]
        else:
            entry.update(_step_entry(row.steps[0], default_step_id(row.nomor)))
        if row.keputusan:
            k = row.keputusan
            decision: dict[str, Any] = {"pertanyaan": k.pertanyaan} if k.pertanyaan else {}
            decision.update({"syarat": k.syarat, "ya": ref(k.ya), "tidak": ref(k.tidak)})
            decision.update({key: v for key, v, d in (("label_ya", k.label_ya, "Ya"),
                                                      ("label_tidak", k.label_tidak, "Tidak")) if v != d})
            entry["keputusan"] = decision
        elif row.lanjut == END:
            if row.nama_selesai or i < len(table.rows) - 1:
                entry["selesai"] = row.nama_selesai or True
        elif i == len(table.rows) - 1 or row.lanjut != table.rows[i + 1].id:
            entry["lanjut"] = ref(row.lanjut or END)
        entries.append(entry)
    doc["langkah"] = entries
    doc.update({k: v for k, v in extra.items() if k not in doc and k != "process"})
    return doc


def _step_entry(step: Step, default_id: str) -> dict[str, Any]:
    entry: dict[str, Any] = {} if step.id == default_id else {"id": step.id}
    entry.update({"kegiatan": step.kegiatan, "pelaksana": step.pelaksana})
    if step.tunggu is not None:
        entry["tunggu"] = tunggu_text(step.tunggu)
    if step.isian:
        entry["kelengkapan"] = isian_entry(step)
    elif step.kelengkapan:
        entry["kelengkapan"] = {"formulir": step.formulir, "nama": step.kelengkapan} if step.formulir else {
            "nama": step.kelengkapan}
    elif step.formulir:
        entry["kelengkapan"] = step.formulir
    for key in ("waktu", "output", "keterangan"):
        if getattr(step, key):  # waktu as the author writes it: "30 menit", not PT30M
            entry[key] = waktu_text(step.waktu) if key == "waktu" and step.waktu else getattr(step, key)
    if not step.dapat_dikembalikan:
        entry["dapat_dikembalikan"] = False
    if step.periksa:
        entry["periksa"] = {"syarat": step.periksa.syarat, **({"pesan": step.periksa.pesan}
                                                              if step.periksa.pesan else {})}
    return entry


def write_table(table: SopTable, identity: dict[str, Any] | None = None, *,
                lane_notes: dict[str, Any] | None = None, header: str = "") -> str:
    """The table as NAME.sop.yaml text (stable: the same table always gives the same bytes)."""
    from engine.common.yamlio import dump_yaml

    text = dump_yaml(table_document(table, identity, lane_notes))
    return header + text


def renumber_table(text: str, source: str) -> str:
    """The table's text with its rows numbered 1, 2, 3... in order and every jump by number (ya, tidak, lanjut)
    rewritten to the same row's new number; comments and layout kept. A table that cannot be read is refused."""
    doc, lines = parse_yaml_lines(text, source)
    if not isinstance(doc, dict) or not isinstance(doc.get("langkah"), list):
        raise DefinitionError("{source}: an SOP table is a mapping with sop, pelaksana and langkah; "
                              "see {schema_file_name}", source=source, schema_file_name=SCHEMA_FILE.name)
    return renumbered_text(text, doc, lines)
