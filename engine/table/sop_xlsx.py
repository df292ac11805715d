"""The SOP AP sheet as a workbook (.xlsx) read as offices type it into the table's document (see sop_xlsx_write).

Sheets (names matched case-insensitively): Identitas (Kolom | Isi), Pelaksana (Nama | Uraian, optional), Alur
(No | Uraian Kegiatan | one column per Pelaksana marked X | Kelengkapan | Waktu | Output | Keterangan, and the
optional Id, Syarat, Periksa, Pesan Periksa) and Kelengkapan (the fields of each row's artefact, optional).
A row whose Waktu says "tunggu 14 hari kerja" is a wait (nobody works; the request goes on by itself when the time is
up). Rows refer to each other by the number typed in No ("Ya: ke 4; Tidak: ke 8"); the reader turns those numbers into
the rows' places, so a row inserted anywhere keeps every jump on the step it named. Rows 4a, 4b... next to each
other, or X in two Pelaksana columns, are steps done at the same time (bersamaan). openpyxl reads and writes the
file (the one well-kept pure-Python library for .xlsx); it is imported only here, when a workbook is used.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine.common.durations import duration_problem
from engine.common.errors import DefinitionError
from engine.common.i18n import N_
from engine.table.sop_table import END, SopTable, default_parallel_id, default_step_id
from engine.table.sop_yaml import read_table, waktu_iso
from engine.table.table_forms import parse_jenis
from engine.table.xlsx_cells import (
    SHEETS,
    Problems,
    SheetCells,
    closest,
    norm,
    open_workbook,
    read_sheets,
    refuse_merged,
    sheet_grid,
    snake_key,
)
from engine.table.xlsx_identity import IDENTITY_LINE, identity_sheet, lane_notes

_TABLE_PLACE = re.compile(r"^(?:row|baris) \d+ \([^)]*\)(?:, [^:]+)?: ")
MARKS = {"x", "v", "✓", "✔", "√", "ya"}

FLOW_COLUMNS = {"no": "no", "no.": "no", "nomor": "no", "uraian kegiatan": "kegiatan", "kegiatan": "kegiatan",
                "kelengkapan": "kelengkapan", "waktu": "waktu", "output": "output", "keterangan": "keterangan",
                "id": "id", "id langkah": "id", "syarat": "syarat", "periksa": "periksa",
                "pesan periksa": "pesan"}
FLOW_TITLES = {"no": "No", "kegiatan": "Uraian Kegiatan", "kelengkapan": "Kelengkapan", "waktu": "Waktu",
               "output": "Output", "keterangan": "Keterangan", "id": "Id", "syarat": "Syarat", "periksa": "Periksa",
               "pesan": "Pesan Periksa"}
GROUP_TITLES = ("pelaksana", "mutu baku")
FIELD_COLUMNS = {"no": "no", "no.": "no", "nomor": "no", "kelengkapan": "nama", "isian": "judul", "judul": "judul",
                 "jenis": "jenis", "wajib": "wajib", "bantuan": "bantuan", "kunci": "kunci"}
FIELD_TITLES = ("No", "Kelengkapan", "Isian", "Jenis", "Wajib", "Bantuan", "Kunci")

_BRANCH = re.compile(r"(?:(?P<q>[^;?]*\?)\s*)?(?P<label>[^\W\d_][\w /()-]{0,40}?)\s*:\s*(?:lanjut\s+)?ke\s+"
                     r"(?:no\.?\s*|nomor\s+|baris\s+)?(?P<no>\w+)\.?", re.I)
_BRANCH_END = re.compile(r"(?:(?P<q>[^;?]*\?)\s*)?(?P<label>[^\W\d_][\w /()-]{0,40}?)\s*:\s*selesai\.?", re.I)
_NEXT = re.compile(r"(?:lanjut\s+)?ke\s+(?:no\.?\s*|nomor\s+|baris\s+)?(?P<no>\w+)\.?", re.I)
_END = re.compile(r"selesai\.?(?:\s*:\s*(?P<name>.+))?", re.I)
_GROUPED = re.compile(r"(\d+)\s*([a-z])", re.I)
_FORM_FILE = re.compile(r"[^\s()]+\.json", re.I)
_NAMED_FORM = re.compile(r"(?P<nama>.+?)\s*\((?P<file>[^()\s]+\.json)\)", re.I)
_UNITS = ("minggu", "hari", "jam", "menit", "detik")
WAIT_WORD = "tunggu"  # a Waktu cell "tunggu 14 hari kerja": the row is a wait, not a step (see sop_table.Step.tunggu)
_WAIT = re.compile(rf"\s*{WAIT_WORD}\b\s*(?P<how>.*)", re.I | re.S)


# --- the flow sheet ---------------------------------------------------------------------------------------------


@dataclass
class _FlowRow:
    """One typed row of the flow sheet."""

    row: int
    values: dict[str, str]
    lanes: list[str]
    label: str


@dataclass
class _Header:
    row: int  # the last header row
    roles: dict[int, str]  # column -> role
    titles: dict[int, str]  # column -> header as typed
    lanes: dict[int, str]  # column -> lane name


def _header(grid: SheetCells, known_lanes: list[str], problems: Problems) -> _Header | None:
    top = next((r for r in range(1, min(grid.rows, 20) + 1)
                if any(FLOW_COLUMNS.get(norm(grid.cells.get((r, c), ""))) == "kegiatan"
                       for c in range(1, grid.columns + 1))), None)
    if top is None:
        problems.add(grid.name, None, None, N_("no header row with 'Uraian Kegiatan' in the first 20 rows; the "
                                               "columns are No, Uraian Kegiatan, one per Pelaksana, Kelengkapan, "
                                               "Waktu, Output, Keterangan"))
        return None
    two_rows = any(norm(grid.cells.get((top, c), "")) in GROUP_TITLES for c in range(1, grid.columns + 1))
    last = top + 1 if two_rows else top
    header = _Header(last, {}, {}, {})
    for c in range(1, grid.columns + 1):
        title = (grid.cells.get((last, c)) if two_rows else None) or grid.cells.get((top, c), "")
        if not title or norm(title) in GROUP_TITLES:
            continue
        header.titles[c] = title
        role = FLOW_COLUMNS.get(norm(title))
        if role is not None:
            header.roles[c] = role
        elif title in known_lanes or (not known_lanes and not closest(norm(title), list(FLOW_TITLES.values()))):
            header.lanes[c] = title
        else:
            near = closest(title, known_lanes + list(FLOW_TITLES.values()))
            hint = N_("; did you mean '{near}'?", near=near) if near else N_(
                "; the Pelaksana are: {lanes}", lanes=", ".join(known_lanes))
            problems.add(grid.name, last, title, N_("'{title}' is neither a column of the sheet nor a Pelaksana{hint}",
                                                    title=title, hint=hint))
    for role in ("no", "kegiatan"):
        if role not in header.roles.values():
            problems.add(grid.name, last, None, N_("there is no column '{column}'; add it", column=FLOW_TITLES[role]))
    if not header.lanes:
        problems.add(grid.name, last, None, N_("there is no Pelaksana column; add one column per Pelaksana, headed by "
                                               "its name, and mark who does each step with X"))
    return header


def _flow_rows(grid: SheetCells, header: _Header, problems: Problems) -> list[_FlowRow]:
    refuse_merged(grid, header.row + 1, problems)
    rows: list[_FlowRow] = []
    for r in range(header.row + 1, grid.rows + 1):
        values = {role: grid.cells.get((r, c), "") for c, role in header.roles.items()}
        lanes = [lane for c, lane in header.lanes.items() if grid.cells.get((r, c))]
        if not any(values.values()) and not lanes:
            continue
        for c, lane in header.lanes.items():
            mark = grid.cells.get((r, c), "")
            if mark and mark.lower() not in MARKS:
                problems.add(grid.name, r, lane, N_("'{mark}' is not a mark; put X in the column of who does the "
                                                    "step and leave the others empty", mark=mark[:20]))
        if not lanes:
            problems.add(grid.name, r, None, N_("no Pelaksana is marked; put X in the column of who does the step"))
        if not values.get("kegiatan"):
            problems.add(grid.name, r, FLOW_TITLES["kegiatan"], N_("the row has no Uraian Kegiatan; write what is "
                                                                   "done"))
        rows.append(_FlowRow(r, values, lanes, values.get("no", "").rstrip(".").strip().lower()))
    if not rows:
        problems.add(grid.name, None, None, N_("the sheet has no steps under its header; write one row per step"))
    return rows


def _groups(rows: list[_FlowRow], problems: Problems, sheet: str) -> list[list[_FlowRow]]:
    """Rows as the table's entries: 4a, 4b... next to each other make one entry of steps done at the same time."""
    groups: list[list[_FlowRow]] = []
    for row in rows:
        found = _GROUPED.fullmatch(row.label)
        last = groups[-1][-1] if groups else None
        last_found = _GROUPED.fullmatch(last.label) if last else None
        if found and last_found and found.group(1) == last_found.group(1):
            groups[-1].append(row)
        else:
            groups.append([row])
    seen: dict[str, int] = {}
    ids: dict[str, int] = {}
    for row in rows:
        step_id = row.values.get("id", "")
        if step_id and step_id in ids:
            problems.add(sheet, row.row, "Id", N_("Id {step_id} is also on row {other}; give each step its own Id",
                                                  step_id=step_id, other=ids[step_id]))
        ids.setdefault(step_id, row.row)
    for group in groups:
        for row in group:
            if row.label and row.label in seen:
                problems.add(sheet, row.row, "No", N_("No {label} is also on row {other}; give each row its own "
                                                      "number (a new row may have an empty No)", label=row.label,
                                                      other=seen[row.label]))
            seen.setdefault(row.label, row.row)
    return groups


