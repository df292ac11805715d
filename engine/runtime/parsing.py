"""SpiffWorkflow's own reading of a diagram (its XSD, its parser), the same for `sop lint` and for loading."""

from __future__ import annotations

import copy
from typing import Any

from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.spiff.parser import VALIDATOR, SpiffBpmnParser

from engine.definitions.rules import ERROR, Finding, diagram_root, executable_processes, refuse, rule_error


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
    except SpiffWorkflowException as exc:
        return None, [Finding(ERROR, getattr(exc, "line_number", None), getattr(exc, "id", None),
                              "process-unparsable", f"SpiffWorkflow cannot read the file: {exc}")]
    return parser, []


def process_spec(parser: Any, root: Any, process_id: str) -> tuple[Any, dict[str, Any]] | Finding:
    """SpiffWorkflow's spec and subprocess specs of one process, or the finding that refuses it."""
    process = next((p for p in root.iter() if isinstance(p.tag, str) and p.get("id") == process_id), None)
    line = process.sourceline if process is not None else None
    try:
        return parser.get_spec(process_id), parser.get_subprocess_specs(process_id)
    except SpiffWorkflowException as exc:
        element = getattr(exc, "id", None) or process_id
        found = next((e for e in root.iter() if isinstance(e.tag, str) and e.get("id") == element), process)
        return Finding(ERROR, getattr(exc, "line_number", None) or (found.sourceline if found is not None else line),
                       element, "process-unparsable",
                       f"SpiffWorkflow cannot use process '{process_id}': {str(exc).strip()}")
    except Exception as exc:  # SpiffWorkflow 3.2 raises plain errors on some broken graphs
        return Finding(ERROR, line, process_id, "process-unparsable",
                       f"SpiffWorkflow cannot use process '{process_id}': {type(exc).__name__}: {exc}")


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
    return spec
