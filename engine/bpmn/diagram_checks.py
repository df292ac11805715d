"""Checks a BPMN process element for what sop can run, so a diagram fails when it loads, not mid-instance."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from typing import Any, NamedTuple

from engine.common.errors import DefinitionError, EngineError, ExpressionError
from engine.common.expressions import RESERVED_NAMES, parse_expression
from engine.common.i18n import N_

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
# SpiffWorkflow names its own internal task specs so; a BPMN element with one of these ids breaks at run time.
RESERVED_IDS = {"Start", "End", "Root"}
# Names a task id may not take: they would shadow the evaluator's constants and functions in conditions.
SHADOWED_IDS = RESERVED_NAMES
TASK_ID_RULE = N_("use letters, digits and _ only, not starting with a digit or _, and not a Python keyword or a "
                  "condition function (for example DraftSurat)")


def is_task_id(value: str) -> bool:
    """The one rule for a step's id (lint, load and tables): a data key conditions can read as `Id["field"]`."""
    import keyword

    return (re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", value) is not None and not keyword.iskeyword(value)
            and value not in SHADOWED_IDS)
# The tasks people complete: a user task with its form; a manual or plain task (bpmn-js's "Task") with a form is
# one too, without a form it is a step with no artefact (completing it records who and when).
STEP_TAGS = ("userTask", "manualTask", "task")
# Elements SpiffWorkflow knows but sop cannot drive yet (no scheduler, no messages, no code): refused at load.
UNSUPPORTED = {
    "scriptTask": N_("diagrams are data and may not run code; model the work as a user task"),
    "serviceTask": N_("sop does not call services; model the work as a user task"),
    "businessRuleTask": N_("sop has no decision tables yet; use an exclusive gateway"),
    "sendTask": N_("sop does not send messages yet"),
    "receiveTask": N_("sop does not receive messages yet"),
    "intermediateCatchEvent": N_("sop waits on timers (a timerEventDefinition with a timeDuration or timeDate) and "
                                 "signals of the same request, but has no message or other catch events yet"),
    "intermediateThrowEvent": N_("sop throws signals within one request, but no message or other events yet (a "
                                 "plain one, with no event definition, is a milestone and runs)"),
    "callActivity": N_("sop does not call other processes yet"),
    "transaction": N_("sop does not run transactions yet"),
    "eventBasedGateway": N_("sop has no event-based gateways yet"),
    "complexGateway": N_("sop has no complex gateways; use exclusive or parallel gateways"),
    "adHocSubProcess": N_("sop does not run ad-hoc subprocesses yet"),
}
_DATA_HELP = N_("sop keeps each step's artefact under its task id and never reads or writes data objects or "
                "stores; delete it (and its associations) and let conditions read the step, e.g. Step[\"field\"]")
_MI_OUTPUT_HELP = N_("sop stores each completion's artefact under the step's id and never fills an output item, "
                     "so the task could never finish; remove loopDataOutputRef and outputDataItem")
# Data elements SpiffWorkflow moves between tasks, which sop's steps never fill: refused (rule data-unsupported,
# newer than the versions already pinned in stores, which it does not rewrite).
DATA_UNSUPPORTED = {
    "dataObject": _DATA_HELP, "dataObjectReference": _DATA_HELP, "dataStoreReference": _DATA_HELP,
    "dataInputAssociation": _DATA_HELP, "dataOutputAssociation": _DATA_HELP,
    "ioSpecification": N_("sop gives a step its data from the steps before it and its form, not from declared "
                          "data inputs and outputs; delete the ioSpecification (its dataInput/dataOutput)"),
    "loopDataOutputRef": _MI_OUTPUT_HELP, "outputDataItem": _MI_OUTPUT_HELP,
}
DATA_RULE = "data-unsupported"
ALLOWED_EVENT_DEFINITIONS = {"terminateEventDefinition"}
TIMER_HELP = N_("sop runs boundary timers (timeDuration or timeDate) and boundary signals on steps (user, manual and "
                "plain tasks) and embedded subprocesses, and error and escalation boundaries on embedded subprocesses "
                "only")
