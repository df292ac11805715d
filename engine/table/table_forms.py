"""A step's Kelengkapan written as fields in the table (`isian`) -> a JSON Schema 2020-12 form and its UI schema.

Each field has a title (judul), a kind in Indonesian words (jenis), a key (kunci, by default the title in
snake_case), whether it is required (wajib) and a help text (bantuan). Each kind gets the checks people expect: an
NIP is 18 digits, a date a date, a file its types and size. A pattern carries its description in words
(`x-sop-pattern-words`, an English catalog entry shown in the reader's language), so no page shows a regex. A
generated form says so (`x-sop-generated`) and keeps each field's kind (`x-sop-jenis`), so `sop decompile` gives
the fields back. The same fields always give the same bytes: recompiling an unchanged table makes no new version.
"""

from __future__ import annotations

import difflib
import json
import re
import unicodedata
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from engine.common.i18n import N_
from engine.table.sop_table import SopTable, Step, TableField

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

GENERATED = "x-sop-generated"  # true on a form sop compile made from a table's isian
JENIS = "x-sop-jenis"  # a generated field's kind, as the table writes it
PATTERN_WORDS = "x-sop-pattern-words"  # what a pattern asks for, in words (an English catalog entry)
SCHEMA_SUFFIX, UI_SUFFIX = ".schema.json", ".uischema.json"
MAX_MB = 2000  # the largest berkas a table may ask for (the forms' limit is 2 GiB)
_MB = 1_000_000
_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

# The kinds' words, each an English catalog entry (Indonesian under SOP_LANG=id).
_NIP_WORDS = N_("18 digits")
_NIK_WORDS = N_("16 digits")
_TIME_WORDS = N_("hours and minutes as HH:MM, e.g. 09:30")
_LETTER_WORDS = N_("parts separated by /, e.g. 800/123/UMUM/2026")
_PHONE_WORDS = N_("digits, spaces or -, e.g. 0812 3456 7890")

_SIMPLE: dict[str, dict[str, Any]] = {
    "teks": {"type": "string", "minLength": 1, "maxLength": 200},
    "teks panjang": {"type": "string", "minLength": 1, "maxLength": 5000},
    "angka": {"type": "number"},
    "tanggal": {"type": "string", "format": "date"},
    "waktu": {"type": "string", "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]$", PATTERN_WORDS: str(_TIME_WORDS)},
    "ya/tidak": {"type": "boolean"},
    "NIP": {"type": "string", "pattern": "^[0-9]{18}$", PATTERN_WORDS: str(_NIP_WORDS)},
    "NIK": {"type": "string", "pattern": "^[0-9]{16}$", PATTERN_WORDS: str(_NIK_WORDS)},
    "nomor surat": {"type": "string", "maxLength": 80,
                    "pattern": "^[0-9A-Za-z][0-9A-Za-z.-]*(/[0-9A-Za-z][0-9A-Za-z.-]*)+$",
                    PATTERN_WORDS: str(_LETTER_WORDS)},
    "e-mail": {"type": "string", "format": "email", "maxLength": 254},
    "telepon": {"type": "string", "pattern": "^\\+?[0-9][0-9 -]{5,18}[0-9]$", PATTERN_WORDS: str(_PHONE_WORDS)},
}
_ALIASES = {"email": "e-mail", "ya / tidak": "ya/tidak", "nip": "NIP", "nik": "NIK"}
_FILES = {"pdf": ("PDF", ("application/pdf",)), "gambar": ("gambar", ("image/jpeg", "image/png")),
          "pdf/gambar": ("PDF/gambar", ("application/pdf", "image/jpeg", "image/png"))}
KINDS_TEXT = ("teks, teks panjang, angka, tanggal, waktu, pilihan: a / b / c, ya/tidak, NIP, NIK, nomor surat, "
              "e-mail, telepon, berkas PDF 5 MB, berkas gambar 5 MB, berkas PDF/gambar 5 MB, daftar <jenis>")
_SUGGESTIONS = [*_SIMPLE, "pilihan: a / b", "berkas PDF 5 MB", "berkas gambar 5 MB", "berkas PDF/gambar 5 MB"]


@dataclass(frozen=True)
class FieldKind:
    """A field's kind read from its words: a simple kind, a choice, a file, or a list of one of these."""

    name: str  # a key of _SIMPLE, "pilihan" or "berkas"
    choices: tuple[str, ...] = ()
    files: str = ""  # berkas: PDF, gambar or PDF/gambar
    size_mb: int = 0
    many: bool = False  # daftar

    def text(self) -> str:
        """The kind as the table writes it (the canonical spelling)."""
        if self.name == "pilihan":
            one = "pilihan: " + " / ".join(self.choices)
        elif self.name == "berkas":
            one = f"berkas {self.files} {self.size_mb} MB"
        else:
            one = self.name
        return f"daftar {one}" if self.many else one


