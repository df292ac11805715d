"""`sop verify` recomputes every table derived from the events and names any hand edit: instance, table, column,
the value the events give and the one found."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from audit_fixtures import built_fixture, store_fixture, tamper  # noqa: F401 - fixtures
from conftest import Sop
from test_timers import TENGGAT, Clock

from engine.service.facade import Engine


def _verdicts(sop: Sop) -> list[dict[str, Any]]:
    """The JSON verdicts of a failing `sop verify`, which exits 1 without an internal error."""
    result = sop("verify", "--json")
    assert result.exit_code == 1, result.output
    assert "internal error" not in result.output and "Traceback" not in result.output
    verdicts: list[dict[str, Any]] = json.loads(result.stdout)
    return verdicts


def _problems_of(sop: Sop, instance: int) -> list[str]:
    """The problems verify names for one instance; the other instances still verify."""
    verdicts = {v["instance"]: v for v in _verdicts(sop)}
    assert all(v["ok"] for i, v in verdicts.items() if i != instance), verdicts
    return [p["problem"] for p in verdicts[instance]["problems"]]


# (what is edited, SQL, instance, words the problem must name)
EDITS = [
    ("updated_at", "UPDATE instances SET updated_at = '2027-01-01T00:00:00.000Z' WHERE id = 1", 1,
     ["instance 1: table instances, column updated_at: expected '", "found '2027-01-01T00:00:00.000Z'"]),
    ("row_version", "UPDATE instances SET row_version = row_version + 7 WHERE id = 2", 2,
     ["instance 2: table instances, column row_version: expected"]),
    ("ready since", "UPDATE ready_tasks SET since = '2026-01-01T00:00:00.000Z' WHERE instance_id = 3", 3,
     ["instance 3: table ready_tasks, column since of 'AnalisaKabid'", "found '2026-01-01T00:00:00.000Z'"]),
    ("ready due", "UPDATE ready_tasks SET due = '2099-01-01T00:00:00.000Z' WHERE instance_id = 3", 3,
     ["instance 3: table ready_tasks, column due of 'AnalisaKabid'", "found '2099-01-01T00:00:00.000Z'"]),
    ("ready process", "UPDATE ready_tasks SET process_id = 'lain' WHERE instance_id = 3", 3,
     ["instance 3: table ready_tasks, column process_id of 'AnalisaKabid'", "found 'lain'"]),
    ("step taken", "UPDATE steps SET taken = 138 * 3600 WHERE instance_id = 1 AND bpmn_id = 'DisposisiKadis'", 1,
     ["instance 1: table steps, column taken of step 'DisposisiKadis'", "found 496800.0"]),
    ("step due", "UPDATE steps SET due = '2099-01-01T00:00:00.000Z' WHERE instance_id = 1 AND bpmn_id = "
     "'DisposisiKadis'", 1, ["instance 1: table steps, column due of step 'DisposisiKadis'"]),
    ("step ready_at", "UPDATE steps SET ready_at = '2026-01-01T00:00:00.000Z' WHERE instance_id = 2 AND "
     "bpmn_id = 'AnalisaKabid'", 2, ["instance 2: table steps, column ready_at of step 'AnalisaKabid'"]),
    ("step ready_seq", "UPDATE steps SET ready_seq = 1 WHERE instance_id = 2 AND bpmn_id = 'AnalisaKabid'", 2,
     ["instance 2: table steps, column ready_seq of step 'AnalisaKabid'", "found 1"]),
    ("step done_at", "UPDATE steps SET done_at = '2027-01-01T00:00:00.000Z' WHERE instance_id = 1 AND "
     "bpmn_id = 'AjukanPermohonan'", 1, ["instance 1: table steps, column done_at of step 'AjukanPermohonan'"]),
    ("step done_seq", "UPDATE steps SET done_seq = 9 WHERE instance_id = 1 AND bpmn_id = 'AjukanPermohonan'", 1,
     ["instance 1: table steps, column done_seq of step 'AjukanPermohonan'", "found 9"]),
    ("step lane", "UPDATE steps SET lane = 'OPD' WHERE instance_id = 1 AND bpmn_id = 'DisposisiKadis'", 1,
     ["instance 1: table steps, column lane of step 'DisposisiKadis'", "expected 'Kepala Dinas', found 'OPD'"]),
    ("step sla", "UPDATE steps SET sla = 'P30D' WHERE instance_id = 1 AND bpmn_id = 'DisposisiKadis'", 1,
     ["instance 1: table steps, column sla of step 'DisposisiKadis'", "found 'P30D'"]),
    ("step name", "UPDATE steps SET name = 'Lain' WHERE instance_id = 1 AND bpmn_id = 'DisposisiKadis'", 1,
     ["instance 1: table steps, column name of step 'DisposisiKadis'", "found 'Lain'"]),
    ("step deleted", "DELETE FROM steps WHERE instance_id = 1 AND bpmn_id = 'DisposisiKadis'", 1,
     ["instance 1: table steps lacks the row of step 'DisposisiKadis'"]),
    ("step added", "INSERT INTO steps (instance_id, task_uuid, bpmn_id, name, lane, sla, ready_seq, ready_at, "
     "process_id) VALUES (3, 'palsu-0000', 'DisposisiKadis', 'x', 'Kepala Dinas', NULL, 1, "
     "'2026-01-01T00:00:00.000Z', 'interkoneksi_data_baru')", 3,
     ["instance 3: table steps has a row for task palsu-00 ('DisposisiKadis') that its events never made ready"]),
    ("step taken text", "UPDATE steps SET taken = 'lama' WHERE instance_id = 1 AND bpmn_id = 'DisposisiKadis'", 1,
     ["instance 1: table steps, column taken of step 'DisposisiKadis'", "found 'lama'"]),
    ("instance total text", "UPDATE instance_times SET total = 'lama' WHERE instance_id = 1", 1,
     ["instance 1: table instance_times, column total: expected", "found 'lama'"]),
    ("instance total", "UPDATE instance_times SET total = total * 10 + 7 WHERE instance_id = 1", 1,
     ["instance 1: table instance_times, column total: expected"]),
    ("instance budget", "UPDATE instance_times SET budget = 1 WHERE instance_id = 2", 2,
     ["instance 2: table instance_times, column budget: expected", "found 1.000"]),
    ("instance time deleted", "DELETE FROM instance_times WHERE instance_id = 2", 2,
     ["instance 2: table instance_times lacks the completed instance's row"]),
    ("instance time added", "INSERT INTO instance_times (instance_id, total, budget) VALUES (3, 1, 1)", 3,
     ["instance 3: table instance_times has a row, but the instance has not completed"]),
]


@pytest.mark.parametrize("sql, instance, words", [e[1:] for e in EDITS], ids=[e[0] for e in EDITS])
def test_an_edited_derived_table_is_named(store: Sop, sql: str, instance: int, words: list[str]) -> None:
    """Each derived table and column, edited with sqlite3, fails verify naming instance, table, column and values."""
    tamper(store.db, (sql, ()))
    problems = _problems_of(store, instance)
    assert any(all(w in p for w in words) for p in problems), problems


def test_the_text_line_names_the_table(store: Sop) -> None:
    """Without --json the failing instance's line names the table and column (the 138-hour median edit)."""
    tamper(store.db, ("UPDATE steps SET taken = 138 * 3600 WHERE instance_id = 1", ()))
    result = store("verify", "1")
    assert result.exit_code == 1
    assert "instance 1: FAILED at event" in result.stdout and "table steps, column taken" in result.stdout
    assert "Error: 1 of 1 instance(s) in the store failed verification." in result.stderr


