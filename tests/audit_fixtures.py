"""A store with the SOP's two paths done and a third instance mid-way, built once and copied per test."""

from __future__ import annotations

import json
import shutil
import sqlite3
import zlib
from pathlib import Path
from typing import Any

import pytest
from conftest import DATA, EXAMPLES, Sop


def build_store(path: Path) -> Sop:
    """Instances 1 (pasang, completed), 2 (tunda, completed), 3 (running, waiting at AnalisaKabid)."""
    sop = Sop(path)
    result = sop("demo", "--examples", str(EXAMPLES.parent), "--keep", str(path))
    assert result.exit_code == 0, result.output
    instance = sop.start()
    for task, data in [("AjukanPermohonan", "01_surat_permohonan.yaml"), ("DisposisiKadis", "02_disposisi_kadis.yaml")]:
        done = sop("complete", str(instance), task, "--data", str(DATA / data), "--as", "kadis")
        assert done.exit_code == 0, done.output
    return sop


def copy_store(source: Path, target: Path) -> Sop:
    """A private copy of a built store (its -wal is checkpointed into the file first) and its folder of files."""
    conn = sqlite3.connect(source)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    shutil.copy(source, target)
    if Path(f"{source}-files").is_dir():
        shutil.copytree(f"{source}-files", f"{target}-files")
    return Sop(target)


def tamper(db: Path, *statements: tuple[str, tuple[Any, ...]]) -> None:
    """Edit the store behind the program's back, as someone with the file would (triggers dropped first)."""
    conn = sqlite3.connect(db)
    conn.execute("DROP TRIGGER IF EXISTS events_no_update")
    conn.execute("DROP TRIGGER IF EXISTS events_no_delete")
    for sql, params in statements:
        conn.execute(sql, params)
    conn.commit()
    conn.close()


def read_state(db: Path, instance: int) -> dict[str, Any]:
    """The stored workflow state of an instance, decoded."""
    conn = sqlite3.connect(db)
    blob = conn.execute("SELECT state FROM instances WHERE id = ?", (instance,)).fetchone()[0]
    conn.close()
    state: dict[str, Any] = json.loads(zlib.decompress(blob))
    return state


def write_state(db: Path, instance: int, state: dict[str, Any]) -> None:
    """Replace an instance's stored state, keeping its format."""
    blob = zlib.compress(json.dumps(state).encode("utf-8"))
    tamper(db, ("UPDATE instances SET state = ? WHERE id = ?", (blob, instance)))


@pytest.fixture(scope="module", name="built")
def built_fixture(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The built store, once per test module."""
    path = tmp_path_factory.mktemp("audit") / "built.db"
    build_store(path)
    return path


@pytest.fixture(name="store")
def store_fixture(built: Path, tmp_path: Path) -> Sop:
    """A private copy of the built store, which verifies before a test touches it."""
    sop = copy_store(built, tmp_path / "sop.db")
    assert sop("verify").exit_code == 0
    return sop