# What may carry a boundary timer: a step, or an embedded subprocess (firing cancels every step inside it).
TIMER_HOSTS = (*STEP_TAGS, "subProcess")
# What each kind of boundary event may sit on: a timer or a signal on a step or an embedded subprocess; an error or
# an escalation on an embedded subprocess, which throws them from inside (steps never do).
BOUNDARY_HOSTS = {"timerEventDefinition": TIMER_HOSTS, "signalEventDefinition": TIMER_HOSTS,
                  "errorEventDefinition": ("subProcess",), "escalationEventDefinition": ("subProcess",)}
THROWN = {"errorEventDefinition": (N_("error"), "errorRef"),
          "escalationEventDefinition": (N_("escalation"), "escalationRef")}
SUBPROCESS_RULE = "subprocess-invalid"
FLOW_CROSSING_RULE = "flow-crosses-subprocess"


def tag(element: Any) -> str:
    """The local name of a BPMN element ('' for comments and other non-elements)."""
    name = element.tag
    return name.rsplit("}", 1)[-1] if isinstance(name, str) else ""


def check_process(process: Any, source: str, step_ids: set[str]) -> None:
    """Refuse what sop cannot run: unsupported elements, reserved ids, dangling flows, bad expressions."""
    for found in process_problems(process, step_ids):
        raise DefinitionError("{source}:{found_line}: {found_message}",
                              source=source, found_line=found.line, found_message=found.message)


class DiagramProblem(NamedTuple):
    """One thing sop cannot run in a process element: where, which rule, and what to do."""

    line: int | None
    element: str | None
    rule: str
    message: str


def process_problems(process: Any, step_ids: set[str],
                     start_data: frozenset[str] = frozenset()) -> Iterator[DiagramProblem]:
    """Every element of a process sop cannot run, in document order (the loader stops at the first, lint lists all)."""
    ids = {e.get("id") for e in process.iter() if isinstance(e.tag, str) and e.get("id")}
    yield from _duplicate_ids(process)
    for element in process.iter():
        name, element_id, line = tag(element), element.get("id"), element.sourceline
        if element_id in RESERVED_IDS and name:
            yield DiagramProblem(line, element_id, "id-reserved", N_(
                "element id '{element_id}' collides with SpiffWorkflow's internal task of that name; rename it "
                "(for example StartEvent_1)", element_id=element_id))
        if name in UNSUPPORTED:
            yield from _unsupported(element, name)
        if name in DATA_UNSUPPORTED and element.tag.startswith(f"{{{BPMN_NS}}}"):
            owner = _data_owner(element)
            yield DiagramProblem(line, owner, DATA_RULE, _refused(name, element_id, owner, DATA_UNSUPPORTED[name]))
        if name == "boundaryEvent":
            yield from boundary_timer_problems(process, element, step_ids, start_data)
            continue
        if name == "intermediateCatchEvent" and is_timer_catch(element):
            yield from timer_problems(element, _definitions(element)[0], step_ids, start_data)
            continue
        if name.endswith("EventDefinition"):
            yield from _event_definition(element, name)
        if name == "sequenceFlow":
            yield from _flow_problems(process, element, ids)
        if name == "subProcess":
            yield from subprocess_problems(element)
        if name == "standardLoopCharacteristics":
            yield from _loop_problems(element)
        if name in ("conditionExpression", "loopCardinality", "completionCondition", "loopCondition") and (
                element.text or "").strip():
            owner = element.getparent()
            where = N_("{kind} '{element_id}'", kind=tag(owner), element_id=owner.get("id"))
            for rule, message in expression_problems(element.text.strip(), where, step_ids, start_data):
                yield DiagramProblem(line, owner.get("id"), rule, message)
        if name in ("preScript", "postScript") and element.tag.startswith(f"{{{SPIFF_NS}}}"):
            owner = element.getparent().getparent()
            yield DiagramProblem(line, owner.get("id"), "script-refused", N_(
                "task '{element_id}' has a {name}; diagrams may not run code", element_id=owner.get("id"), name=name))


