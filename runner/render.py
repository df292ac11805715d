"""Rendering for people (aligned tables) and for scripts (stable JSON)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import click


def emit_json(value: Any) -> None:
    """Print JSON to stdout: indented, UTF-8 text kept readable."""
    click.echo(json.dumps(value, indent=2, ensure_ascii=False, sort_keys=False))


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """An aligned text table; empty cells print as '-'."""
    cells = [[("-" if v is None or v == "" else str(v)) for v in row] for row in rows]
    widths = [len(h) for h in headers]
    for row in cells:
        for i, value in enumerate(row):
            widths[i] = max(widths[i], len(value))
    lines = ["  ".join(h.upper().ljust(widths[i]) for i, h in enumerate(headers)).rstrip()]
    for row in cells:
        lines.append("  ".join(v.ljust(widths[i]) for i, v in enumerate(row)).rstrip())
    return "\n".join(lines)


def short(text: str | None, width: int = 12) -> str:
    """The first characters of a hash or UUID."""
    return (text or "")[:width]


def tasks_table(tasks: Sequence[Any]) -> str:
    """The table of ready tasks."""
    return table(
        ["instance", "task", "id", "name", "lane", "form", "sla", "since"],
        [(t.instance, t.task, short(t.id, 8), t.name, t.lane, t.form, t.sla, t.since) for t in tasks],
    )


def message(text: str) -> None:
    """A message for the person at the terminal, on stderr."""
    click.echo(text, err=True)
