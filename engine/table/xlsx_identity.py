"""The identity sheet (Identitas: Kolom | Isi) and the Pelaksana sheet (Nama | Uraian) of an SOP AP workbook, read
into the table's `sop` block and the lanes' descriptions."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from engine.common.i18n import N_
from engine.table.xlsx_cells import Problems, SheetCells, closest, norm, refuse_merged, snake_key

IDENTITY_LINE = 100_000  # lines of the identity sheet in the table's line map (the flow's are its row numbers)

# The identity sheet's rows: label people read -> (key in the table's sop block, kind)
IDENTITY_ROWS: tuple[tuple[str, str, str], ...] = (
    ("Id SOP", "id", "id"),
    ("Nama SOP", "nama", "text"),
    ("Instansi", "instansi", "text"),
    ("Dinas", "dinas", "text"),
    ("Nomor SOP", "nomor", "text"),
    ("Tanggal Pembuatan", "tanggal_pembuatan", "date"),
    ("Tanggal Revisi", "tanggal_revisi", "date"),
    ("Tanggal Efektif", "tanggal_efektif", "date"),
    ("Disahkan oleh (jabatan)", "disahkan_oleh.jabatan", "text"),
    ("Disahkan oleh (nama)", "disahkan_oleh.nama", "text"),
    ("Disahkan oleh (NIP)", "disahkan_oleh.nip", "text"),
    ("Dasar Hukum", "dasar_hukum", "list"),
    ("Kualifikasi Pelaksana", "kualifikasi_pelaksana", "list"),
    ("Keterkaitan", "keterkaitan", "list"),
    ("Peralatan/Perlengkapan", "peralatan_perlengkapan", "list"),
    ("Peringatan", "peringatan", "text"),
    ("Pencatatan dan Pendataan", "pencatatan_pendataan", "list"),
    ("Peristiwa awal", "mulai", "text"),
)
_IDENTITY_ALIASES = {"id": "Id SOP", "id proses": "Id SOP", "nama": "Nama SOP", "nomor": "Nomor SOP",
                     "disahkan oleh": "Disahkan oleh (jabatan)", "peralatan / perlengkapan": "Peralatan/Perlengkapan",
                     "peralatan dan perlengkapan": "Peralatan/Perlengkapan", "mulai": "Peristiwa awal",
                     "pencatatan / pendataan": "Pencatatan dan Pendataan"}

# The flow sheet's columns: normalised header -> role
_NUMBERED = re.compile(r"^\s*(?:\d{1,3}[.)]|[-•*])\s+")
MONTHS = ("januari", "februari", "maret", "april", "mei", "juni", "juli", "agustus", "september", "oktober",
           "november", "desember")
_MONTHS_EN = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
              "november", "december")


# --- the identity sheet -----------------------------------------------------------------------------------------


def _date(text: str) -> str | None:
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        try:
            return dt.date.fromisoformat(text).isoformat()
        except ValueError:
            return None
    found = re.fullmatch(r"(\d{1,2})[ -]([A-Za-z]+)[ -](\d{4})", text)
    if found:
        month = found.group(2).lower()
        number = next((i + 1 for i, m in enumerate(MONTHS) if m == month or m[:3] == month), None) or next(
            (i + 1 for i, m in enumerate(_MONTHS_EN) if m == month or m[:3] == month), None)
        try:
            return dt.date(int(found.group(3)), number, int(found.group(1))).isoformat() if number else None
        except ValueError:
            return None
    found = re.fullmatch(r"(\d{1,2})[/.](\d{1,2})[/.](\d{4})", text)
    if found:
        try:
            return dt.date(int(found.group(3)), int(found.group(2)), int(found.group(1))).isoformat()
        except ValueError:
            return None
    return None


def _items(text: str) -> list[str]:
    return [_NUMBERED.sub("", line).strip() for line in text.split("\n") if _NUMBERED.sub("", line).strip()]


def identity_sheet(grid: SheetCells, problems: Problems) -> tuple[dict[str, Any], dict[tuple[str | int, ...], int]]:
    """The sop block (and mulai) from the Kolom | Isi rows; a list continues on rows whose Kolom is empty."""
    labels = {norm(label): (label, key, kind) for label, key, kind in IDENTITY_ROWS}
    labels.update({alias: labels[norm(target)] for alias, target in _IDENTITY_ALIASES.items()})
    sop: dict[str, Any] = {}
    lines: dict[tuple[str | int, ...], int] = {}
    current: tuple[str, str, str] | None = None
    start = 2 if norm(grid.cells.get((1, 1), "")) in ("kolom", "isian", "judul") else 1
    refuse_merged(grid, start, problems)
    for r in range(start, grid.rows + 1):
        label, value = grid.cells.get((r, 1), ""), grid.cells.get((r, 2), "")
        if label:
            current = labels.get(norm(label))
            if current is None:
                near = closest(norm(label), [lbl for lbl, _, _ in IDENTITY_ROWS])
                hint = N_("; did you mean '{near}'?", near=near) if near else N_("; the rows are: {labels}",
                                                                               labels=", ".join(
                                                                                   lbl for lbl, _, _ in IDENTITY_ROWS))
                problems.add(grid.name, r, "Kolom", N_("'{label}' is not a field of the identity page{hint}",
                                                       label=label, hint=hint))
                continue
        elif value and current is None:
            problems.add(grid.name, r, "Kolom", N_("'{value}' has no field name in column Kolom; name it (e.g. "
                                                   "Dasar Hukum)", value=value[:40]))
            continue
        if not value or current is None:
            continue
        _identity_value(sop, current, value, (grid.name, r), problems)
        lines.setdefault(("sop", current[1].split(".")[0]), IDENTITY_LINE + r)
    return sop, lines


def _identity_value(sop: dict[str, Any], row: tuple[str, str, str], value: str, where: tuple[str, int],
                    problems: Problems) -> None:
    label, key, kind = row
    if kind == "list":
        sop.setdefault(key, []).extend(_items(value))
    elif kind == "date":
        iso = _date(value)
        if iso is None:
            problems.add(where[0], where[1], "Isi", N_("{label} '{value}' is not a date; write it as 4 September "
                                                       "2018 or 2018-09-04", label=label, value=value))
        else:
            sop[key] = iso
    elif kind == "id" and not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", value):
        example = snake_key(value).lstrip("0123456789_") or "sop_baru"
        problems.add(where[0], where[1], "Isi", N_("{label} '{value}' is not an id; use letters, digits and _ only, "
                                                   "not starting with a digit (e.g. {example}), or leave it empty",
                                                   label=label, value=value, example=example))
    elif "." in key:
        outer, inner = key.split(".")
        sop.setdefault(outer, {})[inner] = value
    elif key in sop and kind != "list":
        problems.add(where[0], where[1], "Kolom", N_("{label} is given twice; keep one row", label=label))
    else:
        sop[key] = value


# --- the Pelaksana sheet ----------------------------------------------------------------------------------------


def lane_notes(grid: SheetCells, problems: Problems) -> dict[str, str]:
    notes: dict[str, str] = {}
    start = 2 if norm(grid.cells.get((1, 1), "")) in ("nama", "pelaksana") else 1
    refuse_merged(grid, start, problems)
    for r in range(start, grid.rows + 1):
        name, text = grid.cells.get((r, 1), ""), grid.cells.get((r, 2), "")
        if not name and text:
            problems.add(grid.name, r, "Nama", N_("the description '{text}' has no Pelaksana name; write the name in "
                                                  "column Nama", text=text[:40]))
        elif name in notes:
            problems.add(grid.name, r, "Nama", N_("Pelaksana '{name}' is listed twice; list each once", name=name))
        elif name:
            notes[name] = text
    return notes
