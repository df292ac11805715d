"""Replay: rebuild an instance from its pinned definition and its events alone, in a fresh workflow, checking at
each event that what it records could happen then, and compare the result with what the store holds."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, NamedTuple

from engine.audit.records import AuditRecord, Problem
from engine.bpmn.tasks import FORM_PROPERTY, step_properties
from engine.common.errors import EngineError
from engine.common.i18n import N_
from engine.store.protocol import EventRow


class ReadyTask(NamedTuple):
    """A task ready at some point of a replay."""

    task: str
    id: str
    name: str
    lane: str | None
    form: str | None = None
    sla: str | None = None

    def to_json(self) -> dict[str, Any]:
        """{"task", "id", "name", "lane", "form", "sla"}."""
        return self._asdict()


class Replayed(NamedTuple):
    """An instance as its events leave it after `events` of them; divergence is the first event that could
    not have happened (or where the result differs from the store), None when all agree."""

    instance: int
    events: int
    status: str
    tasks: list[ReadyTask]
    data: dict[str, Any]
    divergence: Problem | None

    def to_json(self) -> dict[str, Any]:
        """The documented JSON of `sop replay --json`."""
        return {"instance": self.instance, "events": self.events, "ok": self.divergence is None,
                "status": self.status, "tasks": [t.to_json() for t in self.tasks], "data": self.data,
                "divergence": self.divergence.to_json() if self.divergence else None}


class Observed(NamedTuple):
    """What a replay saw after one event: the ready tasks and the waiting timers (UUID, BPMN id, attached to,
    duration or None) — what verify recomputes the store's derived rows from."""

    event: EventRow
    ready: list[ReadyTask]
    timers: list[tuple[str, str, str, str | None]]


class Divergence(Exception):
    """The first event where the record and the replay part ways (never leaves this module)."""

    def __init__(self, event: int, message: str) -> None:
        super().__init__(message)
        self.problem = Problem(event, message)


class _Context:
    """Specs and compiled forms of the versions a replay meets, built from the pinned bundles (never from the
    store's serialized spec, which an auditor has no reason to trust)."""

    def __init__(self, record: AuditRecord, cache: dict[Any, Any]) -> None:
        self.record = record
        self.cache = cache
        self.claims: dict[str, str] = {}  # task UUID -> who claimed it, while it stays ready
        self.completed = 0  # the instance-completed event's number, once replayed

    def claimer(self, workflow: Any, task_uuid: str) -> str | None:
        """Who holds a ready task now (claims of tasks no longer ready are dropped, as the store drops them)."""
        ready = {t.id for t in _ready(workflow)}
        for uuid in [u for u in self.claims if u not in ready]:
            del self.claims[uuid]
        return self.claims.get(task_uuid)

    def bundle(self, version: str) -> dict[str, Any]:
        key = ("bundle", version)
        if key not in self.cache:
            pinned = self.record.versions.get(version)
            if pinned is None:
                raise Divergence(0, f"the pinned definition version {version[:12]} is missing")
            self.cache[key] = json.loads(pinned.bundle)
        bundle: dict[str, Any] = self.cache[key]
        return bundle

    def spec(self, version: str) -> Any:
        key = ("spec", version)
        if key not in self.cache:
            from engine.definitions.version import definition_from_bundle
            from engine.runtime.workflow import bundle_spec

            bundle = self.bundle(version)
            try:
                definition_from_bundle(bundle, pinned=True)  # what keeps a pinned version safe: no scripts, ...
                self.cache[key] = bundle_spec(bundle)
            except (EngineError, KeyError, TypeError, AttributeError) as exc:
                raise Divergence(0, f"the pinned definition {version[:12]} does not build: {exc}") from None
        return self.cache[key]

    def form(self, version: str, name: str) -> Any:
        key = ("form", version, name)
        if key not in self.cache:
            from engine.definitions.forms import compile_form

            forms = self.bundle(version).get("forms", {})
            text = forms.get(name)
            if text is None:
                raise Divergence(0, f"the pinned definition {version[:12]} lacks form {name}")
            self.cache[key] = compile_form(text, name, forms)
        return self.cache[key]


