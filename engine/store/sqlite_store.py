"""The SQLite store: WAL, busy timeout, foreign keys, one IMMEDIATE transaction per command, schema migrations.

Its reads are the shared ones (sql_reads); what is SQLite's own is the file, the connection, the locking and
the step summary's ranks."""

from __future__ import annotations

import os
import re
import sqlite3
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, NoReturn

from engine.common.errors import StoreError
from engine.store.accounts_log import migration_time, seal_baseline
from engine.store.failpoints import failpoint
from engine.store.file_folder import FileFolder
from engine.store.labels import store_label
from engine.store.sql_core import SQLITE, done_window
from engine.store.sql_reads import SqlStoreReads
from engine.store.sqlite_schema import (
    ACCOUNTS_LOG_SINCE,
    ACCOUNTS_SINCE,
    APPLICATION_ID,
    COMPLETED_SINCE,
    FILES_SINCE,
    MIGRATIONS,
    MONEV_SINCE,
    NOTICES_SINCE,
    OUTBOX_SINCE,
    ROLES_SINCE,
    SCHEMA_TABLES,
    SCHEMA_VERSION,
    SESSIONS_SINCE,
    TIMER_STARTS_SINCE,
    TITLES_SINCE,
)

if TYPE_CHECKING:
    from engine.store.sqlite_transaction import SqliteTransaction

BUSY_TIMEOUT_MS = 15000


def _sync_mode() -> str:
    mode = os.environ.get("SOP_SYNC", "full").strip().upper()
    if mode not in ("FULL", "NORMAL"):
        raise StoreError("SOP_SYNC={mode!r} is not a sync mode; use full (default) or normal", mode=mode.lower())
    return mode


