"""`sop db copy`: move a whole store (SQLite <-> PostgreSQL) into an empty one, then verify every instance there."""

from __future__ import annotations

from typing import NamedTuple

from engine.common.errors import StoreError
from engine.store.opening import open_store
from engine.store.protocol import BlobRow, Store, Transaction

# Every table, parents first, with the columns copied as they are (ids, hashes and state bytes included).
TABLES: list[tuple[str, tuple[str, ...]]] = [
    ("definition_versions", ("version", "process_id", "name", "bundle", "spec", "created_at")),
    ("instances", ("id", "process_id", "version", "status", "started_at", "updated_at", "started_by", "state",
                   "state_format", "row_version", "last_seq", "last_hash", "completed_at")),
    ("ready_tasks", ("instance_id", "task_uuid", "bpmn_id", "name", "lane", "form", "sla", "since", "process_id",
                     "due", "claimed_by", "claimed_at")),
    ("events", ("instance_id", "seq", "type", "time", "task", "task_uuid", "actor", "operator", "version", "data",
                "hash")),
    ("timers", ("instance_id", "task_uuid", "bpmn_id", "attached_to", "due")),
    ("steps", ("instance_id", "task_uuid", "bpmn_id", "name", "lane", "sla", "ready_seq", "ready_at", "due",
               "done_seq", "done_at", "taken", "process_id")),
    ("days_off", ("calendar", "year", "days")),
    ("instance_times", ("instance_id", "total", "budget")),
    ("roles_events", ("seq", "time", "actor", "version", "source", "people", "hash")),
    ("attachments", ("instance_id", "seq", "task", "field", "position", "sha256", "name", "media_type", "size")),
    ("accounts", ("login", "password_hash", "set_at", "set_by")),
    ("drafts", ("instance_id", "task_uuid", "login", "data", "saved_at")),
    ("outbox", ("position", "kind", "instance_id", "task", "task_uuid", "lane", "actor", "time", "data")),
    ("outbox_cursors", ("consumer", "position", "updated_at")),
    ("session_ends", ("login", "ended_at", "ended_by")),
    ("accounts_events", ("seq", "time", "kind", "login", "actor", "data", "hash")),
    ("instance_titles", ("instance_id", "title", "search")),
    ("instance_people", ("login", "instance_id")),
    ("instance_untitled", ("instance_id", "reason")),
    ("notices", ("id", "position", "kind", "instance_id", "task", "login", "channel", "address", "message", "state",
                 "tries", "next_try", "last_error", "created_at", "sent_at")),
    ("monev_events", ("seq", "time", "kind", "process_id", "period", "item", "actor", "data", "hash")),
    ("timer_starts", ("process_id", "occurrence", "instance_id", "started_at")),
]
# The tables a source from before titles lacks: its instances are marked for the engine to work their titles out.
_SINCE_TITLES = ("instance_titles", "instance_people", "instance_untitled")
# The tables (and the ready-task columns) a source from before accounts lacks: copied only when it has them.
_SINCE_ACCOUNTS = ("accounts", "drafts")
# Tables a source from before their schema version lacks: the store's attribute naming that version.
_SINCE_ATTRIBUTE = {"notices": "notices_since", "monev_events": "monev_since", "timer_starts": "timer_starts_since"}
# The tables a source from before the outbox lacks (its copy starts with an empty outbox).
_SINCE_OUTBOX = ("outbox", "outbox_cursors")


class CopyResult(NamedTuple):
    """Rows copied per table, and the target's verification: instances verified and the problems found."""

    rows: dict[str, int]
    verified: int
    problems: tuple[str, ...]


