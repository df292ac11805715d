"""The outbox in both stores: what each committed change did, written in its transaction, numbered by one
increasing position, and each consumer's cursor. Not chained and not audited: a queue for work after commit."""

from __future__ import annotations

from typing import Any

from engine.common.models import TaskView
from engine.store.protocol import OutboxRow
from engine.store.sql_accounts import SqlAccountReads, SqlAccountWrites
from engine.store.sql_core import OUTBOX_COLUMNS, READY_COLUMNS, Dialect, marks

# A new row's columns without its position, which the store assigns.
INSERT_OUTBOX = f"INSERT INTO outbox ({OUTBOX_COLUMNS[10:]}) VALUES ({marks(8)})"
# Ready tasks past due with no task-overdue row yet (a task UUID is ready once: a loop readies a new task).
OVERDUE_UNANNOUNCED = (
    f"SELECT {READY_COLUMNS} FROM ready_tasks r WHERE r.due < ? AND NOT EXISTS (SELECT 1 FROM outbox o "
    "WHERE o.kind = 'task-overdue' AND o.instance_id = r.instance_id AND o.task_uuid = r.task_uuid) "
    "ORDER BY r.due, r.instance_id, r.task_uuid"
)


class SqlOutboxWrites(SqlAccountWrites):
    """The Transaction's outbox writes (execution as in SqlFileWrites): rows queued during the command are written
    by flush_outbox, which the store calls just before it commits."""

    dialect: Dialect
    queued: list[tuple[Any, ...]]  # the rows this transaction adds, without positions; set by the transaction

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


class SqlOutboxReads(SqlAccountReads):
    """The Store's outbox reads (none before the store had the outbox)."""

    outbox_since: int

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
