"""What `sop import` works with: the notes it makes, the state one import carries, and small helpers over the
lxml tree (engine/bpmn/importing.py and the import_* modules beside it)."""

from __future__ import annotations

import keyword
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from engine.bpmn.diagram_checks import BPMN_NS, RESERVED_IDS, SPIFF_NS, is_task_id, tag
from engine.common.i18n import N_

DI_NS = "http://www.omg.org/spec/BPMN/20100524/DI"
DC_NS = "http://www.omg.org/spec/DD/20100524/DC"
VENDORS = {"http://camunda.org/schema/1.0/bpmn": "camunda", "http://camunda.org/schema/zeebe/1.0": "zeebe",
           "http://activiti.org/bpmn": "activiti", "http://flowable.org/bpmn": "flowable",
           "http://www.bizagi.com/bpmn20": "bizagi"}
OLD_ID_PROPERTY = "id_asal"
DEFAULT_LANE = "Pelaksana"
NOTE_FIELD = "catatan"
STEPS = ("userTask", "manualTask", "task")
CODE_TASKS = {"scriptTask": N_("was a script"), "serviceTask": N_("was a service")}
FLOW_NODES = frozenset({*STEPS, *CODE_TASKS, "startEvent", "endEvent", "intermediateCatchEvent",
                        "intermediateThrowEvent", "boundaryEvent", "exclusiveGateway", "parallelGateway",
                        "inclusiveGateway", "eventBasedGateway", "complexGateway", "subProcess", "callActivity",
                        "sendTask", "receiveTask", "businessRuleTask", "transaction", "adHocSubProcess"})


class ImportNote(NamedTuple):
    """One change made, or one decision left to the process owner: the element's id (or "") and what."""

    element: str
    message: str


@dataclass
class ImportWork:
    """One import's tree, notes, lane suggestions and the fields of the forms it will write."""

    root: Any
    prefix: str
    changes: list[ImportNote] = field(default_factory=list)
    left: list[ImportNote] = field(default_factory=list)
    groups: dict[str, str] = field(default_factory=dict)  # step id -> candidate group (a lane suggestion)
    fields: dict[str, dict[str, str]] = field(default_factory=dict)  # step id -> field -> JSON type
    forms: dict[str, str] = field(default_factory=dict)
    titles: dict[str, dict[str, str]] = field(default_factory=dict)  # step id -> field -> its label
    optional: set[tuple[str, str]] = field(default_factory=set)  # (step id, field) a vendor form did not require

    def change(self, element: str, message: str) -> None:
        self.changes.append(ImportNote(element, message))

    def leave(self, element: str, message: str) -> None:
        self.left.append(ImportNote(element, message))


def q(local: str, namespace: str = BPMN_NS) -> str:
    """An element's qualified name."""
    return f"{{{namespace}}}{local}"


def label(element: Any) -> str:
    """How a note names an element: its name, else its id."""
    return " ".join(str(element.get("name") or element.get("id") or tag(element)).split())


def readable_id(name: str, fallback: str) -> str:
    """An id from a name: its words, ASCII, each capitalised ("Periksa berkas" -> PeriksaBerkas)."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    words = re.findall(r"[A-Za-z0-9]+", ascii_name)
    ident = "".join(w[:1].upper() + w[1:] for w in words)[:40]
    if not ident or not ident[0].isalpha():
        ident = fallback[:1].upper() + fallback[1:] + ident
    return ident


def unique_id(base: str, taken: set[str]) -> str:
    """The base, or the base numbered, that no element has and that is a data key; taken then holds it."""
    candidate, number = base, 1
    while (candidate in taken or keyword.iskeyword(candidate) or candidate in RESERVED_IDS
           or not is_task_id(candidate)):
        number += 1
        candidate = f"{base}{number}"
    taken.add(candidate)
    return candidate


def extensions_of(element: Any) -> Any:
    """The element's bpmn:extensionElements, made after its documentation when it has none."""
    from lxml import etree

    found = element.find(q("extensionElements"))
    if found is None:
        found = etree.Element(q("extensionElements"))
        docs = [i for i, c in enumerate(element) if isinstance(c.tag, str) and tag(c) == "documentation"]
        element.insert(docs[-1] + 1 if docs else 0, found)
    return found


def set_property(element: Any, name: str, value: str) -> None:
    """A spiffworkflow:property set on the element (made when it has none)."""
    from lxml import etree

    extensions = extensions_of(element)
    holder = extensions.find(q("properties", SPIFF_NS))
    if holder is None:
        holder = etree.SubElement(extensions, q("properties", SPIFF_NS), nsmap={"spiffworkflow": SPIFF_NS})
    for prop in holder.findall(q("property", SPIFF_NS)):
        if prop.get("name") == name:
            prop.set("value", value)
            return
    etree.SubElement(holder, q("property", SPIFF_NS), name=name, value=value)


def properties_of(element: Any) -> dict[str, str]:
    """The spiffworkflow:properties of an element, by name."""
    return {p.get("name", ""): p.get("value", "") for p in element.iter(q("property", SPIFF_NS))}


def steps_of(process: Any) -> list[Any]:
    """The user, manual and plain tasks of a process (in subprocesses too)."""
    return [c for c in process.iter(*(q(t) for t in STEPS))]


def taken_ids(root: Any) -> set[str]:
    """Every id the diagram uses."""
    return {e.get("id") for e in root.iter() if isinstance(e.tag, str) and e.get("id")}
