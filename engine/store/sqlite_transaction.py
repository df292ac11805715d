"""The reads and writes of one command on the SQLite store, inside BEGIN IMMEDIATE (the database's write lock)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from typing import Any

from engine.store.file_folder import FileFolder
from engine.store.protocol import BlobRow, InstanceRow, TimerRow
from engine.store.sql_core import BLOB_COLUMNS, SQLITE, TIMER_COLUMNS
from engine.store.sql_writes import INSERT_INSTANCE, SqlTransactionCore


class SqliteTransaction(SqlTransactionCore):
    """The writes of one command inside BEGIN IMMEDIATE."""

    dialect = SQLITE

    def __init__(self, conn: sqlite3.Connection, files: FileFolder) -> None:
        self.conn = conn
        self.files = files
        self.placed: list[str] = []  # files renamed into the folder by this transaction: removed on rollback
        self.queued = []

    def put_blob(self, row: BlobRow, chunks: Iterable[bytes], staged: str | None = None) -> bool:
        """Store a file's row and put its bytes in the store's file folder (the staged copy renamed, or the chunks
        written); False when it is stored already. A row whose file has gone (a failed gc) gets it back."""
        added = self._run(f"INSERT INTO blobs ({BLOB_COLUMNS}) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                          tuple(row))
        if not added and (self.files.has(row.sha256) or self._all(
                "SELECT 1 FROM blob_chunks WHERE sha256 = ? LIMIT 1", (row.sha256,))):
            return False
        self.placed.append(row.sha256)
        if staged is not None:
            self.files.place(staged, row.sha256)
        else:
            self.files.write(row.sha256, chunks)
        return True

    def delete_blob(self, sha256: str) -> None:
        """Remove a stored file's rows and its file (still under the write lock)."""
        super().delete_blob(sha256)
        self.files.remove(sha256)

    def unplace(self) -> None:
        """Remove the files this transaction put in the folder (it is rolling back; the lock is still held)."""
        for sha256 in self.placed:
            self.files.remove(sha256)
        self.placed = []

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