@dataclass
class _KeteranganRoute:
    """Where the flow goes after a row, as typed in its Keterangan."""

    branches: list[tuple[str, str, int]] = field(default_factory=list)  # (label, target label or selesai, row)
    lanjut: str | None = None
    selesai: str | bool | None = None
    pertanyaan: str | None = None


def _segment(text: str, route: _KeteranganRoute) -> bool:
    """Read one ;-separated part of a routing line into route; False when it is no routing."""
    for pattern, end in ((_BRANCH_END, True), (_BRANCH, False)):
        found = pattern.fullmatch(text)
        if found and found.group("label").strip().lower() not in ("lanjut", "selesai"):
            route.branches.append((found.group("label").strip(), END if end else found.group("no").lower(), 0))
            if found.group("q"):
                route.pertanyaan = found.group("q").strip()
            return True
    found = _NEXT.fullmatch(text)
    if found:
        route.lanjut = found.group("no").lower()
        return True
    found = _END.fullmatch(text)
    if found:
        route.selesai = found.group("name").strip() if found.group("name") else True
        return True
    return False


def split_keterangan(text: str) -> tuple[str, _KeteranganRoute]:
    """The note and the routing of a Keterangan cell: a line is routing when each of its ;-parts is a way on."""
    notes, route = [], _KeteranganRoute()
    for line in text.split("\n"):
        parts = [p.strip() for p in line.split(";") if p.strip()]
        trial = _KeteranganRoute()
        if parts and all(_segment(p, trial) for p in parts):
            route.branches += trial.branches
            route.lanjut = trial.lanjut or route.lanjut
            route.selesai = trial.selesai if trial.selesai is not None else route.selesai
            route.pertanyaan = trial.pertanyaan or route.pertanyaan
        else:
            notes.append(line)
    return "\n".join(notes).strip(), route