def test_edited_days_off_are_named(store: Sop) -> None:
    """The kept days off of the calendar in force are recomputed: an edit is named as the store's own record."""
    conn = sqlite3.connect(store.db)
    [(key, year)] = conn.execute("SELECT calendar, year FROM days_off").fetchall()[:1]
    conn.close()
    tamper(store.db, ("UPDATE days_off SET days = '[]' WHERE calendar = ? AND year = ?", (key, year)))
    result = store("verify")
    assert result.exit_code == 1
    assert f"store: FAILED: table days_off, calendar {key[:12]} year {year}: expected" in result.stdout
    assert "found 0" in result.stdout


def test_unreadable_days_off_are_named(store: Sop) -> None:
    """Kept days off that are not JSON are named, not an internal error."""
    tamper(store.db, ("UPDATE days_off SET days = 'bukan json'", ()))
    result = store("verify")
    assert result.exit_code == 1 and "internal error" not in result.output
    assert "store: FAILED: table days_off, calendar" in result.stdout and "is not readable" in result.stdout


def _timer_store(tmp_path: Path) -> Sop:
    db = tmp_path / "tenggat.db"
    eng = Engine(
        str(db), definitions_dir=TENGGAT / "definitions", forms_dir=TENGGAT / "forms", clock=Clock(), operator="penguji"
    )
    eng.instances.start("surat_tenggat")
    eng.close()
    sop = Sop(db, TENGGAT / "definitions", TENGGAT / "forms")
    assert sop("verify").exit_code == 0
    return sop


@pytest.mark.parametrize("sql, words", [
    ("UPDATE timers SET due = '2099-01-01T00:00:00.000Z'",
     ["instance 1: table timers, column due of timer 'Tenggat_Konsep'", "found '2099-01-01T00:00:00.000Z'"]),
    ("DELETE FROM timers", ["instance 1: table timers lacks the row of timer 'Tenggat_Konsep'"]),
], ids=["due", "deleted"])
def test_an_edited_timer_is_named(tmp_path: Path, sql: str, words: list[str]) -> None:
    """A waiting timer's due time (what `sop tick` fires by) is recomputed from the events and the calendar."""
    sop = _timer_store(tmp_path)
    tamper(sop.db, (sql, ()))
    problems = _problems_of(sop, 1)
    assert any(all(w in p for w in words) for p in problems), problems


def test_an_unknown_calendar_is_said_not_guessed(store: Sop, tmp_path: Path) -> None:
    """With a definitions folder whose calendar is not the store's, times are not compared, and verify says so."""
    other = Sop(store.db, TENGGAT / "definitions", TENGGAT / "forms")
    result = other("verify")
    assert result.exit_code == 0, result.output
    assert "Warning: due times and working times were not recomputed" in result.stderr


def test_postgresql_derived_tables_are_checked_the_same(store: Sop, pg_url: str) -> None:
    """On a PostgreSQL copy of the store, an edited step time and ready due are named just the same."""
    import psycopg

    assert store("db", "copy", "--from", str(store.db), "--to", pg_url).exit_code == 0
    pg = Sop(pg_url)  # type: ignore[arg-type]
    assert pg("verify").exit_code == 0
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("UPDATE steps SET taken = 138 * 3600 WHERE instance_id = 1 AND bpmn_id = 'DisposisiKadis'")
        conn.execute("UPDATE ready_tasks SET due = '2099-01-01T00:00:00.000Z' WHERE instance_id = 3")
    assert any("table steps, column taken of step 'DisposisiKadis'" in p for p in _problems_of_any(pg, 1))
    assert any("table ready_tasks, column due of 'AnalisaKabid'" in p for p in _problems_of_any(pg, 3))


def _problems_of_any(sop: Sop, instance: int) -> list[str]:
    return [p["problem"] for v in _verdicts(sop) if v["instance"] == instance for p in v["problems"]]
