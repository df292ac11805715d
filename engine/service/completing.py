"""Completing a step: the artefact checked against the step's pinned form, its files stored by hash, and the
change written by the one transition, all in one transaction."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from engine.common.data_limits import check_data
from engine.common.errors import ValidationError
from engine.common.i18n import N_
from engine.common.models import StepResult, TaskView
from engine.service.context import instance_view

if TYPE_CHECKING:
    from engine.service.context import EngineContext


def ready_form(context: EngineContext, instance: int, task: str) -> tuple[TaskView, dict[str, Any]]:
    """The ready task a reference names and the JSON Schema of its pinned form."""
    row = context.instance_row(instance)
    store = context.store()
    view = context.named_task(row, store.ready_tasks(instance), task, store)
    version = context.pinned.of(row, store.get_version)
    if not view.form:  # a step with no artefact
        return view, {"type": "object", "title": view.name, "additionalProperties": False}
    return view, context.pinned.form(version, view.form).schema


def complete(context: EngineContext, instance: int, task: str, data: dict[str, Any], *, actor: str | None = None,
             attach: list[tuple[str, str]] | None = None) -> StepResult:
    """Validate a step's artefact against its pinned form and complete it; attach: (FIELD or FIELD.N, PATH)
    files stored by hash with it; all in one transaction."""
    from engine.bpmn.tasks import step_properties
    from engine.definitions.acting import acting_jabatan
    from engine.definitions.form_defaults import fill_from_person
    from engine.definitions.forms import fit_to_form
    from engine.runtime.step_checks import check_step
    from engine.runtime.workflow import complete_task
    from engine.service.attaching import discarding, place_files, scan_attachments, store_files
    from engine.service.ready_step import locked_ready_step, refuse_others_claim
    from engine.service.roles_service import lane_person, roles_in_tx
    from engine.service.transition import Finished, Happened, advance

    if not isinstance(data, dict):
        raise ValidationError("Data for task '{task}' must be an object of field: value pairs", task=task)
    check_data(data, N_("Data for task '{task}'", task=task))
    requested, actor = actor, context.acting(actor)
    store = context.require_instances(instance)
    # read each file once before the lock (hash, size, type from the content; SQLite: copied into its file
    # folder on the way); refusals save nothing
    placed = scan_attachments(ready_form(context, instance, task)[1], attach, N_("Instance {instance} task '{task}'",
                                                                                 instance=instance, task=task),
                              store.file_stage()) if attach else []
    with discarding(placed), store.transaction() as tx:
        at = locked_ready_step(tx, instance, task, context.db, context.pinned, warm=context.warm)
        what = N_("Instance {instance} task '{task}'", instance=instance, task=at.target.task)
        roles = roles_in_tx(store, tx, lambda: context.file_roles)  # what is in force now, held until commit
        now = context.clock()  # one moment for the lane check (a delegation's period) and the event
        if roles is not None:
            person = lane_person(roles, context.operator, requested, at.target.lane, what, at=now,
                                 process=at.row.process_id)
            actor = person.login
        refuse_others_claim(at.target, actor, what, recorder=context.operator)
        if at.target.form:
            form = context.pinned.form(at.version, at.target.form)
            data = fit_to_form(form.schema, data)
            if roles is not None:  # fields the form fills from the acting person's roles entry (a Plh. signs as one)
                jabatan = acting_jabatan(roles, person, at.target.lane, at=now, process=at.row.process_id)
                data = fill_from_person(form.schema, data, {"login": person.login, "name": person.name,
                                                            "nip": person.nip, "jabatan": jabatan})
            data = place_files(form.schema, data, placed, what) if placed else data
            form.validate(data, N_("{what} (form {form})", what=what, form=at.target.form))
        elif placed:
            raise ValidationError("{what}: the step has no form to attach files to; nothing was saved", what=what)
        elif data:
            raise ValidationError("{what} is a step with no artefact (its diagram binds no form): completing "
                                  "it records who and when, and takes no data; complete it without --data or "
                                  "--set; nothing was saved", what=what)
        check_step(what, step_properties(at.task), dict(at.task.data), at.target.task, data)
        complete_task(at.workflow, at.task, data)
        done = advance(
            tx,
            at.row,
            at.workflow,
            [Happened("task-completed", at.target.task, at.target.id, data)],
            context.change(actor, now, at.ready),
            stranded=N_("{what} would leave instance {instance}", what=what, instance=instance),
            finished=Finished(at.target.id, at.target.since),
        )
        if at.target.form:  # the files the artefact names, stored with the event that names them
            store_files(tx, context.pinned.form(at.version, at.target.form).schema, data, placed,
                        (instance, at.row.last_seq + 1, at.target.task), now=done.row.updated_at, what=what)
    context.warm.keep(done.row, at.workflow)
    # The completed task's data holds every artefact upstream of it (SpiffWorkflow passes data along).
    return StepResult(at.target.task, at.target.id, instance_view(done.row, done.ready, dict(at.task.data)))


def _without_files(schema: dict[str, Any], artefact: Any) -> dict[str, Any]:
    """An artefact as a form's start, without its file fields (a file is attached again, not carried in a form)."""
    from engine.definitions.form_files import file_fields

    if not isinstance(artefact, dict):
        return {}
    files = file_fields(schema)
    return {k: v for k, v in artefact.items() if k not in files}


def form_defaults(context: EngineContext, instance: int, task: str) -> dict[str, Any]:
    """The values a ready step's form starts with: fields taken from earlier steps' artefacts (`x-sop-default:
    {from: STEP.FIELD}`) and date fields its UI schema starts at today (`ui:default: "today"`, the office's date)."""
    import json

    from engine.definitions.form_defaults import record_defaults, today_defaults
    from engine.service.step_guidance import instance_ui_schema

    view, schema = ready_form(context, instance, task)
    if not view.form:
        return {}
    events = context.store().events(instance)
    record = {event.task: json.loads(event.data) for event in events
              if event.type == "task-completed" and event.task}  # each step's latest artefact
    values = record_defaults(schema, record)
    if any(e.type == "task-returned" and e.task_uuid == view.id for e in events) and view.task in record:
        values = {**values, **_without_files(schema, record[view.task])}  # sent back: its last artefact to revise
    ui = instance_ui_schema(context, instance, view.task)
    if ui:
        from datetime import datetime

        moment = datetime.fromisoformat(context.clock().replace("Z", "+00:00"))
        today = moment.astimezone(context.local_times().zone).date().isoformat()
        values = today_defaults(schema, ui, today, values)
    return values
