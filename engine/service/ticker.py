"""`sop tick`: fire every boundary timer that is due, each in its own transaction with its `timer-fired` event."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

from engine.common.errors import EngineError, StoreError
from engine.runtime.step_checks import check_not_stranded
from engine.store.protocol import TimerRow, Transaction

if TYPE_CHECKING:
    from engine.service.facade import Engine

TIMER_ACTOR = "timer"  # who acts when a timer fires; the operator column still names the OS account


class FiredTimer(NamedTuple):
    """One timer `sop tick` fired."""

    instance: int
    timer: str
    attached_to: str
    due: str
    status: str
    tasks: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        """The documented JSON of one fired timer."""
        return {**self._asdict(), "tasks": list(self.tasks)}


class TickResult(NamedTuple):
    """What one `sop tick` did: the timers fired and the ones that could not fire (with why)."""

    now: str
    fired: tuple[FiredTimer, ...]
    problems: tuple[str, ...]


def run_tick(engine: Engine) -> TickResult:
    """Claim and fire due timers one by one until none is left; a timer that fails is reported and skipped."""
    now = engine.clock()
    store = engine.store()
    if store.schema_version() == 0:
        return TickResult(now, (), ())
    _fill_due(engine)
    fired: list[FiredTimer] = []
    problems: list[str] = []
    skip: set[tuple[int, str]] = set()
    while True:
        timer: TimerRow | None = None
        try:
            with store.transaction() as tx:
                timer = tx.claim_due_timer(now, skip)
                if timer is None:
                    break
                skip.add((timer.instance_id, timer.task_uuid))
                fired.append(_fire(engine, tx, timer, now))
        except EngineError as exc:
            if timer is None:
                raise
            problems.append(f"Instance {timer.instance_id} timer '{timer.bpmn_id}' (due {timer.due}): {exc}")
    return TickResult(now, tuple(fired), tuple(problems))


def _fill_due(engine: Engine) -> None:
    """Give due times to tasks that were ready before the store had them (a store upgraded from schema 2)."""
    from engine.service.schedule import due_of

    store = engine.store()
    if not store.has_ready_without_due():
        return
    with store.transaction() as tx:
        for task in tx.ready_without_due():
            due = due_of(engine.work_clock(), task.since, task.sla, f"Instance {task.instance} step '{task.task}'")
            if due is not None:
                tx.set_due(task.instance, task.id, due)


def _fire(engine: Engine, tx: Transaction, timer: TimerRow, now: str) -> FiredTimer:
    from engine.bpmn.tasks import ready_row
    from engine.runtime.timers import fire_timer, interrupting
    from engine.runtime.workflow import ready_user_tasks, state_from_bytes, state_to_bytes
    from engine.service.schedule import record_change

    row = tx.lock_instance(timer.instance_id)
    if row is None:
        raise StoreError(f"instance {timer.instance_id} is missing from the store")
    version = engine._version(row, tx.get_version)
    workflow = state_from_bytes(row.state, engine._spec(row.version, version.spec))
    fired = fire_timer(workflow, timer.task_uuid)
    status = "completed" if workflow.completed else "running"
    what = f"Timer '{timer.bpmn_id}' of instance {row.id}"
    check_not_stranded(status, [ready_row(row.id, row.process_id, t, now) for t in ready_user_tasks(workflow)],
                       f"{what} would leave instance {row.id}")
    data = {"due": timer.due, "attached_to": timer.attached_to, "interrupting": interrupting(fired)}
    events: list[tuple[str, str | None, str | None, dict[str, Any]]] = [
        ("timer-fired", timer.bpmn_id, timer.task_uuid, data)
    ]
    if status == "completed":
        events.append(("instance-completed", None, None, {}))
    new_row = row._replace(status=status, updated_at=now, state=state_to_bytes(workflow),
                           row_version=row.row_version + 1)
    new_row = engine._append(tx, new_row, row.id, events, now, TIMER_ACTOR)
    tx.save_instance(new_row, row.row_version)
    ready = record_change(tx, new_row, workflow, tx.ready_tasks(row.id), now, engine.work_clock(), row.last_seq + 1)
    return FiredTimer(row.id, timer.bpmn_id, timer.attached_to, timer.due, status, tuple(t.task for t in ready))
