"""What auditors read from the store: an instance's full record, its history rows, and the verdicts over all."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from engine.common.errors import EngineError
from engine.store.protocol import EventRow, InstanceRow, Store

if TYPE_CHECKING:
    from engine.audit.records import AuditRecord, HistoryRow
    from engine.audit.verify import Verdict


def _versions_used(store: Store, row: InstanceRow, events: list[EventRow]) -> dict[str, Any]:
    """Every pinned version the instance's events name, and the one it is on, as stored (missing ones left out)."""
    used = {}
    for version in dict.fromkeys([*(e.version for e in events), row.version]):
        pinned = store.get_version(version)
        if pinned is not None:
            used[version] = pinned
    return used


def audit_record(store: Store, row: InstanceRow) -> AuditRecord:
    """Everything the store holds about an instance, read afresh (no cached version), for checking."""
    from engine.audit.records import AuditRecord, PinnedVersion
    from engine.runtime.workflow import state_json

    events = store.events(row.id)
    versions = {v: PinnedVersion(p.bundle, p.spec, p.process_id, p.name)
                for v, p in _versions_used(store, row, events).items()}
    try:
        state = state_json(row.state)
    except EngineError:
        state = ""  # unreadable: the replay's comparison names it
    return AuditRecord(row.id, row.process_id, row.version, row.status, row.started_at, row.updated_at,
                       row.started_by, row.last_seq, row.last_hash, state,
                       [(t.task, t.id, t.name, t.lane, t.form, t.sla) for t in store.ready_tasks(row.id)],
                       events, versions)


def history(store: Store, row: InstanceRow) -> tuple[list[HistoryRow], list[EventRow]]:
    """An instance's events as rows naming each step and lane, and the events themselves."""
    from engine.audit.records import history_rows, step_names

    events = store.events(row.id)
    steps: dict[str, tuple[str, str | None]] = {}
    for pinned in _versions_used(store, row, events).values():
        steps.update(step_names(pinned.spec))
    return history_rows(events, steps), events


def verify_all(store: Store, rows: Iterable[InstanceRow] | None) -> Iterator[Verdict]:
    """Verify the given instances, or every instance and the events whose instance row has gone."""
    from engine.audit.records import Problem
    from engine.audit.verify import Verdict, verify_record

    cache: dict[Any, Any] = {}
    if rows is not None:
        for row in rows:
            yield verify_record(audit_record(store, row), cache)
        return
    if store.schema_version() == 0:
        return
    known = set()
    for listed in store.list_instances():  # a listing leaves the state out: read each row whole
        known.add(listed.id)
        whole = store.get_instance(listed.id)
        if whole is not None:
            yield verify_record(audit_record(store, whole), cache)
    for orphan in store.event_instance_ids():
        if orphan not in known:
            events = store.events(orphan)
            yield Verdict(orphan, len(events), events[-1].hash if events else "", [Problem(
                0, f"instance {orphan} has {len(events)} events but its instance row is gone "
                   "(deleted behind the program's back)")])