# --- the Kelengkapan sheet --------------------------------------------------------------------------------------


def kind_problem(jenis: str) -> str | None:
    """Why a field's kind (jenis) is not one of the shared format's kinds (the table's own words), or None."""
    return parse_jenis(jenis)[1]


def _fields(grid: SheetCells, problems: Problems) -> dict[str, list[tuple[int, dict[str, str]]]]:
    """The fields of each flow row's artefact, by the row's No, each with its sheet row."""
    columns: dict[int, str] = {}
    for c in range(1, grid.columns + 1):
        title = grid.cells.get((1, c), "")
        role = FIELD_COLUMNS.get(norm(title))
        if role:
            columns[c] = role
        elif title:
            near = closest(title, list(FIELD_TITLES))
            problems.add(grid.name, 1, title, N_("'{title}' is not a column of this sheet; the columns are {columns}",
                                                 title=title, columns=", ".join(FIELD_TITLES)) + (
                N_("; did you mean '{near}'?", near=near) if near else ""))
    for role, title in (("no", "No"), ("judul", "Isian"), ("jenis", "Jenis")):
        if role not in columns.values():
            problems.add(grid.name, 1, None, N_("there is no column '{column}'; add it", column=title))
    refuse_merged(grid, 2, problems)
    out: dict[str, list[tuple[int, dict[str, str]]]] = {}
    for r in range(2, grid.rows + 1):
        values = {role: grid.cells.get((r, c), "") for c, role in columns.items()}
        if not any(values.values()):
            continue
        for role, title in (("no", "No"), ("judul", "Isian"), ("jenis", "Jenis")):
            if not values.get(role):
                problems.add(grid.name, r, title, N_("the field has no {column}; fill it in", column=title))
        if values.get("jenis") and (why := kind_problem(values["jenis"])):
            problems.add(grid.name, r, "Jenis", why)
        wajib = values.get("wajib", "").lower()
        if wajib and wajib not in ("ya", "tidak", "y", "t"):
            problems.add(grid.name, r, "Wajib", N_("'{value}' is neither ya nor tidak", value=values["wajib"]))
        out.setdefault(values.get("no", "").rstrip(".").lower(), []).append((r, values))
    return out


