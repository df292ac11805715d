"""Tests for the PostgreSQL store as operators meet it: CLI flows on a real server, clear errors, migrations
(the behaviours both stores share are in test_store_contract.py)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import Sop
from test_store_contract import instance_row, started
from test_timers import TENGGAT, Clock

from engine.common.errors import StoreError
from engine.service.facade import Engine
from engine.store.opening import open_store
from engine.store.pg_schema import SCHEMA_VERSION


def test_cli_start_complete_history_verify_on_postgresql(pg_url: str, tmp_path: Path) -> None:
    """An operator's session on a PostgreSQL store: start, complete, history, instances and verify all work."""
    from test_concurrency import DATA_OF

    sop = Sop(pg_url)  # type: ignore[arg-type]
    first, second = sop.start(), sop.start()
    assert (first, second) == (1, 2)
    task_id = next(iter(DATA_OF))
    result = sop("complete", "1", task_id, "--data", str(DATA_OF[task_id]))
    assert result.exit_code == 0, result.output
    history = sop.json("history", "1")
    assert [e["type"] for e in history][:2] == ["instance-started", "task-completed"]
    assert [i["instance"] for i in sop.json("instances")] == [1, 2]
    verified = sop.json("verify")
    assert [(v["instance"], v["ok"]) for v in verified] == [(1, True), (2, True)]


def test_tick_fires_a_due_timer_once_on_postgresql(pg_url: str) -> None:
    """A boundary timer on a PostgreSQL store fires when due and only once."""
    clock = Clock()
    eng = Engine(
        pg_url, definitions_dir=TENGGAT / "definitions", forms_dir=TENGGAT / "forms", clock=clock, operator="penguji"
    )
    eng.instances.start("surat_tenggat")
    assert eng.time.tick().fired == ()
    clock.now = "2026-11-02T04:00:00.000Z"
    assert [(f.instance, f.timer) for f in eng.time.tick().fired] == [(1, "Tenggat_Konsep")]
    assert eng.time.tick().fired == ()
    assert [e.type for e in eng.context.store().events(1)] == ["instance-started", "timer-fired"]


def test_unreachable_server_is_a_clear_error() -> None:
    """A PostgreSQL URL nobody listens on exits 1 saying it cannot connect and that nothing was saved."""
    sop = Sop("postgresql://sop:secret@127.0.0.1:1/none")  # type: ignore[arg-type]
    result = sop("start", "interkoneksi_data_baru")
    assert result.exit_code == 1
    assert "Cannot connect to the PostgreSQL store" in result.stderr and "nothing was saved" in result.stderr
    assert "secret" not in result.stderr and "Traceback" not in result.output


def test_server_restart_mid_session_is_a_clear_error_then_retry_succeeds(pg_server: Any) -> None:
    """A store whose server restarted refuses the next command saying nothing was saved; a new command works."""
    url = pg_server.create_database()
    store = open_store(url, create=True)
    started(store)
    pg_server.restart()
    with pytest.raises(StoreError, match=r"broke .*nothing was saved; try again"), store.transaction() as tx:
        tx.create_instance(instance_row())
    store.close()
    again = open_store(url, create=True)
    assert len(started(again)) == 1 and len(again.list_instances()) == 2
    again.close()


def test_read_only_standby_is_a_clear_error(pg_server: Any) -> None:
    """A database that only accepts reads (as a standby does) refuses a command: read-only, nothing saved."""
    import psycopg

    url = pg_server.create_database()
    open_store(url, create=True).close()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"ALTER DATABASE {url.rsplit('/', 1)[1]} SET default_transaction_read_only = on")
    sop = Sop(url)  # type: ignore[arg-type]
    result = sop("start", "interkoneksi_data_baru")
    assert result.exit_code == 1, result.output
    assert "read-only standby; nothing was saved" in result.stderr
    assert json.loads(sop("instances", "--json").stdout) == []


def test_concurrent_first_use_migrates_once(pg_url: str) -> None:
    """Two stores opened at once on an empty database both end at the current schema (advisory lock)."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(4) as pool:
        stores = list(pool.map(lambda _: open_store(pg_url, create=True), range(4)))
    assert {s.schema_version() for s in stores} == {SCHEMA_VERSION}
    for s in stores:
        s.close()
