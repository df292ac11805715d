"""The SOP as a table (the SOP AP sheet's rows): one model read from YAML or from a diagram and compiled to BPMN.

A table is a list of rows in sheet order. A row is one step (a user task in a lane), a wait (`tunggu`: a timer catch
event in a lane; nobody works) or several steps done at the same time (`bersamaan`). After a row the flow goes to
one place: a decision (`keputusan`: a condition for "ya", the default "tidak"), another row (`lanjut`, by default
the next row), or the end (`selesai`). Targets are row ids or END. Numbering a table read from a diagram
(`canonical_order`) is deterministic: rows in topological order of the flow (loops found by depth-first search are
back edges), each decision's "ya" branch right after it, then its "tidak" branch, then the rows where they meet.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from engine.common.i18n import N_

END = "selesai"  # the target meaning "the process ends here"; no row may have this id


@dataclass(frozen=True)
class Check:
    """A step's `periksa`: a condition over the artefacts so far that must hold before the step completes."""

    syarat: str
    pesan: str | None = None


@dataclass(frozen=True)
class TableField:
    """One field of a step's Kelengkapan written in the table (`isian`): its title, kind in words, key and help."""

    judul: str
    jenis: str  # the kind in words, as the table writes it (teks, NIP, pilihan: a / b, berkas PDF 5 MB, daftar ...)
    kunci: str  # the data key (from judul in snake_case unless the table gives one)
    wajib: bool = True
    bantuan: str | None = None
    line: int = field(default=0, compare=False)


@dataclass(frozen=True)
class Step:
    """One activity of the sheet: what is done (kegiatan), by whom (pelaksana), with its Mutu Baku."""

    id: str
    kegiatan: str
    pelaksana: str
    formulir: str | None = None  # the JSON Schema form file in forms/ that validates the artefact
    kelengkapan: str | None = None  # the required artefact's name on the sheet, when it is not the form's name
    waktu: str | None = None  # ISO-8601 duration (PT30M)
    output: str | None = None
    keterangan: str | None = None
    periksa: Check | None = None
    line: int = field(default=0, compare=False)
    petunjuk: str | None = field(default=None, compare=False)  # the diagram's instructionsForEndUser (Markdown)
    isian: tuple[TableField, ...] = ()  # the Kelengkapan's fields written in the table; formulir is then generated
    uraian: str | None = field(default=None, compare=False)  # a drawn step's documentation (the sheet's Uraian)
    dapat_dikembalikan: bool = True  # False: a return for revision may not reopen the step (its work cannot be redone)
    tunggu: str | None = None  # a wait, not a task: how long the request waits (ISO-8601, working days) and goes on

    @property
    def menunggu(self) -> bool:
        """True for a wait row's step: nobody works; the request goes on by itself when the time is up."""
        return self.tunggu is not None


@dataclass(frozen=True)
class Decision:
    """A decision after a row: where to go when `syarat` holds (ya) and otherwise (tidak, the default flow)."""

    syarat: str
    ya: str
    tidak: str
    pertanyaan: str | None = None
    label_ya: str = "Ya"
    label_tidak: str = "Tidak"
    line: int = field(default=0, compare=False)


@dataclass(frozen=True)
class Branch:
    """A way out of a row beside its keputusan or lanjut: a third (or later) exit of a decision, or a step's timer."""

    label: str
    target: str


@dataclass(frozen=True)
class Row:
    """A row of the sheet: one step, or several done at the same time, and where the flow goes after it."""

    nomor: int
    id: str
    steps: tuple[Step, ...]
    keputusan: Decision | None = None
    lanjut: str | None = None  # without a decision: the next row's id or END
    nama_selesai: str | None = None  # the end event's name when lanjut is END
    line: int = field(default=0, compare=False)
    cabang: tuple[Branch, ...] = ()  # a decision with more than two exits (read from a diagram for the sheet)
    batas_waktu: tuple[Branch, ...] = ()  # where a step's boundary timer leads (read from a diagram for the sheet)
    cabang_pertanyaan: str | None = None  # the name of the decision with more than two exits

    @property
    def bersamaan(self) -> bool:
        """True when the row's steps are done in parallel."""
        return len(self.steps) > 1

    def targets(self) -> list[str]:
        """Where the flow may go after this row, in the order the numbering visits them (ya before tidak)."""
        if self.keputusan is not None:
            main = [self.keputusan.ya, self.keputusan.tidak]
        else:
            main = [b.target for b in self.cabang] if self.cabang else [self.lanjut or END]
        return main + [b.target for b in self.batas_waktu]


@dataclass(frozen=True)
class SopTable:
    """A whole SOP as a table: its process id and name, lanes top to bottom, rows in sheet order."""

    process_id: str
    nama: str
    lanes: tuple[str, ...]
    rows: tuple[Row, ...]
    mulai: str | None = None  # the start event's name
    dinas: str | None = None  # the participant's name (the organisation), when not the process name

    def row(self, row_id: str) -> Row | None:
        """The row with this id, if any."""
        return next((r for r in self.rows if r.id == row_id), None)

    def steps(self) -> Iterator[tuple[Row, Step]]:
        """Every step with its row, in sheet order."""
        for row in self.rows:
            for step in row.steps:
                yield row, step


