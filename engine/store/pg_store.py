"""The PostgreSQL store: one transaction per command, schema migrations under an advisory lock, and errors
that say what happened and whether anything was saved. psycopg is imported only for a PostgreSQL URL."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg import errors as pg_errors

from engine.common.errors import StoreError
from engine.common.models import TaskView
from engine.store.pg_schema import MIGRATION_LOCK, MIGRATIONS, SCHEMA_VERSION, TABLES, VERSION_TABLE
from engine.store.pg_transaction import (
    _EVENT_COLUMNS,
    _INSTANCE_COLUMNS,
    _READY_COLUMNS,
    PgTransaction,
    _first_line,
    _instance,
)
from engine.store.protocol import EventRow, InstanceRow, VersionCount, VersionRow, where_equal
from engine.store.sqlite_store import _done_window, _window, failpoint

CONNECT_TIMEOUT_S = 10


def redact(url: str) -> str:
    """The URL without its password, for messages."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{parts.username}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


class PgStore:
    """A sop store in a PostgreSQL database, shared by operators on several machines."""

    def __init__(self, url: str, create: bool) -> None:
        self.url = url
        self.location = redact(url)
        self.read_only = False
        try:
            self._conn: psycopg.Connection[Any] = psycopg.connect(url, autocommit=True,
                                                                  connect_timeout=CONNECT_TIMEOUT_S)
        except psycopg.Error as exc:
            raise StoreError(
                f"Cannot connect to the PostgreSQL store {self.location} ({_first_line(exc)}); nothing was "
                "saved. Check the server is running and the URL, user and password in --db / SOP_DB"
            ) from None
        self._version = self._read_version()
        if self._version > SCHEMA_VERSION:
            raise StoreError(
                f"Store {self.location} has schema version {self._version}, newer than this sop understands "
                f"({SCHEMA_VERSION}); upgrade sop")
        if self._version == 0:
            self._check_empty()
        if self._version < SCHEMA_VERSION and create:
            self.migrate()

    def _read_version(self) -> int:
        # pg_tables, not to_regclass: the catalog cache may not yet see a table another migrator just committed.
        rows = self._query("SELECT count(*) FROM pg_tables WHERE schemaname = current_schema() AND tablename = %s",
                           (VERSION_TABLE,), need_schema=False)
        if not rows or not rows[0][0]:
            return 0
        return int(self._query(f"SELECT version FROM {VERSION_TABLE}", need_schema=False)[0][0])

    def _check_empty(self) -> None:
        found = self._query("SELECT count(*) FROM pg_tables WHERE schemaname = current_schema() AND "
                            "tablename = ANY(%s)", (list(TABLES),), need_schema=False)
        if found and found[0][0]:
            raise StoreError(
                f"{self.location} holds tables named like a sop store's but is not a sop store (no "
                f"{VERSION_TABLE} table); give --db an empty database or a sop store")

    def migrate(self, target: int = SCHEMA_VERSION) -> None:
        """Upgrade the schema one version per step, under an advisory lock so concurrent upgrades queue."""
        with self._guard(writing=True):
            with self._conn.transaction():
                self._conn.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
                current = self._read_version()
                if current == 0:
                    self._check_empty()
                for number in range(current + 1, target + 1):
                    for statement in MIGRATIONS[number - 1]:
                        self._conn.execute(statement)
                    self._conn.execute(f"UPDATE {VERSION_TABLE} SET version = %s", (number,))
        self._version = max(self._version, target)

    def schema_version(self) -> int:
        """The store's schema version (0 for a database that is not a sop store yet)."""
        return self._version

    @contextmanager
    def _guard(self, writing: bool, committing: list[bool] | None = None) -> Iterator[None]:
        """Turn psycopg's errors into StoreErrors saying what happened and whether anything was saved."""
        saved = "nothing was saved" if writing else "nothing was changed"
        try:
            yield
        except pg_errors.ReadOnlySqlTransaction:
            raise StoreError(f"Store {self.location} is a read-only standby; {saved}. Point --db at the primary "
                             "server") from None
        except psycopg.IntegrityError as exc:
            raise StoreError(f"Store {self.location} refused the change ({_first_line(exc)}); {saved}") from None
        except (psycopg.OperationalError, psycopg.InterfaceError) as exc:
            if committing and committing[0]:
                raise StoreError(
                    f"The connection to {self.location} broke while committing ({_first_line(exc)}); the command "
                    "may or may not have completed: check with `sop history` before trying again") from None
            raise StoreError(
                f"The connection to {self.location} broke ({_first_line(exc)}: the server restarted, stopped or "
                f"is unreachable); {saved}; try again") from None
        except psycopg.Error as exc:
            raise StoreError(f"Store {self.location} failed ({_first_line(exc)}); {saved}") from None

    @contextmanager
    def transaction(self) -> Iterator[PgTransaction]:
        """BEGIN ... COMMIT; any error rolls everything back."""
        if self._version == 0:
            raise StoreError(f"Store {self.location} does not exist yet; start an instance to create it")
        committing = [False]
        with self._guard(writing=True, committing=committing):
            self._conn.execute("BEGIN")
            try:
                yield PgTransaction(self._conn)
                failpoint("before-commit")
                committing[0] = True
                self._conn.execute("COMMIT")
            except BaseException:
                if not committing[0] and not self._conn.closed and not self._conn.broken:
                    try:
                        self._conn.execute("ROLLBACK")
                    except psycopg.Error:
                        pass
                raise

    def _query(self, sql: str, params: tuple[Any, ...] = (), need_schema: bool = True) -> list[tuple[Any, ...]]:
        if need_schema and self._version == 0:
            return []
        with self._guard(writing=False):
            return self._conn.execute(sql, params).fetchall()

    def get_instance(self, instance_id: int) -> InstanceRow | None:
        rows = self._query(f"SELECT {_INSTANCE_COLUMNS} FROM instances WHERE id = %s", (instance_id,))
        return _instance(rows[0]) if rows else None

    def list_instances(self, status: str | None = None, process_id: str | None = None) -> list[InstanceRow]:
        sql = ("SELECT id, process_id, version, status, started_at, updated_at, started_by, ''::bytea, state_format, "
               "row_version, last_seq, last_hash FROM instances")
        where, params = where_equal({"status": status, "process_id": process_id}, "%s")
        return [_instance(r) for r in self._query(sql + where + " ORDER BY id", params)]

    def ready_tasks(
        self, instance_id: int | None = None, lane: str | None = None, limit: int | None = None,
        lanes: tuple[str, ...] | None = None, overdue_at: str | None = None,
    ) -> list[TaskView]:
        sql, params = _ready_where(f"SELECT {_READY_COLUMNS} FROM ready_tasks", instance_id, lane, lanes, overdue_at)
        sql += " ORDER BY since, instance_id, bpmn_id"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        return [TaskView._make(r) for r in self._query(sql, tuple(params))]

    def count_ready_tasks(
        self, instance_id: int | None = None, lane: str | None = None, lanes: tuple[str, ...] | None = None,
        overdue_at: str | None = None,
    ) -> int:
        sql, params = _ready_where("SELECT count(*) FROM ready_tasks", instance_id, lane, lanes, overdue_at)
        rows = self._query(sql, tuple(params))
        return int(rows[0][0]) if rows else 0

    def days_off(self, calendar: str) -> dict[int, list[str]]:
        rows = self._query("SELECT year, days FROM days_off WHERE calendar = %s", (calendar,))
        return {int(year): json.loads(str(days)) for year, days in rows}

    def has_ready_without_due(self) -> bool:
        return bool(self._query("SELECT 1 FROM ready_tasks WHERE due IS NULL AND sla IS NOT NULL LIMIT 1"))

    def ready_lanes(self) -> list[str]:
        return [str(r[0]) for r in self._query("SELECT DISTINCT lane FROM ready_tasks WHERE lane IS NOT NULL")]

    def steps(self, process_id: str | None, since: str | None, until: str | None) -> list[tuple[Any, ...]]:
        sql = ("SELECT i.process_id, s.bpmn_id, s.name, s.lane, s.sla, s.ready_at, s.done_at, s.due, s.taken "
               "FROM steps s JOIN instances i ON i.id = s.instance_id WHERE s.done_at IS NOT NULL")
        sql, params = _window(sql, "s.done_at", process_id, since, until)
        return self._query(_pg(sql), params)

    def step_summary(self, process_id: str | None, since: str | None, until: str | None) -> list[tuple[Any, ...]]:
        where, params = _done_window(process_id, since, until)
        where = _pg(where)
        sql = (
            "SELECT process_id, bpmn_id, min(name), min(lane), min(sla), count(*), "
            "sum(CASE WHEN done_at <= due THEN 1.0 ELSE 0.0 END)::float8, "
            "percentile_cont(0.5) WITHIN GROUP (ORDER BY taken), "
            "(array_agg(taken ORDER BY taken))[GREATEST(1, (9 * count(*) + 9) / 10)] "
            f"FROM steps WHERE {where} GROUP BY process_id, bpmn_id ORDER BY process_id, bpmn_id")
        return [(p, t, n, la, s, int(c), w, float(m or 0), float(q or 0)) for p, t, n, la, s, c, w, m, q
                in self._query(sql, params)]

    def has_unmeasured_steps(self, process_id: str | None, since: str | None, until: str | None) -> bool:
        where, params = _done_window(process_id, since, until)
        sql = f"SELECT 1 FROM steps WHERE {_pg(where)} AND (taken IS NULL OR (due IS NULL AND sla IS NOT NULL)) LIMIT 1"
        return bool(self._query(sql, params))

    def instance_times(
        self, process_id: str | None, since: str | None, until: str | None, late_only: bool = False
    ) -> tuple[int, list[tuple[int, str, str, str, float | None, float | None, str | None]]]:
        base = "FROM instances i LEFT JOIN instance_times t ON t.instance_id = i.id WHERE i.status = 'completed'"
        base, params = _window(base, "i.started_at", process_id, since, until)
        base = _pg(base)
        counted = self._query(f"SELECT count(*) {base}", params)
        count = int(counted[0][0]) if counted else 0
        if late_only:
            base += " AND (t.total IS NULL OR t.total > t.budget)"
        sql = ("SELECT i.id, i.process_id, i.started_at, i.updated_at, t.total, t.budget, CASE WHEN t.total IS NULL "
               "THEN (SELECT string_agg(sla, ',') FROM steps s WHERE s.instance_id = i.id AND s.done_at IS NOT NULL) "
               f"END {base} ORDER BY i.id")
        return count, [(int(r[0]), *r[1:]) for r in self._query(sql, params)]

    def events(self, instance_id: int) -> list[EventRow]:
        rows = self._query(f"SELECT {_EVENT_COLUMNS} FROM events WHERE instance_id = %s ORDER BY seq", (instance_id,))
        return [EventRow(*r) for r in rows]

    def event_instance_ids(self) -> list[int]:
        return [int(r[0]) for r in self._query("SELECT DISTINCT instance_id FROM events ORDER BY instance_id")]

    def get_version(self, version: str) -> VersionRow | None:
        rows = self._query("SELECT version, process_id, name, bundle, spec, created_at FROM definition_versions "
                           "WHERE version = %s", (version,))
        return VersionRow(*rows[0]) if rows else None

    def list_versions(self) -> list[VersionCount]:
        rows = self._query(
            "SELECT d.version, d.process_id, d.name, d.created_at, count(i.id) FILTER (WHERE i.status = 'running'), "
            "count(i.id) FROM definition_versions d LEFT JOIN instances i ON i.version = d.version "
            "GROUP BY d.version ORDER BY d.process_id, d.created_at")
        return [VersionCount(*r) for r in rows]

    def table_rows(self, table: str, columns: tuple[str, ...]) -> list[tuple[Any, ...]]:
        rows = self._query(f"SELECT {', '.join(columns)} FROM {table} ORDER BY {columns[0]}, {columns[1]}")
        return [_instance(r) if table == "instances" else r for r in rows]

    def close(self) -> None:
        """Close the connection."""
        if not self._conn.closed:
            self._conn.close()


def _pg(sql: str) -> str:
    """SQLite's ? placeholders (from the shared window helpers) as psycopg's %s."""
    return sql.replace("?", "%s")


def _ready_where(
    sql: str, instance_id: int | None, lane: str | None, lanes: tuple[str, ...] | None, overdue_at: str | None,
) -> tuple[str, list[object]]:
    where: list[str] = []
    params: list[object] = []
    if instance_id is not None:
        where.append("instance_id = %s")
        params.append(instance_id)
    if lane is not None:
        where.append("lane = %s")
        params.append(lane)
    if lanes is not None:
        where.append("lane = ANY(%s)")
        params.append(list(lanes))
    if overdue_at is not None:
        where.append("due < %s")
        params.append(overdue_at)
    if where:
        sql += " WHERE " + " AND ".join(where)
    return sql, params
