"""Timers: boundary timers on user tasks and timers waiting in the flow (intermediate catch events): which are
waiting, how long each waits, and firing one."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimeDateEventDefinition, TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.intermediate_event import BoundaryEvent, IntermediateCatchEvent
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState

from engine.common.durations import bare_moment
from engine.common.errors import EngineError, ExpressionError, TaskStateError
from engine.common.expressions import evaluate
from engine.common.work_calendar import split_duration
from engine.runtime.workflow import run_engine


def is_timer(task: Task) -> bool:
    """True for a timer event's task: on a boundary or waiting in the flow."""
    return is_timer_spec(task.task_spec)


def is_timer_spec(spec: Any) -> bool:
    """True for a timer event's spec: a boundary timer or an intermediate timer catch event."""
    return isinstance(spec, BoundaryEvent | IntermediateCatchEvent) and isinstance(
        getattr(spec, "event_definition", None), TimerEventDefinition)


def has_timers(workflow: BpmnWorkflow) -> bool:
    """True when the workflow's process, or an embedded subprocess in it, has a timer at all (known once per spec)."""
    spec = workflow.spec
    known: bool | None = getattr(spec, "_sop_has_timers", None)
    if known is None:
        specs = [spec, *(getattr(workflow, "subprocess_specs", None) or {}).values()]
        known = any(is_timer_spec(s) for sub in specs for s in sub.task_specs.values())
        spec._sop_has_timers = known
    return known


def waiting_timers(workflow: BpmnWorkflow) -> list[Task]:
    """The boundary timers waiting on ready tasks, in a stable order."""
    found = [t for t in workflow.get_tasks(state=TaskState.WAITING) if is_timer(t)]
    return sorted(found, key=lambda t: str(t.id))


def waiting_in_flow(workflow: BpmnWorkflow) -> list[Task]:
    """The timers the flow itself waits on (intermediate catch events): an instance with one is not stranded."""
    return [t for t in waiting_timers(workflow) if not isinstance(t.task_spec, BoundaryEvent)] if has_timers(
        workflow) else []


def attached_to(timer: Task) -> str:
    """The BPMN id of the task a boundary timer waits on ('' for a timer waiting in the flow)."""
    if not isinstance(timer.task_spec, BoundaryEvent):
        return ""
    for sibling in timer.parent.children if timer.parent else []:
        if not isinstance(sibling.task_spec, BoundaryEvent):
            return str(sibling.task_spec.bpmn_id)
    return ""


def interrupting(timer: Task) -> bool:
    """True when firing the timer cancels the task it is attached to (a timer waiting in the flow cancels nothing)."""
    return bool(getattr(timer.task_spec, "cancel_activity", False))


def timer_duration(timer: Task) -> str:
    """The timer's ISO-8601 duration: its expression (a bare or quoted duration, or an expression over the
    data) evaluated by the restricted evaluator, never by Python's eval."""
    text = str(timer.task_spec.event_definition.expression or "").strip()
    where = f"timer '{timer.task_spec.bpmn_id}'"
    value: Any = text if is_bare_duration(text) else None
    if value is None:
        try:
            value = evaluate(text, dict(timer.data))
        except ExpressionError as exc:
            raise EngineError("{where}: {exc}; give an ISO-8601 duration such as PT3H", where=where, exc=exc) from None
    if not isinstance(value, str):
        raise EngineError("{where}: {text!r} gives {value!r}, not an ISO-8601 duration such as PT3H",
                          where=where, text=text, value=value)
    try:
        split_duration(value)
    except EngineError as exc:
        raise EngineError("{where}: {exc}; give one such as PT3H or P1D", where=where, exc=exc) from None
    return value


AT = "at:"  # a timer's "when" that is a moment (a timeDate), not a duration from when it began to wait


def timer_when(timer: Task) -> str:
    """When a waiting timer fires: its ISO-8601 duration from when it began to wait, or `at:` and the date or time
    its timeDate gives (a bare ISO date or time, or an expression over the data giving one)."""
    if not isinstance(timer.task_spec.event_definition, TimeDateEventDefinition):
        return timer_duration(timer)
    text = str(timer.task_spec.event_definition.expression or "").strip()
    where = f"timer '{timer.task_spec.bpmn_id}'"
    value: Any = text if bare_moment(text) else None
    if value is None:
        try:
            value = evaluate(text, dict(timer.data))
        except ExpressionError as exc:
            raise EngineError("{where}: {exc}; give an ISO-8601 date such as 2026-12-31 or a field holding one",
                              where=where, exc=exc) from None
    if not isinstance(value, str) or not bare_moment(value):
        raise EngineError("{where}: {text!r} gives {value!r}, not an ISO-8601 date such as 2026-12-31 or a time such "
                          "as 2026-12-31T09:00", where=where, text=text, value=value)
    return AT + value.strip().strip("\"'")


def due_from(clock: Any, since: str, when: str) -> str:
    """The store time a timer is due: a duration on the clock from `since`, or its timeDate (a date: its midnight in
    the office's zone; a time without a zone: in the office's zone)."""
    if not when.startswith(AT):
        return str(clock.due(since, when))
    from datetime import datetime, time

    from engine.common.work_calendar import format_time

    text = when[len(AT):]
    moment = datetime.fromisoformat(text)
    if len(text) <= 10:  # a date alone
        moment = datetime.combine(moment.date(), time(0))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=clock.zone)
    return format_time(moment)


def is_bare_duration(text: str) -> bool:
    """True for an unquoted duration such as PT3H (BPMN modelers write it so), however long."""
    from engine.common.durations import DURATION_SHAPE

    return DURATION_SHAPE.match(text.strip()) is not None


def fire_timer(workflow: BpmnWorkflow, task_uuid: str) -> Task:
    """Fire one waiting timer and run the engine on: an interrupting boundary timer cancels its task; a timer waiting
    in the flow lets the flow go on.

    Whether the timer is due is the caller's decision (the store's due time against the engine's clock);
    this is the one place a timer fires, for `sop tick` and for replaying a `timer-fired` event alike."""
    try:
        timer = workflow.get_task_from_id(UUID(task_uuid))
    except (ValueError, KeyError, TypeError):
        timer = None
    if timer is None or not is_timer(timer):
        raise TaskStateError("No timer {task_uuid} in this instance", task_uuid=task_uuid)
    if timer.state != TaskState.WAITING:
        raise TaskStateError("Timer '{bpmn_id}' ({task_uuid}) is not waiting; it cannot fire",
                             bpmn_id=timer.task_spec.bpmn_id, task_uuid=task_uuid)
    timer.internal_data["event_fired"] = True
    timer.task_spec._update(timer)
    run_engine(workflow)
    return timer
