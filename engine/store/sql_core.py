"""The SQL both stores share: column lists, row builders, filters and the lane match, in SQLite's `?` style
(the PostgreSQL store turns the marks into psycopg's `%s` as it runs a statement)."""

from __future__ import annotations

from typing import Any, NamedTuple

from engine.common.lanes import lane_key
from engine.store.protocol import InstanceRow

INSTANCE_COLUMNS = (
    "id, process_id, version, status, started_at, updated_at, started_by, state, state_format, "
    "row_version, last_seq, last_hash, completed_at"
)
# In TaskView's field order, so rows load straight into it.
READY_COLUMNS = "instance_id, bpmn_id, task_uuid, name, lane, form, sla, since, process_id, due, claimed_by, claimed_at"
# The same read of a store from before claims (an older PostgreSQL store, upgraded by its next write).
READY_COLUMNS_UNCLAIMED = READY_COLUMNS.replace("claimed_by, claimed_at", "NULL, NULL")
TIMER_COLUMNS = "instance_id, task_uuid, bpmn_id, attached_to, due"
STEP_COLUMNS = (
    "instance_id, task_uuid, bpmn_id, name, lane, sla, ready_seq, ready_at, due, done_seq, done_at, taken, process_id"
)
EVENT_COLUMNS = "instance_id, seq, type, time, task, task_uuid, actor, operator, version, data, hash"
VERSION_COLUMNS = "version, process_id, name, bundle, spec, created_at"
ROLES_COLUMNS = "seq, time, actor, version, source, people, hash"
OUTBOX_COLUMNS = "position, kind, instance_id, task, task_uuid, lane, actor, time, data"

# Attached files: a file once by SHA-256 in numbered chunks, and the events that name it.
ATTACHMENT_COLUMNS = "instance_id, seq, task, field, position, sha256, name, media_type, size"
BLOB_COLUMNS = "sha256, size, media_type, chunks, created_at"
# People signing in to `sop serve` (not audited: no part of any instance's history).
ACCOUNT_COLUMNS = "login, password_hash, set_at, set_by"
DRAFT_COLUMNS = "instance_id, task_uuid, login, data, saved_at"


class Dialect(NamedTuple):
    """The few spellings that differ between the two stores' shared queries."""

    empty_bytes: str  # an empty state value, for listings that leave the state out
    concat_slas: str  # the completed steps' Mutu Baku joined by ','
    unmeasured_steps: str  # the steps table as the unmeasured-steps query reads it (SQLite names its index)
    row_lock: str  # appended to the instance read that takes the command's lock
    roles_lock: tuple[str, str]  # (shared, exclusive) statements locking the roles in force; '' for none
    outbox_lock: str  # the statement that makes outbox positions commit in order; '' when writers are serialized
    login_lock: str = ""  # the statement (one `?`: the login) that serializes sign-ins of one login; '' for none
    accounts_lock: str = ""  # the statement that serializes appends to the accounts log; '' when writers are
    # serialized already (SQLite's BEGIN IMMEDIATE)
    words_match: str = ""  # the condition (one `?`: the words query) matching an instance `i`'s search words
    words_query: str = "fts5"  # how the words query is written: "fts5" (SQLite) or "tsquery" (PostgreSQL)
    monev_lock: str = ""  # the statement that serializes appends to the monitoring log; '' when writers are serialized
    percentile: bool = False  # the store computes medians in a grouped query (percentile_cont: PostgreSQL)


# PostgreSQL's advisory lock key of the roles in force: a completion holds it shared, `sop roles apply` exclusively.
ROLES_LOCK = 0x534F5032
# PostgreSQL's advisory lock key of the outbox: taken just before a transaction writes its outbox rows and held to
# its commit, so positions (an identity, allocated at insert) commit in increasing order. SQLite's BEGIN IMMEDIATE
# serializes writers already.
OUTBOX_LOCK = 0x534F5033
# PostgreSQL's advisory lock class of sign-ins: one login's throttle is read and its attempt recorded under it.
LOGIN_LOCK = 0x534F5034
# PostgreSQL's advisory lock key of the accounts log: held from reading its last event to the commit.
ACCOUNTS_LOCK = 0x534F5035
# PostgreSQL's advisory lock key of the monitoring log (engine/store/monev_rows.py), held likewise.
MONEV_LOCK = 0x534F5036
SQLITE = Dialect("x''", "group_concat(sla, ',')", "steps INDEXED BY steps_unmeasured", "", ("", ""), "", "", "",
                 "i.id IN (SELECT rowid FROM instance_words WHERE instance_words MATCH ?)", "fts5")
