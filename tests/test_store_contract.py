"""The store contract: every behaviour of the Store and Transaction protocols, run alike on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from engine.common.errors import StoreError
from engine.common.models import TaskView
from engine.store.opening import open_store
from engine.store.pg_schema import SCHEMA_VERSION as PG_SCHEMA_VERSION
from engine.store.protocol import EventRow, InstanceRow, OutboxRow, StepRow, Store, TimerRow, VersionRow
from engine.store.sqlite_schema import SCHEMA_VERSION as SQLITE_SCHEMA_VERSION

VERSION = VersionRow("v1", "proc", "Proc", "{}", "{}", "2026-01-01T00:00:00.000Z")
OTHER = VersionRow("v2", "lain", "Lain", "{}", "{}", "2026-01-02T00:00:00.000Z")
SCHEMA = {"sqlite": SQLITE_SCHEMA_VERSION, "postgresql": PG_SCHEMA_VERSION}


def instance_row(status: str = "running", version: VersionRow = VERSION, started: str = "2026-01-01") -> InstanceRow:
    """A new instance row of a version."""
    return InstanceRow(0, version.process_id, version.version, status, started, started, "ani", b"\x00state\xff",
                       "zlib-json/1", 1, 0, version.version)


def task(instance: int, uuid: str, since: str, lane: str | None = "Lane", due: str | None = None) -> TaskView:
    """A ready-task row."""
    return TaskView(instance, f"T_{uuid}", uuid, f"Task {uuid}", lane, None, "PT1H", since, "proc", due)


def event(instance: int, seq: int, hash_: str = "") -> EventRow:
    """An event of an instance."""
    return EventRow(instance, seq, "t", f"2026-01-0{seq}", None, None, "ani", "ani", "v1", "{}", hash_ or f"h{seq}")


def step(instance: int, n: int, bpmn_id: str = "T_x", sla: str | None = "PT1H") -> StepRow:
    """A step that became ready on day n, due the next day."""
    return StepRow(instance, f"u{bpmn_id}{n}", bpmn_id, f"Task {bpmn_id}", "Lane", sla, n, f"2026-01-0{n}",
                   f"2026-01-0{n + 1}", process_id="proc")


@pytest.fixture(params=["sqlite", "postgresql"])
def location(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Where a store of each kind lives (not created yet)."""
    return str(tmp_path / "s.db") if request.param == "sqlite" else str(request.getfixturevalue("pg_url"))


@pytest.fixture
def store(location: str) -> Iterator[Store]:
    """A fresh, created store of each kind."""
    opened = open_store(location, create=True)
    try:
        yield opened
    finally:
        opened.close()


def started(store: Store, count: int = 1, version: VersionRow = VERSION) -> list[int]:
    """Ids of new instances of a version, created in one transaction."""
    with store.transaction() as tx:
        tx.put_version(version)
        return [tx.create_instance(instance_row(version=version)) for _ in range(count)]


def finish(store: Store, instance: int) -> InstanceRow:
    """Complete an instance (status only) and return its saved row."""
    with store.transaction() as tx:
        row = tx.lock_instance(instance)
        assert row is not None
        done = row._replace(status="completed", row_version=row.row_version + 1, updated_at="2026-01-09",
                            completed_at="2026-01-09")
        tx.save_instance(done, row.row_version)
    return done


# -- schema and opening -------------------------------------------------------------------------------


def test_a_store_not_created_yet_reads_empty_and_refuses_writes(location: str) -> None:
    """Opened without create, a store that does not exist has schema 0, empty reads, and refuses a transaction."""
    store = open_store(location, create=False)
    try:
        assert store.schema_version() == 0
        assert store.list_instances() == [] and store.ready_tasks() == [] and store.count_ready_tasks() == 0
        assert store.ready_tasks(lane="Lane") == [] and store.list_versions() == [] and store.events(1) == []
        assert store.get_instance(1) is None and store.days_off("id") == {}
        assert store.outbox(0, 10) == [] and store.outbox_cursor("notifikasi") == 0
        with pytest.raises(StoreError, match="does not exist yet"), store.transaction():
            pass
    finally:
        store.close()


