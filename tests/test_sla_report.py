"""Tests for the SLA report, checked against a hand-made history on the Dinas calendar."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pytest
from conftest import CUTI, DEFINITIONS, Sop

from engine.service.facade import Engine

CUTI_DATA = {"nama": "Ani", "jenis": "tahunan", "mulai": "2026-11-16", "hari": 2}
TOLAK = {"keputusan": "tolak"}


def wib(text: str) -> str:
    """A Jakarta time (UTC+7) as the store writes times."""
    from datetime import datetime, timedelta

    return (datetime.fromisoformat(text) - timedelta(hours=7)).isoformat(timespec="milliseconds") + "Z"


class Clock:
    """A clock the test sets before each command."""

    now = ""

    def __call__(self) -> str:
        return self.now


def leave_requests(engine: Engine, clock: Clock) -> None:
    """The three leave requests described under `history`, made at their times (the clock set before each act)."""
    for when, action in [
        ("2026-11-02T08:00", lambda: engine.instances.start("permohonan_cuti")),
        ("2026-11-02T08:30", lambda: engine.instance(1).complete("AjukanCuti", CUTI_DATA)),
        ("2026-11-02T09:00", lambda: engine.instances.start("permohonan_cuti")),
        ("2026-11-02T11:30", lambda: engine.instance(2).complete("AjukanCuti", CUTI_DATA)),
        ("2026-11-02T15:00", lambda: engine.instance(2).complete("Telaah", TOLAK)),
        ("2026-11-03T11:00", lambda: engine.instance(1).complete("Telaah", TOLAK)),
        ("2026-11-06T16:00", lambda: engine.instances.start("permohonan_cuti")),
        ("2026-11-09T08:00", lambda: engine.instance(3).complete("AjukanCuti", CUTI_DATA)),
    ]:
        clock.now = wib(when + ":00")
        action()


@pytest.fixture
def history(tmp_path: Path) -> Sop:
    """Three leave requests on the calendar (AjukanCuti: PT1H; Telaah: P1D), all times WIB:
    1: started Mon 08:00, AjukanCuti 08:30, Telaah Tue 11:00 (tolak: done);
    2: started Mon 09:00, AjukanCuti 11:30, Telaah Mon 15:00 (tolak: done);
    3: started Fri 16:00, AjukanCuti the next Monday 08:00 (still running)."""
    definitions = tmp_path / "definitions"
    shutil.copytree(CUTI / "definitions", definitions)
    shutil.copy(DEFINITIONS / "calendar.yaml", definitions)
    clock = Clock()
    engine = Engine(
        str(tmp_path / "sop.db"), definitions_dir=definitions, forms_dir=CUTI / "forms", clock=clock, operator="penguji"
    )
    leave_requests(engine, clock)
    engine.close()
    return Sop(tmp_path / "sop.db", definitions, CUTI / "forms")


def test_step_figures_match_the_hand_made_history(history: Sop) -> None:
    """AjukanCuti took 30 min, 2 h 30 and 1 h (over a weekend); Telaah 10 h and 2 h 30 of working time."""
    report = history.json("report", "sla")
    steps = {s["task"]: s for s in report["steps"]}
    assert steps["AjukanCuti"] | {} == {
        "process": "permohonan_cuti", "task": "AjukanCuti", "name": "Ajukan cuti", "lane": "Pegawai", "sla": "PT1H",
        "completed": 3, "median_seconds": 3600, "p90_seconds": 9000, "within_share": 2 / 3,
    }
    assert (steps["Telaah"]["completed"], steps["Telaah"]["median_seconds"], steps["Telaah"]["p90_seconds"],
            steps["Telaah"]["within_share"]) == (2, 22500, 36000, 0.5)


def test_instance_totals_match_the_hand_made_history(history: Sop) -> None:
    """Instance 1 took 10 h 30 of working time against the SOP's 8 h 30 (PT1H + one 7 h 30 working day);
    instance 2 took 5 h; the running instance 3 is not listed."""
    report = history.json("report", "sla")
    assert [(i["instance"], i["total_seconds"], i["sop_seconds"], i["within"]) for i in report["instances"]] == [
        (1, 37800, 30600, False), (2, 18000, 30600, True)]


def test_since_and_until_select_by_day_in_the_calendars_time_zone(history: Sop) -> None:
    """--since 2026-11-09 keeps only the Monday-morning step; --until 2026-11-02 only Monday's completions."""
    late = history.json("report", "sla", "--since", "2026-11-09")
    assert [(s["task"], s["completed"]) for s in late["steps"]] == [("AjukanCuti", 1)]
    assert late["instances"] == []
    first_day = history.json("report", "sla", "--until", "2026-11-02")
    assert [(s["task"], s["completed"]) for s in first_day["steps"]] == [("AjukanCuti", 2), ("Telaah", 1)]


