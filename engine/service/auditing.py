"""What auditors read from the store: an instance's full record, its history rows, and the verdicts over all."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from engine.common.errors import EngineError
from engine.store.protocol import EventRow, InstanceRow, Store

if TYPE_CHECKING:
    from collections.abc import Sequence

    from engine.audit.records import AuditRecord, HistoryRow
    from engine.audit.verify import Verdict
    from engine.common.work_calendar import Clock
    from engine.store.protocol import RolesEventRow


def _versions_used(store: Store, row: InstanceRow, events: list[EventRow]) -> dict[str, Any]:
    """Every pinned version the instance's events name, and the one it is on, as stored (missing ones left out)."""
    used = {}
    for version in dict.fromkeys([*(e.version for e in events), row.version]):
        pinned = store.get_version(version)
        if pinned is not None:
            used[version] = pinned
    return used


def audit_record(store: Store, row: InstanceRow, roles: list[RolesEventRow] | None = None) -> AuditRecord:
    """Everything the store holds about an instance, read afresh (no cached version), for checking; roles: the
    store's roles log, read once per verify run."""
    from engine.audit.records import AuditRecord, PinnedVersion, StoredDerived
    from engine.runtime.workflow import state_json

    events = store.events(row.id)
    versions = {v: PinnedVersion(p.bundle, p.spec, p.process_id, p.name)
                for v, p in _versions_used(store, row, events).items()}
    try:
        state = state_json(row.state)
    except EngineError:
        state = ""  # unreadable: the replay's comparison names it
    ready = store.ready_tasks(row.id)
    derived = StoredDerived(ready, store.instance_steps(row.id), store.instance_timers(row.id),
                            store.instance_time(row.id), row.row_version)
    return AuditRecord(row.id, row.process_id, row.version, row.status, row.started_at, row.updated_at,
                       row.started_by, row.last_seq, row.last_hash, state,
                       [(t.task, t.id, t.name, t.lane, t.form, t.sla) for t in ready],
                       events, versions, derived, store.roles_events() if roles is None else roles, row.completed_at)


def history(store: Store, row: InstanceRow, *, summaries: bool = True) -> tuple[list[HistoryRow], list[EventRow]]:
    """An instance's events as rows naming each step and lane, and the events themselves."""
    from engine.audit.records import history_rows, step_names
    from engine.store.accounts_log import operator_set_password, password_setters

    events = store.events(row.id)
    steps: dict[str, tuple[str, str | None]] = {}
    for pinned in _versions_used(store, row, events).values():
        steps.update(step_names(pinned.spec))
    setters = password_setters(store.accounts_events())
    roles = store.roles_events()
    return [r._replace(password_set_by=operator_set_password(setters, e.operator, e.time),
                       acting_as=_acting(roles, r, row.process_id))
            for r, e in zip(history_rows(events, steps, summaries=summaries), events, strict=True)], events


def _acting(roles: list[Any], row: HistoryRow, process: str) -> str:
    """The acting title of a completion or claim done under a delegation ('' otherwise, and for other events)."""
    from engine.definitions.delegations import is_delegation_event
    from engine.definitions.roles_pinning import acting_title

    if row.type not in ("task-completed", "task-claimed") or not any(is_delegation_event(r) for r in roles):
        return ""
    return acting_title(roles, row.actor, row.lane, at=row.time, process=process)


def operator_passwords(setters: dict[str, list[tuple[str, str]]],
                       events: list[EventRow]) -> tuple[tuple[int, str, str], ...]:
    """(event, login, setter) of each event recorded by someone signed in with a password an operator set (the
    password in force for the event's operator at its time was set by another login)."""
    from engine.store.accounts_log import operator_set_password

    found = []
    for event in events:
        setter = operator_set_password(setters, event.operator, event.time)
        if setter is not None:
            found.append((event.seq, event.operator, setter))
    return tuple(found)