def copy_store(source: str, target: str) -> CopyResult:
    """Copy every row of `source` into the empty store `target` in one transaction, then verify the target.

    Stop writers on the source while copying: the copy reads each table once."""
    if source.strip() == target.strip():
        raise StoreError("--from and --to name the same store; give a new, empty target")
    src = open_store(source, create=False)
    try:
        if src.schema_version() == 0:
            raise StoreError("--from {location}: no sop store there (nothing to copy); check the path or URL",
                             location=src.location)
        dst = open_store(target, create=True)
        try:
            if dst.list_versions() or dst.list_instances():
                raise StoreError(
                    "--to {location} already holds instances or definition versions; nothing was copied. "
                    "Give an empty store (a new file, or an empty database)", location=dst.location)
            counts: dict[str, int] = {}
            with dst.transaction() as tx:
                for table, columns in TABLES:
                    if table == "attachments":  # the files first, chunk by chunk (never a whole file in memory)
                        counts["blobs"], counts["blob_chunks"] = _copy_files(src, tx)
                    has = table != "roles_events" or bool(src.roles_events())  # an older source has no roles log
                    if table == "attachments":
                        has = src.schema_version() >= src.files_since
                    accounts = src.schema_version() >= src.accounts_since
                    if not accounts and table in _SINCE_ACCOUNTS:
                        has = False
                    elif not accounts and table == "ready_tasks":
                        columns = columns[:-2]  # no claims before accounts
                    if table in _SINCE_OUTBOX:
                        has = src.schema_version() >= src.outbox_since
                    if table == "session_ends":
                        has = src.schema_version() >= src.sessions_since
                    if table in _SINCE_TITLES:
                        has = src.schema_version() >= src.titles_since
                    if table in _SINCE_ATTRIBUTE:
                        has = src.schema_version() >= getattr(src, _SINCE_ATTRIBUTE[table])
                    rows = _source_rows(src, table, columns, has)
                    tx.insert_rows(table, columns, rows)
                    counts[table] = len(rows)
        finally:
            dst.close()
    finally:
        src.close()
    return verify_target(target, counts)


def _source_rows(src: Store, table: str, columns: tuple[str, ...], has: bool) -> list[tuple[object, ...]]:
    """The rows of one table to copy (has: the source has the table), those a source from before it derived."""
    if table == "instances" and src.schema_version() < src.completed_since:
        return _with_completion(src)  # a source from before the column: filled as its upgrade would
    if table == "accounts_events" and src.schema_version() < src.accounts_log_since:
        return _baseline_of(src)  # a source from before the log (read-only): the copy starts it
    if table == "instance_untitled" and not has:
        return [(r.id, "stored before titles") for r in src.list_instances()]
    return src.table_rows(table, columns) if has else []


def _with_completion(src: Store) -> list[tuple[object, ...]]:
    """The instances of a source from before instances.completed_at, each with its completion time."""
    columns = TABLES[1][1]
    done = {r.id: r.completed_at for r in src.list_instances()}  # read from the instance-completed events
    return [(*row, done.get(int(str(row[0])))) for row in src.table_rows("instances", columns[:-1])]


def _baseline_of(src: Store) -> list[tuple[object, ...]]:
    """The accounts log a store from before the log would have had after its upgrade: its baseline, if any."""
    from engine.store.accounts_log import baseline_event, migration_time

    accounts, ends = src.all_accounts(), src.all_session_ends()
    return [tuple(baseline_event(accounts, ends, migration_time()))] if accounts or ends else []


def _copy_files(src: Store, tx: Transaction) -> tuple[int, int]:
    """Copy every stored file, one chunk at a time; (files, chunks) copied."""
    if src.schema_version() < src.files_since:
        return 0, 0
    rows = src.table_rows("blobs", ("sha256", "size", "media_type", "chunks", "created_at"))
    chunks = 0
    for row in rows:
        blob = BlobRow(*row)
        tx.put_blob(blob, src.blob_chunks(blob.sha256))
        chunks += blob.chunks
    return len(rows), chunks


def verify_target(target: str, counts: dict[str, int]) -> CopyResult:
    """Verify every chain and replay of the copied store."""
    from engine.service.facade import Engine

    engine = Engine(target)
    try:
        verdicts = list(engine.audit.verify())
    finally:
        engine.close()
    problems = tuple(f"instance {v.instance} event {p.event}: {p.message}" for v in verdicts for p in v.problems)
    return CopyResult(counts, len(verdicts), problems)
