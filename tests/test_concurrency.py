"""Tests for many operators at once and for killed commands: real `sop` processes against one SQLite store."""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import single_user_definitions

from engine.common.canonical import chain_hash

REPO = Path(__file__).resolve().parent.parent
SOP = Path(sys.executable).parent / "sop"  # the `sop` installed next to the interpreter running the tests
PYTHON = Path(sys.executable)
PROCESS = "interkoneksi_data_baru"
SCENARIO = REPO / "examples" / "interkoneksi_data_baru" / "pasang.scenario.yaml"
FAILPOINTS = ["after-state", "after-event", "before-commit"]
TIMEOUT = 60  # seconds any one child may take; the SQLite busy timeout is 15 s

# The sample artefact of every task of the installation path, in the scenario's order.
DATA_OF: dict[str, Path] = {
    step["task"]: SCENARIO.parent / step["data"] for step in yaml.safe_load(SCENARIO.read_text("utf-8"))["steps"]
}

DUMP_SQL = {
    "definition_versions": "SELECT * FROM definition_versions ORDER BY version",
    "instances": "SELECT * FROM instances ORDER BY id",
    "ready_tasks": "SELECT * FROM ready_tasks ORDER BY instance_id, task_uuid",
    "events": "SELECT * FROM events ORDER BY instance_id, seq",
    "sqlite_sequence": "SELECT * FROM sqlite_sequence ORDER BY name",
}

# Waits (imports done) for a go-file so that every child reaches the store within a millisecond or two,
# then runs the same entry point as the installed `sop` console script.
BARRIER = """
import os, sys, time
import engine.definitions.catalog, engine.definitions.forms, engine.service.facade
import engine.store.sqlite_store, engine.runtime.workflow, engine.common.yamlio
import runner.cli
ready, go = sys.argv[1], sys.argv[2]
open(ready, "w").close()
deadline = time.monotonic() + 30
while not os.path.exists(go):
    if time.monotonic() > deadline:
        sys.exit(97)
    time.sleep(0.0005)
sys.argv = ["sop", *sys.argv[3:]]
runner.cli.main()
"""


def sop_env(db: Path, failpoint: str | None = None) -> dict[str, str]:
    """The environment of a child `sop`: this store, the repository's definitions and forms, maybe a failpoint."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOP_")}
    env.update(SOP_DB=str(db), SOP_DEFINITIONS=str(single_user_definitions()), SOP_FORMS=str(REPO / "forms"))
    if failpoint:
        env["SOP_FAILPOINT"] = failpoint
    return env


def sop(db: Path, *args: str, failpoint: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run the installed `sop` once against a store and wait for it (bounded)."""
    return subprocess.run([str(SOP), *args], env=sop_env(db, failpoint), cwd=db.parent, capture_output=True,
                          text=True, timeout=TIMEOUT)


