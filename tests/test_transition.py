"""Tests for the one transition every change of an instance goes through, and for the workflows a process keeps."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from conftest import EXAMPLES, FORMS, single_user_definitions
from test_timers import TENGGAT, Clock

from engine.common.errors import EngineError
from engine.ops.scenarios import load_scenario
from engine.runtime.workflow import STATE_FORMAT
from engine.service.facade import Engine

SCENARIO = load_scenario(EXAMPLES / "pasang.scenario.yaml")


def engine(db: Path) -> Engine:
    """An engine on the real SOP in single-user mode."""
    return Engine(str(db), definitions_dir=single_user_definitions(), forms_dir=FORMS, operator="penguji")


def row_of(db: Path, instance: int) -> tuple[int, int, str, str]:
    """(row_version, last_seq, state_format, status) of an instance as stored."""
    conn = sqlite3.connect(db)
    try:
        return conn.execute("SELECT row_version, last_seq, state_format, status FROM instances WHERE id = ?",
                            (instance,)).fetchone()
    finally:
        conn.close()


def test_two_engines_taking_turns_on_one_instance_each_see_the_others_steps(tmp_path: Path) -> None:
    """Two long-running engines on one store complete alternate steps of one instance to the end: each step
    starts from what the store holds (not from what the engine wrote last), and the whole record verifies."""
    db = tmp_path / "sop.db"
    first, second = engine(db), engine(db)
    instance = first.instances.start(SCENARIO.process).instance
    for number, step in enumerate(SCENARIO.steps):
        by = first if number % 2 == 0 else second
        result = by.instance(instance).complete(step["task"], step["data"], attach=step["attach"] or None)
        assert result.completed_task == step["task"]
    assert first.instance(instance).show().status == "completed" == second.instance(instance).show().status
    assert [v.ok for v in first.audit.verify(instances=[instance])] == [True]
    assert row_of(db, instance)[:2] == (len(SCENARIO.steps) + 1, len(SCENARIO.steps) + 2)


def test_a_step_on_a_state_changed_behind_the_engine_uses_the_stored_state(tmp_path: Path) -> None:
    """When the stored state changes after an engine wrote it (here: another engine's step undone by restoring
    the row), the engine's next step reads the store, so it refuses a task the stored state no longer has ready."""
    db = tmp_path / "sop.db"
    first, second = engine(db), engine(db)
    instance = first.instances.start(SCENARIO.process).instance
    step = SCENARIO.steps[0]
    first.instance(instance).complete(step["task"], step["data"])
    conn = sqlite3.connect(db)
    kept_state = conn.execute("SELECT state FROM instances WHERE id = ?", (instance,)).fetchone()[0]
    second.instance(instance).complete(SCENARIO.steps[1]["task"], SCENARIO.steps[1]["data"])
    conn.execute("UPDATE instances SET state = ? WHERE id = ?", (kept_state, instance))  # the ready rows now lie
    conn.commit()
    conn.close()
    with pytest.raises(EngineError, match="not ready in the stored state"):
        first.instance(instance).complete(SCENARIO.steps[2]["task"], SCENARIO.steps[2]["data"])


def test_a_refused_step_leaves_the_next_attempt_unaffected(tmp_path: Path) -> None:
    """A step refused by its form changes nothing; the same engine then completes it with good data and the
    record verifies (the refused attempt left no half-changed workflow behind)."""
    db = tmp_path / "sop.db"
    eng = engine(db)
    instance = eng.instances.start(SCENARIO.process).instance
    step = SCENARIO.steps[0]
    before = row_of(db, instance)
    with pytest.raises(EngineError):
        eng.instance(instance).complete(step["task"], {"nothing": "like the form"})
    assert row_of(db, instance) == before
    eng.instance(instance).complete(step["task"], step["data"])
    assert [v.ok for v in eng.audit.verify(instances=[instance])] == [True]


def test_a_fired_timer_writes_the_state_format_like_every_other_change(tmp_path: Path) -> None:
    """`sop tick` writes the current state format with the state it writes, as start, complete and migrate do
    (it once kept whatever the row said before)."""
    db = tmp_path / "t.db"
    clock = Clock()
    eng = Engine(
        str(db), definitions_dir=TENGGAT / "definitions", forms_dir=TENGGAT / "forms", clock=clock, operator="penguji"
    )
    instance = eng.instances.start("surat_tenggat").instance
    conn = sqlite3.connect(db)
    conn.execute("UPDATE instances SET state_format = 'sop-nospec-1+zlib;spiff=1.4' WHERE id = ?", (instance,))
    conn.commit()
    conn.close()
    clock.now = "2026-11-02T04:00:00.000Z"
    assert [f.instance for f in eng.time.tick().fired] == [instance]
    assert row_of(db, instance)[1:3] == (2, STATE_FORMAT)
