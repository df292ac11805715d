"""SpiffWorkflow's own reading of a diagram (its XSD, its parser), the same for `sop lint` and for loading."""

from __future__ import annotations

import copy
import re
from typing import Any

from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.spiff.parser import VALIDATOR, SpiffBpmnParser

import engine.runtime.spiff_fixes  # noqa: F401  (its parser fix names the element of a missing event reference)
from engine.bpmn.diagram_checks import tag
from engine.common.i18n import N_
from engine.definitions.rules import ERROR, Finding, diagram_root, executable_processes, refuse, rule_error

# The rules SpiffWorkflow's own reading reports (loading checks them after the sop rules; lint lists them with the
# rest, except where a sop rule already refuses the same element: one message per problem).
UNPARSABLE_RULE = "process-unparsable"
EVENT_REF_RULE = "event-ref-missing"
SPIFF_RULES = frozenset({"xsd", UNPARSABLE_RULE, EVENT_REF_RULE})
_MISSING_REF = re.compile(r"Expected an? (message|signal|error|escalation) node\.?", re.I)
# Refusals that name no element but something it refers to: (pattern, tag and attribute of the element to blame).
_NAMED = ((re.compile(r"The process '([^']*)' was not found"), "callActivity", "calledElement"),
          (re.compile(r"Data Store with name (\S+) has no implementation"), "dataStore", "name"))
_ELEMENT_REPR = re.compile(r"<Element \{[^}]*\}(\w+) at 0x[0-9a-f]+>")
# SpiffWorkflow 3.2's words for a few refusals sop's own rules leave to it, said as a process owner reads them.
_SAID = (
    (re.compile(r"No start event found\."), N_("process '{process_id}' has no start event; draw one where the work "
                                              "begins")),
    (re.compile(r"Non-default exclusive outgoing sequence flow without condition\."), N_(
        "{what} leaves an exclusive gateway with no condition and is not the gateway's default flow; give it a "
        "condition or make it the default flow")),
    (re.compile(r"When looking for a task spec, we found two items, perhaps a form has the same ID\? \((.*)\)\.?"),
     N_("{what} has a flow to '{ref}', which is no element of process '{process_id}'; reconnect the flow")),
)


def xsd_findings(root: Any) -> list[Finding]:
    """Every XSD violation (SpiffWorkflow's BPMN 2.0 schema with its extensions), not only the first."""
    doc = copy.deepcopy(root)
    VALIDATOR.preprocess(doc)
    if VALIDATOR.validator.validate(doc):
        return []
    at_line: dict[int, str] = {}
    for element in root.iter():
        if isinstance(element.tag, str) and element.get("id") and element.sourceline:
            at_line.setdefault(element.sourceline, element.get("id"))
    return [Finding(ERROR, e.line, at_line.get(e.line), "xsd", f"not BPMN 2.0 by the XSD: {e.message}")
            for e in VALIDATOR.validator.error_log]


def spiff_parser(root: Any, source: str) -> tuple[Any, list[Finding]]:
    """A SpiffWorkflow parser holding a copy of the diagram (preprocessed as its validator does), or None and why."""
    doc = copy.deepcopy(root)
    VALIDATOR.preprocess(doc)
    parser = SpiffBpmnParser()
    try:
        parser.add_bpmn_xml(doc, source)
    except Exception as exc:  # SpiffWorkflow 3.2 raises plain errors on some broken files too
        return None, [spiff_finding(exc, root, None)]
    return parser, []


def process_spec(parser: Any, root: Any, process_id: str) -> tuple[Any, dict[str, Any]] | Finding:
    """SpiffWorkflow's spec and subprocess specs of one process, or the finding that refuses it."""
    try:
        return parser.get_spec(process_id), parser.get_subprocess_specs(process_id)
    except Exception as exc:  # SpiffWorkflow 3.2 raises plain errors on some broken graphs
        return spiff_finding(exc, root, process_id)