def test_a_created_store_is_at_its_dialects_current_schema(location: str) -> None:
    """Opened with create, a store is at the current schema of its kind, and stays there when reopened."""
    kind = "postgresql" if location.startswith("postgresql://") else "sqlite"
    open_store(location, create=True).close()
    again = open_store(location, create=False)
    assert again.schema_version() == SCHEMA[kind]
    again.close()


# -- versions and instances ---------------------------------------------------------------------------


def test_versions_are_stored_once_and_counted_by_status(store: Store) -> None:
    """A version put twice is kept as first stored; list_versions counts running and all instances per version."""
    a, _ = started(store, 2)
    started(store, 1, OTHER)
    with store.transaction() as tx:
        tx.put_version(VERSION._replace(name="Changed"))
        assert tx.get_version("v1") == VERSION and tx.get_version("nope") is None
    finish(store, a)
    assert store.get_version("v1") == VERSION and store.get_version("v3") is None
    assert [tuple(v) for v in store.list_versions()] == [
        ("v2", "lain", "Lain", OTHER.created_at, 1, 1), ("v1", "proc", "Proc", VERSION.created_at, 1, 2)]


def test_instances_get_increasing_ids_and_keep_their_state_bytes(store: Store) -> None:
    """Created instances come back by id with their opaque state bytes; listings leave the state out."""
    ids = started(store, 3)
    assert ids == sorted(ids) and len(set(ids)) == 3
    got = store.get_instance(ids[0])
    assert got == instance_row()._replace(id=ids[0]) and isinstance(got.state, bytes)
    assert [(r.id, r.state) for r in store.list_instances(status="running")] == [(i, b"") for i in ids]
    assert store.list_instances(status="completed") == [] and store.get_instance(9999) is None


def test_instances_list_by_status_and_process(store: Store) -> None:
    """list_instances filters by status and by process, each or both, in id order."""
    a, b = started(store, 2)
    (c,) = started(store, 1, OTHER)
    finish(store, b)
    assert [r.id for r in store.list_instances()] == [a, b, c]
    assert [r.id for r in store.list_instances(process_id="proc")] == [a, b]
    assert [r.id for r in store.list_instances(status="running", process_id="proc")] == [a]
    assert [r.id for r in store.list_instances(status="running")] == [a, c]


def test_save_with_a_stale_row_version_saves_nothing(store: Store) -> None:
    """A save whose expected row_version lost a race is refused and the whole transaction rolls back."""
    (i,) = started(store)
    row = store.get_instance(i)
    assert row is not None
    with pytest.raises(StoreError, match="changed meanwhile; nothing was saved"), store.transaction() as tx:
        tx.replace_ready_tasks(i, [task(i, "a", "2026-01-01T00:00:01.000Z")])
        tx.save_instance(row._replace(status="completed", row_version=3), expected_row_version=2)
    assert store.ready_tasks() == [] and store.get_instance(i) == row
    with store.transaction() as tx:
        assert tx.lock_instance(i) == row and tx.lock_instance(9999) is None
        tx.save_instance(row._replace(status="completed", row_version=2, last_seq=4, last_hash="h4"), 1)
    saved = store.get_instance(i)
    assert saved is not None and (saved.status, saved.row_version, saved.last_seq, saved.last_hash) == (
        "completed", 2, 4, "h4")


def test_an_error_inside_a_transaction_rolls_everything_back(store: Store) -> None:
    """Any exception inside a command's transaction leaves no trace of its writes."""
    with pytest.raises(RuntimeError), store.transaction() as tx:
        tx.put_version(VERSION)
        tx.create_instance(instance_row())
        raise RuntimeError("boom")
    assert store.list_instances() == [] and store.list_versions() == []


# -- events -------------------------------------------------------------------------------------------


def test_events_are_ordered_and_a_repeated_seq_is_refused(store: Store) -> None:
    """Events come back in seq order; a second event with the same (instance, seq) is refused, nothing saved."""
    i, j = started(store, 2)
    with store.transaction() as tx:
        for seq in (2, 1):
            tx.append_event(event(i, seq))
        tx.append_event(event(j, 1))
        assert [e.seq for e in tx.events(i)] == [1, 2]
    assert store.events(i) == [event(i, 1), event(i, 2)] and store.event_instance_ids() == [i, j]
    with pytest.raises(StoreError, match="nothing was saved"), store.transaction() as tx:
        tx.append_event(event(i, 3))
        tx.append_event(event(i, 2, "again"))
    assert [e.hash for e in store.events(i)] == ["h1", "h2"]


