"""What a person completing a step reads besides its form: the diagram's instructionsForEndUser (Markdown)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from engine.service.facade import Engine


def ready_instructions(engine: Engine, instance: int) -> dict[str, str]:
    """The instructions of an instance's ready steps on its pinned version, by task id (steps with none left out)."""
    from engine.bpmn.tasks import step_instructions

    row = engine.instance_row(instance)
    ready = engine.store().ready_tasks(instance)
    if not ready:
        return {}
    version = engine.pinned.of(row, engine.store().get_version)
    spec = engine.pinned.spec(row.version, version.spec)
    found = {t.task: step_instructions(spec, t.task) for t in ready}
    return {task: text for task, text in found.items() if text}


def process_step_instructions(engine: Engine, process_id: str, step: str) -> str | None:
    """The instructions of any step (by id or name) of a process's newest version."""
    definition = engine.catalog().get(process_id)
    found = definition.step(step) or next((s for s in definition.steps if s.name == step), None)
    return found.instructions if found is not None else None


def instructions_of(engine: Engine, instance: int | None, process_id: str | None, step: str) -> dict[str, str]:
    """Engine.instructions: a process's step when process_id is given, else the instance's ready steps."""
    if process_id is not None:
        text = process_step_instructions(engine, process_id, step)
        return {step: text} if text else {}
    return ready_instructions(engine, instance) if instance is not None else {}


def ui_schema_of(engine: Engine, instance: int | None, process_id: str | None, step: str) -> dict[str, Any] | None:
    """The step's pinned UI schema (formUiSchemaFilename, RJSF conventions), or None when it has none."""
    import json

    from engine.bpmn.tasks import UI_PROPERTY

    if process_id is not None:
        definition = engine.catalog().get(process_id)
        found = definition.step(step) or next((s for s in definition.steps if s.name == step), None)
        name = found.properties.get(UI_PROPERTY) if found is not None else None
        forms: dict[str, str] = definition.bundle.get("forms") or {}
    elif instance is not None:
        row = engine.instance_row(instance)
        version = engine.pinned.of(row, engine.store().get_version)
        spec = engine.pinned.spec(row.version, version.spec)
        props: dict[str, str] = next((getattr(t, "extensions", {}).get("properties", {})
                                      for t in spec.process.task_specs.values()
                                      if getattr(t, "bpmn_id", None) == step), {})
        name = props.get(UI_PROPERTY)
        forms = engine.pinned.bundle(version).get("forms") or {}
    else:
        return None
    text = forms.get(name) if name else None
    try:
        ui = json.loads(text) if text else None
    except ValueError:
        return None
    return ui if isinstance(ui, dict) else None
