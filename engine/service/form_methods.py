"""The Engine's form lookups besides a ready task's: any step's form, and --set pairs typed by the form."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from engine.common.errors import NotFoundError

if TYPE_CHECKING:
    from engine.service.facade import Engine


class FormMethods:
    """What `sop form --process` and `sop complete --set` call on the Engine."""

    def step_form(self, process_id: str, step: str) -> tuple[str, str | None, dict[str, Any]]:
        """Any user task of a process's newest version, ready or not: (its name, its form file, the schema), so
        data can be prepared before the step is reached."""
        engine = cast("Engine", self)
        definition = engine.catalog().get(process_id)
        found = definition.step(step) or next((s for s in definition.steps if s.name == step), None)
        if found is None:
            steps = ", ".join(s.bpmn_id for s in definition.steps)
            raise NotFoundError(f"Process {process_id} has no step '{step}'; its steps: {steps}")
        if not found.form:  # a step with no artefact
            return found.name, None, {"type": "object", "title": found.name, "additionalProperties": False}
        return found.name, found.form, definition.form_schema(found.form)

    def instructions(self, instance: int | None, process_id: str | None = None, step: str = "") -> dict[str, str]:
        """The Markdown instructions (instructionsForEndUser) of an instance's ready steps by task id; with
        process_id, of that step of the process's newest version."""
        from engine.service.step_guidance import instructions_of

        return instructions_of(cast("Engine", self), instance, process_id, step)

    def ui_schema(self, instance: int | None, step: str, process_id: str | None = None) -> dict[str, Any] | None:
        """The step's pinned UI schema (formUiSchemaFilename: field order, help, placeholders), or None."""
        from engine.service.step_guidance import ui_schema_of

        return ui_schema_of(cast("Engine", self), instance, process_id, step)

    def data_from_assignments(self, instance: int, task: str, pairs: list[tuple[str, str]],
                              base: dict[str, Any] | None = None) -> dict[str, Any]:
        """Step data from KEY=VALUE pairs applied onto base (e.g. a --data file), typed by the task's form."""
        engine = cast("Engine", self)
        from engine.definitions.forms import coerce_assignments

        _, schema = engine.form(instance, task)
        return coerce_assignments(schema, pairs, base)
