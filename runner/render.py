"""Rendering for people (aligned tables) and for scripts (stable JSON)."""

from __future__ import annotations

import functools
import re
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import click

from .words import N_, fixed_text, translate

if TYPE_CHECKING:
    from engine import DocumentField, InstanceDocument, LocalTimes


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


# Events whose history summary is the engine's own words (a claim, a return), not an artefact's fields.
ENGINE_WORDED = ("task-claimed", "task-released", "task-returned")
NO_ARTEFACT = N_("a step with no artefact: it takes no data")


def instructions_comment(text: str | None) -> str:
    """A step's Markdown instructions as YAML comment lines (empty when it has none)."""
    if not text:
        return ""
    lines = "".join(f"#   {printable(line)}".rstrip() + "\n" for line in text.splitlines())
    return "# " + fixed_text("Instructions:") + "\n" + lines


def indented(text: str) -> str:
    """Text from a diagram indented two spaces, line by line, control characters escaped."""
    return "\n".join(f"  {printable(line)}".rstrip() for line in text.splitlines())


def _write(text: str) -> None:
    sys.stdout.write(text)
    sys.stdout.flush()


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """An aligned text table; empty cells print as '-'."""
    cells = [tuple("-" if v is None or v == "" else str(v) for v in row) for row in rows]
    return _aligned(headers, cells)


# Columns of free text that may be cut to fit the terminal; ids, times and numbers never are.
SHRINKABLE = ("name", "step", "summary", "form", "file", "lane", "process", "operator", "actor", "started_by",
              "title")
_NARROWEST = 8


def _aligned(headers: Sequence[str], cells: Sequence[tuple[str, ...]]) -> str:
    if any(_CONTROL.search(cell) for row in cells for cell in row):
        cells = [tuple(map(printable, row)) for row in cells]
    shown = [fixed_text(h) for h in headers]
    widths = [len(h) for h in shown]
    if cells:
        widths = [max(w, max(map(len, column))) for w, column in zip(widths, zip(*cells, strict=True), strict=True)]
    room = terminal_width()
    if room and sum(widths) + 2 * (len(widths) - 1) > room:
        widths, cells = _fitted(list(headers), widths, cells, room)
    fmt = "  ".join(f"%-{w}s" for w in widths[:-1]) + "  %s"
    head = (fmt % tuple(h.upper() for h in shown)).rstrip()
    return "\n".join([head, *[fmt % row for row in cells]])


def terminal_width() -> int:
    """The terminal's columns when output goes to one (or COLUMNS says), else 0: pipes and files get whole rows."""
    import os
    import shutil

    if os.environ.get("COLUMNS", "").isdigit():
        return int(os.environ["COLUMNS"])
    if not sys.stdout.isatty():
        return 0
    return shutil.get_terminal_size((0, 0)).columns


def _fitted(headers: list[str], widths: list[int], cells: Sequence[tuple[str, ...]],
            room: int) -> tuple[list[int], Sequence[tuple[str, ...]]]:
    """Cut the free-text columns, widest first, until the rows fit (never below 8 characters, never an id)."""
    widths = list(widths)
    free = [i for i, h in enumerate(headers) if h in SHRINKABLE]
    excess = sum(widths) + 2 * (len(widths) - 1) - room
    while excess > 0 and free:  # one character at a time from the widest: the columns end up balanced
        widest = max(free, key=lambda i: widths[i])
        if widths[widest] <= max(_NARROWEST, len(headers[widest])):
            free.remove(widest)
            continue
        widths[widest] -= 1
        excess -= 1
    cut_at = {i: widths[i] for i in range(len(widths)) if headers[i] in SHRINKABLE}
    fitted = [tuple(_cut(c, cut_at[i]) if i in cut_at else c for i, c in enumerate(row)) for row in cells]
    return widths, fitted


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


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


def tasks_table(tasks: Sequence[Any], now: str | None = None, times: LocalTimes | None = None,
                titles: dict[int, str] | None = None, words: Callable[[str | None], str] | None = None) -> str:
    """The table of ready tasks (built for 10,000s of rows: one tuple per row, one format per line), times in the
    office's zone; a task due before `now` is marked OVERDUE; titles: each instance's title, in a last column;
    words: the Mutu Baku in words ("30 menit", "2 hari kerja"), else as the diagram writes it (PT30M)."""
    local = times.text if times is not None else _as_stored
    late = fixed_text("OVERDUE")
    said = functools.lru_cache(maxsize=64)(words) if words is not None else (lambda sla: sla or "-")
    cells: list[tuple[str, ...]] = [
        (str(t.instance), t.task, t.id[:8], t.name, t.lane or "-", t.form or "-", said(t.sla), local(t.since),
         (f"{local(t.due)} {late}" if now and t.due < now else local(t.due)) if t.due else "-")
        for t in tasks
    ]
    headers = ["instance", "task", "id", "name", "lane", "form", "sla", "since", "due"]
    room = terminal_width()
    if titles is not None and (not room or room >= 140):  # after the step's name: its request (on a wide screen)
        cells = [(*row[:4], titles.get(t.instance) or "-", *row[4:]) for row, t in zip(cells, tasks, strict=True)]
        headers.insert(4, "title")
    return _aligned(headers, cells)


def _as_stored(moment: str | None, seconds: bool = False) -> str:
    return moment or "-"


def message(text: str) -> None:
    """A message for the person at the terminal, on stderr: in their language, control characters escaped."""
    click.echo(_for_people(text), err=True)