def _duplicate_ids(process: Any) -> Iterator[DiagramProblem]:
    """Every id names one element of the process and of the subprocesses in it: a step's artefact is stored under
    its id, and a flow or lane names an element by it."""
    first: dict[str, Any] = {}
    for element in process.iter():
        element_id = element.get("id") if isinstance(element.tag, str) else None
        if not element_id or not element.tag.startswith(f"{{{BPMN_NS}}}"):
            continue  # a modeler's extension (activiti:formProperty, spiffworkflow:property) has ids of its own
        if element_id not in first:
            first[element_id] = element
            continue
        yield DiagramProblem(element.sourceline, element_id, "id-duplicate", N_(
            "{kind} id '{element_id}' is also the id of the {other} on line {line}; ids must be unique in the "
            "whole process, subprocesses included; rename one of them (and the flows and lanes that name it)",
            kind=tag(element), element_id=element_id, other=tag(first[element_id]),
            line=first[element_id].sourceline))


def _flow_problems(process: Any, flow: Any, ids: set[str]) -> Iterator[DiagramProblem]:
    """A sequence flow joins two elements of one container (the process, or one embedded subprocess): BPMN forbids a
    flow across a subprocess's border, and SpiffWorkflow would strand the instance there."""
    flow_id, line = flow.get("id"), flow.sourceline
    container = flow.getparent()
    inside = {child.get("id") for child in container if isinstance(child.tag, str)}
    for end in ("sourceRef", "targetRef"):
        ref = flow.get(end)
        if ref not in ids:
            yield DiagramProblem(line, flow_id, "flow-dangling", N_(
                "sequence flow '{element_id}' has {end}='{ref}', which is no element of process "
                "'{process_id}'; reconnect the flow", element_id=flow_id, end=end, ref=ref,
                process_id=process.get("id")))
        elif ref not in inside:
            where = (N_("subprocess '{sub_id}'", sub_id=container.get("id")) if tag(container) == "subProcess"
                     else N_("the process"))
            yield DiagramProblem(line, flow.get("sourceRef"), FLOW_CROSSING_RULE, N_(
                "sequence flow '{element_id}' is drawn in {where} but its {end} '{ref}' is not in it: a flow may "
                "not cross a subprocess's border; inside, end the path at the subprocess's end event; outside, draw "
                "the flow from or to the subprocess itself", element_id=flow_id, where=where,
                end=end, ref=ref))


def subprocess_problems(sub: Any) -> Iterator[DiagramProblem]:
    """An embedded subprocess runs when it is a plain one: one start event with no event definition, and no
    event subprocess (triggeredByEvent) or loop on it."""
    sub_id, line = sub.get("id"), sub.sourceline
    if sub.get("triggeredByEvent", "false").strip() == "true":
        yield DiagramProblem(line, sub_id, "element-unsupported", N_(
            "event subprocess '{sub_id}' (triggeredByEvent) is refused: sop does not run event subprocesses yet; "
            "use a boundary timer on a step or an embedded subprocess", sub_id=sub_id))
        return
    looped = [tag(c) for c in sub if tag(c) in ("standardLoopCharacteristics", "multiInstanceLoopCharacteristics")]
    if looped and looped[0] == "multiInstanceLoopCharacteristics":
        yield DiagramProblem(line, sub_id, "element-unsupported", N_(
            "subprocess '{sub_id}' is multi-instance, which sop does not run yet; repeat steps inside it instead",
            sub_id=sub_id))
    starts = [c for c in sub if tag(c) == "startEvent"]
    if len(starts) != 1:
        yield DiagramProblem(line, sub_id, SUBPROCESS_RULE, N_(
            "subprocess '{sub_id}' has {count} start events; draw exactly one plain start event inside it, where its "
            "work begins", sub_id=sub_id, count=len(starts)))
    elif _definitions(starts[0]):
        yield DiagramProblem(starts[0].sourceline, starts[0].get("id"), SUBPROCESS_RULE, N_(
            "start event '{event_id}' of subprocess '{sub_id}' has an event definition; the start event inside an "
            "embedded subprocess is a plain one (no timer, message or other trigger)",
            event_id=starts[0].get("id"), sub_id=sub_id))