def ok(result: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    """A finished `sop` that must have succeeded, with its stderr shown if it did not."""
    assert result.returncode == 0, (result.returncode, result.stderr)
    return result


# The files the scenario attaches to a task (the topology step's drawing is required).
FILES_OF: dict[str, list[str]] = {
    step["task"]: [arg for field, name in (step.get("attach") or {}).items()
                   for arg in ("--attach", f"{field}={SCENARIO.parent / name}")]
    for step in yaml.safe_load(SCENARIO.read_text("utf-8"))["steps"]
}


def complete_args(instance: int, task: str) -> list[str]:
    """`sop complete` of a task with its sample artefact (and files)."""
    return ["complete", str(instance), task, "--data", str(DATA_OF[task]), *FILES_OF[task]]


def start(db: Path) -> int:
    """Start an instance of the SOP and return its id as `sop start` prints it."""
    return int(ok(sop(db, "start", PROCESS)).stdout.strip())


def run_together(db: Path, commands: list[list[str]], barrier: Path) -> list[tuple[int, str, str]]:
    """Run several `sop` commands released at the same instant; (returncode, stdout, stderr) of each."""
    barrier.mkdir()
    go = barrier / "go"
    ready = [barrier / f"ready-{n}" for n in range(len(commands))]
    procs = [
        subprocess.Popen([str(PYTHON), "-c", BARRIER, str(r), str(go), *cmd], env=sop_env(db), cwd=barrier,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for r, cmd in zip(ready, commands, strict=True)
    ]
    try:
        deadline = time.monotonic() + TIMEOUT
        while not all(r.exists() for r in ready):
            early = [p for p in procs if p.poll() is not None]
            assert not early, [p.communicate(timeout=TIMEOUT) for p in early]
            assert time.monotonic() < deadline, "children did not get ready in time"
            time.sleep(0.01)
        go.touch()
        results = []
        for p in procs:
            out, err = p.communicate(timeout=TIMEOUT)
            results.append((p.returncode, out, err))
        return results
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.communicate(timeout=TIMEOUT)


def dump(db: Path) -> dict[str, list[dict[str, Any]]]:
    """Every row of the store's tables, as column: value dicts in a stable order."""
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    try:
        return {table: [dict(row) for row in conn.execute(sql)] for table, sql in DUMP_SQL.items()}
    finally:
        conn.close()


def integrity(db: Path) -> list[str]:
    """SQLite's own integrity check of the file (['ok'] when sound)."""
    conn = sqlite3.connect(db)
    try:
        return [row[0] for row in conn.execute("PRAGMA integrity_check")]
    finally:
        conn.close()


def chain_problems(rows: dict[str, list[dict[str, Any]]]) -> list[str]:
    """Every way a dump's event chains differ from what Engine._append writes; empty when all verify."""
    problems = []
    for inst in rows["instances"]:
        head, seq = inst["version"], 0
        for event in (e for e in rows["events"] if e["instance_id"] == inst["id"]):
            seq += 1
            body = {"instance": inst["id"], "seq": event["seq"], "type": event["type"], "time": event["time"],
                    "task": event["task"], "task_uuid": event["task_uuid"], "actor": event["actor"],
                    "operator": event["operator"], "version": event["version"], "data": json.loads(event["data"])}
            head = chain_hash(head, body)
            if event["seq"] != seq or event["hash"] != head:
                problems.append(f"instance {inst['id']}: event {event['seq']} does not chain")
        if (inst["last_seq"], inst["last_hash"]) != (seq, head):
            problems.append(f"instance {inst['id']}: head is not its last event")
    return problems


def of(rows: list[dict[str, Any]], instance: int, key: str = "instance_id") -> list[dict[str, Any]]:
    """The rows of one instance."""
    return [r for r in rows if r[key] == instance]


def others(rows: list[dict[str, Any]], instance: int, key: str = "instance_id") -> list[dict[str, Any]]:
    """The rows of every other instance."""
    return [r for r in rows if r[key] != instance]


def one_step_problems(before: dict[str, list[dict[str, Any]]], after: dict[str, list[dict[str, Any]]],
                      instance: int, task: str) -> list[str]:
    """How `after` differs from exactly one completion of `task` in `instance` on top of `before`."""
    problems = []
    if after["definition_versions"] != before["definition_versions"]:
        problems.append("definition versions changed")
    for table, key in (("instances", "id"), ("ready_tasks", "instance_id"), ("events", "instance_id")):
        if others(after[table], instance, key) != others(before[table], instance, key):
            problems.append(f"{table} of other instances changed")
    old_events, new_events = of(before["events"], instance), of(after["events"], instance)
    added = new_events[len(old_events):]
    if new_events[: len(old_events)] != old_events:
        problems.append("earlier events changed")
    kinds = [(e["type"], e["task"]) for e in added]
    if kinds not in ([("task-completed", task)], [("task-completed", task), ("instance-completed", None)]):
        problems.append(f"added events {kinds}")
        return problems
    [old_row], [new_row] = of(before["instances"], instance, "id"), of(after["instances"], instance, "id")
    if (new_row["last_seq"], new_row["last_hash"]) != (added[-1]["seq"], added[-1]["hash"]):
        problems.append("instance head is not the new last event")
    if new_row["row_version"] != old_row["row_version"] + 1 or new_row["state"] == old_row["state"]:
        problems.append("instance row was not advanced by one step")
    if new_row["status"] != ("completed" if len(added) == 2 else "running"):
        problems.append(f"status {new_row['status']} after {kinds}")
    old_ready = {r["task_uuid"] for r in of(before["ready_tasks"], instance)}
    new_ready = {r["task_uuid"] for r in of(after["ready_tasks"], instance)}
    if added[0]["task_uuid"] not in old_ready or added[0]["task_uuid"] in new_ready or new_ready == old_ready:
        problems.append("ready tasks did not move on from the completed task")
    return problems + chain_problems(after)


# -- many operators at once ----------------------------------------------------------------------


@pytest.mark.parametrize("racers", [2, 6])
def test_same_task_completed_at_once_succeeds_exactly_once(tmp_path: Path, racers: int) -> None:
    """Several operators completing the same ready task at one moment: one succeeds, the rest are told it is done."""
    db = tmp_path / "sop.db"
    for round_no in range(3):
        instance = start(db)
        results = run_together(db, [complete_args(instance, "AjukanPermohonan")] * racers,
                               tmp_path / f"round-{round_no}")
        codes = sorted(code for code, _, _ in results)
        assert codes == [0] + [1] * (racers - 1), results
        for code, out, err in results:
            if code == 0:
                assert "DisposisiKadis" in out
            else:
                assert "already completed" in err, err
                assert out == ""
        rows = dump(db)
        completed = [e for e in of(rows["events"], instance) if e["type"] == "task-completed"]
        assert [e["task"] for e in completed] == ["AjukanPermohonan"]
        assert [r["bpmn_id"] for r in of(rows["ready_tasks"], instance)] == ["DisposisiKadis"]
        assert of(rows["instances"], instance, "id")[0]["last_seq"] == 2
    assert chain_problems(dump(db)) == []
    assert integrity(db) == ["ok"]


def test_different_instances_completed_at_once_both_succeed(tmp_path: Path) -> None:
    """Two operators completing steps of two different instances at the same moment both succeed."""
    db = tmp_path / "sop.db"
    first, second = start(db), start(db)
    results = run_together(db, [complete_args(first, "AjukanPermohonan"), complete_args(second, "AjukanPermohonan")],
                           tmp_path / "barrier")
    assert [code for code, _, _ in results] == [0, 0], results
    rows = dump(db)
    for instance in (first, second):
        assert [r["bpmn_id"] for r in of(rows["ready_tasks"], instance)] == ["DisposisiKadis"]
        assert [e["type"] for e in of(rows["events"], instance)] == ["instance-started", "task-completed"]
    assert chain_problems(rows) == []
    assert integrity(db) == ["ok"]


# -- crashes inside the transaction --------------------------------------------------------------


@pytest.mark.parametrize("failpoint", FAILPOINTS)
def test_complete_killed_inside_transaction_changes_nothing(tmp_path: Path, failpoint: str) -> None:
    """A `sop complete` killed inside its transaction leaves the store exactly as before, and a retry succeeds."""
    db = tmp_path / "sop.db"
    instance = start(db)
    ok(sop(db, *complete_args(instance, "AjukanPermohonan")))
    before = dump(db)
    killed = sop(db, *complete_args(instance, "DisposisiKadis"), failpoint=failpoint)
    assert killed.returncode == -signal.SIGKILL, (killed.returncode, killed.stderr)
    assert dump(db) == before
    assert integrity(db) == ["ok"]
    ok(sop(db, *complete_args(instance, "DisposisiKadis")))
    after = dump(db)
    assert one_step_problems(before, after, instance, "DisposisiKadis") == []
    assert [r["bpmn_id"] for r in after["ready_tasks"]] == ["AnalisaKabid"]


@pytest.mark.parametrize("failpoint", FAILPOINTS)
def test_start_killed_inside_transaction_leaves_no_instance(tmp_path: Path, failpoint: str) -> None:
    """A first `sop start` killed inside its transaction leaves no instance, event or task; the next start is 1."""
    db = tmp_path / "sop.db"
    killed = sop(db, "start", PROCESS, failpoint=failpoint)
    assert killed.returncode == -signal.SIGKILL, (killed.returncode, killed.stderr)
    assert ok(sop(db, "instances", "--json")).stdout == "[]\n"
    assert ok(sop(db, "tasks", "--json")).stdout == "[]\n"
    rows = dump(db)
    assert (rows["instances"], rows["events"], rows["ready_tasks"], rows["definition_versions"]) == ([], [], [], [])
    assert integrity(db) == ["ok"]
    assert start(db) == 1


def test_start_killed_before_commit_in_used_store_changes_nothing(tmp_path: Path) -> None:
    """A `sop start` killed just before its commit leaves a store in use exactly as it was; the next start gets id 2."""
    db = tmp_path / "sop.db"
    start(db)
    before = dump(db)
    killed = sop(db, "start", PROCESS, failpoint="before-commit")
    assert killed.returncode == -signal.SIGKILL
    assert dump(db) == before
    assert integrity(db) == ["ok"]
    assert start(db) == 2


# -- random kills --------------------------------------------------------------------------------


def test_randomly_killed_completes_leave_the_before_or_a_valid_after_state(tmp_path: Path) -> None:
    """`sop complete` killed at random moments leaves the store untouched or one whole step further, never between."""
    rng = random.Random(352012)
    db = tmp_path / "sop.db"
    instance = start(db)
    began = time.monotonic()
    ok(sop(db, *complete_args(instance, "AjukanPermohonan")))
    duration = time.monotonic() - began
    seen = {"unchanged": 0, "one step": 0}
    for n in range(32):
        before = dump(db)
        ready = of(before["ready_tasks"], instance)
        if not ready:
            instance = start(db)
            before = dump(db)
            ready = of(before["ready_tasks"], instance)
        task = ready[0]["bpmn_id"]
        # Half the kills anywhere in the first 300 ms, half around the end of a command, where it writes the store.
        delay = rng.uniform(0, 0.3) if n % 2 == 0 else rng.uniform(0.6, 1.1) * duration
        proc = subprocess.Popen([str(SOP), *complete_args(instance, task)], env=sop_env(db), cwd=tmp_path,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        try:
            time.sleep(delay)
            if proc.poll() is None:
                proc.kill()
            _, err = proc.communicate(timeout=TIMEOUT)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.communicate(timeout=TIMEOUT)
        assert proc.returncode in (0, -signal.SIGKILL), (proc.returncode, err)
        after = dump(db)
        assert integrity(db) == ["ok"]
        if after == before:
            assert proc.returncode == -signal.SIGKILL, f"exit 0 but nothing saved (iteration {n})"
            seen["unchanged"] += 1
        else:
            assert one_step_problems(before, after, instance, task) == [], f"iteration {n}, task {task}"
            seen["one step"] += 1
    assert seen["unchanged"] > 0 and seen["one step"] > 0, seen
    verified = subprocess.run([str(SOP), "verify"], env=sop_env(db), cwd=tmp_path, capture_output=True, text=True,
                              timeout=TIMEOUT)
    assert verified.returncode == 0, verified.stdout + verified.stderr  # every chain, every replay
