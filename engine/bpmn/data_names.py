"""The names a diagram's expressions may read: step ids, declared start data and the evaluator's own; a bare name
that is none of these (a typo, or spiff-arena's and Camunda's habit of bare field names) is refused at load."""

from __future__ import annotations

import ast
import difflib
import keyword
import re
from collections.abc import Iterator
from typing import Any

from engine.bpmn.diagram_checks import BPMN_NS, SPIFF_NS, tag
from engine.bpmn.flow_checks import FlowGraph, Found, expressions_of
from engine.common.errors import EngineError, ExpressionError
from engine.common.expressions import RESERVED_NAMES, parse_expression
from engine.common.i18n import N_

START_DATA_PROPERTY = "startData"
NAME_RULE = "condition-unknown-name"
START_DATA_RULE = "start-data-invalid"
_SEPARATORS = re.compile(r"[\s,]+")


def start_data_names(process: Any) -> dict[str, int | None]:
    """The start data a process declares (name -> line): a startData property of the process or a start event."""
    found: dict[str, int | None] = {}
    for holder in (process, *process.iter(f"{{{BPMN_NS}}}startEvent")):
        extensions = holder.find(f"{{{BPMN_NS}}}extensionElements")
        for prop in extensions.iter(f"{{{SPIFF_NS}}}property") if extensions is not None else ():
            if prop.get("name") == START_DATA_PROPERTY:
                for name in _SEPARATORS.split(prop.get("value", "")):
                    if name:
                        found.setdefault(name, prop.sourceline)
    return found


def start_data_problems(declared: dict[str, int | None], step_ids: set[str], process_id: str) -> Iterator[Found]:
    """A declared start data name must be a data key that is neither a step id nor a condition's own name."""
    for name, line in declared.items():
        if not name.isidentifier() or name.startswith("_") or keyword.iskeyword(name):
            why = N_("is not a data key; use letters, digits and _ (not leading)")
        elif name in RESERVED_NAMES:
            why = N_("is a name conditions read as a constant or function; choose another")
        elif name in step_ids:
            why = N_("is the id of a step, whose artefact is stored under it; choose another")
        else:
            continue
        yield (line, process_id, START_DATA_RULE, N_("{property} name '{name}' of process '{process_id}' {why}",
                                                     property=START_DATA_PROPERTY, name=name, process_id=process_id,
                                                     why=why))


def _bare_names(text: str) -> list[str]:
    """The names an expression reads bare (not as Step[...], not a function called), in order, once each."""
    try:
        tree = parse_expression(text)
    except ExpressionError:
        return []  # condition-invalid names it
    skip = {id(node.value) for node in ast.walk(tree) if isinstance(node, ast.Subscript)}
    skip |= {id(node.func) for node in ast.walk(tree) if isinstance(node, ast.Call)}
    names = (node.id for node in ast.walk(tree) if isinstance(node, ast.Name) and id(node) not in skip)
    return list(dict.fromkeys(names))


def _item_names(task: Any) -> set[str]:
    """The names a multi-instance task gives each of its instances (inputDataItem)."""
    if task is None:
        return set()
    return {item.get("name") or item.get("id") or "" for item in task.iter(f"{{{BPMN_NS}}}inputDataItem")}


def _timer_expressions(process: Any, graph: FlowGraph) -> Iterator[tuple[Any, str, str, set[str]]]:
    """(element, timer event id, text, steps before) of each timer (on a boundary or waiting in the flow) whose
    duration or date is an expression."""
    from engine.common.durations import DURATION_SHAPE, bare_moment
    from engine.common.work_calendar import split_duration

    events = [*process.iter(f"{{{BPMN_NS}}}boundaryEvent"), *process.iter(f"{{{BPMN_NS}}}intermediateCatchEvent")]
    for event in events:
        host = event.get("attachedToRef") or event.get("id", "")
        for date in event.iter(f"{{{BPMN_NS}}}timeDate"):
            text = (date.text or "").strip()
            if text and not bare_moment(text) and not text.strip("\"'")[:4].isdigit():
                yield date, event.get("id", ""), text, graph.upstream(host) | {host}
        for duration in event.iter(f"{{{BPMN_NS}}}timeDuration"):
            text = (duration.text or "").strip()
            try:
                split_duration(text)
                continue  # a bare duration such as PT3H
            except EngineError:
                if not text or DURATION_SHAPE.match(text):
                    continue  # timer-invalid names it
            yield duration, event.get("id", ""), text, graph.upstream(host) | {host}


def _where(element: Any, owner: str) -> str:
    kind = tag(element)
    if kind == "conditionExpression":
        return N_("the condition of sequence flow '{owner}'", owner=owner)
    if kind == "property":
        return N_("the check of task '{owner}'", owner=owner)
    if kind == "timeDuration":
        return N_("the duration of timer '{owner}'", owner=owner)
    if kind == "timeDate":
        return N_("the date of timer '{owner}'", owner=owner)
    return N_("the {kind} of '{owner}'", kind=kind, owner=owner)


def suggestion(name: str, before: set[str], names: set[str], schemas: dict[str, dict[str, Any]]) -> str:
    """How to write a bare name: the step-scoped field of the one form that has it, a close name, or declare it."""
    having = sorted(step for step, schema in schemas.items()
                    if isinstance(schema.get("properties"), dict) and name in schema["properties"])
    having = [step for step in having if step in before] or having
    if len(having) == 1:
        return N_("write {step}[\"{name}\"] (a field of the form of step '{step}')", step=having[0], name=name)
    if having:
        return N_("write the field of the step meant: {choices}", choices=" or ".join(
            f'{step}["{name}"]' for step in having))
    close = difflib.get_close_matches(name, sorted(names), n=1)
    if close:
        return N_("did you mean '{close}'?", close=close[0])
    return N_("if it is given at start (sop start --data), declare it with a spiffworkflow:property {property} "
              "(value '{name}') on the process; else read a step's field, Step[\"field\"]",
              property=START_DATA_PROPERTY, name=name)


def name_problems(process: Any, graph: FlowGraph, step_ids: set[str], declared: set[str],
                  schemas: dict[str, dict[str, Any]]) -> Iterator[Found]:
    """Each bare name an expression reads that is no step id, evaluator name or declared start data; each
    multi-instance input collection that is no declared start data."""
    known = step_ids | declared
    found: list[tuple[Any, str, str, set[str]]] = [
        (element, owner, text, before) for element, owner, text, before, _ in expressions_of(process, graph)]
    found += list(_timer_expressions(process, graph))
    for element, owner, text, before in found:
        allowed = known | RESERVED_NAMES | _item_names(graph.nodes.get(owner))
        for name in _bare_names(text):
            if name not in allowed:
                yield (element.sourceline, owner, NAME_RULE, N_(
                    "{where} {text!r} reads '{name}', which is no step id, condition function or declared start "
                    "data; {fix}", where=_where(element, owner), text=text, name=name,
                    fix=suggestion(name, before, known, schemas)))
    for task_id, task in graph.nodes.items():
        for ref in () if tag(task) == "subProcess" else task.iter(f"{{{BPMN_NS}}}loopDataInputRef"):
            name = (ref.text or "").strip()
            if name not in declared:
                yield (ref.sourceline, task_id, NAME_RULE, N_(
                    "multi-instance task '{task_id}' repeats once per item of '{name}' (loopDataInputRef), which is "
                    "no declared start data; declare it with a spiffworkflow:property {property} (value '{name}') on "
                    "the process and give the list with sop start --data, or use loopCardinality", task_id=task_id,
                    name=name, property=START_DATA_PROPERTY))
