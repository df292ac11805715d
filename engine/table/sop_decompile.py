"""A BPMN diagram read back as an SOP table, so a diagram drawn in a modeler can be kept and reviewed as a table.

The diagram must have the table's shape: one start event; user (or manual) tasks in lanes, each with one way out;
waits (an intermediate catch event with one timer giving a duration: a `tunggu` row); exclusive gateways that merge
(one way out) or decide (two ways: a condition and the default flow, or two conditions, the flow labelled or
conditioned as "no" being tidak); parallel splits whose branches are one task each, joined by one parallel gateway;
end events. For the printed sheet (`for_sheet`), a decision may have more than two exits (Row.cabang) and a step may
carry boundary timers (Row.batas_waktu). Rows are numbered by the tasks' `nomor` properties when every step has one,
otherwise by sop_table.canonical_order.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NoReturn

from engine.bpmn.diagram_checks import BPMN_NS, SPIFF_NS, is_timer_catch, tag
from engine.bpmn.tasks import FORM_PROPERTY, NOT_RETURNABLE, RETURNABLE_PROPERTY
from engine.bpmn.xml_reading import parse_xml
from engine.common.errors import DefinitionError
from engine.common.i18n import N_
from engine.table.sop_table import (
    END,
    Branch,
    Check,
    Decision,
    Row,
    SopTable,
    Step,
    canonical_order,
    default_parallel_id,
    structure_problems,
)

if TYPE_CHECKING:
    from pathlib import Path

STEPS = ("userTask", "manualTask")
WAIT = "intermediateCatchEvent"  # with one timer: a wait row
ROWS = (*STEPS, WAIT)
IGNORED = {"laneSet", "documentation", "extensionElements", "textAnnotation", "association", "sequenceFlow"}
DI_NS = "http://www.omg.org/spec/BPMN/20100524/DI"
DC_NS = "http://www.omg.org/spec/DD/20100524/DC"
NO_WORDS = {"tidak", "no", "false", "tolak", "ditolak", "belum", "gagal", "batal", "tidak lengkap", "tidak sesuai"}
YES_WORDS = {"ya", "yes", "true", "setuju", "disetujui", "lengkap", "sesuai", "terima", "diterima"}


@dataclass
class _Draft:
    key: str  # the task id, or the parallel split's id
    tasks: list[Any]
    after: str  # the element the flow reaches after the row
    line: int
    decision: Decision | None = None
    lanjut: str | None = None
    nama_selesai: str | None = None
    nomor: int | None = None
    targets: list[str] = field(default_factory=list)
    cabang: tuple[Branch, ...] = ()
    timers: tuple[Branch, ...] = ()
    question: str | None = None


class _DiagramReader:
    def __init__(self, root: Any, process: Any, source: str, for_sheet: bool = False) -> None:
        self.source, self.process, self.root, self.for_sheet = source, process, root, for_sheet
        self.elements: dict[str, Any] = {}
        self.boundaries: dict[str, list[Any]] = {}
        self.inner_start: dict[str, Any] = {}  # an embedded subprocess's id -> its start event
        self.inner_end: dict[str, str] = {}  # an end event inside a subprocess -> the subprocess's id
        self.enclosing: dict[str, str] = {}  # an element inside a subprocess -> the subprocess's id
        self._read(process, None)
        self.flows = list(process.iter(f"{{{BPMN_NS}}}sequenceFlow"))
        self.out: dict[str, list[Any]] = {k: [] for k in self.elements}
        self.into: dict[str, list[Any]] = {k: [] for k in self.elements}
        for flow in self.flows:
            self.out.setdefault(flow.get("sourceRef"), []).append(flow)
            self.into.setdefault(flow.get("targetRef"), []).append(flow)

    def _read(self, container: Any, owner: str | None) -> None:
        """The elements of the process, and of its embedded subprocesses flattened into it: a subprocess's steps are
        rows like any other, entered where the subprocess is and leaving where it leaves."""
        for child in container:
            name = tag(child)
            if not name or name in IGNORED or (owner is not None and name in ("incoming", "outgoing")):
                continue
            if owner is not None:
                self.enclosing[child.get("id")] = owner
                if name in ("startEvent", "endEvent"):
                    if name == "startEvent":
                        self.inner_start[owner] = child
                    else:
                        self.inner_end[child.get("id")] = owner
                    continue
            if name == "subProcess":
                self.elements[child.get("id")] = child
                self._read(child, child.get("id"))
                continue
            timer = child.find(f"{{{BPMN_NS}}}timerEventDefinition")
            if name == "boundaryEvent" and self.for_sheet and timer is not None:
                self.boundaries.setdefault(child.get("attachedToRef") or "", []).append(child)
                self.elements[child.get("id")] = child
                continue
            if name not in (*STEPS, "startEvent", "endEvent", "exclusiveGateway", "parallelGateway") and not (
                    name == WAIT and is_timer_catch(child)):
                self.fail(child, f"{name} '{child.get('id')}' has no place in an SOP table (steps, waits, decisions, "
                          "parallel steps and ends only)")
            self.elements[child.get("id")] = child

    def fail(self, element: Any, text: str) -> NoReturn:
        raise DefinitionError("{source}:{sourceline}: {text}; the diagram cannot be read as a table",
                              source=self.source, sourceline=element.sourceline, text=text)

    def kind(self, element_id: str) -> str:
        return tag(self.elements[element_id])

    def one_out(self, element: Any) -> str:
        flows = self.out.get(element.get("id"), [])
        if len(flows) != 1:
            self.fail(element, f"{tag(element)} '{element.get('id')}' has {len(flows)} outgoing flows; a step leads "
                      "to exactly one place (decide with an exclusive gateway after it)")
        return str(flows[0].get("targetRef"))

    def resolve(self, element_id: str, seen: frozenset[str] = frozenset()) -> str:
        """The row (task id or split id) or END that a flow into this element reaches (through an embedded
        subprocess: its first step; from its end event: where the subprocess leads)."""
        if element_id in self.inner_end:
            return self.resolve(self.one_out(self.elements[self.inner_end[element_id]]), seen)
        element = self.elements[element_id]
        name = tag(element)
        if name == "subProcess":
            start = self.inner_start.get(element_id)
            if start is None:
                self.fail(element, f"subprocess '{element_id}' has no start event")
            return self.resolve(self.one_out(start), seen)
        if name in ROWS or (name == "parallelGateway" and len(self.out[element_id]) > 1):
            return element_id
        if name == "endEvent":
            return END
        if name == "exclusiveGateway" and len(self.out[element_id]) == 1 and element_id not in seen:
            return self.resolve(self.one_out(element), seen | {element_id})
        self.fail(element, f"{name} '{element_id}' is reached where a step, a parallel split, a merge or an end "
                  "must be")

    def drafts(self) -> dict[str, _Draft]:
        rows: dict[str, _Draft] = {}
        in_parallel: set[str] = set()
        for element_id, element in self.elements.items():
            if tag(element) != "parallelGateway" or len(self.out[element_id]) < 2:
                continue
            items = [self.elements[f.get("targetRef")] for f in self.out[element_id]]
            joins = set()
            for item in items:
                if tag(item) not in STEPS or len(self.into[item.get("id")]) != 1:
                    self.fail(item, f"branch '{item.get('id')}' of parallel gateway '{element_id}' must be one step "
                              "entered only from the split")
                joins.add(self.one_out(item))
            join = self.elements[joins.pop()] if len(joins) == 1 else None
            if join is None or tag(join) != "parallelGateway" or len(self.into[join.get("id")]) != len(items):
                self.fail(element, f"the branches of parallel gateway '{element_id}' must meet in one parallel "
                          "gateway that nothing else enters (one step per branch)")
            assert join is not None
            in_parallel.update(i.get("id") for i in items)
            rows[element_id] = _Draft(element_id, items, self.one_out(join), element.sourceline)
        for element_id, element in self.elements.items():
            if tag(element) in ROWS and element_id not in in_parallel:
                rows[element_id] = _Draft(element_id, [element], self.one_out(element), element.sourceline)
        for draft in rows.values():
            self.exit(draft)
        return rows

    def exit(self, draft: _Draft) -> None:
        self.timers(draft)
        if draft.after in self.inner_end or tag(self.elements[draft.after]) == "subProcess":
            draft.lanjut = self.resolve(draft.after)  # on through the subprocess's end, or into its first step
            draft.targets = [draft.lanjut] + [b.target for b in draft.timers]
            return
        after = self.elements[draft.after]
        outgoing = self.out[draft.after]
        if tag(after) == "exclusiveGateway" and len(outgoing) > 1:
            if len(self.into[draft.after]) != 1 or (len(outgoing) != 2 and not self.for_sheet):
                self.fail(after, f"decision '{draft.after}' must have one incoming flow and two outgoing flows "
                          "(a condition for ya, the default for tidak)")
            if len(outgoing) > 2:
                default = after.get("default")
                ordered = sorted(outgoing, key=lambda f: f.get("id") == default)
                draft.question = after.get("name")
                draft.cabang = tuple(Branch(_flow_label(f, f.get("id") == default), self.resolve(f.get("targetRef")))
                                     for f in ordered)
                draft.targets = [b.target for b in draft.cabang] + [b.target for b in draft.timers]
                return
            yes, no = self.ya_tidak(draft, after, outgoing)
            ya, tidak = yes.get("targetRef"), no.get("targetRef")
            draft.decision = Decision(_condition(yes), self.resolve(ya), self.resolve(tidak), after.get("name"),
                                      yes.get("name") or "Ya", no.get("name") or "Tidak", after.sourceline)
            draft.targets = [draft.decision.ya, draft.decision.tidak] + [b.target for b in draft.timers]
            return
        draft.lanjut = self.resolve(draft.after)
        if draft.lanjut == END:
            end = self.elements[draft.after] if tag(after) == "endEvent" else None
            draft.nama_selesai = end.get("name") if end is not None else None
        draft.targets = [draft.lanjut] + [b.target for b in draft.timers]

    def ya_tidak(self, draft: _Draft, gateway: Any, outgoing: list[Any]) -> tuple[Any, Any]:
        """A two-way decision's ya and tidak flows: the default is tidak; with two conditions, the flow labelled
        as "no" (or whose condition is a negation), else the second in the document."""
        default = gateway.get("default")
        if any(f.get("id") == default for f in outgoing):
            yes = next(f for f in outgoing if f.get("id") != default)
            no = next(f for f in outgoing if f.get("id") == default)
            if _condition(yes):
                return yes, no
        elif all(_condition(f) for f in outgoing):
            first, second = outgoing
            no_first = _says_no(first) and not _says_no(second)
            if no_first or (_says(second, YES_WORDS) and not _says(first, YES_WORDS)):
                return second, first
            return first, second
        self.fail(gateway, f"decision '{draft.after}' needs a default flow (tidak) and a condition on the "
                  "other flow (ya)")

    def timers(self, draft: _Draft) -> None:
        """The boundary timers on the row's steps, as extra exits with what the sheet notes for each."""
        branches = []
        for task in draft.tasks:
            owners = [task.get("id")]
            while owners[-1] in self.enclosing:  # a timer on a subprocess is an exit of every step inside it
                owners.append(self.enclosing[owners[-1]])
            for event in (e for owner in owners for e in self.boundaries.get(owner, [])):
                branches.append(Branch(_timer_label(event), self.resolve(self.one_out(event))))
        draft.timers = tuple(branches)