def spiff_finding(exc: Exception, root: Any, process_id: str | None) -> Finding:
    """What SpiffWorkflow refused, as a rule at the element and line it names (else the process's)."""
    element = _element_of(exc, root, process_id)
    owner = next((e for e in (element, *element.iterancestors()) if e.get("id")), None) if element is not None \
        else None
    owner_id = owner.get("id") if owner is not None else process_id
    line = element.sourceline if element is not None else None
    what = N_("{kind} '{element_id}'", kind=tag(owner), element_id=owner_id) if owner is not None else None
    said = _ELEMENT_REPR.sub(r"\1", str(exc)).strip()
    missing = _MISSING_REF.fullmatch(said)
    if missing and element is not None and owner is not None:
        kind = missing.group(1).lower()
        ref = next((e.get(f"{kind}Ref") for e in element.iter() if e.get(f"{kind}Ref")), "")
        return Finding(ERROR, line, owner_id, EVENT_REF_RULE, N_(
            "{what} refers to {kind} '{ref}', which the file does not define; add a bpmn:{kind} with id '{ref}' "
            "to the definitions, or remove the {kind}Ref", what=what, kind=kind, ref=ref))
    for pattern, template in _SAID:
        known = pattern.fullmatch(said)
        if known is not None:
            ref = known.group(1) if pattern.groups else None
            return Finding(ERROR, line, owner_id, UNPARSABLE_RULE, N_(template, process_id=process_id, what=what,
                                                                      ref=ref))
    if not isinstance(exc, SpiffWorkflowException):
        said = f"{type(exc).__name__}: {said}"
    if owner_id == process_id or what is None:
        return Finding(ERROR, line, owner_id, UNPARSABLE_RULE, N_(
            "SpiffWorkflow cannot use process '{process_id}': {problem}", process_id=process_id, problem=said)
            if process_id else N_("SpiffWorkflow cannot read the file: {problem}", problem=said))
    where = what
    if process_id is None:
        return Finding(ERROR, line, owner_id, UNPARSABLE_RULE, N_(
            "SpiffWorkflow cannot read the file at {where}: {problem}", where=where, problem=said))
    return Finding(ERROR, line, owner_id, UNPARSABLE_RULE, N_(
        "SpiffWorkflow cannot use process '{process_id}' at {where}: {problem}", process_id=process_id, where=where,
        problem=said))


def _element_of(exc: Exception, root: Any, process_id: str | None) -> Any:
    """The element an exception names: by id and line, by id, by line, by what it refers to, else the process."""
    element_id, line = getattr(exc, "id", None), getattr(exc, "line_number", None)
    elements = [e for e in root.iter() if isinstance(e.tag, str)]
    for pattern, kind, attribute in _NAMED:
        named = pattern.search(str(exc))
        found = next((e for e in elements if named and tag(e) == kind and e.get(attribute) == named.group(1)), None)
        if found is not None:
            return found
    if isinstance(line, int):
        at_line = [e for e in elements if e.sourceline == line]
        found = next((e for e in at_line if element_id and e.get("id") == element_id), None)
        found = found if found is not None else next((e for e in at_line if tag(e) != "definitions"), None)
        if found is not None:
            return found
    if element_id:
        found = next((e for e in elements if e.get("id") == element_id), None)
        if found is not None:
            return found
    return next((e for e in elements if process_id and e.get("id") == process_id), None)


def parser_findings(root: Any, source: str) -> list[Finding]:
    """What SpiffWorkflow's parser refuses in a diagram's executable processes (XSD aside)."""
    parser, found = spiff_parser(root, source)
    if parser is None:
        return found
    for process in executable_processes(root):
        spec = process_spec(parser, root, process.get("id", ""))
        if isinstance(spec, Finding):
            found.append(spec)
    return found


def parse_process(bpmn_text: str, process_id: str, source: str) -> tuple[Any, dict[str, Any]]:
    """A process's SpiffWorkflow spec and subprocess specs; DiagramRuleError naming the rule lint names first."""
    root, found = diagram_root(bpmn_text)
    refuse(found, source, [process_id])
    refuse(xsd_findings(root), source, [process_id])
    parser, found = spiff_parser(root, source)
    refuse(found, source, [process_id])
    spec = process_spec(parser, root, process_id)
    if isinstance(spec, Finding):
        raise rule_error([spec], source, [process_id])
    _own_lanes(root, spec[1])
    return spec


def _own_lanes(root: Any, subprocess_specs: dict[str, Any]) -> None:
    """Give each element inside an embedded subprocess the lane that lists it, as lint reads it: SpiffWorkflow 3.2
    hands every element inside a subprocess in a lane that subprocess's lane (ProcessParser's `lane`), so a step
    drawn in another lane would be offered to the wrong actor."""
    from engine.definitions.rules import node_lanes

    lanes = node_lanes(root)
    for sub in subprocess_specs.values():
        for task_spec in sub.task_specs.values():
            found = lanes.get(getattr(task_spec, "bpmn_id", None) or "", [])
            if len(found) == 1 and found[0].get("name"):
                task_spec.lane = found[0].get("name")
