"""OCEL 2.0 JSON (object-centric event log) written piece by piece: each event as it is read, related to its
instance, its person and its lane; the instances as objects spooled to a temporary file and copied in at the end
with the people, lanes and types met (those are few), so memory holds one instance at a time."""

from __future__ import annotations

import json
import shutil
import tempfile
from typing import IO, Any

from engine.audit.xes_writer import LoggedCase, LoggedEvent

EPOCH = "1970-01-01T00:00:00Z"  # OCEL 2.0's time for an object attribute that does not change
INSTANCE_ATTRIBUTES = (("process", "string"), ("processName", "string"), ("title", "string"), ("status", "string"),
                       ("started", "time"), ("completed", "time"))
FIELD_TYPES = {"string": "string", "int": "integer", "float": "float", "boolean": "boolean", "date": "time"}
EVENT_ATTRIBUTES = (("lifecycle", "string"), ("seq", "integer"), ("task", "string"), ("returnedTo", "string"),
                    ("reason", "string"))


def _json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8", "replace")


def _field_value(kind: str, value: str) -> Any:
    """A form field's value as OCEL 2.0 JSON holds it: numbers and Ya/Tidak as JSON values, the rest as text."""
    if kind == "int":
        return int(value)
    if kind == "float":
        return float(value)
    if kind == "boolean":
        return value == "true"
    return value


class OcelWriter:
    """Writes one OCEL 2.0 JSON log to a binary file: head(), then case() per instance, then end()."""

    def __init__(self, file: IO[bytes]) -> None:
        self._file = file
        self._spool: IO[bytes] = tempfile.TemporaryFile()  # closed in end(); anonymous: gone with the process
        self._people: dict[str, None] = {}
        self._lanes: dict[str, None] = {}
        self._activities: dict[str, None] = {}
        self._fields: dict[str, str] = {}  # the form fields met on the instances: key -> OCEL type
        self._events = 0
        self._objects = 0

    def head(self, *, name: str | None) -> None:
        """The log's opening (OCEL 2.0 has no log name: `name` is not written)."""
        del name
        self._file.write(b'{"events":[')

    def case(self, case: LoggedCase) -> None:
        """The instance's events now; the instance itself to the spool."""
        instance = f"instance-{case.instance}"
        for event in case.events:
            self._file.write((b",\n" if self._events else b"\n") + _json(self._event(instance, case.instance, event)))
            self._events += 1
        values = (case.process_id, case.process_name, case.title, case.status, case.started, case.completed)
        attributes = [{"name": key, "time": EPOCH, "value": value}
                      for (key, _), value in zip(INSTANCE_ATTRIBUTES, values, strict=True) if value]
        for kind, key, value in case.fields:
            self._fields.setdefault(key, FIELD_TYPES[kind])
            attributes.append({"name": key, "time": EPOCH, "value": _field_value(kind, value)})
        self._spool.write((b",\n" if self._objects else b"\n") +
                          _json({"id": instance, "type": "Instance", "attributes": attributes}))
        self._objects += 1

    def _event(self, instance: str, number: int, event: LoggedEvent) -> dict[str, Any]:
        self._activities[event.name] = None
        self._people[event.resource] = None
        relationships = [{"objectId": instance, "qualifier": "instance"},
                         {"objectId": f"person-{event.resource}", "qualifier": "resource"}]
        if event.role:
            self._lanes[event.role] = None
            relationships.append({"objectId": f"lane-{event.role}", "qualifier": "role"})
        attributes: list[dict[str, Any]] = [{"name": "lifecycle", "value": event.transition},
                                            {"name": "seq", "value": event.seq}]
        if event.task_uuid:
            attributes.append({"name": "task", "value": event.task_uuid})
        attributes += [{"name": key, "value": value} for key, value in event.extra]
        return {"id": f"{number}-{event.seq}", "type": event.name, "time": event.time, "attributes": attributes,
                "relationships": relationships}

    def end(self) -> None:
        """The instances (from the spool), the people and lanes, and the object and event types."""
        file = self._file
        file.write(b'\n],"objects":[')
        self._spool.seek(0)
        shutil.copyfileobj(self._spool, file)
        self._spool.close()
        others = [{"id": f"person-{login}", "type": "Person", "attributes": [{"name": "login", "time": EPOCH,
                                                                            "value": login}]}
                  for login in self._people]
        others += [{"id": f"lane-{lane}", "type": "Lane", "attributes": [{"name": "name", "time": EPOCH,
                                                                          "value": lane}]}
                   for lane in self._lanes]
        for item in others:
            file.write((b",\n" if self._objects else b"\n") + _json(item))
            self._objects += 1
        event_types = [{"name": name, "attributes": [{"name": k, "type": t} for k, t in EVENT_ATTRIBUTES]}
                       for name in self._activities]
        instance = [*INSTANCE_ATTRIBUTES, *self._fields.items()]
        object_types = [{"name": "Instance", "attributes": [{"name": k, "type": t} for k, t in instance]},
                        {"name": "Person", "attributes": [{"name": "login", "type": "string"}]},
                        {"name": "Lane", "attributes": [{"name": "name", "type": "string"}]}]
        file.write(b'\n],"eventTypes":' + _json(event_types) + b',"objectTypes":' + _json(object_types) + b"}\n")