# -- ready tasks --------------------------------------------------------------------------------------


def test_ready_tasks_filter_by_instance_lane_due_and_limit(store: Store) -> None:
    """Ready tasks list oldest first and filter by instance, lane, lanes, overdue time and limit; counts agree."""
    a, b = started(store, 2)
    with store.transaction() as tx:
        tx.replace_ready_tasks(a, [task(a, "a2", "2026-01-02", "Z", "2026-01-05"), task(a, "a1", "2026-01-01")])
        tx.replace_ready_tasks(b, [task(b, "b1", "2026-01-03", "Z"), task(b, "b0", "2026-01-03", None)])
        assert [t.id for t in tx.ready_tasks(a)] == ["a1", "a2"]
    assert store.ready_tasks(instance_id=a)[0] == task(a, "a1", "2026-01-01")
    assert [t.id for t in store.ready_tasks()] == ["a1", "a2", "b0", "b1"]
    assert [t.id for t in store.ready_tasks(lane="Z")] == ["a2", "b1"] and store.count_ready_tasks(lane="Z") == 2
    assert [t.id for t in store.ready_tasks(lanes=("Lane",))] == ["a1"] and store.ready_tasks(lanes=()) == []
    assert [t.id for t in store.ready_tasks(instance_id=b, lane="Z")] == ["b1"]
    assert [t.id for t in store.ready_tasks(overdue_at="2026-01-06")] == ["a2"]
    assert store.count_ready_tasks(overdue_at="2026-01-05") == 0 and store.count_ready_tasks(instance_id=b) == 2
    assert [t.id for t in store.ready_tasks(limit=2)] == ["a1", "a2"] and store.count_ready_tasks() == 4
    assert store.ready_lanes() == ["Lane", "Z"]  # each lane once, in order, the task with no lane left out


def test_replacing_ready_tasks_drops_the_old_rows(store: Store) -> None:
    """replace_ready_tasks leaves exactly the given rows for that instance and no other instance's rows change."""
    a, b = started(store, 2)
    with store.transaction() as tx:
        tx.replace_ready_tasks(a, [task(a, "a1", "2026-01-01")])
        tx.replace_ready_tasks(b, [task(b, "b1", "2026-01-02")])
    with store.transaction() as tx:
        tx.replace_ready_tasks(a, [task(a, "a2", "2026-01-03")])
    assert [t.id for t in store.ready_tasks()] == ["b1", "a2"]
    with store.transaction() as tx:
        tx.replace_ready_tasks(a, [])
    assert [t.id for t in store.ready_tasks()] == ["b1"]


@pytest.mark.parametrize("asked", ["Kepala Dinas", "kepala  dinas", "  KEPALA DINAS ", "Kepala\tDinas"])
def test_a_lane_matches_ignoring_case_and_extra_spaces(store: Store, asked: str) -> None:
    """A lane or lanes filter matches a ready task's lane as the roles file does: case and extra spaces ignored."""
    (a,) = started(store)
    with store.transaction() as tx:
        tx.replace_ready_tasks(a, [task(a, "k", "2026-01-01", "Kepala Dinas"), task(a, "s", "2026-01-02", "Sekretaris"),
                                   task(a, "n", "2026-01-03", None)])
    assert [t.id for t in store.ready_tasks(lane=asked)] == ["k"] and store.count_ready_tasks(lane=asked) == 1
    assert [t.id for t in store.ready_tasks(lanes=(asked,))] == ["k"] and store.count_ready_tasks(lanes=(asked,)) == 1
    assert [t.id for t in store.ready_tasks(lanes=(asked, "sekretaris"))] == ["k", "s"]
    assert [t.id for t in store.ready_tasks(lane="SEKRETARIS", lanes=(asked, "sekretaris"))] == ["s"]
    assert store.ready_tasks(lane=asked, lanes=("Sekretaris",)) == [] and store.ready_tasks(lane="Kepala") == []


