"""A definition version as the engine runs it: its steps, identity page and content hash, built from a bundle of
file texts that passed the rules (from the definitions folder, an SOP table, or a store's pinned copy)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from engine.bpmn.diagram_checks import BPMN_NS, SPIFF_NS
from engine.bpmn.tasks import FORM_PROPERTY, INSTRUCTIONS, UI_PROPERTY
from engine.common.canonical import canonical_json, sha256_hex
from engine.common.errors import DefinitionError
from engine.common.yamlio import parse_yaml
from engine.definitions.rules import (
    PINNED_RULES,
    FormSource,
    bundle_forms,
    diagram_root,
    node_lanes,
    process_findings,
    refuse,
    start_events_with_forms,
    step_elements,
    step_lane,
)


@dataclass(frozen=True)
class DefinitionStep:
    """A user task of a process as the operator sees it: id, name, lane, form and Mutu Baku."""

    bpmn_id: str
    name: str
    lane: str | None
    form: str | None
    sla: str | None
    output: str | None
    properties: dict[str, str] = field(default_factory=dict)
    instructions: str | None = None


@dataclass(frozen=True)
class Definition:
    """One runnable process with everything it needs, hashed together as a version."""

    process_id: str
    name: str
    file: str
    version: str
    bundle: dict[str, Any]
    steps: tuple[DefinitionStep, ...]
    identity: dict[str, Any]
    start_data: tuple[str, ...] = ()
    start_form: str | None = None
    start_lanes: tuple[str, ...] = ()  # the lanes of its start events: who starts it (besides operators)
    start_timer: tuple[str, str, str] | None = None  # its timer start event: (id, timeDate or timeCycle, text)

    def step(self, bpmn_id: str) -> DefinitionStep | None:
        """The user task with this BPMN id, if the process has one."""
        return next((s for s in self.steps if s.bpmn_id == bpmn_id), None)

    def form_schema(self, form: str) -> dict[str, Any]:
        """The pinned JSON Schema of a form this version binds."""
        from engine.definitions.forms import parse_form  # jsonschema (~0.2 s to import) only where forms are checked

        return parse_form(self.bundle["forms"][form], form)


def bound_forms(process: Any, forms: FormSource) -> dict[str, str]:
    """The texts of the forms a process's steps bind (and their UI schemas) and of those they `$ref` by file name
    (checked before)."""
    from engine.definitions.form_refs import closed_forms

    holders = step_elements(process) + start_events_with_forms(process)
    names = [prop.get("value", "") for task in holders for prop in task.iter(f"{{{SPIFF_NS}}}property")
             if prop.get("name") in (FORM_PROPERTY, UI_PROPERTY) and prop.get("value")]
    return closed_forms(names, forms.text)


def definition_from_bundle(bundle: dict[str, Any], file: str | None = None, pinned: bool = False) -> Definition:
    """Build a Definition from a bundle (files' texts), refusing what lint calls an error (only the rules that keep
    it safe to run when pinned: a version a store already runs); the version is the hash of the bundle."""
    source = file or bundle["bpmn"]["file"]
    root, findings = diagram_root(bundle["bpmn"]["text"])
    refuse(findings, source, [bundle["process"]])
    process = next(
        (p for p in root.iter(f"{{{BPMN_NS}}}process") if p.get("id") == bundle["process"]), None
    )
    if process is None:
        raise DefinitionError("{source}: no process '{process}'", source=source, process=bundle['process'])
    findings = process_findings(process, bundle_forms(bundle))
    refuse([f for f in findings if f.rule in PINNED_RULES] if pinned else findings, source, [bundle["process"]])
    return checked_definition(bundle, source, process)


def checked_definition(bundle: dict[str, Any], source: str, process: Any) -> Definition:
    """The Definition of a bundle whose process passed the rules: its steps, identity page and version hash."""
    from engine.bpmn.data_names import start_data_names
    from engine.definitions.lane_units import bundle_lane_namer

    lanes = node_lanes(process)
    named = bundle_lane_namer(bundle)  # the page's units: `Kepala Bagian (Bidang Pendidikan Dasar)`
    steps = []
    for task in sorted(step_elements(process), key=lambda t: t.sourceline or 0):
        bpmn_id = task.get("id", "")
        props = {p.get("name", ""): p.get("value", "") for p in task.iter(f"{{{SPIFF_NS}}}property")}
        told = task.find(f"{{{BPMN_NS}}}extensionElements/{{{SPIFF_NS}}}{INSTRUCTIONS}")
        instructions = (told.text or "").strip() if told is not None else ""
        steps.append(DefinitionStep(bpmn_id=bpmn_id, name=task.get("name") or bpmn_id,
                          lane=named(step_lane(lanes, bpmn_id)), form=props.get(FORM_PROPERTY),
                          sla=props.get("sla"), output=props.get("output"),
                          properties=props, instructions=instructions or None))
    identity: dict[str, Any] = {}
    if bundle.get("yaml"):
        page = parse_yaml(bundle["yaml"]["text"], bundle["yaml"]["file"])
        identity = page if isinstance(page, dict) else {}
    version = sha256_hex(canonical_json(bundle))
    return Definition(
        process_id=bundle["process"],
        name=process.get("name") or bundle["process"],
        file=source,
        version=version,
        bundle=bundle,
        steps=tuple(steps),
        identity=identity,
        start_data=tuple(start_data_names(process)),
        start_lanes=tuple(dict.fromkeys(lane for event in process.findall(f"{{{BPMN_NS}}}startEvent")
                                        if (lane := named(step_lane(lanes, event.get("id", "")))))),
        start_timer=_start_timer(process),
        start_form=next((p.get("value") for event in start_events_with_forms(process)
                         for p in event.iter(f"{{{SPIFF_NS}}}property") if p.get("name") == FORM_PROPERTY), None),
    )


def _start_timer(process: Any) -> tuple[str, str, str] | None:
    """(start event id, timeDate or timeCycle, its text) of the process's timer start event, if it has one."""
    for event in process.findall(f"{{{BPMN_NS}}}startEvent"):
        for timer in event.findall(f"{{{BPMN_NS}}}timerEventDefinition"):
            for given in timer:
                name = given.tag.rsplit("}", 1)[-1] if isinstance(given.tag, str) else ""
                if name in ("timeDate", "timeCycle", "timeDuration"):
                    return event.get("id", ""), name, (given.text or "").strip()
    return None
