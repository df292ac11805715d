"""The dashboard's store reads, run alike on SQLite and PostgreSQL on rows whose answers are counted by hand."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from engine.common.models import TaskView
from engine.store.opening import open_store
from engine.store.protocol import InstanceRow, StepRow, Store, VersionRow

PROC = VersionRow("v1", "proc", "Proc", "{}", "{}", "2026-01-01T00:00:00.000Z")
LAIN = VersionRow("v2", "lain", "Lain", "{}", "{}", "2026-01-01T00:00:00.000Z")
# Three periods: January, February, March 2026 (store times compare as text).
MONTHS = ("2026-01-01T00:00:00.000Z", "2026-02-01T00:00:00.000Z", "2026-03-01T00:00:00.000Z",
          "2026-04-01T00:00:00.000Z")


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """A fresh, created store of each kind."""
    location = str(tmp_path / "s.db") if request.param == "sqlite" else str(request.getfixturevalue("pg_url"))
    opened = open_store(location, create=True)
    try:
        yield opened
    finally:
        opened.close()


def new_instance(store: Store, version: VersionRow, started: str) -> int:
    """A running instance of a version started at a time."""
    with store.transaction() as tx:
        tx.put_version(version)
        return tx.create_instance(InstanceRow(0, version.process_id, version.version, "running", started, started,
                                              "ani", b"", "zlib-json/1", 1, 0, version.version))


def complete(store: Store, instance: int, at: str, total: float | None = None, budget: float = 0.0) -> None:
    """Mark an instance completed at a time, with its recorded working time when given."""
    with store.transaction() as tx:
        row = tx.lock_instance(instance)
        assert row is not None
        tx.save_instance(row._replace(status="completed", updated_at=at, completed_at=at,
                                      row_version=row.row_version + 1), row.row_version)
        if total is not None:
            tx.finish_instance(instance, total, budget)


def ready(instance: int, uuid: str, lane: str, due: str | None, process: str = "proc",
          claimed: str | None = None) -> TaskView:
    """A ready-task row of a step named after its lane."""
    return TaskView(instance, f"T_{lane}", uuid, f"Task {lane}", lane, None, "PT1H", "2026-03-01T00:00:00.000Z",
                    process, due, claimed, "2026-03-01T00:00:00.000Z" if claimed else None)


def test_waiting_counts_group_by_lane_step_and_person_with_the_overdue_ones(store: Store) -> None:
    """Four ready tasks: two in lane A (one overdue at noon, one claimed by budi), one in B (overdue, claimed by
    budi), one in lane A of the other process; counted per lane, per step and per claiming person."""
    a = new_instance(store, PROC, "2026-03-01T00:00:00.000Z")
    b = new_instance(store, LAIN, "2026-03-01T00:00:00.000Z")
    with store.transaction() as tx:
        tx.replace_ready_tasks(a, [ready(a, "1", "A", "2026-03-02T10:00:00.000Z"),
                                   ready(a, "2", "A", "2026-03-09T00:00:00.000Z", claimed="budi"),
                                   ready(a, "3", "B", "2026-03-02T11:00:00.000Z", claimed="budi")])
        tx.replace_ready_tasks(b, [ready(b, "4", "A", None, "lain")])
    noon = "2026-03-02T12:00:00.000Z"
    assert store.waiting_counts(noon, by="lane") == [("proc", "A", 2, 1), ("lain", "A", 1, 0), ("proc", "B", 1, 1)]
    assert store.waiting_counts(noon, by="lane", processes=("proc",), limit=1) == [("proc", "A", 2, 1)]
    assert store.waiting_counts(noon, by="step", processes=("lain",)) == [("lain", "T_A", 1, 0)]
    assert store.waiting_counts(noon, by="person") == [("", "budi", 2, 1)]
    assert store.waiting_counts(noon, by="lane", processes=()) == []
    tasks, count = store.overdue_tasks(noon, limit=1)
    assert count == 2 and [t.id for t in tasks] == ["1"]  # the longest overdue first
    assert store.overdue_tasks(noon, processes=("lain",)) == ([], 0)


def test_on_time_shares_per_step_and_month(store: Store) -> None:
    """Steps T_x done 10 Jan (on time), 20 Jan (late), 5 Feb (on time); T_y done 31 Jan 23:59 without a due time
    and 1 Apr (outside the three months): per month, completed / with a due time / on time."""
    a = new_instance(store, PROC, "2026-01-01T00:00:00.000Z")
    rows = [("1", "T_x", "2026-01-11T00:00:00.000Z", "2026-01-10T00:00:00.000Z"),
            ("2", "T_x", "2026-01-19T00:00:00.000Z", "2026-01-20T00:00:00.000Z"),
            ("3", "T_x", "2026-02-06T00:00:00.000Z", "2026-02-05T00:00:00.000Z"),
            ("4", "T_y", None, "2026-01-31T23:59:00.000Z"),
            ("5", "T_y", None, "2026-04-01T00:00:00.000Z")]
    with store.transaction() as tx:
        tx.add_steps([StepRow(a, uuid, bpmn, bpmn, "A", "PT1H" if due else None, n, "2026-01-01T00:00:00.000Z", due,
                              process_id="proc") for n, (uuid, bpmn, due, _) in enumerate(rows, 1)])
        for n, (uuid, _, _, done) in enumerate(rows, 10):
            tx.finish_step(a, uuid, n, done, 60.0)
    assert store.on_time_by_period(MONTHS) == [("proc", "T_x", 0, 2, 2, 1), ("proc", "T_x", 1, 1, 1, 1),
                                               ("proc", "T_y", 0, 1, 0, 0)]
    assert store.on_time_by_period(MONTHS[1:]) == [("proc", "T_x", 0, 1, 1, 1)]
    assert store.on_time_by_period(MONTHS, processes=("lain",)) == []


def test_instance_medians_per_month_against_the_budget(store: Store) -> None:
    """January: three instances took 10, 40 and 20 (budgets 30, 30, 50): median 20 against 30, two within;
    February: two took 5 and 15 (budgets 10, 20): median 10 against 15, both within; an unmeasured and a running
    instance are not counted."""
    times = [("2026-01-05", 10, 30), ("2026-01-06", 40, 30), ("2026-01-07", 20, 50), ("2026-02-02", 5, 10),
             ("2026-02-03", 15, 20)]
    for day, total, budget in times:
        complete(store, new_instance(store, PROC, "2026-01-01T00:00:00.000Z"), f"{day}T00:00:00.000Z",
                 float(total), float(budget))
    complete(store, new_instance(store, PROC, "2026-01-01T00:00:00.000Z"), "2026-01-08T00:00:00.000Z")
    new_instance(store, PROC, "2026-01-01T00:00:00.000Z")
    assert store.instance_medians(MONTHS) == [("proc", 0, 3, 2, 20.0, 30.0), ("proc", 1, 2, 2, 10.0, 15.0)]
    assert store.instance_medians((MONTHS[0], MONTHS[3])) == [("proc", 0, 5, 4, 15.0, 30.0)]
    assert store.instance_medians(MONTHS, processes=("lain",)) == []


def test_started_and_finished_per_period(store: Store) -> None:
    """Started: two in January, one in March; completed: one in February; every period is listed."""
    first = new_instance(store, PROC, "2026-01-03T00:00:00.000Z")
    new_instance(store, PROC, "2026-01-31T23:59:59.999Z")
    new_instance(store, LAIN, "2026-03-03T00:00:00.000Z")
    complete(store, first, "2026-02-10T00:00:00.000Z")
    assert store.started_finished(MONTHS) == [(0, 2, 0), (1, 0, 1), (2, 1, 0)]
    assert store.started_finished(MONTHS, processes=("lain",)) == [(0, 0, 0), (1, 0, 0), (2, 1, 0)]