def _migrated(workflow: Any, event: EventRow, data: Any, context: _Context) -> Any:
    """An `instance-migrated` event: the same move onto the new version's spec that `sop migrate` made."""
    from engine.runtime.migration import move_to_spec

    target = data.get("to") if isinstance(data, dict) else None
    if not isinstance(target, str) or target != event.version:
        raise Divergence(event.seq, f"event {event.seq} (instance-migrated) does not name the version it moves to")
    try:
        move_to_spec(workflow, context.spec(target))
    except EngineError as exc:
        raise Divergence(event.seq, f"event {event.seq} (instance-migrated) fails when replayed: {exc}") from None
    return workflow


# How each event type other than start/complete changes a workflow when replayed:
# handler(workflow, event, data, context) -> workflow (the same or a new one).
EVENT_HANDLERS: dict[str, Callable[[Any, EventRow, Any, _Context], Any]] = {"instance-migrated": _migrated}
# The events a completed instance may still take: remarks on the finished request.
AFTER_COMPLETION = frozenset({"comment-added"})


def replay(record: AuditRecord, until: int | None = None, cache: dict[Any, Any] | None = None,
           observe: list[Observed] | None = None) -> Replayed:
    """Replay the first `until` events (all when None); without `until`, also compare with the stored state;
    observe collects what was ready and waiting after each event."""
    context = _Context(record, {} if cache is None else cache)
    events = record.events if until is None else record.events[:until]
    data: dict[str, Any] = {}
    workflow: Any = None
    applied = 0
    try:
        for event in events:
            workflow = _apply(workflow, event, data, context)
            applied += 1
            if observe is not None:
                observe.append(Observed(event, _ready(workflow), _timers(workflow)))
        if workflow is None:
            raise Divergence(0, "the instance has no instance-started event to replay from")
        if until is None:
            _compare(record, workflow)
    except Divergence as exc:
        return Replayed(record.instance, applied, _status(workflow), _ready(workflow), data, exc.problem)
    return Replayed(record.instance, applied, _status(workflow), _ready(workflow), data, None)


def _apply(workflow: Any, event: EventRow, data: dict[str, Any], context: _Context) -> Any:
    where = N_("event {seq} ({event_type}{value1})",
               seq=event.seq, event_type=event.type, value1=' ' + event.task if event.task else '')
    try:
        payload = json.loads(event.data)
    except ValueError:
        raise Divergence(event.seq, f"{where}: its data is not readable JSON") from None
    if event.type == "instance-started":
        if workflow is not None:
            raise Divergence(event.seq, f"{where}: the instance was already started")
        return _started(event, payload, data, context, where)
    if workflow is None:
        raise Divergence(event.seq, f"{where} comes before the instance-started event")
    if context.completed and event.type not in AFTER_COMPLETION:
        raise Divergence(event.seq, f"{where}: the instance had completed at event {context.completed}; "
                                    "only comments follow")
    if workflow.completed and not context.completed and event.type != "instance-completed":
        raise Divergence(event.seq, f"{where}: by replay the instance completed at event {event.seq - 1}, but no "
                                    "instance-completed event follows it")
    if event.type == "task-completed":
        _completed(workflow, event, payload, context, where)
        data[event.task or ""] = payload
        return workflow
    if event.type == "instance-completed":
        if not workflow.completed:
            listing = ", ".join(f"'{t.task}'" for t in _ready(workflow)) or N_("none")
            raise Divergence(event.seq, f"{where}: by replay the instance is still running; ready: {listing}")
        context.completed = event.seq
        return workflow
    handler = EVENT_HANDLERS.get(event.type)
    if handler is None:
        raise Divergence(event.seq, f"{where}: event type '{event.type}' is unknown to this program")
    return handler(workflow, event, payload, context)


def _started(event: EventRow, payload: dict[str, Any], data: dict[str, Any], context: _Context, where: str) -> Any:
    """The workflow an instance-started event begins, on the version it names, with its root task's UUID."""
    from engine.runtime.workflow import new_workflow

    if not event.task_uuid:
        raise Divergence(event.seq, f"{where} records no root task UUID, so its tasks cannot be rebuilt")
    data.update(payload)
    try:
        return new_workflow(context.spec(event.version), payload, event.task_uuid)
    except (EngineError, ValueError) as exc:
        raise Divergence(event.seq, f"{where}: the instance could not start again: {exc}") from None


