"""Tests for time that follows the office: day and week Mutu Baku end within office hours, a step ready outside
them counts from the next opening, and a migrated step is due by its new Mutu Baku (clock injected)."""

from __future__ import annotations

import re
import sqlite3
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from conftest import Sop, copy_definitions

from engine.service.facade import Engine

BPMN = "interkoneksi_data_baru.bpmn"


def wib(text: str) -> str:
    """A Jakarta wall-clock time (WIB, UTC+7) as the store writes times (UTC, Z)."""
    return (datetime.fromisoformat(text) - timedelta(hours=7)).isoformat(timespec="milliseconds") + "Z"


def set_sla(definitions: Path, task: str, sla: str) -> None:
    """Give one step of the shipped diagram another Mutu Baku (`sla` property)."""
    bpmn = definitions / BPMN
    text = bpmn.read_text(encoding="utf-8")
    start = text.index(f'<bpmn:userTask id="{task}"')
    end = text.index("</bpmn:userTask>", start)
    block = re.sub(r'name="sla" value="[^"]*"', f'name="sla" value="{sla}"', text[start:end], count=1)
    bpmn.write_text(text[:start] + block + text[end:], encoding="utf-8")


@pytest.fixture
def office(tmp_path: Path) -> Sop:
    """A CLI on a fresh store with a copy of the shipped definitions (its calendar: WIB, ASN hours, ID holidays)."""
    definitions, forms = copy_definitions(tmp_path)
    return Sop(tmp_path / "sop.db", definitions, forms)


def engine_at(sop: Sop, now: str) -> Engine:
    """An engine on the test's store whose clock stands at `now`."""
    return Engine(str(sop.db), definitions_dir=sop.definitions, forms_dir=sop.forms, clock=lambda: now,
                  operator="penguji")


def started_due(sop: Sop, sla: str, ready_wib: str) -> str:
    """Start an instance whose first step has Mutu Baku `sla` at `ready_wib`; its due time as stored (UTC)."""
    set_sla(sop.definitions, "AjukanPermohonan", sla)
    [task] = engine_at(sop, wib(ready_wib)).instances.start("interkoneksi_data_baru").tasks
    assert task.since == wib(ready_wib)
    assert task.due is not None
    return task.due


def test_two_days_ready_at_22_22_on_monday_end_at_wednesdays_close(office: Sop) -> None:
    """A `2 hari` step ready Monday 22:22 WIB counts from Tuesday 07:30 and is due Wednesday 16:00 WIB (the close of
    the second working day), not Wednesday 22:22; `sop tasks` says so in words and WIB, `--json` keeps ISO."""
    assert started_due(office, "P2D", "2026-11-02T22:22:00") == wib("2026-11-04T16:00:00")
    rows = office("tasks").stdout.splitlines()
    assert rows[0].split()[-3:] == ["SLA", "SINCE", "DUE"]
    assert "2 working days  2026-11-02 22:22 WIB  2026-11-04 16:00 WIB" in rows[1]
    [listed] = office.json("tasks")
    assert (listed["sla"], listed["due"]) == ("P2D", "2026-11-04T09:00:00.000Z")


def test_two_days_ready_within_hours_keep_the_clock_time(office: Sop) -> None:
    """A `2 hari` step ready Monday 10:00 WIB is due Wednesday 10:00 WIB, the same time two working days later."""
    assert started_due(office, "P2D", "2026-11-02T10:00:00") == wib("2026-11-04T10:00:00")


def test_a_day_ready_on_friday_evening_ends_at_mondays_close(office: Sop) -> None:
    """`1 hari` ready Friday 19:00 WIB counts from Monday 07:30 and is due Monday 16:00 WIB."""
    assert started_due(office, "P1D", "2026-11-06T19:00:00") == wib("2026-11-09T16:00:00")


def test_a_week_ready_on_friday_evening_ends_at_the_next_fridays_close(office: Sop) -> None:
    """`1 minggu` (five working days) ready Friday 19:00 WIB is due the next Friday at its 16:30 close."""
    assert started_due(office, "P1W", "2026-11-06T19:00:00") == wib("2026-11-13T16:30:00")


def test_a_day_that_would_end_after_closing_ends_at_the_close(office: Sop) -> None:
    """`1 hari` ready Friday 16:15 WIB (open until 16:30) is due Monday 16:00 WIB, Monday's close, not 16:15."""
    assert started_due(office, "P1D", "2026-11-06T16:15:00") == wib("2026-11-09T16:00:00")