def default_step_id(nomor: int, item: int | None = None) -> str:
    """The id a step gets when the table gives none: Langkah_3, or Langkah_3_1 for a parallel row's first item."""
    return f"Langkah_{nomor}" if item is None else f"Langkah_{nomor}_{item}"


def default_parallel_id(nomor: int) -> str:
    """The id a parallel row gets when the table gives none."""
    return f"Bersamaan_{nomor}"


def incoming(table: SopTable) -> dict[str, int]:
    """How many flows enter each row (the first row counts the start event)."""
    counts = {r.id: 0 for r in table.rows}
    if table.rows:
        counts[table.rows[0].id] += 1
    for row in table.rows:
        for target in row.targets():
            if target in counts:
                counts[target] += 1
    return counts


def structure_problems(table: SopTable) -> list[tuple[int, str]]:
    """What makes the flow unusable, each with the row's line: unknown targets, unreachable rows, endless loops."""
    problems: list[tuple[int, str]] = []
    ids = {r.id for r in table.rows}
    for row in table.rows:
        decision = row.keputusan
        if decision is not None and decision.ya == decision.tidak:
            problems.append((decision.line or row.line, N_(
                "row {nomor}: keputusan sends ya and tidak both to '{target}'; send them to different rows (or drop "
                "the keputusan)", nomor=row.nomor, target=decision.ya)))
        for target in row.targets():
            if target != END and target not in ids:
                problems.append((row.line, N_("row {nomor} goes to '{target}', which is no row of the table",
                                              nomor=row.nomor, target=target)))
    if problems or not table.rows:
        return problems
    reached = _reachable(table, [table.rows[0].id])
    for row in table.rows:
        if row.id not in reached:
            problems.append((row.line, N_("row {nomor} ('{row_id}') is never reached: no row leads to it; point a "
                                          "lanjut, ya or tidak at it, or remove it", nomor=row.nomor, row_id=row.id)))
    finishing = _can_finish(table)
    stuck = [r for r in table.rows if r.id in reached and r.id not in finishing]
    if stuck:
        numbers = ", ".join(str(r.nomor) for r in stuck)
        problems.append((stuck[0].line, N_("rows {numbers} form a loop with no way out: none of them leads to the "
                                           "end; give one of them a keputusan that leaves the loop, or a selesai",
                                           numbers=numbers)))
    return problems


def _reachable(table: SopTable, start: list[str]) -> set[str]:
    seen: set[str] = set()
    todo = list(start)
    while todo:
        row = table.row(todo.pop())
        if row is None or row.id in seen:
            continue
        seen.add(row.id)
        todo.extend(t for t in row.targets() if t != END)
    return seen


def _can_finish(table: SopTable) -> set[str]:
    done: set[str] = set()
    changed = True
    while changed:
        changed = False
        for row in table.rows:
            if row.id not in done and any(t == END or t in done for t in row.targets()):
                done.add(row.id)
                changed = True
    return done


def canonical_order(first: str, targets: dict[str, list[str]]) -> list[str]:
    """Row ids in the sheet's order: reverse postorder of a depth-first search from the first row.

    `targets` gives each row's successors as Row.targets does (ya before tidak); the search visits them in
    reverse, so each decision's ya branch comes right after it, then its tidak branch, then where they meet.
    Rows the search cannot reach are appended in the order given.
    """
    seen: set[str] = set()
    post: list[str] = []
    stack: list[tuple[str, list[str]]] = [(first, list(targets.get(first, [])))]
    seen.add(first)
    while stack:
        node, pending = stack[-1]
        if pending:
            nxt = pending.pop()  # the last target first: tidak before ya, so ya ends up first
            if nxt != END and nxt in targets and nxt not in seen:
                seen.add(nxt)
                stack.append((nxt, list(targets[nxt])))
        else:
            post.append(node)
            stack.pop()
    order = post[::-1]
    order.extend(r for r in targets if r not in seen)
    return order


def tunggu_text(iso: str) -> str:
    """A wait's duration as the table writes it: P14D -> '14 hari kerja' (days of a wait are working days)."""
    import re

    if not re.fullmatch(r"P(?:\d+W)?(?:\d+D)?(?:T(?:\d+H)?(?:\d+M)?(?:\d+S)?)?", iso.upper()):
        return iso
    return re.sub(r"(\d+) hari", r"\1 hari kerja", waktu_text(iso))


def waktu_text(iso: str) -> str:
    """An ISO-8601 duration as the sheet writes it: PT30M -> '30 menit', PT1H30M -> '1 jam 30 menit'."""
    import re

    parts = []
    date, _, time = iso.upper().lstrip("P").partition("T")
    for text, units in ((date, {"W": "minggu", "D": "hari"}), (time, {"H": "jam", "M": "menit", "S": "detik"})):
        for number, unit in re.findall(r"(\d+)([A-Z])", text):
            parts.append(f"{int(number)} {units.get(unit, unit)}")
    return " ".join(parts) or iso