def test_ready_tasks_without_a_due_time_are_found_and_given_one(store: Store) -> None:
    """Ready tasks with a Mutu Baku and no due time are listed; set_due gives the task and its step the time."""
    (a,) = started(store)
    with store.transaction() as tx:
        tx.replace_ready_tasks(a, [task(a, "a1", "2026-01-01"), task(a, "a2", "2026-01-02", due="2026-01-03")])
        tx.add_steps([StepRow(a, "a1", "T_a1", "Task a1", "Lane", "PT1H", 1, "2026-01-01", None, process_id="proc")])
        assert [t.id for t in tx.ready_without_due()] == ["a1"]
    assert store.has_ready_without_due()
    with store.transaction() as tx:
        tx.set_due(a, "a1", "2026-01-02")
        tx.finish_step(a, "a1", 2, "2026-01-02", 60.0)
    assert not store.has_ready_without_due() and store.ready_tasks()[0].due == "2026-01-02"
    assert [s[7] for s in store.steps(None, None, None)] == ["2026-01-02"]


# -- timers -------------------------------------------------------------------------------------------


def test_due_timers_are_claimed_earliest_first_skipping_the_given_ones(store: Store) -> None:
    """claim_due_timer gives the earliest due timer not in skip, none before its due time."""
    a, b = started(store, 2)
    with store.transaction() as tx:
        tx.replace_timers(a, [TimerRow(a, "ta", "Timer_A", "T_a", "2026-01-02")])
        tx.replace_timers(b, [TimerRow(b, "tb", "Timer_B", "T_b", "2026-01-01")])
    with store.transaction() as tx:
        assert tx.claim_due_timer("2025-12-31", set()) is None
        assert tx.claim_due_timer("2026-01-03", set()) == TimerRow(b, "tb", "Timer_B", "T_b", "2026-01-01")
        assert tx.claim_due_timer("2026-01-03", {(b, "tb")}) == TimerRow(a, "ta", "Timer_A", "T_a", "2026-01-02")
        assert tx.timers(a) == [TimerRow(a, "ta", "Timer_A", "T_a", "2026-01-02")]
        tx.replace_timers(a, [])
    with store.transaction() as tx:
        assert tx.claim_due_timer("2026-01-03", {(b, "tb")}) is None and tx.timers(a) == []


# -- steps, reports and days off ----------------------------------------------------------------------


def test_steps_are_kept_once_and_summarised_with_median_and_p90(store: Store) -> None:
    """add_steps keeps the first record; the summary gives count, within due, median and nearest-rank p90."""
    a, b = started(store, 2)
    with store.transaction() as tx:
        tx.add_steps([step(a, n) for n in (1, 2, 3)] + [step(b, n, "T_y") for n in (1, 2)])
        tx.add_steps([step(a, 1)._replace(name="Again")])
        for n, taken, day in ((1, 10.0, "02"), (2, 30.0, "05"), (3, 20.0, "04")):
            tx.finish_step(a, f"uT_x{n}", n + 1, f"2026-01-{day}", taken)
        for n, taken in ((1, 5.0), (2, 7.0)):
            tx.finish_step(b, f"uT_y{n}", n + 1, f"2026-01-0{n}", taken)
        assert sorted(tx.step_slas(a)) == ["PT1H"] * 3
    assert store.step_summary(None, None, None) == [
        ("proc", "T_x", "Task T_x", "Lane", "PT1H", 3, 2.0, 20.0, 30.0),
        ("proc", "T_y", "Task T_y", "Lane", "PT1H", 2, 2.0, 6.0, 7.0)]
    assert [s[0:2] for s in store.step_summary("proc", "2026-01-04", None)] == [("proc", "T_x")]
    assert store.step_summary("lain", None, None) == []
    assert sorted(s[6] for s in store.steps("proc", "2026-01-02", "2026-01-05")) == ["2026-01-02", "2026-01-02",
                                                                                       "2026-01-04"]
    assert not store.has_unmeasured_steps(None, None, None)


def test_steps_without_a_recorded_time_are_unmeasured(store: Store) -> None:
    """A completed step with no time taken (or a Mutu Baku but no due time) makes the window unmeasured."""
    (a,) = started(store)
    with store.transaction() as tx:
        tx.add_steps([step(a, 1), step(a, 2)._replace(due=None)])
        tx.finish_step(a, "uT_x1", 2, "2026-01-02", 10.0)
    assert not store.has_unmeasured_steps(None, None, None)
    with store.transaction() as tx:
        tx.finish_step(a, "uT_x2", 3, "2026-01-05", 10.0)
    assert store.has_unmeasured_steps(None, None, None) and store.has_unmeasured_steps("proc", "2026-01-05", None)
    assert not store.has_unmeasured_steps(None, None, "2026-01-05")


