"""Tests for opening a store from a --db value: SQLite paths and URLs, PostgreSQL URLs, and what is refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.common.errors import StoreError
from engine.store.opening import open_store
from engine.store.sqlite_schema import SCHEMA_VERSION


def test_a_sqlite_url_opens_the_file_it_names(tmp_path: Path) -> None:
    """sqlite:///PATH opens (and creates) the same file as the bare path."""
    db = tmp_path / "sop.db"
    store = open_store(f"sqlite:///{db}", create=True)
    try:
        assert store.location == str(db) and store.schema_version() == SCHEMA_VERSION
    finally:
        store.close()
    assert db.is_file()
    again = open_store(str(db), create=False)
    assert again.schema_version() == SCHEMA_VERSION
    again.close()


@pytest.mark.parametrize("value", ["", "   "])
def test_an_empty_db_value_is_refused(value: str) -> None:
    """An empty --db says so and names an example path."""
    with pytest.raises(StoreError, match=r"--db is empty; give the path of a store file such as \./sop\.db"):
        open_store(value, create=True)


@pytest.mark.parametrize("value", ["mysql://u@h/db", "https://example.org/sop.db"])
def test_an_unsupported_url_is_refused_and_creates_nothing(value: str, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """A URL of another kind of database is refused, naming the forms --db accepts, and no file appears."""
    monkeypatch.chdir(tmp_path)
    with pytest.raises(StoreError, match="unsupported store URL; give a SQLite file path, sqlite:///PATH or "
                                         "postgresql://"):
        open_store(value, create=True)
    assert list(tmp_path.iterdir()) == []


def test_a_postgresql_url_without_a_server_is_refused_without_its_password() -> None:
    """A postgres:// URL nobody listens on is a clear error that shows neither the password nor the user."""
    pytest.importorskip("psycopg")
    with pytest.raises(StoreError, match="Cannot connect to the PostgreSQL store") as raised:
        open_store("postgres://sop:rahasia@127.0.0.1:1/none", create=True)
    shown = str(raised.value)
    assert "rahasia" not in shown and "sop:" not in shown and "postgres://127.0.0.1:1/none" in shown
