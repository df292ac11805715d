"""The SOP table written as the SOP AP workbook that engine.table.sop_xlsx reads (the same table back)."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.table.sop_table import END, SopTable, default_step_id, tunggu_text
from engine.table.sop_xlsx import FIELD_TITLES, FLOW_TITLES, WAIT_WORD, deciding_fields, derive_syarat
from engine.table.sop_yaml import waktu_iso
from engine.table.table_forms import isian_entry
from engine.table.xlsx_identity import IDENTITY_ROWS, MONTHS

_ISO_PART = re.compile(r"(\d+)([WDHMS])")
_ISO_WORD = {"W": "minggu", "D": "hari", "H": "jam", "M": "menit", "S": "detik"}


def waktu_words(iso: str) -> str:
    """PT1H30M -> '1 jam 30 menit' (what the reader turns back into the same ISO text)."""
    date, _, time = iso.removeprefix("P").partition("T")
    words = [f"{n} {_ISO_WORD[u]}" for n, u in _ISO_PART.findall(date)]
    words += [f"{n} {_ISO_WORD[u] if u != 'M' else 'menit'}" for n, u in _ISO_PART.findall(time)]
    text = " ".join(words)
    return text if text and waktu_iso(text) == iso else iso


def _waktu_cell(step: Any) -> str:
    """The Waktu cell: a step's Mutu Baku time in words, or for a wait 'tunggu 14 hari kerja'."""
    if step.tunggu is not None:
        return f"{WAIT_WORD} {tunggu_text(step.tunggu)}"
    return waktu_words(step.waktu) if step.waktu else ""


def _date_words(iso: str) -> str:
    try:
        day = dt.date.fromisoformat(iso)
    except ValueError:
        return iso
    return f"{day.day} {MONTHS[day.month - 1].capitalize()} {day.year}"


def _row_labels(table: SopTable) -> tuple[dict[str, str], list[list[str]]]:
    """Each row id's No, and the No of each step of each row (4a, 4b... for steps done together)."""
    by_id, per_row = {}, []
    for row in table.rows:
        by_id[row.id] = str(row.nomor)
        per_row.append([f"{row.nomor}{chr(ord('a') + j)}" for j in range(len(row.steps))] if row.bersamaan else
                       [str(row.nomor)])
    return by_id, per_row


def _routing(table: SopTable, index: int, by_id: dict[str, str]) -> str:
    row = table.rows[index]

    def to(target: str) -> str:
        return "selesai" if target == END else f"ke {by_id.get(target, target)}"

    if row.keputusan:
        k = row.keputusan
        question = f"{k.pertanyaan} " if k.pertanyaan else ""
        return f"{question}{k.label_ya}: {to(k.ya)}; {k.label_tidak}: {to(k.tidak)}"
    if row.lanjut == END:
        if row.nama_selesai:
            return f"Selesai: {row.nama_selesai}"
        return "Selesai" if index < len(table.rows) - 1 else ""
    nxt = table.rows[index + 1].id if index < len(table.rows) - 1 else None
    return f"ke {by_id.get(row.lanjut or '', row.lanjut)}" if row.lanjut and row.lanjut != nxt else ""


def _kelengkapan_text(step: Any) -> str:
    if step.isian:  # its form is generated from the fields on sheet Kelengkapan
        return str(step.kelengkapan or "")
    if step.formulir and step.kelengkapan:
        return f"{step.kelengkapan} ({step.formulir})"
    return str(step.formulir or step.kelengkapan or "")


@dataclass
class _Style:
    """The few looks the workbook uses (openpyxl objects, made once)."""

    bold: Any
    wrap: Any
    center: Any
    fill: Any


def _style() -> _Style:
    from openpyxl.styles import Alignment, Font, PatternFill

    return _Style(Font(bold=True), Alignment(wrap_text=True, vertical="top"),
                  Alignment(horizontal="center", vertical="center", wrap_text=True),
                  PatternFill("solid", fgColor="DDEBF7"))


def _head(sheet: Any, row: int, titles: list[str], style: _Style) -> None:
    for c, title in enumerate(titles, start=1):
        _title(sheet, row, c, title, style)


def _title(sheet: Any, row: int, column: int, title: str, style: _Style) -> None:
    cell = sheet.cell(row=row, column=column, value=title)
    cell.font, cell.alignment, cell.fill = style.bold, style.center, style.fill