def _isian(rows: list[tuple[int, dict[str, str]]]) -> list[dict[str, Any]]:
    fields = []
    for _, values in rows:
        item: dict[str, Any] = {"judul": values["judul"], "jenis": values["jenis"]}
        wajib = values.get("wajib", "").lower()
        if wajib:
            item["wajib"] = "tidak" if wajib in ("tidak", "t") else "ya"
        for key in ("bantuan", "kunci"):
            if values.get(key):
                item[key] = values[key]
        fields.append(item)
    return fields


# --- the document -----------------------------------------------------------------------------------------------


@dataclass
class _FlowReading:
    """What reading the flow needs: the problems, the forms folder, and each row's label -> entry number."""

    problems: Problems
    sheet: str
    forms_dir: Path | None
    fields: dict[str, list[tuple[int, dict[str, str]]]]
    by_label: dict[str, int] = field(default_factory=dict)
    ids: dict[int, str] = field(default_factory=dict)  # entry number -> its row id (explicit or default)
    explicit: set[int] = field(default_factory=set)  # entries whose id was typed
    members: dict[str, int] = field(default_factory=dict)  # 4a -> 4's entry number
    lines: dict[tuple[str | int, ...], int] = field(default_factory=dict)
    used_fields: set[str] = field(default_factory=set)


def _kelengkapan(value: str) -> Any:
    found = _NAMED_FORM.fullmatch(value)
    if found:
        return {"formulir": found.group("file"), "nama": found.group("nama")}
    if _FORM_FILE.fullmatch(value):
        return value
    return {"nama": value} if value else None


def _waktu(text: str, ctx: _FlowReading, row: int) -> None:
    iso = waktu_iso(text)
    if iso is None:
        words = re.findall(r"\d+|[^\W\d_]+", text.lower())
        fixed = " ".join(w if w.isdigit() or w in _UNITS else (closest(w, list(_UNITS)) or w) for w in words)
        hint = N_("write '{fixed}'", fixed=fixed) if fixed != text.lower() and waktu_iso(fixed) else N_(
            "write it as '30 menit', '1 jam' or '2 hari'")
        ctx.problems.add(ctx.sheet, row, "Waktu", N_("'{text}' is not a length of time; {hint}", text=text,
                                                     hint=hint))
    elif problem := duration_problem(iso):
        ctx.problems.add(ctx.sheet, row, "Waktu", N_("'{text}' {problem}", text=text, problem=problem))


