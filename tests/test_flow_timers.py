"""A wait in the flow: an intermediate timer catch event ("tunggu balasan 3 hari kerja") holds the request, with no
step ready, until `sop tick` finds it due on the working calendar; then the flow goes on. Run on SQLite and
PostgreSQL, with history, replay, verify, the picture, `sop show`, `sop tick` and the instance page knowing it."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from conftest import DEFINITIONS, ROOT, Sop
from conftest import HandClock as Clock
from picture_tools import element_states
from web_fixtures import logged_in, make_app

from engine import Engine, EngineError, lint_paths
from engine.common.identity import os_login

TUNGGU = ROOT / "tests" / "data" / "tunggu" / "definitions"
FORMS = ROOT / "tests" / "data" / "tenggat" / "forms"
MONDAY = "2026-11-02T01:00:00.000Z"  # Monday 2 November 2026, 08:00 WIB
ROLES = """tu.op: {name: Petugas TU, lanes: [], operator: true}
staf.satu:
  name: Sari Staf
  jabatan: Pengelola Surat
  lanes: [Staf]
"""


@pytest.fixture(params=["sqlite", "postgresql"])
def folder(request: pytest.FixtureRequest, tmp_path: Path) -> dict[str, str]:
    """The wait's definitions with the Dinas calendar and a roles file, and a store of each kind."""
    definitions = tmp_path / "definitions"
    shutil.copytree(TUNGGU, definitions)
    shutil.copy(DEFINITIONS / "calendar.yaml", definitions)
    me = f"{os_login()}: {{name: Petugas Uji, jabatan: Pengelola Surat, lanes: [Staf]}}\n"  # who runs `sop` here
    (definitions / "roles.yaml").write_text(ROLES + me, encoding="utf-8")
    db = str(tmp_path / "t.db") if request.param == "sqlite" else str(request.getfixturevalue("pg_url"))
    paths = {"db": db, "definitions": str(definitions), "forms": str(FORMS), "roles": str(definitions / "roles.yaml")}
    operator = engine(paths, Clock("2026-11-01T01:00:00.000Z"), "tu.op")
    operator.context.store(create=True)
    operator.people.apply_roles()
    operator.close()
    return paths


def engine(paths: dict[str, str], clock: Clock, login: str = "staf.satu") -> Engine:
    """An engine acting as the Staf member (or another login), at the test's clock."""
    return Engine(paths["db"], definitions_dir=paths["definitions"], forms_dir=paths["forms"], clock=clock,
                  operator=login, roles=paths["roles"])


def sent(paths: dict[str, str], clock: Clock) -> Engine:
    """A request whose letter was sent Monday 09:00 WIB: it now waits three working days."""
    eng = engine(paths, clock)
    eng.instances.start("tunggu_balasan")
    clock.now = "2026-11-02T02:00:00.000Z"
    eng.instance(1).complete("KirimSurat", {"catatan": "surat dikirim ke OPD"})
    return eng


def test_the_request_waits_three_working_days_then_goes_on(folder: dict[str, str]) -> None:
    """Sent Monday 09:00 WIB: no step is ready and the request says what it waits for and until Thursday 09:00 WIB;
    a tick a minute early fires nothing; at 09:00 the wait ends once and 'Catat balasan' is ready; the request then
    completes, and replay and verify reproduce it."""
    clock = Clock()
    eng = sent(folder, clock)
    try:
        view = eng.instance(1).show()
        assert view.status == "running" and view.tasks == ()
        assert [(w.timer, w.name, w.due) for w in view.waiting] == [
            ("TungguBalasan", "Tunggu balasan 3 hari kerja", "2026-11-05T02:00:00.000Z")]
        assert view.to_json()["waiting"] == [{"timer": "TungguBalasan", "name": "Tunggu balasan 3 hari kerja",
                                              "due": "2026-11-05T02:00:00.000Z"}]
        clock.now = "2026-11-05T01:59:00.000Z"
        assert eng.time.tick().fired == ()
        clock.now = "2026-11-05T02:00:00.000Z"
        fired = eng.time.tick().fired
        assert [(f.instance, f.timer, f.attached_to, f.status, f.tasks) for f in fired] == [
            (1, "TungguBalasan", "", "running", ("CatatBalasan",))]
        assert eng.time.tick().fired == ()
        assert eng.instance(1).show().waiting == ()
        clock.now = "2026-11-05T03:00:00.000Z"
        done = eng.instance(1).complete("CatatBalasan", {"catatan": "balasan diterima"})
        assert done.instance.status == "completed"
        rows, _ = eng.instance(1).history()
        assert [r.type for r in rows] == ["instance-started", "task-completed", "timer-fired", "task-completed",
                                          "instance-completed"]
        replayed = eng.instance(1).replay()
        assert replayed.divergence is None, replayed.divergence
        assert [v.problems for v in eng.audit.verify(instances=[1])] == [[]]
    finally:
        eng.close()