def _write_identity(book: Any, table: SopTable, identity: dict[str, Any], style: _Style) -> None:
    sheet = book.create_sheet("Identitas")
    _head(sheet, 1, ["Kolom", "Isi"], style)
    values = dict(identity)
    values.update({"id": table.process_id, "nama": table.nama, "mulai": table.mulai or ""})
    if table.dinas:
        values["dinas"] = table.dinas
    r = 2
    for label, key, kind in IDENTITY_ROWS:
        outer, _, inner = key.partition(".")
        value = (values.get(outer) or {}).get(inner) if inner else values.get(key)
        items = [str(v) for v in value] if isinstance(value, list) else [
            _date_words(str(value)) if kind == "date" and value else ("" if value is None else str(value))]
        for j, item in enumerate(items or [""]):
            sheet.cell(row=r, column=1, value=label if j == 0 else None).font = style.bold
            sheet.cell(row=r, column=2, value=item or None).alignment = style.wrap
            r += 1
    sheet.column_dimensions["A"].width, sheet.column_dimensions["B"].width = 28, 100


def _write_lanes(book: Any, table: SopTable, notes: dict[str, Any], style: _Style) -> None:
    sheet = book.create_sheet("Pelaksana")
    _head(sheet, 1, ["Nama", "Uraian"], style)
    for r, lane in enumerate(table.lanes, start=2):
        sheet.cell(row=r, column=1, value=lane)
        sheet.cell(row=r, column=2, value=notes.get(lane) or None).alignment = style.wrap
    sheet.column_dimensions["A"].width, sheet.column_dimensions["B"].width = 28, 80


def _flow_columns(table: SopTable, syarat: dict[int, str]) -> list[str]:
    columns = ["no", "kegiatan", *[f"lane:{lane}" for lane in table.lanes], "kelengkapan", "waktu", "output",
               "keterangan"]
    if any(step.id != _default_id(row, j) for row in table.rows for j, step in enumerate(row.steps)):
        columns.append("id")
    if syarat:
        columns.append("syarat")
    if any(step.periksa for _, step in table.steps()):
        columns += ["periksa", "pesan"]
    return columns


def _default_id(row: Any, j: int) -> str:
    return default_step_id(row.nomor, j + 1) if row.bersamaan else default_step_id(row.nomor)


def _typed_syarat(table: SopTable, forms_dir: Path | None, isian: dict[str, list[Any]]) -> dict[int, str]:
    """The rows whose condition the reader would not derive by itself: written in column Syarat."""
    out = {}
    for row in table.rows:
        if row.keputusan is None:
            continue
        step = row.steps[0]
        kelengkapan: Any = {"nama": step.kelengkapan, "isian": isian[step.id]} if step.id in isian else (
            step.formulir)
        derived = derive_syarat(step.id, deciding_fields({"kelengkapan": kelengkapan}, forms_dir),
                                (row.keputusan.label_ya, row.keputusan.label_tidak))
        if derived != row.keputusan.syarat:
            out[row.nomor] = row.keputusan.syarat
    return out


def _write_flow(book: Any, table: SopTable, syarat: dict[int, str], style: _Style) -> None:
    sheet = book.create_sheet("Alur")
    columns = _flow_columns(table, syarat)
    lanes = [i for i, c in enumerate(columns, start=1) if c.startswith("lane:")]
    mutu = columns.index("kelengkapan") + 1
    merges = [(1, lanes[0], 1, lanes[-1]), (1, mutu, 1, mutu + 2)]
    for c, key in enumerate(columns, start=1):
        if key.startswith("lane:"):
            _title(sheet, 2, c, key[5:], style)
        elif key in ("kelengkapan", "waktu", "output"):
            _title(sheet, 2, c, FLOW_TITLES[key], style)
        else:
            _title(sheet, 1, c, FLOW_TITLES[key], style)
            merges.append((1, c, 2, c))
    _title(sheet, 1, lanes[0], "Pelaksana", style)
    _title(sheet, 1, mutu, "Mutu Baku", style)
    for top, left, bottom, right in merges:
        if (top, left) != (bottom, right):
            sheet.merge_cells(start_row=top, start_column=left, end_row=bottom, end_column=right)
    by_id, labels = _row_labels(table)
    r = 3
    for i, row in enumerate(table.rows):
        routing = _routing(table, i, by_id)
        for j, step in enumerate(row.steps):
            last = j == len(row.steps) - 1
            note = "\n".join(t for t in (step.keterangan or "", routing if last else "") if t)
            label = labels[i][j]
            values = {"no": int(label) if label.isdigit() else label, "kegiatan": step.kegiatan,
                      f"lane:{step.pelaksana}": "X",
                      "kelengkapan": _kelengkapan_text(step), "waktu": _waktu_cell(step),
                      "output": step.output or "", "keterangan": note,
                      "id": step.id if step.id != _default_id(row, j) else "",
                      "syarat": syarat.get(row.nomor, "") if last else "",
                      "periksa": step.periksa.syarat if step.periksa else "",
                      "pesan": (step.periksa.pesan or "") if step.periksa else ""}
            for c, key in enumerate(columns, start=1):
                value = values.get(key)
                cell = sheet.cell(row=r, column=c, value=None if value in ("", None) else value)
                cell.alignment = style.center if key.startswith("lane:") or key == "no" else style.wrap
            r += 1
    widths = {"no": 6, "kegiatan": 40, "kelengkapan": 30, "waktu": 12, "output": 24, "keterangan": 50, "id": 20,
              "syarat": 40, "periksa": 40, "pesan": 40}
    from openpyxl.utils import get_column_letter

    for c, key in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(c)].width = widths.get(key, 14)
    sheet.freeze_panes = "C3"


