"""The rows of the SOP AP sheet, from the shared "SOP as a table" model (engine.sop_table) of a pinned definition.

The table model numbers the steps (sop_table.canonical_order, or the steps' `nomor`); this module only adds what
the printed sheet needs: each row's symbol, its Mutu Baku as the sheet writes it (the bound form's title when
the step names no `kelengkapan`; "30 Menit", "1 Jam"), and its exits as row numbers.
"""

from __future__ import annotations

import json
import re
from typing import Any, NamedTuple

from engine.table.sop_table import END, Row, SopTable, tunggu_text, waktu_text


class Exit(NamedTuple):
    """Where the flow goes after a row: a row number (0 for the end) and the label on the arrow."""

    target: int
    label: str


class SheetRow(NamedTuple):
    """One row of the flowchart pages."""

    nomor: int
    uraian: str  # Uraian Kegiatan: the step's description (documentation), else its name
    lanes: tuple[int, ...]  # the Pelaksana column of each of the row's steps (several when done together)
    symbol: str  # start, end, activity, decision or wait (no SOP AP symbol: the sheet's legend explains it)
    kelengkapan: str
    waktu: str
    output: str
    keterangan: str
    exits: tuple[Exit, ...]
    step_ids: tuple[str, ...]


def sheet_rows(table: SopTable, forms: dict[str, Any]) -> list[SheetRow]:
    """The sheet's rows in the table's order; forms maps a form file to its text (for the form's title)."""
    number = {r.id: r.nomor for r in table.rows}
    number[END] = 0
    lane_index = {name: i for i, name in enumerate(table.lanes)}
    rows = []
    for position, row in enumerate(table.rows):
        exits = _exits(row, number)
        steps = row.steps
        symbol = ("decision" if row.keputusan is not None or row.cabang else "wait" if steps[0].menunggu
                  else "start" if position == 0 else "end" if all(e.target == 0 for e in exits) else "activity")
        if symbol == "wait":
            rows.append(_wait_row(row, exits, number, lane_index.get(steps[0].pelaksana, 0)))
            continue
        uraian = "; ".join(s.uraian or s.kegiatan for s in steps) if len(steps) == 1 else "Bersamaan: " + "; ".join(
            f"({chr(97 + i)}) {s.uraian or s.kegiatan}" for i, s in enumerate(steps))
        rows.append(SheetRow(
            row.nomor, uraian, tuple(lane_index.get(s.pelaksana, 0) for s in steps), symbol,
            _join(s.kelengkapan or _form_title(forms, s.formulir) for s in steps),
            _join(waktu_sheet(s.waktu) if s.waktu else "" for s in steps),
            _join(s.output or "" for s in steps), _with_instructions(_keterangan(row, number, steps), steps), exits,
            tuple(s.id for s in steps)))
    return rows


def _wait_row(row: Row, exits: tuple[Exit, ...], number: dict[str, int], lane: int) -> SheetRow:
    """A wait's row: nobody works, so no Kelengkapan; its Waktu is how long the request waits, in working days."""
    step = row.steps[0]
    waktu = " ".join(w.capitalize() if w.isalpha() else w for w in tunggu_text(step.tunggu).split()) \
        if step.tunggu else ""
    return SheetRow(row.nomor, step.uraian or step.kegiatan, (lane,), "wait", "-", waktu, step.output or "-",
                    _with_instructions(_keterangan(row, number, row.steps), row.steps), exits, (step.id,))


def waktu_sheet(iso: str) -> str:
    """A Mutu Baku time as the sheet writes it: PT30M -> '30 Menit', PT1H30M -> '1 Jam 30 Menit'."""
    return " ".join(word.capitalize() if word.isalpha() else word for word in waktu_text(iso).split())


def _exits(row: Row, number: dict[str, int]) -> tuple[Exit, ...]:
    timers = tuple(Exit(number.get(b.target, 0), "Waktu habis") for b in row.batas_waktu)
    if row.keputusan is not None:
        return (Exit(number.get(row.keputusan.ya, 0), "Ya"), Exit(number.get(row.keputusan.tidak, 0), "Tidak"),
                *timers)
    if row.cabang:
        return (*(Exit(number.get(b.target, 0), b.label) for b in row.cabang), *timers)
    return (Exit(number.get(row.lanjut or END, 0), ""), *timers)


def _where(n: int) -> str:
    return f"ke {n}" if n else "selesai"


def _with_instructions(keterangan: str, steps: tuple[Any, ...]) -> str:
    """The Keterangan, then each step's instructions for the person doing it (its Markdown as plain text)."""
    told = [" ".join(re.sub(r"[*_`#>]+", "", s.petunjuk).split()) for s in steps if s.petunjuk]
    return "; ".join(v for v in (keterangan, *(f"Petunjuk: {t}" for t in told if t)) if v)


def _keterangan(row: Row, number: dict[str, int], steps: tuple[Any, ...] = ()) -> str:
    """A table's keterangan (not a drawn step's documentation, which is its Uraian), the row's flow in words, then
    a note for each boundary timer on its steps."""
    notes = [f"{b.label}: {_where(number.get(b.target, 0))}" for b in row.batas_waktu]
    own = [s.keterangan for s in steps if s.keterangan and s.keterangan != s.uraian]
    return "; ".join(v for v in (*own, _flow_words(row, number), *notes) if v)


def _flow_words(row: Row, number: dict[str, int]) -> str:
    """Where the flow goes after the row: a decision's ways, a jump, or the end."""
    decision = row.keputusan
    if row.cabang:
        question = f"{row.cabang_pertanyaan} " if row.cabang_pertanyaan else ""
        return question + "; ".join(f"{b.label}: {_where(number.get(b.target, 0))}" for b in row.cabang)
    if decision is None:
        target = number.get(row.lanjut or END, 0)
        if target == 0:
            return f"Selesai: {row.nama_selesai}" if row.nama_selesai else "Selesai"
        return f"Lanjut ke {target}" if target != row.nomor + 1 else ""
    ya, tidak = number.get(decision.ya, 0), number.get(decision.tidak, 0)
    question = f"{decision.pertanyaan} " if decision.pertanyaan else ""
    ya_name = f" ({decision.label_ya})" if decision.label_ya not in ("Ya", "") else ""
    tidak_name = f" ({decision.label_tidak})" if decision.label_tidak not in ("Tidak", "") else ""
    return f"{question}Ya{ya_name}: {_where(ya)}; Tidak{tidak_name}: {_where(tidak)}"


def _form_title(forms: dict[str, Any], form: str | None) -> str:
    if not form or form not in forms:
        return ""
    text = forms[form]
    try:
        schema = json.loads(text) if isinstance(text, str) else text
    except ValueError:
        return ""
    title = schema.get("title") if isinstance(schema, dict) else None
    return str(title) if title else ""


def _join(values: Any) -> str:
    return "; ".join(dict.fromkeys(v for v in values if v))
