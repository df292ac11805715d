"""No store secret in a message: every refusal names a store by store_label (no user, password or options)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import DATA, Sop

from engine import store_label

SECRET = "S3cret-pw-9d71"


def test_a_database_url_is_named_by_host_port_and_name_only() -> None:
    """User, password, query and fragment never reach a message; a malformed port names only the scheme."""
    assert store_label(f"postgresql://sop:{SECRET}@db.local:5432/sop?sslmode=require&password={SECRET}#x") == \
        "postgresql://db.local:5432/sop"
    assert store_label(f"postgres://{SECRET}@db/sop") == "postgres://db/sop"
    assert store_label(f"mysql://a:{SECRET}@h:notaport/x") == "mysql://..."


def test_a_store_file_is_named_relative_to_the_working_folder_when_below_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`./data/sop.db` reads as data/sop.db; a file elsewhere keeps its own path."""
    monkeypatch.chdir(tmp_path)
    assert store_label(str(tmp_path / "data" / "sop.db")) == os.path.join("data", "sop.db")
    assert store_label("sqlite:///" + str(tmp_path / "s.db")) == "s.db"
    assert store_label("/elsewhere/sop.db") == "/elsewhere/sop.db"


def test_no_refusal_of_the_cli_shows_the_password_of_a_postgresql_store(pg_url: str) -> None:
    """Refusals naming the store (a missing instance, task, draft, claim, file, a wrong --db) and the JSON errors
    show the database's host and name, never the password in the --db URL."""
    url = pg_url.replace("postgres@", f"postgres:{SECRET}@")
    assert SECRET in url
    sop = Sop(url)  # type: ignore[arg-type]
    instance = sop.start()
    shown = []
    for args in (("show", "99"), ("show", "99", "--json"), ("complete", "99", "AjukanPermohonan", "--data",
                                                            str(DATA / "01_surat_permohonan.yaml")),
                 ("claim", "99", "AjukanPermohonan"), ("release", "99", "AjukanPermohonan"),
                 ("form", "99", "AjukanPermohonan", "--draft"), ("history", "99"), ("replay", "99"),
                 ("diagram", "99"), ("attachment", "99"), ("complete", str(instance), "Nothing", "--set", "a=b"),
                 ("tasks", "--instance", "99", "--json")):
        result = sop(*args)
        assert result.exit_code != 0, (args, result.output)
        shown.append(result.stdout + result.stderr)
    unreachable = Sop(f"postgresql://sop:{SECRET}@127.0.0.1:1/nowhere")  # type: ignore[arg-type]
    down = unreachable("show", "1")
    shown.append(down.stdout + down.stderr)
    assert down.exit_code == 1 and "127.0.0.1:1/nowhere" in down.stderr
    assert not [text for text in shown if SECRET in text], shown
    assert any("127.0.0.1" in text for text in shown[:1])
