"""Where a form field's value comes from, declared in the form with `x-sop-default`.

`"person.nip"`: the acting person's roles entry. The paraf and signature forms ask for the name, NIP and position
of the official who acts; the roles file holds them already. Such a field is filled when the data leaves it out (a
value given wins), before the form is checked, so the history records what was filled.

`{"from": "DraftSurat.perihal"}`: an earlier step's artefact (its step id, then the field's path).
The form starts with that value when it is shown (the web page, `sop form --template`), so nobody retypes what the
record holds; what is submitted is what the person left or changed. Lint and loading check the step and the path."""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping
from typing import Any

KEYWORD = "x-sop-default"
SOURCES = {"person.name": "name", "person.nip": "nip", "person.jabatan": "jabatan", "person.login": "login"}


def default_problems(schema: Any) -> list[str]:
    """Each `x-sop-default` that names neither a roles field nor an earlier step's field, with its JSON pointer."""
    return [f"'{pointer}': {KEYWORD} {value!r} is not one of {', '.join(SOURCES)}, nor "
            "{\"from\": \"STEP.FIELD\"} (a step id, then the path of a field of its form)"
            for pointer, value in _declared(schema, "")
            if not (isinstance(value, str) and value in SOURCES) and record_source(value) is None]


def record_source(value: Any) -> tuple[str, tuple[str, ...]] | None:
    """The step id and field path of a `{"from": "STEP.FIELD.SUB"}` declaration, or None when it is not one."""
    if not isinstance(value, dict) or set(value) != {"from"} or not isinstance(value["from"], str):
        return None
    parts = value["from"].split(".")
    if len(parts) < 2 or not all(parts):
        return None
    return parts[0], tuple(parts[1:])


def record_fields(schema: Any, prefix: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], str, tuple[str, ...]]]:
    """(the field's path in this form, source step, source path) of each field filled from an earlier step."""
    out: list[tuple[tuple[str, ...], str, tuple[str, ...]]] = []
    properties = schema.get("properties") if isinstance(schema, dict) else None
    if not isinstance(properties, dict):
        return out
    for name, prop in properties.items():
        if not isinstance(prop, dict):
            continue
        source = record_source(prop.get(KEYWORD))
        if source is not None:
            out.append(((*prefix, name), *source))
        out += record_fields(prop, (*prefix, name))
    return out


def field_at(schema: Any, path: tuple[str, ...]) -> dict[str, Any] | None:
    """The schema of a form's field by its path through nested objects, or None when the form has no such field."""
    node = schema
    for part in path:
        properties = node.get("properties") if isinstance(node, dict) else None
        node = properties.get(part) if isinstance(properties, dict) else None
        if not isinstance(node, dict):
            return None
    return node if isinstance(node, dict) else None


def source_problems(forms: Mapping[str, tuple[str, Any]], steps: set[str]) -> list[tuple[str, str]]:
    """(step id, message) for each `{"from": ...}` of the steps' forms (forms: step id -> (form label, schema)) that
    names no step of the process with a form, or no field of that step's form."""
    out = []
    for step, (label, schema) in forms.items():
        for field, source, path in record_fields(schema):
            where = f"form {label} field '{'.'.join(field)}' takes its default from '{source}.{'.'.join(path)}'"
            if source == step or source not in steps:
                out.append((step, f"{where}, but '{source}' is not another step of this process; name an earlier "
                                  f"step's id: {', '.join(sorted(s for s in steps if s != step)) or '-'}"))
            elif source not in forms:
                out.append((step, f"{where}, but step '{source}' has no form to take it from"))
            elif field_at(forms[source][1], path) is None:
                out.append((step, f"{where}, but the form of '{source}' has no field '{'.'.join(path)}'; fix the "
                                  "path (field names joined by dots)"))
    return out


def record_defaults(schema: dict[str, Any], record: Mapping[str, Any]) -> dict[str, Any]:
    """The values a form starts with from the record (record: step id -> its artefact): each `{"from": ...}`
    field whose source the record holds, nested as the form nests it."""
    out: dict[str, Any] = {}
    for field, source, path in record_fields(schema):
        value: Any = record.get(source)
        for part in path:
            value = value.get(part) if isinstance(value, dict) else None
        if value is None or isinstance(value, dict | list):
            continue
        target = out
        for part in field[:-1]:
            target = target.setdefault(part, {})
        target[field[-1]] = value
    return out


def _declared(schema: Any, pointer: str) -> Iterator[tuple[str, Any]]:
    if not isinstance(schema, dict):
        return
    if KEYWORD in schema:
        yield pointer or "/", schema[KEYWORD]
    properties = schema.get("properties")
    if isinstance(properties, dict):
        for name, prop in properties.items():
            yield from _declared(prop, f"{pointer}/properties/{name}")
    yield from _declared(schema.get("items"), f"{pointer}/items")


def fill_from_person(schema: dict[str, Any], data: Any, person: Mapping[str, str]) -> Any:
    """A copy of data with each declared field it lacks taken from the person (login, name, nip, jabatan)."""
    if not _fills_anything(schema):
        return data
    return _filled(schema, copy.deepcopy(data), person)


def _fills_anything(schema: Any) -> bool:
    return any(isinstance(value, str) for _, value in _declared(schema, ""))


def _filled(schema: dict[str, Any], data: Any, person: Mapping[str, str]) -> Any:
    properties = schema.get("properties")
    if not isinstance(data, dict) or not isinstance(properties, dict):
        return data
    for name, prop in properties.items():
        if not isinstance(prop, dict):
            continue
        source = SOURCES.get(str(prop.get(KEYWORD)))
        if source is not None and name not in data and person.get(source):
            data[name] = person[source]
        elif prop.get("type") == "object" and _fills_anything(prop):
            inner = data.get(name, {})
            if isinstance(inner, dict):
                data[name] = _filled(prop, inner, person)
    return data


def note(prop: dict[str, Any]) -> str | None:
    """The roles field a property is filled from (for the template's comment), or None."""
    source = prop.get(KEYWORD)
    return source if isinstance(source, str) and source in SOURCES else None


def today_defaults(schema: dict[str, Any], ui: Mapping[str, Any], today: str, values: dict[str, Any]) -> dict[str, Any]:
    """values with each date field the UI schema marks `"ui:default": "today"` set to today (ISO date) where
    values leave it out (nested objects too)."""
    out = dict(values)
    properties = schema.get("properties")
    for name, prop in properties.items() if isinstance(properties, dict) else ():
        field_ui = ui.get(name)
        if not isinstance(prop, dict) or not isinstance(field_ui, Mapping):
            continue
        if field_ui.get("ui:default") == "today" and prop.get("format") == "date" and name not in out:
            out[name] = today
        elif isinstance(prop.get("properties"), dict):
            held = out.get(name)
            inner = today_defaults(prop, field_ui, today, held if isinstance(held, dict) else {})
            if inner:
                out[name] = inner
    return out
