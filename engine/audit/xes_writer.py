"""IEEE XES 1849-2016 XML written piece by piece: the log's head, one trace at a time, the end (a log of 100,000
instances is never held whole). Takes plain values; the service reads them from the store.

Elements are unqualified, as the standard's XML schema declares them (no target namespace); attribute values are
escaped by xml.sax.saxutils and characters XML 1.0 cannot carry are dropped."""

from __future__ import annotations

import re
from typing import IO, NamedTuple
from xml.sax.saxutils import quoteattr

# The standard extensions the log uses, declared in its head: (name, prefix, URI).
EXTENSIONS = (
    ("Concept", "concept", "http://www.xes-standard.org/concept.xesext"),
    ("Time", "time", "http://www.xes-standard.org/time.xesext"),
    ("Lifecycle", "lifecycle", "http://www.xes-standard.org/lifecycle.xesext"),
    ("Organizational", "org", "http://www.xes-standard.org/org.xesext"),
)
COMPLETE = "complete"  # a step completed
ABORTED = "ate_abort"  # a step sent back for revision: its activity instance ended without completing
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_PLAIN = re.compile("[\x20-\x21\x23-\x25\x27-\x3b\x3d\x3f-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]*")


class LoggedEvent(NamedTuple):
    """One event of a trace: the step's name, its time (ISO 8601 with offset), lifecycle transition, the person
    (login) and lane, the task's UUID, the event's number in the instance's chain, and extra text attributes."""

    name: str
    time: str
    transition: str
    resource: str
    role: str | None
    task_uuid: str | None
    seq: int
    extra: tuple[tuple[str, str], ...] = ()


class LoggedCase(NamedTuple):
    """One trace: an instance's number, process, title, status, start (and completion) time, its events, and the
    form fields logged as (XES kind: string, int, float, boolean or date; key; value)."""

    instance: int
    process_id: str
    process_name: str
    title: str
    status: str
    started: str
    completed: str | None
    events: tuple[LoggedEvent, ...]
    fields: tuple[tuple[str, str, str], ...] = ()


def _text(value: str) -> str:
    """A quoted attribute value; most values (times, logins, step names) need no escaping: one regex says so."""
    if _PLAIN.fullmatch(value):
        return f'"{value}"'
    return quoteattr(_NOT_XML.sub("", value))


def _attribute(kind: str, key: str, value: str, indent: str) -> str:
    return f"{indent}<{kind} key={_text(key)} value={_text(value)}/>\n"


class XesWriter:
    """Writes one XES log to a binary file: head(), then case() per trace, then end()."""

    def __init__(self, file: IO[bytes]) -> None:
        self._file = file

    def _write(self, text: str) -> None:
        self._file.write(text.encode("utf-8"))

    def head(self, *, name: str | None) -> None:
        """The XML declaration, the extensions, the global attributes, the classifiers and the log's attributes."""
        parts = ['<?xml version="1.0" encoding="UTF-8"?>\n<log xes.version="1.0" xes.features="">\n']
        parts += [f'  <extension name="{n}" prefix="{p}" uri="{u}"/>\n' for n, p, u in EXTENSIONS]
        parts += ['  <global scope="trace">\n', _attribute("string", "concept:name", "__INVALID__", "    "),
                  '  </global>\n  <global scope="event">\n',
                  _attribute("string", "concept:name", "__INVALID__", "    "),
                  _attribute("date", "time:timestamp", "1970-01-01T00:00:00.000+00:00", "    "),
                  _attribute("string", "lifecycle:transition", COMPLETE, "    "),
                  _attribute("string", "org:resource", "__INVALID__", "    "), "  </global>\n",
                  '  <classifier name="Activity" keys="concept:name"/>\n',
                  '  <classifier name="Activity_and_transition" keys="concept:name lifecycle:transition"/>\n',
                  '  <classifier name="Resource" keys="org:resource"/>\n']
        if name:
            parts.append(_attribute("string", "concept:name", name, "  "))
        parts.append(_attribute("string", "lifecycle:model", "standard", "  "))
        self._write("".join(parts))

    def case(self, case: LoggedCase) -> None:
        """One trace and its events."""
        parts = ["  <trace>\n", _attribute("string", "concept:name", str(case.instance), "    "),
                 _attribute("string", "process", case.process_id, "    "),
                 _attribute("string", "processName", case.process_name, "    ")]
        if case.title:
            parts.append(_attribute("string", "title", case.title, "    "))
        parts += [_attribute("string", "status", case.status, "    "),
                  _attribute("date", "started", case.started, "    ")]
        if case.completed:
            parts.append(_attribute("date", "completed", case.completed, "    "))
        parts += [_attribute(kind, key, value, "    ") for kind, key, value in case.fields]
        for event in case.events:
            parts += ["    <event>\n", _attribute("string", "concept:name", event.name, "      "),
                      _attribute("date", "time:timestamp", event.time, "      "),
                      _attribute("string", "lifecycle:transition", event.transition, "      "),
                      _attribute("string", "org:resource", event.resource, "      ")]
            if event.role:
                parts.append(_attribute("string", "org:role", event.role, "      "))
            if event.task_uuid:
                parts.append(_attribute("string", "concept:instance", event.task_uuid, "      "))
            parts.append(_attribute("int", "seq", str(event.seq), "      "))
            parts += [_attribute("string", key, value, "      ") for key, value in event.extra]
            parts.append("    </event>\n")
        parts.append("  </trace>\n")
        self._write("".join(parts))

    def end(self) -> None:
        """The log's closing tag."""
        self._write("</log>\n")
