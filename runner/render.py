"""Rendering for people (aligned tables) and for scripts (stable JSON)."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

import click


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
    widths = [len(h) for h in headers]
    if cells:
        widths = [max(w, max(map(len, column))) for w, column in zip(widths, zip(*cells, strict=True), strict=True)]
    fmt = "  ".join(f"%-{w}s" for w in widths[:-1]) + "  %s"
    head = (fmt % tuple(h.upper() for h in headers)).rstrip()
    return "\n".join([head, *[fmt % row for row in cells]])


def short(text: str | None, width: int = 12) -> str:
    """The first characters of a hash or UUID."""
    return (text or "")[:width]


def tasks_table(tasks: Sequence[Any], now: str | None = None) -> str:
    """The table of ready tasks (built for 10,000s of rows: one tuple per row, one format per line); a task
    due before `now` is marked OVERDUE."""
    cells = [
        (str(t.instance), t.task, t.id[:8], t.name, t.lane or "-", t.form or "-", t.sla or "-", t.since,
         (t.due + " OVERDUE" if now and t.due < now else t.due) if t.due else "-")
        for t in tasks
    ]
    return _aligned(["instance", "task", "id", "name", "lane", "form", "sla", "since", "due"], cells)


def message(text: str) -> None:
    """A message for the person at the terminal, on stderr."""
    click.echo(text, err=True)
