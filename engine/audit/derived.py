"""What the store derives from an instance's events, recomputed from a replay and compared column by column:
ready rows (since, due), step records, waiting timers, instance totals, `updated_at`, `completed_at` and
`row_version`."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, NamedTuple

from engine.audit.records import AuditRecord, Problem, StoredDerived
from engine.audit.replay import Observed
from engine.common.errors import EngineError
from engine.common.i18n import N_
from engine.common.work_calendar import Clock, WallClock, sla_seconds
from engine.store.protocol import StepRow, TimerRow

STEP_FIELDS = StepRow._fields
# The columns a step recorded before the store kept due times and time taken (schema 3's backfill) can be
# checked on: its ready event was guessed then, and its times were never measured.
LEGACY_FIELDS = ("bpmn_id", "name", "lane", "sla", "done_seq", "done_at", "process_id")
# The columns that depend on the working-time calendar: compared only when verify has the store's calendar.
TIMED = frozenset({"due", "taken", "total", "budget"})


class Expected(NamedTuple):
    """The derived rows an instance's events give: steps and timers by UUID, the ready UUIDs, the transitions."""

    steps: dict[str, StepRow]
    timers: dict[str, TimerRow]
    ready: list[str]
    transitions: int
    completed_at: str | None
    claims: dict[str, tuple[str, str]]  # ready task UUID -> (who claimed it, when)


def _due(clock: Clock, since: str, duration: str | None) -> str | None:
    """When something that began at `since` is due: a duration on the clock, or a timer's date (`at:...`)."""
    if not duration:
        return None
    from engine.runtime.timers import due_from

    try:
        return due_from(clock, since, duration)
    except (EngineError, ValueError):
        return None


def _retimed(event: Any) -> frozenset[str]:
    """The UUIDs of the ready steps an `instance-migrated` event says the move gave another Mutu Baku."""
    import json

    data = json.loads(event.data) if isinstance(event.data, str) else event.data
    listed = data.get("retimed") if isinstance(data, dict) else None
    return frozenset(str(r.get("task_uuid")) for r in listed if isinstance(r, dict)) if isinstance(listed, list) \
        else frozenset()


def _sent_back(event: Any) -> str | None:
    """The ready step a task-returned event sent back (its record ends there), else None."""
    if event.type != "task-returned":
        return None
    try:
        source = json.loads(event.data).get("from_task")
    except (ValueError, AttributeError):
        return None
    return source if isinstance(source, str) else None


def expected_rows(record: AuditRecord, observed: list[Observed], clock: Clock) -> Expected:
    """Recompute the derived rows as each transition wrote them (a transition: an event and the
    instance-completed event that may follow it at once)."""
    steps: dict[str, StepRow] = {}
    timers: dict[str, TimerRow] = {}
    ready: list[str] = []
    claims: dict[str, tuple[str, str]] = {}
    transitions, first, completed_at = 0, None, None
    for seen in observed:
        event = seen.event
        if event.type == "instance-completed":
            completed_at = event.time
        else:
            transitions += 1
            first = event
        if first is None:
            continue
        if event.type == "task-claimed" and event.task_uuid:
            claims[event.task_uuid] = (event.actor, event.time)
        elif event.type == "task-released":
            claims.pop(event.task_uuid or "", None)
        finished = event.task_uuid if event.type == "task-completed" else _sent_back(event)
        if finished in steps:  # a step completed, or sent back for revision: its time ends with the event
            done = steps[finished]
            steps[finished] = done._replace(done_seq=event.seq, done_at=event.time,
                                            taken=clock.worked(done.ready_at, event.time))
        retime = _retimed(event) if event.type == "instance-migrated" else frozenset()
        for task in seen.ready:
            if task.id not in steps:
                steps[task.id] = StepRow(record.instance, task.id, task.task, task.name, task.lane, task.sla,
                                         first.seq, first.time, _due(clock, first.time, task.sla),
                                         process_id=record.process_id)
            elif task.id in retime:  # a move gave it another Mutu Baku: due by it from when it became ready
                step = steps[task.id]
                steps[task.id] = step._replace(sla=task.sla, due=_due(clock, step.ready_at, task.sla))
        waiting = {}
        for uuid, bpmn_id, attached, duration in seen.timers:
            waiting[uuid] = timers.get(uuid) or TimerRow(record.instance, uuid, bpmn_id, attached,
                                                         _due(clock, first.time, duration) or "")
        timers = waiting
        ready = [t.id for t in seen.ready]
        claims = {uuid: claim for uuid, claim in claims.items() if uuid in ready}  # a task no longer ready: none
    return Expected(steps, timers, ready, transitions, completed_at, claims)


