"""Comments on a finished request: written (CLI, web page) after the instance completed, shown in the history, carried
in the export bundle and checked by verify, while the instance keeps its own completion time (instances.completed_at,
what the SLA report and the dashboard count), on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from audit_fixtures import tamper
from conftest import CUTI, DEFINITIONS, Sop
from test_dashboard import NOW, ROLES, Office, summary_json
from test_sla_report import Clock, leave_requests, wib
from web_fixtures import engine_as, logged_in, make_app, post, started
from web_fixtures import office as web_office

LATER = "2026-12-15T10:00:00"  # five weeks after instance 2 completed (Mon 2 Nov 15:00 WIB)


@pytest.fixture(params=["sqlite", "postgresql"])
def office(request: pytest.FixtureRequest, tmp_path: Path) -> Office:
    """test_dashboard's leave requests (1 and 2 completed on Tue 3 and Mon 2 Nov, 3 running), the clock at its NOW."""
    definitions = tmp_path / "definitions"
    shutil.copytree(CUTI / "definitions", definitions)
    shutil.copy(DEFINITIONS / "calendar.yaml", definitions)
    (tmp_path / "roles.yaml").write_text(ROLES, encoding="utf-8")
    db = str(tmp_path / "sop.db") if request.param == "sqlite" else str(request.getfixturevalue("pg_url"))
    made = Office(db, definitions, Clock())
    engine = made.engine()
    leave_requests(engine, made.clock)
    engine.close()
    made.clock.now = wib(NOW + ":00")
    return made


def _edit(db: str, *statements: str) -> None:
    """Edit the store behind the program's back (the events' append-only triggers dropped, as an owner could)."""
    if db.startswith("postgresql"):
        import psycopg

        with psycopg.connect(db, autocommit=True) as conn:
            conn.execute("ALTER TABLE events DISABLE TRIGGER events_no_update")
            for sql in statements:
                conn.execute(sql)
            conn.execute("ALTER TABLE events ENABLE TRIGGER events_no_update")
        return
    tamper(Path(db), *((sql, ()) for sql in statements))


def _problems(office: Office, instance: int) -> list[str]:
    engine = office.engine()
    try:
        return [p.message for p in engine.instance(instance).verify().problems]
    finally:
        engine.close()


def test_a_finished_request_takes_a_remark_and_keeps_its_completion_time(office: Office) -> None:
    """Five weeks after instance 2 completed, a remark on it: one more event after instance-completed (no second
    one), verify passes; the SLA report's completion time and total and the dashboard's figures (finished per week,
    instance medians) are what they were; updated_at moved to the comment, completed_at did not."""
    engine = office.engine()
    report = engine.time.sla_report().instances
    engine.close()
    before, now = summary_json(office), office.clock.now
    assert [w["completed"] for w in before["weeks"]][-2:] == [2, 0]
    office.clock.now = wib(LATER)
    engine = office.engine()
    said = engine.instance(2).comment("Arsip lengkap")
    events = engine.instance(2).history()[1]
    assert [e.type for e in events[-2:]] == ["instance-completed", "comment-added"]
    assert [e.type for e in events].count("instance-completed") == 1 and said.seq == events[-1].seq
    assert engine.instance(2).verify().problems == [] and engine.instance(2).replay().divergence is None
    row = engine.context.store().get_instance(2)
    assert row is not None and (row.status, row.updated_at, row.completed_at) == (
        "completed", wib(LATER), wib("2026-11-02T15:00:00"))
    after = engine.time.sla_report().instances
    engine.close()
    assert after == report and [(i.instance, i.completed) for i in after][1] == (2, wib("2026-11-02T15:00:00"))
    office.clock.now = now  # the dashboard as seen on the day before: the finished request still in its week
    assert summary_json(office) == before


def test_verify_fails_after_a_finished_requests_remark_or_completion_time_is_edited(office: Office) -> None:
    """The remark's words edited: its hash breaks; completed_at moved to the remark: verify names the column and
    the instance-completed event's time; updated_at set back to the completion: named too."""
    office.clock.now = wib(LATER)
    engine = office.engine()
    seq = engine.instance(2).comment("Arsip lengkap").seq
    engine.close()
    assert _problems(office, 2) == []
    _edit(office.db, f"UPDATE instances SET completed_at = '{wib(LATER)}' WHERE id = 2")
    problems = _problems(office, 2)
    assert any("its completion time (column completed_at) is" in p and wib("2026-11-02T15:00:00") in p
               for p in problems), problems
    _edit(office.db, f"UPDATE instances SET completed_at = '{wib('2026-11-02T15:00:00')}', "
                     f"updated_at = '{wib('2026-11-02T15:00:00')}' WHERE id = 2")
    problems = _problems(office, 2)
    assert any("column updated_at: expected" in p for p in problems), problems
    _edit(office.db, f"UPDATE instances SET updated_at = '{wib(LATER)}' WHERE id = 2",
          f"UPDATE events SET data = replace(data, 'lengkap', 'hilang') WHERE instance_id = 2 AND seq = {seq}")
    problems = _problems(office, 2)
    assert any(f"event {seq} (comment-added" in p and "hash mismatch" in p for p in problems), problems


