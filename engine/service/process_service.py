"""Processes: the definitions folder's runnable processes and their pinned versions, any step's form, guidance
and UI schema, and who may start one."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from engine.common.errors import EngineError, NoTaskError, WrongLaneError
from engine.common.i18n import N_
from engine.common.models import ProcessInfo

if TYPE_CHECKING:
    from engine.definitions.catalog import Catalog
    from engine.service.context import EngineContext
    from engine.service.versions import FormChange, MigrationPlanWords, VersionInfo


class ProcessService:
    """What `sop processes`, `sop versions`, `sop form --process` and the web's start page call."""

    def __init__(self, context: EngineContext) -> None:
        self._context = context

    def catalog(self) -> Catalog:
        """Scan the definitions folder (every BPMN with its forms and YAML)."""
        return self._context.catalog()

    def runnable(self) -> tuple[list[ProcessInfo], list[str]]:
        """The runnable processes and the problems of the files that do not load."""
        from engine.runtime.workflow import build_spec

        catalog = self._context.catalog()
        problems = list(catalog.problems)
        infos = []
        for d in catalog.definitions:
            try:
                build_spec(d.bundle["bpmn"]["text"], d.process_id, d.file)
            except EngineError as exc:
                problems.append(str(exc))
                continue
            lanes = tuple(dict.fromkeys(s.lane for s in d.steps if s.lane))
            infos.append(ProcessInfo(d.process_id, d.name, d.file, d.version, len(d.steps), lanes))
        return infos, problems

    def office(self) -> str | None:
        """The organisation the processes belong to, as their identity pages name it (`sop.dinas`, then
        `sop.instansi`, of the first process that gives one), for the header of the pages people read."""
        for d in sorted(self._context.catalog().definitions, key=lambda d: d.process_id):
            sop = d.identity.get("sop")
            if isinstance(sop, dict):
                names = [str(sop[k]).strip() for k in ("dinas", "instansi") if isinstance(sop.get(k), str)]
                if any(names):
                    return " · ".join(n for n in names if n)
        return None

    def versions(self) -> tuple[list[VersionInfo], list[str]]:
        """Every version the store has pinned plus the ones the definitions folder holds now."""
        from engine.service.versions import process_versions

        return process_versions(self._context)

    def migration_plan(self, process_id: str, *, to: str | None = None) -> MigrationPlanWords:
        """What publishing a version would do to the running requests of a process, in words (a dry run)."""
        from engine.service.versions import process_migration_plan

        return process_migration_plan(self._context, process_id, to=to)

    def form_changes(self) -> list[FormChange]:
        """Each form changed since the newest pinned versions, with the SOPs whose new version it makes."""
        from engine.service.versions import form_changes

        return form_changes(self._context)

    def known(self) -> list[str]:
        """Every process id a filter may name: those of the definitions folder and of the stored instances."""
        ids = [d.process_id for d in self._context.catalog().definitions]
        ids += [v.process_id for v in self._context.store().list_versions()]
        return sorted(set(ids))

    def known_lanes(self) -> list[str]:
        """Every lane a filter may name: those of the definitions folder's processes and of the ready tasks."""
        from engine.common.lanes import lane_key

        names = [s.lane for d in self._context.catalog().definitions for s in d.steps if s.lane]
        names += self._context.store().ready_lanes()
        first: dict[str, str] = {}
        for name in names:
            first.setdefault(lane_key(name), name)
        return list(first.values())

    def step_form(self, process_id: str, step: str) -> tuple[str, str | None, dict[str, Any]]:
        """Any user task of a process's newest version, ready or not: (its name, its form file, the schema), so
        data can be prepared before the step is reached."""
        definition = self._context.catalog().get(process_id)
        found = definition.step(step) or next((s for s in definition.steps if s.name == step), None)
        if found is None:
            steps = ", ".join(s.bpmn_id for s in definition.steps)
            raise NoTaskError("Process {process_id} has no step '{step}'; its steps: {steps}",
                              process_id=process_id, step=step, steps=steps)
        if not found.form:  # a step with no artefact
            return found.name, None, {"type": "object", "title": found.name, "additionalProperties": False}
        return found.name, found.form, definition.form_schema(found.form)

    def instructions(self, process: str, step: str) -> str | None:
        """The Markdown instructions (instructionsForEndUser) of any step (by id or name) of a process's newest
        version, or None."""
        from engine.service.step_guidance import process_step_instructions

        return process_step_instructions(self._context, process, step)

    def ui_schema(self, process: str, step: str) -> dict[str, Any] | None:
        """The step's UI schema (formUiSchemaFilename: field order, help, placeholders) in the newest version."""
        from engine.service.step_guidance import process_ui_schema

        return process_ui_schema(self._context, process, step)

    def check_start_lane(self, process_id: str, *, actor: str | None = None) -> None:
        """Refuse (RoleError) a person who neither holds a lane of the process's start event (themself, or by a
        delegation in force now for the process) nor is an operator: who may start an instance from the web tasklist;
        nothing is checked without roles."""
        context = self._context
        roles = context.roles
        if roles is None:
            return
        definition = context.catalog().get(process_id)
        person = roles.acting(context.operator, actor)
        recorder = roles.people.get(context.operator)
        if (recorder is not None and recorder.operator) or any(person.holds(lane) for lane in definition.start_lanes):
            return
        now = context.clock()  # a Plh./Plt. of a start lane's person, in force now for this process, starts too
        if any(roles.delegation_for(person.login, lane, at=now, process=process_id) for lane in definition.start_lanes):
            return
        start_lanes = ", ".join(definition.start_lanes) or N_("none")
        lanes = ", ".join(person.lanes) or N_("none")
        raise WrongLaneError("{login} ({name}) may not start process {process_id}: it starts in lane(s) "
                             "{start_lanes}, and {login} acts in: {lanes}; nothing was started. One of that lane's "
                             "people or an operator must start it", login=person.login, name=person.name,
                             process_id=process_id, start_lanes=start_lanes, lanes=lanes)
