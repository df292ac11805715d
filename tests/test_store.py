"""Tests for the SQLite store as operators and admins meet it: creation, upgrades, foreign files, the audit log."""

from __future__ import annotations

import json
import random
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from conftest import single_user_definitions

from engine.common.canonical import chain_hash
from engine.store.opening import open_store
from engine.store.sqlite_schema import MIGRATIONS, SCHEMA_VERSION
from runner.cli import cli

REPO = Path(__file__).resolve().parent.parent
DEFINITIONS = single_user_definitions()
FORMS = REPO / "forms"
EXAMPLES = REPO / "examples"
DATA = EXAMPLES / "interkoneksi_data_baru" / "data"
PROCESS = "interkoneksi_data_baru"

# Each table in a stable order, so two dumps of the same content compare equal.
DUMP_SQL = {
    "definition_versions": "SELECT * FROM definition_versions ORDER BY version",
    "instances": "SELECT * FROM instances ORDER BY id",
    "ready_tasks": "SELECT * FROM ready_tasks ORDER BY instance_id, task_uuid",
    "events": "SELECT * FROM events ORDER BY instance_id, seq",
}


def sop(db: Path, *args: str) -> Result:
    """Run the sop CLI in-process against a store, with the repository's definitions and forms."""
    return CliRunner().invoke(
        cli, ["--db", str(db), "--definitions", str(DEFINITIONS), "--forms", str(FORMS), *args], env={"SOP_DEBUG": None}
    )


def ok(result: Result) -> Result:
    """The result of a command that must succeed, with its stderr shown if it did not."""
    assert result.exit_code == 0, (result.exit_code, result.stderr, result.exception)
    return result


def connect(db: Path) -> sqlite3.Connection:
    """A plain sqlite3 connection for looking at (or tampering with) the file behind sop's back."""
    return sqlite3.connect(db, isolation_level=None)


