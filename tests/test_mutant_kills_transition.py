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
