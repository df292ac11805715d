"""The notices table: one row per (outbox event, person, channel), written by the notices consumer in the
transaction that moves its cursor, then claimed (in a transaction, before sending) and marked by the senders.

A row is `waiting` until a sender claims it: the claim makes it `sending` with `next_try` as the lease's end, so
another sender takes it only once the lease has run out (the sender that claimed it died). A send that worked is
`sent`; one that did not is `waiting` again with a later `next_try`, or `failed` after the last try."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from engine.store.protocol import NoticeRow, OutboxRow
from engine.store.sql_core import OUTBOX_COLUMNS, Dialect, marks

NOTICE_COLUMNS = ("id, position, kind, instance_id, task, login, channel, address, message, state, tries, next_try, "
                  "last_error, created_at, sent_at")
WAITING, SENDING, SENT, FAILED = "waiting", "sending", "sent", "failed"
STATES = (WAITING, SENDING, SENT, FAILED)
_INSERT = (f"INSERT INTO notices ({NOTICE_COLUMNS[4:]}) VALUES ({marks(14)}) "
           "ON CONFLICT (position, login, channel) DO NOTHING")
Query = Callable[..., list[tuple[Any, ...]]]


class NoticeReads:
    """The reads of the notices table (for `sop notices`), over a store's query function."""

    def __init__(self, query: Query) -> None:
        self.query = query

    def listed(self, *, states: tuple[str, ...], limit: int) -> list[NoticeRow]:
        """The newest notices in these states (all states: ()), newest first."""
        where = f"WHERE state IN ({marks(len(states))}) " if states else ""
        sql = f"SELECT {NOTICE_COLUMNS} FROM notices {where}ORDER BY id DESC LIMIT {int(limit)}"
        return [NoticeRow(*r) for r in self.query(sql, states)]

    def counts(self) -> dict[str, int]:
        """How many notices are in each state."""
        return {str(s): int(n) for s, n in self.query("SELECT state, count(*) FROM notices GROUP BY state")}


class NoticeWrites:
    """The writes of the notices table inside one transaction (its `_run`/`_all`)."""

    def __init__(self, run: Callable[..., int], query: Query, dialect: Dialect) -> None:
        self.query = query
        self.run = run
        self.dialect = dialect

    def lock_cursor(self, consumer: str, at: str) -> int:
        """The consumer's cursor, held against another worker deriving at the same time until commit (SQLite: the
        write lock of BEGIN IMMEDIATE; PostgreSQL: the cursor's row lock)."""
        self.run("INSERT INTO outbox_cursors (consumer, position, updated_at) VALUES (?, 0, ?) "
                 "ON CONFLICT (consumer) DO NOTHING", (consumer, at))
        rows = self.query(f"SELECT position FROM outbox_cursors WHERE consumer = ?{self.dialect.row_lock}", (consumer,))
        return int(rows[0][0])

    def outbox_after(self, after: int, limit: int) -> list[OutboxRow]:
        """At most `limit` outbox rows after a position, read in this transaction."""
        sql = f"SELECT {OUTBOX_COLUMNS} FROM outbox WHERE position > ? ORDER BY position LIMIT {int(limit)}"
        return [OutboxRow(*r) for r in self.query(sql, (after,))]

    def started_by(self, instance_ids: tuple[int, ...]) -> dict[int, str]:
        """Who started each instance."""
        if not instance_ids:
            return {}
        sql = f"SELECT id, started_by FROM instances WHERE id IN ({marks(len(instance_ids))})"
        return {int(i): str(login) for i, login in self.query(sql, instance_ids)}

    def still_ready(self, instance_ids: tuple[int, ...]) -> set[tuple[int, str]]:
        """The (instance, task UUID) of every task of these instances that is ready now."""
        if not instance_ids:
            return set()
        sql = f"SELECT instance_id, task_uuid FROM ready_tasks WHERE instance_id IN ({marks(len(instance_ids))})"
        return {(int(i), str(u)) for i, u in self.query(sql, instance_ids)}

    def add(self, rows: list[NoticeRow]) -> None:
        """Write new notices (row.id is ignored); a (position, login, channel) written before is left as it is."""
        for row in rows:
            self.run(_INSERT, tuple(row)[1:])

    def claim(self, now: str, lease_until: str, limit: int) -> list[NoticeRow]:
        """Take up to `limit` notices due for sending (waiting, or sending with a lease that ran out) for this
        sender until `lease_until`, each try counted; skipped by a sender claiming at the same time."""
        sql = (f"SELECT {NOTICE_COLUMNS} FROM notices WHERE state IN ('{WAITING}', '{SENDING}') AND next_try <= ? "
               f"ORDER BY next_try, id LIMIT {int(limit)}{self.dialect.row_lock}")
        if self.dialect.row_lock:
            sql += " SKIP LOCKED"
        rows = [NoticeRow(*r) for r in self.query(sql, (now,))]
        for row in rows:
            self.run("UPDATE notices SET state = ?, tries = tries + 1, next_try = ? WHERE id = ?",
                     (SENDING, lease_until, row.id))
        return [r._replace(state=SENDING, tries=r.tries + 1, next_try=lease_until) for r in rows]

    def mark(self, row: NoticeRow, *, state: str, at: str, next_try: str, error: str = "") -> bool:
        """Record how a claimed notice's sending went, unless another sender has claimed it since (its lease ran
        out); True when recorded."""
        changed = self.run("UPDATE notices SET state = ?, next_try = ?, last_error = ?, sent_at = ? "
                           "WHERE id = ? AND state = ? AND tries = ?",
                           (state, next_try, error, at if state == SENT else None, row.id, SENDING, row.tries))
        return changed > 0
