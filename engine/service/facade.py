"""The Engine facade: the one place where definitions, forms, workflow, store and audit meet."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from engine.common.canonical import canonical_json
from engine.common.data_limits import check_data
from engine.common.errors import EngineError, NotFoundError, StoreError, ValidationError
from engine.common.i18n import N_
from engine.common.identity import os_login, utc_now
from engine.common.models import InstanceSummary, InstanceView, ProcessInfo, StepResult, TaskView
from engine.service.account_methods import AccountMethods
from engine.service.audit_methods import AuditMethods
from engine.service.claim_methods import ClaimMethods
from engine.service.file_methods import FileMethods
from engine.service.form_methods import FormMethods
from engine.service.picture_methods import PictureMethods
from engine.service.roles_methods import RolesMethods
from engine.service.time_methods import TimeMethods
from engine.store.opening import open_store
from engine.store.protocol import InstanceRow, Store, VersionRow

if TYPE_CHECKING:  # heavy modules (and pathlib, json: 11 ms together) load only in commands that need them
    from pathlib import Path

    from engine.common.local_time import LocalTimes
    from engine.common.models import OutboxEvent
    from engine.common.work_calendar import Clock
    from engine.definitions.catalog import Catalog
    from engine.definitions.roles import Roles
    from engine.service.pinned import PinnedVersions
    from engine.service.transition import Change
    from engine.service.warm import WarmWorkflows


class Engine(RolesMethods, AccountMethods, ClaimMethods, AuditMethods, FileMethods, FormMethods, PictureMethods,
             TimeMethods):
    """Runs processes from a definitions folder against a store; returns plain frozen values."""

    def __init__(
        self,
        db: str,
        definitions_dir: str | Path = "definitions",
        forms_dir: str | Path = "forms",
        clock: Callable[[], str] = utc_now,
        operator: str | None = None,
        roles: Roles | str | Path | None = None,
        work_clock: Clock | None = None,
    ) -> None:
        self.db = db
        self.definitions_dir = definitions_dir
        self.forms_dir = forms_dir
        self.clock = clock
        self.operator = operator or os_login()
        self._roles = roles  # None: no roles file; a path loads when first needed
        self._pinned_roles: tuple[Roles | None] | None = None  # the store's roles in force, read once
        self._work_clock = self._given_clock = work_clock
        self._local_times: LocalTimes | None = None
        self._store: Store | None = None
        self._may_create = False
        self._pinned: PinnedVersions | None = None
        self._warm: WarmWorkflows | None = None

    @property
    def pinned(self) -> PinnedVersions:
        """The pinned versions this process has read (they never change once stored: safe to keep)."""
        if self._pinned is None:
            from engine.service.pinned import PinnedVersions

            self._pinned = PinnedVersions()
        return self._pinned

    @pinned.setter
    def pinned(self, kept: PinnedVersions) -> None:
        self._pinned = kept  # another Engine's (`sop serve`: one per request, the cache kept per thread)

    @property
    def warm(self) -> WarmWorkflows:
        """The workflows this process wrote last, used only while the store still holds what was written."""
        if self._warm is None:
            from engine.service.warm import WarmWorkflows

            self._warm = WarmWorkflows()
        return self._warm

    @warm.setter
    def warm(self, kept: WarmWorkflows) -> None:
        self._warm = kept

    # -- plumbing -------------------------------------------------------------------------------

    def store(self, create: bool = False, optional: bool = False) -> Store:
        """The store, created only when create is asked. A store file that does not exist is an error naming
        the path (a mistyped --db must not read as an empty store), unless optional: then it reads as empty."""
        if self._store is None or (create and not self._may_create):
            if self._store is not None:
                self._store.close()
            self._store = open_store(self.db, create=create)
            self._may_create = create
        if self._store.missing and not optional:
            raise StoreError(f"No store at '{self._store.location}': the file does not exist. Check --db (or "
                             "SOP_DB); `sop start` creates a new store")
        return self._store

    def acting_as(self, operator: str) -> Engine:
        """This Engine acting as another person, sharing its store connection, pinned versions, warm workflows and
        local times (a server keeps one Engine per thread and makes one of these per request); the roles in force
        and the work calendar (days off) are read afresh, as a new Engine would."""
        from copy import copy

        self.pinned, self.warm  # noqa: B018 - made here, so that every copy shares them
        try:
            self.local_times()  # shared too (a broken calendar is reported by the copy that needs the times)
        except EngineError:
            pass
        other = copy(self)
        other.operator = operator
        other._pinned_roles = None
        other._work_clock = self._given_clock
        return other

    def close(self) -> None:
        """Release the store connection."""
        if self._store is not None:
            self._store.close()
            self._store = None

    def work_clock(self) -> Clock:
        """The working-time calendar of the definitions folder (calendar.yaml), or wall-clock time without one."""
        if self._work_clock is None:
            from engine.common.work_calendar import WallClock, find_calendar, load_calendar

            path = find_calendar(self.definitions_dir)
            if path is None:
                self._work_clock = WallClock()
            else:
                calendar = self._work_clock = load_calendar(path)
                calendar.remember(self.store().days_off(calendar.key))
        return self._work_clock

    def local_times(self) -> LocalTimes:
        """Stored times as people read them: in the calendar's zone (or this machine's), e.g. `08:30 WIB`."""
        if self._local_times is None:
            from engine.common.local_time import LocalTimes, office_zone

            self._local_times = LocalTimes(office_zone(self.definitions_dir))
        return self._local_times

    def catalog(self) -> Catalog:
        """Scan the definitions folder (every BPMN with its forms and YAML)."""
        from engine.definitions.catalog import scan

        return scan(self.definitions_dir, self.forms_dir)

    # -- queries (no workflow is deserialized) ---------------------------------------------------

    def processes(self) -> tuple[list[ProcessInfo], list[str]]:
        """The runnable processes and the problems of the files that do not load."""
        from engine.runtime.workflow import build_spec

        catalog = self.catalog()
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

    def tasks(
        self, instance: int | None = None, lane: str | None = None, limit: int | None = None,
        lanes: tuple[str, ...] | None = None, overdue_at: str | None = None,
    ) -> list[TaskView]:
        """Ready user tasks from the ready-task table, oldest first; lanes: only those; overdue_at: only tasks
        due before that time."""
        if instance is not None:
            self.instance_row(instance)
        return self.store().ready_tasks(instance, lane, limit, lanes, overdue_at)

    def count_tasks(
        self, instance: int | None = None, lane: str | None = None, lanes: tuple[str, ...] | None = None,
        overdue_at: str | None = None,
    ) -> int:
        """How many ready user tasks match."""
        return self.store().count_ready_tasks(instance, lane, lanes, overdue_at)

    def known_lanes(self) -> list[str]:
        """Every lane a filter may name: those of the definitions folder's processes and of the ready tasks."""
        from engine.common.lanes import lane_key

        names = [s.lane for d in self.catalog().definitions for s in d.steps if s.lane]
        names += self.store().ready_lanes()
        first: dict[str, str] = {}
        for name in names:
            first.setdefault(lane_key(name), name)
        return list(first.values())

    def known_processes(self) -> list[str]:
        """Every process id a filter may name: those of the definitions folder and of the stored instances."""
        ids = [d.process_id for d in self.catalog().definitions]
        ids += [v.process_id for v in self.store().list_versions()]
        return sorted(set(ids))

    def my_lanes(self, login: str | None = None) -> tuple[str, ...] | None:
        """The lane names of ready tasks that a person (default: the OS account) acts in; None without roles."""
        if self.roles is None:
            return None
        person = self.roles.person(login or self.operator)
        return tuple(lane for lane in self.store().ready_lanes() if person.holds(lane))

    def instances(self, status: str | None = None, process: str | None = None) -> list[InstanceSummary]:
        """Instances from their indexed columns."""
        return [
            InstanceSummary(r.id, r.process_id, r.version, r.status, r.started_at, r.updated_at, r.started_by,
                            r.last_seq)
            for r in self.store().list_instances(status, process)
        ]

    def instance_row(self, instance: int) -> InstanceRow:
        """The stored row of an instance, or NotFoundError."""
        row = self.store().get_instance(instance)
        if row is None:
            raise NotFoundError(f"No instance {instance} in store '{self.db}'; list them with `sop instances`")
        return row

    def show(self, instance: int) -> InstanceView:
        """An instance with its ready tasks and data."""
        row = self.instance_row(instance)
        view = self._view(row, self.store().ready_tasks(instance), self.artefacts(instance))
        return view._replace(attachments=tuple(self.attachments(instance)))

    def artefacts(self, instance: int) -> dict[str, Any]:
        """The instance's data rebuilt from its events: start data, then each step's artefact under its task id."""
        data: dict[str, Any] = {}
        for event in self.store().events(instance):
            if event.type == "instance-started":
                data.update(_loads(event.data))
            elif event.type == "task-completed" and event.task:
                data[event.task] = _loads(event.data)
        return data

    def form(self, instance: int, task: str) -> tuple[TaskView, dict[str, Any]]:
        """The ready task a reference names and the JSON Schema of its pinned form."""
        row = self.instance_row(instance)
        view = self._named_task(row, self.store().ready_tasks(instance), task, self.store())
        version = self.pinned.of(row, self.store().get_version)
        if not view.form:  # a step with no artefact
            return view, {"type": "object", "title": view.name, "additionalProperties": False}
        return view, self.pinned.form(version, view.form).schema

    # -- commands -------------------------------------------------------------------------------

    def start(self, process_id: str, data: dict[str, Any] | None = None, actor: str | None = None) -> InstanceView:
        """Start an instance on the newest version of a process, pinning that version in the store."""
        from engine.runtime.step_checks import check_start_data
        from engine.runtime.workflow import bundle_spec, new_workflow, root_id, spec_to_text
        from engine.service.transition import Happened, advance

        check_data(data or {}, N_("Start data"))
        definition = self.catalog().get(process_id)
        data = dict(data or {})
        check_start_data(definition, data)
        spec = self.pinned.known_spec(definition.version) or bundle_spec(definition.bundle, definition.file)
        self.pinned.keep_spec(definition.version, spec)
        actor = self.acting(actor)
        workflow = new_workflow(spec, data)
        now = self.clock()
        with self.store(create=True).transaction() as tx:
            if tx.get_version(definition.version) is None:
                tx.put_version(VersionRow(definition.version, process_id, definition.name,
                                          canonical_json(definition.bundle), spec_to_text(spec), now))
            # The chain of an instance's events starts from the hash of the version it started on.
            row = InstanceRow(0, process_id, definition.version, "running", now, now, actor, b"", "", 0, 0,
                              definition.version)
            row = row._replace(id=tx.create_instance(row))
            done = advance(tx, row, workflow, [Happened("instance-started", None, root_id(workflow), data)],
                           self._change(actor, now, []), f"Starting {process_id} would leave the instance")
        self.warm.keep(done.row, workflow)
        return self._view(done.row, done.ready, data)

    def complete(self, instance: int, task: str, data: dict[str, Any], actor: str | None = None,
                 attach: list[tuple[str, str]] | None = None) -> StepResult:
        """Validate a step's artefact against its pinned form and complete it; attach: (FIELD or FIELD.N, PATH)
        files stored by hash with it; all in one transaction."""
        from engine.bpmn.tasks import step_properties
        from engine.definitions.forms import fit_to_form
        from engine.runtime.step_checks import check_step
        from engine.runtime.workflow import complete_task
        from engine.service.ready_step import locked_ready_step, refuse_others_claim
        from engine.service.transition import Finished, Happened, advance

        if not isinstance(data, dict):
            raise ValidationError(f"Data for task '{task}' must be an object of field: value pairs")
        check_data(data, N_(f"Data for task '{task}'"))
        requested, actor = actor, self.acting(actor)
        store = self.store()
        if store.schema_version() == 0:
            raise NotFoundError(f"No instance {instance} in store '{self.db}' (it has none yet); start one first")
        from engine.definitions.form_defaults import fill_from_person
        from engine.service.attaching import discarding, place_files, scan_attachments, store_files
        from engine.service.roles_service import lane_person, roles_in_tx

        # read each file once before the lock (hash, size, type from the content; SQLite: copied into its file
        # folder on the way); refusals save nothing
        placed = scan_attachments(self.form(instance, task)[1], attach, N_(f"Instance {instance} task '{task}'"),
                                  store.file_stage()) if attach else []
        with discarding(placed), store.transaction() as tx:
            at = locked_ready_step(tx, instance, task, self.db, self.pinned, self.warm)
            what = N_(f"Instance {instance} task '{at.target.task}'")
            roles = roles_in_tx(store, tx, lambda: self.file_roles)  # what is in force now, held until commit
            if roles is not None:
                person = lane_person(roles, self.operator, requested, at.target.lane, what)
                actor = person.login
            refuse_others_claim(at.target, actor, what)
            if at.target.form:
                form = self.pinned.form(at.version, at.target.form)
                data = fit_to_form(form.schema, data)
                if roles is not None:  # fields the form fills from the acting person's roles entry
                    data = fill_from_person(form.schema, data, {"login": person.login, "name": person.name,
                                                                "nip": person.nip, "jabatan": person.jabatan})
                data = place_files(form.schema, data, placed, what) if placed else data
                form.validate(data, N_(f"{what} (form {at.target.form})"))
            elif placed:
                raise ValidationError(f"{what}: the step has no form to attach files to; nothing was saved")
            elif data:
                raise ValidationError(f"{what} is a step with no artefact (its diagram binds no form): completing "
                                      "it records who and when, and takes no data; complete it without --data or "
                                      "--set; nothing was saved")
            check_step(what, step_properties(at.task), dict(at.task.data), at.target.task, data)
            complete_task(at.workflow, at.task, data)
            done = advance(tx, at.row, at.workflow, [Happened("task-completed", at.target.task, at.target.id, data)],
                           self._change(actor, self.clock(), at.ready), f"{what} would leave instance {instance}",
                           finished=Finished(at.target.id, at.target.since))
            if at.target.form:  # the files the artefact names, stored with the event that names them
                store_files(tx, self.pinned.form(at.version, at.target.form).schema, data, placed,
                            (instance, at.row.last_seq + 1, at.target.task), done.row.updated_at, what)
        self.warm.keep(done.row, at.workflow)
        # The completed task's data holds every artefact upstream of it (SpiffWorkflow passes data along).
        return StepResult(at.target.task, at.target.id, self._view(done.row, done.ready, dict(at.task.data)))

    def _change(self, actor: str, now: str, before: list[TaskView]) -> Change:
        """Who acts, when, and the ready rows before: what the transition needs besides the workflow."""
        from engine.service.transition import Change

        return Change(actor, self.operator, now, self.work_clock(), before)

    def _view(self, row: InstanceRow, tasks: list[TaskView], data: dict[str, Any]) -> InstanceView:
        return InstanceView(row.id, row.process_id, row.version, row.status, row.started_at, row.updated_at,
                            row.started_by, tuple(tasks), data, row.last_seq, row.last_hash)

    def events(self, *, consumer: str | None = None, since: int | None = None, limit: int = 100) -> list[OutboxEvent]:
        """What committed changes did (the outbox), in order: after a consumer's cursor, or after position `since`."""
        from engine.service.outbox import read_events

        return read_events(self.store(), consumer=consumer, since=since, limit=limit)

    def acknowledge(self, *, consumer: str, position: int) -> int:
        """Move a consumer's cursor past the events it has handled (never back); where it stands after."""
        from engine.service.outbox import acknowledge

        return acknowledge(self.store(), consumer=consumer, position=position, now=self.clock())


def _loads(text: str) -> Any:
    import json

    return json.loads(text)

