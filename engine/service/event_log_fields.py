"""The form fields an event log carries on each trace (`sop export --xes FILE --field STEP.FIELD`): named as the
page's title template names them (a step's BPMN id, then the field, nested fields by dots), checked against the
processes' forms, and read from each instance's data as its step was last completed."""

from __future__ import annotations

import json
from datetime import date, datetime, time, tzinfo
from typing import TYPE_CHECKING, Any, NamedTuple

from engine.common.errors import ValidationError
from engine.common.i18n import N_

if TYPE_CHECKING:
    from engine.definitions.version import Definition
    from engine.store.protocol import EventRow

# A form field's JSON Schema type (and format) -> the XES attribute it is written as.
STRING, INT, FLOAT, BOOLEAN, DATE = "string", "int", "float", "boolean", "date"
_KINDS = {"string": STRING, "integer": INT, "number": FLOAT, "boolean": BOOLEAN}
_DATE_FORMATS = ("date", "date-time")


class LoggedField(NamedTuple):
    """A field the log carries: as written on the command line, its step, its path in the step's data, its kind."""

    name: str
    step: str
    path: tuple[str, ...]
    kind: str


def logged_fields(names: tuple[str, ...], definitions: list[Definition]) -> tuple[LoggedField, ...]:
    """Each `STEP.FIELD` checked against the forms of the processes logged: a field of text, a number, a date or
    Ya/Tidak of one of them; anything else is refused naming what there is (nothing is written)."""
    found: dict[str, LoggedField] = {}
    for name in names:
        if name not in found:
            found[name] = _field(name, definitions)
    return tuple(found.values())


def _field(name: str, definitions: list[Definition]) -> LoggedField:
    step, _, rest = name.strip().partition(".")
    path = tuple(rest.split(".")) if rest else ()
    schemas = [_schema(d, form) for d in definitions if (form := _form_of(d, step))]
    if not schemas:
        steps = sorted({s.bpmn_id for d in definitions for s in d.steps if s.form})
        raise ValidationError("--field {name}: no step '{step}' with a form in the processes logged; give STEP.FIELD "
                              "as the page's title names it, e.g. {example}; steps: {steps}; nothing was written",
                              name=name, step=step, example=f"{steps[0]}.FIELD" if steps else "Step.FIELD",
                              steps=", ".join(steps) or N_("none"))
    if not path:
        raise ValidationError("--field {name}: give a field of step '{step}''s form after a dot, e.g. {step}.FIELD; "
                              "its fields: {fields}; nothing was written", name=name, step=step,
                              fields=", ".join(sorted(schemas[0].get("properties") or {})) or N_("none"))
    part, there = "", list[str]()
    for schema in schemas:
        kind, part, there = _kind(schema, path)
        if kind is not None:
            return LoggedField(name, step, path, kind)
    if part not in there:
        raise ValidationError("--field {name}: '{part}' is no field of step '{step}''s form; its fields: {fields}; "
                              "nothing was written", name=name, part=part, step=step,
                              fields=", ".join(there) or N_("none"))
    raise ValidationError("--field {name}: '{part}' holds a list, a group of fields or a file; give a field of text, "
                          "a number, a date or Ya/Tidak; nothing was written", name=name, part=part)


def _form_of(definition: Definition, step: str) -> str | None:
    found = definition.step(step)
    return found.form if found is not None else None


def _schema(definition: Definition, form: str) -> dict[str, Any]:
    try:
        schema = json.loads(definition.bundle["forms"][form])
    except (KeyError, TypeError, ValueError):
        return {}
    return schema if isinstance(schema, dict) else {}


def _kind(schema: dict[str, Any], path: tuple[str, ...]) -> tuple[str | None, str, list[str]]:
    """The XES kind of the value at a path of a form, or None with the part that fails and the fields beside it
    (the part among them when it is a field that holds no single value)."""
    node: Any = schema
    there: list[str] = []
    for part in path:
        properties = node.get("properties") if isinstance(node, dict) else None
        there = sorted(properties) if isinstance(properties, dict) else []
        if not isinstance(properties, dict) or part not in properties:
            return None, part, there
        node = properties[part]
    if isinstance(node, dict) and node.get("type") == "string" and node.get("format") in _DATE_FORMATS:
        return DATE, path[-1], there
    kind = _KINDS.get(str(node.get("type"))) if isinstance(node, dict) else None
    return kind, path[-1], there


def field_values(fields: tuple[LoggedField, ...], rows: list[EventRow],
                 zone: tzinfo) -> tuple[tuple[str, str, str], ...]:
    """(kind, key, value) of each field an instance's data holds, as its step was last completed; a value that does
    not fit its form's type (a form changed between versions) is written as text."""
    if not fields:
        return ()
    last: dict[str, Any] = {}
    for row in rows:
        if row.type == "task-completed" and row.task:
            last[row.task] = row.data
    out = []
    for field in fields:
        if field.step not in last:
            continue
        try:
            node: Any = json.loads(last[field.step])
        except ValueError:
            continue
        for part in field.path:
            node = node.get(part) if isinstance(node, dict) else None
        written = _written(field.kind, node, zone)
        if written is not None:
            out.append((written[0], field.name, written[1]))
    return tuple(out)


def _written(kind: str, value: Any, zone: tzinfo) -> tuple[str, str] | None:
    """A value as an XES attribute (kind, text), None when there is none."""
    if value is None or isinstance(value, dict | list):
        return None
    if kind == BOOLEAN and isinstance(value, bool):
        return BOOLEAN, "true" if value else "false"
    if kind == INT and isinstance(value, int) and not isinstance(value, bool):
        return INT, str(value)
    if kind == FLOAT and isinstance(value, int | float) and not isinstance(value, bool):
        return FLOAT, repr(float(value))
    if kind == DATE and isinstance(value, str):
        moment = _moment(value, zone)
        if moment is not None:
            return DATE, moment
    if isinstance(value, bool):
        return STRING, "Ya" if value else "Tidak"
    return STRING, str(value)


def _moment(text: str, zone: tzinfo) -> str | None:
    """A form's date (its day's midnight in the office's zone) or date-time, with its offset, to the millisecond."""
    try:
        if len(text) == 10:
            moment = datetime.combine(date.fromisoformat(text), time(0), zone)
        else:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
            moment = moment.astimezone(zone) if moment.tzinfo else moment.replace(tzinfo=zone)
    except ValueError:
        return None
    return moment.isoformat(timespec="milliseconds")
