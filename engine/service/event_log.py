"""An event log for process mining (IEEE XES, or OCEL 2.0 JSON): one trace per instance the person may read, one
event per step completed or sent back, read from the chained events a page of instances at a time and written as it
is read."""

from __future__ import annotations

import json
from datetime import date, datetime, tzinfo
from typing import IO, TYPE_CHECKING, Any, NamedTuple

from engine.common.errors import NoProcessError, ValidationError
from engine.common.i18n import N_

if TYPE_CHECKING:
    from collections.abc import Iterator

    from engine.audit.ocel_writer import OcelWriter
    from engine.audit.xes_writer import LoggedCase, LoggedEvent, XesWriter
    from engine.service.context import EngineContext
    from engine.service.event_log_fields import LoggedField
    from engine.store.protocol import EventRow, ListedInstance, Store

PAGE = 500  # instances read per query: memory holds one page of rows and one instance's events at a time
STEP_EVENTS = ("task-completed", "task-returned")
KINDS = ("xes", "ocel")  # IEEE XES 1849-2016 XML; OCEL 2.0 JSON


class EventLogSummary(NamedTuple):
    """What an event log export wrote: the file, how many traces (instances) and events."""

    path: str
    instances: int
    events: int

    def to_json(self) -> dict[str, Any]:
        """{"path", "instances", "events"}."""
        return self._asdict()


def export_event_log(context: EngineContext, path: str, *, process: str | None = None, since: date | None = None,
                     until: date | None = None, kind: str = "xes", fields: tuple[str, ...] = ()) -> EventLogSummary:
    """Write the log (kind: "xes" for IEEE XES, "ocel" for OCEL 2.0 JSON) of the instances the person may read (of
    one process; started from the day `since` to the day `until`, the office's days) to path, through a temporary
    file renamed over it when complete; each trace carries the form fields named (`STEP.FIELD`, as the page's title
    names them) from its data as the step was last completed."""
    from engine.common.atomic_file import atomic_output
    from engine.service.sla_report import day_window

    if kind not in KINDS:
        raise ValidationError("No event log format {kind!r}; give one of {known}", kind=kind, known=", ".join(KINDS))
    if since and until and since > until:
        raise ValidationError("--since {since} is after --until {until}; give a window that ends after it starts; "
                              "nothing was written", since=since.isoformat(), until=until.isoformat())
    store = context.store()  # a missing store is refused here, before the file is touched
    if process is not None:
        _known_process(context, process)
    logged = _fields(context, process, fields)
    start, end = day_window(context.work_clock(), since, until) if since or until else (None, None)
    name = _process_name(context, process) if process else None
    traces = events = 0
    with atomic_output(path, what=N_("the event log")) as file:
        writer = _writer(kind, file)
        writer.head(name=name)
        for case in _cases(context, store, (process, start, end), logged):
            writer.case(case)
            traces += 1
            events += len(case.events)
        writer.end()
    return EventLogSummary(path, traces, events)


def _writer(kind: str, file: IO[bytes]) -> XesWriter | OcelWriter:
    if kind == "ocel":
        from engine.audit.ocel_writer import OcelWriter

        return OcelWriter(file)
    from engine.audit.xes_writer import XesWriter

    return XesWriter(file)


def _known_process(context: EngineContext, process: str) -> None:
    from engine.service.process_service import ProcessService

    known = ProcessService(context).known()
    if process not in known:
        raise NoProcessError("No process '{process_id}' in the definitions or the store; known: {known}; nothing "
                             "was written", process_id=process, known=", ".join(known) or "none")


def _fields(context: EngineContext, process: str | None, names: tuple[str, ...]) -> tuple[LoggedField, ...]:
    """The fields named, checked against the forms of the process logged (of every process when none is named)."""
    if not names:
        return ()
    from engine.service.event_log_fields import logged_fields

    definitions = [d for d in context.catalog().definitions if process is None or d.process_id == process]
    return logged_fields(names, definitions)


def _process_name(context: EngineContext, process: str) -> str:
    for definition in context.catalog().definitions:
        if definition.process_id == process:
            return definition.name
    return process


def _cases(context: EngineContext, store: Store, where: tuple[str | None, str | None, str | None],
           fields: tuple[LoggedField, ...]) -> Iterator[LoggedCase]:
    """Each readable instance as a trace with the fields logged, in number order, read a page at a time (where:
    process, started from, started before)."""
    from engine.service.event_log_fields import field_values
    from engine.service.instance_service import InstanceService
    from engine.service.reading import read_scope
    from engine.store.protocol import InstanceQuery

    if store.schema_version() == 0:
        return
    process, start, end = where
    InstanceService(context).fill_titles()
    zone = context.local_times().zone
    names = _StepNames(store)
    scope = read_scope(context)
    offset = 0
    while True:
        page, _ = store.search_instances(InstanceQuery(process=process, started_from=start, started_until=end,
                                                       sort="id", offset=offset, limit=PAGE, scope=scope))
        for listed in page:
            rows = store.events(listed.id)
            yield _case(listed, rows, names, zone)._replace(fields=field_values(fields, rows, zone))
        if len(page) < PAGE:
            return
        offset += PAGE


class _StepNames:
    """BPMN id -> (name, lane) of each pinned version met, read once per version."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._known: dict[str, dict[str, tuple[str, str | None]]] = {}

    def of(self, version: str) -> dict[str, tuple[str, str | None]]:
        if version not in self._known:
            from engine.audit.records import step_names

            pinned = self._store.get_version(version)
            self._known[version] = step_names(pinned.spec) if pinned is not None else {}
        return self._known[version]


def _local(moment: str, zone: tzinfo) -> str:
    """A stored UTC time in the office's zone with its offset, to the millisecond."""
    return datetime.fromisoformat(moment).astimezone(zone).isoformat(timespec="milliseconds")


def _case(listed: ListedInstance, rows: list[EventRow], names: _StepNames, zone: tzinfo) -> LoggedCase:
    from engine.audit.xes_writer import LoggedCase

    completed = next((e.time for e in reversed(rows) if e.type == "instance-completed"), None)
    steps = tuple(_event(e, names.of(e.version), zone) for e in rows if e.type in STEP_EVENTS)
    return LoggedCase(listed.id, listed.process_id, listed.process_name, listed.title or "", listed.status,
                      _local(listed.started_at, zone), _local(completed, zone) if completed else None, steps)


def _event(row: EventRow, steps: dict[str, tuple[str, str | None]], zone: tzinfo) -> LoggedEvent:
    """A completion as `complete` on its step; a return as `ate_abort` on the step that sent it back, naming the
    step it went back to and the reason."""
    from engine.audit.xes_writer import ABORTED, COMPLETE, LoggedEvent

    task = row.task or ""
    if row.type == "task-completed":
        name, lane = steps.get(task, (task, None))
        return LoggedEvent(name, _local(row.time, zone), COMPLETE, row.actor, lane, row.task_uuid, row.seq)
    try:
        data = json.loads(row.data)
    except ValueError:
        data = {}
    data = data if isinstance(data, dict) else {}
    source = str(data.get("from", ""))
    name, lane = steps.get(source, (source, None))
    extra = (("returnedTo", steps.get(task, (task, None))[0]), ("reason", str(data.get("reason", ""))))
    uuid = data.get("from_task")
    return LoggedEvent(name, _local(row.time, zone), ABORTED, row.actor, lane, uuid if isinstance(uuid, str) else None,
                       row.seq, extra)