def dump(db: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of sop's tables."""
    conn = connect(db)
    try:
        return {table: conn.execute(sql).fetchall() for table, sql in DUMP_SQL.items()}
    finally:
        conn.close()


def pragma(db: Path, name: str) -> Any:
    """One PRAGMA's value."""
    conn = connect(db)
    try:
        return conn.execute(f"PRAGMA {name}").fetchone()[0]
    finally:
        conn.close()


def chain_problems(db: Path) -> list[str]:
    """Every way the stored event chains differ from what Engine._append wrote; empty when all verify."""
    conn = connect(db)
    problems: list[str] = []
    try:
        instances = conn.execute("SELECT id, version, last_seq, last_hash FROM instances ORDER BY id").fetchall()
        for instance_id, version, last_seq, last_hash in instances:
            head, seq = version, 0
            rows = conn.execute(
                "SELECT seq, type, time, task, task_uuid, actor, operator, version, data, hash FROM events "
                "WHERE instance_id = ? ORDER BY seq",
                (instance_id,),
            ).fetchall()
            for row_seq, kind, time, task, task_uuid, actor, operator, ev_version, data, ev_hash in rows:
                seq += 1
                if row_seq != seq:
                    problems.append(f"instance {instance_id}: event seq {row_seq} where {seq} was due")
                body = {"instance": instance_id, "seq": row_seq, "type": kind, "time": time, "task": task,
                        "task_uuid": task_uuid, "actor": actor, "operator": operator, "version": ev_version,
                        "data": json.loads(data)}
                head = chain_hash(head, body)
                if ev_hash != head:
                    problems.append(f"instance {instance_id}: event {row_seq} hash does not chain")
            if (last_seq, last_hash) != (seq, head):
                problems.append(f"instance {instance_id}: head {last_seq}/{last_hash[:12]} is not the last event")
    finally:
        conn.close()
    return problems


def started_store(db: Path, steps: int = 0) -> None:
    """A store with one instance of the SOP, its first `steps` tasks completed with the sample artefacts."""
    ok(sop(db, "start", PROCESS, "--as", "opd.dinkes"))
    for task, data in [("AjukanPermohonan", "01_surat_permohonan.yaml"), ("DisposisiKadis", "02_disposisi_kadis.yaml"),
                       ("AnalisaKabid", "03_analisa_kabid.yaml")][:steps]:
        ok(sop(db, "complete", "1", task, "--data", str(DATA / data)))


# -- creation ------------------------------------------------------------------------------------


def test_first_start_creates_store_at_current_schema_in_wal_mode(tmp_path: Path) -> None:
    """The first `sop start` creates the store file at the current schema version, in WAL journal mode."""
    db = tmp_path / "sop.db"
    assert not db.exists()
    result = ok(sop(db, "start", PROCESS))
    assert result.stdout.strip() == "1"
    assert db.is_file()
    assert pragma(db, "user_version") == SCHEMA_VERSION
    assert pragma(db, "journal_mode") == "wal"
    assert [row[0] for row in dump(db)["instances"]] == [1]


# -- upgrade in place ----------------------------------------------------------------------------


@pytest.fixture
def v1_store(tmp_path: Path) -> tuple[Path, Path]:
    """A schema-1 store holding a real instance (AjukanPermohonan done), and the current store it was copied from."""
    source = tmp_path / "current.db"
    started_store(source, steps=1)
    old = tmp_path / "v1.db"
    conn = connect(old)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.executescript(MIGRATIONS[0])
    conn.execute("PRAGMA user_version = 1")
    conn.execute("ATTACH DATABASE ? AS src", (str(source),))
    conn.execute("BEGIN")
    for table in ("definition_versions", "events"):
        conn.execute(f"INSERT INTO {table} SELECT * FROM src.{table}")
    v1_instance = ("id, process_id, version, status, started_at, updated_at, started_by, state, state_format, "
                   "row_version, last_seq, last_hash")
    conn.execute(f"INSERT INTO instances SELECT {v1_instance} FROM src.instances")
    v1_columns = "instance_id, task_uuid, bpmn_id, name, lane, form, since"
    conn.execute(f"INSERT INTO ready_tasks ({v1_columns}) SELECT {v1_columns} FROM src.ready_tasks")
    conn.execute("COMMIT")
    conn.execute("DETACH DATABASE src")
    conn.close()
    assert pragma(old, "user_version") == 1
    return old, source


def test_v1_store_upgrades_and_lists_its_ready_task_in_full(v1_store: tuple[Path, Path]) -> None:
    """`sop tasks --json` upgrades a schema-1 store and lists its ready task as a new store would, SLA included."""
    old, source = v1_store
    listed = json.loads(ok(sop(old, "tasks", "--json")).stdout)
    assert pragma(old, "user_version") == SCHEMA_VERSION
    expected = json.loads(ok(sop(source, "tasks", "--json")).stdout)
    assert [t["task"] for t in listed] == ["DisposisiKadis"]
    assert listed[0]["process"] == PROCESS
    assert listed[0]["sla"] == "PT30M"
    assert listed[0]["due"] is None  # ready before stores had due times; the next `sop tick` gives it one
    ok(sop(old, "tick"))
    listed = json.loads(ok(sop(old, "tasks", "--json")).stdout)
    assert listed == expected
    assert listed[0]["due"] is not None


def test_v1_store_upgrade_takes_step_times_from_the_event_log(v1_store: tuple[Path, Path]) -> None:
    """After the upgrade the SLA report counts the step completed before it: ready at the start event, done at
    its completion event; the ready task is recorded as ready since its `since`."""
    old, _ = v1_store
    report = json.loads(ok(sop(old, "report", "sla", "--json")).stdout)
    conn = connect(old)
    times = [r[0] for r in conn.execute("SELECT time FROM events WHERE instance_id = 1 ORDER BY seq")]
    steps = conn.execute("SELECT bpmn_id, ready_seq, done_seq FROM steps ORDER BY ready_seq").fetchall()
    conn.close()
    assert steps == [("AjukanPermohonan", 1, 2), ("DisposisiKadis", 2, None)]
    [step] = report["steps"]
    assert (step["task"], step["completed"], step["sla"]) == ("AjukanPermohonan", 1, "PT30M")
    from engine.common.work_calendar import load_calendar

    assert step["median_seconds"] == load_calendar(DEFINITIONS / "calendar.yaml").worked(times[0], times[1])


def test_v1_store_upgrade_keeps_instance_and_events_unchanged(v1_store: tuple[Path, Path]) -> None:
    """Upgrading a version-1 store leaves its instance row (one column more) and its event log byte for byte as they
    were."""
    old, source = v1_store
    before = dump(old)
    shown = json.loads(ok(sop(old, "show", "1", "--json")).stdout)
    assert pragma(old, "user_version") == SCHEMA_VERSION
    after = dump(old)
    assert after["instances"] == dump(source)["instances"]  # its columns as they were; completed_at empty (running)
    assert [row[:-1] for row in after["instances"]] == before["instances"] and after["instances"][0][-1] is None
    assert after["events"] == before["events"]
    assert after["definition_versions"] == before["definition_versions"]
    reference = json.loads(ok(sop(source, "show", "1", "--json")).stdout)
    assert (shown["events"], shown["head_hash"], shown["data"], shown["status"]) == (
        reference["events"], reference["head_hash"], reference["data"], reference["status"])
    assert chain_problems(old) == []


def test_v1_store_upgrade_then_next_step_completes(v1_store: tuple[Path, Path]) -> None:
    """After the upgrade the operator completes the next step and the instance moves on with a valid chain."""
    old, _ = v1_store
    result = ok(sop(old, "complete", "1", "DisposisiKadis", "--data", str(DATA / "02_disposisi_kadis.yaml"), "--json"))
    assert json.loads(result.stdout)["completed"]["task"] == "DisposisiKadis"
    assert pragma(old, "user_version") == SCHEMA_VERSION
    listed = json.loads(ok(sop(old, "tasks", "--json")).stdout)
    assert [(t["task"], t["sla"], t["process"]) for t in listed] == [("AnalisaKabid", "PT1H", PROCESS)]
    events = dump(old)["events"]
    assert [(e[1], e[2], e[4]) for e in events] == [
        (1, "instance-started", None), (2, "task-completed", "AjukanPermohonan"),
        (3, "task-completed", "DisposisiKadis")]
    assert chain_problems(old) == []


def test_upgraded_store_events_are_append_only(v1_store: tuple[Path, Path]) -> None:
    """A version-1 store gains the append-only guard on its events when it is upgraded."""
    old, _ = v1_store
    ok(sop(old, "instances"))
    conn = connect(old)
    try:
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            conn.execute("DELETE FROM events")
    finally:
        conn.close()
    assert len(dump(old)["events"]) == 2


# -- stores and files sop must refuse ------------------------------------------------------------

WRITE_AND_READ_COMMANDS = [
    ("tasks",),
    ("tasks", "--json"),
    ("instances", "--json"),
    ("show", "1"),
    ("start", PROCESS),
    ("complete", "1", "DisposisiKadis", "--data", str(DATA / "02_disposisi_kadis.yaml")),
]


@pytest.mark.parametrize("args", WRITE_AND_READ_COMMANDS, ids=lambda a: a[0] + ("-json" if "--json" in a else ""))
def test_newer_schema_store_is_refused_and_unchanged(tmp_path: Path, args: tuple[str, ...]) -> None:
    """A store written by a newer sop (higher schema version) is refused with advice to upgrade sop, and not touched."""
    db = tmp_path / "sop.db"
    started_store(db, steps=1)
    conn = connect(db)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    before = db.read_bytes()
    result = sop(db, *args)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.startswith('{"error": ' if "--json" in args else "Error: ")
    assert "upgrade sop" in result.stderr
    assert f"schema version {SCHEMA_VERSION + 1}" in result.stderr
    assert db.read_bytes() == before


NOT_SQLITE = {
    "text": ("Surat permohonan interkoneksi data Dinas Kesehatan\n" * 40).encode(),
    "short-text": b"sop\n",
    "random-bytes": random.Random(35).randbytes(8192),
}


@pytest.mark.parametrize("args", WRITE_AND_READ_COMMANDS, ids=lambda a: a[0] + ("-json" if "--json" in a else ""))
@pytest.mark.parametrize("kind", sorted(NOT_SQLITE))
def test_file_that_is_not_sqlite_is_refused_and_unchanged(tmp_path: Path, kind: str, args: tuple[str, ...]) -> None:
    """--db naming a text or binary file that is not SQLite is refused as not a sop store and left as it was."""
    db = tmp_path / "catatan.txt"
    db.write_bytes(NOT_SQLITE[kind])
    result = sop(db, *args)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert "is not a sop store" in result.stderr
    assert db.read_bytes() == NOT_SQLITE[kind]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["catatan.txt"]


@pytest.mark.parametrize("args", [WRITE_AND_READ_COMMANDS[i] for i in (1, 4, 5)],
                         ids=["tasks-json", "start", "complete"])
@pytest.mark.parametrize("user_version", [0, 1, SCHEMA_VERSION])
def test_other_programs_sqlite_database_is_refused_and_unchanged(
    tmp_path: Path, user_version: int, args: tuple[str, ...]
) -> None:
    """--db naming another program's SQLite database (own tables, common user_versions) is refused and left as is."""
    db = tmp_path / "kepegawaian.db"
    conn = connect(db)
    conn.execute("CREATE TABLE pegawai (nip TEXT PRIMARY KEY, nama TEXT NOT NULL)")
    conn.execute("INSERT INTO pegawai VALUES ('198001012005011001', 'Budi Santoso')")
    conn.execute(f"PRAGMA user_version = {user_version}")
    conn.close()
    before = db.read_bytes()
    result = sop(db, *args)
    assert db.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kepegawaian.db"]
    assert result.exit_code == 1
    assert result.stdout == ""
    assert "internal error" not in result.stderr
    assert "not a sop store" in result.stderr


@pytest.mark.parametrize("args", WRITE_AND_READ_COMMANDS, ids=lambda a: a[0] + ("-json" if "--json" in a else ""))
def test_folder_is_refused(tmp_path: Path, args: tuple[str, ...]) -> None:
    """--db naming a folder is refused with a message saying so, and nothing is created in it."""
    folder = tmp_path / "arsip"
    folder.mkdir()
    result = sop(folder, *args)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert "is a folder" in result.stderr
    assert list(folder.iterdir()) == []


@pytest.mark.parametrize(
    ("args", "stdout"),
    [(("tasks",), ""), (("tasks", "--json"), "[]\n"), (("instances",), ""), (("instances", "--json"), "[]\n"),
     (("tasks", "--lane", "Kepala Dinas", "--json"), "[]\n")],
    ids=["tasks", "tasks-json", "instances", "instances-json", "tasks-lane-json"],
)
def test_read_commands_on_missing_store_create_nothing(tmp_path: Path, args: tuple[str, ...], stdout: str) -> None:
    """Listing tasks or instances of a store that does not exist is an error naming the path (a mistyped --db
    must not read as an empty store) and creates no file; the same store, once created, lists nothing."""
    db = tmp_path / "belum_ada.db"
    result = sop(db, *args)
    assert result.exit_code == 1 and result.stdout == ""
    assert f"No store at '{db}': the file does not exist" in result.stderr
    assert not db.exists()
    assert list(tmp_path.iterdir()) == []
    open_store(str(db), create=True).close()
    assert ok(sop(db, *args)).stdout == stdout


def test_show_on_missing_store_is_refused_and_creates_nothing(tmp_path: Path) -> None:
    """`sop show 1` on a store that does not exist says there is no such store and creates no file."""
    db = tmp_path / "belum_ada.db"
    result = sop(db, "show", "1")
    assert result.exit_code == 1
    assert "No store at" in result.stderr and "`sop start` creates a new store" in result.stderr
    assert list(tmp_path.iterdir()) == []


# -- the audit log -------------------------------------------------------------------------------


@pytest.fixture
def demo_store(tmp_path: Path) -> Path:
    """A store holding every example scenario run to its end (both paths of the SOP)."""
    db = tmp_path / "demo.db"
    ok(sop(db, "demo", "--examples", str(EXAMPLES), "--keep", str(db)))
    return db


@pytest.mark.parametrize(
    "statement",
    ["UPDATE events SET actor = 'orang.lain' WHERE seq = 2",
     "UPDATE events SET data = '{}', hash = 'x'",
     "DELETE FROM events WHERE seq = (SELECT max(seq) FROM events)",
     "DELETE FROM events"],
    ids=["update-actor", "update-all", "delete-last", "delete-all"],
)
def test_events_table_refuses_update_and_delete(demo_store: Path, statement: str) -> None:
    """Editing or deleting a stored event behind sop's back is refused by the store itself and changes nothing."""
    before = dump(demo_store)
    conn = connect(demo_store)
    try:
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            conn.execute(statement)
    finally:
        conn.close()
    assert dump(demo_store) == before


def test_event_chain_verifies_from_version_hash_to_instance_head(demo_store: Path) -> None:
    """Every event's hash chains from the previous one (the first from the pinned version) up to the instance's head."""
    rows = dump(demo_store)
    instances = rows["instances"]
    assert len(instances) >= 2
    assert {row[3] for row in instances} == {"completed"}
    kinds = [e[2] for e in rows["events"]]
    assert kinds.count("instance-started") == len(instances)
    assert kinds.count("instance-completed") == len(instances)
    assert chain_problems(demo_store) == []


def test_event_chain_check_notices_a_tampered_event(demo_store: Path) -> None:
    """The chain check this file relies on does flag an event whose data was altered (triggers dropped first)."""
    conn = connect(demo_store)
    conn.execute("DROP TRIGGER events_no_update")
    conn.execute("UPDATE events SET data = json_set(data, '$.perihal', 'diubah') WHERE instance_id = 1 AND seq = 2")
    conn.close()
    problems = chain_problems(demo_store)
    assert "instance 1: event 2 hash does not chain" in problems
    assert [p for p in problems if not p.startswith("instance 1:")] == []