def derived_problems(record: AuditRecord, observed: list[Observed], clocks: Sequence[Clock]) -> list[Problem]:
    """Every derived value of the store that is not what the events give, naming table, column, both values.
    Due and working times must agree with one of the candidate clocks (the store does not record which calendar
    an instance ran with: the definitions folder's, or wall-clock time); none given: they are not compared."""
    stored = record.derived
    if stored is None or not record.events or len(observed) != len(record.events):
        return []  # a bundle carries no derived rows; a replay that stopped early is reported already
    try:
        if not clocks:
            return _problems_with(record, stored, observed, WallClock(), False)
        best: list[Problem] | None = None
        for clock in clocks:  # the first candidate that explains every value ends the search
            found = _problems_with(record, stored, observed, clock, True)
            if best is None or len(found) < len(best):
                best = found
            if not best:
                break
    except (EngineError, ValueError, TypeError, OverflowError) as exc:  # times the chain vouches for, unreadable
        return [Problem(record.events[-1].seq, N_("instance {instance}: the derived rows cannot be recomputed "
                                               "from its event times ({exc})", instance=record.instance, exc=exc))]
    return best or []


def completion_problems(record: AuditRecord) -> list[Problem]:
    """The instance's completion time, as its store (or a bundle) holds it, must be its instance-completed event's
    time, and none while it runs (a comment after completion moves updated_at, never this); a bundle exported
    before bundles carried it is not checked."""
    if record.derived is None and record.completed_at is None:
        return []
    event = next((e for e in record.events if e.type == "instance-completed"), None)
    expected = event.time if event is not None else None
    if record.completed_at == expected:
        return []
    seq = event.seq if event is not None else (record.events[-1].seq if record.events else 0)
    return [Problem(seq, N_("instance {instance}: its completion time (column completed_at) is {found!r}; its "
                            "instance-completed event says {expected!r}", instance=record.instance,
                            found=record.completed_at, expected=expected))]


def _problems_with(record: AuditRecord, stored: StoredDerived, observed: list[Observed], clock: Clock,
                   timed: bool) -> list[Problem]:
    want = expected_rows(record, observed, clock)
    where = N_("instance {instance}", instance=record.instance)
    last = record.events[-1].seq
    problems = [Problem(last, text) for text in _instance_problems(record, stored, want, where)]
    problems += [Problem(seq, text) for seq, text in _step_problems(stored, want, where, timed)]
    problems += [Problem(last, text) for text in _ready_problems(stored, want, where, timed)]
    problems += [Problem(last, text) for text in _timer_problems(stored, want, where, timed)]
    if timed:
        problems += [Problem(last, text) for text in _time_problems(record, stored, want, clock, where)]
    return problems


def _differs(a: Any, b: Any) -> bool:
    if isinstance(a, float | int) and isinstance(b, float | int) and not isinstance(a, bool):
        return abs(float(a) - float(b)) > 1e-3
    return bool(a != b)


def _instance_problems(record: AuditRecord, stored: StoredDerived, want: Expected, where: str) -> list[str]:
    out = []
    last = record.events[-1].time
    if record.updated_at != last:
        out.append(N_("{where}: table instances, column updated_at: expected {last!r} (its last event), found "
                   "{updated_at!r}", where=where, last=last, updated_at=record.updated_at))
    if stored.row_version != want.transitions:
        out.append(N_("{where}: table instances, column row_version: expected {transitions} (one per change), "
                   "found {row_version}", where=where, transitions=want.transitions, row_version=stored.row_version))
    return out


