"""A process that starts on a timer ("laporan bulanan", every month on the 1st at 08:00 WIB): `sop tick` starts one
instance per occurrence when it is due, never twice (a second tick, or two at once), not an occurrence missed by more
than a day; a person may start one too; replay and verify reproduce it; lint checks the timer; on SQLite and
PostgreSQL, and through a store copy and an upgrade."""

from __future__ import annotations

import json
import shutil
import sqlite3
import threading
from pathlib import Path

import pytest
from conftest import DEFINITIONS, ROOT, Sop
from conftest import HandClock as Clock

from engine import Engine, lint_paths

LAPORAN = ROOT / "tests" / "data" / "laporan" / "definitions"
FORMS = ROOT / "tests" / "data" / "tenggat" / "forms"


@pytest.fixture(params=["sqlite", "postgresql"])
def office(request: pytest.FixtureRequest, tmp_path: Path) -> dict[str, str]:
    """The monthly report's definitions with the Dinas calendar, and an empty store of each kind."""
    definitions = tmp_path / "definitions"
    shutil.copytree(LAPORAN, definitions)
    shutil.copy(DEFINITIONS / "calendar.yaml", definitions)
    db = str(tmp_path / "t.db") if request.param == "sqlite" else str(request.getfixturevalue("pg_url"))
    return {"db": db, "definitions": str(definitions)}


def engine(office: dict[str, str], clock: Clock) -> Engine:
    """An engine on the office's store (created) at the test's clock."""
    made = Engine(office["db"], definitions_dir=office["definitions"], forms_dir=FORMS, clock=clock, operator="cron")
    made.context.store(create=True)
    return made


def test_each_occurrence_starts_one_instance_when_due(office: dict[str, str]) -> None:
    """Before 1 December 08:00 WIB nothing starts; at 08:00 one instance starts with its first step ready, started
    by the timer; a second tick starts nothing; on 1 January 08:00 the next one starts; the history, replay and
    verify of each agree."""
    clock = Clock("2026-12-01T00:59:00.000Z")
    eng = engine(office, clock)
    try:
        assert eng.time.tick().started == ()
        clock.now = "2026-12-01T01:00:00.000Z"
        first = eng.time.tick().started
        assert [(s.instance, s.process, s.timer, s.occurrence, s.tasks) for s in first] == [
            (1, "laporan_bulanan", "Mulai", "2026-12-01T01:00:00.000Z", ("KirimSurat",))]
        clock.now = "2026-12-01T05:00:00.000Z"
        assert eng.time.tick().started == ()
        view = eng.instance(1).show()
        assert (view.started_by, view.started, [t.task for t in view.tasks]) == (
            "timer", "2026-12-01T01:00:00.000Z", ["KirimSurat"])
        clock.now = "2027-01-01T01:00:30.000Z"
        assert [(s.instance, s.occurrence) for s in eng.time.tick().started] == [(2, "2027-01-01T01:00:00.000Z")]
        for number in (1, 2):
            assert eng.instance(number).replay().divergence is None
        assert [v.problems for v in eng.audit.verify()] == [[], []]
    finally:
        eng.close()


def test_an_occurrence_missed_by_more_than_a_day_is_not_made_up(office: dict[str, str]) -> None:
    """No tick ran on 1 December: on the 3rd nothing starts (the December report is not started late); a person
    may still start one, and it runs from its first step."""
    clock = Clock("2026-12-03T01:00:00.000Z")
    eng = engine(office, clock)
    try:
        assert eng.time.tick().started == ()
        view = eng.instances.start("laporan_bulanan")
        assert [t.task for t in view.tasks] == ["KirimSurat"] and view.instance == 1
        assert [v.problems for v in eng.audit.verify()] == [[]]
    finally:
        eng.close()