def test_a_wait_over_a_weekend_counts_working_days(folder: dict[str, str]) -> None:
    """Sent Friday 6 November 15:00 WIB: three working days end Wednesday 11 November 15:00 WIB."""
    clock = Clock("2026-11-06T07:00:00.000Z")
    eng = engine(folder, clock)
    try:
        eng.instances.start("tunggu_balasan")
        clock.now = "2026-11-06T08:00:00.000Z"
        eng.instance(1).complete("KirimSurat", {"catatan": "dikirim"})
        assert [w.due for w in eng.instance(1).show().waiting] == ["2026-11-11T08:00:00.000Z"]
    finally:
        eng.close()


@pytest.mark.parametrize("folder", ["sqlite"], indirect=True)  # one store is enough here
def test_editing_the_wait_in_the_store_fails_verify(folder: dict[str, str]) -> None:
    """The waiting timer's due time is derived from the events: moved by hand in the store, verify names it."""
    clock = Clock()
    sent(folder, clock).close()
    conn = sqlite3.connect(folder["db"])
    with conn:
        conn.execute("UPDATE timers SET due = '2026-11-03T02:00:00.000Z'")
    conn.close()
    eng = engine(folder, clock)
    try:
        problems = next(iter(eng.audit.verify(instances=[1]))).problems
    finally:
        eng.close()
    assert any("table timers, column due of timer 'TungguBalasan'" in str(p) for p in problems), problems


