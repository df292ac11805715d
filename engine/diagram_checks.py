"""Checks a BPMN process element for what sop can run, so a diagram fails when it loads, not mid-instance."""

from __future__ import annotations

import ast
from typing import Any

from .errors import DefinitionError, EngineError, ExpressionError
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
    "callActivity": "sop does not call other processes yet",
    "subProcess": "sop does not run subprocesses yet; draw the steps in the main process",
    "transaction": "sop does not run transactions yet",
    "eventBasedGateway": "sop has no event-based gateways yet",
    "complexGateway": "sop has no complex gateways; use exclusive or parallel gateways",
    "standardLoopCharacteristics": "sop does not run looping tasks yet; draw the loop with a gateway and flows",
    "adHocSubProcess": "sop does not run ad-hoc subprocesses yet",
}
ALLOWED_EVENT_DEFINITIONS = {"terminateEventDefinition"}
TIMER_HELP = "sop runs boundary timers (timeDuration) on user and manual tasks only; draw the escalation so"


def tag(element: Any) -> str:
    """The local name of a BPMN element ('' for comments and other non-elements)."""
    name = element.tag
    return name.rsplit("}", 1)[-1] if isinstance(name, str) else ""


def check_process(process: Any, source: str, step_ids: set[str]) -> None:
    """Refuse what sop cannot run: unsupported elements, reserved ids, dangling flows, bad expressions."""
    ids = {e.get("id") for e in process.iter() if isinstance(e.tag, str) and e.get("id")}
    for element in process.iter():
        name, element_id, line = tag(element), element.get("id"), element.sourceline
        if element_id in RESERVED_IDS and name:
            raise DefinitionError(
                f"{source}:{line}: element id '{element_id}' collides with SpiffWorkflow's internal task of that "
                "name; rename it (for example StartEvent_1)"
            )
        if name in UNSUPPORTED:
            what = f"{name} '{element_id}'" if element_id else f"{name} of '{element.getparent().get('id')}'"
            raise DefinitionError(f"{source}:{line}: {what} is refused: {UNSUPPORTED[name]}")
        if name == "boundaryEvent":
            check_boundary_timer(process, element, f"{source}:{line}", step_ids)
            continue
        if name == "timerEventDefinition" and tag(element.getparent()) == "boundaryEvent":
            continue  # checked with its boundary event
        if name.endswith("EventDefinition") and name not in ALLOWED_EVENT_DEFINITIONS:
            parent = element.getparent()
            raise DefinitionError(
                f"{source}:{line}: {tag(parent)} '{parent.get('id')}' has a {name}, which sop cannot run yet; "
                "use a plain start or end event"
            )
        if name == "sequenceFlow":
            for end in ("sourceRef", "targetRef"):
                if element.get(end) not in ids:
                    raise DefinitionError(
                        f"{source}:{line}: sequence flow '{element_id}' has {end}='{element.get(end)}', which is no "
                        f"element of process '{process.get('id')}'; reconnect the flow"
                    )
        if name in ("conditionExpression", "loopCardinality", "completionCondition") and (element.text or "").strip():
            owner = element.getparent()
            check_expression(element.text.strip(), f"{source}:{line}: {tag(owner)} '{owner.get('id')}'", step_ids)
        if name in ("preScript", "postScript") and element.tag.startswith(f"{{{SPIFF_NS}}}"):
            owner = element.getparent().getparent()
            raise DefinitionError(f"{source}:{line}: task '{owner.get('id')}' has a {name}; diagrams may not run code")


def check_boundary_timer(process: Any, event: Any, where: str, step_ids: set[str]) -> None:
    """A boundary event must be one timer with a duration, attached to a user or manual task."""
    event_id = event.get("id")
    definitions = [c for c in event if tag(c).endswith("EventDefinition")]
    if len(definitions) != 1 or tag(definitions[0]) != "timerEventDefinition":
        kinds = ", ".join(tag(c) for c in definitions) or "no event definition"
        raise DefinitionError(f"{where}: boundaryEvent '{event_id}' has {kinds}; {TIMER_HELP}")
    target = event.get("attachedToRef")
    hosts = [e for e in process.iter() if isinstance(e.tag, str) and e.get("id") == target]
    if not hosts or tag(hosts[0]) not in STEP_TAGS:
        kind = tag(hosts[0]) if hosts else "no element"
        raise DefinitionError(f"{where}: boundaryEvent '{event_id}' is attached to '{target}' ({kind}); {TIMER_HELP}")
    timer = definitions[0]
    given = {tag(c): (c.text or "").strip() for c in timer if tag(c)}
    if set(given) != {"timeDuration"}:
        named = ", ".join(sorted(given)) or "nothing"
        raise DefinitionError(
            f"{where}: timer '{event_id}' gives {named}; sop runs timeDuration timers only (e.g. PT3H)"
        )
    text = given["timeDuration"]
    what = f"{where}: timer '{event_id}'"
    if not text:
        raise DefinitionError(f"{what} has an empty timeDuration; give an ISO-8601 duration such as PT3H")
    from .work_calendar import split_duration

    try:
        split_duration(text)
        return  # a bare duration, as modelers write it
    except EngineError:
        pass
    check_expression(text, what, step_ids)
    tree = parse_expression(text)
    if isinstance(tree, ast.Constant):
        try:
            split_duration(str(tree.value))
        except EngineError:
            raise DefinitionError(f"{what}: {text} is not an ISO-8601 duration such as PT3H or P1D") from None


def check_expression(text: str, where: str, step_ids: set[str]) -> None:
    """The restricted evaluator must accept the expression, and `X[...]` must read a step of this process."""
    try:
        tree = parse_expression(text)
    except ExpressionError as exc:
        raise DefinitionError(f"{where}: {exc}; fix the expression") from None
    for node in ast.walk(tree):
        if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name) and node.value.id not in step_ids:
            known = ", ".join(sorted(step_ids)) or "none"
            raise DefinitionError(
                f"{where}: expression {text!r} reads '{node.value.id}', which is no step of this process "
                f"(steps: {known}); use a step's task id"
            )
