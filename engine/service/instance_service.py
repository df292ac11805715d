"""Instances: starting one, listing them, and the tasklist, all from indexed columns (no workflow is read)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from engine.common.canonical import canonical_json
from engine.common.data_limits import check_data
from engine.common.i18n import N_
from engine.common.models import InstanceSummary, InstanceView, TaskView
from engine.service.context import instance_view
from engine.store.protocol import InstanceRow, VersionRow

if TYPE_CHECKING:
    from engine.service.context import EngineContext
    from engine.service.versions import MigrationResult


class InstanceService:
    """What `sop start`, `sop instances`, `sop tasks` and `sop migrate --all-from` call; one instance's own work is
    on its handle (`Engine.instance`)."""

    def __init__(self, context: EngineContext) -> None:
        self._context = context

    def start(self, process_id: str, data: dict[str, Any] | None = None, *, actor: str | None = None) -> InstanceView:
        """Start an instance on the newest version of a process, pinning that version in the store."""
        from engine.runtime.step_checks import check_start_data
        from engine.runtime.workflow import bundle_spec, new_workflow, root_id, spec_to_text
        from engine.service.transition import Happened, advance

        context = self._context
        check_data(data or {}, N_("Start data"))
        definition = context.catalog().get(process_id)
        data = dict(data or {})
        check_start_data(definition, data)
        spec = context.pinned.known_spec(definition.version) or bundle_spec(definition.bundle, definition.file)
        context.pinned.keep_spec(definition.version, spec)
        actor = context.acting(actor)
        workflow = new_workflow(spec, data)
        now = context.clock()
        with context.store(create=True).transaction() as tx:
            if tx.get_version(definition.version) is None:
                tx.put_version(VersionRow(definition.version, process_id, definition.name,
                                          canonical_json(definition.bundle), spec_to_text(spec), now))
            # The chain of an instance's events starts from the hash of the version it started on.
            row = InstanceRow(0, process_id, definition.version, "running", now, now, actor, b"", "", 0, 0,
                              definition.version)
            row = row._replace(id=tx.create_instance(row))
            done = advance(tx, row, workflow, [Happened("instance-started", None, root_id(workflow), data)],
                           context.change(actor, now, []), stranded=N_("Starting {process} would leave the instance",
                                                                       process=process_id))
        context.warm.keep(done.row, workflow)
        return instance_view(done.row, done.ready, data)

    def find(self, *, status: str | None = None, process: str | None = None) -> list[InstanceSummary]:
        """Instances from their indexed columns, narrowed by status and process."""
        return [
            InstanceSummary(r.id, r.process_id, r.version, r.status, r.started_at, r.updated_at, r.started_by,
                            r.last_seq)
            for r in self._context.store().list_instances(status, process)
        ]

    def tasks(
        self, *, instance: int | None = None, lane: str | None = None, lanes: tuple[str, ...] | None = None,
        overdue_at: str | None = None, limit: int | None = None,
    ) -> list[TaskView]:
        """Ready user tasks from the ready-task table, oldest first; lane: one lane; lanes: only those; overdue_at:
        only tasks due before that time."""
        if instance is not None:
            self._context.instance_row(instance)
        return self._context.store().ready_tasks(instance, lane, limit, lanes, overdue_at)

    def count_tasks(
        self, *, instance: int | None = None, lane: str | None = None, lanes: tuple[str, ...] | None = None,
        overdue_at: str | None = None,
    ) -> int:
        """How many ready user tasks match (the same filters as `tasks`)."""
        if instance is not None:
            self._context.instance_row(instance)
        return self._context.store().count_ready_tasks(instance, lane, lanes, overdue_at)

    def migrate_all(self, from_version: str, *, to: str | None = None, dry_run: bool = False) -> list[MigrationResult]:
        """Move every running instance of a version (a hash prefix); each moves (or is refused) on its own."""
        from engine.service.versions import migrate_all

        return migrate_all(self._context, from_version, to=to, dry_run=dry_run)
