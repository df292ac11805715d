"""Tests for the test suite's private PostgreSQL server finder: any Debian version, and no silent skip in CI."""

from __future__ import annotations

from pathlib import Path

import pg_server
import pytest


def server_bin(root: Path, version: str) -> Path:
    """A fake /usr/lib/postgresql/<version>/bin holding initdb and pg_ctl."""
    folder = root / version / "bin"
    folder.mkdir(parents=True)
    for name in ("initdb", "pg_ctl"):
        (folder / name).write_text("")
    return folder


def test_the_highest_installed_version_is_found(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without initdb on PATH, the highest version under the PostgreSQL folder wins, whatever the numbers."""
    for version in ("9.6", "15", "18"):
        server_bin(tmp_path, version)
    (tmp_path / "19" / "bin").mkdir(parents=True)  # client-only install: no initdb
    monkeypatch.setattr(pg_server, "PG_BIN_GLOB", f"{tmp_path}/*/bin")
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    monkeypatch.delenv("PG_BIN", raising=False)
    assert pg_server.find_bin() == tmp_path / "18" / "bin"


def test_pg_bin_and_path_come_before_the_versions_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """PG_BIN wins; without it, the initdb on PATH wins over the versions folder."""
    server_bin(tmp_path / "lib", "17")
    on_path = server_bin(tmp_path / "path", "12")
    chosen = server_bin(tmp_path / "env", "11")
    monkeypatch.setattr(pg_server, "PG_BIN_GLOB", f"{tmp_path}/lib/*/bin")
    monkeypatch.setenv("PATH", str(on_path))
    (on_path / "initdb").chmod(0o755)
    monkeypatch.setenv("PG_BIN", str(chosen))
    assert pg_server.find_bin() == chosen
    monkeypatch.delenv("PG_BIN")
    assert pg_server.find_bin() == on_path


def test_none_is_found_where_no_server_is_installed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No initdb anywhere: find_bin says None."""
    monkeypatch.setattr(pg_server, "PG_BIN_GLOB", f"{tmp_path}/*/bin")
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("PG_BIN", raising=False)
    assert pg_server.find_bin() is None


@pytest.mark.parametrize(("ci", "outcome"), [("true", pytest.fail.Exception), ("", pytest.skip.Exception),
                                             ("false", pytest.skip.Exception)])
def test_a_missing_server_fails_under_ci_and_skips_elsewhere(monkeypatch: pytest.MonkeyPatch, ci: str,
                                                             outcome: type[BaseException]) -> None:
    """With CI=true a missing PostgreSQL fails the test saying why; elsewhere it skips saying why."""
    monkeypatch.setenv("CI", ci)
    with pytest.raises(outcome, match="initdb"):
        pg_server.unavailable("PostgreSQL server binaries (initdb, pg_ctl) are not installed")