def _step(flow: _FlowRow, lane: str, ctx: _FlowReading, note: str) -> dict[str, Any]:
    values = flow.values
    step: dict[str, Any] = {}
    if values.get("id"):
        step["id"] = values["id"]
    step.update({"kegiatan": values.get("kegiatan", ""), "pelaksana": lane})
    kelengkapan = _kelengkapan(values.get("kelengkapan", ""))
    fields = ctx.fields.get(flow.label) if flow.label else None
    if fields:
        ctx.used_fields.add(flow.label)
        if isinstance(kelengkapan, str) or (kelengkapan or {}).get("formulir"):
            ctx.problems.add(ctx.sheet, flow.row, "Kelengkapan", N_(
                "the row names a form file and also has fields on sheet Kelengkapan; keep one"))
        names = {v["nama"] for _, v in fields if v.get("nama")}
        nama = (kelengkapan or {}).get("nama") if isinstance(kelengkapan, dict) else None
        kelengkapan = {"nama": nama or (sorted(names)[0] if names else values.get("kegiatan", "")),
                       "isian": _isian(fields)}
    if kelengkapan:
        step["kelengkapan"] = kelengkapan
    wait = _WAIT.fullmatch(values.get("waktu", ""))
    if wait and wait.group("how").strip():
        step["tunggu"] = wait.group("how").strip()  # read_table checks the time and refuses what a wait cannot have
    elif wait:
        ctx.problems.add(ctx.sheet, flow.row, "Waktu", N_("'{text}' does not say how long to wait; write e.g. "
                                                          "'tunggu 14 hari kerja'", text=values["waktu"]))
    elif values.get("waktu"):
        _waktu(values["waktu"], ctx, flow.row)
        step["waktu"] = values["waktu"]
    for key in ("output",):
        if values.get(key):
            step[key] = values[key]
    if note:
        step["keterangan"] = note
    if values.get("periksa"):
        step["periksa"] = {"syarat": values["periksa"], **({"pesan": values["pesan"]} if values.get("pesan") else {})}
    elif values.get("pesan"):
        ctx.problems.add(ctx.sheet, flow.row, "Pesan Periksa", N_("a message without a check; write the check in "
                                                                  "column Periksa or clear this cell"))
    return step


def _group_number(label: str) -> str:
    found = _GROUPED.fullmatch(label)
    return found.group(1) if found else label


def _target(label: str, ctx: _FlowReading, row: int) -> Any:
    if label == END:
        return END
    if label in ctx.by_label:
        number = ctx.by_label[label]
        return ctx.ids[number] if number in ctx.explicit else number
    if label in ctx.members:
        ctx.problems.add(ctx.sheet, row, "Keterangan", N_(
            "'ke {label}' goes into one of the steps done at the same time; go to the row: 'ke {group}'",
            label=label, group=_group_number(label)))
    else:
        known = ", ".join(k for k in ctx.by_label if k)
        ctx.problems.add(ctx.sheet, row, "Keterangan", N_("'ke {label}' names no row; the rows are numbered {known}",
                                                          label=label, known=known))
    return label


def _entry(number: int, group: list[_FlowRow], ctx: _FlowReading) -> dict[str, Any]:
    """One entry of langkah from a row (or rows 4a, 4b...) of the flow sheet."""
    entry: dict[str, Any] = {"nomor": number}
    steps, routes = [], []
    for flow in group:
        note, route = split_keterangan(flow.values.get("keterangan", ""))
        for line in note.split("\n"):
            if re.search(r":\s*ke\s+\d", line, re.I) or re.search(r"\bke\s+\d+\s*;", line, re.I):
                ctx.problems.add(ctx.sheet, flow.row, "Keterangan", N_(
                    "'{line}' reads like a way on mixed with other words; write it on its own line, e.g. "
                    "'Ya: ke 4; Tidak: ke 8'", line=line[:60]))
        if route.branches or route.lanjut or route.selesai is not None:
            routes.append((flow, route))
        if len(flow.lanes) > 1 and flow.values.get("id"):
            ctx.problems.add(ctx.sheet, flow.row, "Id", N_("one Id for steps done by several Pelaksana; give each "
                                                           "its own row (4a, 4b) to give each an Id"))
        steps += [(flow, lane, note) for lane in flow.lanes or [""]]
    if len(routes) > 1:
        ctx.problems.add(ctx.sheet, routes[1][0].row, "Keterangan", N_(
            "the steps done at the same time go on together; write where to go once, on the last of them"))
    made = [_step(flow, lane, ctx, note) for flow, lane, note in steps]
    if len(made) > 1:
        entry["bersamaan"] = made
        for j, (flow, _, _) in enumerate(steps):
            ctx.lines[("langkah", number - 1, "bersamaan", j)] = flow.row
    else:
        entry.update(made[0])
    ctx.lines[("langkah", number - 1)] = group[0].row
    typed = [flow for flow in group if flow.values.get("syarat")]
    if routes:
        _route(entry, routes[0][1], routes[0][0], made, ctx, typed=typed[0].values["syarat"] if typed else None)
    if typed and "keputusan" not in entry:
        ctx.problems.add(ctx.sheet, typed[0].row, "Syarat", N_("a condition without a decision; write the answers in "
                                                               "Keterangan (e.g. 'Ya: ke 4; Tidak: ke 8')"))
    return entry


