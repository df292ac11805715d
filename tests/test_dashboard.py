"""The office's dashboard figures and step heat, checked against a hand-made history on the Dinas calendar, on
SQLite and PostgreSQL; `sop report summary`; who may see them."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from conftest import CUTI, DEFINITIONS, Sop
from test_sla_report import TOLAK, Clock, leave_requests, wib

from engine.common.errors import NoProcessError, RoleError
from engine.service.facade import Engine

NOW = "2026-11-10T12:00:00"  # Tuesday noon, WIB
ROLES = """op: {name: Operator Satu, lanes: [], operator: true}
aud: {name: Auditor Satu, lanes: [], auditor: true}
atasan: {name: Budi Atasan, lanes: [Atasan]}
pegawai: {name: Ani Pegawai, lanes: [Pegawai]}
"""


class Office:
    """The hand-made history's store, definitions and clock."""

    def __init__(self, db: str, definitions: Path, clock: Clock) -> None:
        self.db, self.definitions, self.clock = db, definitions, clock

    def engine(self, login: str = "penguji", roles: bool = False) -> Engine:
        """An Engine on the history acting as login (with the test's roles file when asked)."""
        return Engine(self.db, definitions_dir=self.definitions, forms_dir=CUTI / "forms", clock=self.clock,
                      operator=login, roles=str(self.definitions.parent / "roles.yaml") if roles else None)


@pytest.fixture(params=["sqlite", "postgresql"])
def office(request: pytest.FixtureRequest, tmp_path: Path) -> Office:
    """The leave requests of test_sla_report (AjukanCuti: PT1H; Telaah: P1D), times WIB:
    1: started Mon 2 Nov 08:00, AjukanCuti 08:30, Telaah Tue 11:00 (tolak: done);
    2: started Mon 09:00, AjukanCuti 11:30, Telaah Mon 15:00 (tolak: done);
    3: started Fri 6 Nov 16:00, AjukanCuti Mon 9 Nov 08:00 (Telaah waits, due Tue 10 Nov 08:00).
    The clock then stands at Tue 10 Nov 12:00."""
    definitions = tmp_path / "definitions"
    shutil.copytree(CUTI / "definitions", definitions)
    shutil.copy(DEFINITIONS / "calendar.yaml", definitions)
    (tmp_path / "roles.yaml").write_text(ROLES, encoding="utf-8")
    db = str(tmp_path / "sop.db") if request.param == "sqlite" else str(request.getfixturevalue("pg_url"))
    clock = Clock()
    made = Office(db, definitions, clock)
    engine = made.engine()
    leave_requests(engine, clock)
    engine.close()
    clock.now = wib(NOW + ":00")
    return made


def summary_json(office: Office, **options: Any) -> dict[str, Any]:
    """The dashboard's figures as `sop report summary --json` prints them."""
    engine = office.engine()
    try:
        return engine.time.summary(**options).to_json()
    finally:
        engine.close()


def test_what_waits_now_and_what_is_overdue(office: Office) -> None:
    """Only instance 3's Telaah waits, in lane Atasan, overdue since Tuesday 08:00; nobody claimed it."""
    figures = summary_json(office)
    assert figures["waiting_by_lane"] == [{"process": "permohonan_cuti", "lane": "Atasan", "waiting": 1,
                                           "overdue": 1}]
    assert figures["waiting_by_person"] == []
    assert figures["overdue"] == 1
    assert [(t["instance"], t["task"]) for t in figures["overdue_tasks"]] == [(3, "Telaah")]


def test_on_time_shares_per_sop_and_step_per_month(office: Office) -> None:
    """May to November; in November AjukanCuti was on time 2 of 3 times (2 h 30 is over PT1H), Telaah 1 of 2
    (10 h is over a 7 h 30 working day): the SOP 3 of 5; the months before have no steps."""
    figures = summary_json(office)
    sop = figures["on_time_by_sop"]
    assert [m["month"] for m in sop[0]["months"]] == [f"2026-{m:02d}" for m in range(5, 12)]
    assert [(r["name"], r["months"][-1]["completed"], r["months"][-1]["on_time"], r["months"][-1]["share"])
            for r in sop] == [("Permohonan Cuti Pegawai", 5, 3, 0.6)]
    assert all(m["completed"] == 0 and m["share"] is None for m in sop[0]["months"][:-1])
    steps = [(r["step"], r["name"], r["months"][-1]["completed"], r["months"][-1]["on_time"])
             for r in figures["on_time_by_step"]]
    assert steps == [("AjukanCuti", "Ajukan cuti", 3, 2), ("Telaah", "Telaah permohonan cuti", 2, 1)]


