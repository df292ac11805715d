"""The one transition, seen from the CLI where the older tests left it unchecked: the never-stranded guard on a real
completion (a fault injected below it) and the completed instance's last event (the mutants of
engine/service/transition.py that survived them, `make mutants`)."""

from __future__ import annotations

import sys
from typing import Any

import pytest
from audit_fixtures import built_fixture, store_fixture  # noqa: F401 - fixtures
from conftest import DATA, Sop


def test_a_completion_that_would_strand_the_instance_is_refused_and_saves_nothing(
        sop: Sop, monkeypatch: pytest.MonkeyPatch) -> None:
    """Fault injection: the workflow after a completion reports no ready step (as a diagram waiting for something sop
    cannot do would); `sop complete` refuses, naming the step and the instance, and nothing is saved."""
    import engine.runtime.workflow as workflow

    real = workflow.ready_user_tasks

    def nothing_ready_after_the_change(state: Any) -> Any:
        caller = sys._getframe(1).f_code.co_filename
        return [] if caller.endswith("transition.py") else real(state)

    instance = sop.start()
    monkeypatch.setattr(workflow, "ready_user_tasks", nothing_ready_after_the_change)
    before = sop.dump()
    refused = sop("complete", str(instance), "AjukanPermohonan", "--data", str(DATA / "01_surat_permohonan.yaml"))
    assert refused.exit_code == 1 and "internal error" not in refused.output
    assert refused.stderr.startswith(f"Error: Instance {instance} task 'AjukanPermohonan' would leave instance "
                                     f"{instance} running with no step ready")
    assert "nothing was saved" in refused.stderr
    assert sop.dump() == before


def test_a_completed_instance_ends_with_an_instance_completed_event_with_empty_data(store: Sop) -> None:
    """The last event of a finished instance is `instance-completed`, with `{}` as its data (what its hash covers)."""
    last = store.json("history", "1")[-1]
    assert (last["type"], last["task"], last["data"]) == ("instance-completed", None, {})
    assert store("verify", "1").exit_code == 0


def _waiting_with_a_newer_version(tmp_path: Any) -> tuple[Sop, int]:
    """An instance waiting at DisposisiKadis, and a newer version of its diagram with a step after it."""
    from conftest import copy_definitions
    from test_versions import BPMN, _add_step_after_disposisi, _complete

    definitions, forms = copy_definitions(tmp_path)
    sop = Sop(tmp_path / "s.db", definitions, forms)
    instance = sop.start()
    _complete(sop, instance, "AjukanPermohonan")
    _add_step_after_disposisi(definitions / BPMN)
    return sop, instance


def test_a_dry_run_migration_shows_the_ready_steps_exactly_as_the_move_leaves_them(tmp_path: Any) -> None:
    """`sop migrate --dry-run` lists the steps the move would leave ready, each with its instance, process and the
    time it became ready (kept from before the move): the very rows the real move then shows."""
    sop, instance = _waiting_with_a_newer_version(tmp_path)
    def rows(tasks: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
        return [(t["instance"], t["process"], t["task"], t["id"], t["lane"], t["since"]) for t in tasks]

    ready_before = rows(sop.json("show", str(instance))["tasks"])
    [plan] = sop.json("migrate", str(instance), "--dry-run")
    assert rows(plan["tasks"]) == ready_before
    assert [row[:3] for row in ready_before] == [(instance, "interkoneksi_data_baru", "DisposisiKadis")]
    assert sop("migrate", str(instance)).exit_code == 0
    assert rows(sop.json("show", str(instance))["tasks"]) == rows(plan["tasks"])


def test_a_dry_run_migration_that_would_strand_the_instance_is_refused(
        tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Fault injection: the moved workflow reports no ready step; the dry run is refused like the move, naming the
    instance and the version, and nothing is saved."""
    import engine.runtime.workflow as workflow

    sop, instance = _waiting_with_a_newer_version(tmp_path)
    new = sop.json("processes")[0]["version"]
    real = workflow.ready_user_tasks

    def nothing_ready_after_the_change(state: Any) -> Any:
        return [] if sys._getframe(1).f_code.co_filename.endswith("transition.py") else real(state)

    monkeypatch.setattr(workflow, "ready_user_tasks", nothing_ready_after_the_change)
    before = sop.dump()
    refused = sop("migrate", str(instance), "--dry-run")
    assert refused.exit_code == 1 and "internal error" not in refused.output
    assert (f"Error: Moving instance {instance} to version {new[:12]} would leave it running with no step ready"
            in refused.stderr)
    assert sop.dump() == before