def _condition(flow: Any) -> str:
    condition = next((c for c in flow if tag(c) == "conditionExpression"), None)
    return (condition.text or "").strip() if condition is not None else ""


def _says(flow: Any, words: set[str]) -> bool:
    name = " ".join((flow.get("name") or "").casefold().split())
    return name in words or name.rstrip("?!. ") in words


def _says_no(flow: Any) -> bool:
    if flow.get("name"):
        return _says(flow, NO_WORDS)
    text = _condition(flow).replace(" ", "")
    return "!=" in text or text.startswith("not") or "==False" in text or "notin" in text


def _flow_label(flow: Any, default: bool) -> str:
    name = " ".join((flow.get("name") or "").split())
    if name:
        return name
    if default:
        return "lainnya"
    text = _condition(flow)
    return text if len(text) <= 40 else text[:39] + "…"


def _timer_label(event: Any) -> str:
    """A timer's note: its name, else its duration as the sheet writes it (`"PT2H"` -> 2 jam)."""
    from engine.table.sop_table import waktu_text

    definition = event.find(f"{{{BPMN_NS}}}timerEventDefinition")
    when = next((c for c in definition if tag(c) in ("timeDuration", "timeDate", "timeCycle")), None)
    text = (when.text or "").strip().strip("\"'") if when is not None else ""
    how = text if not text.upper().startswith("P") else waktu_text(text)
    name = " ".join((event.get("name") or "").split())
    label = f"Batas waktu {how}" if how else "Batas waktu"
    if event.get("cancelActivity", "true") == "false":
        label += " (langkah tetap berjalan)"
    return f"{label}: {name}" if name else label