def test_instance_times_against_the_sops_total_and_weeks(office: Office) -> None:
    """Instances 1 and 2 completed: 10 h 30 and 5 h against 8 h 30 each (median 7 h 45 against 8 h 30), one
    within; the week of 2 November started 3 and completed 2, the week of 9 November none."""
    figures = summary_json(office)
    assert figures["instance_times"] == [{"process": "permohonan_cuti", "name": "Permohonan Cuti Pegawai",
                                          "completed": 2, "within": 1, "median_seconds": 27900.0,
                                          "budget_seconds": 30600.0}]
    weeks = figures["weeks"]
    assert len(weeks) == 12 and weeks[0]["week"] == "2026-08-24" and weeks[-1]["week"] == "2026-11-09"
    assert weeks[-2:] == [{"week": "2026-11-02", "started": 3, "completed": 2},
                          {"week": "2026-11-09", "started": 0, "completed": 0}]
    assert sum(w["started"] for w in weeks) == 3


def test_step_heat_against_the_mutu_baku(office: Office) -> None:
    """AjukanCuti: median 1 h, p90 2 h 30 against 1 h (some over); Telaah: median 6 h 15, p90 10 h against 7 h 30
    (some over) with one waiting and overdue; the two later steps have no figures."""
    engine = office.engine()
    try:
        heat = engine.time.heat("permohonan_cuti")
        from datetime import date

        later = engine.time.heat("permohonan_cuti", since=date(2026, 11, 3))
    finally:
        engine.close()
    assert [(h.step, h.completed, h.median_seconds, h.p90_seconds, h.sla_seconds, h.waiting, h.overdue, h.heat)
            for h in heat] == [
        ("AjukanCuti", 3, 3600, 9000, 3600, 0, 0, "some"), ("Telaah", 2, 22500, 36000, 27000, 1, 1, "some"),
        ("ParafAtasan", 0, 0, 0, 1800, 0, 0, "none"), ("CatatCuti", 0, 0, 0, 7200, 0, 0, "none")]
    assert [(h.step, h.completed, h.heat) for h in later[:2]] == [("AjukanCuti", 1, "good"), ("Telaah", 1, "late")]


def test_who_may_see_the_figures(office: Office) -> None:
    """Operators and auditors see every process; Budi (lane Atasan) sees the leave process; Ani holds only its
    start lane and is refused; nobody sees a process they are not in or that does not exist."""
    for login in ("op", "aud", "atasan"):
        engine = office.engine(login, roles=True)
        try:
            assert [r.process for r in engine.time.summary().sops] == ["permohonan_cuti"]
        finally:
            engine.close()
    engine = office.engine("pegawai", roles=True)
    try:
        with pytest.raises(RoleError, match="may not see the office's figures"):
            engine.time.summary()
        with pytest.raises(RoleError):
            engine.time.heat("permohonan_cuti")
    finally:
        engine.close()
    engine = office.engine("op", roles=True)
    try:
        with pytest.raises(NoProcessError):
            engine.time.summary(process="tidak_ada")
    finally:
        engine.close()


@pytest.mark.parametrize("office", ["sqlite"], indirect=True)
def test_working_seconds_in_words(office: Office, monkeypatch: pytest.MonkeyPatch) -> None:
    """Working seconds read in two units at most, on the 7 h 30 working day."""
    monkeypatch.setenv("SOP_LANG", "id")
    engine = office.engine()
    words = engine.time.seconds_words
    assert [words(0), words(2700), words(26100), words(27000 + 7200)] == [
        "0 menit", "45 menit", "7 jam kerja 15 menit", "1 hari kerja 2 jam kerja"]
    engine.close()