def _route(entry: dict[str, Any], route: _KeteranganRoute, flow: _FlowRow, steps: list[dict[str, Any]],
           ctx: _FlowReading, *, typed: str | None = None) -> None:
    row = flow.row
    if route.branches and (route.lanjut or route.selesai is not None):
        ctx.problems.add(ctx.sheet, row, "Keterangan", N_("a decision goes on by its answers only; remove the other "
                                                          "'ke' or 'Selesai'"))
    if route.branches:
        if len(route.branches) != 2:
            ctx.problems.add(ctx.sheet, row, "Keterangan", N_("a decision has two answers, e.g. 'Ya: ke 4; Tidak: ke "
                                                              "8'; this row has {count}", count=len(route.branches)))
            return
        first, second = route.branches[0], route.branches[1]
        if first[0].lower() == "tidak" and second[0].lower() == "ya":
            first, second = second, first
        decision: dict[str, Any] = {"pertanyaan": route.pertanyaan} if route.pertanyaan else {}
        syarat = typed or _syarat(entry["nomor"], steps, (first[0], second[0]), flow, ctx)
        decision.update({"syarat": syarat, "ya": _target(first[1], ctx, row),
                         "tidak": _target(second[1], ctx, row)})
        if first[0].lower() != "ya":
            decision["label_ya"] = first[0]
        if second[0].lower() != "tidak":
            decision["label_tidak"] = second[0]
        entry["keputusan"] = decision
    elif route.lanjut:
        entry["lanjut"] = _target(route.lanjut, ctx, row)
    elif route.selesai is not None:
        entry["selesai"] = route.selesai


