"""Tests for the PostgreSQL store: the store contract on both stores, CLI flows on a real server, clear errors."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import Sop
from test_timers import TENGGAT, Clock

from engine.common.errors import StoreError
from engine.common.models import TaskView
from engine.service.facade import Engine
from engine.store.opening import open_store
from engine.store.protocol import EventRow, InstanceRow, StepRow, Store, TimerRow, VersionRow

VERSION = VersionRow("v1", "proc", "Proc", "{}", "{}", "2026-01-01T00:00:00.000Z")


def instance_row(status: str = "running") -> InstanceRow:
    """A new instance row of version v1."""
    return InstanceRow(0, "proc", "v1", status, "2026-01-01T00:00:00.000Z", "2026-01-01T00:00:00.000Z", "ani",
                       b"\x00state\xff", "zlib-json/1", 1, 0, "v1")


def task(instance: int, uuid: str, since: str, lane: str | None = "Lane", due: str | None = None) -> TaskView:
    """A ready-task row."""
    return TaskView(instance, f"T_{uuid}", uuid, f"Task {uuid}", lane, None, "PT1H", since, "proc", due)


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """A fresh, created store of each kind."""
    location = str(tmp_path / "s.db") if request.param == "sqlite" else request.getfixturevalue("pg_url")
    opened = open_store(location, create=True)
    try:
        yield opened
    finally:
        opened.close()


def started(store: Store, count: int = 1) -> list[int]:
    """Ids of new instances of version v1, created in one transaction."""
    with store.transaction() as tx:
        tx.put_version(VERSION)
        return [tx.create_instance(instance_row()) for _ in range(count)]


def test_contract_instances_get_increasing_ids_and_keep_their_state_bytes(store: Store) -> None:
    """Created instances come back by id with their opaque state bytes; listings leave the state out."""
    ids = started(store, 3)
    assert ids == sorted(ids) and len(set(ids)) == 3
    got = store.get_instance(ids[0])
    assert got is not None and got.state == b"\x00state\xff" and got.started_by == "ani"
    assert [(r.id, r.state) for r in store.list_instances(status="running")] == [(i, b"") for i in ids]
    assert store.list_instances(status="completed") == []
    assert store.get_instance(9999) is None


def test_contract_save_with_a_stale_row_version_saves_nothing(store: Store) -> None:
    """A save whose expected row_version lost a race is refused and the whole transaction rolls back."""
    (i,) = started(store)
    row = store.get_instance(i)
    assert row is not None
    with pytest.raises(StoreError, match="changed meanwhile; nothing was saved"), store.transaction() as tx:
        tx.replace_ready_tasks(i, [task(i, "a", "2026-01-01T00:00:01.000Z")])
        tx.save_instance(row._replace(status="completed", row_version=3), expected_row_version=2)
    assert store.ready_tasks() == [] and store.get_instance(i) == row
    with store.transaction() as tx:
        locked = tx.lock_instance(i)
        assert locked == row
        tx.save_instance(row._replace(status="completed", row_version=2), expected_row_version=1)
    assert store.list_instances(status="completed")[0].id == i


def test_contract_events_are_ordered_and_a_repeated_seq_is_refused(store: Store) -> None:
    """Events come back in seq order; a second event with the same (instance, seq) is refused, nothing saved."""
    (i,) = started(store)
    with store.transaction() as tx:
        for seq in (2, 1):
            tx.append_event(EventRow(i, seq, "t", f"2026-01-0{seq}", None, None, "ani", "ani", "v1", "{}", f"h{seq}"))
    assert [e.seq for e in store.events(i)] == [1, 2] and store.event_instance_ids() == [i]
    with pytest.raises(StoreError, match="nothing was saved"), store.transaction() as tx:
        tx.append_event(EventRow(i, 3, "t", "x", None, None, "ani", "ani", "v1", "{}", "h3"))
        tx.append_event(EventRow(i, 2, "t", "x", None, None, "ani", "ani", "v1", "{}", "again"))
    assert [e.hash for e in store.events(i)] == ["h1", "h2"]


def test_contract_ready_tasks_filter_by_instance_lane_and_due(store: Store) -> None:
    """Ready tasks list oldest first and filter by instance, lane, lanes and overdue time; counts agree."""
    a, b = started(store, 2)
    with store.transaction() as tx:
        tx.replace_ready_tasks(a, [task(a, "a2", "2026-01-02", "Z", "2026-01-05"), task(a, "a1", "2026-01-01")])
        tx.replace_ready_tasks(b, [task(b, "b1", "2026-01-03", "Z")])
        assert [t.id for t in tx.ready_tasks(a)] == ["a1", "a2"]
    assert [t.id for t in store.ready_tasks()] == ["a1", "a2", "b1"]
    assert [t.id for t in store.ready_tasks(lane="Z")] == ["a2", "b1"]
    assert [t.id for t in store.ready_tasks(lanes=("Lane",))] == ["a1"] and store.ready_tasks(lanes=()) == []
    assert [t.id for t in store.ready_tasks(overdue_at="2026-01-06")] == ["a2"]
    assert store.ready_tasks(limit=1)[0].id == "a1" and store.count_ready_tasks(lane="Z") == 2
    assert sorted(store.ready_lanes()) == ["Lane", "Z"]
    assert store.has_ready_without_due()
    with store.transaction() as tx:
        assert sorted(t.id for t in tx.ready_without_due()) == ["a1", "b1"]
        tx.set_due(a, "a1", "2026-01-02")
    assert store.ready_tasks(instance_id=a)[0].due == "2026-01-02"


def test_contract_due_timers_are_claimed_earliest_first_skipping_the_given_ones(store: Store) -> None:
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
        assert tx.claim_due_timer("2026-01-03", {(b, "tb")}) is None


def test_contract_steps_times_days_off_and_versions_report_alike(store: Store) -> None:
    """Steps, instance times, days off and version counts read back the same on every store."""
    a, _ = started(store, 2)
    steps = [StepRow(a, f"u{n}", "T_x", "Task x", "Lane", "PT1H", n, f"2026-01-0{n}", f"2026-01-0{n + 1}",
                     process_id="proc")
             for n in (1, 2, 3)]
    with store.transaction() as tx:
        tx.add_steps(steps)
        tx.add_steps(steps[:1])
        for n, taken in ((1, 10.0), (2, 30.0), (3, 20.0)):
            tx.finish_step(a, f"u{n}", n + 1, f"2026-01-0{n}T12", taken)
        assert sorted(tx.step_slas(a)) == ["PT1H"] * 3
        tx.finish_instance(a, 60.0, 30.0)
        tx.finish_instance(a, 60.0, 10800.0)
        tx.put_days_off("id", 2026, ["2026-01-01"])
        tx.put_days_off("id", 2026, ["2026-01-01", "2026-12-25"])
        row = tx.lock_instance(a)
        assert row is not None
        tx.save_instance(row._replace(status="completed", row_version=2), 1)
    assert store.step_summary(None, None, None) == [("proc", "T_x", "Task x", "Lane", "PT1H", 3, 3.0, 20.0, 30.0)]
    assert len(store.steps("proc", "2026-01-02", None)) == 2
    assert not store.has_unmeasured_steps(None, None, None)
    assert store.instance_times(None, None, None) == (1, [(a, "proc", row.started_at, row.updated_at, 60.0,
                                                           10800.0, None)])
    assert store.days_off("id") == {2026: ["2026-01-01", "2026-12-25"]}
    assert [tuple(v) for v in store.list_versions()] == [("v1", "proc", "Proc", VERSION.created_at, 1, 2)]
    assert store.get_version("v1") == VERSION and store.get_version("v2") is None


def test_contract_an_error_inside_a_transaction_rolls_everything_back(store: Store) -> None:
    """Any exception inside a command's transaction leaves no trace of its writes."""
    with pytest.raises(RuntimeError), store.transaction() as tx:
        tx.put_version(VERSION)
        tx.create_instance(instance_row())
        raise RuntimeError("boom")
    assert store.list_instances() == [] and store.list_versions() == []