def _step_problems(stored: StoredDerived, want: Expected, where: str, timed: bool) -> list[tuple[int, str]]:
    """Problems of the steps table, each at the event that completed (else made ready) its step."""
    out = []
    have = {s.task_uuid: s for s in stored.steps}
    legacy = any(s.taken is None and s.due is None and s.done_at is not None for s in stored.steps)
    for uuid, row in have.items():
        expected = want.steps.get(uuid)
        if expected is None:
            out.append((row.ready_seq, N_("{where}: table steps has a row for task {uuid} ('{bpmn_id}') "
                                       "that its events never made ready",
                                          where=where, uuid=uuid[:8], bpmn_id=row.bpmn_id)))
            continue
        old = row.taken is None and row.due is None and row.done_at is not None
        for name in LEGACY_FIELDS if old else STEP_FIELDS:
            if name in TIMED and not timed:
                continue
            found, value = getattr(row, name), getattr(expected, name)
            if _differs(found, value):
                out.append((expected.done_seq or expected.ready_seq,
                            N_("{where}: table steps, column {name} of step '{bpmn_id}' ({uuid}): expected "
                            "{value!r}, found {found!r}",
                               where=where, name=name, bpmn_id=row.bpmn_id, uuid=uuid[:8], value=value, found=found)))
    for uuid, expected in want.steps.items():
        if uuid not in have and not legacy:
            out.append((expected.ready_seq, N_("{where}: table steps lacks the row of step '{bpmn_id}' "
                                            "({uuid}), ready since event {ready_seq}",
                                               where=where, bpmn_id=expected.bpmn_id, uuid=uuid[:8],
                                               ready_seq=expected.ready_seq)))
    return out


def _ready_problems(stored: StoredDerived, want: Expected, where: str, timed: bool) -> list[str]:
    out = []
    for task in stored.ready:
        step = want.steps.get(task.id)
        if step is None or task.id not in want.ready:
            continue  # the replay's comparison names a ready row the events do not give
        claim = want.claims.get(task.id, (None, None))
        for column, found, value in (("since", task.since, step.ready_at), ("due", task.due, step.due),
                                     ("process_id", task.process, step.process_id),
                                     ("claimed_by", task.claimed_by, claim[0]),
                                     ("claimed_at", task.claimed_at, claim[1])):
            if _differs(found, value) and (timed or column not in TIMED):
                out.append(N_("{where}: table ready_tasks, column {column} of '{task}' ({task_id}): expected "
                           "{value!r}, found {found!r}",
                              where=where, column=column, task=task.task, task_id=task.id[:8], value=value,
                              found=found))
    return out


def _timer_problems(stored: StoredDerived, want: Expected, where: str, timed: bool) -> list[str]:
    out = []
    have = {t.task_uuid: t for t in stored.timers}
    for uuid in sorted(set(have) | set(want.timers)):
        found, expected = have.get(uuid), want.timers.get(uuid)
        if found is None or expected is None:
            which = (found or expected)
            assert which is not None
            if expected is None:
                out.append(N_("{where}: table timers has a row for timer '{bpmn_id}' ({uuid})",
                              where=where, bpmn_id=which.bpmn_id, uuid=uuid[:8]))
            else:
                out.append(N_("{where}: table timers lacks the row of timer '{bpmn_id}' ({uuid})",
                              where=where, bpmn_id=which.bpmn_id, uuid=uuid[:8]))
            continue
        for name in ("bpmn_id", "attached_to", "due") if timed else ("bpmn_id", "attached_to"):
            if _differs(getattr(found, name), getattr(expected, name)):
                out.append(N_("{where}: table timers, column {name} of timer '{bpmn_id}' ({uuid}): expected "
                           "{value1!r}, found {value2!r}",
                              where=where, name=name, bpmn_id=found.bpmn_id, uuid=uuid[:8],
                              value1=getattr(expected, name), value2=getattr(found, name)))
    return out


def _time_problems(record: AuditRecord, stored: StoredDerived, want: Expected, clock: Clock,
                   where: str) -> list[str]:
    if record.status != "completed" or want.completed_at is None:
        if stored.times is not None:
            return [f"{where}: table instance_times has a row, but the instance has not completed"]
        return []
    done = [s for s in stored.steps if s.done_at is not None]
    if stored.times is None:
        if done and all(s.taken is None for s in done):
            return []  # completed before the store kept instance times
        return [f"{where}: table instance_times lacks the completed instance's row"]
    try:
        total = clock.worked(record.started_at, want.completed_at)
        budget = sum(sla_seconds(clock, s.sla) for s in want.steps.values() if s.done_at is not None and s.sla)
    except EngineError:
        return []
    out = []
    for column, found, value in (("total", stored.times[0], total), ("budget", stored.times[1], budget)):
        if _differs(found, value):
            shown = f"{found:.3f}" if isinstance(found, float | int) else repr(found)
            out.append(N_("{where}: table instance_times, column {column}: expected {value:.3f}, found {shown}",
                          where=where, column=column, value=value, shown=shown))
    return out
