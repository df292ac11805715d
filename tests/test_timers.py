"""Tests for boundary timers on user tasks: checked at load, due by the engine's clock, fired once by `sop tick`."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import DEFINITIONS, ROOT, Sop

from engine.common.errors import EngineError
from engine.common.local_time import LocalTimes, office_zone
from engine.definitions.catalog import scan
from engine.service.facade import Engine

TENGGAT = ROOT / "tests" / "data" / "tenggat"
BPMN = TENGGAT / "definitions" / "surat_tenggat.bpmn"
T0 = "2026-11-02T01:00:00.000Z"  # Monday 08:00 WIB


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: str = T0) -> None:
        self.now = now

    def __call__(self) -> str:
        return self.now


def engine(db: Path, clock: Clock, definitions: Path = TENGGAT / "definitions") -> Engine:
    """An engine on the timer fixture with an injected clock."""
    return Engine(str(db), definitions_dir=definitions, forms_dir=TENGGAT / "forms", clock=clock, operator="penguji")


def events(db: Path) -> list[tuple[str, str | None, str | None, str]]:
    """(type, task, task_uuid, time) of every event of instance 1."""
    conn = sqlite3.connect(db)
    try:
        sql = "SELECT type, task, task_uuid, time FROM events WHERE instance_id = 1 ORDER BY seq"
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def test_an_interrupting_timer_fires_when_due_and_only_once(tmp_path: Path) -> None:
    """Before three hours nothing fires; at three hours the timer fires once, cancels 'Konsep' and readies the
    escalation; a second tick fires nothing and logs nothing."""
    clock = Clock()
    eng = engine(tmp_path / "t.db", clock)
    view = eng.instances.start("surat_tenggat")
    assert [t.task for t in view.tasks] == ["Konsep"]
    clock.now = "2026-11-02T03:59:59.999Z"
    assert eng.time.tick().fired == ()
    clock.now = "2026-11-02T04:00:00.000Z"
    result = eng.time.tick()
    assert [(f.instance, f.timer, f.attached_to, f.due, f.tasks) for f in result.fired] == [
        (1, "Tenggat_Konsep", "Konsep", "2026-11-02T04:00:00.000Z", ("Eskalasi",))]
    assert eng.time.tick().fired == ()
    log = events(tmp_path / "t.db")
    assert [e[:2] for e in log] == [("instance-started", None), ("timer-fired", "Tenggat_Konsep")]
    assert log[1][3] == "2026-11-02T04:00:00.000Z"
    assert [t.task for t in eng.instances.tasks()] == ["Eskalasi"]
    conn = sqlite3.connect(tmp_path / "t.db")
    assert conn.execute("SELECT count(*) FROM timers").fetchone()[0] == 0
    conn.close()


def test_the_fired_event_names_the_timer_task_uuid(tmp_path: Path) -> None:
    """The timer-fired event's task_uuid is the boundary event's SpiffWorkflow task, as the timers table held it."""
    clock = Clock()
    eng = engine(tmp_path / "t.db", clock)
    eng.instances.start("surat_tenggat")
    conn = sqlite3.connect(tmp_path / "t.db")
    waiting = conn.execute("SELECT task_uuid, bpmn_id, attached_to, due FROM timers").fetchall()
    conn.close()
    assert [w[1:] for w in waiting] == [("Tenggat_Konsep", "Konsep", "2026-11-02T04:00:00.000Z")]
    clock.now = "2026-11-03T00:00:00.000Z"
    eng.time.tick()
    assert events(tmp_path / "t.db")[1][2] == waiting[0][0]


def test_completing_the_task_first_cancels_its_timer(tmp_path: Path) -> None:
    """A task completed in time takes its timer with it: a tick past its due time fires only the next task's."""
    clock = Clock()
    eng = engine(tmp_path / "t.db", clock)
    eng.instances.start("surat_tenggat")
    clock.now = "2026-11-02T02:00:00.000Z"
    eng.instance(1).complete("Konsep", {"catatan": "selesai"})
    clock.now = "2026-11-02T05:00:00.000Z"
    assert [f.timer for f in eng.time.tick().fired] == ["Pengingat_Teken"]
    assert "Eskalasi" not in [t.task for t in eng.instances.tasks()]


def test_a_non_interrupting_timer_leaves_its_task_ready(tmp_path: Path) -> None:
    """The reminder on 'Teken' (cancelActivity=false, unquoted PT1H) readies 'Ingatkan' and keeps 'Teken'."""
    clock = Clock()
    eng = engine(tmp_path / "t.db", clock)
    eng.instances.start("surat_tenggat")
    clock.now = "2026-11-02T01:30:00.000Z"
    eng.instance(1).complete("Konsep", {"catatan": "selesai"})
    clock.now = "2026-11-02T02:30:00.000Z"
    fired = eng.time.tick().fired
    assert [(f.timer, f.tasks) for f in fired] == [("Pengingat_Teken", ("Teken", "Ingatkan"))]
    assert sorted(t.task for t in eng.instances.tasks()) == ["Ingatkan", "Teken"]
    teken = next(t for t in eng.instances.tasks() if t.task == "Teken")
    assert teken.since == "2026-11-02T01:30:00.000Z"  # still the time it became ready
    eng.instance(1).complete("Teken", {"catatan": "ditandatangani"})
    eng.instance(1).complete("Ingatkan", {})
    assert eng.instance(1).show().status == "completed"


