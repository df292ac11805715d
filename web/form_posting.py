"""A posted form read back: the texts typed in each input (kept as typed, to show again), the rows added or
removed, and the KEY=VALUE pairs the engine types exactly as it types `sop complete --set` values."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, NamedTuple, Protocol

from .form_fields import MAX_ROWS, ROWS, FormFields, as_dict, is_file, kinds_of, ordered

_ROW_KEY = re.compile(r"^(.*)\.(\d{1,3})$")
_NUMERIC_DATE = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")  # 3/11/2026, 03-11-2026: day first
_WORDED_DATE = re.compile(r"^(\d{1,2})\s+([^\W\d_]+)\.?,?\s+(\d{4})$")  # 3 November 2026, 3 Nov 2026
# Month names as people type them, in Indonesian and English, by their first three letters (Agustus: agu, ags, agt)
_MONTHS = {"jan": 1, "feb": 2, "peb": 2, "mar": 3, "apr": 4, "mei": 5, "may": 5, "jun": 6, "jul": 7, "agu": 8,
           "ags": 8, "agt": 8, "aug": 8, "sep": 9, "okt": 10, "oct": 10, "nov": 11, "nop": 11, "des": 12, "dec": 12}


class Posted(Protocol):
    """What a posted form offers (werkzeug's MultiDict)."""

    def get(self, key: str, default: Any = None) -> Any: ...

    def getlist(self, key: str) -> list[Any]: ...


class Typed(NamedTuple):
    """The inputs as typed, with the row counts of their arrays."""

    values: dict[str, str]
    rows: dict[str, int]


def read_posted(schema: dict[str, Any], ui: dict[str, Any] | None, form: Posted) -> Typed:
    """The texts of every input the form has (by its posted row counts); anything else posted is ignored."""
    values: dict[str, str] = {}
    rows: dict[str, int] = {}

    def walk(node: dict[str, Any], node_ui: dict[str, Any], path: str) -> None:
        kinds = kinds_of(node)
        if is_file(node) and "." not in path:
            return
        if "object" in kinds and isinstance(node.get("properties"), dict):
            properties = as_dict(node.get("properties"))
            for name in ordered(properties, node_ui):
                walk(as_dict(properties[name]), as_dict(node_ui.get(name)), f"{path}.{name}" if path else name)
        elif "array" in kinds and isinstance(node.get("items"), dict):
            raw = str(form.get(ROWS + path, "0"))
            count = min(int(raw), MAX_ROWS) if raw.isdigit() and len(raw) < 4 else 0
            rows[path] = count
            for i in range(count):
                walk(as_dict(node.get("items")), as_dict(node_ui.get("items")), f"{path}.{i}")
        elif "boolean" in kinds and "enum" not in node:
            values[path] = "true" if "true" in form.getlist(path) else "false"
        elif node.get("format") == "date":
            values[path] = iso_date(str(form.get(path, "")))
        else:
            values[path] = str(form.get(path, ""))

    walk(schema, ui or {}, "")
    return Typed(values, rows)


def iso_date(text: str) -> str:
    """A date as the date picker sends it (2026-11-03), also when typed the Indonesian way ("3 November 2026",
    "3/11/2026", day first); anything else as typed, for the form's check to name."""
    from datetime import date

    typed = " ".join(text.split())
    numeric, worded = _NUMERIC_DATE.match(typed), _WORDED_DATE.match(typed)
    if numeric:
        day, month, year = int(numeric.group(1)), int(numeric.group(2)), int(numeric.group(3))
    elif worded and worded.group(2)[:3].lower() in _MONTHS:
        day, month, year = int(worded.group(1)), _MONTHS[worded.group(2)[:3].lower()], int(worded.group(3))
    else:
        return text.strip()
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return text.strip()


def add_row(typed: Typed, path: str) -> Typed:
    """One more (empty) row at the end of an array."""
    if path not in typed.rows:
        return typed
    return Typed(dict(typed.values), {**typed.rows, path: min(typed.rows[path] + 1, MAX_ROWS)})


def remove_row(typed: Typed, row: str) -> Typed:
    """An array without one of its rows (`titik_koneksi.1`), the rows after it moved up by one."""
    found = _ROW_KEY.match(row)
    if found is None or found.group(1) not in typed.rows:
        return typed
    array, index = found.group(1), int(found.group(2))
    if index >= typed.rows[array]:
        return typed
    prefix = array + "."

    def moved(key: str) -> str | None:
        if not key.startswith(prefix):
            return key
        head, _, tail = key[len(prefix):].partition(".")
        if not head.isdigit():
            return key
        at = int(head)
        if at == index:
            return None
        return key if at < index else prefix + str(at - 1) + ("." + tail if tail else "")

    values = {new: v for k, v in typed.values.items() if (new := moved(k)) is not None}
    rows = {new: v for k, v in typed.rows.items() if (new := moved(k)) is not None}
    rows[array] = typed.rows[array] - 1
    return Typed(values, rows)


def assignments(schema: dict[str, Any], typed: Typed) -> tuple[list[tuple[str, str]], Typed]:
    """The KEY=VALUE pairs of what was filled in (empty inputs left out, an unchecked optional box left out, rows
    left entirely empty dropped and the rest renumbered), and the inputs as they now number."""
    values: dict[str, str] = {}
    rows: dict[str, int] = {}

    def walk(node: dict[str, Any], source: str, target: str, required: bool) -> list[tuple[str, str, bool]]:
        """(path, text, is a box) of one node (source: its posted path, target: its path after renumbering)."""
        kinds = kinds_of(node)
        if is_file(node) and "." not in source:
            return []
        if "object" in kinds and isinstance(node.get("properties"), dict):
            needed = set(node.get("required") or [])
            out: list[tuple[str, str, bool]] = []
            for name, prop in as_dict(node.get("properties")).items():
                out += walk(as_dict(prop), _joined(source, name), _joined(target, name), name in needed)
            return out
        if "array" in kinds and isinstance(node.get("items"), dict):
            out = []
            kept = 0
            for i in range(typed.rows.get(source, 0)):
                row = walk(as_dict(node.get("items")), f"{source}.{i}", f"{target}.{kept}", True)
                if any(not box or text == "true" for _, text, box in row):  # a row left empty is dropped
                    out += row
                    kept += 1
            rows[target] = kept or min(typed.rows.get(source, 0), 1)
            return out
        raw = typed.values.get(source, "")
        values[target] = raw
        box = "boolean" in kinds and "enum" not in node
        if raw == "" or (box and raw == "false" and not required):
            return []
        return [(target, raw, box)]

    pairs = [(path, text) for path, text, _ in walk(schema, "", "", True)]
    return pairs, Typed(values, rows)


def _joined(base: str, name: str) -> str:
    return f"{base}.{name}" if base else name


def posted_files(schema: dict[str, Any], files: Mapping[str, Any]) -> list[tuple[str, Any]]:
    """The uploads of the form's file fields as (FIELD or FIELD.N, upload), in the order chosen; empty inputs
    (nothing chosen) left out."""
    out: list[tuple[str, Any]] = []
    for name, prop in as_dict(schema.get("properties")).items():
        if not isinstance(prop, dict) or not is_file(prop):
            continue
        getlist = getattr(files, "getlist", None)
        chosen = [f for f in (getlist(name) if getlist else [files.get(name)]) if f is not None and f.filename]
        if "x-sop-file" in prop:
            out += [(name, f) for f in chosen[:1]]
        else:
            out += [(f"{name}.{i}", f) for i, f in enumerate(chosen)]
    return out


def field_problems(problems: list[str], fields: FormFields, typed: Typed) -> tuple[dict[str, list[str]], list[str]]:
    """Each problem line (`Title (path): sentence`, `path: sentence`) next to its field; the others, and those of
    fields the form does not show, for the top of the form."""
    paths = fields.paths(typed.values, typed.rows)
    by_field: dict[str, list[str]] = {}
    general: list[str] = []
    for line in problems:
        path = _path_of(line, paths)
        if path is None:
            general.append(line)
        else:
            by_field.setdefault(path, []).append(line)
    return by_field, general


def _path_of(line: str, paths: set[str]) -> str | None:
    """The field path a problem line names (the longest one that fits), or None."""
    best: str | None = None
    for path in paths:
        if (line.startswith(path + ": ") or f"({path}): " in line) and (best is None or len(path) > len(best)):
            best = path
    if best is None:  # a problem inside a field the form draws whole (a file's value): its nearest field
        head = line.split(": ", 1)[0].rsplit("(", 1)[-1].rstrip(")")
        while "." in head and head not in paths:
            head = head.rsplit(".", 1)[0]
        best = head if head in paths else None
    return best
