"""Our SpiffWorkflow fixes: replayable task UUIDs, and task walks that find what SpiffWorkflow's own walk finds."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from conftest import CUTI, DEFINITIONS, EXAMPLES, FORMS, ROOT
from SpiffWorkflow.bpmn.util.task import BpmnTaskFilter, BpmnTaskIterator
from SpiffWorkflow.util.task import TaskState

from engine.common.yamlio import parse_data
from engine.definitions.catalog import scan
from engine.runtime.spiff_fixes import ORIGINAL_NEXT
from engine.runtime.workflow import (
    Spec,
    build_spec,
    complete_task,
    new_workflow,
    ready_user_tasks,
    root_id,
    state_from_bytes,
    state_to_bytes,
)

ULANG = ROOT / "tests" / "data" / "ulang"
PARAF = ROOT / "tests" / "data" / "paraf_banyak"
MASKS = [TaskState.READY, TaskState.WAITING, TaskState.DEFINITE_MASK, TaskState.PREDICTED_MASK,
         TaskState.NOT_FINISHED_MASK, TaskState.MAYBE | TaskState.READY]


def _spec(definitions: Path, forms: Path) -> Spec:
    catalog = scan(definitions, forms)
    definition = catalog.definitions[0]
    return build_spec(definition.bundle["bpmn"]["text"], definition.process_id, definition.file)


def _scenario(name: str) -> list[tuple[str, dict[str, Any]]]:
    steps = parse_data((EXAMPLES / f"{name}.scenario.yaml").read_text(), name)["steps"]
    return [(s["task"], parse_data((EXAMPLES / s["data"]).read_text(), s["data"])) for s in steps]


CUTI_STEPS = [
    ("AjukanCuti", {"nama": "Sari", "jenis": "tahunan", "mulai": "2026-12-01", "hari": 3}),
    ("Telaah", {"keputusan": "setuju"}),
    ("CatatCuti", {"nomor_register": "CT-0001"}),
    ("ParafAtasan", {"keputusan": "setuju"}),
]
CASES = {
    "sop-pasang": (DEFINITIONS, FORMS, _scenario("pasang")),
    "sop-tunda": (DEFINITIONS, FORMS, _scenario("tunda")),
    "parallel": (CUTI / "definitions", CUTI / "forms", CUTI_STEPS),
    "multi-instance": (PARAF / "definitions", PARAF / "forms", [("Paraf", {"nama": n}) for n in "ABC"]),
    "loop": (ULANG / "definitions", ULANG / "forms", [("Periksa", {"lagi": i < 40}) for i in range(41)]),
}


def _spiff_walk(workflow: Any, mask: int) -> list[str]:
    """The tasks SpiffWorkflow 3.2's own iterator yields from the root (its original algorithm)."""
    it = BpmnTaskIterator(workflow.task_tree, task_filter=BpmnTaskFilter(state=mask))
    it.task_list, it.depth = [workflow.task_tree], 0
    out = []
    while True:
        try:
            task = ORIGINAL_NEXT[BpmnTaskIterator](it)
        except StopIteration:
            return out
        if it.task_filter.matches(task):
            out.append(str(task.id))


def _walks_agree(workflow: Any) -> None:
    for mask in MASKS:
        ours = [str(t.id) for t in workflow.get_tasks(state=mask)]
        assert ours == _spiff_walk(workflow, mask), TaskState.get_name(mask)


@pytest.mark.parametrize("case", sorted(CASES))
def test_task_walks_match_spiffworkflow_at_every_step(case: str) -> None:
    """Every walk for unfinished tasks yields SpiffWorkflow's own answer, in its order, before and after reload."""
    definitions, forms, steps = CASES[case]
    spec = _spec(definitions, forms)
    workflow = new_workflow(spec, {})
    for task_id, data in steps:
        _walks_agree(workflow)
        workflow = state_from_bytes(state_to_bytes(workflow), spec)
        _walks_agree(workflow)
        task = next(t for t in ready_user_tasks(workflow) if t.task_spec.bpmn_id == task_id)
        complete_task(workflow, task, data)
    assert workflow.completed


@pytest.mark.parametrize("case", sorted(CASES))
def test_same_steps_give_the_same_task_uuids(case: str) -> None:
    """Two runs from the same root UUID build identical task trees, which is what lets a replay match events."""
    definitions, forms, steps = CASES[case]
    spec = _spec(definitions, forms)
    first = new_workflow(spec, {})
    second = new_workflow(spec, {}, root_id(first))
    for task_id, data in steps:
        assert [str(t.id) for t in ready_user_tasks(first)] == [str(t.id) for t in ready_user_tasks(second)]
        for workflow in (first, second):
            complete_task(workflow, next(t for t in ready_user_tasks(workflow) if t.task_spec.bpmn_id == task_id),
                          data)
    assert list(map(str, first.tasks)) == list(map(str, second.tasks))
    assert root_id(new_workflow(spec, {})) != root_id(first)


def test_a_loop_taken_a_thousand_times_stays_runnable() -> None:
    """SpiffWorkflow's walk stops at depth 1,000 (a loop taken 333 times strands); ours runs on, in linear time."""
    spec = _spec(ULANG / "definitions", ULANG / "forms")
    workflow = new_workflow(spec, {})
    for i in range(1000):
        [task] = ready_user_tasks(workflow)
        complete_task(workflow, task, {"lagi": i < 999})
    assert workflow.completed
    assert len(workflow.tasks) > 3000


def test_workflows_built_elsewhere_stay_as_spiffworkflow_makes_them() -> None:
    """The fixes touch only the engine's workflows: a plain BpmnWorkflow keeps random task UUIDs."""
    from SpiffWorkflow.bpmn import BpmnWorkflow

    spec = _spec(ULANG / "definitions", ULANG / "forms")
    plain = BpmnWorkflow(spec.process, spec.subprocesses)
    ours = new_workflow(spec, {})
    assert {t.id.version for t in plain.tasks.values()} == {4}
    assert {t.id.version for t in ours.tasks.values() if t is not ours.task_tree} == {5}