POSTGRESQL = Dialect("''::bytea", "string_agg(sla, ',')", "steps", " FOR UPDATE",
                     (f"SELECT pg_advisory_xact_lock_shared({ROLES_LOCK})",
                      f"SELECT pg_advisory_xact_lock({ROLES_LOCK})"),
                     f"SELECT pg_advisory_xact_lock({OUTBOX_LOCK})",
                     f"SELECT pg_advisory_xact_lock({LOGIN_LOCK}, hashtext(?))",
                     f"SELECT pg_advisory_xact_lock({ACCOUNTS_LOCK})",
                     "to_tsvector('simple', t.search) @@ to_tsquery('simple', ?)", "tsquery", percentile=True,
                     monev_lock=f"SELECT pg_advisory_xact_lock({MONEV_LOCK})")


def completed_column(alias: str, stored: bool) -> str:
    """When an instance (table alias) completed: its completed_at column, or, in a store from before that column
    (a PostgreSQL store read before its upgrade), its instance-completed event's time, as the upgrade fills it."""
    if stored:
        return f"{alias}.completed_at"
    return (f"(SELECT max(e.time) FROM events e WHERE e.instance_id = {alias}.id "
            "AND e.type = 'instance-completed')")


def instance_columns(stored: bool) -> str:
    """INSTANCE_COLUMNS as an `instances i` read selects them (stored: the store has the completed_at column)."""
    columns = ", ".join(f"i.{c}" for c in INSTANCE_COLUMNS.split(", ")[:-1])
    return f"{columns}, {completed_column('i', stored)}"


def marks(count: int) -> str:
    """`?, ?, ...` for a row of `count` values."""
    return ", ".join("?" * count)


def instance_row(row: tuple[Any, ...]) -> InstanceRow:
    """An instances row as InstanceRow, its state as bytes (psycopg may hand back a memoryview)."""
    values = list(row)
    values[7] = bytes(values[7])
    return InstanceRow(*values)


def plain_row(row: tuple[Any, ...]) -> tuple[Any, ...]:
    """A row with any memoryview (psycopg's bytea) as bytes, so both stores hand back equal rows."""
    return tuple(bytes(value) if isinstance(value, memoryview) else value for value in row)


def matching_lanes(
    stored: list[str], lane: str | None, lanes: tuple[str, ...] | None
) -> tuple[str, ...] | None:
    """The stored lane names a --lane value and a lanes filter stand for (ignoring case and extra spaces), or
    None when neither filters."""
    if lane is None and lanes is None:
        return None
    keys = {lane_key(name) for name in lanes} if lanes is not None else None
    if lane is not None:
        keys = {lane_key(lane)} if keys is None else keys & {lane_key(lane)}
    assert keys is not None
    return tuple(name for name in stored if lane_key(name) in keys)


def where_equal(filters: dict[str, object]) -> tuple[str, tuple[object, ...]]:
    """` WHERE a = ? AND b = ?` for the filters that are set, and the params."""
    used = {column: value for column, value in filters.items() if value}
    if not used:
        return "", ()
    return " WHERE " + " AND ".join(f"{column} = ?" for column in used), tuple(used.values())


def ready_where(
    sql: str, instance_id: int | None, lanes: tuple[str, ...] | None, overdue_at: str | None
) -> tuple[str, tuple[object, ...]]:
    """A ready-task query with its filters: instance, exact stored lane names, due before a time."""
    where: list[str] = []
    params: list[object] = []
    if instance_id is not None:
        where.append("instance_id = ?")
        params.append(instance_id)
    if lanes is not None:
        where.append(f"lane IN ({marks(len(lanes))})" if lanes else "1 = 0")
        params.extend(lanes)
    if overdue_at is not None:
        where.append("due < ?")
        params.append(overdue_at)
    if where:
        sql += " WHERE " + " AND ".join(where)
    return sql, tuple(params)


def done_window(process_id: str | None, since: str | None, until: str | None) -> tuple[str, tuple[object, ...]]:
    """The condition on the steps table for steps completed in [since, until), of one process when given."""
    where, params = "done_at IS NOT NULL", []
    if process_id:
        where += " AND process_id = ?"
        params.append(process_id)
    if since:
        where += " AND done_at >= ?"
        params.append(since)
    if until:
        where += " AND done_at < ?"
        params.append(until)
    return where, tuple(params)


def window(
    sql: str, column: str, process_id: str | None, since: str | None, until: str | None
) -> tuple[str, tuple[object, ...]]:
    """A query (joined on instances as `i`) narrowed to one process and to `column` in [since, until)."""
    params: list[object] = []
    if process_id:
        sql += " AND i.process_id = ?"
        params.append(process_id)
    if since:
        sql += f" AND {column} >= ?"
        params.append(since)
    if until:
        sql += f" AND {column} < ?"
        params.append(until)
    return sql, tuple(params)