def deciding_fields(step: dict[str, Any], forms_dir: Path | None) -> dict[str, list[Any]]:
    """A step entry's fields that can decide: key -> its values (True/False for ya/tidak, the words of a pilihan)."""
    kelengkapan = step.get("kelengkapan")
    out: dict[str, list[Any]] = {}
    if isinstance(kelengkapan, dict) and "isian" in kelengkapan:
        for item in kelengkapan["isian"]:
            kind, _ = parse_jenis(str(item.get("jenis", "")))
            key = str(item.get("kunci") or snake_key(str(item.get("judul", ""))))
            if kind is not None and kind.name == "ya/tidak" and not kind.many:
                out[key] = [True, False]
            elif kind is not None and kind.name == "pilihan" and not kind.many:
                out[key] = list(kind.choices)
        return out
    form = kelengkapan if isinstance(kelengkapan, str) else (kelengkapan or {}).get("formulir")
    if not form or forms_dir is None or "/" in form or "\\" in form or form.startswith("."):
        return out
    try:
        schema = json.loads((forms_dir / form).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return out
    for key, prop in (schema.get("properties") or {}).items() if isinstance(schema, dict) else ():
        if isinstance(prop, dict) and prop.get("type") == "boolean" and "const" not in prop:
            out[str(key)] = [True, False]
        elif isinstance(prop, dict) and isinstance(prop.get("enum"), list) and len(prop["enum"]) >= 2:
            out[str(key)] = list(prop["enum"])
    return out


def derive_syarat(step_id: str, choices: dict[str, list[Any]], labels: tuple[str, str]) -> str | None:
    """The condition for the first answer, from the one field whose values are the answers; None when not one."""
    wanted = [label.lower() for label in labels]
    found = []
    for key, values in choices.items():
        if values == [True, False]:
            if wanted == ["ya", "tidak"]:
                found.append(f'{step_id}["{key}"] == True')
            continue
        words = [str(v).lower() for v in values]
        if all(w in words for w in wanted):
            value = values[words.index(wanted[0])]
            found.append(f"{step_id}[{json.dumps(key)}] == {json.dumps(value, ensure_ascii=False)}")
    return found[0] if len(found) == 1 else None


def _syarat(number: int, steps: list[dict[str, Any]], labels: tuple[str, str], flow: _FlowRow,
            ctx: _FlowReading) -> str:
    """The decision's condition derived from the step's one deciding field (when column Syarat is empty)."""
    step = steps[0]
    step_id = step.get("id") or (default_step_id(number, 1) if len(steps) > 1 else default_step_id(number))
    derived = derive_syarat(str(step_id), deciding_fields(step, ctx.forms_dir), labels)
    if derived is None:
        ctx.problems.add(ctx.sheet, flow.row, "Keterangan", N_(
            "cannot tell when to answer '{label}': the Kelengkapan needs one ya/tidak or pilihan field whose values "
            "are the answers ({labels}); add it, or write the condition in column Syarat", label=labels[0],
            labels=" / ".join(labels)))
        return "False"
    return derived


def _labels(groups: list[list[_FlowRow]], ctx: _FlowReading) -> None:
    """Each entry's number by the No people typed: 4 for a row, 4 (and 4a, 4b as members) for rows done together."""
    rows_of = {group[0].label: group[0].row for group in groups if len(group) == 1}
    for number, group in enumerate(groups, start=1):
        if len(group) > 1:
            found = _GROUPED.fullmatch(group[0].label)
            if found and found.group(1) in rows_of:
                ctx.problems.add(ctx.sheet, group[0].row, "No", N_(
                    "No {label} is also on row {other}; give each row its own number (a new row may have an empty "
                    "No)", label=found.group(1), other=rows_of[found.group(1)]))
            if found:
                ctx.by_label.setdefault(found.group(1), number)
            for flow in group:
                ctx.members[flow.label] = number
        elif group[0].label:
            ctx.by_label.setdefault(group[0].label, number)
        if len(group) == 1 and len(group[0].lanes) <= 1 and group[0].values.get("id"):
            ctx.ids[number] = group[0].values["id"]
            ctx.explicit.add(number)
        else:
            ctx.ids[number] = default_parallel_id(number) if len(group) > 1 or len(group[0].lanes) > 1 else (
                default_step_id(number))


def _flow(grid: SheetCells, notes: dict[str, str], ctx: _FlowReading) -> tuple[list[str], list[dict[str, Any]]]:
    header = _header(grid, list(notes), ctx.problems)
    if header is None:
        return [], []
    rows = _flow_rows(grid, header, ctx.problems)
    groups = _groups(rows, ctx.problems, grid.name)
    _labels(groups, ctx)
    entries = [_entry(number, group, ctx) for number, group in enumerate(groups, start=1)]
    lanes = list(header.lanes.values())
    for lane in notes:
        if lane not in lanes:
            ctx.problems.add(SHEETS["pelaksana"], None, None, N_(
                "Pelaksana '{lane}' has no column on sheet Alur; add the column or remove the Pelaksana", lane=lane))
    return lanes, entries


def workbook_document(data: bytes, source: str, *, forms_dir: Path | None = None
                      ) -> tuple[dict[str, Any], dict[tuple[str | int, ...], int]]:
    """The table's document (what NAME.sop.yaml would hold) from a workbook, and where each entry was typed.

    Every mistake is reported at once, each at its sheet, row and column; nothing is read beyond the bounds.
    """
    problems = Problems()
    book = open_workbook(data, source)
    sheets = read_sheets(book, problems)
    grids = {key: sheet_grid(sheet, SHEETS[key], problems) for key, sheet in sheets.items() if key != "petunjuk"}
    sop, lines = identity_sheet(grids["identitas"], problems) if "identitas" in grids else ({}, {})
    notes = lane_notes(grids["pelaksana"], problems) if "pelaksana" in grids else {}
    fields = _fields(grids["kelengkapan"], problems) if "kelengkapan" in grids else {}
    ctx = _FlowReading(problems, SHEETS["alur"], forms_dir, fields)
    lanes, entries = _flow(grids["alur"], notes, ctx) if "alur" in grids else ([], [])
    for label, rows in fields.items():
        if label and label not in ctx.used_fields and (label in ctx.by_label or label in ctx.members):
            problems.add(SHEETS["kelengkapan"], rows[0][0], "No", N_(
                "row {label} of Alur does its step done at the same time with others; number the fields by the step "
                "(e.g. 4a)", label=label))
        elif label and label not in ctx.used_fields:
            problems.add(SHEETS["kelengkapan"], rows[0][0], "No", N_("No {label} names no row of sheet Alur",
                                                                     label=label))
    if not sop.get("nama") and "identitas" in grids:
        problems.add(SHEETS["identitas"], None, None, N_("there is no row 'Nama SOP'; add it with the SOP's name"))
    problems.raise_if_any(source)
    mulai = sop.pop("mulai", None)
    sop_block = {"id": sop.pop("id", None) or snake_key(sop["nama"]) or "sop", "nama": sop.pop("nama")}
    sop_block.update(sop)
    doc: dict[str, Any] = {"sop": sop_block}
    if mulai:
        doc["mulai"] = mulai
    doc["pelaksana"] = {lane: notes.get(lane) or None for lane in lanes} if notes else lanes
    doc["langkah"] = entries
    lines.update(ctx.lines)
    return doc, lines


def read_workbook(data: bytes, source: str, *, forms_dir: Path | None = None) -> tuple[SopTable, dict[str, Any]]:
    """A workbook (.xlsx) read as an SOP table, like read_table reads NAME.sop.yaml; every mistake at its cell.

    The document is read by read_table itself (as the YAML it would be), so a table and a workbook meet the same
    rules; a problem that only the whole table shows is named at the sheet's row it comes from.
    """
    from engine.common.yamlio import dump_yaml

    doc, rows = workbook_document(data, source, forms_dir=forms_dir)
    text = dump_yaml(json.loads(json.dumps(doc)))  # plain values, nothing shared (YAML would write an alias)
    try:
        table, _ = read_table(text, source, forms_dir=forms_dir)
    except DefinitionError as exc:
        found = getattr(exc, "table_problems", None)
        if not found:
            raise
        place = sheet_places(text, source, rows)
        problems = Problems()
        for line, told in found:
            said = _TABLE_PLACE.sub("", str(told), count=1)  # the table's "row 1 (Id), key:": the sheet's place instead
            sheet, row = place(line)
            problems.add(sheet, row, None, said)
        problems.raise_if_any(source)
        raise
    return table, doc


def sheet_places(text: str, source: str, rows: dict[tuple[str | int, ...], int]) -> Callable[
        [int | None], tuple[str, int | None]]:
    """For the YAML text a workbook's document was written as: the sheet and row each of its lines came from
    (("", None) for a line of no row)."""
    from engine.common.yamlio import parse_yaml_lines

    _, yaml_lines = parse_yaml_lines(text, source)
    paths: dict[int, tuple[str | int, ...]] = {}
    for path, line in yaml_lines.items():
        if len(path) >= len(paths.get(line, ())):
            paths[line] = path

    def place(line: int | None) -> tuple[str, int | None]:
        path = paths.get(line, ()) if line is not None else ()
        while path and path not in rows:
            path = path[:-1]
        row = rows.get(path) if path else None
        if row is None:
            return "", None
        if row >= IDENTITY_LINE:
            return SHEETS["identitas"], row - IDENTITY_LINE
        return SHEETS["alur"], row

    return place


def workbook_lint_text(data: bytes, source: str, *, forms_dir: Path | None = None) -> tuple[
        str, Callable[[int | None], tuple[str, int | None]]]:
    """A workbook as the table text lint reads, and where each of its lines is in the workbook (sheet, row)."""
    from engine.common.yamlio import dump_yaml

    doc, rows = workbook_document(data, source, forms_dir=forms_dir)
    text = dump_yaml(json.loads(json.dumps(doc)))
    return text, sheet_places(text, source, rows)