def _unsupported(element: Any, name: str) -> Iterator[DiagramProblem]:
    """An element sop cannot run yet, with its event definitions when it has some (a plain intermediate throw event
    is a milestone, and a timer waiting in the flow runs: neither is refused)."""
    if (name == "intermediateThrowEvent" and not _definitions(element)) or (
            name == "intermediateCatchEvent" and is_timer_catch(element)) or (
            name in ("intermediateThrowEvent", "intermediateCatchEvent") and is_signal_event(element)):
        return
    if name == "intermediateThrowEvent" and is_thrown_escalation(element):
        yield from thrown_problems(element, _definitions(element)[0])
        return
    element_id = element.get("id")
    owner = element_id or element.getparent().get("id")
    rule = "script-refused" if name == "scriptTask" else "element-unsupported"
    kinds = ", ".join(tag(d) for d in _definitions(element))
    shown = N_("{name} '{element_id}' ({kinds})", name=name, element_id=element_id, kinds=kinds) \
        if kinds and element_id else None
    yield DiagramProblem(element.sourceline, owner, rule, N_("{what} is refused: {reason}", what=shown,
                                                             reason=UNSUPPORTED[name]) if shown else
                         _refused(name, element_id, owner, UNSUPPORTED[name]))


def _event_definition(element: Any, name: str) -> Iterator[DiagramProblem]:
    """An event definition sop cannot run, said once per event (not at all when its event is refused or checked
    whole: a boundary event, a refused element, a timer waiting in the flow)."""
    parent = element.getparent()
    if tag(parent) in ("boundaryEvent", *UNSUPPORTED) or name in ALLOWED_EVENT_DEFINITIONS or (
            tag(parent) == "startEvent" and tag(parent.getparent()) == "subProcess"):
        return  # (a subprocess's start event with a trigger: subprocess-invalid says it)
    if name == "timerEventDefinition" and tag(parent) == "startEvent" and len(_definitions(parent)) == 1:
        yield from _start_timer_problems(parent, element)
        return
    if name == "signalEventDefinition" and tag(parent) == "endEvent" and len(_definitions(parent)) == 1:
        return  # a signal thrown as its path ends, caught within the same request
    if name in THROWN and tag(parent) == "endEvent" and len(_definitions(parent)) == 1:
        yield from thrown_problems(parent, element)
        return
    refused = [d for d in _definitions(parent) if tag(d) not in ALLOWED_EVENT_DEFINITIONS]
    if refused[0] is element:  # an event with two definitions: said once, at its first
        yield DiagramProblem(element.sourceline, parent.get("id"), "element-unsupported", N_(
            "{kind} '{element_id}' has a {name}, which sop cannot run yet; use a plain start or end event",
            kind=tag(parent), element_id=parent.get("id"), name=", ".join(dict.fromkeys(map(tag, refused)))))


LOOP_CAP = 100_000  # the most iterations a loop may declare (the ceiling of a process's batas_pengulangan)


def _loop_problems(loop: Any) -> Iterator[DiagramProblem]:
    """A standard loop runs on a step, repeats while its loopCondition holds, and declares its cap (loopMaximum)."""
    task = loop.getparent()
    task_id, line = task.get("id"), loop.sourceline
    if tag(task) not in STEP_TAGS:
        yield DiagramProblem(line, task_id, "element-unsupported", N_(
            "{kind} '{task_id}' loops; sop repeats steps (user, manual and plain tasks) only; draw the loop with a "
            "gateway and flows", kind=tag(task), task_id=task_id))
        return
    cap = (loop.get("loopMaximum") or "").strip()
    if not cap.isdigit() or not 1 <= int(cap) <= LOOP_CAP:
        given = N_("no loopMaximum") if not cap else N_("loopMaximum '{cap}'", cap=cap)
        yield DiagramProblem(line, task_id, "loop-invalid", N_(
            "step '{task_id}' loops with {given}; give the most times it may repeat as a whole number from 1 to "
            "{limit} (loopMaximum=\"3\"), so a loop whose condition keeps holding still ends",
            task_id=task_id, given=given, limit=LOOP_CAP))
    condition = next((c for c in loop if tag(c) == "loopCondition"), None)
    if condition is None or not (condition.text or "").strip():
        yield DiagramProblem(line, task_id, "loop-invalid", N_(
            "step '{task_id}' loops with no loopCondition; give the condition under which it repeats, over the "
            "step's own form (e.g. {task_id}[\"lagi\"] == \"ya\")", task_id=task_id))