def _props(task: Any) -> dict[str, str]:
    return {p.get("name", ""): p.get("value", "") for p in task.iter(f"{{{SPIFF_NS}}}property")}


def _lanes(root: Any, process: Any, source: str) -> tuple[list[str], dict[str, str]]:
    lanes = [lane for lane in process.iter(f"{{{BPMN_NS}}}lane")]
    if any(lane.find(f"{{{BPMN_NS}}}childLaneSet") is not None for lane in lanes):
        raise DefinitionError("{source}: nested lanes cannot be read as a table; use one level of lanes", source=source)
    ys = {}
    for shape in root.iter(f"{{{DI_NS}}}BPMNShape"):
        bounds = shape.find(f"{{{DC_NS}}}Bounds")
        if bounds is not None:
            ys[shape.get("bpmnElement")] = float(bounds.get("y", "0"))
    if all(lane.get("id") in ys for lane in lanes):
        lanes.sort(key=lambda lane: ys[lane.get("id")])
    names = [lane.get("name") or lane.get("id") for lane in lanes]
    of = {(ref.text or "").strip(): name for lane, name in zip(lanes, names, strict=True)
          for ref in lane.iter(f"{{{BPMN_NS}}}flowNodeRef")}
    return names, of


def table_from_bpmn(text: str, source: str, *, process_id: str | None = None, for_sheet: bool = False,
                    forms_dir: Path | None = None) -> SopTable:
    """Read a diagram's process as an SOP table (see the module docstring); what does not fit is named with its line.

    forms_dir, when given, is where the forms are: a step whose form sop generated from a table's isian (and
    nobody changed) gets its isian back."""
    root = parse_xml(text, source)
    processes = [p for p in root.iter(f"{{{BPMN_NS}}}process") if p.get("isExecutable", "true").lower() == "true"]
    if process_id is not None:
        processes = [p for p in processes if p.get("id") == process_id]
    if len(processes) != 1:
        known = ", ".join(p.get("id") for p in root.iter(f"{{{BPMN_NS}}}process")) or N_("none")
        raise DefinitionError("{source}: name one executable process with --process (processes: {known})",
                              source=source, known=known)
    process = processes[0]
    reader = _DiagramReader(root, process, source, for_sheet)
    starts = [e for e in reader.elements.values() if tag(e) == "startEvent"]
    if len(starts) != 1:
        raise DefinitionError("{source}: process '{id}' has {starts_count} start events; a table has "
                              "one beginning", source=source, id=process.get('id'), starts_count=len(starts))
    lanes, lane_of = _lanes(root, process, source)
    drafts = reader.drafts()
    first = reader.resolve(reader.one_out(starts[0]))
    if first == END or not drafts:
        raise DefinitionError("{source}: process '{id}' has no step after its start event",
                              source=source, id=process.get('id'))
    order, nomor, row_id = _numbered(first, drafts)
    rows = []
    for key in order:
        draft = drafts[key]
        steps = [_step(reader, task, lane_of) for task in draft.tasks]
        decision = draft.decision
        if decision is not None:
            decision = Decision(decision.syarat, row_id[decision.ya], row_id[decision.tidak], decision.pertanyaan,
                                decision.label_ya, decision.label_tidak, decision.line)
        rows.append(Row(nomor[key], row_id[key], tuple(steps), decision,
                        row_id[draft.lanjut] if draft.lanjut else None, draft.nama_selesai, draft.line,
                        tuple(Branch(b.label, row_id[b.target]) for b in draft.cabang),
                        tuple(Branch(b.label, row_id[b.target]) for b in draft.timers),
                        draft.question))
    participant = next((p for p in root.iter(f"{{{BPMN_NS}}}participant")
                        if p.get("processRef") == process.get("id")), None)
    name = process.get("name") or process.get("id")
    dinas = participant.get("name") if participant is not None else None
    table = SopTable(process.get("id"), name, tuple(lanes), tuple(rows), starts[0].get("name"),
                     dinas if dinas and dinas != name else None)
    problems = structure_problems(table)
    if problems:
        listing = "; ".join(f"line {line}: {text}" for line, text in problems)
        raise DefinitionError("{source}: the diagram's flow is not a usable table ({listing})",
                              source=source, listing=listing)
    return table if forms_dir is None else _with_fields(table, forms_dir)


