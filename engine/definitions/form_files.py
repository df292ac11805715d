"""File fields of a form: a top-level property (or the items of an array property) with `contentMediaType` and
`"x-sop-file": {"accept": [media types], "max_size": bytes}`; its value is the stored file's
`{name, media_type, size, sha256}`, which the form checks against the shape built here."""

from __future__ import annotations

import re
from typing import Any, NamedTuple

KEYWORD = "x-sop-file"
# The largest file a form may accept (and the default when it names none): 2 GiB.
MAX_SIZE_LIMIT = 2 * 1024**3
_MEDIA_TYPE = re.compile(r"^[a-z0-9][a-z0-9!#$&^_.+-]*/[a-z0-9][a-z0-9!#$&^_.+-]*$")
SHA256 = re.compile(r"^[0-9a-f]{64}$")
VALUE_KEYS = frozenset(("name", "media_type", "size", "sha256"))


class FileField(NamedTuple):
    """What a file field accepts: media types, the largest size in bytes, and whether it holds a list."""

    name: str
    accept: tuple[str, ...]
    max_size: int
    many: bool
    max_items: int | None = None


def _file_schema(prop: Any) -> dict[str, Any] | None:
    """The schema declaring one file: the property itself, or its items when it is a list of files."""
    if not isinstance(prop, dict):
        return None
    if KEYWORD in prop:
        return prop
    items = prop.get("items")
    if prop.get("type") == "array" and isinstance(items, dict) and KEYWORD in items:
        return items
    return None


def _spec(declared: dict[str, Any]) -> tuple[tuple[str, ...], int]:
    raw = declared.get(KEYWORD)
    spec: dict[str, Any] = raw if isinstance(raw, dict) else {}
    accept = spec.get("accept")
    if not isinstance(accept, list) or not accept:
        accept = [declared.get("contentMediaType")]
    size = spec.get("max_size", MAX_SIZE_LIMIT)
    return tuple(str(a) for a in accept), int(size) if isinstance(size, int) else MAX_SIZE_LIMIT


def file_fields(schema: Any) -> dict[str, FileField]:
    """The form's file fields by property name (none for a form without them)."""
    props = schema.get("properties") if isinstance(schema, dict) else None
    if not isinstance(props, dict):
        return {}
    out = {}
    for name, prop in props.items():
        declared = _file_schema(prop)
        if declared is not None:
            accept, size = _spec(declared)
            many = declared is not prop
            limit = prop.get("maxItems") if many else None
            out[name] = FileField(name, accept, size, many, limit if isinstance(limit, int) else None)
    return out


def file_field_problems(schema: Any) -> list[str]:
    """What is wrong with the form's file fields: the keyword's shape, and file fields anywhere but the top."""
    problems = []
    allowed = set()
    props = schema.get("properties") if isinstance(schema, dict) else None
    for name, prop in props.items() if isinstance(props, dict) else []:
        declared = _file_schema(prop)
        if declared is not None:
            allowed.add(id(declared))
            problems += [f"'/properties/{name}': {p}" for p in _declared_problems(declared)]
    for pointer, node in _walk(schema, ""):
        if KEYWORD in node and id(node) not in allowed:
            problems.append(f"'{pointer or '/'}': {KEYWORD} is allowed only on a top-level property or its items; "
                            "move the file field to the top of the form")
    return problems


def _walk(schema: Any, pointer: str) -> list[tuple[str, dict[str, Any]]]:
    """Every object schema below schema with its JSON pointer (properties and items)."""
    if not isinstance(schema, dict):
        return []
    out = [(pointer, schema)]
    props = schema.get("properties")
    for name, prop in props.items() if isinstance(props, dict) else []:
        out += _walk(prop, f"{pointer}/properties/{name}")
    out += _walk(schema.get("items"), f"{pointer}/items")
    return out


def _declared_problems(declared: dict[str, Any]) -> list[str]:
    spec = declared.get(KEYWORD)
    media = declared.get("contentMediaType")
    if not isinstance(spec, dict):
        return [f"{KEYWORD} must be an object such as {{\"accept\": [\"application/pdf\"], \"max_size\": 20000000}}"]
    problems = []
    unknown = sorted(set(spec) - {"accept", "max_size"})
    if unknown:
        problems.append(f"{KEYWORD} has unknown key(s) {', '.join(unknown)}; it knows accept and max_size")
    if not isinstance(media, str) or not _MEDIA_TYPE.match(media):
        problems.append("a file field needs contentMediaType, a media type such as application/pdf")
    accept = spec.get("accept", [media])
    if not isinstance(accept, list) or not accept or not all(isinstance(a, str) and _MEDIA_TYPE.match(a)
                                                             for a in accept):
        problems.append(f"{KEYWORD} accept must be a list of media types such as [\"application/pdf\", "
                        "\"image/png\"]")
    elif isinstance(media, str) and media not in accept:
        problems.append(f"contentMediaType {media} is not among {KEYWORD} accept ({', '.join(accept)})")
    size = spec.get("max_size", MAX_SIZE_LIMIT)
    if isinstance(size, bool) or not isinstance(size, int) or not 1 <= size <= MAX_SIZE_LIMIT:
        problems.append(f"{KEYWORD} max_size must be a whole number of bytes from 1 to {MAX_SIZE_LIMIT}")
    return problems


def value_shape(field: FileField) -> dict[str, Any]:
    """The JSON Schema of one stored file's value in this field."""
    return {"type": "object", "required": sorted(VALUE_KEYS), "additionalProperties": False, "properties": {
        "name": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": r"^[^/\\\x00]+$"},
        "media_type": {"enum": list(field.accept)},
        "size": {"type": "integer", "minimum": 0, "maximum": field.max_size},
        "sha256": {"type": "string", "pattern": SHA256.pattern}}}


def with_file_shapes(schema: dict[str, Any]) -> dict[str, Any]:
    """The schema as validated: each file field must hold the value shape of a stored file (or a list of them)."""
    fields = file_fields(schema)
    if not fields:
        return schema
    props = dict(schema["properties"])
    for name, field in fields.items():
        prop = dict(props[name])
        if field.many:
            items = dict(prop["items"])
            items["allOf"] = [*items.get("allOf", []), value_shape(field)]
            prop["items"] = items
            prop.setdefault("type", "array")
        else:
            prop["allOf"] = [*prop.get("allOf", []), value_shape(field)]
        props[name] = prop
    return {**schema, "properties": props}


def is_file_value(value: Any) -> bool:
    """True for an object shaped like a stored file's value."""
    return isinstance(value, dict) and set(value) == VALUE_KEYS and isinstance(value.get("sha256"), str) \
        and bool(SHA256.match(value["sha256"]))


def file_values(data: Any) -> list[tuple[str, int, dict[str, Any]]]:
    """Every stored file an artefact names: (field, position in a list or 0, value), by field then position."""
    out: list[tuple[str, int, dict[str, Any]]] = []
    if not isinstance(data, dict):
        return out
    for name, value in data.items():
        if is_file_value(value):
            out.append((str(name), 0, value))
        elif isinstance(value, list):
            out += [(str(name), i, item) for i, item in enumerate(value) if is_file_value(item)]
    return out
