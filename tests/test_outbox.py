"""Tests for events after commit: every change writes what happened to the outbox in its transaction, and a consumer
reads each event at least once, in order, from its own cursor, on SQLite and PostgreSQL."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path
from typing import Any

import pytest
from conftest import EXAMPLES, FORMS, Sop, single_user_definitions

from engine import Engine, NotFoundError, OutboxEvent, ValidationError
from engine.ops.scenarios import load_scenario

PROCESS = "interkoneksi_data_baru"
STEPS = load_scenario(EXAMPLES / "pasang.scenario.yaml").steps
T0 = "2026-11-02T01:00:00.000Z"  # Monday 08:00 WIB
LATE = "2027-01-04T01:00:00.000Z"  # two months on: every Mutu Baku has run out


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: str = T0) -> None:
        self.now = now

    def __call__(self) -> str:
        return self.now


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A store location of each kind (created by the first change)."""
    return str(tmp_path / "sop.db") if request.param == "sqlite" else str(request.getfixturevalue("pg_url"))


def engine(db: str, clock: Clock | None = None) -> Engine:
    """An engine on the store in single-user mode, as a fresh process would open it."""
    return Engine(db, definitions_dir=single_user_definitions(), forms_dir=FORMS, clock=clock or Clock(),
                  operator="penguji")


def complete(eng: Engine, instance: int, step: dict[str, Any]) -> None:
    """Complete one step of the scenario with its sample artefact and files."""
    eng.instance(instance).complete(step["task"], step["data"], actor=None, attach=step["attach"] or None)


def scripted_run(db: str) -> tuple[int, int]:
    """Start an instance, claim and release its first step, complete two steps, start a second instance, tick two
    months later (two tasks overdue; a second tick finds none new), then finish the first instance."""
    clock = Clock()
    eng = engine(db, clock)
    first = eng.instances.start(PROCESS).instance
    eng.instance(first).claim("AjukanPermohonan")
    eng.instance(first).release("AjukanPermohonan")
    for step in STEPS[:2]:
        complete(eng, first, step)
    second = eng.instances.start(PROCESS).instance
    clock.now = LATE
    assert {(t.instance, t.task) for t in eng.time.tick().overdue} == {(first, "AnalisaKabid"),
                                                                   (second, "AjukanPermohonan")}
    assert eng.time.tick().overdue == ()
    for step in STEPS[2:]:
        complete(eng, first, step)
    eng.close()
    return first, second


def read_all(db: str, consumer: str, page: int) -> list[OutboxEvent]:
    """Everything a consumer reads page by page, acknowledging each page, each page from a fresh Engine."""
    seen: list[OutboxEvent] = []
    while True:
        eng = engine(db)
        try:
            got = eng.events(consumer=consumer, limit=page)
            if not got:
                return seen
            seen += got
            assert eng.acknowledge(consumer=consumer, position=got[-1].position) == got[-1].position
        finally:
            eng.close()


def test_a_consumer_reads_every_event_of_a_run_once_in_order(db: str) -> None:
    """Page by page, a consumer reads each event of the run exactly once, in position order: each chained event of
    each instance with its seq, a task-ready per step made ready, one task-overdue per overdue task; verify passes."""
    first, second = scripted_run(db)
    read = read_all(db, "notifikasi", page=4)
    eng = engine(db)
    assert read == eng.events(since=0, limit=1000)
    assert [e.position for e in read] == sorted({e.position for e in read})
    assert [(e.kind, e.task) for e in read[:8]] == [
        ("instance-started", None), ("task-ready", "AjukanPermohonan"), ("task-claimed", "AjukanPermohonan"),
        ("task-released", "AjukanPermohonan"), ("task-completed", "AjukanPermohonan"),
        ("task-ready", "DisposisiKadis"), ("task-completed", "DisposisiKadis"), ("task-ready", "AnalisaKabid")]
    assert read[-1].kind == "instance-completed" and read[-1].instance == first
    store = eng.context.store()
    for instance in (first, second):
        mine = [e for e in read if e.instance == instance]
        chained = [e for e in mine if e.kind not in ("task-ready", "task-overdue")]
        assert [(e.kind, e.data["seq"]) for e in chained] == [(v.type, v.seq) for v in store.events(instance)]
        assert [e.task_uuid for e in mine if e.kind == "task-ready"] == [
            s.task_uuid for s in store.instance_steps(instance)]
    overdue = [e for e in read if e.kind == "task-overdue"]
    assert {(e.instance, e.task) for e in overdue} == {(first, "AnalisaKabid"), (second, "AjukanPermohonan")}
    assert all(e.time == LATE and e.actor == "timer" and e.data["due"] < LATE for e in overdue)
    ready = next(e for e in read if e.kind == "task-ready")
    assert ready.lane == "OPD" and ready.data["process"] == PROCESS and ready.data["due"] > T0
    assert read_all(db, "notifikasi", page=4) == []
    assert [p for v in eng.audit.verify() for p in v.problems] == []
    eng.close()