def _with_fields(table: SopTable, forms_dir: Path) -> SopTable:
    from engine.table.table_forms import with_generated_fields

    def read(name: str) -> str | None:
        try:
            path = forms_dir / name
            return path.read_text(encoding="utf-8") if path.is_file() else None
        except (OSError, UnicodeDecodeError):
            return None

    return with_generated_fields(table, read)


def _numbered(first: str, drafts: dict[str, Any]) -> tuple[list[str], dict[str, int], dict[str, str]]:
    """The rows' order (the flow's, or the diagram's `nomor` properties when every step has one), their numbers,
    and each row's id (its task's, or a parallel row's `Bagi_...` gateway id)."""
    order = canonical_order(first, {k: d.targets for k, d in drafts.items()})
    numbers = {}
    for key, draft in drafts.items():
        values = [_props(t).get("nomor", "") for t in draft.tasks]
        numbers[key] = min(int(v) for v in values) if all(v.isdigit() for v in values) else None
    if all(n is not None for n in numbers.values()):
        position = {k: i for i, k in enumerate(order)}
        order.sort(key=lambda k: (numbers[k], position[k]))
    nomor = {key: i + 1 for i, key in enumerate(order)}
    row_id = {}
    for key in order:
        if len(drafts[key].tasks) == 1:
            row_id[key] = key
        else:
            row_id[key] = key[len("Bagi_"):] if key.startswith("Bagi_") and key[5:].isidentifier() else \
                default_parallel_id(nomor[key])
    row_id[END] = END
    return order, nomor, row_id