def test_instance_times_count_completed_instances_and_pick_the_late_ones(store: Store) -> None:
    """instance_times counts completed instances started in the window; late_only keeps those over budget or
    not measured, the latter with their steps' Mutu Baku."""
    a, b, c, _ = started(store, 4)
    with store.transaction() as tx:
        tx.add_steps([step(c, 1), step(c, 2, sla="PT2H")])
        tx.finish_step(c, "uT_x1", 2, "2026-01-02", 5.0)
        tx.finish_step(c, "uT_x2", 3, "2026-01-03", 5.0)
        tx.finish_instance(a, 60.0, 30.0)
        tx.finish_instance(a, 60.0, 10800.0)
        tx.finish_instance(b, 7200.0, 3600.0)
    rows = {i: finish(store, i) for i in (a, b, c)}
    count, listed = store.instance_times(None, None, None)
    assert count == 3 and [r[:6] for r in listed] == [
        (a, "proc", "2026-01-01", "2026-01-09", 60.0, 10800.0), (b, "proc", "2026-01-01", "2026-01-09", 7200.0, 3600.0),
        (c, "proc", "2026-01-01", "2026-01-09", None, None)]
    count, late = store.instance_times("proc", None, None, late_only=True)
    assert count == 3 and [r[0] for r in late] == [b, c] and rows[a].status == "completed"
    assert late[0][6] is None and sorted(str(late[1][6]).split(",")) == ["PT1H", "PT2H"]
    assert store.instance_times(None, "2026-01-02", None) == (0, [])


def test_days_off_are_kept_per_calendar_and_year_and_replaced(store: Store) -> None:
    """put_days_off keeps one list per calendar and year; a second put replaces it."""
    with store.transaction() as tx:
        tx.put_days_off("id", 2026, ["2026-01-01"])
        tx.put_days_off("id", 2026, ["2026-01-01", "2026-12-25"])
        tx.put_days_off("id", 2027, [])
        tx.put_days_off("bangka", 2026, ["2026-03-19"])
    assert store.days_off("id") == {2026: ["2026-01-01", "2026-12-25"], 2027: []}
    assert store.days_off("bangka") == {2026: ["2026-03-19"]} and store.days_off("none") == {}


# -- copying rows -------------------------------------------------------------------------------------


def test_rows_inserted_as_they_are_read_back_in_key_order_and_ids_continue(store: Store) -> None:
    """insert_rows keeps ids; table_rows gives rows in key order, state as bytes; new ids follow the copied ones."""
    columns = ("id", "process_id", "version", "status", "started_at", "updated_at", "started_by", "state",
               "state_format", "row_version", "last_seq", "last_hash", "completed_at")
    copied = [tuple(instance_row()._replace(id=n, state=bytes([n]))) for n in (7, 3)]
    with store.transaction() as tx:
        tx.insert_rows("definition_versions", ("version", "process_id", "name", "bundle", "spec", "created_at"),
                       [tuple(VERSION)])
        tx.insert_rows("instances", columns, copied)
        tx.insert_rows("events", ("instance_id", "seq", "type", "time", "task", "task_uuid", "actor", "operator",
                                  "version", "data", "hash"), [tuple(event(3, 2)), tuple(event(3, 1))])
    assert store.table_rows("instances", columns) == sorted(copied)
    assert all(isinstance(r[7], bytes) for r in store.table_rows("instances", columns))
    assert [r[1] for r in store.table_rows("events", ("instance_id", "seq"))] == [1, 2]
    assert started(store) == [8]


# -- the roles log --------------------------------------------------------------------------------------

def test_the_roles_log_is_append_only_and_its_last_row_is_in_force(store: Store) -> None:
    """Roles events come back in order, the last is in force, and a repeated seq is refused."""
    from engine.store.protocol import RolesEventRow

    assert store.roles_events() == [] and store.roles_event_last() is None
    rows = [RolesEventRow(n, f"2026-01-0{n}", "ani", f"v{n}", "roles.yaml", "{}", f"h{n}") for n in (1, 2)]
    with store.transaction() as tx:
        assert tx.roles_in_force() is None
        for row in rows:
            tx.append_roles_event(row)
    with store.transaction() as tx:
        assert tx.roles_in_force(exclusive=True) == rows[1]
    assert store.roles_events() == rows and store.roles_event_last() == rows[1]
    with pytest.raises(StoreError), store.transaction() as tx:
        tx.append_roles_event(rows[0])
    assert store.roles_events() == rows