def test_a_day_ready_before_christmas_skips_the_days_off(office: Sop) -> None:
    """`1 hari` ready Wednesday 23 December 20:00 WIB: the 24th is cuti bersama (calendar), the 25th Christmas
    (holidays package), then the weekend: counting starts Monday 28th 07:30 and ends at its 16:00 close."""
    assert started_due(office, "P1D", "2026-12-23T20:00:00") == wib("2026-12-28T16:00:00")


def test_hours_ready_at_22_22_keep_counting_office_hours(office: Sop) -> None:
    """Hours keep today's rule: `2 jam` ready Monday 22:22 WIB is due Tuesday 09:30 WIB; `1 hari 2 jam` Wednesday
    09:30 WIB (Tuesday worked to its close, then two office hours)."""
    assert started_due(office, "PT2H", "2026-11-02T22:22:00") == wib("2026-11-03T09:30:00")
    assert started_due(office, "P1DT2H", "2026-11-02T22:22:00") == wib("2026-11-04T09:30:00")


def test_a_migrated_step_is_due_by_its_new_mutu_baku_from_when_it_became_ready(office: Sop) -> None:
    """A request ready Monday 08:00 WIB with PT30M (due 08:30) moves at 09:00 to a version giving it PT2H: it is
    due 10:00 WIB in `sop tasks` and in its step record, the history shows the move, and `sop verify` agrees."""
    started = engine_at(office, wib("2026-11-02T08:00:00")).instances.start("interkoneksi_data_baru")
    [task] = started.tasks
    assert (task.sla, task.due) == ("PT30M", wib("2026-11-02T08:30:00"))
    set_sla(office.definitions, "AjukanPermohonan", "PT2H")
    moved = engine_at(office, wib("2026-11-02T09:00:00")).instance(1).migrate()
    assert moved.migrated
    [listed] = office.json("tasks")
    assert (listed["sla"], listed["since"], listed["due"]) == ("PT2H", wib("2026-11-02T08:00:00"),
                                                                wib("2026-11-02T10:00:00"))
    assert "2 working hours  2026-11-02 08:00 WIB  2026-11-02 10:00 WIB" in office("tasks").stdout
    conn = sqlite3.connect(office.db)
    try:
        assert conn.execute("SELECT sla, due FROM steps WHERE bpmn_id = 'AjukanPermohonan'").fetchall() == [
            ("PT2H", wib("2026-11-02T10:00:00"))]
    finally:
        conn.close()
    history = office.json("history", "1")
    assert [e["type"] for e in history] == ["instance-started", "instance-migrated"]
    assert history[1]["data"]["retimed"] == [{"task": "AjukanPermohonan", "task_uuid": listed["id"], "sla": "PT2H",
                                              "due": wib("2026-11-02T10:00:00")}]
    verified = office("verify", "1")
    assert verified.exit_code == 0, verified.output


def test_a_migrated_step_whose_mutu_baku_did_not_change_keeps_its_due_time(office: Sop) -> None:
    """A move that changes another step's Mutu Baku leaves the ready step's due time as it was."""
    engine_at(office, wib("2026-11-02T08:00:00")).instances.start("interkoneksi_data_baru")
    set_sla(office.definitions, "DisposisiKadis", "PT2H")
    assert engine_at(office, wib("2026-11-02T09:00:00")).instance(1).migrate().migrated
    [listed] = office.json("tasks")
    assert (listed["sla"], listed["due"]) == ("PT30M", wib("2026-11-02T08:30:00"))
    assert office("verify", "1").exit_code == 0


def test_verify_reports_a_migrated_step_whose_due_time_was_altered(office: Sop) -> None:
    """After the move, a ready row whose due time is set back to the old one is reported by `sop verify`."""
    engine_at(office, wib("2026-11-02T08:00:00")).instances.start("interkoneksi_data_baru")
    set_sla(office.definitions, "AjukanPermohonan", "PT2H")
    assert engine_at(office, wib("2026-11-02T09:00:00")).instance(1).migrate().migrated
    conn = sqlite3.connect(office.db)
    try:
        with conn:
            conn.execute("UPDATE ready_tasks SET due = ?", (wib("2026-11-02T08:30:00"),))
    finally:
        conn.close()
    verified = office("verify", "1")
    assert verified.exit_code == 1
    assert ("table ready_tasks, column due of 'AjukanPermohonan'" in verified.output
            and "expected '2026-11-02 10:00:00 WIB', found '2026-11-02 08:30:00 WIB'" in verified.output)