def _start_timer_problems(event: Any, timer: Any) -> Iterator[DiagramProblem]:
    """A timer start event: the process's only start event, of a process (not a subprocess), given no start data,
    with a date or a cycle written out (`sop tick` starts the process when it is due)."""
    from datetime import UTC

    from engine.common.timer_cycles import start_timer

    event_id, line, container = event.get("id"), event.sourceline, event.getparent()
    starts = [e for e in container if tag(e) == "startEvent"]
    if tag(container) != "process" or len(starts) > 1:
        yield DiagramProblem(line, event_id, "element-unsupported", N_(
            "startEvent '{event_id}' has a timer; sop starts a process on a timer when it is the process's only "
            "start event (not in a subprocess, not beside another start event)", event_id=event_id))
        return
    if any(p.get("name") in ("startData", "formJsonSchemaFilename") for p in container.iter(f"{{{SPIFF_NS}}}property")
           if p.getparent().getparent().getparent() in (container, event)):
        yield DiagramProblem(line, event_id, "element-unsupported", N_(
            "startEvent '{event_id}' has a timer, and the process asks for start data (startData or a start form); "
            "nobody gives it when the timer starts the process: remove one or the other", event_id=event_id))
        return
    given = [(tag(c), (c.text or "").strip()) for c in timer if tag(c)]
    what = N_("timer '{event_id}'", event_id=event_id)
    if len(given) != 1:
        yield DiagramProblem(line, event_id, "timer-invalid", N_(
            "{what} gives {count} timer values; a start event's timer is one date (timeDate, e.g. 2026-12-31T08:00) "
            "or one cycle (timeCycle, e.g. R/2026-01-05T08:00/P1W)", what=what, count=len(given)))
        return
    try:
        start_timer(given[0][0], given[0][1], UTC, what)
    except EngineError as exc:
        yield DiagramProblem(line, event_id, "timer-invalid", str(exc))


def _refused(name: str, element_id: str | None, owner: str | None, reason: str) -> str:
    """An element sop refuses, and why."""
    what = N_("{name} '{element_id}'", name=name, element_id=element_id) if element_id else N_(
        "{name} of '{owner}'", name=name, owner=owner)
    return N_("{what} is refused: {reason}", what=what, reason=reason)


def _definitions(event: Any) -> list[Any]:
    """The event definitions of an event (none for bpmn-js's plain intermediate event, a milestone that passes)."""
    return [child for child in event if tag(child).endswith("EventDefinition")]


def _data_owner(element: Any) -> str | None:
    """The id a data element is reported under: its own, else the nearest enclosing element's."""
    for candidate in (element, *element.iterancestors()):
        if candidate.get("id"):
            found: str = candidate.get("id")
            return found
    return None


def boundary_timer_problems(process: Any, event: Any, step_ids: set[str],
                            start_data: frozenset[str] = frozenset()) -> Iterator[DiagramProblem]:
    """A boundary event: one timer (a duration or a date) or one signal, on a step or an embedded subprocess."""
    event_id, line = event.get("id"), event.sourceline
    definitions = [c for c in event if tag(c).endswith("EventDefinition")]
    if len(definitions) != 1 or tag(definitions[0]) not in BOUNDARY_HOSTS:
        kinds = ", ".join(tag(c) for c in definitions) or N_("no event definition")
        yield DiagramProblem(line, event_id, "element-unsupported", N_(
            "boundaryEvent '{event_id}' has {kinds}; {help}", event_id=event_id, kinds=kinds, help=TIMER_HELP))
        return
    target = event.get("attachedToRef")
    hosts = [e for e in process.iter() if isinstance(e.tag, str) and e.get("id") == target]
    if not hosts or tag(hosts[0]) not in BOUNDARY_HOSTS[tag(definitions[0])]:
        kind = tag(hosts[0]) if hosts else N_("no element")
        yield DiagramProblem(line, event_id, "element-unsupported", N_(
            "boundaryEvent '{event_id}' is attached to '{target}' ({kind}); {help}", event_id=event_id,
            target=target, kind=kind, help=TIMER_HELP))
        return
    if tag(definitions[0]) == "timerEventDefinition":
        yield from timer_problems(event, definitions[0], step_ids, start_data)


