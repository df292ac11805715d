"""What an instance's change leaves to do and by when: ready rows with due times, waiting timers, step records."""

from __future__ import annotations

from typing import Any

from engine.bpmn.tasks import ready_row
from engine.common.errors import EngineError
from engine.common.models import TaskView
from engine.common.work_calendar import Clock, WorkCalendar, sla_seconds
from engine.store.protocol import InstanceRow, StepRow, TimerRow, Transaction


def due_of(clock: Clock, since: str, sla: str | None, where: str) -> str | None:
    """The due time of a task ready since `since` with Mutu Baku `sla` (None without one); a due time that cannot
    be computed (an sla too long, a broken calendar) is refused naming `where` (the instance and step) and the sla."""
    if not sla:
        return None
    try:
        return clock.due(since, sla)
    except EngineError as exc:
        raise type(exc)(f"{where} has sla {sla!r}, whose due time cannot be computed: {exc}; fix the step's "
                        "sla (or the calendar) and deploy again; nothing was changed") from None


def retimed_steps(clock: Clock, row: InstanceRow, tasks: list[Any], before: list[TaskView]) -> list[dict[str, Any]]:
    """The ready steps a move to another version gives another Mutu Baku, each due by the new one from when it
    became ready (the `retimed` of the `instance-migrated` event: task, task_uuid, sla, due)."""
    old = {t.id: t for t in before}
    out = []
    for task in tasks:
        was = old.get(str(task.id))
        new = ready_row(row.id, row.process_id, task, was.since) if was is not None else None
        if was is not None and new is not None and new.sla != was.sla:
            out.append({"task": new.task, "task_uuid": new.id, "sla": new.sla,
                        "due": due_of(clock, was.since, new.sla, f"Instance {row.id} step '{new.task}'")})
    return out


def record_change(
    tx: Transaction, row: InstanceRow, workflow: Any, tasks: list[Any], previous: list[TaskView], *, now: str,
    clock: Clock, seq: int, retime: bool = False, completing: bool = False,
) -> list[TaskView]:
    """Write the instance's ready tasks (a task ready before keeps its since, due and claim; drafts of the others
    are dropped), its waiting timers (a timer waiting before keeps its due time), the tasks that became ready with
    event `seq`, and, when it completed with this change (completing), its total working time against its steps'
    Mutu Baku (tasks: the workflow's ready user tasks). retime (a migration): a task still ready whose Mutu Baku
    changed is due by its new one from when it became ready, in its ready row and its step record. Call after the
    completed step is finished."""
    from engine.runtime.timers import attached_to, has_timers, waiting_timers

    instance_id, process_id = row.id, row.process_id
    before = {t.id: t for t in previous}
    ready = []
    retimed = {r["task_uuid"]: r["due"] for r in retimed_steps(clock, row, tasks, previous)} if retime else {}
    for task in tasks:
        old = before.get(str(task.id))
        if old is not None:  # still ready: keeps its due time (unless a move retimes it) and who took it
            ready.append(ready_row(instance_id, process_id, task, old.since)._replace(
                due=retimed.get(old.id, old.due), claimed_by=old.claimed_by, claimed_at=old.claimed_at))
        else:
            new = ready_row(instance_id, process_id, task, now)
            ready.append(new._replace(due=due_of(clock, now, new.sla, f"Instance {instance_id} step '{new.task}'")))
    tx.add_steps([StepRow(instance_id, r.id, r.task, r.name, r.lane, r.sla, seq, now, r.due, process_id=process_id)
                  for r in ready if r.id not in before])
    tx.replace_ready_tasks(instance_id, ready)
    if retimed:
        tx.retime_steps(instance_id, [(r.id, r.sla, r.due) for r in ready if r.id in retimed])
    tx.discard_drafts(instance_id, tuple(r.id for r in ready))  # a step no longer ready needs no draft
    timers = []
    if has_timers(workflow):  # most SOPs have none: no timer rows to read
        waiting = {t.task_uuid: t for t in tx.timers(instance_id)}
        for timer in waiting_timers(workflow):
            kept = waiting.get(str(timer.id))
            timers.append(kept or TimerRow(instance_id, str(timer.id), str(timer.task_spec.bpmn_id),
                                           attached_to(timer), _timer_due(clock, now, timer, instance_id)))
    tx.replace_timers(instance_id, timers)
    if completing:  # it completed with this change (a comment on a finished instance keeps its times)
        budget = sum(sla_seconds(clock, sla) for sla in tx.step_slas(instance_id))
        tx.finish_instance(instance_id, clock.worked(row.started_at, now), budget)
    if isinstance(clock, WorkCalendar):
        for year, days in clock.take_fresh():
            tx.put_days_off(clock.key, year, days)
    return ready


def _timer_due(clock: Clock, now: str, timer: Any, instance_id: int) -> str:
    """When a timer that starts waiting now fires; refused naming the instance, timer and duration or date."""
    from engine.runtime.timers import due_from, timer_when

    try:
        return due_from(clock, now, timer_when(timer))
    except EngineError as exc:
        raise type(exc)(f"Instance {instance_id}: {exc}; nothing was changed") from None
