"""A workbook (.xlsx) as sop reads it: opened within bounds (size, unpacked size, rows, columns), its sheets found
by name, each sheet's cells as text, and the mistakes found, each at its sheet, row and column, reported together.
openpyxl is imported only when a workbook is opened."""

from __future__ import annotations

import datetime as dt
import difflib
import io
import zipfile
from dataclasses import dataclass, field
from typing import Any

from engine.common.errors import DefinitionError
from engine.common.i18n import N_
from engine.table.table_forms import key_from_judul

MAX_BYTES = 10 * 1024 * 1024  # the file as stored
MAX_UNPACKED = 60 * 1024 * 1024  # all of its parts unpacked (a small file can unpack to gigabytes)
MAX_ROWS = 1000  # rows read on a sheet
MAX_COLUMNS = 60  # columns read on a sheet
SHEETS = {"identitas": "Identitas", "pelaksana": "Pelaksana", "alur": "Alur", "kelengkapan": "Kelengkapan",
          "petunjuk": "Petunjuk"}


@dataclass
class Problems:
    """Every mistake found, each at its sheet, row and column, reported together."""

    items: list[tuple[int, int, str]] = field(default_factory=list)  # (sheet order, row, message)

    def add(self, sheet: str, row: int | None, column: str | None, text: str) -> None:
        order = list(SHEETS.values()).index(sheet) if sheet in SHEETS.values() else -1
        if row is None:
            said = N_("{sheet}: {text}", sheet=sheet, text=text) if sheet else text
        elif column is None:
            said = N_("{sheet}, row {row}: {text}", sheet=sheet, row=row, text=text)
        else:
            said = N_("{sheet}, row {row}, column {column}: {text}", sheet=sheet, row=row, column=column, text=text)
        self.items.append((order, row or 0, said))

    def raise_if_any(self, source: str) -> None:
        if not self.items:
            return
        said = [text for _, _, text in sorted(self.items, key=lambda item: (item[0], item[1]))]
        said = list(dict.fromkeys(said))
        if len(said) == 1:
            raise DefinitionError("{source}: {problem}", source=source, problem=said[0])
        raise DefinitionError("{source}: the workbook has {problems_count} problems; fix them and try again:",
                              problems=said, source=source, problems_count=len(said))


def cell_text(value: Any) -> str:
    """A cell as text: numbers without a needless .0, dates as YYYY-MM-DD, text stripped."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "ya" if value else "tidak"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).replace("\r\n", "\n").strip()


def norm(text: str) -> str:
    return " ".join(text.lower().replace(":", " ").split())


def closest(word: str, choices: list[str]) -> str | None:
    found = difflib.get_close_matches(word.lower(), [c.lower() for c in choices], n=1, cutoff=0.75)
    return next((c for c in choices if found and c.lower() == found[0]), None)


def snake_key(title: str) -> str:
    """A field's data key from its title, as the table makes it ("Nomor surat" -> nomor_surat)."""
    return key_from_judul(title)


# --- opening the file -------------------------------------------------------------------------------------------


