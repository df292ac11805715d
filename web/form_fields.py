"""A step's pinned JSON Schema form as the fields of a plain HTML form (no JavaScript): objects as fieldsets,
arrays as rows, enums as choices, booleans as checkboxes, dates as date inputs, file fields as file inputs; the
UI schema (RJSF conventions: ui:order, ui:widget, ui:help, ui:placeholder, ui:title) shapes them. Input names are
the dotted paths `sop complete --set` takes (`kontak.email`, `titik_koneksi.0.ip_address`)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, NamedTuple

from .words import N_, fixed_text, translate, words

ROWS = "_rows."  # the hidden input holding an array's row count: `_rows.titik_koneksi`
MAX_ROWS = 200  # rows one array may show (a posted count above it is cut: nobody types 200 rows by hand)
_TEXTAREA_FROM = 500  # a string field allowing this many characters or more is a text area


class Field(NamedTuple):
    """One field as a template draws it: an input, a fieldset (object), rows (array) or a file input."""

    path: str
    kind: str  # text textarea number date email url select radio checkbox hidden object array row file files
    label: str
    help: str = ""
    placeholder: str = ""
    required: bool = False
    value: str = ""
    choices: tuple[tuple[str, str], ...] = ()
    children: tuple[Field, ...] = ()
    errors: tuple[str, ...] = ()
    accept: str = ""
    filled_from: str = ""
    min_rows: int = 0
    max_rows: int = MAX_ROWS
    chosen: tuple[str, ...] = ()  # a file field: the names of the files chosen in a refused post

    @property
    def dom_id(self) -> str:
        """The element id of the input (`f-kontak-email`): label for= and aria-describedby point at it."""
        return "f-" + self.path.replace(".", "-")


def as_dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def kinds_of(schema: dict[str, Any]) -> list[str]:
    kind = schema.get("type")
    return [kind] if isinstance(kind, str) else [k for k in kind if isinstance(k, str)] if isinstance(kind, list) \
        else []


def is_file(schema: dict[str, Any]) -> bool:
    """A file field (contentMediaType with x-sop-file), or a list of them."""
    return "x-sop-file" in schema or "x-sop-file" in as_dict(schema.get("items"))


def ordered(properties: dict[str, Any], ui: dict[str, Any]) -> list[str]:
    """The property names in the UI schema's `ui:order`, else as the form lists them (the engine's rule, which the
    documents drawn from the record follow too)."""
    from engine import form_order

    return form_order(properties, ui)


def choice_value(value: Any) -> str:
    """An enum value as the text an option posts: strings as they are, other values as JSON (as --set types them)."""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def text_of(value: Any) -> str:
    """A stored value as the text of its input."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def row_count(path: str, values: Mapping[str, str], rows: Mapping[str, int], least: int) -> int:
    """An array's rows: the count posted for it, else as many as the values name, at least `least`."""
    if path in rows:
        return max(0, min(rows[path], MAX_ROWS))
    prefix = path + "."
    indexes = [k[len(prefix):].split(".", 1)[0] for k in values if k.startswith(prefix)]
    found = [int(i) for i in indexes if i.isdigit() and len(i) < 4]
    return max(least, min(max(found) + 1, MAX_ROWS) if found else 0)


