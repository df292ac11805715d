"""Ready tasks: naming one (BPMN id, UUID or prefix), explaining why one is not ready, rows from SpiffWorkflow."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from engine.common.errors import NotFoundError, TaskStateError
from engine.common.models import TaskView
from engine.store.protocol import EventRow, InstanceRow

FORM_PROPERTY = "formJsonSchemaFilename"
UI_PROPERTY = "formUiSchemaFilename"
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


def step_instructions(spec: Any, bpmn_id: str) -> str | None:
    """A step's spiffworkflow:instructionsForEndUser (Markdown) from a parsed process spec, None when it has none."""
    for task_spec in spec.process.task_specs.values():
        if getattr(task_spec, "bpmn_id", None) == bpmn_id:
            text = getattr(task_spec, "extensions", {}).get(INSTRUCTIONS)
            if isinstance(text, str) and text.strip():
                return text.strip()
    return None


def user_task_ids(spec: Any) -> set[str]:
    """BPMN ids of the manual (user) tasks of a parsed process spec."""
    return {s.bpmn_id for s in spec.process.task_specs.values() if getattr(s, "manual", False) and s.bpmn_id}


def resolve(
    row: InstanceRow, ready: list[TaskView], ref: str, events: Callable[[], list[EventRow]],
    known: Callable[[], set[str]],
) -> TaskView:
    """The ready task a reference names: its BPMN id, its UUID, or a unique prefix of the UUID."""
    listing = ", ".join(f"'{t.task}' ({t.id[:8]})" for t in ready) or "none"
    by_id = [t for t in ready if t.task == ref]
    if len(by_id) == 1:
        return by_id[0]
    if len(by_id) > 1:
        ids = ", ".join(t.id for t in by_id)
        raise TaskStateError(f"Instance {row.id} has {len(by_id)} ready tasks '{ref}'; name one by its UUID: {ids}")
    needle = ref.lower()
    by_uuid = [t for t in ready if len(needle) >= 4 and t.id.startswith(needle)]
    if len(by_uuid) == 1:
        return by_uuid[0]
    if len(by_uuid) > 1:
        raise TaskStateError(f"Instance {row.id}: '{ref}' is the start of several task UUIDs; give more of it")
    refuse_completed(row, ref, events(), listing)
    if row.status != "running":
        raise TaskStateError(f"Instance {row.id} is {row.status}; it has no ready task '{ref}'")
    if ref in known():
        raise TaskStateError(f"Task '{ref}' of instance {row.id} is not ready yet; ready: {listing}")
    raise NotFoundError(f"Process {row.process_id} has no task '{ref}'; ready in instance {row.id}: {listing}")


def refuse_completed(row: InstanceRow, ref: str, events: list[EventRow], listing: str = "none") -> None:
    """TaskStateError naming who completed the task a reference names (BPMN id, UUID or prefix) and when, if an
    event completed it; nothing when none did."""
    needle = ref.lower()
    done = [e for e in events if e.type == "task-completed" and (
        e.task == ref or (len(needle) >= 4 and (e.task_uuid or "").startswith(needle)))]
    if done:
        last = done[-1]
        raise TaskStateError(
            f"Task '{last.task}' of instance {row.id} was already completed (event {last.seq} by {last.actor} at "
            f"{last.time}); ready now: {listing}"
        )
