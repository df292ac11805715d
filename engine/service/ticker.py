"""`sop tick`: fire every timer that is due, each in its own transaction with its `timer-fired` event, start each
process whose timer start event is due (once per occurrence), then announce in the outbox each ready task that has
become overdue (once per task)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

from engine.common.errors import EngineError, StoreError
from engine.common.i18n import N_
from engine.common.models import TaskView
from engine.common.work_calendar import split_duration
from engine.service.transition import Change, Happened, advance
from engine.store.protocol import Store, TimerRow, Transaction

if TYPE_CHECKING:
    from engine.service.context import EngineContext

START_GRACE = 86400  # seconds after its moment a timer start event's occurrence may still start its process
TIMER_ACTOR = "timer"  # who acts when a timer fires (or a task falls overdue); the operator column names the OS account


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


class TimerStart(NamedTuple):
    """One instance `sop tick` started for a timer start event's occurrence."""

    instance: int
    process: str
    timer: str
    occurrence: str
    tasks: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        """The documented JSON of one timer start."""
        return {**self._asdict(), "tasks": list(self.tasks)}


class TickResult(NamedTuple):
    """What one `sop tick` did: the timers fired and the ones that could not fire (with why)."""

    now: str
    fired: tuple[FiredTimer, ...]
    problems: tuple[str, ...]
    overdue: tuple[TaskView, ...] = ()  # the ready tasks this tick found past their due time for the first time
    due_soon: tuple[TaskView, ...] = ()  # the ready tasks this tick found within the reminder window (notices.yaml)
    started: tuple[TimerStart, ...] = ()  # the instances started for their process's timer start event


def run_tick(context: EngineContext) -> TickResult:
    """Claim and fire due timers one by one until none is left; a timer that fails is reported and skipped."""
    now = context.clock()
    problems: list[str] = []
    timed = _timed_definitions(context)  # a process that starts on a timer: the first tick may be the
    store = context.store(create=bool(timed))  # store's first act
    if store.schema_version() == 0:
        return TickResult(now, (), tuple(problems))
    _fill_due(context)
    fired: list[FiredTimer] = []
    skip: set[tuple[int, str]] = set()
    while True:
        timer: TimerRow | None = None
        try:
            with store.transaction() as tx:
                timer = tx.claim_due_timer(now, skip)
                if timer is None:
                    break
                skip.add((timer.instance_id, timer.task_uuid))
                fired.append(_fire(context, tx, timer, now))
        except EngineError as exc:
            if timer is None:
                raise
            problems.append(N_("Instance {instance} timer '{timer}' (due {due}): {error}", instance=timer.instance_id,
                               timer=timer.bpmn_id, due=timer.due, error=exc))
    started = _start_due(context, timed, now, problems)
    overdue = _announce_overdue(store, now)
    due_soon = _announce_due_soon(context, now, problems)
    return TickResult(now, tuple(fired), tuple(problems), overdue, due_soon, tuple(started))


def _timed_definitions(context: EngineContext) -> list[Any]:
    """The processes of the definitions folder that start on a timer; none when the folder cannot be read (the
    timers of running instances fire from their pinned versions all the same, as before processes started on
    timers: a tick run where there is no definitions folder fires them and exits 0)."""
    try:
        return [d for d in context.catalog().definitions if d.start_timer]
    except EngineError:
        return []