def thrown_problems(event: Any, definition: Any) -> Iterator[DiagramProblem]:
    """An error or escalation thrown (an end event, or an intermediate throw of an escalation) must be inside an
    embedded subprocess that a boundary event of its kind catches (the same errorRef or escalationRef, or none)."""
    kind, ref_name = THROWN[tag(definition)]
    event_id, line = event.get("id"), event.sourceline
    container = event.getparent()
    ref = definition.get(ref_name)
    if tag(container) == "subProcess":
        process = next((a for a in container.iterancestors() if tag(a) == "process"), container)
        for boundary in process.iter(f"{{{BPMN_NS}}}boundaryEvent"):
            caught = _definitions(boundary)
            if boundary.get("attachedToRef") == container.get("id") and len(caught) == 1 and \
                    tag(caught[0]) == tag(definition) and caught[0].get(ref_name) in (None, "", ref):
                return
    where = N_("subprocess '{sub_id}'", sub_id=container.get("id")) if tag(container) == "subProcess" else \
        N_("an embedded subprocess")
    yield DiagramProblem(line, event_id, "element-unsupported", N_(
        "{event_kind} '{event_id}' throws an {kind} nothing catches; sop runs an {kind} thrown inside an embedded "
        "subprocess and caught by an {kind} boundary event on it: draw the event inside {where} and attach the "
        "boundary event there", event_kind=tag(event), event_id=event_id, kind=kind, where=where))


def is_thrown_escalation(event: Any) -> bool:
    """True for an intermediate throw event whose one event definition is an escalation."""
    definitions = _definitions(event)
    return len(definitions) == 1 and tag(definitions[0]) == "escalationEventDefinition"


def is_signal_event(event: Any) -> bool:
    """True for an intermediate event whose one event definition is a signal: thrown and caught within one request."""
    definitions = _definitions(event)
    return len(definitions) == 1 and tag(definitions[0]) == "signalEventDefinition"


def is_timer_catch(event: Any) -> bool:
    """True for an intermediate catch event whose one event definition is a timer: a wait in the flow."""
    definitions = _definitions(event)
    return len(definitions) == 1 and tag(definitions[0]) == "timerEventDefinition"


def timer_problems(event: Any, definition: Any, step_ids: set[str],
                   start_data: frozenset[str] = frozenset()) -> Iterator[DiagramProblem]:
    """A timer (on a boundary or waiting in the flow) must give one duration: bare (PT3H) or an expression."""
    from engine.common.durations import DURATION_SHAPE
    from engine.common.errors import EngineError
    from engine.common.work_calendar import split_duration

    event_id, line = event.get("id"), event.sourceline
    given = {tag(c): (c.text or "").strip() for c in definition if tag(c)}
    if set(given) == {"timeDate"}:
        yield from _date_problems(event_id, line, given["timeDate"], step_ids, start_data)
        return
    if set(given) != {"timeDuration"}:
        named = ", ".join(sorted(given)) or N_("nothing")
        yield DiagramProblem(line, event_id, "element-unsupported", N_(
            "timer '{event_id}' gives {named}; sop runs timers with one timeDuration (e.g. PT3H) or one timeDate "
            "(e.g. 2026-12-31, or a field holding a date), not cycles", event_id=event_id, named=named))
        return
    text, what = given["timeDuration"], N_("timer '{event_id}'", event_id=event_id)
    if not text:
        yield DiagramProblem(line, event_id, "timer-invalid", N_(
            "{what} has an empty timeDuration; give an ISO-8601 duration such as PT3H", what=what))
        return
    try:
        split_duration(text)
        return  # a bare duration, as modelers write it
    except EngineError as exc:
        if DURATION_SHAPE.match(text):  # a duration, but too long
            yield DiagramProblem(line, event_id, "timer-invalid", N_("{what}: {problem}", what=what, problem=exc))
            return
    problems = list(expression_problems(text, what, step_ids, start_data))
    for rule, message in problems:
        yield DiagramProblem(line, event_id, rule, message)
    if problems:
        return
    tree = parse_expression(text)
    if isinstance(tree, ast.Constant):
        try:
            split_duration(str(tree.value))
        except EngineError as exc:
            yield DiagramProblem(line, event_id, "timer-invalid", N_(
                "{what}: {problem}; give one such as PT3H or P1D", what=what, problem=exc))