def key_from_judul(judul: str) -> str:
    """A field's data key from its title: lower-case ASCII words joined by _ ("Nomor surat" -> nomor_surat)."""
    ascii_text = unicodedata.normalize("NFKD", judul).encode("ascii", "ignore").decode("ascii")
    return "_".join(re.findall(r"[a-z0-9]+", ascii_text.lower()))


def form_names(process_id: str, step_id: str) -> tuple[str, str]:
    """The generated form's file and its UI schema's: `<process id>.<step id>.schema.json` (and .uischema.json)."""
    return f"{process_id}.{step_id}{SCHEMA_SUFFIX}", f"{process_id}.{step_id}{UI_SUFFIX}"


def parse_jenis(text: str) -> tuple[FieldKind | None, str | None]:
    """A kind in words -> (its FieldKind, None), or (None, what is wrong and how to write it)."""
    words = " ".join(str(text).split())
    low = words.lower()
    if low.startswith("daftar "):
        inner, problem = parse_jenis(words[len("daftar "):])
        if inner is not None and inner.many:
            return None, N_("a daftar of a daftar is not a kind; write daftar <jenis> once")
        return (FieldKind(inner.name, inner.choices, inner.files, inner.size_mb, True), None) if inner else (
            None, problem)
    simple = _ALIASES.get(low, next((k for k in _SIMPLE if k.lower() == low), None))
    if simple is not None:
        return FieldKind(simple), None
    if re.match(r"^pilihan\s*:", low):
        return _choice(words.split(":", 1)[1])
    if low.startswith("pilihan"):
        return None, N_("pilihan lists its values after a colon, e.g. 'pilihan: Setuju / Perbaiki'")
    if low.startswith("berkas"):
        return _file(low)
    close = difflib.get_close_matches(low, [s.lower() for s in _SUGGESTIONS], n=1, cutoff=0.6)
    if close:
        suggestion = next(s for s in _SUGGESTIONS if s.lower() == close[0])
        return None, N_("unknown jenis '{jenis}'; did you mean '{suggestion}'? The kinds are: {kinds}",
                        jenis=words, suggestion=suggestion, kinds=KINDS_TEXT)
    return None, N_("unknown jenis '{jenis}'; the kinds are: {kinds}", jenis=words, kinds=KINDS_TEXT)


def _choice(rest: str) -> tuple[FieldKind | None, str | None]:
    choices = tuple(" ".join(c.split()) for c in rest.split("/"))
    if len([c for c in choices if c]) < 2 or not all(choices):
        return None, N_("pilihan needs at least 2 values separated by /, e.g. 'pilihan: Setuju / Perbaiki'")
    twice = sorted({c for c in choices if choices.count(c) > 1})
    if twice:
        return None, N_("pilihan lists '{value}' twice; list each value once", value=twice[0])
    return FieldKind("pilihan", choices), None


def _file(low: str) -> tuple[FieldKind | None, str | None]:
    found = re.fullmatch(r"berkas\s+(pdf\s*/\s*gambar|pdf|gambar)(?:\s+(\d+)\s*mb)?", low)
    if found is None:
        return None, N_("berkas needs its type and largest size: 'berkas PDF 5 MB', 'berkas gambar 2 MB' or "
                        "'berkas PDF/gambar 10 MB'")
    files = _FILES["".join(found.group(1).split())][0]
    if found.group(2) is None:
        return None, N_("berkas {files} needs its largest size, e.g. 'berkas {files} 5 MB'", files=files)
    size = int(found.group(2))
    if not 1 <= size <= MAX_MB:
        return None, N_("berkas {files} {size} MB: the size must be from 1 to {most} MB",
                        files=files, size=size, most=MAX_MB)
    return FieldKind("berkas", files=files, size_mb=size), None