def open_workbook(data: bytes, source: str) -> Any:
    """The workbook, or a refusal that says why it is no workbook sop can read."""
    if len(data) > MAX_BYTES:
        raise DefinitionError("{source}: the workbook is {size_mb} MB; sop reads workbooks of at most {max_mb} MB "
                              "(an SOP fits in far less: delete pictures and other sheets)", source=source,
                              size_mb=len(data) // (1024 * 1024), max_mb=MAX_BYTES // (1024 * 1024))
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise DefinitionError("{source}: the workbook is protected with a password or saved in the old .xls "
                              "format; remove the password and save it as an Excel workbook (.xlsx)", source=source)
    if data[:4] != b"PK\x03\x04":
        raise DefinitionError("{source}: the file is not an Excel workbook (.xlsx); save the sheet as .xlsx "
                              "(in Excel or LibreOffice: Save As, Excel Workbook)", source=source)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        unpacked = -1
    if unpacked > MAX_UNPACKED:
        raise DefinitionError("{source}: the workbook unpacks to more than {max_mb} MB; an SOP fits in far less: "
                              "delete pictures and other sheets", source=source, max_mb=MAX_UNPACKED // (1024 * 1024))
    import openpyxl

    try:
        if unpacked < 0:
            raise zipfile.BadZipFile
        return openpyxl.load_workbook(io.BytesIO(data), data_only=False)
    except Exception:  # openpyxl raises many kinds on a damaged file (KeyError, TypeError, XML errors...)
        raise DefinitionError("{source}: the workbook is damaged and cannot be read; open it in Excel or "
                              "LibreOffice and save it again as .xlsx", source=source) from None


def read_sheets(book: Any, problems: Problems) -> dict[str, Any]:
    """The sheets sop reads, by their key; a sheet whose name is close to one of them is named as a mistake."""
    found: dict[str, Any] = {}
    for name in book.sheetnames:
        key = norm(name)
        if key in SHEETS:
            found[key] = book[name]
            continue
        near = closest(key, list(SHEETS))
        if near and near not in [norm(n) for n in book.sheetnames]:
            problems.add("", None, None, N_("sheet '{name}' is not a sheet sop reads; did you mean '{near}'?",
                                            name=name, near=SHEETS[near]))
    for required in ("identitas", "alur"):
        if required not in found:
            problems.add("", None, None, N_("the workbook has no sheet '{sheet}'; sheets: {sheets}. Add it (see "
                                            "the template workbook)", sheet=SHEETS[required],
                                            sheets=", ".join(book.sheetnames)))
    return found


@dataclass
class SheetCells:
    """A sheet's cells as text (bounded), with the rows and columns people typed into."""

    name: str
    cells: dict[tuple[int, int], str]
    rows: int
    columns: int
    merged_rows: dict[int, str]  # first row of a merged range -> its address


def sheet_grid(sheet: Any, title: str, problems: Problems) -> SheetCells:
    cells: dict[tuple[int, int], str] = {}
    rows = columns = 0
    # openpyxl keeps the cells that exist in _cells; iter_rows would make every cell of the used range (a sheet
    # formatted to row 1048576 is a million cells), so the stored ones are read, in order.
    stored = getattr(sheet, "_cells", {})
    beyond = sorted(key for key, cell in stored.items() if (key[0] > MAX_ROWS or key[1] > MAX_COLUMNS)
                    and cell_text(cell.value) != "")
    if beyond:
        from openpyxl.utils import get_column_letter

        r, c = beyond[0]
        problems.add(title, None, None, N_("sop reads at most {max_rows} rows and {max_columns} columns of a sheet, "
                                           "and there is text beyond them ({cell}); move it into the table or delete "
                                           "it", max_rows=MAX_ROWS, max_columns=MAX_COLUMNS,
                                           cell=f"{get_column_letter(c)}{r}"))
    for (r, c), cell in sorted(stored.items()):
        if r > MAX_ROWS or c > MAX_COLUMNS or cell.value is None or cell_text(cell.value) == "":
            continue
        if cell.data_type == "f" or (isinstance(cell.value, str) and cell.value.startswith("=")):
            problems.add(title, r, None, N_("cell {cell} holds a formula ({formula}); type the value itself",
                                            cell=cell.coordinate, formula=str(cell.value)[:40]))
            continue
        cells[(r, c)] = cell_text(cell.value)
        rows, columns = max(rows, r), max(columns, c)
    merged = {rng.min_row: rng.coord for rng in sheet.merged_cells.ranges}
    return SheetCells(title, cells, rows, columns, merged)


def refuse_merged(grid: SheetCells, first_data_row: int, problems: Problems) -> None:
    for row, address in grid.merged_rows.items():
        if row >= first_data_row:
            problems.add(grid.name, row, None, N_("cells {cells} are merged; unmerge them and type the value in each "
                                                  "cell", cells=address))