class FormFields:
    """Builds the field tree of one form from its schema and UI schema, given the values and rows to show."""

    def __init__(self, schema: dict[str, Any], ui: dict[str, Any] | None = None) -> None:
        self.schema = schema
        self.ui = ui or {}

    def fields(self, values: Mapping[str, str], rows: Mapping[str, int],
               errors: Mapping[str, list[str]] | None = None,
               chosen: Mapping[str, list[str]] | None = None) -> tuple[Field, ...]:
        """The top-level fields with the values and problems to show (chosen: file names chosen, by field)."""
        self._values, self._rows, self._errors, self._chosen = values, rows, errors or {}, chosen or {}
        return self._object_fields(self.schema, self.ui, "")

    def paths(self, values: Mapping[str, str], rows: Mapping[str, int]) -> set[str]:
        """Every path the form shows with these rows (objects, arrays and rows too): where a problem can go."""
        found: set[str] = set()

        def walk(items: tuple[Field, ...]) -> None:
            for item in items:
                found.add(item.path)
                walk(item.children)

        walk(self.fields(values, rows))
        return found

    def _object_fields(self, schema: dict[str, Any], ui: dict[str, Any], prefix: str) -> tuple[Field, ...]:
        properties = as_dict(schema.get("properties"))
        required = set(schema.get("required") or [])
        out = []
        for name in ordered(properties, ui):
            prop = properties[name]
            if isinstance(prop, dict):
                path = f"{prefix}{name}"
                out.append(self._field(prop, as_dict(ui.get(name)), path, name in required, name))
        return tuple(out)

    def _field(self, schema: dict[str, Any], ui: dict[str, Any], path: str, required: bool, name: str) -> Field:
        label = str(ui.get("ui:title") or schema.get("title") or name)
        helps = [str(x) for x in (ui.get("ui:description") or schema.get("description"), ui.get("ui:help"))
                 if isinstance(x, str) and x.strip()]
        helps += pattern_help(schema, bool(helps))
        base = Field(path, "text", " ".join(label.split()), " - ".join(helps),
                     str(ui.get("ui:placeholder") or ""), required, errors=tuple(self._errors.get(path, ())))
        kinds = kinds_of(schema)
        if is_file(schema) and "." not in path:
            return self._file(base, schema)._replace(chosen=tuple(self._chosen.get(path, ())))
        if "object" in kinds and isinstance(schema.get("properties"), dict):
            return base._replace(kind="object", children=self._object_fields(schema, ui, path + "."))
        if "array" in kinds and isinstance(schema.get("items"), dict):
            return self._array(base, schema, ui)
        value = self._values.get(path, "")
        source = schema.get("x-sop-default")
        if isinstance(source, str) and source.startswith("person."):
            base = base._replace(filled_from=source.removeprefix("person."))
        if "enum" in schema and isinstance(schema["enum"], list):
            widget = "radio" if ui.get("ui:widget") == "radio" else "select"
            choices = tuple((choice_value(v), text_of(v)) for v in schema["enum"])
            return base._replace(kind=widget, choices=choices, value=value)
        if "boolean" in kinds:
            return base._replace(kind="checkbox", value=value)
        return base._replace(kind=self._input_kind(schema, ui, kinds), value=value)

    @staticmethod
    def _input_kind(schema: dict[str, Any], ui: dict[str, Any], kinds: list[str]) -> str:
        widget = ui.get("ui:widget")
        if widget in ("textarea", "hidden", "email", "date", "password"):
            return str(widget) if widget != "password" else "text"
        if {"integer", "number"} & set(kinds) and "string" not in kinds:
            return "number"
        form = schema.get("format")
        if form in ("date", "email"):
            return str(form)
        if form == "uri":
            return "url"
        longest = schema.get("maxLength")
        if isinstance(longest, int) and longest >= _TEXTAREA_FROM:
            return "textarea"
        return "text"

    def _array(self, base: Field, schema: dict[str, Any], ui: dict[str, Any]) -> Field:
        items = as_dict(schema.get("items"))
        items_ui = as_dict(ui.get("items"))
        least = schema.get("minItems")
        least = least if isinstance(least, int) and not isinstance(least, bool) else (1 if base.required else 0)
        most = schema.get("maxItems")
        most = most if isinstance(most, int) and not isinstance(most, bool) else MAX_ROWS
        count = row_count(base.path, self._values, self._rows, min(least, MAX_ROWS))
        rows = []
        for i in range(count):
            path = f"{base.path}.{i}"
            label = words(N_("Row {number}"), number=i + 1)
            if "object" in kinds_of(items) and isinstance(items.get("properties"), dict):
                children = self._object_fields(items, items_ui, path + ".")
            else:
                children = (self._field(items, items_ui, path, True, str(items.get("title") or base.label)),)
            rows.append(Field(path, "row", label, children=children, errors=tuple(self._errors.get(path, ()))))
        return base._replace(kind="array", children=tuple(rows), min_rows=min(least, MAX_ROWS),
                             max_rows=min(most, MAX_ROWS))

    @staticmethod
    def _file(base: Field, schema: dict[str, Any]) -> Field:
        declared = schema if "x-sop-file" in schema else as_dict(schema.get("items"))
        accept = as_dict(declared.get("x-sop-file")).get("accept") or [declared.get("contentMediaType")]
        kinds = ",".join(str(a) for a in accept if isinstance(a, str))
        many = declared is not schema
        return base._replace(kind="files" if many else "file", accept=kinds)


def pattern_help(schema: dict[str, Any], helped: bool) -> list[str]:
    """What a field's pattern asks for, in words (never the regex): its `x-sop-pattern-words`, or a phrase when the
    form gives neither words nor a description."""
    said = schema.get("x-sop-pattern-words")
    if isinstance(said, str) and said.strip():
        return [translate(N_("consists of {words}", words=" ".join(said.split())))]
    if schema.get("pattern") and not helped:
        return [fixed_text("in the form's set format")]
    return []


def flatten(schema: dict[str, Any], data: Any) -> tuple[dict[str, str], dict[str, int]]:
    """Stored data (a draft, an artefact) as the texts of the inputs and the row counts of the arrays."""
    values: dict[str, str] = {}
    rows: dict[str, int] = {}

    def walk(node: dict[str, Any], value: Any, path: str) -> None:
        kinds = kinds_of(node)
        if path and is_file(node) and "." not in path:
            return
        if isinstance(value, dict) and "object" in kinds:
            for name, item in value.items():
                walk(as_dict(as_dict(node.get("properties")).get(name)), item, f"{path}.{name}" if path else str(name))
        elif isinstance(value, list) and "array" in kinds:
            rows[path] = min(len(value), MAX_ROWS)
            for i, item in enumerate(value[:MAX_ROWS]):
                walk(as_dict(node.get("items")), item, f"{path}.{i}")
        elif path:
            values[path] = text_of(value)

    walk(schema, data, "")
    return values, rows


def no_choice() -> str:
    """The empty first option of a choice (nothing chosen yet)."""
    return fixed_text("- choose -")
