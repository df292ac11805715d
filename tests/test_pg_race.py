"""Two officials completing the same step on PostgreSQL at the same moment: the second waits for the first's
commit, then is told who completed it (not a bare "changed meanwhile")."""

from __future__ import annotations

import threading

import pytest
from conftest import DATA, single_user_definitions

from engine import CompletedMeanwhileError, Engine, read_data_file

LETTER = read_data_file(str(DATA / "01_surat_permohonan.yaml"))


def _engine(url: str, operator: str) -> Engine:
    from conftest import FORMS

    return Engine(url, definitions_dir=single_user_definitions(), forms_dir=FORMS, operator=operator)


def test_the_loser_of_a_race_is_told_who_completed_the_step(pg_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """While the first completion holds the instance (paused after writing its state, before its commit), the
    second waits on the row lock, then reads the step as done: CompletedMeanwhileError naming the first person
    (the planted bug "FOR UPDATE dropped from the completion's row lock" fails here: the second would read the old
    row, do the work and be refused only by the row version, as "changed meanwhile")."""
    first = _engine(pg_url, "petugas.satu")
    instance = first.instances.start("interkoneksi_data_baru").instance
    first.close()
    holding, go = threading.Event(), threading.Event()

    def pause(name: str) -> None:
        if name == "after-state" and threading.current_thread().name == "first":
            holding.set()
            assert go.wait(30)

    monkeypatch.setattr("engine.store.sql_writes.failpoint", pause)
    outcome: dict[str, object] = {}

    def complete(name: str) -> None:
        engine = _engine(pg_url, f"petugas.{name}")
        try:
            engine.instance(instance).complete("AjukanPermohonan", dict(LETTER))
            outcome[name] = "completed"
        except Exception as exc:  # the test thread reads it
            outcome[name] = exc
        finally:
            engine.close()

    one = threading.Thread(target=complete, args=("first",), name="first")
    one.start()
    assert holding.wait(30)
    two = threading.Thread(target=complete, args=("second",), name="second")
    two.start()
    two.join(1.0)
    assert two.is_alive()  # waiting on the first's row lock
    go.set()
    one.join(30)
    two.join(30)
    assert outcome["first"] == "completed"
    lost = outcome["second"]
    assert isinstance(lost, CompletedMeanwhileError), lost
    assert "petugas.first" in str(lost)
