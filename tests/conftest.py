"""Shared fixtures: a CLI runner bound to a fresh store and the repo's (or a test's) definitions."""

from __future__ import annotations

import atexit
import json
import os
import shutil
import sqlite3
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from runner.cli import cli

# The tests read English, uncut tables, whatever the machine's locale and terminal (tests of those set them).
for _name in ("SOP_LANG", "LC_ALL", "LC_MESSAGES", "COLUMNS"):
    os.environ.pop(_name, None)
os.environ["LANG"] = "C.UTF-8"

ROOT = Path(__file__).resolve().parent.parent
DEFINITIONS = ROOT / "definitions"
FORMS = ROOT / "forms"
EXAMPLES = ROOT / "examples" / "interkoneksi_data_baru"
DATA = EXAMPLES / "data"
CUTI = ROOT / "tests" / "data" / "cuti"
# What a SQLite store gained at schema 6, undone: run before setting an older user_version by hand.
BEFORE_SCHEMA_6 = ("DROP TABLE drafts; DROP TABLE login_failures; DROP TABLE accounts; "
                   "ALTER TABLE ready_tasks DROP COLUMN claimed_by; ALTER TABLE ready_tasks DROP COLUMN claimed_at;")


def copy_definitions(tmp_path: Path, roles: bool = False) -> tuple[Path, Path]:
    """A copy of the real definitions and forms folders that a test may edit (without the roles file unless asked:
    single-user mode)."""
    definitions, forms = tmp_path / "definitions", tmp_path / "forms"
    shutil.copytree(DEFINITIONS, definitions, ignore=None if roles else shutil.ignore_patterns("roles.yaml"))
    shutil.copytree(FORMS, forms)
    return definitions, forms


_SINGLE_USER: list[Path] = []


def single_user_definitions() -> Path:
    """The real definitions without their roles file, copied once per test run: the tests that are not about
    roles run as the OS account in single-user mode (CI runs as root, who is in no Dinas's roles file)."""
    if not _SINGLE_USER:
        folder = Path(tempfile.mkdtemp(prefix="sop-definitions-")) / "definitions"
        shutil.copytree(DEFINITIONS, folder, ignore=shutil.ignore_patterns("roles.yaml"))
        atexit.register(shutil.rmtree, folder.parent, True)
        _SINGLE_USER.append(folder)
    return _SINGLE_USER[0]


class Sop:
    """Runs `sop` in-process like an operator would, against one store; each call loads the store afresh."""

    def __init__(self, db: Path, definitions: Path | None = None, forms: Path = FORMS) -> None:
        self.db = db
        self.definitions = definitions or single_user_definitions()
        self.forms = forms
        self.runner = CliRunner()

    def __call__(self, *args: str, input: str | None = None) -> Result:
        argv = ["--db", str(self.db), "--definitions", str(self.definitions), "--forms", str(self.forms), *args]
        return self.runner.invoke(cli, argv, input=input, catch_exceptions=False)

    def json(self, *args: str) -> Any:
        """Run a command with --json and parse its stdout; fail the test on a non-zero exit."""
        result = self(*args, "--json")
        assert result.exit_code == 0, result.output
        return json.loads(result.stdout)

    def start(self, process: str = "interkoneksi_data_baru") -> int:
        """Start an instance and return its id."""
        return int(self.json("start", process)["instance"])

    def dump(self) -> dict[str, list[tuple[Any, ...]]]:
        """Every row of every table, and under "-files" every file in the folder beside the store (path, bytes),
        to show that a refused command changed nothing."""
        if not self.db.exists():
            return {}
        conn = sqlite3.connect(self.db)
        try:
            tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
            rows = {t: conn.execute(f"SELECT * FROM {t} ORDER BY 1, 2").fetchall() for t in tables}
        finally:
            conn.close()
        folder = Path(f"{self.db}-files")
        rows["-files"] = sorted((p.relative_to(folder).as_posix(), p.read_bytes()) for p in folder.rglob("*")
                                if p.is_file()) if folder.is_dir() else []
        return rows


@pytest.fixture
def sop(tmp_path: Path) -> Sop:
    """A CLI on a fresh store with the repo's SOP definitions and forms."""
    return Sop(tmp_path / "sop.db")


@pytest.fixture
def make_sop(tmp_path: Path) -> Callable[..., Sop]:
    """A CLI on a fresh store with other definitions and forms folders."""

    def make(definitions: Path, forms: Path, name: str = "other.db") -> Sop:
        return Sop(tmp_path / name, definitions, forms)

    return make


@pytest.fixture(scope="session")
def pg_server() -> Iterator[Any]:
    """A private PostgreSQL server for the whole test session (skipped, saying why, where none is installed;
    failed instead when CI=true)."""
    from pg_server import session_server

    yield from session_server()


@pytest.fixture
def pg_url(pg_server: Any) -> str:
    """The URL of a fresh, empty PostgreSQL database."""
    return str(pg_server.create_database())


class HandClock:
    """The engine's clock (store times) that a test moves by hand; it starts on Monday 2 November 2026, 08:00 WIB."""

    def __init__(self, now: str = "2026-11-02T01:00:00.000Z") -> None:
        self.now = now

    def __call__(self) -> str:
        return self.now


class ServerClock:
    """The web server's clock in seconds (web.security.now_seconds), moved by the test."""

    def __init__(self) -> None:
        self.now = 1_800_000_000

    def __call__(self) -> int:
        return self.now


@pytest.fixture
def server_clock(monkeypatch: pytest.MonkeyPatch) -> ServerClock:
    fake = ServerClock()
    monkeypatch.setattr("web.security.now_seconds", fake)
    return fake