@pytest.mark.parametrize("office", ["sqlite"], indirect=True)
def test_report_summary_prints_the_figures(office: Office, monkeypatch: pytest.MonkeyPatch) -> None:
    """`sop report summary --json` prints what the engine computes; the table names the lane and the weeks."""
    monkeypatch.setitem(Engine.__init__.__kwdefaults__, "clock", office.clock)
    sop = Sop(Path(office.db), office.definitions, CUTI / "forms")
    result = sop("report", "summary", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == summary_json(office)
    text = sop("report", "summary")
    assert text.exit_code == 0 and "Atasan" in text.stdout and "2026-11-02" in text.stdout
    assert "60%" in text.stdout



@pytest.mark.parametrize("office", ["sqlite"], indirect=True)
def test_ended_months_are_kept_and_the_current_month_read_afresh(office: Office) -> None:
    """On 1 December November has ended: its figures (read once, then kept) are those the store gives; a step
    completed in December counts at once in December's column."""
    office.clock.now = wib("2026-12-01T08:00:00")
    engine = office.engine()
    try:
        before = engine.time.summary().to_json()["on_time_by_step"]
        engine.instance(3).complete("Telaah", TOLAK)
        after = engine.time.summary().to_json()["on_time_by_step"]
    finally:
        engine.close()
    november = [(r["step"], r["months"][-2]["completed"], r["months"][-2]["on_time"]) for r in before]
    assert november == [("AjukanCuti", 3, 2), ("Telaah", 2, 1)]
    assert [(r["step"], r["months"][-2]["completed"]) for r in after] == [("AjukanCuti", 3), ("Telaah", 2)]
    assert [(r["step"], r["months"][-1]["completed"], r["months"][-1]["on_time"]) for r in after] == [
        ("AjukanCuti", 0, 0), ("Telaah", 1, 0)]  # Telaah of instance 3: ready 9 November, due the 10th


def test_heat_keeps_the_ended_months_and_counts_a_step_of_this_month_at_once(office: Office) -> None:
    """On 1 December the November times are read once and kept: the heat figures are those of `sop report sla`
    (the same median and nearest-rank p90) before and after Telaah of instance 3 is completed in December, which
    counts at once; a window starting after November reads December alone."""
    from datetime import date

    office.clock.now = wib("2026-12-01T08:00:00")
    engine = office.engine()
    try:
        def heat(since: date | None = None) -> list[tuple[str, int, float, float]]:
            return [(h.step, h.completed, h.median_seconds, h.p90_seconds)
                    for h in engine.time.heat("permohonan_cuti", since=since)[:2]]

        def report() -> list[tuple[str, int, float, float]]:
            return [(s.task, s.completed, s.median_seconds, s.p90_seconds)
                    for s in engine.time.sla_report(process="permohonan_cuti").steps]

        before = heat(date(2026, 11, 1))
        assert before == report() == [("AjukanCuti", 3, 3600, 9000), ("Telaah", 2, 22500, 36000)]
        engine.instance(3).complete("Telaah", TOLAK)
        after = heat(date(2026, 11, 1))
        december = heat(date(2026, 12, 1))
    finally:
        engine.close()
    # Telaah of instance 3: ready Mon 9 November 08:00, completed Tue 1 December 08:00 WIB: 15 working days.
    assert after == report() == [("AjukanCuti", 3, 3600, 9000), ("Telaah", 3, 36000, after[1][3])]
    assert after[1][3] > 36000 and december == [("AjukanCuti", 0, 0, 0), ("Telaah", 1, after[1][3], after[1][3])]


@pytest.mark.parametrize("office", ["sqlite"], indirect=True)
def test_heat_of_steps_recorded_before_the_store_kept_their_times(office: Office) -> None:
    """An upgraded store's steps lack their recorded times: the heat figures are computed from the events and are
    the same."""
    import sqlite3

    engine = office.engine()
    try:
        before = engine.time.heat("permohonan_cuti")
    finally:
        engine.close()
    conn = sqlite3.connect(office.db)
    with conn:
        conn.execute("UPDATE steps SET taken = NULL, due = NULL")
    conn.close()
    engine = office.engine()
    try:
        assert engine.time.heat("permohonan_cuti") == before
    finally:
        engine.close()
    assert [(h.step, h.completed, h.median_seconds, h.p90_seconds) for h in before[:2]] == [
        ("AjukanCuti", 3, 3600, 9000), ("Telaah", 2, 22500, 36000)]