def test_a_consumer_that_crashes_before_acknowledging_reads_the_same_events_again(db: str) -> None:
    """Read without acknowledging, then a new Engine (the process died): the same events come again from the cursor;
    once acknowledged, the next read starts after them."""
    scripted_run(db)
    crashed = engine(db)
    before = crashed.events(consumer="webhook", limit=5)
    crashed.close()
    again = engine(db)
    assert again.events(consumer="webhook", limit=5) == before
    again.acknowledge(consumer="webhook", position=before[2].position)
    again.close()
    after = engine(db)
    assert after.events(consumer="webhook", limit=2) == before[3:5]
    after.close()


def test_two_consumers_have_their_own_cursors(db: str) -> None:
    """One consumer acknowledging everything moves no other's cursor; a cursor never moves back."""
    scripted_run(db)
    eng = engine(db)
    everything = eng.events(since=0, limit=1000)
    assert eng.acknowledge(consumer="notifikasi", position=everything[-1].position) == everything[-1].position
    assert eng.events(consumer="notifikasi") == []
    assert eng.events(consumer="indeks", limit=1000) == everything
    assert eng.acknowledge(consumer="notifikasi", position=1) == everything[-1].position
    assert eng.events(consumer="notifikasi") == []
    eng.close()


def test_a_refused_or_rolled_back_change_leaves_no_outbox_row(db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A completion the form refuses, and one whose transaction fails after its outbox rows were written (just
    before the commit), leave no event; the next change's events follow on."""
    eng = engine(db)
    instance = eng.instances.start(PROCESS).instance
    written = eng.events(since=0)
    with pytest.raises(ValidationError):
        eng.instance(instance).complete("AjukanPermohonan", {"perihal": 7})

    def fail(name: str) -> None:
        if name == "before-commit":
            raise RuntimeError("the server went away")

    for module in ("engine.store.sqlite_store", "engine.store.pg_store"):
        monkeypatch.setattr(f"{module}.failpoint", fail)
    with pytest.raises(RuntimeError):
        complete(eng, instance, STEPS[0])
    monkeypatch.undo()
    eng.close()
    eng = engine(db)
    assert eng.events(since=0) == written
    complete(eng, instance, STEPS[0])
    assert [e.kind for e in eng.events(since=written[-1].position)] == ["task-completed", "task-ready"]
    eng.close()


def test_reads_and_acknowledgements_are_checked(db: str) -> None:
    """A consumer and a position together, a limit out of range, an unusable consumer name, or an acknowledgement
    past the last event are refused, and the cursor stays where it was."""
    eng = engine(db)
    eng.instances.start(PROCESS)
    with pytest.raises(ValidationError, match="not both"):
        eng.events(consumer="notifikasi", since=0)
    with pytest.raises(ValidationError, match="1 to 1000"):
        eng.events(limit=0)
    with pytest.raises(ValidationError, match="Consumer name"):
        eng.events(consumer="no way")
    with pytest.raises(NotFoundError, match="no event 3 \\(the last is 2\\)"):
        eng.acknowledge(consumer="notifikasi", position=3)
    assert len(eng.events(consumer="notifikasi")) == 2
    eng.close()


def test_an_older_sqlite_store_upgrades_and_starts_an_empty_outbox(tmp_path: Path) -> None:
    """A schema 7 store (before the outbox) opens at schema 8 with an empty outbox (its history is not replayed
    into it); the next change writes its events, and verify passes."""
    from engine.store.sqlite_schema import SCHEMA_VERSION

    db = tmp_path / "sop.db"
    eng = engine(str(db))
    instance = eng.instances.start(PROCESS).instance
    eng.close()
    conn = sqlite3.connect(db)
    conn.executescript("DROP TABLE outbox; DROP TABLE outbox_cursors; PRAGMA user_version = 7;")
    conn.close()
    upgraded = engine(str(db))
    assert upgraded.events() == [] and upgraded.context.store().schema_version() == SCHEMA_VERSION >= 8
    complete(upgraded, instance, STEPS[0])
    assert [(e.position, e.kind) for e in upgraded.events()] == [(1, "task-completed"), (2, "task-ready")]
    assert [p for v in upgraded.audit.verify() for p in v.problems] == []
    upgraded.close()


def test_an_older_postgresql_store_reads_no_events_and_upgrades_on_its_first_write(pg_url: str) -> None:
    """A PostgreSQL store at schema 4 (before the outbox) reads no events; its first change upgrades it and writes
    its events."""
    import psycopg

    from engine.store.pg_schema import SCHEMA_VERSION

    eng = engine(pg_url)
    instance = eng.instances.start(PROCESS).instance
    eng.close()
    with psycopg.connect(pg_url, autocommit=True) as conn:
        for statement in ("DROP TABLE outbox", "DROP TABLE outbox_cursors", "UPDATE sop_schema SET version = 4"):
            conn.execute(statement)
    reader = engine(pg_url)
    assert reader.context.store().schema_version() == 4 and reader.events() == []
    assert reader.events(consumer="notifikasi") == []
    complete(reader, instance, STEPS[0])
    assert reader.context.store().schema_version() == SCHEMA_VERSION >= 5
    assert [e.kind for e in reader.events()] == ["task-completed", "task-ready"]
    reader.close()


def test_postgresql_positions_commit_in_order(pg_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """While one change has written its outbox rows and not yet committed, another change waits to write its own:
    a reader never sees a later position before an earlier one has committed (no event is skipped by a cursor)."""
    eng = engine(pg_url)
    first, second = eng.instances.start(PROCESS).instance, eng.instances.start(PROCESS).instance
    eng.close()
    slow, go, errors = _completion_paused_at(monkeypatch, "engine.store.pg_store.failpoint", "before-commit",
                                             pg_url, first)
    fast = threading.Thread(target=_complete_first_step, args=(pg_url, second, errors), name="fast")
    fast.start()
    fast.join(1.0)
    reader = engine(pg_url)
    assert fast.is_alive() and len(reader.events(since=0)) == 4  # the second change waits on the first's commit
    go.set()
    slow.join(30)
    fast.join(30)
    assert errors == []
    done = reader.events(since=4)
    assert [(e.instance, e.kind) for e in done] == [(first, "task-completed"), (first, "task-ready"),
                                                    (second, "task-completed"), (second, "task-ready")]
    reader.close()


def test_verify_does_not_read_the_outbox(tmp_path: Path) -> None:
    """The outbox is no audit record: rows changed or removed behind the program's back are not reported by verify
    (the event log, which is chained, is the record)."""
    db = tmp_path / "sop.db"
    eng = engine(str(db))
    instance = eng.instances.start(PROCESS).instance
    complete(eng, instance, STEPS[0])
    eng.close()
    conn = sqlite3.connect(db)
    conn.execute("UPDATE outbox SET actor = 'someone else' WHERE position = 1")
    conn.execute("DELETE FROM outbox WHERE position = 2")
    conn.commit()
    conn.close()
    again = engine(str(db))
    assert [p for v in again.audit.verify() for p in v.problems] == []
    again.close()


# -- the CLI ----------------------------------------------------------------------------------------------


def test_sop_events_lists_reads_after_a_cursor_and_acknowledges(sop: Sop) -> None:
    """`sop events` lists the outbox for people and as JSON; with --consumer and --ack it moves that consumer's
    cursor, so the next run lists only what is new; --since reads after a position without a cursor."""
    sop.start()
    table = sop("events")
    assert table.exit_code == 0, table.output
    lines = table.stdout.splitlines()
    assert lines[0].split() == ["#", "TIME", "EVENT", "INSTANCE", "TASK", "LANE", "ACTOR"]
    assert "instance started" in lines[1] and "task ready" in lines[2] and "AjukanPermohonan" in lines[2]
    listed = sop.json("events", "--consumer", "notifikasi", "--ack")
    assert [e["kind"] for e in listed] == ["instance-started", "task-ready"]
    assert list(listed[1]) == ["position", "kind", "instance", "task", "task_uuid", "lane", "actor", "time", "data"]
    assert sop.json("events", "--consumer", "notifikasi") == []
    again = sop("events", "--consumer", "notifikasi")
    assert again.exit_code == 0 and "No new events for consumer 'notifikasi'." in again.stderr
    assert [e["position"] for e in sop.json("events", "--since", "1", "--limit", "1")] == [2]
    assert [e["position"] for e in sop.json("events", "--consumer", "indeks")] == [1, 2]


def test_a_shell_worker_reads_handles_then_acknowledges_up_to_what_it_handled(sop: Sop) -> None:
    """`--ack-to N` moves the cursor to N and no further: an event that arrived while the worker handled the first
    ones is still there on its next read (at least once, from a shell too)."""
    instance = sop.start()
    read = sop.json("events", "--consumer", "notifikasi")
    assert [e["kind"] for e in read] == ["instance-started", "task-ready"]
    claimed = sop("claim", str(instance), "AjukanPermohonan")  # arrives while the worker handles what it read
    assert claimed.exit_code == 0, claimed.output
    acked = sop("events", "--consumer", "notifikasi", "--ack-to", str(read[-1]["position"]))
    assert acked.exit_code == 0 and acked.stdout == "" and "up to 2" in acked.stderr
    assert [e["kind"] for e in sop.json("events", "--consumer", "notifikasi")] == ["task-claimed"]


def test_sop_events_refuses_options_that_do_not_go_together(sop: Sop) -> None:
    """--consumer with --since, or --ack without --consumer, is a usage error (exit 2); a consumer name that cannot
    be one is refused (exit 1)."""
    sop.start()
    assert sop("events", "--consumer", "a", "--since", "0").exit_code == 2
    assert sop("events", "--ack").exit_code == 2
    assert sop("events", "--ack-to", "1").exit_code == 2
    assert sop("events", "--consumer", "a", "--ack", "--ack-to", "1").exit_code == 2
    bad = sop("events", "--consumer", "a b")
    assert bad.exit_code == 1 and "Consumer name 'a b' is not usable" in bad.stderr


def test_sop_events_speaks_indonesian(sop: Sop, monkeypatch: pytest.MonkeyPatch) -> None:
    """The table's headings and kinds are in the reader's language, times in the office's zone."""
    sop.start()
    monkeypatch.setenv("SOP_LANG", "id")
    result = sop("events")
    assert result.exit_code == 0, result.output
    heading = result.stdout.splitlines()[0]
    assert "WAKTU" in heading and "INSTANS" in heading and "EVENT" not in heading
    assert "WIB" in result.stdout


def test_sop_tick_reports_newly_overdue_tasks(sop: Sop, tmp_path: Path) -> None:
    """`sop tick --json` names the tasks it announced overdue (once: the next tick names none)."""
    sop.start()
    conn = sqlite3.connect(sop.db)
    conn.execute("UPDATE ready_tasks SET due = '2020-01-01T00:00:00.000Z'")
    conn.commit()
    conn.close()
    assert [t["task"] for t in sop.json("tick")["overdue"]] == ["AjukanPermohonan"]
    assert sop.json("tick")["overdue"] == []
    assert [e["kind"] for e in sop.json("events")][-1] == "task-overdue"


def test_postgresql_tick_announces_overdue_while_a_change_holds_the_instance(pg_url: str,
                                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """A tick announcing an overdue task of an instance that another command holds (locked, not yet committed)
    neither waits on it nor deadlocks with it: both commit, the announcement first."""
    clock = Clock()
    eng = engine(pg_url, clock)
    instance = eng.instances.start(PROCESS).instance
    eng.close()
    slow, go, errors = _completion_paused_at(monkeypatch, "engine.store.sql_writes.failpoint", "after-state",
                                             pg_url, instance)
    ticker = engine(pg_url, Clock(LATE))
    announced = ticker.time.tick().overdue  # the instance row is locked by the paused completion
    go.set()
    slow.join(30)
    assert errors == [] and [t.task for t in announced] == ["AjukanPermohonan"]
    assert [e.kind for e in ticker.events(since=2)] == ["task-overdue", "task-completed", "task-ready"]
    ticker.close()


def _complete_first_step(url: str, instance: int, errors: list[BaseException]) -> None:
    """Complete the scripted run's first step of an instance with an engine of its own (errors: for the test)."""
    worker = engine(url)
    try:
        complete(worker, instance, STEPS[0])
    except BaseException as exc:  # reported by the test thread
        errors.append(exc)
    finally:
        worker.close()


def _completion_paused_at(monkeypatch: pytest.MonkeyPatch, target: str, point: str, url: str,
                          instance: int) -> tuple[threading.Thread, threading.Event, list[BaseException]]:
    """A completion running in a thread named "slow", paused at a failpoint until the returned event is set."""
    holding, go = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def pause(name: str) -> None:
        if name == point and threading.current_thread().name == "slow":
            holding.set()
            assert go.wait(30)

    monkeypatch.setattr(target, pause)
    slow = threading.Thread(target=_complete_first_step, args=(url, instance, errors), name="slow")
    slow.start()
    assert holding.wait(30)
    return slow, go, errors