def _write_fields(book: Any, table: SopTable, isian: dict[str, list[Any]], style: _Style) -> None:
    sheet = book.create_sheet("Kelengkapan")
    _head(sheet, 1, list(FIELD_TITLES), style)
    _, labels = _row_labels(table)
    r = 2
    for i, row in enumerate(table.rows):
        for j, step in enumerate(row.steps):
            for item in isian.get(step.id, []):
                values = [labels[i][j], step.kelengkapan or "", item.get("judul"), item.get("jenis"),
                          item.get("wajib"), item.get("bantuan"), item.get("kunci")]
                for c, value in enumerate(values, start=1):
                    sheet.cell(row=r, column=c, value=None if value in (None, "") else str(value))
                r += 1
    for letter, width in zip("ABCDEFG", (6, 30, 30, 26, 8, 40, 20), strict=True):
        sheet.column_dimensions[letter].width = width


def workbook_bytes(table: SopTable, *, identity: dict[str, Any] | None = None,
                   lane_notes: dict[str, Any] | None = None, document: dict[str, Any] | None = None,
                   forms_dir: Path | None = None, guide: list[str] | None = None) -> bytes:
    """The table as a workbook in the layout read_workbook reads (so reading it back gives the same table).

    identity holds the identity page's keys (those of a definition's YAML page, flat or under `sop`); document, the
    table's own document when it was read from one (its sop block, lane descriptions and fields); guide, the lines
    of a first sheet "Petunjuk"; forms_dir, where the forms are (a condition they imply is not written out).
    """
    isian = {**(isian_by_step(document) if document else {}),
             **{step.id: isian_entry(step)["isian"] for _, step in table.steps() if step.isian}}
    if document:
        identity = {**(identity or {}), **{k: v for k, v in (document.get("sop") or {}).items()}}
        notes = document.get("pelaksana")
        lane_notes = lane_notes or (notes if isinstance(notes, dict) else None)
    from openpyxl import Workbook

    book = Workbook()
    for sheet in list(book.worksheets):
        book.remove(sheet)
    style = _style()
    if guide:
        sheet = book.create_sheet("Petunjuk")
        for r, line in enumerate(guide, start=1):
            sheet.cell(row=r, column=1, value=line or None).alignment = style.wrap
        sheet.cell(row=1, column=1).font = style.bold
        sheet.column_dimensions["A"].width = 120
    page = dict(identity or {})
    page.update(page.pop("sop", None) or {})
    _write_identity(book, table, page, style)
    _write_lanes(book, table, dict(lane_notes or {}), style)
    fields = dict(isian)
    _write_flow(book, table, _typed_syarat(table, forms_dir, fields), style)
    _write_fields(book, table, fields, style)
    book.properties.creator = "sop"
    fixed = dt.datetime(2026, 1, 1)
    book.properties.created = book.properties.modified = fixed
    out = io.BytesIO()
    book.save(out)
    return _fixed_times(out.getvalue())


def _fixed_times(data: bytes) -> bytes:
    """The same workbook with every part dated 1980-01-01: the same table always gives the same bytes."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            part = source.read(info.filename)
            if info.filename == "docProps/core.xml":  # openpyxl stamps the time of saving as "modified"
                part = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>2026-01-01T00:00:00Z", part)
            target.writestr(fixed, part)
    return out.getvalue()


def isian_by_step(doc: dict[str, Any]) -> dict[str, list[Any]]:
    """The fields (isian) of each step of a table's document, by the step's id."""
    out: dict[str, list[Any]] = {}
    for i, entry in enumerate(doc.get("langkah") or []):
        if not isinstance(entry, dict):
            continue
        items = entry.get("bersamaan") or [entry]
        for j, item in enumerate(items):
            kelengkapan = item.get("kelengkapan") if isinstance(item, dict) else None
            if isinstance(kelengkapan, dict) and isinstance(kelengkapan.get("isian"), list):
                default = default_step_id(i + 1, j + 1) if "bersamaan" in entry else default_step_id(i + 1)
                out[str(item.get("id") or default)] = kelengkapan["isian"]
    return out
