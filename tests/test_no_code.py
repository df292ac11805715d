"""Tests that no diagram runs code: hostile conditions are refused at load, or at evaluation when already pinned."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path
from xml.sax.saxutils import escape

import pytest

from tests.conftest import CUTI, Sop

BENIGN = 'Telaah["keputusan"] == "setuju" and AjukanCuti["hari"] <= 12'
BPMN = "permohonan_cuti.bpmn"


def _payloads(marker: Path) -> list[tuple[str, str]]:
    return [
        ("import", f'__import__("os").system("touch {marker}")'),
        ("subclasses", "[c for c in ().__class__.__base__.__subclasses__() if c.__name__ == 'Popen'][0]"
                       f"(['touch', '{marker}'])"),
        ("attribute", f'Telaah.get("keputusan") == "setuju" or AjukanCuti.__class__("{marker}")'),
        ("power", "10**10**10 > 0"),
        ("file-write", f'open("{marker}", "w").write("dibobol") > 0'),
        ("builtins", f'__builtins__["open"]("{marker}", "w")'),
        ("nested-repeat", "len(str([[0]*100000]*100000)) > 0"),
    ]


NAMES = [name for name, _ in _payloads(Path("x"))]
# Well-formed for the restricted grammar; only evaluation can see the size it would build.
AT_LOAD = [name for name in NAMES if name != "nested-repeat"]


def _copy(tmp_path: Path, condition: str | None = None) -> tuple[Path, Path]:
    definitions, forms = tmp_path / "definitions", tmp_path / "forms"
    shutil.copytree(CUTI / "definitions", definitions)
    shutil.copytree(CUTI / "forms", forms)
    if condition is not None:
        text = (definitions / BPMN).read_text()
        assert escape(BENIGN) in text
        (definitions / BPMN).write_text(text.replace(escape(BENIGN), escape(condition)))
    return definitions, forms


@pytest.mark.parametrize("name", AT_LOAD)
def test_hostile_condition_is_refused_at_load(tmp_path: Path, name: str) -> None:
    """Each hostile gateway condition stops the diagram loading, naming the flow and the expression; nothing runs."""
    marker = tmp_path / "dibobol"
    payload = dict(_payloads(marker))[name]
    definitions, forms = _copy(tmp_path, payload)
    sop = Sop(tmp_path / "s.db", definitions, forms)
    listed = sop("processes")
    assert listed.exit_code == 1
    assert "sequenceFlow 'F_Setuju'" in listed.stderr and repr(payload) in listed.stderr
    started = sop("start", "permohonan_cuti")
    assert started.exit_code == 1
    linted = sop("lint", "--json")
    assert linted.exit_code == 1
    assert [(p["rule"], p["element"]) for p in json.loads(linted.stdout)] == [("condition-invalid", "F_Setuju")]
    assert not marker.exists() and not sop.db.exists()


def _tamper_pinned_condition(db: Path, condition: str) -> None:
    """Put a condition into the spec the store pinned, as if a version had been stored before the load checks."""
    conn = sqlite3.connect(db)
    (version, spec), = conn.execute("SELECT version, spec FROM definition_versions").fetchall()

    def swap(value: object) -> object:
        if isinstance(value, dict):
            return {k: swap(v) for k, v in value.items()}
        if isinstance(value, list):
            return [swap(v) for v in value]
        return condition if value == BENIGN else value

    tampered = json.dumps(swap(json.loads(spec)))
    assert tampered != spec
    conn.execute("UPDATE definition_versions SET spec = ? WHERE version = ?", (tampered, version))
    conn.commit()
    conn.close()


@pytest.mark.parametrize("name", NAMES)
def test_hostile_condition_in_a_pinned_version_is_refused_at_evaluation(tmp_path: Path, name: str) -> None:
    """A hostile condition that reaches evaluation is refused there: payload never runs, instance unchanged, and the
    error names the gateway and the expression."""
    marker = tmp_path / "dibobol"
    payload = dict(_payloads(marker))[name]
    definitions, forms = _copy(tmp_path)
    sop = Sop(tmp_path / "s.db", definitions, forms)
    instance = str(sop.start("permohonan_cuti"))
    assert sop("complete", instance, "AjukanCuti", "--set", "nama=Ani", "--set", "jenis=tahunan",
               "--set", "mulai=2026-12-01", "--set", "hari=3").exit_code == 0
    _tamper_pinned_condition(sop.db, payload)
    before = sop.dump()
    result = sop("complete", instance, "Telaah", "--set", "keputusan=setuju")
    assert result.exit_code == 1
    assert "The diagram failed at element 'Gateway_Setuju'" in result.stderr
    assert f"expression {payload!r}" in result.stderr
    assert "nothing was saved" in result.stderr and "Traceback" not in result.output
    assert sop.dump() == before
    assert not marker.exists()
    assert [t["task"] for t in sop.json("tasks")] == ["Telaah"]


def test_a_workflow_built_with_spiffworkflows_default_engine_still_runs_restricted(tmp_path: Path) -> None:
    """A workflow made without our script engine (SpiffWorkflow's eval by default) is restricted once sop runs it."""
    from SpiffWorkflow.bpmn import BpmnWorkflow

    from engine.common.errors import DefinitionError
    from engine.runtime.workflow import build_spec, complete_task, ready_user_tasks

    marker = tmp_path / "dibobol"
    text = (CUTI / "definitions" / BPMN).read_text().replace(escape(BENIGN), escape("True"))
    spec = build_spec(text, "permohonan_cuti", BPMN)
    for task_spec in spec.process.task_specs.values():  # put the payload in after the load checks
        for condition, _ in getattr(task_spec, "cond_task_specs", []):
            if condition is not None:
                condition.args = (f'__import__("os").system("touch {marker}")',)
    workflow = BpmnWorkflow(spec.process, spec.subprocesses)
    workflow.do_engine_steps()
    complete_task(workflow, ready_user_tasks(workflow)[0], {"nama": "Ani", "jenis": "tahunan", "hari": 3})
    with pytest.raises(DefinitionError, match="calls something other than"):
        complete_task(workflow, ready_user_tasks(workflow)[0], {"keputusan": "setuju"})
    assert not marker.exists()
