"""What a person completing a step reads besides its form: the diagram's instructionsForEndUser (Markdown) and the
form's UI schema (formUiSchemaFilename: field order, help, placeholders)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from engine.service.context import EngineContext


def ready_instructions(context: EngineContext, instance: int) -> dict[str, str]:
    """The instructions of an instance's ready steps on its pinned version, by task id (steps with none left out)."""
    from engine.bpmn.tasks import step_instructions

    row = context.instance_row(instance)
    ready = context.store().ready_tasks(instance)
    if not ready:
        return {}
    version = context.pinned.of(row, context.store().get_version)
    spec = context.pinned.spec(row.version, version.spec)
    found = {t.task: step_instructions(spec, t.task) for t in ready}
    return {task: text for task, text in found.items() if text}


def process_step_instructions(context: EngineContext, process_id: str, step: str) -> str | None:
    """The instructions of any step (by id or name) of a process's newest version."""
    definition = context.catalog().get(process_id)
    found = definition.step(step) or next((s for s in definition.steps if s.name == step), None)
    return found.instructions if found is not None else None


def process_ui_schema(context: EngineContext, process_id: str, step: str) -> dict[str, Any] | None:
    """The UI schema of any step (by id or name) of a process's newest version, or None when it has none."""
    from engine.bpmn.tasks import UI_PROPERTY

    definition = context.catalog().get(process_id)
    found = definition.step(step) or next((s for s in definition.steps if s.name == step), None)
    name = found.properties.get(UI_PROPERTY) if found is not None else None
    return _ui_schema(definition.bundle.get("forms") or {}, name)


def instance_ui_schema(context: EngineContext, instance: int, step: str) -> dict[str, Any] | None:
    """The UI schema of a step on the instance's pinned version, or None when it has none."""
    from engine.bpmn.tasks import UI_PROPERTY

    row = context.instance_row(instance)
    version = context.pinned.of(row, context.store().get_version)
    spec = context.pinned.spec(row.version, version.spec)
    from engine.bpmn.tasks import all_task_specs

    props: dict[str, str] = next((getattr(t, "extensions", {}).get("properties", {})
                                  for t in all_task_specs(spec)
                                  if getattr(t, "bpmn_id", None) == step), {})
    return _ui_schema(context.pinned.bundle(version).get("forms") or {}, props.get(UI_PROPERTY))


def _ui_schema(forms: dict[str, str], name: str | None) -> dict[str, Any] | None:
    """The named UI schema file of a bundle's forms as an object (RJSF conventions), or None."""
    import json

    text = forms.get(name) if name else None
    try:
        ui = json.loads(text) if text else None
    except ValueError:
        return None
    return ui if isinstance(ui, dict) else None