@pytest.mark.parametrize("office", ["postgresql"], indirect=True)
def test_two_ticks_at_once_start_one_instance(office: dict[str, str]) -> None:
    """Four ticks at the same moment, each its own engine and connection: the occurrence is claimed once."""
    clock = Clock("2026-12-01T01:00:05.000Z")
    engine(office, clock).close()
    results: list[int] = []
    errors: list[BaseException] = []

    def tick() -> None:
        eng = engine(office, clock)
        try:
            results.append(len(eng.time.tick().started))
        except BaseException as exc:
            errors.append(exc)
        finally:
            eng.close()

    threads = [threading.Thread(target=tick) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == [] and sorted(results) == [0, 0, 0, 1]
    eng = engine(office, clock)
    try:
        assert [s.instance for s in eng.instances.find()] == [1]
    finally:
        eng.close()


@pytest.mark.parametrize("office", ["sqlite"], indirect=True)
def test_sop_tick_says_what_it_started(office: dict[str, str], tmp_path: Path) -> None:
    """`sop tick` (the real clock: the cycle is moved to start a minute ago) names the instance and process it
    started; --json lists it under "started"; a second tick starts nothing."""
    from datetime import UTC, datetime, timedelta

    start = (datetime.now(UTC) - timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:00Z")
    diagram = Path(office["definitions"]) / "laporan_bulanan.bpmn"
    diagram.write_text(diagram.read_text(encoding="utf-8").replace("R/2026-01-01T08:00/P1M", f"R/{start}/P1M"),
                       encoding="utf-8")
    sop = Sop(Path(office["db"]), Path(office["definitions"]), FORMS)
    engine(office, Clock(start)).close()
    first = sop("tick", "--json")
    assert first.exit_code == 0, first.output
    started = json.loads(first.stdout)["started"]
    assert [(s["instance"], s["process"], s["timer"], s["tasks"]) for s in started] == [
        (1, "laporan_bulanan", "Mulai", ["KirimSurat"])]
    again = sop("tick")
    assert again.exit_code == 0 and "Started instance" not in again.stdout


@pytest.mark.parametrize("office", ["sqlite"], indirect=True)
def test_a_store_copy_keeps_the_started_occurrences(office: dict[str, str], tmp_path: Path) -> None:
    """`sop db copy` carries the started occurrences: a tick on the copy starts nothing again."""
    from engine import copy_store

    clock = Clock("2026-12-01T01:00:00.000Z")
    engine(office, clock).time.tick()
    copy = str(tmp_path / "salinan.db")
    result = copy_store(office["db"], copy)
    assert result.rows["timer_starts"] == 1 and result.problems == ()
    eng = engine({**office, "db": copy}, clock)
    try:
        assert eng.time.tick().started == ()
    finally:
        eng.close()


@pytest.mark.parametrize("office", ["sqlite"], indirect=True)
def test_a_store_from_before_timer_starts_gets_the_table(office: dict[str, str]) -> None:
    """A store at schema 14 (no timer_starts) opens at the current schema with the table, and starts on time."""
    from engine.store.sqlite_schema import SCHEMA_VERSION, TIMER_STARTS_SINCE

    clock = Clock("2026-11-20T01:00:00.000Z")
    engine(office, clock).close()
    conn = sqlite3.connect(office["db"])
    conn.executescript(f"DROP TABLE timer_starts; PRAGMA user_version = {TIMER_STARTS_SINCE - 1};")
    conn.close()
    clock.now = "2026-12-01T01:00:00.000Z"
    eng = engine(office, clock)
    try:
        assert [s.instance for s in eng.time.tick().started] == [1]
        assert eng.context.store().schema_version() == SCHEMA_VERSION >= 15
    finally:
        eng.close()


def test_lint_checks_a_start_timer(tmp_path: Path) -> None:
    """The monthly cycle and a date lint clean; a cycle with no period, a cycle more often than hourly, a malformed
    date, a second start event beside the timer, and start data with a timer are refused at the start event."""
    source = (LAPORAN / "laporan_bulanan.bpmn").read_text(encoding="utf-8")
    cycle = "<bpmn:timeCycle>R/2026-01-01T08:00/P1M</bpmn:timeCycle>"
    cases = [(cycle, []), ("<bpmn:timeDate>2026-12-31T08:00</bpmn:timeDate>", []),
             ("<bpmn:timeCycle>R/2026-01-01T08:00/P0D</bpmn:timeCycle>", ["timer-invalid"]),
             ("<bpmn:timeCycle>R/2026-01-01T08:00/PT5M</bpmn:timeCycle>", ["timer-invalid"]),
             ("<bpmn:timeDate>31-12-2026</bpmn:timeDate>", ["timer-invalid"]),
             ("<bpmn:timeCycle>setiap bulan</bpmn:timeCycle>", ["timer-invalid"])]
    for given, rules in cases:
        path = tmp_path / f"{len(list(tmp_path.iterdir()))}.bpmn"
        path.write_text(source.replace(cycle, given), encoding="utf-8")
        found = [p for p in lint_paths([path], forms_dir=FORMS) if p.severity == "error"]
        assert [(p.rule, p.line) for p in found] == [(rule, 13) for rule in rules], (given, found)
    with_data = source.replace('isExecutable="true">', 'isExecutable="true"><bpmn:extensionElements>'
                               '<spiffworkflow:properties><spiffworkflow:property name="startData" value="bulan" />'
                               '</spiffworkflow:properties></bpmn:extensionElements>')
    path = tmp_path / "data.bpmn"
    path.write_text(with_data, encoding="utf-8")
    found = [p for p in lint_paths([path], forms_dir=FORMS) if p.severity == "error"]
    assert any("the process asks for start data" in p.message for p in found), found


@pytest.mark.parametrize("office", ["sqlite"], indirect=True)
def test_a_tick_where_the_definitions_folder_is_missing_still_fires_timers(office: dict[str, str],
                                                                          tmp_path: Path) -> None:
    """Timers of running instances fire from their pinned versions: a tick run where there is no definitions folder
    (as before processes started on timers) starts nothing, reports no problem and exits 0."""
    engine(office, Clock("2026-12-01T01:00:00.000Z")).close()
    sop = Sop(Path(office["db"]), tmp_path / "nowhere", FORMS)
    result = sop("tick", "--json")
    assert result.exit_code == 0, result.output
    said = json.loads(result.stdout)
    assert (said["started"], said["problems"]) == ([], [])
