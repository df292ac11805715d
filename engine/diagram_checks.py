"""Checks a BPMN process element for what sop can run, so a diagram fails when it loads, not mid-instance."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from typing import Any, NamedTuple

from .errors import DefinitionError, ExpressionError
from .expressions import parse_expression

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
# SpiffWorkflow names its own internal task specs so; a BPMN element with one of these ids breaks at run time.
RESERVED_IDS = {"Start", "End", "Root"}
STEP_TAGS = ("userTask", "manualTask")
# Elements SpiffWorkflow knows but sop cannot drive yet (no scheduler, no messages, no code): refused at load.
UNSUPPORTED = {
    "scriptTask": "diagrams are data and may not run code; model the work as a user task",
    "serviceTask": "sop does not call services; model the work as a user task",
    "businessRuleTask": "sop has no decision tables yet; use an exclusive gateway",
    "sendTask": "sop does not send messages yet",
    "receiveTask": "sop does not receive messages yet",
    "intermediateCatchEvent": "sop has no timer or message events yet",
    "intermediateThrowEvent": "sop has no timer or message events yet",
    "boundaryEvent": "sop has no boundary events yet",
    "callActivity": "sop does not call other processes yet",
    "subProcess": "sop does not run subprocesses yet; draw the steps in the main process",
    "transaction": "sop does not run transactions yet",
    "eventBasedGateway": "sop has no event-based gateways yet",
    "complexGateway": "sop has no complex gateways; use exclusive or parallel gateways",
    "standardLoopCharacteristics": "sop does not run looping tasks yet; draw the loop with a gateway and flows",
    "adHocSubProcess": "sop does not run ad-hoc subprocesses yet",
}
ALLOWED_EVENT_DEFINITIONS = {"terminateEventDefinition"}


def tag(element: Any) -> str:
    """The local name of a BPMN element ('' for comments and other non-elements)."""
    name = element.tag
    return name.rsplit("}", 1)[-1] if isinstance(name, str) else ""


def check_process(process: Any, source: str, step_ids: set[str]) -> None:
    """Refuse what sop cannot run: unsupported elements, reserved ids, dangling flows, bad expressions."""
    for found in process_problems(process, step_ids):
        raise DefinitionError(f"{source}:{found.line}: {found.message}")


class DiagramProblem(NamedTuple):
    """One thing sop cannot run in a process element: where, which rule, and what to do."""

    line: int | None
    element: str | None
    rule: str
    message: str


def process_problems(process: Any, step_ids: set[str]) -> Iterator[DiagramProblem]:
    """Every element of a process sop cannot run, in document order (the loader stops at the first, lint lists all)."""
    ids = {e.get("id") for e in process.iter() if isinstance(e.tag, str) and e.get("id")}
    for element in process.iter():
        name, element_id, line = tag(element), element.get("id"), element.sourceline
        if element_id in RESERVED_IDS and name:
            yield DiagramProblem(line, element_id, "id-reserved",
                f"element id '{element_id}' collides with SpiffWorkflow's internal task of that "
                "name; rename it (for example StartEvent_1)"
            )
        if name in UNSUPPORTED:
            owner = element_id or element.getparent().get("id")
            what = f"{name} '{element_id}'" if element_id else f"{name} of '{owner}'"
            rule = "script-refused" if name == "scriptTask" else "element-unsupported"
            yield DiagramProblem(line, owner, rule, f"{what} is refused: {UNSUPPORTED[name]}")
        if name.endswith("EventDefinition") and name not in ALLOWED_EVENT_DEFINITIONS:
            parent = element.getparent()
            yield DiagramProblem(line, parent.get("id"), "element-unsupported",
                f"{tag(parent)} '{parent.get('id')}' has a {name}, which sop cannot run yet; "
                "use a plain start or end event"
            )
        if name == "sequenceFlow":
            for end in ("sourceRef", "targetRef"):
                if element.get(end) not in ids:
                    yield DiagramProblem(line, element_id, "flow-dangling",
                        f"sequence flow '{element_id}' has {end}='{element.get(end)}', which is no "
                        f"element of process '{process.get('id')}'; reconnect the flow"
                    )
        if name in ("conditionExpression", "loopCardinality", "completionCondition") and (element.text or "").strip():
            owner = element.getparent()
            where = f"{tag(owner)} '{owner.get('id')}'"
            for rule, message in expression_problems(element.text.strip(), where, step_ids):
                yield DiagramProblem(line, owner.get("id"), rule, message)
        if name in ("preScript", "postScript") and element.tag.startswith(f"{{{SPIFF_NS}}}"):
            owner = element.getparent().getparent()
            yield DiagramProblem(line, owner.get("id"), "script-refused",
                                 f"task '{owner.get('id')}' has a {name}; diagrams may not run code")


def check_expression(text: str, where: str, step_ids: set[str]) -> None:
    """The restricted evaluator must accept the expression, and `X[...]` must read a step of this process."""
    for _rule, message in expression_problems(text, where, step_ids):
        raise DefinitionError(message)


def expression_problems(text: str, where: str, step_ids: set[str]) -> Iterator[tuple[str, str]]:
    """What is wrong with a diagram expression: refused by the restricted evaluator, or reading no step."""
    try:
        tree = parse_expression(text)
    except ExpressionError as exc:
        yield "condition-invalid", f"{where}: {exc}; fix the expression"
        return
    for node in ast.walk(tree):
        if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name) and node.value.id not in step_ids:
            known = ", ".join(sorted(step_ids)) or "none"
            yield "condition-unknown-step", (
                f"{where}: expression {text!r} reads '{node.value.id}', which is no step of this process "
                f"(steps: {known}); use a step's task id"
            )
