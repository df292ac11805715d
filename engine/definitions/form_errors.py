"""A form's violations in words people understand: the field's title and path, what was expected, what was given."""

from __future__ import annotations

import difflib
import json
import re
from typing import Any

from jsonschema.exceptions import ValidationError as SchemaViolation

from engine.common.i18n import N_
from engine.common.messages import Message

_REQUIRED = re.compile(r"^'(.+)' is a required property$")
_KINDS = {"string": N_("text"), "integer": N_("a whole number"), "number": N_("a number"),
          "boolean": N_("true or false"), "array": N_("a list"), "object": N_("a group of fields"),
          "null": N_("nothing (null)")}
_FORMATS = {
    "date": N_("a date as YYYY-MM-DD, e.g. 2026-12-03"),
    "date-time": N_("a date and time as YYYY-MM-DDTHH:MM:SS+07:00, e.g. 2026-12-03T09:30:00+07:00"),
    "time": N_("a time as HH:MM:SS, e.g. 09:30:00"),
    "email": N_("an e-mail address, e.g. nama@bangka.go.id"),
    "uri": N_("an address such as https://bangka.go.id"),
    "ipv4": N_("an IPv4 address, e.g. 10.10.1.20"),
    "ipv6": N_("an IPv6 address"),
}


# The bounds a value breaks, each as its sentence (a template filled by N_; one catalog entry each).
_BOUNDS = {
    "minimum": N_("must be at least {expected}; given {given}"),
    "exclusiveMinimum": N_("must be more than {expected}; given {given}"),
    "maximum": N_("must be at most {expected}; given {given}"),
    "exclusiveMaximum": N_("must be less than {expected}; given {given}"),
    "maxLength": N_("may have at most {expected} characters; given {count}"),
    "minItems": N_("needs at least {expected} item(s); given {count}"),
    "maxItems": N_("may have at most {expected} item(s); given {count}"),
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
        return [_line([*parts, name], field, N_("is required; fill it in"))]
    if kind == "additionalProperties" and isinstance(value, dict):
        known = list(schema.get("properties") or {})
        out = []
        for name in value:
            if name in known or not isinstance(name, str):
                continue
            close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
            if close:
                out.append(_line([*parts, name], None, N_("is not a field of this form; did you mean '{close}'?",
                                                          close=close[0])))
            else:
                fields = ", ".join(known)
                sentence = N_("is not a field of this form; the fields here are: {fields}", fields=fields)
                out.append(_line([*parts, name], None, sentence))
        return out or [_line(parts, None, error.message)]
    return [_line(parts, schema, _sentence(kind, expected, value, schema, error.message))]


def _line(parts: list[Any], schema: Any, sentence: str) -> tuple[str, str]:
    """(path, `Title (path): sentence`), the title from the field's schema when the form gives one."""
    path = field_path(parts)
    title = schema.get("title") if isinstance(schema, dict) else None
    if isinstance(title, str) and title.strip():
        title = " ".join(title.split())
        return path, N_("{title} ({path}): {sentence}", title=title, path=path, sentence=sentence)
    return path, N_("{path}: {sentence}", path=path, sentence=sentence)


def _either(words: list[str]) -> str:
    """`text`, or `text | a number`: each word a catalog entry of its own."""
    out = words[0]
    for word in words[1:]:  # a union of types is rare: the words stay apart, each translated
        out = Message("{kinds} | {kind}", kinds=out, kind=word)
    return out


def pattern_words(schema: Any) -> str | None:
    """What a field's pattern asks for in words (`x-sop-pattern-words`, a catalog entry when sop wrote it: shown in
    the reader's language), or None when the form gives none."""
    said = schema.get("x-sop-pattern-words") if isinstance(schema, dict) else None
    return Message(" ".join(said.split())) if isinstance(said, str) and said.strip() else None


def _sentence(kind: str, expected: Any, value: Any, schema: dict[str, Any], fallback: str) -> str:
    given = shown(value)
    if kind == "type":
        kinds = _either([_KINDS.get(k, k) for k in ([expected] if isinstance(expected, str) else list(expected))])
        return N_("expected {kinds}; given {given}", kinds=kinds, given=given)
    if kind == "format":
        form = _FORMATS.get(str(expected)) or N_("the format {expected}", expected=expected)
        return N_("expected {form}; given {given}", form=form, given=given)
    if kind == "enum":
        choices = ", ".join(shown(choice) for choice in expected)
        return N_("expected one of: {choices}; given {given}", choices=choices, given=given)
    if kind == "const" and isinstance(expected, bool):  # a box that must be ticked: officials read ya/tidak
        if expected:
            return N_("must be true; given {given}", given=given)
        return N_("must be false; given {given}", given=given)
    if kind == "const":
        wanted = shown(expected)
        return N_("must be {wanted}; given {given}", wanted=wanted, given=given)
    if kind == "pattern":  # never the regex: officials read the pattern's words, the field's help, or a phrase
        said = pattern_words(schema)
        if said:
            return N_("must consist of {words}; given {given}", words=said, given=given)
        hint = schema.get("description")
        if isinstance(hint, str) and hint.strip():
            return N_("does not have the expected form ({hint}); given {given}", hint=hint, given=given)
        return N_("does not have the expected form; given {given}", given=given)
    if kind == "minLength":
        if expected == 1:
            return N_("must not be empty; given {given}", given=given)
        return N_("needs at least {expected} characters; given {given}", expected=expected, given=given)
    if kind in _BOUNDS:
        count = len(value) if isinstance(value, str | list) else ""
        return N_(_BOUNDS[kind], expected=expected, given=given, count=count)
    if kind == "uniqueItems":
        return N_("has the same item twice; give each once")
    return fallback
