"""Form fields filled from the acting person's roles entry, declared in the form: `"x-sop-default": "person.nip"`.

The paraf and signature forms ask for the name, NIP and position of the official who acts; the roles file holds
them already. A field that declares where its value comes from is filled when the data leaves it out (a value
given wins), before the form is checked, so the history records what was filled."""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping
from typing import Any

KEYWORD = "x-sop-default"
SOURCES = {"person.name": "name", "person.nip": "nip", "person.jabatan": "jabatan", "person.login": "login"}


def default_problems(schema: Any) -> list[str]:
    """Each `x-sop-default` that names no roles field, with its JSON pointer."""
    return [f"'{pointer}': {KEYWORD} {value!r} is not one of {', '.join(SOURCES)}"
            for pointer, value in _declared(schema, "") if value not in SOURCES]


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
    return any(True for _ in _declared(schema, ""))


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
    return str(source) if source in SOURCES else None