def say(text: str) -> None:
    """A line of a report for people, on stdout: in their language, control characters escaped."""
    click.echo(_for_people(text))


def _for_people(text: str) -> str:
    return "\n".join(map(printable, _local_moments(translate(text)).split("\n")))


def _local_moments(text: str) -> str:
    """A stored time inside a message (`at 2026-12-04T01:49:10.304Z`): people read it in the office's zone."""
    if "Z" not in text:
        return text
    context = click.get_current_context(silent=True)
    times = _office_times((context.find_root().params.get("definitions_dir") if context else None) or "./definitions")
    if times is None:  # a broken calendar is reported by the commands that use it; here the time stays UTC
        return text
    return times.in_text(text)


@functools.lru_cache(maxsize=4)
def _office_times(folder: str) -> LocalTimes | None:
    """The office's local times for a definitions folder, read once per process (None for a broken calendar)."""
    from engine import EngineError, office_times

    try:
        return office_times(folder)
    except EngineError:
        return None


def files_table(files: Sequence[Any]) -> str:
    """The attached files: event, task, field (FIELD.N in a list of several), name, type, size, short hash."""
    from engine import size_text

    several = {(f.seq, f.field) for f in files if f.position > 0}
    return table(["#", "task", "field", "name", "type", "size", "sha256"],
                 [(f.seq, f.task, f"{f.field}.{f.position}" if (f.seq, f.field) in several else f.field, f.name,
                   f.media_type, size_text(f.size), f.sha256[:12]) for f in files])


def document_lines(document: InstanceDocument, times: LocalTimes) -> list[str]:
    """Each completed step's artefact as people read it (`sop show`): the step, the form's title, who and when,
    then its fields by title in the form's order, blocks indented; control characters escaped."""
    lines: list[str] = []
    for artefact in document.artefacts:
        if not artefact.fields:
            continue
        who = document.person(artefact.actor)
        if artefact.operator != artefact.actor:
            who += " - " + translate(N_("recorded by {person}", person=document.person(artefact.operator)))
        lines.append(f"{artefact.step}")
        lines.append(f"  {artefact.title} - {who} - {times.text(artefact.time)}")
        lines += _field_lines(artefact.fields, "    ")
    return [printable(line) for line in lines]


def _field_lines(fields: Sequence[DocumentField], pad: str) -> list[str]:
    lines: list[str] = []
    for item in fields:
        if item.kind == "group":
            lines.append(f"{pad}{item.title}:")
            lines += _field_lines(item.children, pad + "  ")
        elif item.kind == "list":
            lines.append(f"{pad}{item.title}:")
            for row in item.children:
                if row.kind == "group":
                    lines.append(f"{pad}  {row.title}:")
                    lines += _field_lines(row.children, pad + "    ")
                else:
                    lines.append(f"{pad}  {row.title}: {_one_line(row.text)}")
        elif item.kind == "files":
            lines += [f"{pad}{item.title}: {f.name} ({f.type_words}, {f.size_words})" for f in item.files]
        else:
            lines.append(f"{pad}{item.title}: {_one_line(item.text)}")
    return lines


def _one_line(text: str) -> str:
    """A paragraph's lines joined, so a field stays one line of the listing."""
    return " / ".join(line.strip() for line in text.splitlines() if line.strip()) or text


def history_table(rows: Sequence[Any], document: InstanceDocument, times: LocalTimes) -> str:
    """`sop history` for people: each step by name, people by name and jabatan, a completion summarised by its
    form's title and first two fields, a claim in the engine's words; times in the office's zone."""
    from engine import duration_text

    said = document.summaries()
    cells = []
    for r in rows:
        if r.type in ENGINE_WORDED:
            summary = translate(str(r.summary))
        elif r.type == "comment-added":  # the person's own words, never looked up in the catalog
            summary = f"{fixed_text('Comment')}: {r.summary}"
        else:
            summary = said.get(r.seq, "")
        if r.password_set_by:  # signed in with a password an operator set (the accounts log says so)
            mark = translate(N_("(password set by operator {setter})", setter=document.person(r.password_set_by)))
            summary = f"{mark} {summary}" if summary else mark
        cells.append((r.seq, times.text(r.time, seconds=True), fixed_text(r.name), r.lane,
                      document.signer(r.actor, r.acting_as),
                      document.person(r.operator) if r.operator != r.actor else "-",
                      duration_text(r.after), summary))
    return table(["#", "time", "step", "lane", "actor", "operator", "after", "summary"], cells)


def ready_lines(tasks: Sequence[Any], document: InstanceDocument, times: LocalTimes, now: str,
                sla_words: Any) -> list[str]:
    """The ready steps as people read them (`sop show`): name, lane, since, due (OVERDUE when past), the time
    the SOP allows in words, who took it by name; control characters escaped."""
    late = fixed_text("OVERDUE")
    lines = []
    for t in tasks:
        parts = [t.name, t.lane or "-", translate(N_("ready since {when}", when=times.text(t.since)))]
        if t.due:
            parts.append(translate(N_("due {when}", when=times.text(t.due))) + (f" {late}" if t.due < now else ""))
        if t.sla:
            parts.append(translate(N_("time allowed {duration}", duration=sla_words(t.sla))))
        if t.claimed_by:
            parts.append(translate(N_("taken by {person}", person=document.person(t.claimed_by))))
        lines.append(printable("  " + " - ".join(parts)))
    return lines
