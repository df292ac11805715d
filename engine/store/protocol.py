"""The store interface: rows in and out, one transaction per command; SQLite or PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

from engine.common.models import TaskView

if TYPE_CHECKING:
    from engine.store.file_folder import FileFolder


class VersionRow(NamedTuple):
    """A pinned definition version: the bundle of file texts and the spec serialized once."""

    version: str
    process_id: str
    name: str
    bundle: str
    spec: str
    created_at: str


class VersionCount(NamedTuple):
    """A pinned version, when it was first used, and how many instances it carries (running, all)."""

    version: str
    process_id: str
    name: str
    created_at: str
    running: int
    instances: int


class InstanceRow(NamedTuple):
    """An instance: indexed columns, opaque versioned state, and the head of its event chain."""

    id: int
    process_id: str
    version: str
    status: str
    started_at: str
    updated_at: str
    started_by: str
    state: bytes
    state_format: str
    row_version: int
    last_seq: int
    last_hash: str
    completed_at: str | None = None  # its instance-completed event's time; None while it runs


class EventRow(NamedTuple):
    """One entry of an instance's append-only, hash-chained event log."""

    instance_id: int
    seq: int
    type: str
    time: str
    task: str | None
    task_uuid: str | None
    actor: str
    operator: str
    version: str
    data: str
    hash: str


class TimerRow(NamedTuple):
    """A boundary timer waiting on a ready task: when it is due, `sop tick` fires it."""

    instance_id: int
    task_uuid: str
    bpmn_id: str
    attached_to: str
    due: str


class StepRow(NamedTuple):
    """A user task of an instance from the event that made it ready to the one that completed it."""

    instance_id: int
    task_uuid: str
    bpmn_id: str
    name: str
    lane: str | None
    sla: str | None
    ready_seq: int
    ready_at: str
    due: str | None
    done_seq: int | None = None
    done_at: str | None = None
    taken: float | None = None
    process_id: str = ""


class RolesEventRow(NamedTuple):
    """One `sop roles apply`: who pinned which roles version (the people as canonical JSON), hash-chained."""

    seq: int
    time: str
    actor: str
    version: str
    source: str
    people: str
    hash: str


class AttachmentRow(NamedTuple):
    """A stored file an event's artefact names: which event, task and field (position in a list), and the file."""

    instance_id: int
    seq: int
    task: str
    field: str
    position: int
    sha256: str
    name: str
    media_type: str
    size: int


class BlobRow(NamedTuple):
    """A file stored once by its SHA-256: its size, media type and number of 1 MiB chunks."""

    sha256: str
    size: int
    media_type: str
    chunks: int
    created_at: str


class AccountRow(NamedTuple):
    """A person's password for `sop serve`: the Argon2 hash, when it was set and by whom."""

    login: str
    password_hash: str
    set_at: str
    set_by: str


class AccountsEventRow(NamedTuple):
    """One entry of the hash-chained accounts log: a password set, throttles cleared or sessions ended (kind), of
    which login, by whom, when; data as canonical JSON (never a password hash)."""

    seq: int
    time: str
    kind: str
    login: str
    actor: str
    data: str
    hash: str


class MonevEventRow(NamedTuple):
    """One entry of the monitoring log (engine/store/monev_rows.py): a step's note (kind `note`, item: the step's
    BPMN id) or an evaluation (kind `evaluation`, item ''), of which process and period (`2026-2`), by whom, when;
    data as canonical JSON."""

    seq: int
    time: str
    kind: str
    process_id: str
    period: str
    item: str
    actor: str
    data: str
    hash: str


class MonevLog(Protocol):
    """The monitoring log in one transaction: append only."""

    def append(self, row: MonevEventRow, data: dict[str, Any]) -> MonevEventRow:
        """Append one event, numbered and chained onto the last one; the row as written."""


class DraftRow(NamedTuple):
    """A person's unfinished form of a ready task (canonical JSON): not an artefact, no event."""

    instance_id: int
    task_uuid: str
    login: str
    data: str
    saved_at: str


class OutboxRow(NamedTuple):
    """One outbox row: its position (given by the store as it writes the row), what happened, where, who, when,
    and a small payload as canonical JSON. Not chained and not an audit record: a queue for work after commit."""

    position: int
    kind: str
    instance_id: int
    task: str | None
    task_uuid: str | None
    lane: str | None
    actor: str
    time: str
    data: str


