"""Ready tasks: naming one (BPMN id, UUID or prefix), explaining why one is not ready, rows from SpiffWorkflow."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from engine.common.errors import (
    CompletedMeanwhileError,
    InstanceNotRunningError,
    NoReadyTaskError,
    NoTaskError,
    TaskStateError,
)
from engine.common.i18n import N_
from engine.common.models import TaskView
from engine.store.protocol import EventRow, InstanceRow

FORM_PROPERTY = "formJsonSchemaFilename"
UI_PROPERTY = "formUiSchemaFilename"
RETURNABLE_PROPERTY = "dapat_dikembalikan"  # "false"/"tidak": a return for revision may not reopen the step
NOT_RETURNABLE = frozenset({"false", "tidak", "no", "0"})
INSTRUCTIONS = "instructionsForEndUser"


def ready_row(instance: int, process_id: str, task: Any, since: str) -> TaskView:
    """The ready-task row of a SpiffWorkflow task: id, name, lane, form and Mutu Baku time."""
    spec = task.task_spec
    props = step_properties(task)
    return TaskView(instance, spec.bpmn_id, str(task.id), spec.bpmn_name or spec.bpmn_id, spec.lane,
                    props.get(FORM_PROPERTY), props.get("sla"), since, process_id)


def step_properties(task: Any) -> dict[str, str]:
    """The spiffworkflow:properties of a SpiffWorkflow task's spec."""
    spec = task.task_spec
    props: dict[str, str] = spec.extensions.get("properties", {}) if hasattr(spec, "extensions") else {}
    return props


def all_task_specs(spec: Any) -> list[Any]:
    """The task specs of a parsed process spec and of its embedded subprocesses (whose steps are steps too)."""
    return [s for process in (spec.process, *spec.subprocesses.values()) for s in process.task_specs.values()]


def stored_task_specs(dct: dict[str, Any]) -> list[dict[str, Any]]:
    """The task specs of a stored spec's JSON (process and subprocesses), read without building the spec."""
    processes = [dct["process"], *(dct.get("subprocesses") or {}).values()]
    return [s for process in processes for s in process["task_specs"].values()]


def step_instructions(spec: Any, bpmn_id: str) -> str | None:
    """A step's spiffworkflow:instructionsForEndUser (Markdown) from a parsed process spec, None when it has none."""
    for task_spec in all_task_specs(spec):
        if getattr(task_spec, "bpmn_id", None) == bpmn_id:
            text = getattr(task_spec, "extensions", {}).get(INSTRUCTIONS)
            if isinstance(text, str) and text.strip():
                return text.strip()
    return None


def user_task_ids(spec: Any) -> set[str]:
    """BPMN ids of the manual (user) tasks of a parsed process spec."""
    return {s.bpmn_id for s in all_task_specs(spec) if getattr(s, "manual", False) and s.bpmn_id}


def resolve(
    row: InstanceRow, ready: list[TaskView], ref: str, events: Callable[[], list[EventRow]],
    known: Callable[[], set[str]],
) -> TaskView:
    """The ready task a reference names: its BPMN id, its UUID, or a unique prefix of the UUID."""
    listing = ", ".join(f"'{t.task}' ({t.id[:8]})" for t in ready) or N_("none")
    by_id = [t for t in ready if t.task == ref]
    if len(by_id) == 1:
        return by_id[0]
    if len(by_id) > 1:
        ids = ", ".join(t.id for t in by_id)
        raise TaskStateError("Instance {instance} has {by_id_count} ready tasks '{ref}'; name one by its UUID: {ids}",
                             instance=row.id, by_id_count=len(by_id), ref=ref, ids=ids)
    needle = ref.lower()
    by_uuid = [t for t in ready if len(needle) >= 4 and t.id.startswith(needle)]
    if len(by_uuid) == 1:
        return by_uuid[0]
    if len(by_uuid) > 1:
        raise TaskStateError("Instance {instance}: '{ref}' is the start of several task UUIDs; give more of it",
                             instance=row.id, ref=ref)
    refuse_completed(row, ref, events(), listing)
    if row.status != "running":
        raise InstanceNotRunningError("Instance {instance} is {status}; it has no ready task '{ref}'",
                                      instance=row.id, status=row.status, ref=ref)
    if ref in known():
        raise NoReadyTaskError("Task '{ref}' of instance {instance} is not ready yet; ready: {listing}",
                               ref=ref, instance=row.id, listing=listing)
    raise NoTaskError("Process {process_id} has no task '{ref}'; ready in instance {instance}: {listing}",
                      process_id=row.process_id, ref=ref, instance=row.id, listing=listing)


def refuse_completed(row: InstanceRow, ref: str, events: list[EventRow], listing: str = "none") -> None:
    """TaskStateError naming who completed the task a reference names (BPMN id, UUID or prefix) and when, if an
    event completed it; nothing when none did."""
    needle = ref.lower()
    done = [e for e in events if e.type == "task-completed" and (
        e.task == ref or (len(needle) >= 4 and (e.task_uuid or "").startswith(needle)))]
    if done:
        last = done[-1]
        raise CompletedMeanwhileError(
            "Task '{task}' of instance {instance} was already completed (event {seq} by {actor} at "
            "{time}); ready now: {listing}",
            task=last.task, instance=row.id, seq=last.seq, actor=last.actor, time=last.time, listing=listing
        )