def test_cli_start_complete_history_verify_on_postgresql(pg_url: str, tmp_path: Path) -> None:
    """An operator's session on a PostgreSQL store: start, complete, history, instances and verify all work."""
    from test_concurrency import DATA_OF

    sop = Sop(pg_url)  # type: ignore[arg-type]
    first, second = sop.start(), sop.start()
    assert (first, second) == (1, 2)
    task_id = next(iter(DATA_OF))
    result = sop("complete", "1", task_id, "--data", str(DATA_OF[task_id]))
    assert result.exit_code == 0, result.output
    history = sop.json("history", "1")
    assert [e["type"] for e in history][:2] == ["instance-started", "task-completed"]
    assert [i["instance"] for i in sop.json("instances")] == [1, 2]
    verified = sop.json("verify")
    assert [(v["instance"], v["ok"]) for v in verified] == [(1, True), (2, True)]


def test_tick_fires_a_due_timer_once_on_postgresql(pg_url: str) -> None:
    """A boundary timer on a PostgreSQL store fires when due and only once."""
    clock = Clock()
    eng = Engine(pg_url, TENGGAT / "definitions", TENGGAT / "forms", clock=clock, operator="penguji")
    eng.start("surat_tenggat")
    assert eng.tick().fired == ()
    clock.now = "2026-11-02T04:00:00.000Z"
    assert [(f.instance, f.timer) for f in eng.tick().fired] == [(1, "Tenggat_Konsep")]
    assert eng.tick().fired == ()
    assert [e.type for e in eng.store().events(1)] == ["instance-started", "timer-fired"]