def read_isian(items: list[Any], step_id: str, *, nomor: int = 0) -> tuple[tuple[TableField, ...],
                                                                           list[tuple[int, str]]]:
    """The fields a table writes under `isian` (already of the schema's shape), and each problem with the index of
    its field: an unknown kind, a key that is no identifier or is used twice, a choice of fewer than 2 values, a
    file without a size or with one too large."""
    fields: list[TableField] = []
    problems: list[tuple[int, str]] = []
    seen: dict[str, int] = {}
    for index, item in enumerate(items):
        judul = " ".join(str(item.get("judul", "")).split())
        jenis = str(item.get("jenis", "teks"))
        kind, problem = parse_jenis(jenis)
        where = N_("row {nomor}, step '{step_id}', isian {number} '{judul}'", nomor=nomor, step_id=step_id,
                   number=index + 1, judul=judul) if nomor else N_("isian {number} '{judul}'", number=index + 1,
                                                                   judul=judul)
        if problem is not None:
            problems.append((index, N_("{where}: {problem}", where=where, problem=problem)))
        kunci = str(item["kunci"]) if item.get("kunci") is not None else key_from_judul(judul)
        if not _KEY.match(kunci):
            problems.append((index, N_("{where}: the key '{kunci}' is not a name of letters, digits and _ (not "
                                       "starting with a digit); give one as kunci, e.g. kunci: nomor_surat",
                                       where=where, kunci=kunci)))
        elif kunci in seen:
            problems.append((index, N_("{where}: the key '{kunci}' is also the key of isian {other}; give one of "
                                       "them another judul or a kunci", where=where, kunci=kunci,
                                       other=seen[kunci] + 1)))
        seen.setdefault(kunci, index)
        bantuan = item.get("bantuan")
        fields.append(TableField(judul, kind.text() if kind else jenis, kunci, _wajib(item.get("wajib", True)),
                                 " ".join(str(bantuan).split()) if bantuan else None))
    return tuple(fields), problems


def isian_entry(step: Step) -> dict[str, Any]:
    """A step's kelengkapan as the table writes it: {nama, isian}, each field's defaults left out."""
    entry: dict[str, Any] = {"nama": step.kelengkapan} if step.kelengkapan else {}
    items = []
    for item in step.isian:
        one: dict[str, Any] = {"judul": item.judul, "jenis": item.jenis}
        if not item.wajib:
            one["wajib"] = "tidak"
        if item.bantuan:
            one["bantuan"] = item.bantuan
        if item.kunci != key_from_judul(item.judul):
            one["kunci"] = item.kunci
        items.append(one)
    entry["isian"] = items
    return entry


def _wajib(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.strip().lower() in ("ya", "y", "wajib"))


def _field_schema(kind: FieldKind) -> dict[str, Any]:
    """The JSON Schema of one value of this kind (without its title)."""
    if kind.name == "pilihan":
        return {"type": "string", "enum": list(kind.choices)}
    if kind.name == "berkas":
        accept = next(types for word, types in _FILES.values() if word == kind.files)
        return {"contentMediaType": accept[0], "x-sop-file": {"accept": list(accept), "max_size": kind.size_mb * _MB}}
    return dict(_SIMPLE[kind.name])


def form_schema(title: str, fields: tuple[TableField, ...], schema_id: str) -> dict[str, Any]:
    """The JSON Schema 2020-12 form of a Kelengkapan's fields (already read without problems)."""
    properties: dict[str, Any] = {}
    for item in fields:
        kind, _ = parse_jenis(item.jenis)
        assert kind is not None  # read_isian refused it otherwise
        one = _field_schema(FieldKind(kind.name, kind.choices, kind.files, kind.size_mb))
        prop: dict[str, Any] = {"title": item.judul}
        if item.bantuan:
            prop["description"] = item.bantuan
        if kind.many:
            prop.update({"type": "array", "items": {"title": item.judul, **one}})
            if item.wajib:
                prop["minItems"] = 1
        else:
            prop.update(one)
        prop[JENIS] = kind.text()
        properties[item.kunci] = prop
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": f"urn:sop:form:{schema_id}",
            "title": title, GENERATED: True, "type": "object", "additionalProperties": False,
            "required": [f.kunci for f in fields if f.wajib], "properties": properties}


def ui_schema(fields: tuple[TableField, ...]) -> dict[str, Any]:
    """The UI schema of a generated form: the fields' order, long text as a text area, few choices as buttons."""
    ui: dict[str, Any] = {"ui:order": [f.kunci for f in fields]}
    for item in fields:
        kind, _ = parse_jenis(item.jenis)
        if kind is None or kind.many:
            continue
        if kind.name == "teks panjang":
            ui[item.kunci] = {"ui:widget": "textarea"}
        elif kind.name == "pilihan" and len(kind.choices) <= 4:
            ui[item.kunci] = {"ui:widget": "radio"}
    return ui


