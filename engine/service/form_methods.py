"""The Engine's form lookups besides a ready task's: any step's form, and --set pairs typed by the form."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from engine.common.errors import NotFoundError, RoleError

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

    def check_start_lane(self, process_id: str, actor: str | None = None) -> None:
        """Refuse (RoleError) a person who neither holds a lane of the process's start event nor is an operator:
        who may start an instance from the web tasklist; nothing is checked without roles."""
        engine = cast("Engine", self)
        roles = engine.roles
        if roles is None:
            return
        definition = engine.catalog().get(process_id)
        person = roles.acting(engine.operator, actor)
        recorder = roles.people.get(engine.operator)
        if (recorder is not None and recorder.operator) or any(person.holds(lane) for lane in definition.start_lanes):
            return
        lanes = ", ".join(definition.start_lanes) or "none"
        held = ", ".join(person.lanes) or "none"
        raise RoleError(f"{person.login} ({person.name}) may not start process {process_id}: it starts in lane(s) "
                        f"{lanes}, and {person.login} acts in: {held}; nothing was started. One of that lane's people "
                        "or an operator must start it")

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