class ReadScope(NamedTuple):
    """The instances one person may read, as a store filters them: those of the processes where they hold a lane
    other than the start lane, and those they started or acted on."""

    login: str
    processes: tuple[str, ...] = ()


class InstanceQuery(NamedTuple):
    """A search of the instances: words (every one must begin a word of the title or an artefact's text), filters,
    an order and a page; scope: only what one person may read (None: all); mine: only what this login started or
    acted on."""

    words: tuple[str, ...] = ()
    process: str | None = None
    status: str | None = None
    waiting: str | None = None  # the BPMN id of a ready step
    lanes: tuple[str, ...] | None = None  # a ready step in one of these stored lane names
    lanes_in: tuple[tuple[str, str], ...] = ()  # with lanes: or in one of these (stored lane name, process)
    overdue_at: str | None = None  # a ready step due before this time
    started_from: str | None = None
    started_until: str | None = None  # started before this time
    sort: str = "updated"  # "updated" (last change, newest first), "started" (newest first), "due" (soonest first)
    offset: int = 0
    limit: int = 50
    scope: ReadScope | None = None
    mine: str | None = None
    instance: int | None = None


class ListedInstance(NamedTuple):
    """One row of a search: the instance's indexed columns, its title ('' before its title fields are entered;
    None before the engine worked it out), its process's name and its soonest due time."""

    id: int
    process_id: str
    status: str
    started_at: str
    updated_at: str
    started_by: str
    last_seq: int
    title: str | None
    process_name: str
    due: str | None