# -- the CLI ------------------------------------------------------------------------------------------------------


def _finished(sop: Sop) -> None:
    result = sop("demo", "--keep", str(sop.db))
    assert result.exit_code == 0, result.output


def test_sop_comment_on_a_finished_request(sop: Sop, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`sop comment` on the demo's finished instance: written, after its instance-completed event; history says it
    in English and Indonesian; `sop show --json` keeps its keys; verify and the bundle's verify pass; the bundle
    carries the completion time, and fails verify once that is edited there."""
    _finished(sop)
    done = sop.json("show", "1")
    said = sop("comment", "1", "--text", "Arsip lengkap")
    assert said.exit_code == 0, said.output
    seq = done["events"] + 1
    assert f"Comment {seq} written on instance 1." in said.stderr
    history = sop.json("history", "1")
    assert [e["type"] for e in history[-2:]] == ["instance-completed", "comment-added"]
    line = sop("history", "1").stdout.splitlines()[-1]
    assert line.startswith(f"{seq} ") and "Comment: Arsip lengkap" in line
    monkeypatch.setenv("SOP_LANG", "id")
    assert "Komentar: Arsip lengkap" in sop("history", "1").stdout.splitlines()[-1]
    monkeypatch.delenv("SOP_LANG")
    shown = sop.json("show", "1")
    assert set(done) <= set(shown) and shown["status"] == "completed" and shown["events"] == seq
    completion = next(e["time"] for e in history if e["type"] == "instance-completed")
    assert shown["completed"] == done["completed"] == completion and shown["updated"] == history[-1]["time"]
    assert shown["updated"] != completion
    monkeypatch.setenv("SOP_LANG", "id")
    text = sop("show", "1").stdout
    assert "  selesai   " in text and "  diubah    " in text
    monkeypatch.delenv("SOP_LANG")
    assert sop("verify", "1").exit_code == 0 and sop.json("replay", "1")["ok"] is True
    bundle = tmp_path / "b.json"
    assert sop("export", "1", "-o", str(bundle)).exit_code == 0
    carried = json.loads(bundle.read_text(encoding="utf-8"))
    completed = next(e["time"] for e in carried["events"] if e["type"] == "instance-completed")
    assert carried["instance"]["completed_at"] == completed != carried["instance"]["updated_at"]
    assert carried["events"][-1]["data"] == {"text": "Arsip lengkap"}
    assert sop("verify", "--bundle", str(bundle)).exit_code == 0
    carried["instance"]["completed_at"] = carried["instance"]["updated_at"]
    bundle.write_text(json.dumps(carried), encoding="utf-8")
    result = sop("verify", "--bundle", str(bundle))
    assert result.exit_code == 1 and "its completion time (column completed_at) is" in result.stdout
    del carried["instance"]["completed_at"]  # a bundle exported before bundles carried it still verifies
    bundle.write_text(json.dumps(carried), encoding="utf-8")
    assert sop("verify", "--bundle", str(bundle)).exit_code == 0


def test_a_second_completion_or_a_step_after_it_diverges(sop: Sop) -> None:
    """Replay takes only comments after instance-completed: a forged second instance-completed, or the completion
    event moved after a comment, diverges at that event."""
    from engine import Engine
    from engine.audit.replay import replay

    _finished(sop)
    assert sop("comment", "1", "--text", "Arsip lengkap").exit_code == 0
    engine = Engine(str(sop.db), definitions_dir=sop.definitions, forms_dir=sop.forms)
    record = engine.instance(1).audit_record()
    engine.close()
    *head, completed, comment = record.events
    assert replay(record).divergence is None
    twice = [*head, completed, comment._replace(type="instance-completed", data="{}")]
    divergence = replay(record._replace(events=twice)).divergence
    assert divergence is not None and divergence.event == comment.seq
    assert "the instance had completed at event" in divergence.message
    swapped = [*head, comment._replace(seq=completed.seq), completed._replace(seq=comment.seq)]
    divergence = replay(record._replace(events=swapped)).divergence
    assert divergence is not None and divergence.event == completed.seq
    assert "no instance-completed event follows it" in divergence.message


def test_a_store_at_schema_13_gets_completion_times_from_its_events(sop: Sop) -> None:
    """A SQLite store from before completed_at (its column dropped, schema 13) opens at the current schema with
    each completed instance's completion time filled from its instance-completed event, a running one's empty; a
    comment then leaves it, and verify passes."""
    from engine.store.sqlite_schema import COMPLETED_SINCE, SCHEMA_VERSION

    _finished(sop)
    running = sop.start()
    conn = sqlite3.connect(sop.db)
    conn.executescript("DROP INDEX instances_completed; ALTER TABLE instances DROP COLUMN completed_at; "
                       f"PRAGMA user_version = {COMPLETED_SINCE - 1};")
    conn.close()
    assert sop("comment", "1", "--text", "Arsip lengkap").exit_code == 0
    conn = sqlite3.connect(sop.db)
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    rows = dict(conn.execute("SELECT id, completed_at FROM instances").fetchall())
    conn.close()
    assert version == SCHEMA_VERSION and COMPLETED_SINCE == 14
    history = sop.json("history", "1")
    assert rows[1] == next(e["time"] for e in history if e["type"] == "instance-completed")
    assert rows[1] != history[-1]["time"] and rows[running] is None
    assert sop("verify").exit_code == 0


def test_an_older_postgresql_store_reads_completion_times_then_upgrades(pg_url: str, tmp_path: Path) -> None:
    """A PostgreSQL store at schema 10 (before completed_at) reads each finished instance's completion time from
    its events (the SLA report's too), and `sop db copy` carries them; its first write (a remark on a finished
    one) upgrades it and fills the column; verify passes."""
    import psycopg

    from engine.store.pg_schema import COMPLETED_SINCE, SCHEMA_VERSION

    definitions = tmp_path / "definitions"
    shutil.copytree(CUTI / "definitions", definitions)
    shutil.copy(DEFINITIONS / "calendar.yaml", definitions)
    made = Office(pg_url, definitions, Clock())
    engine = made.engine()
    leave_requests(engine, made.clock)
    report = engine.time.sla_report().instances
    engine.close()
    with psycopg.connect(pg_url, autocommit=True) as conn:
        for statement in ("DROP INDEX instances_completed", "ALTER TABLE instances DROP COLUMN completed_at",
                          f"UPDATE sop_schema SET version = {COMPLETED_SINCE - 1}"):
            conn.execute(statement)
    reader = made.engine()
    store = reader.context.store()
    assert store.schema_version() == COMPLETED_SINCE - 1 == 10
    assert [(r.id, r.completed_at) for r in store.list_instances()] == [
        (1, wib("2026-11-03T11:00:00")), (2, wib("2026-11-02T15:00:00")), (3, None)]
    assert reader.time.sla_report().instances == report
    from engine.ops.store_copy import copy_store

    copied = copy_store(pg_url, str(tmp_path / "copy.db"))  # a copy of the older store carries them too
    assert copied.problems == () and copied.verified == 3 and store.schema_version() == 10
    conn = sqlite3.connect(tmp_path / "copy.db")
    assert conn.execute("SELECT id, completed_at FROM instances ORDER BY id").fetchall() == [
        (1, wib("2026-11-03T11:00:00")), (2, wib("2026-11-02T15:00:00")), (3, None)]
    conn.close()
    made.clock.now = wib(LATER)
    reader.instance(2).comment("Arsip lengkap")
    assert store.schema_version() == SCHEMA_VERSION
    with psycopg.connect(pg_url, autocommit=True) as conn:
        stored = conn.execute("SELECT id, completed_at, updated_at FROM instances ORDER BY id").fetchall()
    assert stored == [(1, wib("2026-11-03T11:00:00"), wib("2026-11-03T11:00:00")),
                      (2, wib("2026-11-02T15:00:00"), wib(LATER)), (3, None, wib("2026-11-09T08:00:00"))]
    assert [p for v in reader.audit.verify() for p in v.problems] == []
    reader.close()


# -- the web -------------------------------------------------------------------------------------------------------


def test_the_instance_page_of_a_finished_request_takes_a_remark(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """kadis writes "Arsip lengkap" on the finished request's page: 303 back to its comments, the page lists it by
    name and jabatan and the history says it (Indonesian, then English); verify passes."""
    paths = web_office(tmp_path)
    instance = started(paths)
    clerk = engine_as(paths, "tu.umum")
    assert clerk.instance(instance).show().status == "completed"
    clerk.close()
    monkeypatch.setenv("SOP_LANG", "id")
    kadis = logged_in(make_app(paths), "kadis")
    answer = post(kadis, f"/instances/{instance}/comments", {"text": "Arsip lengkap"})
    assert answer.status_code == 303 and answer.headers["Location"].endswith(f"/instances/{instance}#comments")
    page = kadis.get(f"/instances/{instance}").get_data(as_text=True)
    assert "Komentar: Arsip lengkap" in page and "Ir. Asmawi Alie, MT" in page
    assert re.search(r'<span id="instance-completed">Selesai 20\d\d-\d\d-\d\d \d\d:\d\d WIB</span>', page), page[:3000]
    monkeypatch.setenv("SOP_LANG", "en")
    page = logged_in(make_app(paths), "kadis").get(f"/instances/{instance}").get_data(as_text=True)
    assert "Comment: Arsip lengkap" in page and "(instance comment)" in page
    clerk = engine_as(paths, "tu.umum")
    events: list[Any] = clerk.instance(instance).history()[1]
    assert [e.type for e in events[-2:]] == ["instance-completed", "comment-added"]
    assert clerk.instance(instance).verify().problems == []
    clerk.close()
