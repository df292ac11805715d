"""Closed forms: a form's `$ref` reaches only the forms pinned with it, and validators never fetch anything."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from typing import Any, NamedTuple
from urllib.parse import urldefrag, urljoin

REF_KEYWORDS = ("$ref", "$dynamicRef")
# Keywords whose values are data, not schemas: a "$ref" inside them is never followed.
_DATA_KEYWORDS = frozenset({"const", "enum", "default", "examples"})
REF_RULE = "form-ref-outside"
REF_HELP = ("a form may refer only to itself ('#/$defs/...') or to another form of the forms folder by its file "
            "name ('alamat.schema.json#/$defs/...'); copy what it needs into the forms folder")


class OutsideRef(NamedTuple):
    """A `$ref` that leaves the pinned forms: which form, where in it (a JSON pointer), and the reference."""

    form: str
    pointer: str
    ref: str

    def message(self, label: str) -> str:
        """What is wrong and the fix, naming the form file as the reader knows it."""
        return f"form {label} has $ref {self.ref!r} at {self.pointer}, which is outside the pinned forms; {REF_HELP}"


def is_form_name(name: str) -> bool:
    """A plain file name of the forms folder (no folder, not hidden), as a step's form property must be."""
    return bool(name) and "/" not in name and "\\" not in name and not name.startswith(".")


def _pointer(parts: Iterable[str | int]) -> str:
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts) or "/"


def _walk(node: Any, base: str, parts: list[str | int]) -> Iterator[tuple[str, str, list[str | int]]]:
    """(resolved URI without fragment, the ref as written, path) of each reference; '$id's move the base."""
    if isinstance(node, dict):
        own = node.get("$id")
        if isinstance(own, str):
            base = urldefrag(urljoin(base, own)).url
        for key in REF_KEYWORDS:
            ref = node.get(key)
            if isinstance(ref, str):
                target = "" if ref.startswith("#") else urldefrag(urljoin(base, ref)).url
                yield (base if target == "" else target), ref, [*parts, key]
        for key, value in node.items():
            if key not in _DATA_KEYWORDS:
                yield from _walk(value, base, [*parts, key])
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _walk(value, base, [*parts, i])


def _ids(node: Any, base: str) -> Iterator[str]:
    """The URIs a form's resources go by: its own base and every embedded `$id`."""
    yield base
    if isinstance(node, dict):
        own = node.get("$id")
        if isinstance(own, str):
            base = urldefrag(urljoin(base, own)).url
            yield base
        for key, value in node.items():
            if key not in _DATA_KEYWORDS:
                yield from _ids(value, base)
    elif isinstance(node, list):
        for value in node:
            yield from _ids(value, base)


def _loaded(text: str) -> Any:
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return None  # not JSON: the form rules name that


def closed_forms(names: Iterable[str], read: Callable[[str], str | None]) -> dict[str, str]:
    """The texts of the named forms and of every form they reach by file name (what a version pins)."""
    found: dict[str, str] = {}
    todo = [n for n in names if is_form_name(n)]
    while todo:
        name = todo.pop()
        if name in found:
            continue
        try:
            text = read(name)
        except (OSError, UnicodeDecodeError):
            text = None
        if text is None:
            continue
        found[name] = text
        todo.extend(uri for uri, _, _ in _walk(_loaded(text), "", []) if is_form_name(uri) and uri not in found)
    return found


def outside_refs(forms: dict[str, str]) -> list[OutsideRef]:
    """Every reference of these forms to anything that is not one of them (or a part of one)."""
    schemas = {name: _loaded(text) for name, text in forms.items()}
    known = set(forms) | {uri for schema in schemas.values() for uri in _ids(schema, "")} - {""}
    out = []
    for name, schema in sorted(schemas.items()):
        for uri, ref, parts in _walk(schema, "", []):
            if uri and uri not in known:
                out.append(OutsideRef(name, _pointer(parts), ref))
    return out


class RefRefused(LookupError):
    """A validator asked for a URI outside the pinned forms; nothing was fetched."""


def _refuse(uri: str) -> Any:
    raise RefRefused(f"{uri!r} is outside the pinned forms")


def form_registry(forms: dict[str, str]) -> Any:
    """A `referencing` registry of the pinned forms only (by file name and `$id`); any other URI is refused."""
    from referencing import Registry
    from referencing.jsonschema import DRAFT202012

    resources = []
    for name, text in forms.items():
        contents = _loaded(text)
        if isinstance(contents, dict):
            resources.append((name, DRAFT202012.create_resource(contents)))
    registry: Any = Registry(retrieve=_refuse).with_resources(resources)  # type: ignore[call-arg]
    return registry.crawl()