def json_text(value: Any) -> str:
    """A form's file text: 2-space indented JSON, keys in the order built, UTF-8, one final newline."""
    return json.dumps(value, ensure_ascii=False, indent=2) + "\n"


def step_title(step: Step) -> str:
    """A generated form's title: the Kelengkapan's name, else what the step does."""
    return step.kelengkapan or step.kegiatan


def step_form_texts(process_id: str, step: Step) -> dict[str, str]:
    """The generated form and UI schema of one step with isian, by file name."""
    schema_name, ui_name = form_names(process_id, step.id)
    schema = form_schema(step_title(step), step.isian, f"{process_id}.{step.id}")
    return {schema_name: json_text(schema), ui_name: json_text(ui_schema(step.isian))}


def form_texts(table: SopTable) -> dict[str, str]:
    """Every form the table's isian make, by file name (the forms folder's names), in sheet order."""
    out: dict[str, str] = {}
    for _, step in table.steps():
        if step.isian:
            out.update(step_form_texts(table.process_id, step))
    return out


def is_generated(text: str) -> bool:
    """True for a form file that sop compile made from a table (it may be written over)."""
    try:
        value = json.loads(text)
    except ValueError:
        return False
    return isinstance(value, dict) and value.get(GENERATED) is True


def write_table_forms(table: SopTable, *, forms_dir: Path) -> list[str]:
    """Write the forms of a table's isian into the forms folder (each file only when its bytes change) and return
    the names written; a file of that name that sop did not generate is refused, nothing written."""
    from engine.common.atomic_file import write_atomically
    from engine.common.errors import DataFileError

    texts = form_texts(table)
    if texts and not forms_dir.is_dir():
        raise DataFileError("The forms folder '{forms_dir}' does not exist, so the forms of the isian cannot be "
                            "written; create it or give another with --forms. Nothing was written",
                            forms_dir=forms_dir)
    changed = {}
    for name, text in texts.items():
        path = forms_dir / name
        try:
            old = path.read_text(encoding="utf-8") if path.is_file() else None
        except (OSError, UnicodeDecodeError):
            old = ""
        if old is not None and old != text and name.endswith(SCHEMA_SUFFIX) and not is_generated(old):
            raise DataFileError("The forms folder already has {name}, a form that sop compile did not make from a "
                                "table; nothing was written. Rename that form (and the step that binds it), or "
                                "give the step another id", name=name)
        if old != text:
            changed[name] = text
    for name, text in changed.items():
        write_atomically(str(forms_dir / name), text, what=N_("the form {name}", name=name))
    return list(changed)


def fields_from_form(process_id: str, step: Step, schema_text: str | None,
                     ui_text: str | None) -> tuple[TableField, ...]:
    """The isian of a step whose form sop generated and nobody changed since (it is exactly what these fields
    make, under the generated name); () for any other form, which the table keeps naming by file (formulir)."""
    schema_name, ui_name = form_names(process_id, step.id)
    if step.formulir != schema_name or schema_text is None or not is_generated(schema_text):
        return ()
    schema = json.loads(schema_text)
    properties = schema.get("properties")
    if not isinstance(properties, dict) or not all(isinstance(p, dict) and isinstance(p.get(JENIS), str)
                                                   and isinstance(p.get("title"), str) for p in properties.values()):
        return ()
    required = schema.get("required") if isinstance(schema.get("required"), list) else []
    fields = tuple(TableField(p["title"], p[JENIS], key, key in required, p.get("description"))
                   for key, p in properties.items())
    _, problems = read_isian([{"judul": f.judul, "jenis": f.jenis, "kunci": f.kunci} for f in fields], step.id)
    if problems:
        return ()
    made = step_form_texts(process_id, replace(step, isian=fields))
    if json.loads(made[schema_name]) != schema or (ui_text is not None and _loads(ui_text) != json.loads(
            made[ui_name])):
        return ()
    return fields


def with_generated_fields(table: SopTable, read: Callable[[str], str | None]) -> SopTable:
    """The table with each step whose form sop generated (read by name) written as its isian again."""
    rows = []
    for row in table.rows:
        steps = []
        for step in row.steps:
            schema_name, ui_name = form_names(table.process_id, step.id)
            found = fields_from_form(table.process_id, step, read(schema_name), read(ui_name)) \
                if step.formulir == schema_name else ()
            steps.append(replace(step, isian=found) if found else step)
        rows.append(replace(row, steps=tuple(steps)))
    return replace(table, rows=tuple(rows))


def _loads(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return None
