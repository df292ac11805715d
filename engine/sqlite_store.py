"""The SQLite store: WAL, busy timeout, foreign keys, one IMMEDIATE transaction per command, schema migrations."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

from .errors import StoreError
from .models import TaskView
from .sqlite_schema import APPLICATION_ID, MIGRATIONS, SCHEMA_VERSION
from .store import EventRow, InstanceRow, VersionCount, VersionRow

BUSY_TIMEOUT_MS = 15000

_INSTANCE_COLUMNS = (
    "id, process_id, version, status, started_at, updated_at, started_by, state, state_format, "
    "row_version, last_seq, last_hash"
)
# In TaskView's field order, so rows load straight into it.
_READY_COLUMNS = "instance_id, bpmn_id, task_uuid, name, lane, form, sla, since, process_id"
_EVENT_COLUMNS = "instance_id, seq, type, time, task, task_uuid, actor, operator, version, data, hash"


def _sync_mode() -> str:
    mode = os.environ.get("SOP_SYNC", "full").strip().upper()
    if mode not in ("FULL", "NORMAL"):
        raise StoreError(f"SOP_SYNC={mode.lower()!r} is not a sync mode; use full (default) or normal")
    return mode


def failpoint(name: str) -> None:
    """Kill this process at a named point when SOP_FAILPOINT says so (crash-safety tests)."""
    if os.environ.get("SOP_FAILPOINT") == name:
        import signal

        os.kill(os.getpid(), signal.SIGKILL)


class SqliteTransaction:
    """The writes of one command inside BEGIN IMMEDIATE."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def get_version(self, version: str) -> VersionRow | None:
        row = self.conn.execute(
            "SELECT version, process_id, name, bundle, spec, created_at FROM definition_versions WHERE version = ?",
            (version,),
        ).fetchone()
        return VersionRow(*row) if row else None

    def put_version(self, row: VersionRow) -> None:
        self.conn.execute(
            "INSERT OR IGNORE INTO definition_versions VALUES (?, ?, ?, ?, ?, ?)",
            (row.version, row.process_id, row.name, row.bundle, row.spec, row.created_at),
        )

    def create_instance(self, row: InstanceRow) -> int:
        cur = self.conn.execute(
            f"INSERT INTO instances ({_INSTANCE_COLUMNS}) VALUES (NULL, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (row.process_id, row.version, row.status, row.started_at, row.updated_at, row.started_by, row.state,
             row.state_format, row.row_version, row.last_seq, row.last_hash),
        )
        assert cur.lastrowid is not None
        return cur.lastrowid

    def lock_instance(self, instance_id: int) -> InstanceRow | None:
        # BEGIN IMMEDIATE already holds the database's write lock: this read is the locked one.
        row = self.conn.execute(f"SELECT {_INSTANCE_COLUMNS} FROM instances WHERE id = ?", (instance_id,)).fetchone()
        return InstanceRow(*row) if row else None

    def ready_tasks(self, instance_id: int) -> list[TaskView]:
        make = TaskView._make
        sql = f"SELECT {_READY_COLUMNS} FROM ready_tasks WHERE instance_id = ? ORDER BY since, bpmn_id"
        return [make(r) for r in self.conn.execute(sql, (instance_id,))]

    def events(self, instance_id: int) -> list[EventRow]:
        sql = f"SELECT {_EVENT_COLUMNS} FROM events WHERE instance_id = ? ORDER BY seq"
        return [EventRow(*r) for r in self.conn.execute(sql, (instance_id,))]

    def save_instance(self, row: InstanceRow, expected_row_version: int) -> None:
        cur = self.conn.execute(
            "UPDATE instances SET status = ?, updated_at = ?, state = ?, state_format = ?, "
            "row_version = ?, last_seq = ?, last_hash = ?, version = ? WHERE id = ? AND row_version = ?",
            (row.status, row.updated_at, row.state, row.state_format, row.row_version, row.last_seq,
             row.last_hash, row.version, row.id, expected_row_version),
        )
        if cur.rowcount != 1:
            raise StoreError(f"Instance {row.id} changed meanwhile; nothing was saved; try again")
        failpoint("after-state")

    def replace_ready_tasks(self, instance_id: int, rows: list[TaskView]) -> None:
        self.conn.execute("DELETE FROM ready_tasks WHERE instance_id = ?", (instance_id,))
        self.conn.executemany(
            f"INSERT INTO ready_tasks ({_READY_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(instance_id, *r[1:]) for r in rows],
        )

    def append_event(self, row: EventRow) -> None:
        self.conn.execute(
            f"INSERT INTO events ({_EVENT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (row.instance_id, row.seq, row.type, row.time, row.task, row.task_uuid, row.actor, row.operator,
             row.version, row.data, row.hash),
        )
        failpoint("after-event")


