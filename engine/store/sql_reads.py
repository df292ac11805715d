"""The Store's reads, written once for both dialects: each store supplies `_query` and its Dialect."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from engine.common.models import TaskView
from engine.store.accounts_log import ACCOUNTS_LOG_COLUMNS
from engine.store.protocol import (
    AccountRow,
    AccountsEventRow,
    AttachmentRow,
    BlobRow,
    DraftRow,
    EventRow,
    InstanceQuery,
    InstanceRow,
    ListedInstance,
    MonevEventRow,
    NoticeRow,
    OutboxRow,
    RolesEventRow,
    StepRow,
    TimerRow,
    VersionCount,
    VersionRow,
)
from engine.store.sql_core import (
    ACCOUNT_COLUMNS,
    ATTACHMENT_COLUMNS,
    BLOB_COLUMNS,
    DRAFT_COLUMNS,
    EVENT_COLUMNS,
    OUTBOX_COLUMNS,
    READY_COLUMNS,
    READY_COLUMNS_UNCLAIMED,
    ROLES_COLUMNS,
    STEP_COLUMNS,
    TIMER_COLUMNS,
    VERSION_COLUMNS,
    Dialect,
    completed_column,
    done_window,
    instance_columns,
    instance_row,
    matching_lanes,
    plain_row,
    ready_where,
    where_equal,
    window,
)

if TYPE_CHECKING:
    from engine.store.file_folder import FileFolder

InstanceTime = tuple[int, str, str, str, float | None, float | None, str | None]


class SqlStoreReads(ABC):
    """Every read of the Store protocol that both dialects answer with the same SQL."""

    dialect: Dialect
    roles_since: int  # the first schema version with the roles log
    files_since: int  # ... with attached files
    accounts_since: int  # ... with the accounts and drafts of `sop serve`
    outbox_since: int  # ... with the outbox
    sessions_since: int  # ... with the session ends
    accounts_log_since: int  # ... with the accounts log
    titles_since: int  # ... with titles, search words and each instance's people
    notices_since: int  # ... with notices
    monev_since: int  # ... with the monitoring log
    timer_starts_since: int  # ... with the timer start events' occurrences
    completed_since: int  # ... with each instance's completion time

    @abstractmethod
    def schema_version(self) -> int:
        """The store's schema version; 0 when the store does not exist yet."""

    @abstractmethod
    def _query(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        """The rows of one read (`?` marks); none when the store does not exist yet."""

    def get_instance(self, instance_id: int) -> InstanceRow | None:
        """An instance with its state, or None."""
        sql = f"SELECT {instance_columns(self._has_completed())} FROM instances i WHERE i.id = ?"
        rows = self._query(sql, (instance_id,))
        return instance_row(rows[0]) if rows else None

    def list_instances(self, status: str | None = None, process_id: str | None = None) -> list[InstanceRow]:
        """Instances without their state (state is empty), by id."""
        sql = (f"SELECT i.id, i.process_id, i.version, i.status, i.started_at, i.updated_at, i.started_by, "
               f"{self.dialect.empty_bytes}, i.state_format, i.row_version, i.last_seq, i.last_hash, "
               f"{completed_column('i', self._has_completed())} FROM instances i")
        where, params = where_equal({"i.status": status, "i.process_id": process_id})
        return [instance_row(r) for r in self._query(sql + where + " ORDER BY i.id", params)]

    def _has_completed(self) -> bool:
        """True when the store keeps each instance's completion time (else it is read from its events)."""
        return self.schema_version() >= self.completed_since

    def ready_tasks(
        self, instance_id: int | None = None, lane: str | None = None, limit: int | None = None,
        lanes: tuple[str, ...] | None = None, overdue_at: str | None = None,
    ) -> list[TaskView]:
        """Ready tasks, oldest first; lane/lanes matched ignoring case and extra spaces."""
        names = self._lane_names(lane, lanes)
        columns = READY_COLUMNS if self._has_accounts() else READY_COLUMNS_UNCLAIMED
        sql, params = ready_where(f"SELECT {columns} FROM ready_tasks", instance_id, names, overdue_at)
        sql += " ORDER BY since, instance_id, bpmn_id"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        make = TaskView._make
        return [make(r) for r in self._query(sql, params)]

    def count_ready_tasks(
        self, instance_id: int | None = None, lane: str | None = None, lanes: tuple[str, ...] | None = None,
        overdue_at: str | None = None,
    ) -> int:
        """How many ready tasks match."""
        names = self._lane_names(lane, lanes)
        sql, params = ready_where("SELECT count(*) FROM ready_tasks", instance_id, names, overdue_at)
        rows = self._query(sql, params)
        return int(rows[0][0]) if rows else 0

    def _lane_names(self, lane: str | None, lanes: tuple[str, ...] | None) -> tuple[str, ...] | None:
        """The stored lane names the filters stand for (read only when a filter is given)."""
        if lane is None and lanes is None:
            return None
        return matching_lanes(self.ready_lanes(), lane, lanes)

    def ready_lanes(self) -> list[str]:
        """The distinct lanes of the ready tasks."""
        # one index probe per lane (a skip scan of ready_tasks_lane_order), not a pass over every ready row
        sql = ("WITH RECURSIVE found(lane) AS (SELECT min(lane) FROM ready_tasks UNION ALL "
               "SELECT (SELECT min(r.lane) FROM ready_tasks r WHERE r.lane > found.lane) FROM found "
               "WHERE found.lane IS NOT NULL) SELECT lane FROM found WHERE lane IS NOT NULL")
        return [str(r[0]) for r in self._query(sql)]

    def days_off(self, calendar: str) -> dict[int, list[str]]:
        """The days off kept for a calendar, by year."""
        rows = self._query("SELECT year, days FROM days_off WHERE calendar = ?", (calendar,))
        import json  # only commands that read days off need it, not `sop tasks`

        return {int(year): json.loads(str(days)) for year, days in rows}

    def has_ready_without_due(self) -> bool:
        """True when some ready task has a Mutu Baku but no due time yet."""
        return bool(self._query("SELECT 1 FROM ready_tasks WHERE due IS NULL AND sla IS NOT NULL LIMIT 1"))

    def steps(self, process_id: str | None, since: str | None, until: str | None) -> list[tuple[Any, ...]]:
        """Completed steps whose completion falls in [since, until)."""
        sql = ("SELECT i.process_id, s.bpmn_id, s.name, s.lane, s.sla, s.ready_at, s.done_at, s.due, s.taken "
               "FROM steps s JOIN instances i ON i.id = s.instance_id WHERE s.done_at IS NOT NULL")
        sql, params = window(sql, "s.done_at", process_id, since, until)
        return self._query(sql, params)

    def taken_times(self, process_id: str, since: str | None, until: str | None) -> list[tuple[Any, ...]]:
        """(BPMN id, working seconds taken) of the process's steps completed in [since, until), in that order."""
        where, params = done_window(process_id, since, until)
        return self._query(f"SELECT bpmn_id, taken FROM steps WHERE {where} ORDER BY process_id, bpmn_id, taken",
                           params)

    def has_unmeasured_steps(self, process_id: str | None, since: str | None, until: str | None) -> bool:
        """True when a completed step in the window lacks its recorded time taken or due time."""
        where, params = done_window(process_id, since, until)
        sql = (f"SELECT 1 FROM {self.dialect.unmeasured_steps} WHERE {where} "
               "AND (taken IS NULL OR (due IS NULL AND sla IS NOT NULL)) LIMIT 1")
        return bool(self._query(sql, params))

    def instance_times(
        self, process_id: str | None, since: str | None, until: str | None, late_only: bool = False
    ) -> tuple[int, list[InstanceTime]]:
        """How many instances started in the window completed, and those instances with their times."""
        base = "FROM instances i LEFT JOIN instance_times t ON t.instance_id = i.id WHERE i.status = 'completed'"
        base, params = window(base, "i.started_at", process_id, since, until)
        counted = self._query(f"SELECT count(*) {base}", params)
        count = int(counted[0][0]) if counted else 0
        if late_only:
            base += " AND (t.total IS NULL OR t.total > t.budget)"
        done = completed_column("i", self._has_completed())
        sql = (f"SELECT i.id, i.process_id, i.started_at, {done}, t.total, t.budget, CASE WHEN t.total IS NULL "
               f"THEN (SELECT {self.dialect.concat_slas} FROM steps s WHERE s.instance_id = i.id "
               f"AND s.done_at IS NOT NULL) END {base} ORDER BY i.id")
        return count, [(int(r[0]), *r[1:]) for r in self._query(sql, params)]

    def events(self, instance_id: int) -> list[EventRow]:
        """An instance's events in order."""
        rows = self._query(f"SELECT {EVENT_COLUMNS} FROM events WHERE instance_id = ? ORDER BY seq", (instance_id,))
        return [EventRow(*r) for r in rows]

    def event_instance_ids(self) -> list[int]:
        """Every instance id that has events."""
        return [int(r[0]) for r in self._query("SELECT DISTINCT instance_id FROM events ORDER BY instance_id")]

    def get_version(self, version: str) -> VersionRow | None:
        """A pinned definition version, or None."""
        rows = self._query(f"SELECT {VERSION_COLUMNS} FROM definition_versions WHERE version = ?", (version,))
        return VersionRow(*rows[0]) if rows else None

    def list_versions(self) -> list[VersionCount]:
        """Every pinned version with when it was first used and how many instances run on it."""
        rows = self._query(
            "SELECT d.version, d.process_id, d.name, d.created_at, count(CASE WHEN i.status = 'running' THEN 1 END), "
            "count(i.id) FROM definition_versions d LEFT JOIN instances i ON i.version = d.version "
            "GROUP BY d.version, d.process_id, d.name, d.created_at ORDER BY d.process_id, d.created_at")
        return [VersionCount(*r) for r in rows]

    def table_rows(self, table: str, columns: tuple[str, ...]) -> list[tuple[Any, ...]]:
        """Every row of one of the store's tables, in primary-key order."""
        rows = self._query(f"SELECT {', '.join(columns)} FROM {table} ORDER BY {columns[0]}, {columns[1]}")
        return [plain_row(r) for r in rows]

    def roles_events(self) -> list[RolesEventRow]:
        """Every roles version applied, in order (none before the store had the roles log)."""
        if self.schema_version() < self.roles_since:
            return []
        return [RolesEventRow(*r) for r in self._query(f"SELECT {ROLES_COLUMNS} FROM roles_events ORDER BY seq")]

    def roles_event_last(self) -> RolesEventRow | None:
        """The roles version in force (the last applied), or None: one row, not the whole log."""
        if self.schema_version() < self.roles_since:
            return None
        rows = self._query(f"SELECT {ROLES_COLUMNS} FROM roles_events ORDER BY seq DESC LIMIT 1")
        return RolesEventRow(*rows[0]) if rows else None

    def instance_steps(self, instance_id: int) -> list[StepRow]:
        """The instance's step records, by ready event and UUID."""
        sql = f"SELECT {STEP_COLUMNS} FROM steps WHERE instance_id = ? ORDER BY ready_seq, task_uuid"
        return [StepRow(*r) for r in self._query(sql, (instance_id,))]

    def instance_timers(self, instance_id: int) -> list[TimerRow]:
        """The instance's waiting timers, by UUID."""
        sql = f"SELECT {TIMER_COLUMNS} FROM timers WHERE instance_id = ? ORDER BY task_uuid"
        return [TimerRow(*r) for r in self._query(sql, (instance_id,))]

    def instance_time(self, instance_id: int) -> tuple[Any, Any] | None:
        """A completed instance's recorded (total, budget) working seconds as stored, or None."""
        rows = self._query("SELECT total, budget FROM instance_times WHERE instance_id = ?", (instance_id,))
        return (rows[0][0], rows[0][1]) if rows else None

    # -- attached files ----------------------------------------------------------------------------

    def _has_files(self) -> bool:
        return self.schema_version() >= self.files_since

    def attachments(self, instance_id: int | None = None) -> list[AttachmentRow]:
        """The files the events name (of one instance, or all), by instance, event, field and position."""
        if not self._has_files():
            return []
        where, params = (" WHERE instance_id = ?", (instance_id,)) if instance_id is not None else ("", ())
        rows = self._query(f"SELECT {ATTACHMENT_COLUMNS} FROM attachments{where} "
                           "ORDER BY instance_id, seq, field, position", params)
        return [AttachmentRow(*r) for r in rows]

    def blob(self, sha256: str) -> BlobRow | None:
        """A stored file's row, or None."""
        if not self._has_files():
            return None
        rows = self._query(f"SELECT {BLOB_COLUMNS} FROM blobs WHERE sha256 = ?", (sha256,))
        return BlobRow(*rows[0]) if rows else None

    def blob_chunks(self, sha256: str) -> Iterator[bytes]:
        """A stored file's bytes, one chunk per query, in order (a chunk missing ends them early)."""
        if not self._has_files():
            return
        numbers = [int(r[0]) for r in self._query("SELECT n FROM blob_chunks WHERE sha256 = ? ORDER BY n",
                                                  (sha256,))]
        for n in numbers:
            rows = self._query("SELECT data FROM blob_chunks WHERE sha256 = ? AND n = ?", (sha256, n))
            if rows:
                yield bytes(rows[0][0])

    def file_stage(self) -> FileFolder | None:
        """Where a command copies a new file before it locks the store; None: the store reads it in chunks."""
        return None

    def stray_files(self) -> list[str]:
        """Files beside the store that no row names (a store that keeps files in a folder); none here."""
        return []

    def unreferenced_blobs(self) -> list[BlobRow]:
        """Stored files no event names any more."""
        if not self._has_files():
            return []
        rows = self._query(f"SELECT {BLOB_COLUMNS} FROM blobs b WHERE NOT EXISTS "
                           "(SELECT 1 FROM attachments a WHERE a.sha256 = b.sha256) ORDER BY sha256")
        return [BlobRow(*r) for r in rows]

    # -- accounts and drafts (`sop serve`) -----------------------------------------------------------

    def _has_accounts(self) -> bool:
        return self.schema_version() >= self.accounts_since

    def account(self, login: str) -> AccountRow | None:
        """A login's password hash and who set it when, or None."""
        if not self._has_accounts():
            return None
        rows = self._query(f"SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE login = ?", (login,))
        return AccountRow(*rows[0]) if rows else None

    def draft(self, instance_id: int, task_uuid: str, login: str) -> DraftRow | None:
        """A person's saved draft of a ready task, or None."""
        if not self._has_accounts():
            return None
        rows = self._query(f"SELECT {DRAFT_COLUMNS} FROM drafts WHERE instance_id = ? AND task_uuid = ? AND login = ?",
                           (instance_id, task_uuid, login))
        return DraftRow(*rows[0]) if rows else None

    def login_failure_counts(self, since: str) -> list[tuple[str, int, str]]:
        """(key, failures, the last one) of every throttle key with failures after `since`, most failures first."""
        if not self._has_accounts():
            return []
        rows = self._query("SELECT key, count(*), max(at) FROM login_failures WHERE at > ? GROUP BY key "
                           "ORDER BY count(*) DESC, key", (since,))
        return [(str(k), int(n), str(last)) for k, n, last in rows]

    def sessions_ended(self, login: str) -> str | None:
        """When a login's sessions were last ended (sessions signed in before are over), or None."""
        if self.schema_version() < self.sessions_since:
            return None
        rows = self._query("SELECT ended_at FROM session_ends WHERE login = ?", (login,))
        return str(rows[0][0]) if rows else None

    def accounts_events(self) -> list[AccountsEventRow]:
        """The accounts log in order (none before the store had it)."""
        if self.schema_version() < self.accounts_log_since:
            return []
        return [AccountsEventRow(*r) for r in
                self._query(f"SELECT {ACCOUNTS_LOG_COLUMNS} FROM accounts_events ORDER BY seq")]

    def all_accounts(self) -> list[AccountRow]:
        """Every account, by login (none before the store had accounts)."""
        if not self._has_accounts():
            return []
        return [AccountRow(*r) for r in self._query(f"SELECT {ACCOUNT_COLUMNS} FROM accounts ORDER BY login")]

    def all_session_ends(self) -> list[tuple[str, str, str]]:
        """Every (login, ended_at, ended_by) of the session ends, by login."""
        if self.schema_version() < self.sessions_since:
            return []
        return [(str(a), str(b), str(c)) for a, b, c in
                self._query("SELECT login, ended_at, ended_by FROM session_ends ORDER BY login")]

    # -- the outbox ----------------------------------------------------------------------------------

    def outbox(self, after: int, limit: int) -> list[OutboxRow]:
        """At most `limit` outbox rows after a position, in position order."""
        if self.schema_version() < self.outbox_since:
            return []
        sql = f"SELECT {OUTBOX_COLUMNS} FROM outbox WHERE position > ? ORDER BY position LIMIT {int(limit)}"
        return [OutboxRow(*r) for r in self._query(sql, (after,))]

    def outbox_cursor(self, consumer: str) -> int:
        """The last position a consumer acknowledged (0: a consumer not seen yet)."""
        if self.schema_version() < self.outbox_since:
            return 0
        rows = self._query("SELECT position FROM outbox_cursors WHERE consumer = ?", (consumer,))
        return int(rows[0][0]) if rows else 0

    def notices(self, states: tuple[str, ...], limit: int) -> list[NoticeRow]:
        """The newest notices in these states (every state: ()), newest first."""
        from engine.store.notice_rows import NoticeReads

        return NoticeReads(self._query).listed(states=states, limit=limit) if self._has_notices() else []

    def notice_counts(self) -> dict[str, int]:
        """How many notices are in each state."""
        from engine.store.notice_rows import NoticeReads

        return NoticeReads(self._query).counts() if self._has_notices() else {}

    def _has_notices(self) -> bool:
        return self.schema_version() >= self.notices_since

    # -- the monitoring form of the SOPs -------------------------------------------------------------

    def timer_starts(self, process_id: str) -> list[tuple[str, int | None, str]]:
        """(occurrence, instance, started at) of each timer start occurrence of a process started, oldest first."""
        if self.schema_version() < self.timer_starts_since:
            return []
        return [(str(o), None if i is None else int(i), str(t)) for o, i, t in self._query(
            "SELECT occurrence, instance_id, started_at FROM timer_starts WHERE process_id = ? ORDER BY occurrence",
            (process_id,))]

    def monev_events(self, process_id: str | None = None) -> list[MonevEventRow]:
        """The monitoring log in order, of one process or all (none before the store had it)."""
        from engine.store.monev_rows import MonevReads

        return MonevReads(self._query).events(process_id) if self.schema_version() >= self.monev_since else []

    def monitoring_counts(self, process_id: str, since: str, until: str, now: str) -> dict[str, tuple[int, int]]:
        """Per step: returns for revision reopening it in [since, until), and its ready tasks overdue at `now`."""
        from engine.store.monev_rows import MonevReads

        return MonevReads(self._query).step_counts(process_id, since, until, now)

    # -- the dashboard's figures (engine/store/sql_figures.py) ------------------------------------------

    def waiting_counts(
        self, now: str, *, by: str, processes: tuple[str, ...] | None = None, limit: int = 50
    ) -> list[tuple[str, str | None, int, int]]:
        """Ready tasks now by lane, step or claiming person: (process id, key, waiting, overdue), most first."""
        from engine.store.sql_figures import FigureReads

        return FigureReads(self._query, claims=self._has_accounts()).waiting_counts(now, by, processes, limit)

    def overdue_tasks(
        self, now: str, *, processes: tuple[str, ...] | None = None, limit: int = 10
    ) -> tuple[list[TaskView], int]:
        """The longest-overdue ready tasks (at most `limit`) and how many are overdue in all."""
        from engine.store.sql_figures import FigureReads

        return FigureReads(self._query, claims=self._has_accounts()).overdue_tasks(now, processes, limit)

    def on_time_by_period(
        self, bounds: tuple[str, ...], *, processes: tuple[str, ...] | None = None
    ) -> list[tuple[str, str, int, int, int, int]]:
        """Steps completed per process, step and period: (process, step, period, completed, with a due time, on
        time)."""
        from engine.store.sql_figures import FigureReads

        return FigureReads(self._query, claims=False).on_time_by_period(bounds, processes)

    def instance_medians(
        self, bounds: tuple[str, ...], *, processes: tuple[str, ...] | None = None
    ) -> list[tuple[str, int, int, int, float, float]]:
        """Measured instances completed per process and period: (process, period, count, within budget, median
        seconds, median budget)."""
        from engine.store.sql_figures import FigureReads

        reads = FigureReads(self._query, claims=False, percentile=self.dialect.percentile,
                            completed=self._has_completed())
        return reads.instance_medians(bounds, processes)

    def started_finished(
        self, bounds: tuple[str, ...], *, processes: tuple[str, ...] | None = None
    ) -> list[tuple[int, int, int]]:
        """Instances started and completed per period: (period, started, completed)."""
        from engine.store.sql_figures import FigureReads

        return FigureReads(self._query, claims=False, completed=self._has_completed()).started_finished(bounds,
                                                                                                       processes)

    # -- titles and finding requests -----------------------------------------------------------------

    def search_instances(self, query: InstanceQuery) -> tuple[list[ListedInstance], int]:
        """One page of the instances a query finds, and how many it finds in all."""
        from engine.store.sql_search import listed_sql, search_sql

        page, count, params = search_sql(query, self.dialect)
        numbers = [int(r[0]) for r in self._query(page, params)]
        found: dict[int, ListedInstance] = {}
        for start in range(0, len(numbers), 500):
            part = tuple(numbers[start:start + 500])
            found.update({int(r[0]): ListedInstance._make((int(r[0]), *r[1:6], int(r[6]), *r[7:]))
                          for r in self._query(listed_sql(len(part)), part)})
        rows = [found[n] for n in numbers if n in found]
        if query.offset == 0 and len(rows) < query.limit:
            return rows, len(rows)  # the whole answer is on this page: no count needed
        counted = self._query(count, params)
        return rows, int(counted[0][0]) if counted else 0

    def ready_page(self, query: InstanceQuery) -> tuple[list[TaskView], int]:
        """One page of the ready tasks of the instances a query finds (oldest first), and how many in all."""
        from engine.store.sql_search import ready_page_sql

        page, count, params = ready_page_sql(query)
        make = TaskView._make
        rows = [make(r) for r in self._query(page, params)]
        if query.offset == 0 and len(rows) < query.limit:
            return rows, len(rows)
        counted = self._query(count, params)
        return rows, int(counted[0][0]) if counted else 0

    def titles(self, instance_ids: tuple[int, ...]) -> dict[int, tuple[str | None, str]]:
        """Each instance's title and its process's name."""
        found: dict[int, tuple[str | None, str]] = {}
        for start in range(0, len(instance_ids), 500):  # a bounded number of parameters per statement
            part = instance_ids[start:start + 500]
            sql = ("SELECT i.id, t.title, coalesce((SELECT d.name FROM definition_versions d WHERE "
                   "d.version = i.version), i.process_id) FROM instances i LEFT JOIN instance_titles t ON "
                   f"t.instance_id = i.id WHERE i.id IN ({', '.join('?' * len(part))})")
            found.update({int(r[0]): (r[1], str(r[2])) for r in self._query(sql, part)})
        return found

    def is_person_of(self, instance_id: int, login: str) -> bool:
        """True when the login started or acted on the instance (read from its events: a handful per instance, and
        right in a store copied or upgraded before the engine recorded its people)."""
        return bool(self._query("SELECT 1 FROM events WHERE instance_id = ? AND (actor = ? OR operator = ?) LIMIT 1",
                                (instance_id, login, login)))

    def untitled(self, limit: int) -> list[int]:
        """Instances whose title and search words the engine has not worked out yet."""
        if self.schema_version() < self.titles_since:
            return []
        sql = f"SELECT instance_id FROM instance_untitled ORDER BY instance_id LIMIT {int(limit)}"
        return [int(r[0]) for r in self._query(sql)]
