"""The PostgreSQL store: one transaction per command, schema migrations under an advisory lock, and errors
that say what happened and whether anything was saved. psycopg is imported only for a PostgreSQL URL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg import errors as pg_errors

from engine.common.errors import StoreError
from engine.store.accounts_log import migration_time, seal_baseline
from engine.store.failpoints import failpoint
from engine.store.labels import store_label
from engine.store.pg_schema import (
    ACCOUNTS_LOG_SINCE,
    ACCOUNTS_SINCE,
    COMPLETED_SINCE,
    FILES_SINCE,
    MIGRATION_LOCK,
    MIGRATIONS,
    MONEV_SINCE,
    NOTICES_SINCE,
    OUTBOX_SINCE,
    ROLES_SINCE,
    SCHEMA_VERSION,
    SESSIONS_SINCE,
    TABLES,
    TIMER_STARTS_SINCE,
    TITLES_SINCE,
    VERSION_TABLE,
)
from engine.store.pg_transaction import PgTransaction, first_line, pg_sql
from engine.store.sql_core import POSTGRESQL, done_window
from engine.store.sql_reads import SqlStoreReads

CONNECT_TIMEOUT_S = 10


class PgStore(SqlStoreReads):
    """A sop store in a PostgreSQL database, shared by operators on several machines."""

    dialect = POSTGRESQL
    roles_since = ROLES_SINCE
    files_since = FILES_SINCE
    accounts_since = ACCOUNTS_SINCE
    outbox_since = OUTBOX_SINCE
    sessions_since = SESSIONS_SINCE
    accounts_log_since = ACCOUNTS_LOG_SINCE
    titles_since = TITLES_SINCE
    notices_since = NOTICES_SINCE
    monev_since = MONEV_SINCE
    timer_starts_since = TIMER_STARTS_SINCE
    completed_since = COMPLETED_SINCE

    def __init__(self, url: str, create: bool) -> None:
        self.url = url
        self.location = store_label(url)
        self.read_only = False
        self.missing = False
        try:
            self._conn: psycopg.Connection[Any] = psycopg.connect(url, autocommit=True,
                                                                  connect_timeout=CONNECT_TIMEOUT_S)
        except psycopg.Error as exc:
            raise StoreError(
                "Cannot connect to the PostgreSQL store {location} ({exc}); nothing was "
                "saved. Check the server is running and the URL, user and password in --db / SOP_DB",
                location=self.location, exc=first_line(exc)
            ) from None
        try:  # the JIT compiler spends ~120 ms on a count over 100,000 ready rows that takes 30 ms without it
            self._conn.execute("SET jit = off")
        except psycopg.Error:
            pass  # a server without the setting (or one that refuses it) runs the queries as they are
        self._version = self._read_version()
        if self._version > SCHEMA_VERSION:
            raise StoreError(
                "Store {location} has schema version {version}, newer than this sop understands "
                "({schema_version}); upgrade sop",
                location=self.location, version=self._version, schema_version=SCHEMA_VERSION)
        if self._version == 0:
            self._check_empty()
        if self._version < SCHEMA_VERSION and create:
            self.migrate()

    def _read_version(self) -> int:
        # pg_tables, not to_regclass: the catalog cache may not yet see a table another migrator just committed.
        rows = self._query("SELECT count(*) FROM pg_tables WHERE schemaname = current_schema() AND tablename = ?",
                           (VERSION_TABLE,), need_schema=False)
        if not rows or not rows[0][0]:
            return 0
        return int(self._query(f"SELECT version FROM {VERSION_TABLE}", need_schema=False)[0][0])

    def _check_empty(self) -> None:
        found = self._query("SELECT count(*) FROM pg_tables WHERE schemaname = current_schema() AND "
                            "tablename = ANY(?)", (list(TABLES),), need_schema=False)
        if found and found[0][0]:
            raise StoreError(
                "{location} holds tables named like a sop store's but is not a sop store (no "
                "{version_table} table); give --db an empty database or a sop store",
                location=self.location, version_table=VERSION_TABLE)

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
                    if number == ACCOUNTS_LOG_SINCE:
                        seal_baseline(lambda sql: self._conn.execute(sql).fetchall(),
                                      lambda sql, params: self._conn.execute(pg_sql(sql), params), migration_time())
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
            raise StoreError("Store {location} is a read-only standby; {saved}. Point --db at the primary "
                             "server", location=self.location, saved=saved) from None
        except psycopg.IntegrityError as exc:
            raise StoreError("Store {location} refused the change ({exc}); {saved}",
                             location=self.location, exc=first_line(exc), saved=saved) from None
        except (psycopg.OperationalError, psycopg.InterfaceError) as exc:
            if committing and committing[0]:
                raise StoreError(
                    "The connection to {location} broke while committing ({exc}); the command "
                    "may or may not have completed: check with `sop history` before trying again",
                    location=self.location, exc=first_line(exc)) from None
            raise StoreError(
                "The connection to {location} broke ({exc}: the server restarted, stopped or "
                "is unreachable); {saved}; try again",
                location=self.location, exc=first_line(exc), saved=saved) from None
        except psycopg.Error as exc:
            raise StoreError("Store {location} failed ({exc}); {saved}",
                             location=self.location, exc=first_line(exc), saved=saved) from None

    @contextmanager
    def transaction(self) -> Iterator[PgTransaction]:
        """BEGIN ... COMMIT; any error rolls everything back."""
        if self._version == 0:
            raise StoreError("Store {location} does not exist yet; start an instance to create it",
                             location=self.location)
        if self._version < SCHEMA_VERSION:  # an older store (opened to read) is upgraded by its first write
            self.migrate()
        committing = [False]
        with self._guard(writing=True, committing=committing):
            self._conn.execute("BEGIN")
            try:
                tx = PgTransaction(self._conn)
                yield tx
                tx.flush_outbox()  # last: the outbox lock it takes is held only to the commit
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
            return self._conn.execute(pg_sql(sql), params).fetchall()

    def step_summary(self, process_id: str | None, since: str | None, until: str | None) -> list[tuple[Any, ...]]:
        """Per process and step: name, lane, sla, completed, completed by the due time, median and p90 taken."""
        # Only columns of the covering index steps_taken are aggregated, so the rows come from an index-only scan
        # already in (process, step, taken) order and nothing spills to disk; name, lane and Mutu Baku are read
        # from one row of each step (at 700,000 steps: 0.2 s instead of 0.6 s with them in the aggregate).
        where, params = done_window(process_id, since, until)
        groups = self._query(
            "SELECT process_id, bpmn_id, count(*), sum(CASE WHEN done_at <= due THEN 1.0 ELSE 0.0 END)::float8, "
            "percentile_cont(0.5) WITHIN GROUP (ORDER BY taken), "
            "percentile_disc(0.9) WITHIN GROUP (ORDER BY taken) "  # nearest rank: the ceil(0.9 n)-th value
            f"FROM steps WHERE {where} GROUP BY process_id, bpmn_id ORDER BY process_id, bpmn_id", params)
        out = []
        for process, task, count, within, middle, p90 in groups:
            name, lane, sla = self._query(f"SELECT name, lane, sla FROM steps WHERE {where} AND process_id = ? "
                                          "AND bpmn_id = ? LIMIT 1", (*params, process, task))[0]
            out.append((process, task, name, lane, sla, int(count), within, float(middle or 0), float(p90 or 0)))
        return out

    def close(self) -> None:
        """Close the connection."""
        if not self._conn.closed:
            self._conn.close()