class SqliteStore:
    """A sop store in one SQLite file."""

    def __init__(self, path: str, create: bool) -> None:
        self.location = path
        self.read_only = False
        self._conn: sqlite3.Connection | None = None
        exists = os.path.exists(path)
        if os.path.isdir(path):
            raise StoreError(f"--db '{path}' is a folder; give the path of a store file such as ./sop.db")
        if not exists and not create:
            return  # reads of a store that does not exist yet see an empty store; nothing is created
        folder = os.path.dirname(os.path.abspath(path))
        if not os.path.isdir(folder):
            raise StoreError(f"Cannot open store '{path}': folder '{folder}' does not exist; create it or fix --db")
        self.read_only = exists and not (os.access(path, os.W_OK) and os.access(folder, os.W_OK))
        if not exists and not os.access(folder, os.W_OK):
            raise StoreError(f"Cannot create store '{path}': folder '{folder}' is not writable; fix --db")
        try:
            self._conn = self._connect(path)
            self._conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            self._conn.execute("PRAGMA foreign_keys = ON")
            # FULL (default): a commit survives power loss, not only a killed process; SOP_SYNC=normal trades that.
            self._conn.execute(f"PRAGMA synchronous = {_sync_mode()}")
            version = self._conn.execute("PRAGMA user_version").fetchone()[0]
            application = self._conn.execute("PRAGMA application_id").fetchone()[0]
        except sqlite3.DatabaseError as exc:
            self._fail_open(exc)
        if version == 0 and application == 0:
            self._check_empty()
        elif application != APPLICATION_ID:
            self.close()
            raise StoreError(
                f"'{path}' is a SQLite database of some other program, not a sop store; "
                "pass --db the path of a sop store, or a new file name to create one"
            )
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"Store '{path}' has schema version {version}, newer than this sop understands ({SCHEMA_VERSION}); "
                "upgrade sop"
            )
        if version < SCHEMA_VERSION:
            if not create and version == 0 and self._conn is not None:
                self._conn.close()
                self._conn = None
                return
            if self.read_only:
                raise StoreError(
                    f"Store '{path}' is read-only and has schema version {version}; this sop needs "
                    f"{SCHEMA_VERSION}: upgrade a writable copy"
                )
            self.migrate()

    def _connect(self, path: str) -> sqlite3.Connection:
        if not self.read_only:
            return sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
        # A store on read-only media (an archived copy for auditors): read it without writing -wal/-shm files.
        from urllib.parse import quote

        target = quote(os.path.abspath(path))
        wal = path + "-wal"
        if os.path.exists(wal) and os.path.getsize(wal) > 0:
            # Commits may still sit in the WAL: immutable=1 would not see them. Read-only WAL access or refuse.
            try:
                conn = sqlite3.connect(f"file:{target}?mode=ro", uri=True, isolation_level=None)
                conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
                return conn
            except sqlite3.DatabaseError:
                raise StoreError(
                    f"Store '{path}' is read-only and has commits not yet merged from '{wal}'; open a writable "
                    "copy once (any sop command) to merge them, then read it"
                ) from None
        return sqlite3.connect(f"file:{target}?immutable=1", uri=True, isolation_level=None)

    def _fail_open(self, exc: sqlite3.DatabaseError) -> None:
        raise StoreError(
            f"'{self.location}' is not a sop store (SQLite says: {exc}); pass --db the path of a sop store, "
            "or a new file name to create one"
        ) from None

    def _check_empty(self) -> None:
        assert self._conn is not None
        tables = self._conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
        if tables:
            raise StoreError(
                f"'{self.location}' is a SQLite database of some other program, not a sop store; "
                "pass --db the path of a sop store, or a new file name to create one"
            )

    def migrate(self, target: int = SCHEMA_VERSION) -> None:
        """Upgrade the schema in place, one version per step, under the write lock."""
        conn = self._require()
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("BEGIN IMMEDIATE")
        try:
            current = conn.execute("PRAGMA user_version").fetchone()[0]
            if current == 0:
                self._check_empty()
            for number in range(current + 1, target + 1):
                for statement in _statements(MIGRATIONS[number - 1]):
                    conn.execute(statement)
            if target > current:
                conn.execute(f"PRAGMA user_version = {int(target)}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    def _require(self) -> sqlite3.Connection:
        if self._conn is None:
            raise StoreError(f"Store '{self.location}' does not exist yet; start an instance to create it")
        return self._conn

    def schema_version(self) -> int:
        """The schema version of the file (0 for a store not created yet)."""
        if self._conn is None:
            return 0
        version: int = self._conn.execute("PRAGMA user_version").fetchone()[0]
        return version

    @contextmanager
    def transaction(self) -> Iterator[SqliteTransaction]:
        """BEGIN IMMEDIATE ... COMMIT; any error rolls everything back."""
        conn = self._require()
        if self.read_only:
            raise StoreError(f"Store '{self.location}' is read-only; nothing was saved. Use a writable store")
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise StoreError(
                f"Store '{self.location}' is busy or read-only ({exc}); nothing was saved; try again"
            ) from None
        try:
            yield SqliteTransaction(conn)
            failpoint("before-commit")
            conn.execute("COMMIT")
        except sqlite3.IntegrityError as exc:
            conn.execute("ROLLBACK")
            raise StoreError(f"Store '{self.location}' refused the change ({exc}); nothing was saved") from None
        except sqlite3.DatabaseError as exc:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise StoreError(f"Store '{self.location}' failed ({exc}); nothing was saved") from None
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise

    def _query(self, sql: str, params: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
        if self._conn is None:
            return []
        try:
            return self._conn.execute(sql, params).fetchall()
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"Store '{self.location}' cannot be read ({exc})") from None

    def get_instance(self, instance_id: int) -> InstanceRow | None:
        rows = self._query(f"SELECT {_INSTANCE_COLUMNS} FROM instances WHERE id = ?", (instance_id,))
        return InstanceRow(*rows[0]) if rows else None  # type: ignore[arg-type]

    def list_instances(self, status: str | None = None, process_id: str | None = None) -> list[InstanceRow]:
        sql = (
            "SELECT id, process_id, version, status, started_at, updated_at, started_by, x'', state_format, "
            "row_version, last_seq, last_hash FROM instances"
        )
        where: list[str] = []
        params: list[object] = []
        if status:
            where.append("status = ?")
            params.append(status)
        if process_id:
            where.append("process_id = ?")
            params.append(process_id)
        if where:
            sql += " WHERE " + " AND ".join(where)
        return [InstanceRow(*r) for r in self._query(sql + " ORDER BY id", tuple(params))]  # type: ignore[arg-type]

    def ready_tasks(
        self, instance_id: int | None = None, lane: str | None = None, limit: int | None = None
    ) -> list[TaskView]:
        sql, params = self._ready_where(f"SELECT {_READY_COLUMNS} FROM ready_tasks", instance_id, lane)
        sql += " ORDER BY since, instance_id, bpmn_id"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        if self._conn is None:
            return []
        make = TaskView._make
        try:
            return [make(r) for r in self._conn.execute(sql, tuple(params))]
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"Store '{self.location}' cannot be read ({exc})") from None

    def count_ready_tasks(self, instance_id: int | None = None, lane: str | None = None) -> int:
        sql, params = self._ready_where("SELECT count(*) FROM ready_tasks", instance_id, lane)
        rows = self._query(sql, tuple(params))
        return int(rows[0][0]) if rows else 0  # type: ignore[call-overload]

    @staticmethod
    def _ready_where(sql: str, instance_id: int | None, lane: str | None) -> tuple[str, list[object]]:
        where: list[str] = []
        params: list[object] = []
        if instance_id is not None:
            where.append("instance_id = ?")
            params.append(instance_id)
        if lane is not None:
            where.append("lane = ?")
            params.append(lane)
        if where:
            sql += " WHERE " + " AND ".join(where)
        return sql, params

    def events(self, instance_id: int) -> list[EventRow]:
        rows = self._query(f"SELECT {_EVENT_COLUMNS} FROM events WHERE instance_id = ? ORDER BY seq", (instance_id,))
        return [EventRow(*r) for r in rows]  # type: ignore[arg-type]

    def event_instance_ids(self) -> list[int]:
        rows = self._query("SELECT DISTINCT instance_id FROM events ORDER BY instance_id")
        return [int(str(r[0])) for r in rows]

    def get_version(self, version: str) -> VersionRow | None:
        rows = self._query(
            "SELECT version, process_id, name, bundle, spec, created_at FROM definition_versions WHERE version = ?",
            (version,),
        )
        return VersionRow(*rows[0]) if rows else None  # type: ignore[arg-type]

    def list_versions(self) -> list[VersionCount]:
        """Every pinned version with when it was first used and how many instances run on it."""
        rows = self._query(
            "SELECT d.version, d.process_id, d.name, d.created_at, "
            "COALESCE(SUM(i.status = 'running'), 0), COUNT(i.id) FROM definition_versions d "
            "LEFT JOIN instances i ON i.version = d.version GROUP BY d.version ORDER BY d.process_id, d.created_at"
        )
        return [VersionCount(*r) for r in rows]  # type: ignore[arg-type]

    def close(self) -> None:
        """Close the connection."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None


def _statements(script: str) -> list[str]:
    """Split a migration into statements, keeping trigger bodies whole."""
    out, buf = [], ""
    for line in script.strip().splitlines():
        buf += line + "\n"
        if sqlite3.complete_statement(buf):
            out.append(buf.strip())
            buf = ""
    if buf.strip():
        out.append(buf.strip())
    return out