def verify_all(store: Store, rows: Iterable[InstanceRow] | None, clocks: Sequence[Clock] = ()) -> Iterator[Verdict]:
    """Verify the given instances, or every instance, the events whose instance row has gone, and the store's
    own records (roles log, days off: verdict 0); clocks: the candidate calendars of due and working times."""
    from engine.audit.records import Problem
    from engine.audit.verify import Verdict, verify_record
    from engine.service.file_audit import file_problems
    from engine.store.accounts_log import password_setters

    cache: dict[Any, Any] = {}
    checked: dict[str, str | None] = {}
    roles = store.roles_events()
    setters = password_setters(store.accounts_events())

    def verified(row: InstanceRow) -> Verdict:
        record = audit_record(store, row, roles)
        verdict = verify_record(record, cache, clocks)._replace(
            operator_passwords=operator_passwords(setters, record.events))
        extra = file_problems(store, row.id, record.events, checked)
        return verdict._replace(problems=sorted(dict.fromkeys([*verdict.problems, *extra]), key=lambda p: p.event)) \
            if extra else verdict

    if rows is not None:
        for row in rows:
            yield verified(row)
        return
    if store.schema_version() == 0:
        return
    store_problems = store_record_problems(store, roles, clocks[0] if clocks else None)
    if store_problems:
        yield Verdict(0, len(roles), roles[-1].hash if roles else "", [Problem(0, p) for p in store_problems])
    known = set()
    for listed in store.list_instances():  # a listing leaves the state out: read each row whole
        known.add(listed.id)
        whole = store.get_instance(listed.id)
        if whole is not None:
            yield verified(whole)
    for orphan in store.event_instance_ids():
        if orphan not in known:
            events = store.events(orphan)
            yield Verdict(orphan, len(events), events[-1].hash if events else "", [Problem(
                0, f"instance {orphan} has {len(events)} events but its instance row is gone "
                   "(deleted behind the program's back)")])


def store_record_problems(store: Store, roles: list[RolesEventRow], clock: Clock | None) -> list[str]:
    """What is wrong with the store's own records: its roles log, and the kept days off of the calendar in force."""
    from engine.common.work_calendar import WorkCalendar
    from engine.definitions.roles_pinning import roles_log_problems
    from engine.store.accounts_log import accounts_log_problems

    problems = ["the store's roles log: " + p for p in roles_log_problems(roles)]
    if store.schema_version() >= store.accounts_log_since:
        problems += ["the store's accounts log: " + p for p in accounts_log_problems(
            store.accounts_events(), store.all_accounts(), store.all_session_ends())]
    if store.schema_version() >= store.monev_since:
        from engine.store.monev_rows import monev_log_problems

        problems += ["the store's monitoring log: " + p for p in monev_log_problems(store.monev_events())]
    if isinstance(clock, WorkCalendar):
        try:
            kept = sorted(store.days_off(clock.key).items())
        except (ValueError, TypeError) as exc:
            return [*problems, f"table days_off, calendar {clock.key[:12]}: a row is not readable ({exc})"]
        for year, days in kept:
            try:
                expected = [d.isoformat() for d in clock.holidays_in(year)]
                days = sorted(str(d) for d in days)
            except (EngineError, ValueError, TypeError, OverflowError, KeyError) as exc:
                problems.append(f"table days_off, calendar {clock.key[:12]} year {year}: cannot be checked ({exc})")
                continue
            if days != expected:
                extra = sorted(set(days) - set(expected))
                lacking = sorted(set(expected) - set(days))
                problems.append(f"table days_off, calendar {clock.key[:12]} year {year}: expected "
                                f"{len(expected)} days off, found {len(days)} (added: {', '.join(extra) or 'none'}; "
                                f"removed: {', '.join(lacking) or 'none'})")
    return problems


def verify_clocks(store: Store, definitions_dir: Any) -> tuple[list[Clock], str]:
    """The clocks verify recomputes due and working times with, and a note when it cannot: the store's times
    must have been computed with the definitions folder's calendar (named by the key its kept days off carry)
    or wall-clock time (an instance of a folder without calendar). The calendar is computed afresh, not from
    the kept days off."""
    from dataclasses import replace

    from engine.common.work_calendar import WallClock, WorkCalendar, find_calendar, load_calendar

    path = find_calendar(definitions_dir)
    fresh: Clock = WallClock() if path is None else load_calendar(path)
    keys = sorted({str(row[0]) for row in store.table_rows("days_off", ("calendar", "year"))})
    if not keys:
        return [WallClock()], ""
    if isinstance(fresh, WorkCalendar) and keys == [fresh.key]:
        # Due times of days computed before they ended within office hours verify with the rule of then.
        return [fresh, WallClock(), replace(fresh, legacy=True)], ""
    now = f"calendar {fresh.key[:12]} ({path})" if isinstance(fresh, WorkCalendar) else "no calendar"
    return [], (f"due times and working times were not recomputed: the store's were computed with calendar "
                  f"{', '.join(k[:12] for k in keys)}, and the definitions folder has {now}; run verify with the "
                  "definitions folder the store was run with")