class Transaction(Protocol):
    """The reads and writes of one command, all or nothing; an implementation holds the instance's lock
    (SQLite: BEGIN IMMEDIATE; PostgreSQL: SELECT ... FOR UPDATE) from lock_instance to the commit."""

    def get_version(self, version: str) -> VersionRow | None:
        """A pinned definition version, or None."""
    def put_version(self, row: VersionRow) -> None:
        """Store a definition version if it is not there yet (versions never change)."""
    def create_instance(self, row: InstanceRow) -> int:
        """Insert an instance (row.id is ignored) and return its new id."""
    def lock_instance(self, instance_id: int) -> InstanceRow | None:
        """Read an instance under the command's lock, or None."""
    def ready_tasks(self, instance_id: int) -> list[TaskView]:
        """The instance's ready tasks, read under the lock."""
    def events(self, instance_id: int) -> list[EventRow]:
        """The instance's events in order, read under the lock."""
    def save_instance(self, row: InstanceRow, expected_row_version: int) -> None:
        """Write the instance's new state; StoreError unless the stored row_version is the expected one."""
    def replace_ready_tasks(self, instance_id: int, rows: list[TaskView]) -> None:
        """Replace the instance's ready-task rows."""
    def append_event(self, row: EventRow) -> None:
        """Append one event; (instance, seq) is unique."""
    def timers(self, instance_id: int) -> list[TimerRow]:
        """The instance's waiting boundary timers."""
    def replace_timers(self, instance_id: int, rows: list[TimerRow]) -> None:
        """Replace the instance's waiting timers."""
    def claim_due_timer(self, now: str, skip: set[tuple[int, str]]) -> TimerRow | None:
        """The earliest timer due at `now` that no other command holds, locked until commit (SQLite: the write
        lock; PostgreSQL: SELECT ... WHERE due <= now ORDER BY due LIMIT 1 FOR UPDATE SKIP LOCKED)."""
    def ready_without_due(self) -> list[TaskView]:
        """Ready tasks with a Mutu Baku but no due time (ready before the store had due times)."""
    def set_due(self, instance_id: int, task_uuid: str, due: str) -> None:
        """Give a ready task its due time."""
    def add_steps(self, rows: list[StepRow]) -> None:
        """Record tasks that became ready (kept when already recorded)."""
    def claim_timer_start(self, process_id: str, occurrence: str, now: str) -> bool:
        """Claim a timer start event's occurrence for this transaction: False when another already started it."""
    def set_timer_start(self, process_id: str, occurrence: str, instance_id: int) -> None:
        """Record the instance a claimed occurrence started."""
    def finish_step(self, instance_id: int, task_uuid: str, done_seq: int, done_at: str, taken: float) -> None:
        """Record the event that completed a task and the working time it took."""
    def retime_steps(self, instance_id: int, rows: list[tuple[str, str | None, str | None]]) -> None:
        """Give recorded steps (task UUID, Mutu Baku, due time) another Mutu Baku and due time (a migration)."""
    def put_days_off(self, calendar: str, year: int, days: list[str]) -> None:
        """Keep a calendar's days off of one year (computing them imports the holidays package: 0.2 s)."""
    def step_slas(self, instance_id: int) -> list[str]:
        """The Mutu Baku of each step the instance completed."""
    def finish_instance(self, instance_id: int, total: float, budget: float) -> None:
        """Record a completed instance's working time and the sum of its steps' Mutu Baku (seconds)."""
    def insert_rows(self, table: str, columns: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
        """Insert rows as they are, ids included (`sop db copy` into an empty store)."""
    def roles_in_force(self, exclusive: bool = False) -> RolesEventRow | None:
        """The last roles version applied, or None; held until commit (PostgreSQL: an advisory lock, shared by
        completions, exclusive for `sop roles apply`; SQLite: BEGIN IMMEDIATE holds it already)."""
    def append_roles_event(self, row: RolesEventRow) -> None:
        """Append one roles event; seq is unique."""
    def get_blob(self, sha256: str) -> BlobRow | None:
        """A stored file's row, or None (PostgreSQL: waits for another command storing the same file)."""
    def put_blob(self, row: BlobRow, chunks: Iterable[bytes], staged: str | None = None) -> bool:
        """Store a file's row and its chunks, one at a time; False (nothing read) when it is stored already.
        staged: the file's durable copy from the store's file_stage(), which such a store renames into place
        instead of reading chunks."""
    def add_attachments(self, rows: list[AttachmentRow]) -> None:
        """Record the files an event's artefact names."""
    def delete_blob(self, sha256: str) -> None:
        """Remove a stored file and its chunks (`sop db gc`)."""
    def get_account(self, login: str) -> AccountRow | None:
        """A login's password hash and who set it when, or None."""
    def put_account(self, row: AccountRow, *, rehashed_at: str | None = None) -> None:
        """Set a login's password hash (replacing the one it had) and log it in the accounts log (rehashed_at: the
        same password hashed anew at sign-in then, logged as the login's own act)."""
    def login_failures(self, keys: tuple[str, ...], since: str) -> list[tuple[str, str]]:
        """The (key, time) of each failed login of these keys after `since`, oldest first."""
    def add_login_failures(self, keys: tuple[str, ...], at: str, forget_before: str) -> None:
        """Record one failed login under each key, forgetting every failure older than `forget_before`."""
    def clear_login_failures(self, key: str) -> None:
        """Forget a key's failed logins (a login that succeeded)."""
    def put_draft(self, row: DraftRow) -> None:
        """Keep a person's unfinished form of a ready task (replacing the one saved before)."""
    def discard_drafts(self, instance_id: int, keep: tuple[str, ...]) -> None:
        """Drop the instance's drafts of tasks other than the ready ones in `keep` (task UUIDs)."""
    def queue_outbox(self, rows: list[OutboxRow]) -> None:
        """Add rows to the outbox in this transaction (row.position is ignored): the store writes them as its last
        statements before the commit, taking their positions in commit order (PostgreSQL: under an advisory lock
        held to the commit), so a reader never sees a position before an earlier one has committed."""
    def overdue_unannounced(self, now: str) -> list[TaskView]:
        """Ready tasks due before `now` that have no task-overdue row in the outbox yet, oldest due first; held
        against another command doing the same until commit (PostgreSQL: the outbox's advisory lock)."""
    def due_soon_unannounced(self, now: str, until: str) -> list[TaskView]:
        """Ready tasks due after `now` and by `until` that have no task-due-soon row yet, held like
        overdue_unannounced."""
    def outbox_end(self) -> int:
        """The last outbox position written (0: none yet)."""
    def acknowledge(self, consumer: str, position: int, at: str) -> int:
        """Move a consumer's cursor to `position` unless it stands there or later already; where it stands after."""
    def clear_throttles(self, login: str, at: str, by: str) -> int:
        """Forget every failed sign-in of a login (from every address), logged in the accounts log; how many were
        forgotten."""
    def lock_login(self, login: str) -> None:
        """Serialize this login's sign-ins until commit."""
    def forget_login_failure(self, keys: tuple[str, ...], at: str) -> None:
        """Remove the failures recorded at `at` under these keys (an attempt that turned out right)."""
    def log_account(self, kind: str, login: str, actor: str, time: str, data: dict[str, Any]) -> None:
        """Append one event to the hash-chained accounts log."""
    def end_sessions(self, login: str, at: str, by: str) -> None:
        """End every session of a login signed in before `at` (the time moves only forward), logged in the accounts
        log."""
    def instance_words(self, instance_id: int) -> tuple[str | None, str | None]:
        """The instance's title and search words, read under the lock."""
    def set_words(self, instance_id: int, title: str, search: str) -> None:
        """Give the instance its title and search words."""
    def forget_untitled(self, instance_id: int) -> None:
        """The instance's title is worked out (it was stored before the store kept titles)."""
    def add_people(self, instance_id: int, logins: tuple[str, ...]) -> None:
        """Record that these logins started or acted on the instance (kept when recorded already)."""
    @property
    def notice_table(self) -> NoticeTable:
        """The notices table in this transaction."""
    @property
    def monev_log(self) -> MonevLog:
        """The monitoring log in this transaction (append only)."""


class NoticeRow(NamedTuple):
    """One notice: which event (outbox position, kind, instance, task), to whom on which channel and address, the
    words (canonical JSON: subject, text, link), and how its sending stands (engine/store/notice_rows.py)."""

    id: int
    position: int
    kind: str
    instance_id: int
    task: str | None
    login: str
    channel: str
    address: str
    message: str
    state: str
    tries: int
    next_try: str
    last_error: str
    created_at: str
    sent_at: str | None


class NoticeTable(Protocol):
    """The notices table inside one transaction: the notices consumer's cursor and reads, new rows, claims, marks."""

    def lock_cursor(self, consumer: str, at: str) -> int:
        """The consumer's cursor, held against another worker deriving at the same time until commit."""
    def outbox_after(self, after: int, limit: int) -> list[OutboxRow]:
        """At most `limit` outbox rows after a position, read in this transaction."""
    def started_by(self, instance_ids: tuple[int, ...]) -> dict[int, str]:
        """Who started each instance."""
    def still_ready(self, instance_ids: tuple[int, ...]) -> set[tuple[int, str]]:
        """The (instance, task UUID) of every task of these instances that is ready now."""
    def add(self, rows: list[NoticeRow]) -> None:
        """Write new notices; a (position, login, channel) written before is left as it is."""
    def claim(self, now: str, lease_until: str, limit: int) -> list[NoticeRow]:
        """Take up to `limit` notices due for sending for this sender until `lease_until`, each try counted."""
    def mark(self, row: NoticeRow, *, state: str, at: str, next_try: str, error: str = "") -> bool:
        """Record how a claimed notice's sending went, unless another sender has claimed it since."""


class Store(Protocol):
    """Reads answer from indexed columns, never by deserializing workflows; writes go through transaction()."""

    location: str
    missing: bool  # a SQLite file that does not exist (yet): reads see an empty store
    roles_since: int  # the first schema version with the roles log
    files_since: int  # the first schema version that stores attached files
    accounts_since: int  # the first schema version with accounts, drafts and claims
    outbox_since: int  # the first schema version with the outbox and its cursors
    sessions_since: int  # the first schema version with the session ends
    accounts_log_since: int  # the first schema version with the accounts log
    titles_since: int  # the first schema version with titles, search words and each instance's people
    notices_since: int  # the first schema version with notices
    monev_since: int  # the first schema version with the monitoring log
    timer_starts_since: int  # the first schema version with the timer start events' occurrences
    completed_since: int  # the first schema version with each instance's completion time

    def transaction(self) -> AbstractContextManager[Transaction]:
        """One command's transaction: commit on success, roll back on any error."""
    def get_instance(self, instance_id: int) -> InstanceRow | None:
        """An instance with its state, or None."""
    def list_instances(self, status: str | None = None, process_id: str | None = None) -> list[InstanceRow]:
        """Instances without their state (state is empty), by id."""
    def ready_tasks(
        self, instance_id: int | None = None, lane: str | None = None, limit: int | None = None,
        lanes: tuple[str, ...] | None = None, overdue_at: str | None = None,
    ) -> list[TaskView]:
        """Ready tasks, oldest first; lanes: only these lanes; overdue_at: only tasks due before that time."""
    def count_ready_tasks(
        self, instance_id: int | None = None, lane: str | None = None, lanes: tuple[str, ...] | None = None,
        overdue_at: str | None = None,
    ) -> int:
        """How many ready tasks match."""
    def days_off(self, calendar: str) -> dict[int, list[str]]:
        """The days off kept for a calendar, by year."""
    def has_ready_without_due(self) -> bool:
        """True when some ready task has a Mutu Baku but no due time yet."""
    def ready_lanes(self) -> list[str]:
        """The distinct lanes of the ready tasks."""
    def steps(self, process_id: str | None, since: str | None, until: str | None) -> list[tuple[Any, ...]]:
        """Completed steps whose completion falls in [since, until): (process id, BPMN id, name, lane, sla,
        ready_at, done_at, due, taken)."""
    def step_summary(self, process_id: str | None, since: str | None, until: str | None) -> list[tuple[Any, ...]]:
        """Per process and step: name, lane, sla, completed, completed by the due time, median and nearest-rank
        p90 of the working seconds taken (for steps whose times were recorded when they completed)."""
    def taken_times(self, process_id: str, since: str | None, until: str | None) -> list[tuple[Any, ...]]:
        """(BPMN id, working seconds taken) of the process's steps completed in [since, until), ordered by step and
        time (steps whose times were recorded when they completed)."""
    def has_unmeasured_steps(self, process_id: str | None, since: str | None, until: str | None) -> bool:
        """True when a completed step in the window lacks its recorded time taken or due time (recorded before
        the store kept them)."""
    def instance_times(
        self, process_id: str | None, since: str | None, until: str | None, late_only: bool = False
    ) -> tuple[int, list[tuple[int, str, str, str, float | None, float | None, str | None]]]:
        """How many instances started in [since, until) completed, and those instances (late_only: only the ones
        over or not yet measured against their budget): id, process, started, completed, total and budget
        seconds (None for instances completed before the store kept them) and their steps' Mutu Baku joined
        by ','."""
    def events(self, instance_id: int) -> list[EventRow]:
        """An instance's events in order."""
    def get_version(self, version: str) -> VersionRow | None:
        """A pinned definition version, or None."""
    def event_instance_ids(self) -> list[int]:
        """Every instance id that has events (an auditor's check for instance rows deleted behind our back)."""
    def list_versions(self) -> list[VersionCount]:
        """Every pinned version with its instance counts, by process and first use."""
    def schema_version(self) -> int:
        """The store's schema version; 0 when the store does not exist yet."""
    def table_rows(self, table: str, columns: tuple[str, ...]) -> list[tuple[Any, ...]]:
        """Every row of one of the store's tables, in primary-key order (`sop db copy`)."""
    def instance_steps(self, instance_id: int) -> list[StepRow]:
        """The instance's step records, by ready event and UUID."""
    def instance_timers(self, instance_id: int) -> list[TimerRow]:
        """The instance's waiting timers, by UUID."""
    def instance_time(self, instance_id: int) -> tuple[Any, Any] | None:
        """A completed instance's recorded (total, budget) working seconds as stored, or None."""
    def roles_events(self) -> list[RolesEventRow]:
        """Every roles version applied, in order (none before the store had the roles log)."""
    def roles_event_last(self) -> RolesEventRow | None:
        """The roles version in force (the last applied), or None."""
    def attachments(self, instance_id: int | None = None) -> list[AttachmentRow]:
        """The files the events name (of one instance, or all), by instance, event, field and position."""
    def blob(self, sha256: str) -> BlobRow | None:
        """A stored file's row, or None."""
    def blob_chunks(self, sha256: str) -> Iterator[bytes]:
        """A stored file's bytes, one chunk per read (never whole in memory)."""
    def unreferenced_blobs(self) -> list[BlobRow]:
        """Stored files no event names any more."""
    def account(self, login: str) -> AccountRow | None:
        """A login's password hash and who set it when, or None."""
    def draft(self, instance_id: int, task_uuid: str, login: str) -> DraftRow | None:
        """A person's saved draft of a ready task, or None."""
    def outbox(self, after: int, limit: int) -> list[OutboxRow]:
        """At most `limit` outbox rows after a position, in position order (none before the store had the outbox)."""
    def outbox_cursor(self, consumer: str) -> int:
        """The last position a consumer acknowledged (0: a consumer not seen yet)."""
    def login_failure_counts(self, since: str) -> list[tuple[str, int, str]]:
        """(key, failures, the last one) of every throttle key with failures after `since`, most failures first."""
    def sessions_ended(self, login: str) -> str | None:
        """When a login's sessions were last ended (sessions signed in before are over), or None."""
    def timer_starts(self, process_id: str) -> list[tuple[str, int | None, str]]:
        """(occurrence, instance, started at) of each timer start occurrence of a process started, oldest first."""
    def monev_events(self, process_id: str | None = None) -> list[MonevEventRow]:
        """The monitoring log in order, of one process or all (none before the store had it)."""
    def monitoring_counts(self, process_id: str, since: str, until: str, now: str) -> dict[str, tuple[int, int]]:
        """Per step (BPMN id): returns for revision reopening it in [since, until), and its ready tasks overdue at
        `now`."""
    def accounts_events(self) -> list[AccountsEventRow]:
        """The accounts log in order (none before the store had it)."""
    def all_accounts(self) -> list[AccountRow]:
        """Every account, by login (none before the store had accounts)."""
    def all_session_ends(self) -> list[tuple[str, str, str]]:
        """Every (login, ended_at, ended_by) of the session ends, by login."""
    def file_stage(self) -> FileFolder | None:
        """Where a command copies a new file before it locks the store (SQLite: its file folder); None: the store
        takes files in chunks inside the transaction."""
    def stray_files(self) -> list[str]:
        """Paths of files beside the store no row names (left by a crash between rename and commit)."""
    def search_instances(self, query: InstanceQuery) -> tuple[list[ListedInstance], int]:
        """One page of the instances a query finds, and how many it finds in all."""
    def ready_page(self, query: InstanceQuery) -> tuple[list[TaskView], int]:
        """One page of the ready tasks of the instances a query finds (oldest first), and how many in all."""
    def titles(self, instance_ids: tuple[int, ...]) -> dict[int, tuple[str | None, str]]:
        """Each instance's title and its process's name."""
    def is_person_of(self, instance_id: int, login: str) -> bool:
        """True when the login started or acted on the instance."""
    def untitled(self, limit: int) -> list[int]:
        """Instances whose title and search words the engine has not worked out yet (stored before it kept them)."""
    def notices(self, states: tuple[str, ...], limit: int) -> list[NoticeRow]:
        """The newest notices in these states (every state: ()), newest first (none before the store had them)."""
    def notice_counts(self) -> dict[str, int]:
        """How many notices are in each state."""
    def waiting_counts(
        self, now: str, *, by: str, processes: tuple[str, ...] | None = None, limit: int = 50
    ) -> list[tuple[str, str | None, int, int]]:
        """Ready tasks now grouped by "lane" or "step" (per process) or "person" (the claiming login): (process id
        or '', key, waiting, overdue at `now`), most waiting first, at most `limit` rows; processes: only these."""
    def overdue_tasks(
        self, now: str, *, processes: tuple[str, ...] | None = None, limit: int = 10
    ) -> tuple[list[TaskView], int]:
        """The ready tasks due before `now`, the longest overdue first (at most `limit`), and how many in all."""
    def on_time_by_period(
        self, bounds: tuple[str, ...], *, processes: tuple[str, ...] | None = None
    ) -> list[tuple[str, str, int, int, int, int]]:
        """Steps completed in each period (period k: bounds[k] <= done_at < bounds[k + 1]) per process and step:
        (process id, BPMN id, k, completed, completed with a due time, completed by it)."""
    def instance_medians(
        self, bounds: tuple[str, ...], *, processes: tuple[str, ...] | None = None
    ) -> list[tuple[str, int, int, int, float, float]]:
        """Instances completed in each period with recorded times, per process: (process id, k, count, within
        their budget, median working seconds, median budget seconds)."""
    def started_finished(
        self, bounds: tuple[str, ...], *, processes: tuple[str, ...] | None = None
    ) -> list[tuple[int, int, int]]:
        """Instances started and instances completed in each period: (k, started, completed) for every k."""
    def close(self) -> None:
        """Release the connection."""
