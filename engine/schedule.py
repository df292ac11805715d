"""What an instance's change leaves to do and by when: ready rows with due times, waiting timers, step records."""

from __future__ import annotations

from typing import Any

from .errors import EngineError
from .models import TaskView
from .store import InstanceRow, StepRow, TimerRow, Transaction
from .tasks import ready_row
from .work_calendar import Clock, WorkCalendar, sla_seconds


def due_of(clock: Clock, since: str, sla: str | None) -> str | None:
    """The due time of a task ready since `since` with Mutu Baku `sla` (None without one)."""
    if not sla:
        return None
    try:
        return clock.due(since, sla)
    except EngineError:
        return None  # a diagram's sla is checked at load; an old pinned version may hold anything


def record_change(
    tx: Transaction, row: InstanceRow, workflow: Any, previous: list[TaskView], now: str, clock: Clock, seq: int,
) -> list[TaskView]:
    """Write the instance's ready tasks (a task ready before keeps its since and due), its waiting timers
    (a timer waiting before keeps its due time), the tasks that became ready with event `seq`, and, when it
    completed, its total working time against its steps' Mutu Baku. Call after the completed step is finished."""
    from .timers import attached_to, has_timers, timer_duration, waiting_timers
    from .workflow import ready_user_tasks

    instance_id, process_id = row.id, row.process_id
    before = {t.id: t for t in previous}
    ready = []
    for task in ready_user_tasks(workflow):
        old = before.get(str(task.id))
        if old is not None:
            ready.append(ready_row(instance_id, process_id, task, old.since)._replace(due=old.due))
        else:
            new = ready_row(instance_id, process_id, task, now)
            ready.append(new._replace(due=due_of(clock, now, new.sla)))
    tx.add_steps([StepRow(instance_id, r.id, r.task, r.name, r.lane, r.sla, seq, now, r.due, process_id=process_id)
                  for r in ready if r.id not in before])
    tx.replace_ready_tasks(instance_id, ready)
    timers = []
    if has_timers(workflow):  # most SOPs have none: no timer rows to read
        waiting = {t.task_uuid: t for t in tx.timers(instance_id)}
        for timer in waiting_timers(workflow):
            kept = waiting.get(str(timer.id))
            timers.append(kept or TimerRow(instance_id, str(timer.id), str(timer.task_spec.bpmn_id),
                                           attached_to(timer), clock.due(now, timer_duration(timer))))
    tx.replace_timers(instance_id, timers)
    if row.status == "completed":
        budget = sum(sla_seconds(clock, sla) for sla in tx.step_slas(instance_id))
        tx.finish_instance(instance_id, clock.worked(row.started_at, now), budget)
    if isinstance(clock, WorkCalendar):
        for year, days in clock.take_fresh():
            tx.put_days_off(clock.key, year, days)
    return ready