def _completed(workflow: Any, event: EventRow, payload: dict[str, Any], context: _Context, where: str) -> None:
    """Complete the task a task-completed event names, as the engine did: ready, unclaimed by another, its data
    valid for its pinned form and its step checks."""
    from engine.runtime.step_checks import check_step
    from engine.runtime.workflow import complete_task, is_ready_user_task, task_by_uuid

    task = task_by_uuid(workflow, event.task_uuid or "")
    if task is None or task.task_spec.bpmn_id != event.task or not is_ready_user_task(task):
        listing = ", ".join(f"'{t.task}'" for t in _ready(workflow)) or N_("none")
        raise Divergence(event.seq, f"{where}: task {event.task_uuid} was not ready at that point by replay; "
                                    f"ready then: {listing}")
    holder = context.claimer(workflow, event.task_uuid or "")
    if holder not in (None, event.actor, event.operator):  # an operator's own claim: they record for the lane
        raise Divergence(event.seq, f"{where}: {event.actor} completed a task {holder} had claimed")
    props = step_properties(task)
    if props.get(FORM_PROPERTY):
        form = context.form(event.version, props[FORM_PROPERTY])
        problems = form.problems(payload)
        if problems:
            raise Divergence(event.seq, f"{where}: its data does not satisfy form {props[FORM_PROPERTY]}: "
                                        + "; ".join(problems))
    try:
        check_step(where, props, dict(task.data), event.task or "", payload)
        complete_task(workflow, task, payload)
    except EngineError as exc:
        raise Divergence(event.seq, f"{where} fails when replayed: {exc}") from None


def _status(workflow: Any) -> str:
    if workflow is None:
        return "unknown"
    return "completed" if workflow.completed else "running"


def _ready(workflow: Any) -> list[ReadyTask]:
    if workflow is None:
        return []
    from engine.runtime.workflow import ready_user_tasks

    out = []
    for t in ready_user_tasks(workflow):
        props = step_properties(t)
        out.append(ReadyTask(t.task_spec.bpmn_id, str(t.id), t.task_spec.bpmn_name or t.task_spec.bpmn_id,
                             t.task_spec.lane, props.get(FORM_PROPERTY), props.get("sla")))
    return out


def _timers(workflow: Any) -> list[tuple[str, str, str, str | None]]:
    from engine.runtime.timers import attached_to, has_timers, timer_when, waiting_timers

    if not has_timers(workflow):
        return []
    out: list[tuple[str, str, str, str | None]] = []
    for timer in waiting_timers(workflow):
        try:
            duration: str | None = timer_when(timer)
        except EngineError:
            duration = None
        out.append((str(timer.id), str(timer.task_spec.bpmn_id), attached_to(timer), duration))
    return out


def _compare(record: AuditRecord, workflow: Any) -> None:
    """The stored status, ready-task rows and state must be what the events produce."""
    from engine.runtime.workflow import state_text

    last = record.events[-1].seq if record.events else 0
    status = _status(workflow)
    if status == "completed" and not any(e.type == "instance-completed" for e in record.events):
        raise Divergence(last, f"by replay the instance completed at event {last}, but no instance-completed "
                               "event follows")
    if record.status != status:
        raise Divergence(last, f"the store says the instance is {record.status}; by replay it is {status}")
    width = len(record.ready[0]) if record.ready else 6  # older bundles kept (task, id) only
    stored_ready = sorted(tuple(r) for r in record.ready)
    ready = sorted(tuple(t)[:width] for t in _ready(workflow))
    if [r[:2] for r in stored_ready] != [r[:2] for r in ready]:
        raise Divergence(last, "the store's ready tasks are " + (_pairs(stored_ready) or "none")
                               + "; by replay they are " + (_pairs(ready) or "none"))
    for stored_row, rebuilt_row in zip(stored_ready, ready, strict=True):
        if stored_row != rebuilt_row:
            fields = ("task", "id", "name", "lane", "form", "sla")
            diff = next(i for i, (a, b) in enumerate(zip(stored_row, rebuilt_row, strict=True)) if a != b)
            raise Divergence(last, f"the store's ready-task row of '{stored_row[0]}' has {fields[diff]} "
                                   f"{stored_row[diff]!r}; the pinned diagram says {rebuilt_row[diff]!r}")
    if record.state is None:
        raise Divergence(last, "the record holds no stored state to compare the replay with")
    try:
        stored = json.loads(record.state)
    except ValueError:
        raise Divergence(last, "the stored state is not readable JSON") from None
    rebuilt = json.loads(state_text(workflow))
    difference = state_difference(stored, rebuilt)
    if difference:
        raise Divergence(last, f"the stored state differs from the replay after event {last}: {difference}")


