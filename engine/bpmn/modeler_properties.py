"""Camunda Modeler's properties read as sop reads spiffworkflow:property: a `camunda:property` (Camunda 7) or a
`zeebe:property` (Camunda 8) inside an element's extensionElements, as sop's element templates write them.

Every reader of a diagram comes through engine/bpmn/xml_reading.py, which hands the tree here once: each such
property is moved into the element's `spiffworkflow:properties` (an `instructionsForEndUser` one becomes the
`spiffworkflow:instructionsForEndUser` text), keeping its line, so lint, loading, SpiffWorkflow, the sheet and
decompile all read one set of names. A name given with different values (in two modelers' namespaces, or twice in
one) is left where it was written and reported by `property_conflicts` as an error naming every value.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from typing import Any

from engine.bpmn.diagram_checks import BPMN_NS, SPIFF_NS, DiagramProblem
from engine.common.i18n import N_

CAMUNDA_NS = "http://camunda.org/schema/1.0/bpmn"
ZEEBE_NS = "http://camunda.org/schema/zeebe/1.0"
PREFIXES = {SPIFF_NS: "spiffworkflow", CAMUNDA_NS: "camunda", ZEEBE_NS: "zeebe"}
FOREIGN = (CAMUNDA_NS, ZEEBE_NS)
INSTRUCTIONS = "instructionsForEndUser"
# The property names sop reads (engine/bpmn/tasks.py, the rules, the table compiler, data_names).
SOP_PROPERTIES = ("formJsonSchemaFilename", "formUiSchemaFilename", "sla", "output", "nomor", "kelengkapan", "check",
                  "checkMessage", "startData", INSTRUCTIONS)
CONFLICT_RULE = "property-conflict"
UNKNOWN_RULE = "property-unknown"


def _children(element: Any, namespace: str, local: str) -> list[Any]:
    return [c for c in element if c.tag == f"{{{namespace}}}{local}"]


def _named(extensions: Any) -> list[tuple[str, Any, str, str]]:
    """Every property directly in an extensionElements' property lists: (namespace, element, name, value)."""
    found = []
    for namespace in (SPIFF_NS, *FOREIGN):
        for holder in _children(extensions, namespace, "properties"):
            for prop in _children(holder, namespace, "property"):
                if prop.get("name"):
                    found.append((namespace, prop, prop.get("name", ""), prop.get("value", "")))
    for told in _children(extensions, SPIFF_NS, INSTRUCTIONS):
        found.append((SPIFF_NS, told, INSTRUCTIONS, (told.text or "").strip()))
    return found


def adopt_modeler_properties(root: Any) -> None:
    """Move each camunda:property and zeebe:property of the tree into its element's spiffworkflow:properties,
    unless its name is given elsewhere on the element with another value (property_conflicts reports those)."""
    for extensions in list(root.iter(f"{{{BPMN_NS}}}extensionElements")):
        _adopt(extensions)


def _adopt(extensions: Any) -> None:
    for namespace in FOREIGN:  # a template's field left empty writes value="": the property is not set
        for holder in _children(extensions, namespace, "properties"):
            for prop in _children(holder, namespace, "property"):
                if prop.get("name") and not (prop.get("value") or "").strip():
                    holder.remove(prop)
    named = _named(extensions)
    if not any(namespace in FOREIGN for namespace, *_ in named):
        return
    values: dict[str, set[str]] = {}
    for _, _, name, value in named:
        values.setdefault(name, set()).add(value.strip() if name == INSTRUCTIONS else value)
    held = {name for namespace, _, name, _ in named if namespace == SPIFF_NS}
    for namespace, prop, name, value in named:
        if namespace == SPIFF_NS or len(values[name]) > 1:
            continue
        if name not in held:
            held.add(name)
            _place(extensions, prop, name, value)
        prop.getparent().remove(prop)
    for namespace in FOREIGN:
        for holder in _children(extensions, namespace, "properties"):
            if len(holder) == 0 and not (holder.text or "").strip():
                extensions.remove(holder)


def _place(extensions: Any, prop: Any, name: str, value: str) -> None:
    """A spiffworkflow element for one adopted property, at the line it was written on."""
    if name == INSTRUCTIONS:
        made = extensions.makeelement(f"{{{SPIFF_NS}}}{INSTRUCTIONS}", {})
        made.text = value
        extensions.append(made)
    else:
        holders = _children(extensions, SPIFF_NS, "properties")
        if holders:
            holder = holders[0]
        else:
            holder = extensions.makeelement(f"{{{SPIFF_NS}}}properties", {})
            holder.sourceline = prop.getparent().sourceline
            extensions.append(holder)
        made = holder.makeelement(f"{{{SPIFF_NS}}}property", {"name": name, "value": value})
        holder.append(made)
    made.sourceline = prop.sourceline


def _owner(extensions: Any) -> str:
    return str(extensions.getparent().get("id") or "?")


def property_conflicts(process: Any) -> Iterator[DiagramProblem]:
    """An error for each property name an element gives with different values (in one namespace or several)."""
    for extensions in process.iter(f"{{{BPMN_NS}}}extensionElements"):
        owner = _owner(extensions)
        for name, given in _by_name(extensions).items():
            if len({v.strip() if name == INSTRUCTIONS else v for _, v in given}) > 1:
                listing = ", ".join(f"{_written(prop)} {value!r}" for prop, value in given)
                yield DiagramProblem(given[-1][0].sourceline, owner, CONFLICT_RULE, N_(
                    "'{owner}' gives property '{name}' different values ({listing}); keep one of them and delete "
                    "the others, so every modeler and sop read the same value", owner=owner, name=name,
                    listing=listing))


def property_suggestions(process: Any) -> Iterator[DiagramProblem]:
    """A warning for each property name that is not one of sop's but looks like one (a did-you-mean)."""
    for extensions in process.iter(f"{{{BPMN_NS}}}extensionElements"):
        owner = _owner(extensions)
        for name, given in _by_name(extensions).items():
            close = None if name in SOP_PROPERTIES else _close(name)
            if close:
                yield DiagramProblem(given[0][0].sourceline, owner, UNKNOWN_RULE, N_(
                    "'{owner}' has property '{name}', which sop does not read; did you mean '{close}'?",
                    owner=owner, name=name, close=close))


def _by_name(extensions: Any) -> dict[str, list[tuple[Any, str]]]:
    found: dict[str, list[tuple[Any, str]]] = {}
    for _, prop, name, value in _named(extensions):
        found.setdefault(name, []).append((prop, value))
    return found


def _written(prop: Any) -> str:
    """How the modeler wrote a property: camunda:property, zeebe:property, spiffworkflow:instructionsForEndUser..."""
    namespace, local = prop.tag[1:].split("}", 1)
    return f"{PREFIXES.get(namespace, namespace)}:{local}"


def _close(name: str) -> str | None:
    """The sop property a misspelt name stands for (by letters, ignoring case), None when none is near."""
    lowered = {known.lower(): known for known in SOP_PROPERTIES}
    if name.lower() in lowered:
        return lowered[name.lower()]
    found = difflib.get_close_matches(name.lower(), list(lowered), n=1, cutoff=0.75)
    return lowered[found[0]] if found else None