def _start_due(context: EngineContext, timed: list[Any], now: str, problems: list[str]) -> list[TimerStart]:
    """Start each process whose timer start event's latest occurrence is due and not started yet: once per
    occurrence (claimed with the new instance in one transaction, so a second or concurrent tick starts nothing).
    Occurrences missed while no tick ran are not made up: only the latest due one starts, and only within a day of
    its moment (a process published after its occurrence, or a tick stopped for days, does not start an old one)."""
    from engine.common.timer_cycles import start_timer
    from engine.common.work_calendar import format_time, parse_time
    from engine.service.instance_service import start_instance

    zone = context.local_times().zone
    started = []
    for definition in timed:
        event_id, kind, text = definition.start_timer
        try:
            due = start_timer(kind, text, zone, f"timer '{event_id}'").latest(parse_time(now))
            if due is None or (parse_time(now) - due[1]).total_seconds() > START_GRACE:
                continue
            occurrence = format_time(due[1])
            view = start_instance(context, definition.process_id, {}, actor=TIMER_ACTOR, occurrence=occurrence)
        except EngineError as exc:
            problems.append(N_("Process {process} timer '{timer}': {error}", process=definition.process_id,
                               timer=event_id, error=exc))
            continue
        if view is not None:
            started.append(TimerStart(view.instance, definition.process_id, event_id, occurrence,
                                      tuple(t.task for t in view.tasks)))
    return started


def _announce_overdue(store: Store, now: str) -> tuple[TaskView, ...]:
    """Write a task-overdue outbox event for each ready task newly past its due time (after the timers fired: a
    timer may have taken its task away)."""
    from engine.service.outbox import announce_overdue

    with store.transaction() as tx:
        return tuple(announce_overdue(tx, now, TIMER_ACTOR))


def _announce_due_soon(context: EngineContext, now: str, problems: list[str]) -> tuple[TaskView, ...]:
    """Write a task-due-soon outbox event for each ready task whose due time is within the reminder window and
    whose Mutu Baku is longer than the window (a 30-minute step is not reminded a day ahead); a broken
    notices.yaml is reported as a problem (the timers have fired already)."""
    from engine.service.notice_options import notice_options
    from engine.service.outbox import announce_due_soon

    try:
        window = notice_options(context.definitions_dir).reminder
    except EngineError as exc:
        problems.append(str(exc))
        return ()
    calendar = context.work_clock()
    days, seconds = split_duration(window)
    span = days * calendar.day_seconds + seconds
    with context.store().transaction() as tx:
        return tuple(announce_due_soon(tx, now, calendar.due(now, window), TIMER_ACTOR,
                                       lambda t: t.due is not None and calendar.worked(t.since, t.due) > span))


def _fill_due(context: EngineContext) -> None:
    """Give due times to tasks that were ready before the store had them (a store upgraded from schema 2)."""
    from engine.service.schedule import due_of

    store = context.store()
    if not store.has_ready_without_due():
        return
    with store.transaction() as tx:
        for task in tx.ready_without_due():
            due = due_of(context.work_clock(), task.since, task.sla, f"Instance {task.instance} step '{task.task}'")
            if due is not None:
                tx.set_due(task.instance, task.id, due)


def _fire(context: EngineContext, tx: Transaction, timer: TimerRow, now: str) -> FiredTimer:
    from engine.runtime.timers import fire_timer, interrupting
    from engine.runtime.workflow import state_from_bytes

    row = tx.lock_instance(timer.instance_id)
    if row is None:
        raise StoreError("instance {instance_id} is missing from the store", instance_id=timer.instance_id)
    version = context.pinned.of(row, tx.get_version)
    workflow = state_from_bytes(row.state, context.pinned.spec(row.version, version.spec))
    fired = fire_timer(workflow, timer.task_uuid)
    data = {"due": timer.due, "attached_to": timer.attached_to, "interrupting": interrupting(fired)}
    change = Change(TIMER_ACTOR, context.operator, now, context.work_clock(), tx.ready_tasks(row.id))
    done = advance(tx, row, workflow, [Happened("timer-fired", timer.bpmn_id, timer.task_uuid, data)], change,
                   stranded=N_("Timer '{timer}' of instance {instance} would leave instance {instance}",
                              timer=timer.bpmn_id, instance=row.id))
    return FiredTimer(row.id, timer.bpmn_id, timer.attached_to, timer.due, done.row.status,
                      tuple(t.task for t in done.ready))