def _pairs(rows: list[tuple[Any, ...]]) -> str:
    return ", ".join(f"'{row[0]}' ({str(row[1])[:8]})" for row in rows)


def state_difference(stored: Any, rebuilt: Any) -> str:
    """The first difference between two serialized workflow states, in words ('' when they agree)."""
    if not isinstance(stored, dict) or not isinstance(stored.get("tasks"), dict):
        return "the stored state is not a workflow state"
    if stored.get("data") != rebuilt.get("data"):
        return "workflow data: " + _data_difference(stored.get("data"), rebuilt.get("data"))
    for key in ("completed", "success", "root"):
        if stored.get(key) != rebuilt.get(key):
            return f"workflow {key}: stored {_short(stored.get(key))}, replay {_short(rebuilt.get(key))}"
    names = {tid: t.get("task_spec") for tid, t in rebuilt["tasks"].items()}
    for tid, task in rebuilt["tasks"].items():
        other = stored["tasks"].get(tid)
        if other is None:
            return f"task '{names[tid]}' ({tid[:8]}) is missing from the stored state"
        for field in ("task_spec", "state", "parent", "children", "data", "delta", "internal_data", "triggered"):
            if other.get(field) != task.get(field):
                if field in ("data", "delta", "internal_data"):
                    detail = _data_difference(other.get(field), task.get(field))
                elif field == "state":
                    detail = f"stored {_state(other.get(field))}, replay {_state(task.get(field))}"
                else:
                    detail = f"stored {_short(other.get(field))}, replay {_short(task.get(field))}"
                return f"task '{names[tid]}' ({tid[:8]}) {field}: {detail}"
    extra = [tid for tid in stored["tasks"] if tid not in rebuilt["tasks"]]
    if extra:
        return f"the stored state has a task the events never made: {extra[0][:8]}"
    return ""


def _data_difference(stored: Any, rebuilt: Any, path: str = "") -> str:
    """Where two data values differ, as a dotted field path with both values."""
    if isinstance(stored, dict) and isinstance(rebuilt, dict):
        for key in sorted(set(stored) | set(rebuilt), key=str):
            if key not in stored or key not in rebuilt:
                where = f"{path}.{key}" if path else str(key)
                return f"field {where} is only in the {'replay' if key not in stored else 'stored state'}"
            if stored[key] != rebuilt[key]:
                return _data_difference(stored[key], rebuilt[key], f"{path}.{key}" if path else str(key))
    if isinstance(stored, list) and isinstance(rebuilt, list) and len(stored) == len(rebuilt):
        for i, (a, b) in enumerate(zip(stored, rebuilt, strict=True)):
            if a != b:
                return _data_difference(a, b, f"{path}.{i}" if path else str(i))
    where = f"field {path}: " if path else ""
    return f"{where}stored {_short(stored)}, replay {_short(rebuilt)}"


def _short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return text if len(text) <= 80 else text[:79] + "…"


def _state(value: Any) -> str:
    return STATES.get(value, repr(value)) if isinstance(value, int) else repr(value)


STATES = {1: "MAYBE", 2: "LIKELY", 4: "FUTURE", 8: "WAITING", 16: "READY", 32: "STARTED", 64: "COMPLETED",
          128: "ERROR", 256: "CANCELLED"}


def _timer_fired(workflow: Any, event: EventRow, data: Any, context: _Context) -> Any:
    """A boundary timer fired (`sop tick`): fire it again, by the same function."""
    from engine.runtime.timers import fire_timer

    where = N_("event {seq} (timer-fired {task})", seq=event.seq, task=event.task)
    try:
        timer = fire_timer(workflow, event.task_uuid or "")
    except EngineError as exc:
        raise Divergence(event.seq, f"{where}: {exc}") from None
    if timer.task_spec.bpmn_id != event.task:
        raise Divergence(event.seq, f"{where}: task {event.task_uuid} is timer '{timer.task_spec.bpmn_id}' by replay")
    return workflow


EVENT_HANDLERS["timer-fired"] = _timer_fired