# -- the outbox -----------------------------------------------------------------------------------------


def outbox_row(instance: int, kind: str = "task-ready", task_uuid: str | None = "u1") -> OutboxRow:
    """An outbox row of an instance, before the store gives it a position."""
    return OutboxRow(0, kind, instance, "T_u1", task_uuid, "Lane", "ani", "2026-01-01T00:00:00.000Z", '{"seq":1}')


def test_outbox_rows_get_increasing_positions_at_commit_and_read_after_a_position(store: Store) -> None:
    """Queued rows are written at the commit with increasing positions, read after a position in order, at most
    `limit`; outbox_end says the last one."""
    a, b = started(store, 2)
    with store.transaction() as tx:
        tx.queue_outbox([outbox_row(a, "instance-started", None), outbox_row(a)])
        tx.queue_outbox([outbox_row(b)])
        assert tx.outbox_end() == 0  # written last, just before the commit
    with store.transaction() as tx:
        tx.queue_outbox([outbox_row(a, "task-completed")])
        assert tx.outbox_end() == 3
    rows = store.outbox(0, 10)
    assert [r.position for r in rows] == [1, 2, 3, 4]
    assert [(r.kind, r.instance_id) for r in rows] == [("instance-started", a), ("task-ready", a), ("task-ready", b),
                                                        ("task-completed", a)]
    assert rows[1] == outbox_row(a)._replace(position=2)
    assert store.outbox(2, 1) == [rows[2]] and store.outbox(4, 10) == []


def test_outbox_rows_of_a_rolled_back_transaction_are_not_written(store: Store) -> None:
    """A transaction that fails, even after its queued rows were written, leaves no outbox row."""
    (a,) = started(store)
    with pytest.raises(RuntimeError), store.transaction() as tx:
        tx.queue_outbox([outbox_row(a)])
        raise RuntimeError("boom")
    with pytest.raises(StoreError, match="nothing was saved"), store.transaction() as tx:
        tx.queue_outbox([outbox_row(a), outbox_row(a)._replace(time=None)])  # NOT NULL: refused as it is written
    assert store.outbox(0, 10) == []
    with store.transaction() as tx:
        tx.queue_outbox([outbox_row(a)])
    assert [r.kind for r in store.outbox(0, 10)] == ["task-ready"]


def test_a_cursor_per_consumer_moves_forward_only(store: Store) -> None:
    """An unknown consumer stands at 0; acknowledging moves its cursor forward, never back; consumers are apart."""
    assert store.outbox_cursor("notifikasi") == 0
    with store.transaction() as tx:
        assert tx.acknowledge("notifikasi", 3, "2026-01-01") == 3
        assert tx.acknowledge("notifikasi", 2, "2026-01-02") == 3
        assert tx.acknowledge("indeks", 1, "2026-01-02") == 1
    assert store.outbox_cursor("notifikasi") == 3 and store.outbox_cursor("indeks") == 1
    with store.transaction() as tx:
        assert tx.acknowledge("notifikasi", 5, "2026-01-03") == 5
    assert store.table_rows("outbox_cursors", ("consumer", "position", "updated_at")) == [
        ("indeks", 1, "2026-01-02"), ("notifikasi", 5, "2026-01-03")]


def test_overdue_tasks_are_found_until_announced(store: Store) -> None:
    """overdue_unannounced lists ready tasks due before `now`, earliest due first, until the outbox has a
    task-overdue row for that task; another kind of row for the task does not count."""
    a, b = started(store, 2)
    with store.transaction() as tx:
        tx.replace_ready_tasks(a, [task(a, "a1", "2026-01-01", due="2026-01-03"), task(a, "a2", "2026-01-01")])
        tx.replace_ready_tasks(b, [task(b, "b1", "2026-01-01", due="2026-01-02")])
        tx.queue_outbox([outbox_row(a, "task-ready", "a1")])
    with store.transaction() as tx:
        assert tx.overdue_unannounced("2026-01-02") == []
        assert [t.id for t in tx.overdue_unannounced("2026-01-04")] == ["b1", "a1"]
        tx.queue_outbox([outbox_row(b, "task-overdue", "b1")])
    with store.transaction() as tx:
        assert [t.id for t in tx.overdue_unannounced("2026-01-04")] == ["a1"]


