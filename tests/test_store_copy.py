"""Tests for `sop db copy`: a SQLite store moves to PostgreSQL and back, verified, and work goes on there."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

from conftest import Sop
from test_concurrency import DATA_OF
from test_timers import TENGGAT, Clock

from engine.ops.store_copy import TABLES
from engine.service.facade import Engine
from engine.store.opening import open_store


def everything(location: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table of a store."""
    store = open_store(location, create=False)
    try:
        return {table: [tuple(r) for r in store.table_rows(table, columns)] for table, columns in TABLES}
    finally:
        store.close()


def busy_store(tmp_path: Path) -> Path:
    """A SQLite store with completed tasks, a fired timer, a waiting timer and steps."""
    db = tmp_path / "source.db"
    sop = Sop(db)
    sop.start()
    sop.start()
    for task_id in list(DATA_OF)[:2]:
        assert sop("complete", "1", task_id, "--data", str(DATA_OF[task_id])).exit_code == 0
    clock = Clock()
    eng = Engine(
        str(db), definitions_dir=TENGGAT / "definitions", forms_dir=TENGGAT / "forms", clock=clock, operator="penguji"
    )
    eng.instances.start("surat_tenggat")
    eng.instances.start("surat_tenggat")
    clock.now = "2026-11-02T04:00:00.000Z"
    eng.instances.start("surat_tenggat")
    eng.close()
    return db


def test_sqlite_to_postgresql_and_back_keeps_every_row_and_verifies(tmp_path: Path, pg_url: str) -> None:
    """Copying to PostgreSQL and back gives the same rows in every table, and both copies verify."""
    source = busy_store(tmp_path)
    sop = Sop(source)
    to_pg = sop.json("db", "copy", "--from", str(source), "--to", pg_url)
    assert to_pg["problems"] == [] and to_pg["verified"] == 5
    assert to_pg["rows"]["events"] == len(everything(str(source))["events"]) and to_pg["rows"]["timers"] >= 1
    back = tmp_path / "back.db"
    old = os.umask(0o022)
    try:
        assert sop.json("db", "copy", "--from", pg_url, "--to", str(back))["problems"] == []
    finally:
        os.umask(old)
    assert everything(str(source)) == everything(pg_url) == everything(str(back))
    mode = stat.S_IMODE(back.stat().st_mode)  # the copy holds password hashes: closed to other accounts
    assert mode & 0o060 == 0o060 and mode & 0o007 == 0, oct(mode)


def test_work_goes_on_on_the_copy_with_the_next_id(tmp_path: Path, pg_url: str) -> None:
    """After a copy to PostgreSQL, the next instance takes the id after the copied ones and the timer fires."""
    source = busy_store(tmp_path)
    assert Sop(source)("db", "copy", "--from", str(source), "--to", pg_url).exit_code == 0
    assert Sop(pg_url).start() == 6  # type: ignore[arg-type]
    clock = Clock("2026-11-03T04:00:00.000Z")
    eng = Engine(
        pg_url, definitions_dir=TENGGAT / "definitions", forms_dir=TENGGAT / "forms", clock=clock, operator="penguji"
    )
    assert sorted(f.instance for f in eng.time.tick().fired) == [3, 4, 5]
    assert all(v.ok for v in eng.audit.verify())


def test_copy_into_a_non_empty_target_is_refused_and_changes_nothing(tmp_path: Path, pg_url: str) -> None:
    """A target that already holds instances is refused with exit 1 and keeps exactly its rows."""
    source = busy_store(tmp_path)
    target = Sop(pg_url)  # type: ignore[arg-type]
    target.start()
    before = everything(pg_url)
    result = target("db", "copy", "--from", str(source), "--to", pg_url)
    assert result.exit_code == 1 and "already holds instances" in result.stderr
    assert "nothing was copied" in result.stderr
    assert everything(pg_url) == before


def test_copy_from_a_missing_store_is_refused(tmp_path: Path) -> None:
    """Copying from a path with no store exits 1 saying there is nothing to copy, and creates no target."""
    result = Sop(tmp_path / "x.db")("db", "copy", "--from", str(tmp_path / "none.db"), "--to",
                                     str(tmp_path / "new.db"))
    assert result.exit_code == 1 and "nothing to copy" in result.stderr
    assert not (tmp_path / "new.db").exists()
