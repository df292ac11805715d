"""The reads and writes of one command on the SQLite store, inside BEGIN IMMEDIATE (the database's write lock)."""

from __future__ import annotations

import sqlite3
from typing import Any

from engine.store.protocol import InstanceRow, TimerRow
from engine.store.sql_core import SQLITE, TIMER_COLUMNS
from engine.store.sql_writes import INSERT_INSTANCE, SqlTransactionCore


class SqliteTransaction(SqlTransactionCore):
    """The writes of one command inside BEGIN IMMEDIATE."""

    dialect = SQLITE

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def _run(self, sql: str, params: tuple[Any, ...] = ()) -> int:
        return self.conn.execute(sql, params).rowcount

    def _all(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        return self.conn.execute(sql, params).fetchall()

    def _many(self, sql: str, rows: list[tuple[Any, ...]]) -> None:
        if rows:
            self.conn.executemany(sql, rows)

    def create_instance(self, row: InstanceRow) -> int:
        """Insert an instance (row.id is ignored) and return its new id."""
        cur = self.conn.execute(INSERT_INSTANCE, tuple(row)[1:])
        assert cur.lastrowid is not None
        return cur.lastrowid

    def claim_due_timer(self, now: str, skip: set[tuple[int, str]]) -> TimerRow | None:
        """The earliest due timer not in skip."""
        # BEGIN IMMEDIATE holds the write lock: no other command can fire this timer before we commit.
        sql = f"SELECT {TIMER_COLUMNS} FROM timers WHERE due <= ? ORDER BY due, instance_id, task_uuid"
        for row in self.conn.execute(sql, (now,)):
            timer = TimerRow(*row)
            if (timer.instance_id, timer.task_uuid) not in skip:
                return timer
        return None