def test_copied_outbox_rows_keep_their_positions_and_new_ones_follow(store: Store) -> None:
    """insert_rows keeps outbox positions (`sop db copy`); the next row written takes the position after them."""
    (a,) = started(store)
    columns = ("position", "kind", "instance_id", "task", "task_uuid", "lane", "actor", "time", "data")
    with store.transaction() as tx:
        tx.insert_rows("outbox", columns, [tuple(outbox_row(a)._replace(position=n)) for n in (7, 3)])
    with store.transaction() as tx:
        tx.queue_outbox([outbox_row(a, "task-completed")])
    assert [(r.position, r.kind) for r in store.outbox(0, 10)] == [(3, "task-ready"), (7, "task-ready"),
                                                                   (8, "task-completed")]
    assert [r[0] for r in store.table_rows("outbox", columns)] == [3, 7, 8]


def test_the_monitoring_log_is_numbered_chained_and_read_per_process(store: Store) -> None:
    """Each append gets the next seq and a hash over the previous one; a clock that stepped back never dates an
    event before the one it follows; the log reads whole or per process, and checks clean."""
    from engine.store.monev_rows import monev_log_problems
    from engine.store.protocol import MonevEventRow

    def row(time: str, process: str, item: str) -> MonevEventRow:
        return MonevEventRow(0, time, "note", process, "2026-2", item, "ani", "", "")

    with store.transaction() as tx:
        first = tx.monev_log.append(row("2026-07-02", "proc", "T_x"), {"catatan": "a"})
        tx.monev_log.append(row("2026-07-03", "lain", "T_y"), {"catatan": "b"})
    with store.transaction() as tx:
        last = tx.monev_log.append(row("2026-07-01", "proc", "T_x"), {"catatan": "c"})
    assert first.seq == 1 and first.hash and last.seq == 3 and last.time == "2026-07-03"
    assert [(r.seq, r.process_id, r.data) for r in store.monev_events()] == [
        (1, "proc", '{"catatan":"a"}'), (2, "lain", '{"catatan":"b"}'), (3, "proc", '{"catatan":"c"}')]
    assert [r.seq for r in store.monev_events("proc")] == [1, 3]
    assert monev_log_problems(store.monev_events()) == []
    edited = [r._replace(data='{"catatan":"x"}') if r.seq == 2 else r for r in store.monev_events()]
    assert [p.split(":")[0] for p in monev_log_problems(edited)] == [
        "monitoring event 2 (note of lain 2026-2 by ani at 2026-07-03)"]


def test_monitoring_counts_returns_in_the_window_and_overdue_now(store: Store) -> None:
    """Per step of one process: task-returned events in [since, until) by the step they reopened, and ready tasks
    due before now; another process's rows do not count."""
    a, b = started(store, 2)
    (c,) = started(store, 1, OTHER)

    def returned(instance: int, seq: int, time: str, task: str) -> EventRow:
        return EventRow(instance, seq, "task-returned", time, task, "u", "ani", "ani", "v1", "{}", f"h{seq}")

    with store.transaction() as tx:
        tx.append_event(returned(a, 1, "2026-07-01T00:00:00.000Z", "T_x"))
        tx.append_event(returned(a, 2, "2026-08-01T00:00:00.000Z", "T_x"))
        tx.append_event(returned(b, 1, "2027-01-01T00:00:00.000Z", "T_x"))  # after the window
        tx.append_event(EventRow(b, 2, "task-completed", "2026-08-01T00:00:00.000Z", "T_y", "u", "ani", "ani", "v1",
                                 "{}", "h2"))
        tx.append_event(returned(c, 1, "2026-08-01T00:00:00.000Z", "T_x"))  # another process
        tx.replace_ready_tasks(a, [task(a, "a1", "2026-08-01", due="2026-08-02")])
        tx.replace_ready_tasks(b, [task(b, "b1", "2026-08-01", due="2026-09-02")])
    counts = store.monitoring_counts("proc", "2026-07-01T00:00:00.000Z", "2027-01-01T00:00:00.000Z", "2026-09-01")
    assert counts == {"T_x": (2, 0), "T_a1": (0, 1)}
