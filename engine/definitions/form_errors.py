"""A form's violations in words people understand: the field's title and path, what was expected, what was given."""

from __future__ import annotations

import difflib
import json
import re
from typing import Any

from jsonschema.exceptions import ValidationError as SchemaViolation

_REQUIRED = re.compile(r"^'(.+)' is a required property$")
_KINDS = {"string": "text", "integer": "a whole number", "number": "a number", "boolean": "true or false",
          "array": "a list", "object": "a group of fields", "null": "nothing (null)"}
_FORMATS = {
    "date": "a date as YYYY-MM-DD, e.g. 2026-12-03",
    "date-time": "a date and time as YYYY-MM-DDTHH:MM:SS+07:00, e.g. 2026-12-03T09:30:00+07:00",
    "time": "a time as HH:MM:SS, e.g. 09:30:00",
    "email": "an e-mail address, e.g. nama@bangka.go.id",
    "uri": "an address such as https://bangka.go.id",
    "ipv4": "an IPv4 address, e.g. 10.10.1.20",
    "ipv6": "an IPv6 address",
}


def field_path(parts: Any) -> str:
    """A field path as `--set` takes it: pengirim.nama, lampiran.0 (the top of the form is `(top)`)."""
    return ".".join(str(part) for part in parts) or "(top)"


def shown(value: Any, width: int = 60) -> str:
    """A given value as JSON text, shortened for a message."""
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= width else text[: width - 1] + "…"


def describe(error: SchemaViolation) -> list[tuple[str, str]]:
    """One violation as (path, line) pairs, the line `Title (path): sentence` (or `path: sentence` without a
    title); an object with several unknown fields gives one pair each."""
    parts = list(error.absolute_path)
    schema = error.schema if isinstance(error.schema, dict) else {}
    kind, expected, value = error.validator, error.validator_value, error.instance
    if kind == "required":
        named = _REQUIRED.match(error.message)  # jsonschema reports one missing field per error, by name
        name = named.group(1) if named else next((n for n in expected if n not in (value or {})), "?")
        properties = schema.get("properties")
        field = properties.get(name) if isinstance(properties, dict) else None
        return [_line([*parts, name], field, "is required; fill it in")]
    if kind == "additionalProperties" and isinstance(value, dict):
        known = list(schema.get("properties") or {})
        out = []
        for name in value:
            if name in known or not isinstance(name, str):
                continue
            close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
            hint = f"; did you mean '{close[0]}'?" if close else f"; the fields here are: {', '.join(known)}"
            out.append(_line([*parts, name], None, f"is not a field of this form{hint}"))
        return out or [_line(parts, None, error.message)]
    return [_line(parts, schema, _sentence(kind, expected, value, schema, error.message))]


def _line(parts: list[Any], schema: Any, sentence: str) -> tuple[str, str]:
    """(path, `Title (path): sentence`), the title from the field's schema when the form gives one."""
    path = field_path(parts)
    title = schema.get("title") if isinstance(schema, dict) else None
    if isinstance(title, str) and title.strip():
        return path, f"{' '.join(title.split())} ({path}): {sentence}"
    return path, f"{path}: {sentence}"


def _sentence(kind: str, expected: Any, value: Any, schema: dict[str, Any], fallback: str) -> str:
    given = f"; given {shown(value)}"
    if kind == "type":
        kinds = [expected] if isinstance(expected, str) else list(expected)
        return "expected " + " or ".join(_KINDS.get(k, k) for k in kinds) + given
    if kind == "format":
        return "expected " + _FORMATS.get(str(expected), f"the format {expected}") + given
    if kind == "enum":
        return "expected one of: " + ", ".join(shown(choice) for choice in expected) + given
    if kind == "const":
        return f"must be {shown(expected)}" + given
    if kind == "pattern":
        hint = schema.get("description")
        return ("does not have the expected form" + (f" ({hint})" if isinstance(hint, str) and hint else
                                                     f" (pattern {expected})")) + given
    if kind == "minLength":
        return ("must not be empty" if expected == 1 else f"needs at least {expected} characters") + given
    if kind == "maxLength":
        return f"may have at most {expected} characters; given {len(value)}"
    if kind in ("minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum"):
        words = {"minimum": "at least", "exclusiveMinimum": "more than", "maximum": "at most",
                 "exclusiveMaximum": "less than"}[kind]
        return f"must be {words} {expected}" + given
    if kind == "minItems":
        return f"needs at least {expected} item(s); given {len(value)}"
    if kind == "maxItems":
        return f"may have at most {expected} item(s); given {len(value)}"
    if kind == "uniqueItems":
        return "has the same item twice; give each once"
    return fallback
