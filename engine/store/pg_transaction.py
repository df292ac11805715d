"""The reads and writes of one command on the PostgreSQL store: the instance row locked FOR UPDATE, due timers
claimed with SKIP LOCKED; the shared SQL's `?` marks become psycopg's `%s` here."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import psycopg

from engine.store.protocol import InstanceRow, TimerRow
from engine.store.sql_core import POSTGRESQL
from engine.store.sql_writes import INSERT_INSTANCE, SqlTransactionCore


@lru_cache(maxsize=512)
def pg_sql(sql: str) -> str:
    """A statement written with `?` marks in psycopg's style (`%s`, a literal `%` doubled)."""
    return sql.replace("%", "%%").replace("?", "%s")


def first_line(exc: BaseException) -> str:
    """The first line of an error's message (psycopg adds details and hints below it)."""
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


class PgTransaction(SqlTransactionCore):
    """The reads and writes of one command inside BEGIN ... COMMIT."""

    dialect = POSTGRESQL

    def __init__(self, conn: psycopg.Connection[Any]) -> None:
        self.conn = conn
        self.queued = []

    def _run(self, sql: str, params: tuple[Any, ...] = ()) -> int:
        return self.conn.execute(pg_sql(sql), params).rowcount

    def _all(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        return self.conn.execute(pg_sql(sql), params).fetchall()

    def _many(self, sql: str, rows: list[tuple[Any, ...]]) -> None:
        if rows:
            with self.conn.cursor() as cur:
                cur.executemany(pg_sql(sql), rows)

    def create_instance(self, row: InstanceRow) -> int:
        """Insert an instance (row.id is ignored) and return its new id."""
        return int(self._all(INSERT_INSTANCE + " RETURNING id", tuple(row)[1:])[0][0])

    def claim_due_timer(self, now: str, skip: set[tuple[int, str]]) -> TimerRow | None:
        """The earliest due timer not in skip that no other command holds, locked until commit."""
        # The instance row is locked with the timer: a ticker never waits on an instance another ticker is
        # firing (that would deadlock on the timers it replaces); it takes the next free timer instead.
        rows = self._all(
            "SELECT t.instance_id, t.task_uuid, t.bpmn_id, t.attached_to, t.due FROM timers t "
            "JOIN instances i ON i.id = t.instance_id WHERE t.due <= ? "
            "AND NOT (t.instance_id::text || ' ' || t.task_uuid = ANY(?)) "
            "ORDER BY t.due, t.instance_id, t.task_uuid LIMIT 1 FOR UPDATE SKIP LOCKED",
            (now, [f"{i} {u}" for i, u in skip]),
        )
        return TimerRow(*rows[0]) if rows else None

    def insert_rows(self, table: str, columns: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
        """Insert rows as they are, ids included; new instances then continue after the copied ids."""
        super().insert_rows(table, columns, rows)
        if table == "instances":
            self._run("SELECT setval(pg_get_serial_sequence('instances', 'id'), "
                      "GREATEST((SELECT max(id) FROM instances), 1))")
        elif table == "outbox":  # the next position follows the copied ones (1 when none was copied)
            self._run("SELECT setval(pg_get_serial_sequence('outbox', 'position'), "
                      "coalesce((SELECT max(position) FROM outbox), 1), (SELECT count(*) > 0 FROM outbox))")
        elif table == "notices":  # the next notice follows the copied ones
            self._run("SELECT setval(pg_get_serial_sequence('notices', 'id'), "
                      "coalesce((SELECT max(id) FROM notices), 1), (SELECT count(*) > 0 FROM notices))")