def _date_problems(event_id: str, line: int | None, text: str, step_ids: set[str],
                   start_data: frozenset[str]) -> Iterator[DiagramProblem]:
    """A timeDate: an ISO-8601 date or time written in the diagram, or an expression over the data giving one."""
    from engine.common.durations import bare_moment

    what = N_("timer '{event_id}'", event_id=event_id)
    if not text:
        yield DiagramProblem(line, event_id, "timer-invalid", N_(
            "{what} has an empty timeDate; give an ISO-8601 date such as 2026-12-31 or a field holding one, e.g. "
            "Step[\"tanggal\"]", what=what))
        return
    if bare_moment(text):
        return
    if text.strip().strip("\"'")[:4].isdigit():
        yield DiagramProblem(line, event_id, "timer-invalid", N_(
            "{what}: '{text}' is not an ISO-8601 date or time; write it as 2026-12-31 or 2026-12-31T09:00",
            what=what, text=text))
        return
    for rule, message in expression_problems(text, what, step_ids, start_data):
        yield DiagramProblem(line, event_id, rule, message)


def check_expression(text: str, where: str, step_ids: set[str]) -> None:
    """The restricted evaluator must accept the expression, and `X[...]` must read a step of this process."""
    for _rule, message in expression_problems(text, where, step_ids):
        raise DefinitionError(message)


def expression_problems(text: str, where: str, step_ids: set[str],
                        start_data: frozenset[str] = frozenset()) -> Iterator[tuple[str, str]]:
    """What is wrong with a diagram expression: refused by the restricted evaluator, or reading no step (nor
    declared start data) as X[...]."""
    try:
        tree = parse_expression(text)
    except ExpressionError as exc:
        juel = text.lstrip().startswith(("${", "#{"))  # Camunda's habit
        fix = (N_("write it without ${ } as an expression over a step's field, e.g. Step[\"field\"] == \"value\"")
               if juel else N_("fix the expression"))
        broken = _line_break(text)
        if broken is not None and not juel:
            yield "condition-invalid", N_("{where}: {problem}", where=where, problem=N_(
                "expression {text!r} is broken across lines: its line {line} ends with {end!r}, and a line break "
                "ends an expression; write it on one line (a modeler's pretty-printing may have split it), or put "
                "the whole expression in parentheses", text=" ".join(text.split()), line=broken[0], end=broken[1]))
            return
        yield "condition-invalid", N_("{where}: {problem}", where=where, problem=N_(
            "{problem}; {fix}", problem=exc, fix=fix))
        return
    for node in ast.walk(tree):
        if (isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name) and node.value.id not in step_ids
                and node.value.id not in start_data):
            known = ", ".join(sorted(step_ids)) or N_("none")
            yield "condition-unknown-step", N_("{where}: {problem}", where=where, problem=N_(
                "expression {text!r} reads '{name}', which is no step of this process (steps: {known}); use a "
                "step's task id", text=text, name=node.value.id, known=known))


def _line_break(text: str) -> tuple[int, str] | None:
    """Where a line break inside an expression is its only problem: (the line before it, 1-based, and that line's
    last words), else None."""
    lines = [line.strip() for line in text.strip().splitlines()]
    if len(lines) < 2:
        return None
    try:
        parse_expression(" ".join(lines))
    except ExpressionError:
        return None
    try:
        ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        number = max(1, min(exc.lineno or 1, len(lines) - 1))
        return number, lines[number - 1][-30:]
    return None
