"""Sending an instance back for revision: the completed steps on the path taken to a ready task, and the reset that
makes one of them ready again, as the engine and a replay both do it.

A return resets SpiffWorkflow's tree at the earlier step (its later tasks are dropped and come again as the flow
reaches them) and gives that step a new UUID derived from its old one and the event's number, so that each time a
step is ready it has its own UUID (its step record and its events stay apart) and a replay derives the same one."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from uuid import uuid5

from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.util.task import TaskState

from engine.bpmn.tasks import NOT_RETURNABLE, RETURNABLE_PROPERTY
from engine.common.errors import TaskStateError
from engine.runtime.spiff_fixes import TaskIndex

if TYPE_CHECKING:
    from SpiffWorkflow.bpmn import BpmnWorkflow
    from SpiffWorkflow.task import Task



def returnable(task: Task) -> bool:
    """Whether a step may be reopened by a return (a diagram's `dapat_dikembalikan` property says it may not)."""
    properties = task.task_spec.extensions.get("properties") or {}
    return str(properties.get(RETURNABLE_PROPERTY, "")).strip().lower() not in NOT_RETURNABLE


def return_targets(task: Task) -> list[Task]:
    """The completed user tasks a ready task may be sent back to, nearest first, one per step: its ancestors in the
    task tree of its own (sub)process, stopping at a step that may not be reopened (one beyond it would reopen it)."""
    found: dict[str, Task] = {}
    node = task.parent
    while node is not None:
        if node.task_spec.manual and node.state == TaskState.COMPLETED:
            if not returnable(node):
                break
            found.setdefault(node.task_spec.bpmn_id, node)
        node = node.parent
    return list(found.values())


def return_to(workflow: BpmnWorkflow, task: Task, step: str, seq: int, *, what: str) -> Task:
    """Make the nearest earlier occurrence of `step` on the path to `task` ready again, with a new UUID derived from
    its old one and the event number `seq`; the tasks after it are dropped. Refused when `step` is not among
    `return_targets(task)`."""
    target = next((t for t in return_targets(task) if t.task_spec.bpmn_id == step), None)
    if target is None:
        choices = ", ".join(f"'{t.task_spec.bpmn_id}'" for t in return_targets(task))
        if not choices:
            raise TaskStateError("{what} cannot be sent back: no earlier completed step on its path may be reopened; "
                                 "nothing was changed", what=what)
        raise TaskStateError("{what} cannot be sent back to '{step}': it is not an earlier completed step on its "
                             "path that may be reopened; choose one of: {choices}; nothing was changed",
                             what=what, step=step, choices=choices)
    _renumber(target.workflow, target, uuid5(target.id, f"returned#{seq}"))  # a subprocess keeps its own tasks
    try:
        workflow.reset_from_task_id(target.id)
    except SpiffWorkflowException as exc:
        raise TaskStateError("{what}: step '{step}' could not be reopened ({problem}); nothing was changed",
                             what=what, step=step, problem=str(exc)) from None
    for tasks in {id(w.tasks): w.tasks for w in (workflow, target.workflow)}.values():
        if isinstance(tasks, TaskIndex):
            tasks.settled = 0  # a finished task is unfinished again: the index's walk starts from the top once
    if not (target.state == TaskState.READY and target.task_spec.manual):
        from engine.runtime.workflow import run_engine

        run_engine(workflow)
    return target


def _renumber(workflow: Any, target: Task, new_id: Any) -> None:
    """Give a task about to be reset a new UUID: its parent's and children's links and the workflow's index follow
    (the reset then drops its children and predicts new ones, whose UUIDs derive from the new one)."""
    old_id = target.id
    parent = target.parent
    del workflow.tasks[old_id]
    target.id = new_id
    workflow.tasks[new_id] = target
    if parent is not None:
        parent._children = [new_id if child == old_id else child for child in parent._children]
    for child in target.children:
        child._parent = new_id
