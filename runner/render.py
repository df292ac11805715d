"""Rendering for people (aligned tables) and for scripts (stable JSON)."""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from engine import LocalTimes


def emit_json(value: Any) -> None:
    """Print one JSON value to stdout, indented, non-ASCII text kept readable."""
    import json

    click.echo(json.dumps(value, indent=2, ensure_ascii=False))


def emit_json_list(items: Sequence[dict[str, Any]]) -> None:
    """Print a JSON array with one object per line (C-encoded: fast on long listings)."""
    import json

    if not items:
        _write("[]\n")
        return
    dumps = json.JSONEncoder(ensure_ascii=False).encode
    _write("[\n" + ",\n".join([dumps(item) for item in items]) + "\n]\n")


def _write(text: str) -> None:
    sys.stdout.write(text)
    sys.stdout.flush()


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """An aligned text table; empty cells print as '-'."""
    cells = [tuple("-" if v is None or v == "" else str(v) for v in row) for row in rows]
    return _aligned(headers, cells)


def _aligned(headers: Sequence[str], cells: Sequence[tuple[str, ...]]) -> str:
    if any(_CONTROL.search(cell) for row in cells for cell in row):
        cells = [tuple(map(printable, row)) for row in cells]
    widths = [len(h) for h in headers]
    if cells:
        widths = [max(w, max(map(len, column))) for w, column in zip(widths, zip(*cells, strict=True), strict=True)]
    fmt = "  ".join(f"%-{w}s" for w in widths[:-1]) + "  %s"
    head = (fmt % tuple(h.upper() for h in headers)).rstrip()
    return "\n".join([head, *[fmt % row for row in cells]])


# Terminal control characters (C0, DEL, C1) and the bidirectional overrides: printed, they could move the cursor,
# recolour or rewrite what is on screen, or make one line look like another.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    """Text with every control character shown as an escape (`\\x1b`, `\\n`), so a value cannot forge output."""
    if not _CONTROL.search(text):
        return text
    return _CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: object) -> object:
    """A CSV cell as spreadsheets may open it safely: text that would start a formula gets a leading quote
    (OWASP's advice); numbers stay numbers; control characters are escaped."""
    if not isinstance(value, str):
        return value
    text = printable(value)
    return "'" + text if text.startswith(_FORMULA) else text


def short(text: str | None, width: int = 12) -> str:
    """The first characters of a hash or UUID."""
    return (text or "")[:width]


def tasks_table(tasks: Sequence[Any], now: str | None = None, times: LocalTimes | None = None) -> str:
    """The table of ready tasks (built for 10,000s of rows: one tuple per row, one format per line), times in the
    office's zone; a task due before `now` is marked OVERDUE."""
    local = times.text if times is not None else _as_stored
    cells = [
        (str(t.instance), t.task, t.id[:8], t.name, t.lane or "-", t.form or "-", t.sla or "-", local(t.since),
         (local(t.due) + " OVERDUE" if now and t.due < now else local(t.due)) if t.due else "-")
        for t in tasks
    ]
    return _aligned(["instance", "task", "id", "name", "lane", "form", "sla", "since", "due"], cells)


def _as_stored(moment: str | None, seconds: bool = False) -> str:
    return moment or "-"


def message(text: str) -> None:
    """A message for the person at the terminal, on stderr (control characters escaped, lines kept)."""
    click.echo("\n".join(map(printable, text.split("\n"))), err=True)