def _step(reader: _DiagramReader, task: Any, lane_of: dict[str, str]) -> Step:
    """One step of a row from its task element: lane, form, Mutu Baku properties, notes and check."""
    if task.get("id") not in lane_of:
        reader.fail(task, f"step '{task.get('id')}' is in no lane; the table needs a pelaksana for each step")
    if task.find(f"{{{BPMN_NS}}}multiInstanceLoopCharacteristics") is not None:
        reader.fail(task, f"step '{task.get('id')}' is multi-instance, which a table row cannot say")
    props = _props(task)
    doc = task.find(f"{{{BPMN_NS}}}documentation")
    if tag(task) == WAIT:
        return _wait(reader, task, lane_of[task.get("id")], props, doc)
    told = task.find(f"{{{BPMN_NS}}}extensionElements/{{{SPIFF_NS}}}instructionsForEndUser")
    check = Check(props["check"], props.get("checkMessage") or None) if props.get("check") else None
    documentation = (doc.text or "").strip() or None if doc is not None else None
    # A compiled table keeps its keterangan as a property; a drawn step's documentation is read as its keterangan
    # (the sheet prints it as the Uraian Kegiatan, as it always has).
    return Step(task.get("id"), task.get("name") or task.get("id"), lane_of[task.get("id")],
                props.get(FORM_PROPERTY) or None, props.get("kelengkapan") or None,
                props.get("sla") or None, props.get("output") or None,
                props.get("keterangan") or documentation, check, task.sourceline,
                (told.text or "").strip() or None if told is not None else None, uraian=documentation,
                dapat_dikembalikan=str(props.get(RETURNABLE_PROPERTY, "")).strip().lower() not in NOT_RETURNABLE)