def test_unreachable_server_is_a_clear_error() -> None:
    """A PostgreSQL URL nobody listens on exits 1 saying it cannot connect and that nothing was saved."""
    sop = Sop("postgresql://sop:secret@127.0.0.1:1/none")  # type: ignore[arg-type]
    result = sop("start", "interkoneksi_data_baru")
    assert result.exit_code == 1
    assert "Cannot connect to the PostgreSQL store" in result.stderr and "nothing was saved" in result.stderr
    assert "secret" not in result.stderr and "Traceback" not in result.output


def test_server_restart_mid_session_is_a_clear_error_then_retry_succeeds(pg_server: Any) -> None:
    """A store whose server restarted refuses the next command saying nothing was saved; a new command works."""
    url = pg_server.create_database()
    store = open_store(url, create=True)
    started(store)
    pg_server.restart()
    with pytest.raises(StoreError, match=r"broke .*nothing was saved; try again"), store.transaction() as tx:
        tx.create_instance(instance_row())
    store.close()
    again = open_store(url, create=True)
    assert len(started(again)) == 1 and len(again.list_instances()) == 2
    again.close()


def test_read_only_standby_is_a_clear_error(pg_server: Any) -> None:
    """A database that only accepts reads (as a standby does) refuses a command: read-only, nothing saved."""
    import psycopg

    url = pg_server.create_database()
    open_store(url, create=True).close()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"ALTER DATABASE {url.rsplit('/', 1)[1]} SET default_transaction_read_only = on")
    sop = Sop(url)  # type: ignore[arg-type]
    result = sop("start", "interkoneksi_data_baru")
    assert result.exit_code == 1, result.output
    assert "read-only standby; nothing was saved" in result.stderr
    assert json.loads(sop("instances", "--json").stdout) == []


def test_concurrent_first_use_migrates_once(pg_url: str) -> None:
    """Two stores opened at once on an empty database both end at the current schema (advisory lock)."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(4) as pool:
        stores = list(pool.map(lambda _: open_store(pg_url, create=True), range(4)))
    assert {s.schema_version() for s in stores} == {1}
    for s in stores:
        s.close()