def test_durations_read_in_words_in_sop_tasks_and_decompile(office: Sop, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """Under SOP_LANG=id `sop tasks` says "30 menit" and "2 hari kerja" (the JSON keeps PT30M); `sop decompile`
    writes the table's waktu as the author does ("30 menit", "3 jam"), and compiling it gives the same sla back."""
    set_sla(office.definitions, "AjukanPermohonan", "P2D")
    engine_at(office, wib("2026-11-02T10:00:00")).instances.start("interkoneksi_data_baru")
    set_sla(office.definitions, "AjukanPermohonan", "PT30M")
    engine_at(office, wib("2026-11-02T10:00:00")).instances.start("interkoneksi_data_baru")
    monkeypatch.setenv("SOP_LANG", "id")
    text = office("tasks").stdout
    assert "2 hari kerja" in text and "30 menit" in text and "PT30M" not in text and "P2D" not in text
    assert [t["sla"] for t in office.json("tasks")] == ["P2D", "PT30M"]
    table = office("decompile", str(office.definitions / BPMN))
    assert table.exit_code == 0, table.output
    assert "waktu: 30 menit\n" in table.stdout and "waktu: 3 jam\n" in table.stdout
    assert "PT30M" not in table.stdout and "PT3H" not in table.stdout
    written = tmp_path / "again.sop.yaml"
    written.write_text(table.stdout, encoding="utf-8")
    compiled = office("compile", str(written))
    assert compiled.exit_code == 0, compiled.output
    assert compiled.stdout.count('name="sla" value="PT30M"') == 5 and 'name="sla" value="PT3H"' in compiled.stdout


def test_a_store_computed_with_the_rule_before_office_time_still_verifies(office: Sop) -> None:
    """A `1 hari` step that became ready Friday 22:22 before days ended within office hours was due Monday 22:22
    (neither the office rule nor a wall clock gives that): `sop verify` with today's calendar still passes it, next
    to an instance of the new rule (due Monday 16:00)."""
    from dataclasses import replace

    from engine.common.work_calendar import load_calendar

    set_sla(office.definitions, "AjukanPermohonan", "P1D")
    legacy = replace(load_calendar(office.definitions / "calendar.yaml"), legacy=True)
    old = Engine(str(office.db), definitions_dir=office.definitions, forms_dir=office.forms, operator="penguji",
                 clock=lambda: wib("2026-11-06T22:22:00"), work_clock=legacy)
    [task] = old.instances.start("interkoneksi_data_baru").tasks
    old.close()
    assert task.due == wib("2026-11-09T22:22:00")
    [new] = engine_at(office, wib("2026-11-06T22:22:00")).instances.start("interkoneksi_data_baru").tasks
    assert new.due == wib("2026-11-09T16:00:00")
    verified = office("verify")
    assert verified.exit_code == 0, verified.output


def test_a_migrated_step_is_retimed_on_postgresql(pg_url: str, tmp_path: Path) -> None:
    """The same move on a PostgreSQL store: the ready step is due 10:00 WIB by its new PT2H, and verify agrees."""
    definitions, forms = copy_definitions(tmp_path)
    sop = Sop(pg_url, definitions, forms)  # type: ignore[arg-type]
    engine_at(sop, wib("2026-11-02T08:00:00")).instances.start("interkoneksi_data_baru")
    set_sla(definitions, "AjukanPermohonan", "PT2H")
    assert engine_at(sop, wib("2026-11-02T09:00:00")).instance(1).migrate().migrated
    [listed] = sop.json("tasks")
    assert (listed["sla"], listed["due"]) == ("PT2H", wib("2026-11-02T10:00:00"))
    assert [(v["instance"], v["ok"]) for v in sop.json("verify")] == [(1, True)]


def test_the_migration_plan_shows_the_due_time_the_move_would_give(office: Sop) -> None:
    """`sop migrate --dry-run` lists the ready step with the due time of its new Mutu Baku and changes nothing."""
    engine_at(office, wib("2026-11-02T08:00:00")).instances.start("interkoneksi_data_baru")
    set_sla(office.definitions, "AjukanPermohonan", "PT2H")
    before = office.dump()
    [plan] = office.json("migrate", "1", "--dry-run")
    assert [(t["task"], t["sla"], t["due"]) for t in plan["tasks"]] == [
        ("AjukanPermohonan", "PT2H", wib("2026-11-02T10:00:00"))]
    assert office.dump() == before
