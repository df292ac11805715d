"""The one way an instance changes: from one stored state to the next, with all that follows, in one transaction.

Starting, completing a step, claiming or releasing one, firing a timer and moving to another version each run
SpiffWorkflow their own way, then call `advance`, which writes the new state, the chained events, the finished step,
the ready rows with their due times, the step records, the waiting timers and the outbox rows (what happened, for
work after the commit) through the caller's transaction.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

from engine.common.models import TaskView
from engine.runtime.step_checks import check_not_stranded
from engine.store.protocol import EventRow, InstanceRow, Transaction

if TYPE_CHECKING:
    from engine.common.work_calendar import Clock


class Happened(NamedTuple):
    """An event a change appends, before it is numbered, timed and chained."""

    type: str
    task: str | None
    task_uuid: str | None
    data: dict[str, Any]


class Finished(NamedTuple):
    """The ready task a change completed: its UUID and since when it was ready (for its step record)."""

    task_uuid: str
    since: str


class Advanced(NamedTuple):
    """The instance row as written and its ready tasks after the change."""

    row: InstanceRow
    ready: list[TaskView]


class Change(NamedTuple):
    """Who made a change and when, and what the store held before it."""

    actor: str
    operator: str
    now: str
    clock: Clock
    before: list[TaskView]  # the instance's ready rows before the change: a task still ready keeps since and due
    retime: bool = False  # a migration: a task still ready whose Mutu Baku changed is due by the new one


def advance(
    tx: Transaction, row: InstanceRow, workflow: Any, happened: list[Happened], change: Change, *, stranded: str,
    version: str | None = None, finished: Finished | None = None,
) -> Advanced:
    """Write the workflow's next state with everything that follows from it; a change that would leave the
    instance running with no step ready is refused before anything is written (stranded: who would leave it)."""
    from engine.runtime.timers import waiting_in_flow
    from engine.runtime.workflow import STATE_FORMAT, ready_user_tasks, state_to_bytes
    from engine.service.outbox import change_rows
    from engine.service.schedule import record_change

    tasks = ready_user_tasks(workflow)
    status = "completed" if workflow.completed else "running"
    check_not_stranded(status, tasks or waiting_in_flow(workflow), stranded)
    completing = status == "completed" and row.status != "completed"  # a finished one only takes comments
    if completing:
        happened = [*happened, Happened("instance-completed", None, None, {})]
    new_row = row._replace(version=version or row.version, status=status, updated_at=change.now,
                           state=state_to_bytes(workflow), state_format=STATE_FORMAT, row_version=row.row_version + 1,
                           completed_at=change.now if completing else row.completed_at)
    new_row = _append(tx, new_row, happened, change)
    tx.save_instance(new_row, row.row_version)
    from engine.service.titles import record_words

    record_words(tx, new_row, [h.type for h in happened], change.actor, change.operator)
    if finished is not None:
        clock = change.clock
        tx.finish_step(row.id, finished.task_uuid, row.last_seq + 1, change.now,
                       clock.worked(finished.since, change.now))
    ready = record_change(
        tx, new_row, workflow, tasks, change.before, now=change.now, clock=change.clock, seq=row.last_seq + 1,
        retime=change.retime, completing=completing,
    )
    tx.queue_outbox(change_rows(row.id, row.process_id, row.last_seq + 1, happened, ready, before=change.before,
                                actor=change.actor, now=change.now))
    return Advanced(new_row, ready)


def preview(row: InstanceRow, workflow: Any, before: list[TaskView], now: str, stranded: str, *,
            clock: Clock | None = None) -> list[TaskView]:
    """The ready tasks a change would leave, writing nothing (a task ready before keeps its since and due, or with
    clock, as a move would retime it; a new one is due from now); refused like `advance` when the instance would be
    stranded."""
    from engine.bpmn.tasks import ready_row
    from engine.runtime.timers import waiting_in_flow
    from engine.runtime.workflow import ready_user_tasks

    tasks = ready_user_tasks(workflow)
    check_not_stranded("completed" if workflow.completed else "running", tasks or waiting_in_flow(workflow), stranded)
    old = {t.id: t for t in before}
    rows = [ready_row(row.id, row.process_id, t, old[str(t.id)].since if str(t.id) in old else now) for t in tasks]
    if clock is None:
        return rows
    from engine.service.schedule import due_of, retimed_steps

    retimed = {r["task_uuid"]: r["due"] for r in retimed_steps(clock, row, tasks, before)}
    return [r._replace(due=retimed.get(r.id, old[r.id].due)) if r.id in old
            else r._replace(due=due_of(clock, now, r.sla, f"Instance {row.id} step '{r.task}'")) for r in rows]


def _append(tx: Transaction, row: InstanceRow, happened: list[Happened], change: Change) -> InstanceRow:
    """Number, time and chain the events onto the instance's log; the row's head moves to the last one."""
    from engine.audit.chain import sealed

    seq, head = row.last_seq, row.last_hash
    for kind, task, task_uuid, data in happened:
        seq += 1
        event = sealed(head, EventRow(row.id, seq, kind, change.now, task, task_uuid, change.actor, change.operator,
                                      row.version, "", ""), data)
        tx.append_event(event)
        head = event.hash
    return row._replace(last_seq=seq, last_hash=head)