@pytest.mark.parametrize("folder", ["sqlite"], indirect=True)  # one store is enough here
def test_sop_show_and_tick_say_what_the_request_waits_for(folder: dict[str, str],
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """`sop show` (in Indonesian) names the wait and when the request goes on; `sop complete` says it too; `sop
    tick` says the wait ended and what is ready."""
    monkeypatch.setenv("SOP_LANG", "id")
    sop = Sop(Path(folder["db"]), Path(folder["definitions"]), Path(folder["forms"]))
    assert sop("--roles", folder["roles"], "start", "tunggu_balasan").exit_code == 0
    completed = sop("--roles", folder["roles"], "complete", "1", "KirimSurat", "--set", "catatan=dikirim")
    assert completed.exit_code == 0, completed.output
    assert "Menunggu: Tunggu balasan 3 hari kerja" in completed.output
    shown = sop("--roles", folder["roles"], "show", "1")
    assert shown.exit_code == 0, shown.output
    assert "Menunggu: Tunggu balasan 3 hari kerja - permohonan berjalan sendiri pada" in shown.stdout
    assert json.loads(sop("--roles", folder["roles"], "show", "1", "--json").stdout)["waiting"][0]["timer"] == \
        "TungguBalasan"
    conn = sqlite3.connect(folder["db"])  # the CLI reads the real clock: the wait is made due by hand
    with conn:
        conn.execute("UPDATE timers SET due = '2026-01-05T02:00:00.000Z'")
    conn.close()
    monkeypatch.setenv("SOP_LANG", "en")
    ticked = sop("tick")
    assert ticked.exit_code == 0, ticked.output
    assert ticked.stdout == ("Instance 1: the wait 'TungguBalasan' (due 2026-01-05 09:00 WIB) ended; instance is "
                             "running; ready: CatatBalasan\n")


@pytest.mark.parametrize("folder", ["sqlite"], indirect=True)  # one store is enough here
def test_the_instance_page_shows_the_wait(folder: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    """The instance page lists the wait by its name and when the request goes on, in WIB; the picture draws the
    timer as waiting."""
    clock = Clock()
    eng = sent(folder, clock)
    picture = eng.instance(1).diagram()
    eng.close()
    operator = engine(folder, clock, "tu.op")
    operator.people.set_password("staf.satu", "rahasia-kantor-2026")
    operator.close()
    monkeypatch.setenv("SOP_LANG", "id")
    app = make_app(folder)
    page = logged_in(app, "staf.satu").get("/instances/1")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    waiting = text[text.index('id="waiting"'):]
    waiting = waiting[:waiting.index("</ul>")]
    assert "Menunggu</h2>" in text
    assert "Tunggu balasan 3 hari kerja <span class=\"meta\">- permohonan berjalan sendiri pada 2026-11-05 09:00 WIB" \
        in waiting
    assert "TungguBalasan" not in waiting
    assert element_states(picture)["TungguBalasan"] == "waiting"



def test_lint_accepts_the_wait_and_refuses_a_broken_one(tmp_path: Path) -> None:
    """The wait lints clean; a wait with an empty duration or a cycle is refused at its line, naming the rule."""
    assert [p for p in lint_paths([TUNGGU / "tunggu_balasan.bpmn"], forms_dir=FORMS) if p.severity == "error"] == []
    broken = tmp_path / "tunggu_balasan.bpmn"
    for given, rule in (("<bpmn:timeDuration></bpmn:timeDuration>", "timer-invalid"),
                        ("<bpmn:timeCycle>R3/PT1H</bpmn:timeCycle>", "element-unsupported")):
        broken.write_text((TUNGGU / "tunggu_balasan.bpmn").read_text(encoding="utf-8").replace(
            "<bpmn:timeDuration>P3D</bpmn:timeDuration>", given), encoding="utf-8")
        found: list[Any] = [p for p in lint_paths([broken], forms_dir=FORMS) if p.severity == "error"]
        assert [(p.rule, p.line) for p in found] == [(rule, 21)], found  # the intermediateCatchEvent line



def dated(tmp_path: Path, given: str, start_data: bool = False) -> Path:
    """The wait's definitions with its timer given as `given` (and the start data key `batas` declared)."""
    definitions = tmp_path / "dated"
    shutil.copytree(TUNGGU, definitions)
    shutil.copy(DEFINITIONS / "calendar.yaml", definitions)
    diagram = definitions / "tunggu_balasan.bpmn"
    text = diagram.read_text(encoding="utf-8").replace("<bpmn:timeDuration>P3D</bpmn:timeDuration>", given)
    if start_data:
        text = text.replace('isExecutable="true">', 'isExecutable="true"><bpmn:extensionElements>'
                            '<spiffworkflow:properties><spiffworkflow:property name="startData" value="batas" />'
                            '</spiffworkflow:properties></bpmn:extensionElements>')
    diagram.write_text(text, encoding="utf-8")
    return definitions


@pytest.mark.parametrize("folder", ["sqlite", "postgresql"], indirect=True)
def test_a_wait_until_a_date_from_the_data(folder: dict[str, str], tmp_path: Path) -> None:
    """A timeDate reading the start data (`batas: 2026-11-20`) waits until 00:00 WIB that day, whatever the
    calendar; replay and verify derive the same due time."""
    paths = {**folder, "definitions": str(dated(tmp_path, "<bpmn:timeDate>batas</bpmn:timeDate>", True))}
    clock = Clock()
    eng = Engine(paths["db"], definitions_dir=paths["definitions"], forms_dir=paths["forms"], clock=clock,
                 operator="staf.satu", roles=folder["roles"])
    try:
        eng.instances.start("tunggu_balasan", {"batas": "2026-11-20"})
        clock.now = "2026-11-02T02:00:00.000Z"
        eng.instance(1).complete("KirimSurat", {"catatan": "dikirim"})
        assert [w.due for w in eng.instance(1).show().waiting] == ["2026-11-19T17:00:00.000Z"]
        clock.now = "2026-11-19T16:59:59.000Z"
        assert eng.time.tick().fired == ()
        clock.now = "2026-11-19T17:00:00.000Z"
        assert [f.tasks for f in eng.time.tick().fired] == [("CatatBalasan",)]
        replayed = eng.instance(1).replay()
        assert replayed.divergence is None, replayed.divergence
        assert [v.problems for v in eng.audit.verify(instances=[1])] == [[]]
    finally:
        eng.close()


@pytest.mark.parametrize("folder", ["sqlite"], indirect=True)
def test_a_wait_until_a_time_written_in_the_diagram(folder: dict[str, str], tmp_path: Path) -> None:
    """A timeDate written as a date and time without a zone is read in the office's zone (WIB)."""
    paths = {**folder, "definitions": str(dated(tmp_path, "<bpmn:timeDate>2026-11-10T09:00</bpmn:timeDate>"))}
    eng = Engine(paths["db"], definitions_dir=paths["definitions"], forms_dir=paths["forms"], clock=Clock(),
                 operator="staf.satu", roles=folder["roles"])
    try:
        eng.instances.start("tunggu_balasan")
        eng.instance(1).complete("KirimSurat", {"catatan": "dikirim"})
        assert [w.due for w in eng.instance(1).show().waiting] == ["2026-11-10T02:00:00.000Z"]
    finally:
        eng.close()


@pytest.mark.parametrize("folder", ["sqlite"], indirect=True)
def test_a_date_that_is_no_date_is_refused_and_changes_nothing(folder: dict[str, str], tmp_path: Path) -> None:
    """Start data `batas: besok` reaches the wait: completing the step is refused naming the timer and what it
    got, and the request keeps its ready step."""
    paths = {**folder, "definitions": str(dated(tmp_path, "<bpmn:timeDate>batas</bpmn:timeDate>", True))}
    eng = Engine(paths["db"], definitions_dir=paths["definitions"], forms_dir=paths["forms"], clock=Clock(),
                 operator="staf.satu", roles=folder["roles"])
    try:
        eng.instances.start("tunggu_balasan", {"batas": "besok"})
        with pytest.raises(EngineError, match=r"timer 'TungguBalasan': 'batas' gives 'besok', not an ISO-8601 date"):
            eng.instance(1).complete("KirimSurat", {"catatan": "dikirim"})
        assert [t.task for t in eng.instance(1).show().tasks] == ["KirimSurat"]
    finally:
        eng.close()


def test_lint_reads_dates(tmp_path: Path) -> None:
    """A timeDate lints clean as an ISO date, a date and time, or an expression over a step; a malformed date and a
    cycle are refused at the event's line."""
    for given, rules in (("<bpmn:timeDate>2026-12-31</bpmn:timeDate>", []),
                         ("<bpmn:timeDate>2026-12-31T09:00:00+07:00</bpmn:timeDate>", []),
                         ('<bpmn:timeDate>KirimSurat["catatan"]</bpmn:timeDate>', []),
                         ("<bpmn:timeDate>2026-13-45</bpmn:timeDate>", ["timer-invalid"]),
                         ("<bpmn:timeDate></bpmn:timeDate>", ["timer-invalid"]),
                         ("<bpmn:timeCycle>R3/PT1H</bpmn:timeCycle>", ["element-unsupported"])):
        folder = dated(tmp_path / str(len(list(tmp_path.iterdir()))), given)
        found = [p for p in lint_paths([folder / "tunggu_balasan.bpmn"], forms_dir=FORMS) if p.severity == "error"]
        assert [p.rule for p in found] == rules, (given, found)
        assert all(p.line == 21 for p in found)


def test_a_date_reading_an_unknown_name_is_refused_by_lint(tmp_path: Path) -> None:
    """A timeDate expression reading a bare name that is no step and no declared start data is named, as a
    condition's would be."""
    folder = dated(tmp_path, "<bpmn:timeDate>batas_balasan</bpmn:timeDate>")
    found = [p for p in lint_paths([folder / "tunggu_balasan.bpmn"], forms_dir=FORMS) if p.severity == "error"]
    assert [p.rule for p in found] == ["condition-unknown-name"], found
    assert "the date of timer 'TungguBalasan'" in found[0].message