def test_timers_count_working_time_on_the_calendar(tmp_path: Path) -> None:
    """With the Dinas calendar, PT3H from Friday 15:00 WIB is due Monday 09:00 WIB (02:00 UTC)."""
    definitions = tmp_path / "definitions"
    shutil.copytree(TENGGAT / "definitions", definitions)
    shutil.copy(DEFINITIONS / "calendar.yaml", definitions)
    clock = Clock("2026-11-06T08:00:00.000Z")
    eng = engine(tmp_path / "t.db", clock, definitions)
    eng.instances.start("surat_tenggat")
    clock.now = "2026-11-09T01:59:00.000Z"
    assert eng.time.tick().fired == ()
    clock.now = "2026-11-09T02:00:00.000Z"
    assert [f.due for f in eng.time.tick().fired] == ["2026-11-09T02:00:00.000Z"]


def test_concurrent_ticks_fire_each_timer_once(tmp_path: Path) -> None:
    """Four `sop tick` processes started together on a store with three due timers log exactly three events."""
    db = tmp_path / "t.db"
    eng = engine(db, Clock("2026-01-05T01:00:00.000Z"))
    for _ in range(3):
        eng.instances.start("surat_tenggat")
    eng.close()
    argv = [str(Path(sys.executable).parent / "sop"), "--db", str(db), "--definitions", str(TENGGAT / "definitions"),
            "--forms", str(TENGGAT / "forms"), "tick", "--json"]
    children = [subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(4)]
    outputs = [child.communicate(timeout=120) for child in children]
    assert all(child.returncode == 0 for child in children), outputs
    conn = sqlite3.connect(db)
    fired = conn.execute("SELECT instance_id, count(*) FROM events WHERE type = 'timer-fired' GROUP BY instance_id")
    assert sorted(fired.fetchall()) == [(1, 1), (2, 1), (3, 1)]
    conn.close()
    import json

    assert sum(len(json.loads(out)["fired"]) for out, _ in outputs) == 3


def test_sop_tick_cli_reports_what_it_fired(tmp_path: Path) -> None:
    """`sop tick` names the instance, the timer and what is ready now; a second run fires nothing."""
    db = tmp_path / "t.db"
    engine(db, Clock("2026-01-05T01:00:00.000Z")).instances.start("surat_tenggat")
    sop = Sop(db, TENGGAT / "definitions", TENGGAT / "forms")
    first = sop("tick")
    assert first.exit_code == 0, first.output
    # no calendar in this folder: the time reads in this machine's zone, with its name
    due = LocalTimes(office_zone(TENGGAT / "definitions")).text("2026-01-05T04:00:00.000Z")
    assert f"Instance 1: timer 'Tenggat_Konsep' on 'Konsep' (due {due}) fired" in first.stdout
    again = sop("tick")
    assert again.stdout == "" and "0 timer(s) fired" in again.stderr


def test_boundary_timers_on_user_tasks_load(tmp_path: Path) -> None:
    """The fixture's quoted and unquoted durations, interrupting and not, pass the load checks."""
    catalog = scan(TENGGAT / "definitions", TENGGAT / "forms")
    assert list(catalog.problems) == []
    assert [d.process_id for d in catalog.definitions] == ["surat_tenggat"]


@pytest.mark.parametrize(("old", "new", "message"), [
    ('attachedToRef="Konsep"', 'attachedToRef="StartEvent_1"', r"is attached to 'StartEvent_1' \(startEvent\)"),
    ('<bpmn:timeDuration>"PT3H"</bpmn:timeDuration>', '<bpmn:timeCycle>R3/PT1H</bpmn:timeCycle>',
     r"sop runs timers with one timeDuration \(e.g. PT3H\) or one timeDate .*, not cycles"),
    ('<bpmn:timeDuration>"PT3H"</bpmn:timeDuration>', '<bpmn:timeDate>"2026-31-12"</bpmn:timeDate>',
     "is not an ISO-8601 date or time"),
    ('<bpmn:timeDuration>"PT3H"</bpmn:timeDuration>', '<bpmn:timeDuration>"tiga jam"</bpmn:timeDuration>',
     "is not an ISO-8601 duration"),
    ('<bpmn:timeDuration>"PT3H"</bpmn:timeDuration>', "<bpmn:timeDuration>__import__('os')</bpmn:timeDuration>",
     "calls something other than abs"),
    ('<bpmn:timerEventDefinition id="TimerDef_1">', '<bpmn:messageEventDefinition id="M1" /><bpmn:timerEventDefinition '
     'id="TimerDef_1">', "messageEventDefinition"),
])
def test_timers_sop_cannot_run_are_refused_at_load(tmp_path: Path, old: str, new: str, message: str) -> None:
    """A timer on a start event, a cycle, a malformed date, a non-duration, code, or a second event definition is
    refused."""
    definitions = tmp_path / "definitions"
    definitions.mkdir()
    text = BPMN.read_text(encoding="utf-8")
    assert old in text
    (definitions / BPMN.name).write_text(text.replace(old, new), encoding="utf-8")
    with pytest.raises(EngineError, match=message):
        scan(definitions, TENGGAT / "forms").get("surat_tenggat")