class SqliteStore(SqlStoreReads):
    """A sop store in one SQLite file."""

    dialect = SQLITE
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

    def __init__(self, path: str, create: bool) -> None:
        self.location = store_label(path)
        self.read_only = False
        self.files = FileFolder(path)
        self._conn: sqlite3.Connection | None = None
        exists = os.path.exists(path)
        self.missing = not exists and not create
        if os.path.isdir(path):
            raise StoreError("--db '{path}' is a folder; give the path of a store file such as ./sop.db", path=path)
        if exists and not stat.S_ISREG(os.stat(path).st_mode):
            raise StoreError("--db '{path}' is not a regular file (a device, pipe or socket); give the path of a "
                             "store file such as ./sop.db", path=path)
        if not exists and not create:
            return  # reads of a store that does not exist yet see an empty store; nothing is created
        folder = os.path.dirname(os.path.abspath(path))
        if not os.path.isdir(folder):
            raise StoreError("Cannot open store '{path}': folder '{folder}' does not exist; create it or fix --db",
                             path=path, folder=folder)
        self.read_only = exists and not (os.access(path, os.W_OK) and os.access(folder, os.W_OK))
        if not exists and not os.access(folder, os.W_OK):
            raise StoreError("Cannot create store '{path}': folder '{folder}' is not writable; fix --db",
                             path=path, folder=folder)
        if not exists:
            self._create(path)
            return
        try:
            self._check_and_upgrade(path, create)
        except StoreError:
            self.close()  # a refused store is left as it was: no -wal or -shm beside it
            raise

    def _create(self, path: str) -> None:
        """Create the store file and its schema; on any failure (a full disk) remove what was made and say so."""
        leftovers = [p for p in (path, f"{path}-wal", f"{path}-shm", f"{path}-journal") if not os.path.lexists(p)]
        try:
            _create_group_writable(path)
            self._check_and_upgrade(path, True)
        except (OSError, sqlite3.DatabaseError, StoreError) as exc:
            self.close()
            for made in leftovers:
                try:
                    os.unlink(made)
                except OSError:
                    pass  # never made, or already gone
            cause = exc.__cause__ if isinstance(exc, StoreError) else exc  # migrate keeps SQLite's own error
            if not isinstance(cause, (OSError, sqlite3.DatabaseError)):
                raise
            reason = cause.strerror if isinstance(cause, OSError) and cause.strerror else str(cause)
            raise StoreError("Cannot create store '{path}' ({reason}); nothing was created. Free some disk space "
                             "or choose another --db", path=path, reason=reason) from None

    def _check_and_upgrade(self, path: str, create: bool) -> None:
        version, application = self._open(path)
        if version < 0:
            self.close()
            raise StoreError("Store '{path}' has schema version {version}, which no sop writes: the file is "
                             "damaged or was edited by hand; restore it from a backup", path=path, version=version)
        if application == APPLICATION_ID and version > 0:
            self._check_tables(version)
        if version == 0 and application == 0:
            self._check_empty()
        elif application != APPLICATION_ID:
            self.close()
            raise StoreError(
                "'{path}' is a SQLite database of some other program, not a sop store; "
                "pass --db the path of a sop store, or a new file name to create one", path=path
            )
        self._upgrade(version, create)

    def _check_tables(self, version: int) -> None:
        """A user_version that the tables do not bear out (set by hand, or a half-copied file) is refused."""
        assert self._conn is not None
        try:
            present = {r[0] for r in self._conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        except sqlite3.DatabaseError as exc:
            self._fail_open(exc)
        missing = sorted(t for since, tables in SCHEMA_TABLES for t in tables
                         if since <= min(version, SCHEMA_VERSION) and t not in present)
        if missing:
            self.close()
            raise StoreError("Store '{location}' says schema version {version} but has no table "
                             "{missing}: it is damaged or was edited by hand; restore it from a backup",
                             location=self.location, version=version, missing=', '.join(missing))

    def _open(self, path: str) -> tuple[int, int]:
        """Connect with the store's settings; the file's schema version and application id."""
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
        return int(version), int(application)

    def _upgrade(self, version: int, create: bool) -> None:
        """Refuse a newer schema; migrate an older one (a new empty file only when asked to create)."""
        if version > SCHEMA_VERSION:
            raise StoreError(
                "Store '{location}' has schema version {version}, newer than this sop understands "
                "({schema_version}); upgrade sop",
                location=self.location, version=version, schema_version=SCHEMA_VERSION
            )
        if version < SCHEMA_VERSION:
            if not create and version == 0 and self._conn is not None:
                self._conn.close()
                self._conn = None
                return
            if self.read_only:
                raise StoreError(
                    "Store '{location}' is read-only and has schema version {version}; this sop needs "
                    "{schema_version}: upgrade a writable copy",
                    location=self.location, version=version, schema_version=SCHEMA_VERSION
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
                    "Store '{path}' is read-only and has commits not yet merged from '{wal}'; open a writable "
                    "copy once (any sop command) to merge them, then read it", path=path, wal=wal
                ) from None
        return sqlite3.connect(f"file:{target}?immutable=1", uri=True, isolation_level=None)

    def _fail_open(self, exc: sqlite3.DatabaseError) -> NoReturn:
        raise StoreError(
            "'{location}' is not a sop store (SQLite says: {exc}); pass --db the path of a sop store, "
            "or a new file name to create one", location=self.location, exc=exc
        ) from None

    def _check_empty(self) -> None:
        assert self._conn is not None
        tables = self._conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
        if tables:
            raise StoreError(
                "'{location}' is a SQLite database of some other program, not a sop store; "
                "pass --db the path of a sop store, or a new file name to create one", location=self.location
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
                    if not _column_there(conn, statement):
                        conn.execute(statement)
                if number == ACCOUNTS_LOG_SINCE:
                    seal_baseline(lambda sql: conn.execute(sql).fetchall(), conn.execute, migration_time())
            if target > current:
                conn.execute(f"PRAGMA user_version = {int(target)}")
            conn.execute("COMMIT")
        except sqlite3.DatabaseError as exc:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise StoreError("Store '{location}' cannot be brought to schema version {target} (SQLite says: "
                             "{exc}); nothing was changed. Restore it from a backup, or free disk space",
                             location=self.location, target=target, exc=exc) from exc
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise

    def _require(self) -> sqlite3.Connection:
        if self._conn is None:
            raise StoreError("Store '{location}' does not exist yet; start an instance to create it",
                             location=self.location)
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
        from engine.store.sqlite_transaction import SqliteTransaction  # writers only: not on the listing path

        conn = self._require()
        if self.read_only:
            raise StoreError("Store '{location}' is read-only; nothing was saved. Use a writable store",
                             location=self.location)
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise StoreError(
                "Store '{location}' is busy or read-only ({exc}); nothing was saved; try again",
                location=self.location, exc=exc
            ) from None
        tx = SqliteTransaction(conn, self.files)
        try:
            yield tx
            tx.flush_outbox()
            failpoint("before-commit")
            conn.execute("COMMIT")
        except sqlite3.IntegrityError as exc:
            self._roll_back(tx)
            raise StoreError("Store '{location}' refused the change ({exc}); nothing was saved",
                             location=self.location, exc=exc) from None
        except sqlite3.DatabaseError as exc:
            self._roll_back(tx)
            raise StoreError("Store '{location}' failed ({exc}); nothing was saved",
                             location=self.location, exc=exc) from None
        except BaseException:
            self._roll_back(tx)
            raise

    def _roll_back(self, tx: SqliteTransaction) -> None:
        """Remove the files the transaction put in the folder, then roll back (so the lock covers both)."""
        try:
            tx.unplace()
        finally:
            if tx.conn.in_transaction:
                tx.conn.execute("ROLLBACK")

    def file_stage(self) -> FileFolder | None:
        """Where a command copies a new file before it locks the store (None: read-only, or not created)."""
        return self.files if self._conn is not None and not self.read_only else None

    def blob_chunks(self, sha256: str) -> Iterator[bytes]:
        """A stored file's bytes: the chunks of a file stored before schema 7, else its file in the folder."""
        if not self._has_files():
            return
        if self._query("SELECT 1 FROM blob_chunks WHERE sha256 = ? LIMIT 1", (sha256,)):
            yield from super().blob_chunks(sha256)
        elif self._query("SELECT 1 FROM blobs WHERE sha256 = ?", (sha256,)):
            yield from self.files.read(sha256)

    def stray_files(self) -> list[str]:
        """Files in the folder no store row names (a crash between rename and commit), and stale staged copies."""
        stored = {r[0] for r in self._query("SELECT sha256 FROM blobs")} if self._has_files() else set()
        return self.files.leftovers(stored)

    def _query(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        if self._conn is None:
            return []
        try:
            return self._conn.execute(sql, params).fetchall()
        except sqlite3.DatabaseError as exc:
            raise StoreError("Store '{location}' cannot be read ({exc})", location=self.location, exc=exc) from None

    def step_summary(self, process_id: str | None, since: str | None, until: str | None) -> list[tuple[Any, ...]]:
        """Per process and step: name, lane, sla, completed, completed by the due time, median and p90 taken."""
        # Counted on the covering index steps_taken; the median and p90 are read at their rank with OFFSET, so
        # no step row is loaded into Python (65,000 steps: ~15 ms instead of ~200 ms).
        where, params = done_window(process_id, since, until)
        groups = self._query(
            f"SELECT process_id, bpmn_id, count(*), total(done_at <= due) FROM steps WHERE {where} "
            "GROUP BY process_id, bpmn_id ORDER BY process_id, bpmn_id", params)
        out = []
        for process, task, count, within in groups:
            one = f"{where} AND process_id = ? AND bpmn_id = ?"
            args = (*params, process, task)
            name, lane, sla = self._query(f"SELECT name, lane, sla FROM steps WHERE {one} LIMIT 1", args)[0]
            n = int(count)
            pair = self._taken_at(one, args, (n - 1) // 2, 2)
            middle = pair[0] if n % 2 else (pair[0] + pair[1]) / 2
            p90 = self._taken_at(one, args, (9 * n + 9) // 10 - 1, 1)[0]
            out.append((process, task, name, lane, sla, n, within, middle, p90))
        return out

    def _taken_at(self, where: str, params: tuple[Any, ...], offset: int, count: int) -> list[float]:
        """The times taken of `count` steps from rank `offset` (0-based) in ascending order."""
        sql = f"SELECT taken FROM steps WHERE {where} ORDER BY taken LIMIT {int(count)} OFFSET {int(offset)}"
        return [float(r[0]) for r in self._query(sql, params)]

    def close(self) -> None:
        """Close the connection."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None


def _create_group_writable(path: str) -> None:
    """Create the store file read-write for its group, so several OS accounts of one group can share it, and for
    no one else (it holds the password hashes of `sop serve`).

    SQLite gives the -wal and -shm files it creates later the same mode as the store file."""
    fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o660)
    try:
        mode = os.fstat(fd).st_mode & 0o7777
        os.fchmod(fd, (mode | 0o060) & ~0o007)  # the umask usually takes the group's write bit; others get nothing
    finally:
        os.close(fd)


_ADD_COLUMN = re.compile(r"ALTER TABLE (\w+) ADD COLUMN (\w+)", re.IGNORECASE)


def _column_there(conn: sqlite3.Connection, statement: str) -> bool:
    """True for an `ALTER TABLE t ADD COLUMN c` whose column is there already (SQLite has no ADD COLUMN IF NOT
    EXISTS): a store whose version was set back by hand after an upgrade upgrades again."""
    found = _ADD_COLUMN.match(statement)
    if found is None:
        return False
    table, column = found.groups()
    return any(row[1] == column for row in conn.execute(f"PRAGMA table_info({table})"))


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


