"""The Transaction's reads and writes, written once for both dialects: each store supplies `_run`, `_all` and
`_many`, the instance insert and the timer claim (where their locking differs). Besides the instances' own rows:
attached files, the accounts, login failures and drafts of `sop serve`, and the outbox with its cursors."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from engine.common.errors import StoreError
from engine.common.models import TaskView
from engine.store.accounts_log import (
    ACCOUNTS_LOG_COLUMNS,
    INSERT_ACCOUNTS_EVENT,
    PASSWORD_REHASHED,
    PASSWORD_SET,
    SESSIONS_ENDED,
    THROTTLES_CLEARED,
    account_fact,
    sealed_accounts_event,
)
from engine.store.failpoints import failpoint

if TYPE_CHECKING:
    from engine.store.monev_rows import MonevWrites
    from engine.store.notice_rows import NoticeWrites
from engine.store.protocol import (
    AccountRow,
    AccountsEventRow,
    AttachmentRow,
    BlobRow,
    DraftRow,
    EventRow,
    InstanceRow,
    OutboxRow,
    RolesEventRow,
    StepRow,
    TimerRow,
    VersionRow,
)
from engine.store.sql_core import (
    ACCOUNT_COLUMNS,
    ATTACHMENT_COLUMNS,
    BLOB_COLUMNS,
    DRAFT_COLUMNS,
    EVENT_COLUMNS,
    INSTANCE_COLUMNS,
    OUTBOX_COLUMNS,
    READY_COLUMNS,
    ROLES_COLUMNS,
    STEP_COLUMNS,
    TIMER_COLUMNS,
    VERSION_COLUMNS,
    Dialect,
    instance_row,
    marks,
)

# A new row's columns without its position, which the store assigns.
INSERT_OUTBOX = f"INSERT INTO outbox ({OUTBOX_COLUMNS[10:]}) VALUES ({marks(8)})"
# Ready tasks past due with no task-overdue row yet (a task UUID is ready once: a loop readies a new task).
OVERDUE_UNANNOUNCED = (
    f"SELECT {READY_COLUMNS} FROM ready_tasks r WHERE r.due < ? AND NOT EXISTS (SELECT 1 FROM outbox o "
    "WHERE o.kind = 'task-overdue' AND o.instance_id = r.instance_id AND o.task_uuid = r.task_uuid) "
    "ORDER BY r.due, r.instance_id, r.task_uuid"
)
# Ready tasks due within a window with no task-due-soon row yet (the reminder before the due time, once per task).
DUE_SOON_UNANNOUNCED = (
    f"SELECT {READY_COLUMNS} FROM ready_tasks r WHERE r.due > ? AND r.due <= ? AND NOT EXISTS (SELECT 1 FROM outbox o "
    "WHERE o.kind = 'task-due-soon' AND o.instance_id = r.instance_id AND o.task_uuid = r.task_uuid) "
    "ORDER BY r.due, r.instance_id, r.task_uuid"
)
# The new instance's columns without its id, which the store assigns.
INSERT_INSTANCE = f"INSERT INTO instances ({INSTANCE_COLUMNS[4:]}) VALUES ({marks(12)})"


class SqlTransactionCore(ABC):
    """Every Transaction method both dialects answer with the same SQL (`?` marks); a dialect's transaction
    supplies how a statement runs (`_run`, `_all`, `_many`) and the two writes whose locking differs."""

    dialect: Dialect
    queued: list[tuple[Any, ...]]  # the outbox rows this transaction adds, without positions; set by the dialect

    @abstractmethod
    def _run(self, sql: str, params: tuple[Any, ...] = ()) -> int:
        """Execute one statement; the number of rows it changed."""

    @abstractmethod
    def _all(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        """The rows of one read."""

    @abstractmethod
    def _many(self, sql: str, rows: list[tuple[Any, ...]]) -> None:
        """Execute one statement for each row (nothing for no rows)."""

    def get_version(self, version: str) -> VersionRow | None:
        """A pinned definition version, or None."""
        rows = self._all(f"SELECT {VERSION_COLUMNS} FROM definition_versions WHERE version = ?", (version,))
        return VersionRow(*rows[0]) if rows else None

    def put_version(self, row: VersionRow) -> None:
        """Store a definition version if it is not there yet (versions never change)."""
        self._run(f"INSERT INTO definition_versions ({VERSION_COLUMNS}) VALUES ({marks(6)}) ON CONFLICT DO NOTHING",
                  tuple(row))

    def lock_instance(self, instance_id: int) -> InstanceRow | None:
        """Read an instance under the command's lock (SQLite: BEGIN IMMEDIATE holds it already), or None."""
        sql = f"SELECT {INSTANCE_COLUMNS} FROM instances WHERE id = ?{self.dialect.row_lock}"
        rows = self._all(sql, (instance_id,))
        return instance_row(rows[0]) if rows else None

    def ready_tasks(self, instance_id: int) -> list[TaskView]:
        """The instance's ready tasks, read under the lock."""
        sql = f"SELECT {READY_COLUMNS} FROM ready_tasks WHERE instance_id = ? ORDER BY since, bpmn_id"
        make = TaskView._make
        return [make(r) for r in self._all(sql, (instance_id,))]

    def events(self, instance_id: int) -> list[EventRow]:
        """The instance's events in order, read under the lock."""
        sql = f"SELECT {EVENT_COLUMNS} FROM events WHERE instance_id = ? ORDER BY seq"
        return [EventRow(*r) for r in self._all(sql, (instance_id,))]

    def save_instance(self, row: InstanceRow, expected_row_version: int) -> None:
        """Write the instance's new state; StoreError unless the stored row_version is the expected one."""
        changed = self._run(
            "UPDATE instances SET status = ?, updated_at = ?, state = ?, state_format = ?, row_version = ?, "
            "last_seq = ?, last_hash = ?, version = ?, completed_at = ? WHERE id = ? AND row_version = ?",
            (row.status, row.updated_at, row.state, row.state_format, row.row_version, row.last_seq,
             row.last_hash, row.version, row.completed_at, row.id, expected_row_version),
        )
        if changed != 1:
            raise StoreError("Instance {instance} changed meanwhile; nothing was saved; try again", instance=row.id)
        failpoint("after-state")

    def replace_ready_tasks(self, instance_id: int, rows: list[TaskView]) -> None:
        """Replace the instance's ready-task rows."""
        self._run("DELETE FROM ready_tasks WHERE instance_id = ?", (instance_id,))
        self._many(f"INSERT INTO ready_tasks ({READY_COLUMNS}) VALUES ({marks(12)})",
                   [(instance_id, *r[1:]) for r in rows])

    def instance_words(self, instance_id: int) -> tuple[str | None, str | None]:
        """The instance's title and search words, read under the lock."""
        rows = self._all("SELECT title, search FROM instance_titles WHERE instance_id = ?", (instance_id,))
        return (rows[0][0], rows[0][1]) if rows else (None, None)

    def set_words(self, instance_id: int, title: str, search: str) -> None:
        """Give the instance its title and search words (SQLite's FTS5 index follows by trigger)."""
        self._run("INSERT INTO instance_titles (instance_id, title, search) VALUES (?, ?, ?) ON CONFLICT (instance_id) "
                  "DO UPDATE SET title = excluded.title, search = excluded.search", (instance_id, title, search))

    def forget_untitled(self, instance_id: int) -> None:
        """The instance's title is worked out: it is no longer one of those stored before titles."""
        self._run("DELETE FROM instance_untitled WHERE instance_id = ?", (instance_id,))

    def add_people(self, instance_id: int, logins: tuple[str, ...]) -> None:
        """Record that these logins started or acted on the instance (kept when recorded already)."""
        self._many("INSERT INTO instance_people (login, instance_id) VALUES (?, ?) ON CONFLICT DO NOTHING",
                   [(login, instance_id) for login in dict.fromkeys(logins)])

    def append_event(self, row: EventRow) -> None:
        """Append one event; (instance, seq) is unique."""
        self._run(f"INSERT INTO events ({EVENT_COLUMNS}) VALUES ({marks(11)})", tuple(row))
        failpoint("after-event")

    def timers(self, instance_id: int) -> list[TimerRow]:
        """The instance's waiting boundary timers."""
        sql = f"SELECT {TIMER_COLUMNS} FROM timers WHERE instance_id = ? ORDER BY due, task_uuid"
        return [TimerRow(*r) for r in self._all(sql, (instance_id,))]

    def replace_timers(self, instance_id: int, rows: list[TimerRow]) -> None:
        """Replace the instance's waiting timers."""
        self._run("DELETE FROM timers WHERE instance_id = ?", (instance_id,))
        self._many(f"INSERT INTO timers ({TIMER_COLUMNS}) VALUES ({marks(5)})", [(instance_id, *r[1:]) for r in rows])

    def put_days_off(self, calendar: str, year: int, days: list[str]) -> None:
        """Keep a calendar's days off of one year."""
        import json  # only when a calendar's days off are stored: not on the listing path

        self._run("INSERT INTO days_off (calendar, year, days) VALUES (?, ?, ?) "
                  "ON CONFLICT (calendar, year) DO UPDATE SET days = excluded.days", (calendar, year, json.dumps(days)))

    def step_slas(self, instance_id: int) -> list[str]:
        """The Mutu Baku of each step the instance completed."""
        sql = "SELECT sla FROM steps WHERE instance_id = ? AND done_at IS NOT NULL AND sla IS NOT NULL"
        return [str(r[0]) for r in self._all(sql, (instance_id,))]

    def finish_instance(self, instance_id: int, total: float, budget: float) -> None:
        """Record a completed instance's working time and the sum of its steps' Mutu Baku (seconds)."""
        self._run("INSERT INTO instance_times (instance_id, total, budget) VALUES (?, ?, ?) ON CONFLICT (instance_id) "
                  "DO UPDATE SET total = excluded.total, budget = excluded.budget", (instance_id, total, budget))

    def ready_without_due(self) -> list[TaskView]:
        """Ready tasks with a Mutu Baku but no due time."""
        sql = f"SELECT {READY_COLUMNS} FROM ready_tasks WHERE due IS NULL AND sla IS NOT NULL"
        return [TaskView._make(r) for r in self._all(sql)]

    def set_due(self, instance_id: int, task_uuid: str, due: str) -> None:
        """Give a ready task (and its step record) its due time."""
        for table in ("ready_tasks", "steps"):
            self._run(f"UPDATE {table} SET due = ? WHERE instance_id = ? AND task_uuid = ?",
                      (due, instance_id, task_uuid))

    def claim_timer_start(self, process_id: str, occurrence: str, now: str) -> bool:
        """Claim a timer start event's occurrence for this transaction: its row is written with no instance yet (a
        second claimer waits on the key until the first commits, then finds it taken); False when already taken."""
        self._run("INSERT INTO timer_starts (process_id, occurrence, instance_id, started_at) VALUES (?, ?, NULL, ?) "
                  "ON CONFLICT (process_id, occurrence) DO NOTHING", (process_id, occurrence, now))
        rows = self._all("SELECT instance_id FROM timer_starts WHERE process_id = ? AND occurrence = ?",
                         (process_id, occurrence))
        return bool(rows) and rows[0][0] is None

    def set_timer_start(self, process_id: str, occurrence: str, instance_id: int) -> None:
        """Record the instance a claimed occurrence started."""
        self._run("UPDATE timer_starts SET instance_id = ? WHERE process_id = ? AND occurrence = ?",
                  (instance_id, process_id, occurrence))

    def add_steps(self, rows: list[StepRow]) -> None:
        """Record tasks that became ready (kept when already recorded)."""
        self._many(f"INSERT INTO steps ({STEP_COLUMNS}) VALUES ({marks(13)}) ON CONFLICT DO NOTHING",
                   [tuple(r) for r in rows])

    def retime_steps(self, instance_id: int, rows: list[tuple[str, str | None, str | None]]) -> None:
        """Give recorded steps (task UUID, Mutu Baku, due time) another Mutu Baku and due time (a migration)."""
        self._many("UPDATE steps SET sla = ?, due = ? WHERE instance_id = ? AND task_uuid = ?",
                   [(sla, due, instance_id, uuid) for uuid, sla, due in rows])

    def finish_step(self, instance_id: int, task_uuid: str, done_seq: int, done_at: str, taken: float) -> None:
        """Record the event that completed a task and the working time it took."""
        self._run("UPDATE steps SET done_seq = ?, done_at = ?, taken = ? WHERE instance_id = ? AND task_uuid = ?",
                  (done_seq, done_at, taken, instance_id, task_uuid))

    def insert_rows(self, table: str, columns: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
        """Insert rows as they are, ids included (`sop db copy` into an empty store)."""
        self._many(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks(len(columns))})", rows)

    def roles_in_force(self, exclusive: bool = False) -> RolesEventRow | None:
        """The last roles version applied, or None, locked until commit (shared, or exclusive to apply one)."""
        lock = self.dialect.roles_lock[1 if exclusive else 0]
        if lock:
            self._all(lock)
        rows = self._all(f"SELECT {ROLES_COLUMNS} FROM roles_events ORDER BY seq DESC LIMIT 1")
        return RolesEventRow(*rows[0]) if rows else None

    def append_roles_event(self, row: RolesEventRow) -> None:
        """Append one roles event; seq is unique."""
        self._run(f"INSERT INTO roles_events ({ROLES_COLUMNS}) VALUES ({marks(7)})", tuple(row))

    # -- attached files ----------------------------------------------------------------------------

    def get_blob(self, sha256: str) -> BlobRow | None:
        """A stored file's row, or None."""
        rows = self._all(f"SELECT {BLOB_COLUMNS} FROM blobs WHERE sha256 = ?", (sha256,))
        return BlobRow(*rows[0]) if rows else None

    def put_blob(self, row: BlobRow, chunks: Iterable[bytes], staged: str | None = None) -> bool:
        """Store a file's row and then its chunks one by one; False when it was stored already (staged: for a
        store that keeps files in a folder; this one reads the chunks)."""
        # ON CONFLICT: a second command storing the same file waits for the first one's commit (PostgreSQL),
        # then stores nothing; the first one's chunks are the file's.
        added = self._run(f"INSERT INTO blobs ({BLOB_COLUMNS}) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                          tuple(row))
        if not added:
            return False
        count = 0
        for n, chunk in enumerate(chunks):
            self._run("INSERT INTO blob_chunks (sha256, n, data) VALUES (?, ?, ?)", (row.sha256, n, chunk))
            count += 1
        if count != row.chunks:
            self._run("UPDATE blobs SET chunks = ? WHERE sha256 = ?", (count, row.sha256))
        return True

    def add_attachments(self, rows: list[AttachmentRow]) -> None:
        """Record the files an event's artefact names."""
        self._many(f"INSERT INTO attachments ({ATTACHMENT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                   [tuple(r) for r in rows])

    def delete_blob(self, sha256: str) -> None:
        """Remove a stored file and its chunks."""
        self._run("DELETE FROM blob_chunks WHERE sha256 = ?", (sha256,))
        self._run("DELETE FROM blobs WHERE sha256 = ?", (sha256,))

    # -- accounts, login failures and drafts (`sop serve`) ------------------------------------------

    def get_account(self, login: str) -> AccountRow | None:
        """A login's password hash and who set it when, or None."""
        rows = self._all(f"SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE login = ?", (login,))
        return AccountRow(*rows[0]) if rows else None

    def put_account(self, row: AccountRow, *, rehashed_at: str | None = None) -> None:
        """Set a login's password hash (replacing the one it had) and log it (rehashed_at: the same password
        hashed anew at sign-in then, the login's own act)."""
        self._run(f"INSERT INTO accounts ({ACCOUNT_COLUMNS}) VALUES (?, ?, ?, ?) ON CONFLICT (login) DO UPDATE SET "
                  "password_hash = excluded.password_hash, set_at = excluded.set_at, set_by = excluded.set_by",
                  tuple(row))
        if rehashed_at is not None:
            self.log_account(PASSWORD_REHASHED, row.login, row.login, rehashed_at, account_fact(row))
        else:
            self.log_account(PASSWORD_SET, row.login, row.set_by, row.set_at, account_fact(row))

    def log_account(self, kind: str, login: str, actor: str, time: str, data: dict[str, Any]) -> None:
        """Append one event to the accounts log, chained onto the last one (held against other appends until
        commit)."""
        if self.dialect.accounts_lock:
            self._all(self.dialect.accounts_lock)
        rows = self._all(f"SELECT {ACCOUNTS_LOG_COLUMNS} FROM accounts_events ORDER BY seq DESC LIMIT 1")
        previous = AccountsEventRow(*rows[0]) if rows else None
        if previous is not None and previous.time > time:
            time = previous.time  # a clock that stepped back never dates an event before the one it follows
        row = sealed_accounts_event(previous, kind=kind, login=login, actor=actor, time=time, data=data)
        self._run(INSERT_ACCOUNTS_EVENT, tuple(row))

    def login_failures(self, keys: tuple[str, ...], since: str) -> list[tuple[str, str]]:
        """The (key, time) of each failed login of these keys after `since`, oldest first."""
        sql = (f"SELECT key, at FROM login_failures WHERE key IN ({', '.join('?' * len(keys))}) AND at > ? "
               "ORDER BY at")
        return [(str(k), str(a)) for k, a in self._all(sql, (*keys, since))]

    def add_login_failures(self, keys: tuple[str, ...], at: str, forget_before: str) -> None:
        """Record one failed login under each key, forgetting every failure older than `forget_before`."""
        self._run("DELETE FROM login_failures WHERE at < ?", (forget_before,))
        self._many("INSERT INTO login_failures (key, at) VALUES (?, ?)", [(key, at) for key in keys])

    def lock_login(self, login: str) -> None:
        """Serialize this login's sign-ins until commit (SQLite: BEGIN IMMEDIATE does already)."""
        if self.dialect.login_lock:
            self._all(self.dialect.login_lock, (login,))

    def forget_login_failure(self, keys: tuple[str, ...], at: str) -> None:
        """Remove the failures recorded at `at` under these keys (an attempt that turned out right)."""
        self._run(f"DELETE FROM login_failures WHERE key IN ({', '.join('?' * len(keys))}) AND at = ?", (*keys, at))

    def clear_throttles(self, login: str, at: str, by: str) -> int:
        """Forget every failed sign-in of a login (from every address), logged; how many were forgotten."""
        forgotten = self._run("DELETE FROM login_failures WHERE key = ? OR key LIKE ? ESCAPE '!'",
                              (f"login:{login}", "pair:" + login.replace("!", "!!").replace("%", "!%")
                               .replace("_", "!_") + "|%"))
        self.log_account(THROTTLES_CLEARED, login, by, at, {"forgotten": forgotten})
        return forgotten

    def clear_login_failures(self, key: str) -> None:
        """Forget a key's failed logins (a login that succeeded)."""
        self._run("DELETE FROM login_failures WHERE key = ?", (key,))

    def put_draft(self, row: DraftRow) -> None:
        """Keep a person's unfinished form of a ready task (replacing the one saved before)."""
        self._run(f"INSERT INTO drafts ({DRAFT_COLUMNS}) VALUES (?, ?, ?, ?, ?) ON CONFLICT "
                  "(instance_id, task_uuid, login) DO UPDATE SET data = excluded.data, saved_at = excluded.saved_at",
                  tuple(row))

    def discard_drafts(self, instance_id: int, keep: tuple[str, ...]) -> None:
        """Drop the instance's drafts of tasks other than the ready ones in `keep` (task UUIDs)."""
        if keep:
            self._run(f"DELETE FROM drafts WHERE instance_id = ? AND task_uuid NOT IN ({', '.join('?' * len(keep))})",
                      (instance_id, *keep))
        else:
            self._run("DELETE FROM drafts WHERE instance_id = ?", (instance_id,))

    def end_sessions(self, login: str, at: str, by: str) -> None:
        """End every session of a login signed in before `at` (the time moves only forward)."""
        self._run("INSERT INTO session_ends (login, ended_at, ended_by) VALUES (?, ?, ?) ON CONFLICT (login) DO "
                  "UPDATE SET ended_at = excluded.ended_at, ended_by = excluded.ended_by "
                  "WHERE excluded.ended_at > session_ends.ended_at", (login, at, by))
        self.log_account(SESSIONS_ENDED, login, by, at, {"ended_at": at})

    @property
    def notice_table(self) -> NoticeWrites:
        """The notices table in this transaction (engine/store/notice_rows.py)."""
        from engine.store.notice_rows import NoticeWrites

        return NoticeWrites(self._run, self._all, self.dialect)

    @property
    def monev_log(self) -> MonevWrites:
        """The monitoring log in this transaction (engine/store/monev_rows.py)."""
        from engine.store.monev_rows import MonevWrites

        return MonevWrites(self._run, self._all, self.dialect)

    # -- the outbox: written just before the commit (flush_outbox) ----------------------------------

    def queue_outbox(self, rows: list[OutboxRow]) -> None:
        """Add rows to the outbox in this transaction; written with their positions just before the commit."""
        self.queued.extend(tuple(row)[1:] for row in rows)

    def flush_outbox(self) -> None:
        """Write the queued rows (PostgreSQL: under the outbox lock, held to the commit that follows at once)."""
        if not self.queued:
            return
        if self.dialect.outbox_lock:
            self._all(self.dialect.outbox_lock)
        self._many(INSERT_OUTBOX, self.queued)
        self.queued = []

    def overdue_unannounced(self, now: str) -> list[TaskView]:
        """Ready tasks due before `now` with no task-overdue row yet, held against another command until commit."""
        if self.dialect.outbox_lock:
            self._all(self.dialect.outbox_lock)
        make = TaskView._make
        return [make(r) for r in self._all(OVERDUE_UNANNOUNCED, (now,))]

    def due_soon_unannounced(self, now: str, until: str) -> list[TaskView]:
        """Ready tasks due after `now` and by `until` with no task-due-soon row yet, held like overdue_unannounced."""
        if self.dialect.outbox_lock:
            self._all(self.dialect.outbox_lock)
        make = TaskView._make
        return [make(r) for r in self._all(DUE_SOON_UNANNOUNCED, (now, until))]

    def outbox_end(self) -> int:
        """The last outbox position written (0: none yet)."""
        rows = self._all("SELECT max(position) FROM outbox")
        return int(rows[0][0] or 0) if rows else 0

    def acknowledge(self, consumer: str, position: int, at: str) -> int:
        """Move a consumer's cursor to `position` unless it stands there or later already; where it stands after."""
        self._run("INSERT INTO outbox_cursors (consumer, position, updated_at) VALUES (?, ?, ?) ON CONFLICT (consumer) "
                  "DO UPDATE SET position = excluded.position, updated_at = excluded.updated_at "
                  "WHERE excluded.position > outbox_cursors.position", (consumer, position, at))
        return int(self._all("SELECT position FROM outbox_cursors WHERE consumer = ?", (consumer,))[0][0])
