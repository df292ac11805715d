"""One instance, as callers hold it: `engine.instance(12)` returns a handle whose methods act on that instance
(modelled on Temporal's WorkflowHandle). A handle holds only its number and the Engine's context."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from engine.service.context import instance_view

if TYPE_CHECKING:
    from collections.abc import Iterator

    from engine.audit.records import AuditRecord, HistoryRow
    from engine.audit.replay import Replayed
    from engine.audit.verify import Verdict
    from engine.common.models import AttachmentView, CommentView, InstanceView, StepResult, TaskView, WaitView
    from engine.service.artefact_documents import InstanceDocument
    from engine.service.context import EngineContext
    from engine.service.returning import ReturnChoice
    from engine.service.versions import MigrationResult
    from engine.store.protocol import EventRow, InstanceRow


class InstanceHandle:
    """An instance of the store, by number; nothing is read until a method asks."""

    def __init__(self, context: EngineContext, number: int) -> None:
        if not 1 <= number < 2**63:  # a number no store can hold (a typed URL): refused before any query
            from engine.common.errors import NoInstanceError
            from engine.store.labels import store_label

            raise NoInstanceError("No instance {instance} in store '{db}'; list them with `sop instances`",
                                  instance=number, db=store_label(context.db))
        self._context = context
        self.number = number

    def __repr__(self) -> str:
        return f"InstanceHandle({self.number})"

    # -- reading --------------------------------------------------------------------------------

    def row(self) -> InstanceRow:
        """The stored row, or NotFoundError naming the instance."""
        return self._context.instance_row(self.number)

    def readable(self) -> None:
        """Refuse an instance the person of this Engine may not read (engine.service.reading) as a missing one;
        nothing is read for a person who reads everything."""
        from engine.service.reading import check_readable, read_scope

        if read_scope(self._context) is not None:
            check_readable(self._context, self.number)

    def title(self) -> str:
        """Its title as people read it: the fields its process's page names, else the process and its number."""
        from engine.service.titles import shown_title

        self.readable()
        title, name = self._context.store().titles((self.number,)).get(self.number, (None, ""))
        return shown_title(title, name, self.number)

    def show(self) -> InstanceView:
        """The instance with its ready tasks, data and attached files."""
        from engine.service.titles import shown_title

        self.readable()
        row = self.row()
        store = self._context.store()
        view = instance_view(row, store.ready_tasks(self.number), self.artefacts())
        title, name = store.titles((self.number,)).get(self.number, (None, row.process_id))
        if title is None:  # stored before the store kept titles: worked out now, once
            from engine.service.titles import fill_untitled

            fill_untitled(store, only=self.number)
            title, name = store.titles((self.number,)).get(self.number, (None, row.process_id))
        return view._replace(attachments=tuple(self.attachments()), title=shown_title(title, name, self.number),
                             waiting=self.waits(row))

    def waits(self, row: InstanceRow | None = None) -> tuple[WaitView, ...]:
        """The timers the instance's flow waits on (not those on a ready step's boundary), soonest first."""
        from engine.common.models import WaitView

        row = row or self.row()
        timers = [t for t in self._context.store().instance_timers(self.number) if not t.attached_to]
        if not timers:
            return ()
        version = self._context.pinned.of(row, self._context.store().get_version)
        from engine.bpmn.tasks import all_task_specs

        specs = {s.name: s for s in all_task_specs(self._context.pinned.spec(row.version, version.spec))}
        return tuple(sorted((WaitView(t.bpmn_id, getattr(specs.get(t.bpmn_id), "bpmn_name", None) or t.bpmn_id,
                                      t.due) for t in timers), key=lambda w: (w.due, w.timer)))

    def artefacts(self) -> dict[str, Any]:
        """The instance's data rebuilt from its events: start data, then each step's artefact under its task id."""
        self.readable()
        import json

        data: dict[str, Any] = {}
        for event in self._context.store().events(self.number):
            if event.type == "instance-started":
                data.update(json.loads(event.data))
            elif event.type == "task-completed" and event.task:
                data[event.task] = json.loads(event.data)
        return data

    def document(self, *, events: list[EventRow] | None = None) -> InstanceDocument:
        """The instance as people read it: each completed step's artefact drawn through its pinned form (titles,
        order, choices, dates and files in words), the process by name, the people by name and jabatan; events:
        its events as `history()` just returned them (not read again)."""
        from engine.service.artefact_documents import instance_document

        return instance_document(self._context, self.number, events=events)

    def tasks(self) -> list[TaskView]:
        """Its ready user tasks, oldest first."""
        self.readable()
        return self._context.store().ready_tasks(self.number)

    def form(self, task: str) -> tuple[TaskView, dict[str, Any]]:
        """The ready task a reference (BPMN id or UUID) names and the JSON Schema of its pinned form."""
        self.readable()
        from engine.service.completing import ready_form

        return ready_form(self._context, self.number, task)

    def ui_schema(self, task: str) -> dict[str, Any] | None:
        """A step's pinned UI schema (formUiSchemaFilename: field order, help, placeholders), or None."""
        self.readable()
        from engine.service.step_guidance import instance_ui_schema

        return instance_ui_schema(self._context, self.number, task)

    def form_defaults(self, task: str) -> dict[str, Any]:
        """The values a ready step's form starts with: fields its form takes from earlier steps' artefacts, and
        date fields its UI schema starts at today (the office's date)."""
        from engine.service.completing import form_defaults

        return form_defaults(self._context, self.number, task)

    def instructions(self) -> dict[str, str]:
        """The Markdown instructions (instructionsForEndUser) of its ready steps, by task id."""
        self.readable()
        from engine.service.step_guidance import ready_instructions

        return ready_instructions(self._context, self.number)

    def data_from_assignments(self, task: str, pairs: list[tuple[str, str]], *,
                              base: dict[str, Any] | None = None) -> dict[str, Any]:
        """Step data from KEY=VALUE pairs applied onto base (e.g. a --data file), typed by the task's form."""
        from engine.definitions.forms import coerce_assignments

        return coerce_assignments(self.form(task)[1], pairs, base)

    # -- acting ---------------------------------------------------------------------------------

    def complete(self, task: str, data: dict[str, Any] | None = None, *, actor: str | None = None,
                 attach: list[tuple[str, str]] | None = None) -> StepResult:
        """Complete a ready step with its artefact, checked against its pinned form; attach: (FIELD or FIELD.N,
        PATH) files stored by hash with it; all in one transaction."""
        self.readable()
        from engine.service.completing import complete

        return complete(self._context, self.number, task, {} if data is None else data, actor=actor, attach=attach)

    def claim(self, task: str, *, actor: str | None = None) -> TaskView:
        """Take a ready task of one's lane (actor: the person an operator records for); the same person claiming
        again changes nothing; a task someone else holds is refused, naming them and since when."""
        self.readable()
        from engine.service.claims import change_claim

        return change_claim(self._context, self.number, task, requested=actor, take=True)

    def send_back(self, task: str, *, to: str, reason: str, actor: str | None = None) -> TaskView:
        """Return for revision: send the instance back from a ready step to an earlier completed step on the path
        taken (to: its BPMN id), with a reason; that step is ready again (returned), the steps after it come again."""
        self.readable()
        from engine.service.returning import send_back

        return send_back(self._context, self.number, task, to=to, reason=reason, actor=actor)

    def return_choices(self, task: str) -> list[ReturnChoice]:
        """The earlier completed steps a ready step may be sent back to, nearest first (empty: none may be)."""
        self.readable()
        from engine.service.returning import return_choices

        return return_choices(self._context, self.number, task)

    def release(self, task: str, *, actor: str | None = None) -> TaskView:
        """Give back a claimed task: its claimer or an operator of the roles in force."""
        self.readable()
        from engine.service.claims import change_claim

        return change_claim(self._context, self.number, task, requested=actor, take=False)

    def comment(self, text: str, *, task: str | None = None, file: str | None = None) -> CommentView:
        """Write a remark on the instance (running or finished), or on one of its tasks (a ready task or a completed
        step: BPMN id or UUID), with an optional file (a path); anyone who may read the instance may; one chained
        event."""
        from engine.service.commenting import add_comment

        return add_comment(self._context, self.number, text, task=task, file=file)

    def comments(self) -> list[CommentView]:
        """Its comments, oldest first, each naming its task (or none: the whole instance), writer and file."""
        self.readable()
        from engine.service.commenting import comments

        return comments(self._context, self.number)

    def acting_choices(self, task: str) -> tuple[str, ...]:
        """Whom the signed-in account may complete a ready task as (itself first; an operator: the lane's people,
        narrowed to the claimer of a claimed task); empty when the step is not theirs to act on."""
        from engine.service.claims import acting_choices

        return acting_choices(self._context, self.number, task)

    def save_draft(self, task: str, data: dict[str, Any], *, actor: str | None = None) -> str:
        """Keep the acting person's unfinished form of a ready task; returns when it was saved."""
        self.readable()
        from engine.service.drafts import save_draft

        return save_draft(self._context, self.number, task, data, actor=actor)

    def draft(self, task: str, *, actor: str | None = None) -> dict[str, Any] | None:
        """The acting person's saved draft of a ready task, or None when they saved none."""
        self.readable()
        from engine.service.drafts import saved_draft

        return saved_draft(self._context, self.number, task, actor=actor)

    def migrate(self, *, to: str | None = None, dry_run: bool = False) -> MigrationResult:
        """Move the running instance to another version when SpiffWorkflow's diff says it is safe."""
        from engine.service.versions import migrate

        return migrate(self._context, self.number, to=to, dry_run=dry_run)

    # -- auditing -------------------------------------------------------------------------------

    def history(self, *, summaries: bool = True) -> tuple[list[HistoryRow], list[EventRow]]:
        """Its events as rows naming each step and lane, and the events themselves (summaries=False: a completion's
        row leaves its `key=value` summary empty, for a reader that draws the documents in words instead)."""
        self.readable()
        from engine.service.audit_service import history

        return history(self._context, self.number, summaries=summaries)

    def audit_record(self) -> AuditRecord:
        """Everything the store holds about it, read afresh (no cached version), for checking."""
        self.readable()
        from engine.service.audit_service import audit_record

        return audit_record(self._context, self.number)

    def replay(self, *, until: int | None = None) -> Replayed:
        """Rebuild it from its pinned definition and events; without until, compare with the store."""
        self.readable()
        from engine.service.audit_service import replay

        return replay(self._context, self.number, until=until)

    def verify(self) -> Verdict:
        """Check its hash chain, replay and derived rows against the store."""
        self.readable()
        from engine.service.audit_service import AuditService

        return next(AuditService(self._context).verify(instances=[self.number]))

    def export(self, path: str) -> AuditRecord:
        """Write its self-contained audit bundle (and its files beside it) to path."""
        self.readable()
        from engine.service.audit_service import export

        return export(self._context, self.number, path)

    # -- files and pictures ---------------------------------------------------------------------

    def attachments(self, *, task: str | None = None, field: str | None = None) -> list[AttachmentView]:
        """The files its artefacts name, in event order; task (BPMN id) and field narrow them."""
        self.readable()
        from engine.service.attached_files import attachments

        return attachments(self._context, self.number, task=task, field=field)

    def save_attachments(self, output: str, *, task: str | None = None,
                         field: str | None = None) -> list[tuple[AttachmentView, str]]:
        """Write the matching files to output (a file, or a folder for several), each checked against its hash."""
        self.readable()
        from engine.service.attached_files import save_attachments

        return save_attachments(self._context, self.number, task=task, field=field, output=output)

    def attachment_bytes(self, *, task: str | None = None, field: str | None = None, seq: int | None = None,
                         position: int | None = None) -> Iterator[bytes]:
        """The one matching file's bytes in chunks; StoreError at the end when they do not match its hash."""
        self.readable()
        from engine.service.attached_files import attachment_bytes

        return attachment_bytes(self._context, self.number, task=task, field=field, seq=seq, position=position)

    def diagram(self, *, html: bool = False, files_folder: str | None = None) -> str:
        """It drawn on its pinned diagram: SVG text, or an HTML page (its files written to files_folder by hash and
        linked from it)."""
        self.readable()
        from engine.service.drawing import instance_picture

        return instance_picture(self._context, self.number, html=html, files_folder=files_folder)