def test_a_message_catch_event_is_still_refused(tmp_path: Path) -> None:
    """A wait in the flow runs when it is a timer (tests/test_flow_timers.py); one waiting for a message is refused
    naming the element and what sop waits on."""
    definitions = tmp_path / "definitions"
    definitions.mkdir()
    source = ROOT / "tests" / "data" / "tunggu" / "definitions" / "tunggu_balasan.bpmn"
    text = source.read_text(encoding="utf-8").replace(
        '<bpmn:timerEventDefinition id="TimerDef_Tunggu"><bpmn:timeDuration>P3D</bpmn:timeDuration>'
        '</bpmn:timerEventDefinition>', '<bpmn:messageEventDefinition id="Pesan" />')
    (definitions / source.name).write_text(text, encoding="utf-8")
    refused = (r"intermediateCatchEvent 'TungguBalasan' \(messageEventDefinition\) is refused: sop waits on timers "
               r"\(a timerEventDefinition with a timeDuration or timeDate\) and signals of the same request, but has "
               r"no message")
    with pytest.raises(EngineError, match=refused):
        scan(definitions, TENGGAT / "forms").get("tunggu_balasan")


def test_a_timer_reading_data_is_evaluated_by_the_restricted_evaluator(tmp_path: Path) -> None:
    """A timer whose duration is an expression over the start data gets its due time from that value."""
    definitions = tmp_path / "definitions"
    definitions.mkdir()
    text = BPMN.read_text(encoding="utf-8").replace('<bpmn:timeDuration>"PT3H"</bpmn:timeDuration>',
                                                    '<bpmn:timeDuration>tenggat</bpmn:timeDuration>').replace(
        'isExecutable="true">', 'isExecutable="true"><bpmn:extensionElements><spiffworkflow:properties>'
        '<spiffworkflow:property name="startData" value="tenggat" /></spiffworkflow:properties>'
        '</bpmn:extensionElements>')
    (definitions / BPMN.name).write_text(text, encoding="utf-8")
    clock = Clock()
    eng = engine(tmp_path / "t.db", clock, definitions)
    eng.instances.start("surat_tenggat", {"tenggat": "PT2H"})
    clock.now = "2026-11-02T03:00:00.000Z"
    assert [f.timer for f in eng.time.tick().fired] == ["Tenggat_Konsep"]


def test_replay_and_verify_reproduce_fired_timers(tmp_path: Path) -> None:
    """An instance whose timers fired (interrupting, then a reminder) replays from its events to the stored state."""
    clock = Clock()
    eng = engine(tmp_path / "t.db", clock)
    eng.instances.start("surat_tenggat")
    clock.now = "2026-11-02T04:00:00.000Z"
    eng.time.tick()
    clock.now = "2026-11-02T04:10:00.000Z"
    eng.instance(1).complete("Eskalasi", {"catatan": "diambil alih"})
    clock.now = "2026-11-02T05:10:00.000Z"
    eng.time.tick()
    replayed = eng.instance(1).replay()
    assert replayed.divergence is None, replayed.divergence
    assert sorted(t.task for t in replayed.tasks) == ["Ingatkan", "Teken"]
    assert [v.problems for v in eng.audit.verify(instances=[1])] == [[]]


def test_a_boundary_timer_at_a_date_fires_then(tmp_path: Path) -> None:
    """A boundary timer with a timeDate (quoted, a time without a zone: WIB) is due at that moment."""
    definitions = tmp_path / "definitions"
    definitions.mkdir()
    text = BPMN.read_text(encoding="utf-8").replace('<bpmn:timeDuration>"PT3H"</bpmn:timeDuration>',
                                                    '<bpmn:timeDate>"2026-11-02T13:00"</bpmn:timeDate>')
    (definitions / BPMN.name).write_text(text, encoding="utf-8")
    clock = Clock()
    eng = engine(tmp_path / "t.db", clock, definitions)
    eng.instances.start("surat_tenggat")
    clock.now = "2026-11-02T05:59:59.999Z"
    assert eng.time.tick().fired == ()
    clock.now = "2026-11-02T06:00:00.000Z"
    assert [(f.timer, f.due) for f in eng.time.tick().fired] == [("Tenggat_Konsep", "2026-11-02T06:00:00.000Z")]