def test_table_and_csv_show_the_same_figures(history: Sop) -> None:
    """The table prints hours:minutes and shares; the CSV carries seconds, one row per step and per instance."""
    table = history("report", "sla")
    assert table.exit_code == 0, table.output
    line = next(x for x in table.stdout.splitlines() if x.startswith("permohonan_cuti  AjukanCuti"))
    assert line.split()[-4:] == ["3", "1:00", "2:30", "67%"]
    assert "2 completed instance(s); 1 within the SOP's total time (50%)." in table.stdout
    assert table.stdout.splitlines()[-1].split()[0] == "1"  # instance 1 is the one over: 10:30 against 8:30
    assert table.stdout.splitlines()[-1].split()[-2:] == ["10:30", "8:30"]
    rows = list(csv.DictReader(io.StringIO(history("report", "sla", "--csv").stdout)))
    assert [(r["kind"], r["task"] or r["instance"]) for r in rows] == [
        ("step", "AjukanCuti"), ("step", "Telaah"), ("instance", "1"), ("instance", "2")]
    assert rows[1]["median_seconds"] == "22500" and rows[2]["within"] == "no"


def test_report_options_are_checked(history: Sop) -> None:
    """A malformed date or --json with --csv is a usage error (exit 2)."""
    assert history("report", "sla", "--since", "02-11-2026").exit_code == 2
    assert history("report", "sla", "--json", "--csv").exit_code == 2


def test_report_works_on_instances_older_than_the_step_records(history: Sop) -> None:
    """Steps recorded before the store kept times (as an upgraded store has them) get the same figures
    from the event log."""
    import sqlite3

    before = history.json("report", "sla")
    conn = sqlite3.connect(history.db)
    with conn:
        conn.execute("UPDATE steps SET taken = NULL, due = NULL")
        conn.execute("DELETE FROM instance_times")
    conn.close()
    assert history.json("report", "sla") == before


def test_report_on_an_empty_store_says_so(sop: Sop) -> None:
    """No completed steps: a message, exit 0."""
    sop.start()
    result = sop("report", "sla")
    assert result.exit_code == 0
    assert "No completed steps" in result.stderr
    assert json.loads(sop("report", "sla", "--json").stdout) == {"steps": [], "instances": []}


def test_an_instance_that_takes_exactly_the_sops_time_is_on_time(history: Sop) -> None:
    """The Mutu Baku is a bound: a total equal to the SOP's total time is within it (the planted bug `<=` -> `<`
    in engine/service/sla_report.py fails here), and the table of late instances leaves it out."""
    import sqlite3

    conn = sqlite3.connect(history.db)
    with conn:
        conn.execute("UPDATE instance_times SET total = budget WHERE instance_id = 2")
    conn.close()
    report = history.json("report", "sla")
    assert [(i["instance"], i["total_seconds"] == i["sop_seconds"], i["within"]) for i in report["instances"]] == [
        (1, False, False), (2, True, True)]
    table = history("report", "sla").stdout
    assert "2 completed instance(s); 1 within the SOP's total time (50%)." in table
    assert [line.split()[0] for line in table.splitlines()[-1:]] == ["1"]
