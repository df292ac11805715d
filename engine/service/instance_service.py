"""Instances: starting one, listing them, and the tasklist, all from indexed columns (no workflow is read)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from engine.common.canonical import canonical_json
from engine.common.data_limits import check_data
from engine.common.i18n import N_
from engine.common.models import InstanceSummary, InstanceView, TaskView
from engine.service.context import instance_view
from engine.store.protocol import InstanceQuery, InstanceRow, VersionRow

if TYPE_CHECKING:
    from datetime import date

    from engine.service.context import EngineContext
    from engine.service.versions import MigrationResult


class InstanceService:
    """What `sop start`, `sop instances`, `sop tasks` and `sop migrate --all-from` call; one instance's own work is
    on its handle (`Engine.instance`)."""

    def __init__(self, context: EngineContext) -> None:
        self._context = context

    def start(self, process_id: str, data: dict[str, Any] | None = None, *, actor: str | None = None) -> InstanceView:
        """Start an instance on the newest version of a process, pinning that version in the store."""
        view = start_instance(self._context, process_id, data, actor=actor)
        assert view is not None  # only a timer's occurrence can be taken already
        return view

    def find(self, *, status: str | None = None, process: str | None = None) -> list[InstanceSummary]:
        """Instances from their indexed columns, narrowed by status and process, by number; only those the person
        may read (engine.service.reading)."""
        from engine.service.reading import read_scope
        from engine.service.titles import shown_title

        store = self._context.store()
        scope = read_scope(self._context)
        rows = store.list_instances(status, process)
        if not rows:
            return []
        self.fill_titles()
        found, _ = store.search_instances(InstanceQuery(process=process, status=status, sort="id", limit=len(rows),
                                                        scope=scope))
        versions = {r.id: r.version for r in rows}
        return [InstanceSummary(r.id, r.process_id, versions.get(r.id, ""), r.status, r.started_at, r.updated_at,
                                r.started_by, r.last_seq, shown_title(r.title, r.process_name, r.id), r.due)
                for r in found]

    def search(
        self, *, text: str = "", process: str | None = None, status: str | None = None, waiting: str | None = None,
        lane: str | None = None, overdue_at: str | None = None, started_since: date | None = None,
        started_until: date | None = None, sort: str = "started", page: int = 1, per_page: int = 50,
        mine: bool = False,
    ) -> tuple[list[InstanceSummary], int]:
        """One page of the instances the person may read that match: every word of text begins a word of the
        title or of an artefact's text; filters by process, status, waiting step, lane of a ready step, overdue (a
        ready step due before overdue_at), started from the day started_since to the day started_until (the
        office's days); mine: only those the person started or acted on. Sorted by start (newest first), last
        change (newest first) or due time (soonest first); with how many match (counted up to 1,000: more reads
        1,001)."""
        from engine.service.reading import read_scope
        from engine.service.titles import search_words, shown_title
        from engine.store.sql_core import matching_lanes

        store = self._context.store(optional=True)
        if store.missing or store.schema_version() == 0:
            return [], 0
        self.fill_titles()
        lanes = matching_lanes(store.ready_lanes(), lane, None) if lane else None
        started_from = started_to = None
        if started_since or started_until:
            from engine.service.sla_report import day_window

            started_from, started_to = day_window(self._context.work_clock(), started_since, started_until)
        query = InstanceQuery(
            words=tuple(search_words(text).split()[:10]), process=process, status=status, waiting=waiting,
            lanes=lanes, overdue_at=overdue_at, started_from=started_from, started_until=started_to, sort=sort,
            offset=(max(page, 1) - 1) * per_page, limit=per_page, scope=read_scope(self._context),
            mine=self._context.operator if mine else None)
        found, total = store.search_instances(query)
        return [InstanceSummary(r.id, r.process_id, "", r.status, r.started_at, r.updated_at, r.started_by, r.last_seq,
                                shown_title(r.title, r.process_name, r.id), r.due) for r in found], total

    def mine_first(self) -> bool:
        """True when the person's own requests are the list to show first: people of a start lane who read no
        process whole (the OPDs)."""
        from engine.service.reading import starts_only

        return starts_only(self._context)

    def search_choices(self) -> dict[str, tuple[str, tuple[tuple[str, str], ...], tuple[str, ...]]]:
        """What a search can filter by: each process of the definitions folder by id, with its name, its steps (id,
        name) and its lanes (kept while the folder's files do not change)."""
        from engine.service.reading import process_facts

        return {pid: (f.name, f.steps, f.lanes) for pid, f in process_facts(self._context).items()}

    def fill_titles(self) -> int:
        """Work out the titles and search words of instances stored before the store kept them; how many."""
        from engine.service.titles import fill_untitled

        store = self._context.store(optional=True)
        if store.missing or not store.untitled(1):
            return 0
        return fill_untitled(store)

    def titles(self, instances: list[int]) -> dict[int, str]:
        """The titles people read of these instances (no read check: for rows a list already showed)."""
        from engine.service.titles import shown_title

        if not instances:
            return {}
        self.fill_titles()
        found = self._context.store().titles(tuple(dict.fromkeys(instances)))
        return {number: shown_title(title, name, number) for number, (title, name) in found.items()}

    def task_page(
        self, *, lanes: tuple[str, ...] | None = None, overdue_at: str | None = None, process: str | None = None,
        instance: int | None = None, page: int = 1, per_page: int = 50, lanes_in: tuple[tuple[str, str], ...] = (),
    ) -> tuple[list[TaskView], int]:
        """One page of the ready tasks (oldest first) of the instances the person may read, in these lanes (None:
        all) or, with lanes, in these (lane, process) pairs, and how many match in all."""
        from engine.service.reading import read_scope
        from engine.store.sql_core import matching_lanes

        store = self._context.store()
        if instance is not None:
            from engine.service.reading import check_readable

            check_readable(self._context, instance)
        stored = matching_lanes(store.ready_lanes(), None, lanes) if lanes is not None else None
        query = InstanceQuery(process=process, instance=instance, lanes=stored, overdue_at=overdue_at,
                              offset=(max(page, 1) - 1) * per_page, limit=per_page, scope=read_scope(self._context),
                              lanes_in=lanes_in if stored is not None else ())
        return store.ready_page(query)

    def tasks(
        self, *, instance: int | None = None, lane: str | None = None, lanes: tuple[str, ...] | None = None,
        overdue_at: str | None = None, limit: int | None = None, lanes_in: tuple[tuple[str, str], ...] = (),
    ) -> list[TaskView]:
        """Ready user tasks from the ready-task table, oldest first; lane: one lane; lanes: only those (and, with
        lanes, those in the (lane, process) pairs of lanes_in); overdue_at: only tasks due before that time."""
        from engine.service.reading import read_scope

        if instance is not None:
            self._context.instance_row(instance)
        store = self._context.store()
        scope = read_scope(self._context)
        from engine.common.lanes import lane_key

        pairs = tuple(p for p in lanes_in if lane is None or lane_key(p[0]) == lane_key(lane)) if lanes is not None \
            else ()
        old = store.schema_version() < store.titles_since
        if scope is None and not (pairs and not old):
            return _in_pairs(store.ready_tasks(instance, lane, limit if not pairs else None,
                                               _with_pairs(lanes, pairs), overdue_at), lanes, pairs)[:limit]
        if old:  # read before its upgrade: the rule asked per instance
            from engine.service.reading import may_read

            found = _in_pairs(store.ready_tasks(instance, lane, None, _with_pairs(lanes, pairs), overdue_at),
                              lanes, pairs)
            allowed = {t.instance for t in found if scope is None or may_read(self._context, t.instance, t.process)}
            return [t for t in found if t.instance in allowed][:limit]
        from engine.store.sql_core import matching_lanes

        stored = matching_lanes(store.ready_lanes(), lane, lanes)
        query = InstanceQuery(instance=instance, lanes=stored, overdue_at=overdue_at, scope=scope,
                              limit=limit if limit is not None else 2**62, lanes_in=pairs if stored is not None else ())
        return store.ready_page(query)[0]

    def count_tasks(
        self, *, instance: int | None = None, lane: str | None = None, lanes: tuple[str, ...] | None = None,
        overdue_at: str | None = None, lanes_in: tuple[tuple[str, str], ...] = (),
    ) -> int:
        """How many ready user tasks match (the same filters as `tasks`)."""
        from engine.service.reading import read_scope

        if lanes_in and lanes is not None:
            return len(self.tasks(instance=instance, lane=lane, lanes=lanes, overdue_at=overdue_at, lanes_in=lanes_in))
        if instance is not None:
            self._context.instance_row(instance)
        store = self._context.store()
        scope = read_scope(self._context)
        if scope is None:
            return store.count_ready_tasks(instance, lane, lanes, overdue_at)
        if store.schema_version() < store.titles_since:
            return len(self.tasks(instance=instance, lane=lane, lanes=lanes, overdue_at=overdue_at))
        from engine.store.sql_core import matching_lanes

        stored = matching_lanes(store.ready_lanes(), lane, lanes)
        return store.ready_page(InstanceQuery(instance=instance, lanes=stored, overdue_at=overdue_at, scope=scope,
                                              limit=0, offset=1))[1]

    def migrate_all(self, from_version: str, *, to: str | None = None, dry_run: bool = False) -> list[MigrationResult]:
        """Move every running instance of a version (a hash prefix); each moves (or is refused) on its own."""
        from engine.service.versions import migrate_all

        return migrate_all(self._context, from_version, to=to, dry_run=dry_run)


def _with_pairs(lanes: tuple[str, ...] | None, pairs: tuple[tuple[str, str], ...]) -> tuple[str, ...] | None:
    """The lanes to read ready rows of: those given and those of the (lane, process) pairs (None: every lane)."""
    return None if lanes is None else (*lanes, *(lane for lane, _ in pairs))


def _in_pairs(found: list[TaskView], lanes: tuple[str, ...] | None,
              pairs: tuple[tuple[str, str], ...]) -> list[TaskView]:
    """The ready rows read for lanes and pairs that are in a lane given, or in a pair's lane and process."""
    if not pairs or lanes is None:
        return found
    from engine.common.lanes import lane_key

    anywhere = {lane_key(lane) for lane in lanes}
    limited = {(lane_key(lane), process) for lane, process in pairs}
    return [t for t in found if lane_key(t.lane or "") in anywhere or (lane_key(t.lane or ""), t.process) in limited]


def start_instance(context: EngineContext, process_id: str, data: dict[str, Any] | None, *, actor: str | None,
                   occurrence: str | None = None) -> InstanceView | None:
    """Start an instance on the newest version of a process, pinning that version in the store, by the person
    acting (with --as, actor; checked after the process and its start data); for a timer start event's occurrence,
    by the timer (actor as given), claimed in the same transaction (None when another tick started it already)."""
    from engine.runtime.step_checks import check_start_data
    from engine.runtime.workflow import bundle_spec, new_workflow, root_id, spec_to_text
    from engine.service.transition import Happened, advance

    check_data(data or {}, N_("Start data"))
    definition = context.catalog().get(process_id)
    data = dict(data or {})
    check_start_data(definition, data)
    spec = context.pinned.known_spec(definition.version) or bundle_spec(definition.bundle, definition.file)
    context.pinned.keep_spec(definition.version, spec)
    actor = context.acting(actor) if occurrence is None else str(actor)
    workflow = new_workflow(spec, data)
    now = context.clock()
    try:
        with context.store(create=True).transaction() as tx:
            if occurrence is not None and not tx.claim_timer_start(process_id, occurrence, now):
                raise _Taken
            if tx.get_version(definition.version) is None:
                tx.put_version(VersionRow(definition.version, process_id, definition.name,
                                          canonical_json(definition.bundle), spec_to_text(spec), now))
            # The chain of an instance's events starts from the hash of the version it started on.
            row = InstanceRow(0, process_id, definition.version, "running", now, now, actor, b"", "", 0, 0,
                              definition.version)
            row = row._replace(id=tx.create_instance(row))
            if occurrence is not None:
                tx.set_timer_start(process_id, occurrence, row.id)
            done = advance(tx, row, workflow, [Happened("instance-started", None, root_id(workflow), data)],
                           context.change(actor, now, []), stranded=N_("Starting {process} would leave the instance",
                                                                       process=process_id))
    except _Taken:
        return None
    context.warm.keep(done.row, workflow)
    return instance_view(done.row, done.ready, data)


class _Taken(Exception):
    """A timer start event's occurrence another tick has started: the transaction is rolled back, nothing written."""