def _wait(reader: _DiagramReader, event: Any, lane: str, props: dict[str, str], doc: Any) -> Step:
    """A wait row from a timer catch event: its duration (the sheet prints a wait for a date or an expression
    without its time; a table refuses it)."""
    from engine.common.durations import is_duration

    definition = event.find(f"{{{BPMN_NS}}}timerEventDefinition")
    given = {tag(c): (c.text or "").strip() for c in definition if tag(c)}
    text = given.get("timeDuration", "")
    plain = text.strip("\"'") if text[:1] in "\"'" and text[:1] == text[-1:] else text
    if not is_duration(plain):
        if not reader.for_sheet:
            wait_id, written = event.get("id"), ", ".join(f"{k} {v}" for k, v in given.items())
            reader.fail(event, f"wait '{wait_id}' gives {written}; a table's tunggu is a duration such as P14D "
                        "(14 hari kerja)")
        plain = ""  # the sheet prints the wait without its time
    documentation = (doc.text or "").strip() or None if doc is not None else None
    return Step(event.get("id"), event.get("name") or event.get("id"), lane, output=props.get("output") or None,
                keterangan=props.get("keterangan") or documentation, line=event.sourceline, uraian=documentation,
                tunggu=plain)


def diagram_identity(text: str, source: str, *, process_id: str | None = None) -> tuple[dict[str, Any], dict[str, str]]:
    """The identity page a compiled table keeps in its process's documentation (YAML, textFormat text/x-yaml), and
    its lanes' descriptions (each lane's documentation); empty when the diagram has none."""
    from engine.common.yamlio import parse_yaml
    from engine.table.sop_bpmn import IDENTITY_FORMAT

    root = parse_xml(text, source)
    processes = [p for p in root.iter(f"{{{BPMN_NS}}}process") if process_id is None or p.get("id") == process_id]
    if len(processes) != 1:
        return {}, {}
    process = processes[0]
    identity: dict[str, Any] = {}
    for doc in process.findall(f"{{{BPMN_NS}}}documentation"):
        text = doc.text or ""
        # A modeler that rewrites the documentation may drop its textFormat: a text starting `sop:` is still one.
        if (doc.get("textFormat") == IDENTITY_FORMAT or text.lstrip().startswith("sop:")) and text.strip():
            page = parse_yaml(text, f"{source} (documentation of process '{process.get('id')}', line "
                                    f"{doc.sourceline})")
            identity = page if isinstance(page, dict) else {}
    notes = {}
    for lane in process.iter(f"{{{BPMN_NS}}}lane"):
        doc = lane.find(f"{{{BPMN_NS}}}documentation")
        if doc is not None and (doc.text or "").strip():
            notes[lane.get("name") or lane.get("id") or ""] = (doc.text or "").strip()
    return identity, notes


def merged_identity(diagram: dict[str, Any], page: dict[str, Any] | None) -> dict[str, Any]:
    """The identity page of a diagram with a YAML page beside it: the page wins key by key (inside `sop` too), the
    diagram's own identity fills what the page leaves out."""
    if not page:
        return dict(diagram)
    out = {**diagram, **page}
    if isinstance(diagram.get("sop"), dict) and isinstance(page.get("sop"), dict):
        out["sop"] = {**diagram["sop"], **page["sop"]}
    return out


SECTION_KEYS = ("dasar_hukum", "kualifikasi_pelaksana", "keterkaitan", "peralatan_perlengkapan", "peringatan",
                "pencatatan_pendataan", "data_kegiatan")


def sheet_identity(identity: dict[str, Any]) -> dict[str, Any]:
    """The identity as the sheet reads it: sections a table wrote inside its `sop` block are read as the page's
    own sections (a key at the top level wins)."""
    sop = identity.get("sop")
    if not isinstance(sop, dict):
        return identity
    out = dict(identity)
    for key in SECTION_KEYS:
        if key in sop and key not in out:
            out[key] = sop[key]
    return out
