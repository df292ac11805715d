"""Tests for serializer versions: state an older SpiffWorkflow wrote is upgraded on load; a newer one is refused."""

from __future__ import annotations

import json
import sqlite3
import zlib
from pathlib import Path

import pytest

from engine.common.errors import StoreError
from engine.runtime.state_upgrade import serializer_version
from tests.conftest import ROOT, Sop

OLD = ROOT / "tests" / "data" / "old_state" / "paraf_banyak_spiff13.sql"
PARAF = ROOT / "tests" / "data" / "paraf_banyak"


@pytest.fixture
def old_store(tmp_path: Path) -> Sop:
    """The committed store whose running instance SpiffWorkflow 3.0 (serializer 1.3) wrote: one of 3 parafs done."""
    db = tmp_path / "old.db"
    conn = sqlite3.connect(db)
    conn.executescript(OLD.read_text())
    conn.close()
    return Sop(db, PARAF / "definitions", PARAF / "forms")


def _state_format(sop: Sop) -> str:
    conn = sqlite3.connect(sop.db)
    try:
        return str(conn.execute("SELECT state_format FROM instances WHERE id = 1").fetchone()[0])
    finally:
        conn.close()


def _rewrite_format(sop: Sop, tag: str) -> None:
    conn = sqlite3.connect(sop.db)
    state = conn.execute("SELECT state FROM instances WHERE id = 1").fetchone()[0]
    dct = json.loads(zlib.decompress(state))
    dct["serializer_version"] = tag
    conn.execute("UPDATE instances SET state = ?, state_format = ? WHERE id = 1",
                 (zlib.compress(json.dumps(dct).encode()), tag))
    conn.commit()
    conn.close()


def test_old_state_is_upgraded_and_the_instance_completes(old_store: Sop) -> None:
    """The 1.3 state loads, its remaining parafs complete, and it is saved again in the current format."""
    assert _state_format(old_store) == "sop-nospec-1+zlib;spiff=1.3"
    ready = old_store.json("tasks")
    assert [t["task"] for t in ready] == ["Paraf", "Paraf"]
    for task in ready:
        result = old_store("complete", "1", task["id"][:8], "--set", f"nama=Pejabat {task['id'][:4]}")
        assert result.exit_code == 0, result.output
    shown = old_store.json("show", "1")
    assert shown["status"] == "completed" and shown["events"] == 5
    assert _state_format(old_store) == "sop-nospec-1+zlib;spiff=1.5"


def test_upgrade_runs_spiffworkflows_migration(old_store: Sop) -> None:
    """SpiffWorkflow's 1.3 -> 1.4 migration runs on load: the waiting multi-instance task becomes started."""
    from SpiffWorkflow.util.task import TaskState

    from engine.runtime.workflow import spec_from_text, state_from_bytes

    conn = sqlite3.connect(old_store.db)
    state, spec = conn.execute(
        "SELECT i.state, d.spec FROM instances i JOIN definition_versions d ON d.version = i.version").fetchone()
    conn.close()
    assert {t["task_spec"]: t["state"] for t in json.loads(zlib.decompress(state))["tasks"].values()}["Paraf"] == 8
    workflow = state_from_bytes(state, spec_from_text(spec))
    (parent,) = [t for t in workflow.get_tasks() if t.task_spec.name == "Paraf"]
    assert parent.state == TaskState.STARTED


@pytest.mark.parametrize(
    ("tag", "message"),
    [
        ("sop-nospec-1+zlib;spiff=9.9", "serializer 9.9, newer than this sop's (1.5); upgrade"),
        ("sop-nospec-1+zlib;spiff=1.2", "serializer 1.2, which this sop cannot upgrade (it upgrades 1.3 and later"),
        ("sop-nospec-7;spiff=1.5", "has format 'sop-nospec-7;spiff=1.5', which this sop does not know"),
    ],
)
def test_newer_or_unknown_state_is_refused_and_nothing_changes(old_store: Sop, tag: str, message: str) -> None:
    """A state from a newer serializer, one too old to upgrade, or an unknown layout is refused clearly, unchanged."""
    _rewrite_format(old_store, tag)
    task = old_store.json("tasks")[0]["id"][:8]  # (a store of an older schema is upgraded here, before the test)
    before = old_store.dump()
    result = old_store("complete", "1", task, "--set", "nama=X")
    assert result.exit_code == 1
    assert message in result.stderr and "Traceback" not in result.output
    assert old_store.dump() == before


def test_current_state_format_reads_as_current() -> None:
    """The tag sop writes today names SpiffWorkflow's current serializer version."""
    from SpiffWorkflow.bpmn.serializer.workflow import VERSION

    from engine.runtime.workflow import STATE_FORMAT

    assert serializer_version(STATE_FORMAT) == VERSION == "1.5"
    with pytest.raises(StoreError):
        serializer_version(None)
