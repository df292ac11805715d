"""Events after commit: the outbox rows a change writes in its transaction, and the reads and cursors of the work
that runs after it (a notice, a webhook, an index). Delivery is at least once, in position order (so in order per
instance): a consumer reads after its cursor and acknowledges what it has done; one that crashes before
acknowledging reads the same events again.

Every chained event of a change is published under its own type (instance-started, task-claimed, task-released,
task-completed, instance-completed, timer-fired, instance-migrated, comment-added), then a task-ready for each task
the change made ready; `sop tick` adds a task-overdue once per ready task past its due time, and a task-due-soon once
per ready task whose due time is nearer than the reminder window (notices.yaml `pengingat`, one working day by
default). The rows are no audit record: they are not chained, and `sop verify` does not read them (the event log is
the record)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from engine.common.canonical import canonical_json
from engine.common.errors import NotFoundError, ValidationError
from engine.common.models import OutboxEvent, TaskView
from engine.store.protocol import OutboxRow, Store, Transaction

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

MAX_EVENTS = 1000  # the most events one read returns
# A consumer's name: what an operator types and a log shows (letters, digits, '.', '_', '-'; 64 at most).
CONSUMER_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
# The chained event's data a published event carries (the rest, like an artefact, stays in the event log).
CARRIED = {"timer-fired": ("attached_to", "due"), "instance-migrated": ("from", "to"),
           "task-returned": ("from", "reason")}


def change_rows(
    instance: int, process: str, first_seq: int, happened: Sequence[tuple[str, str | None, str | None, dict[str, Any]]],
    ready: Sequence[TaskView], *, before: Sequence[TaskView], actor: str, now: str,
) -> list[OutboxRow]:
    """The outbox rows of one change: each chained event (numbered from first_seq), then a task-ready for each
    ready task that was not ready before (before: the ready rows the change started from, which give the lanes)."""
    lanes = {t.id: t.lane for t in before}
    rows = []
    for seq, (kind, task, task_uuid, data) in enumerate(happened, first_seq):
        payload = {"process": process, "seq": seq, **{k: data[k] for k in CARRIED.get(kind, ()) if k in data}}
        rows.append(OutboxRow(0, kind, instance, task, task_uuid, lanes.get(task_uuid or ""), actor, now,
                              canonical_json(payload)))
    was_ready = set(lanes)
    for t in ready:
        if t.id not in was_ready:
            payload = {"process": process, "seq": first_seq, "name": t.name, "due": t.due}
            rows.append(OutboxRow(0, "task-ready", instance, t.task, t.id, t.lane, actor, now, canonical_json(payload)))
    return rows


def announce_overdue(tx: Transaction, now: str, actor: str) -> list[TaskView]:
    """Write a task-overdue for each ready task past its due time that has none yet (once per task: a task ready
    again after a loop is a new task); the tasks announced."""
    tasks = tx.overdue_unannounced(now)
    tx.queue_outbox([
        OutboxRow(0, "task-overdue", t.instance, t.task, t.id, t.lane, actor, now, canonical_json(
            {"process": t.process, "name": t.name, "since": t.since, "due": t.due, "claimed_by": t.claimed_by}))
        for t in tasks])
    return tasks


def announce_due_soon(tx: Transaction, now: str, until: str, actor: str,
                      keep: Callable[[TaskView], bool]) -> list[TaskView]:
    """Write a task-due-soon for each ready task due after now and by `until` that `keep` accepts and that has
    none yet (once per task); the tasks announced."""
    tasks = [t for t in tx.due_soon_unannounced(now, until) if keep(t)]
    tx.queue_outbox([
        OutboxRow(0, "task-due-soon", t.instance, t.task, t.id, t.lane, actor, now, canonical_json(
            {"process": t.process, "name": t.name, "since": t.since, "due": t.due, "claimed_by": t.claimed_by}))
        for t in tasks])
    return tasks


def read_events(store: Store, *, consumer: str | None = None, since: int | None = None,
                limit: int = 100) -> list[OutboxEvent]:
    """The events after a consumer's cursor (or after position `since`, or all), in position order, at most
    `limit`; reading moves no cursor."""
    if consumer is not None and since is not None:
        raise ValidationError("Give a consumer (to read after its cursor) or a position to read after, not both")
    if not 1 <= limit <= MAX_EVENTS:
        raise ValidationError("Limit {limit} is out of range; give 1 to {max_events} events per read",
                              limit=limit, max_events=MAX_EVENTS)
    if since is not None and since < 0:
        raise ValidationError("Position {since} is not a position; positions start at 1 (0 reads from the start)",
                              since=since)
    after = store.outbox_cursor(checked_consumer(consumer)) if consumer is not None else since or 0
    return [OutboxEvent(r.position, r.kind, r.instance_id, r.task, r.task_uuid, r.lane, r.actor, r.time,
                        _loads(r.data)) for r in store.outbox(after, limit)]


def acknowledge(store: Store, *, consumer: str, position: int, now: str) -> int:
    """Move a consumer's cursor to `position` (never back: an older position leaves it where it is); a position
    past the last event is refused. Where the cursor stands after."""
    checked_consumer(consumer)
    if position < 0:
        raise ValidationError("Position {position} is not a position; acknowledge one that `sop events` listed",
                              position=position)
    with store.transaction() as tx:
        end = tx.outbox_end()
        if position > end:
            raise NotFoundError("The outbox has no event {position} (the last is {end}); acknowledge a position "
                                "that `sop events --consumer {consumer}` listed; the cursor did not move",
                                position=position, end=end, consumer=consumer)
        return tx.acknowledge(consumer, position, now)


def checked_consumer(name: str) -> str:
    """A consumer's name as given, or refused with what a name may hold."""
    if not CONSUMER_NAME.fullmatch(name):
        raise ValidationError("Consumer name {name!r} is not usable; use 1 to 64 letters, digits, '.', '_' or '-', "
                              "starting with a letter or digit (for example notifikasi)", name=name)
    return name


def _loads(text: str) -> dict[str, Any]:
    import json

    value = json.loads(text)
    return value if isinstance(value, dict) else {}