def _claim_changed(workflow: Any, event: EventRow, data: Any, context: _Context) -> Any:
    """A task taken (`task-claimed`) or given back (`task-released`): the task must be ready, unclaimed to be taken
    and claimed to be given back; neither carries data nor changes the workflow."""
    where = N_("event {seq} ({event_type} {task})", seq=event.seq, event_type=event.type, task=event.task)
    ready = {t.id: t.task for t in _ready(workflow)}
    if ready.get(event.task_uuid or "") != event.task:
        listing = ", ".join(f"'{t}'" for t in ready.values()) or N_("none")
        raise Divergence(event.seq, f"{where}: task {event.task_uuid} was not ready at that point by replay; ready "
                                    f"then: {listing}")
    if data != {}:
        raise Divergence(event.seq, f"{where}: a claim carries no data, but this one does")
    holder = context.claimer(workflow, event.task_uuid or "")
    if event.type == "task-claimed":
        if holder is not None:
            raise Divergence(event.seq, f"{where}: {holder} had claimed the task already")
        context.claims[event.task_uuid or ""] = event.actor
    elif holder is None:
        raise Divergence(event.seq, f"{where}: nobody had claimed the task")
    else:
        del context.claims[event.task_uuid or ""]
    return workflow


EVENT_HANDLERS["task-claimed"] = EVENT_HANDLERS["task-released"] = _claim_changed


def _returned(workflow: Any, event: EventRow, data: Any, context: _Context) -> Any:
    """A ready step sent the instance back to an earlier one (`sop return`): the same return again, by the same
    function, which must reopen the step under the UUID the event recorded."""
    from engine.runtime.returning import return_to
    from engine.runtime.workflow import is_ready_user_task, task_by_uuid

    where = N_("event {seq} (task-returned {task})", seq=event.seq, task=event.task)
    if not isinstance(data, dict):  # data altered into a list or a scalar: named, not an internal error
        raise Divergence(event.seq, f"{where}: a return carries the step it came from and its reason as a JSON "
                                    "object, but its data is not one")
    source, source_uuid = data.get("from"), data.get("from_task")
    task = task_by_uuid(workflow, source_uuid) if isinstance(source_uuid, str) else None
    if task is None or task.task_spec.bpmn_id != source or not is_ready_user_task(task):
        listing = ", ".join(f"'{t.task}'" for t in _ready(workflow)) or N_("none")
        raise Divergence(event.seq, f"{where}: step {source!r} ({source_uuid}) was not ready at that point by "
                                    f"replay; ready then: {listing}")
    if not isinstance(data.get("reason"), str) or not data["reason"].strip():
        raise Divergence(event.seq, f"{where}: a return carries its reason, but this one has none")
    holder = context.claimer(workflow, source_uuid or "")
    if holder not in (None, event.actor, event.operator):
        raise Divergence(event.seq, f"{where}: {event.actor} sent back a step {holder} had claimed")
    try:
        reopened = return_to(workflow, task, event.task or "", event.seq, what=where)
    except EngineError as exc:
        raise Divergence(event.seq, f"{where} fails when replayed: {exc}") from None
    if str(reopened.id) != event.task_uuid:
        raise Divergence(event.seq, f"{where}: the step reopens as task {reopened.id} by replay, not "
                                    f"{event.task_uuid}")
    return workflow


EVENT_HANDLERS["task-returned"] = _returned


def _comment_added(workflow: Any, event: EventRow, data: Any, context: _Context) -> Any:
    """A remark (`sop comment`): it changes no workflow; it carries its text (and maybe a file), and the task it
    names, if any, is a task of the instance with that BPMN id at that point by replay."""
    from engine.runtime.workflow import task_by_uuid

    where = N_("event {seq} ({event_type}{value1})",
               seq=event.seq, event_type=event.type, value1=' ' + event.task if event.task else '')
    if not isinstance(data, dict) or not isinstance(data.get("text"), str) or not set(data) <= {"text", "file"}:
        raise Divergence(event.seq, f"{where}: a comment carries its text (and a file), but this one does not")
    if (event.task is None) != (event.task_uuid is None):
        raise Divergence(event.seq, f"{where}: it names a task without its UUID, or a UUID without its task")
    if event.task_uuid is not None:
        task = task_by_uuid(workflow, event.task_uuid)
        if task is None or task.task_spec.bpmn_id != event.task:
            raise Divergence(event.seq, f"{where}: task {event.task_uuid} is not task '{event.task}' of the instance "
                                        "at that point by replay")
    return workflow


EVENT_HANDLERS["comment-added"] = _comment_added
