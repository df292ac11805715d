"""The Transaction's reads and writes, written once for both dialects: each store supplies `_run`, `_all` and
`_many`, the instance insert and the timer claim (where their locking differs)."""

from __future__ import annotations

from typing import Any

from engine.common.errors import StoreError
from engine.common.models import TaskView
from engine.store.failpoints import failpoint
from engine.store.protocol import EventRow, InstanceRow, RolesEventRow, StepRow, TimerRow, VersionRow
from engine.store.sql_core import (
    EVENT_COLUMNS,
    INSTANCE_COLUMNS,
    READY_COLUMNS,
    ROLES_COLUMNS,
    STEP_COLUMNS,
    TIMER_COLUMNS,
    VERSION_COLUMNS,
    Dialect,
    instance_row,
    marks,
)
from engine.store.sql_outbox import SqlOutboxWrites

# The new instance's columns without its id, which the store assigns.
INSERT_INSTANCE = f"INSERT INTO instances ({INSTANCE_COLUMNS[4:]}) VALUES ({marks(11)})"


class SqlTransactionCore(SqlOutboxWrites):
    """Every Transaction method both dialects answer with the same SQL (`?` marks)."""

    dialect: Dialect  # _run, _all and _many (the dialect's execution) are declared by SqlFileWrites

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
            "UPDATE instances SET status = ?, updated_at = ?, state = ?, state_format = ?, "
            "row_version = ?, last_seq = ?, last_hash = ?, version = ? WHERE id = ? AND row_version = ?",
            (row.status, row.updated_at, row.state, row.state_format, row.row_version, row.last_seq,
             row.last_hash, row.version, row.id, expected_row_version),
        )
        if changed != 1:
            raise StoreError("Instance {instance} changed meanwhile; nothing was saved; try again", instance=row.id)
        failpoint("after-state")

    def replace_ready_tasks(self, instance_id: int, rows: list[TaskView]) -> None:
        """Replace the instance's ready-task rows."""
        self._run("DELETE FROM ready_tasks WHERE instance_id = ?", (instance_id,))
        self._many(f"INSERT INTO ready_tasks ({READY_COLUMNS}) VALUES ({marks(12)})",
                   [(instance_id, *r[1:]) for r in rows])

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

    def add_steps(self, rows: list[StepRow]) -> None:
        """Record tasks that became ready (kept when already recorded)."""
        self._many(f"INSERT INTO steps ({STEP_COLUMNS}) VALUES ({marks(13)}) ON CONFLICT DO NOTHING",
                   [tuple(r) for r in rows])

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
