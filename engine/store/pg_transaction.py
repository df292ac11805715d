"""The reads and writes of one command on the PostgreSQL store: the instance row locked FOR UPDATE, due timers
claimed with SKIP LOCKED."""

from __future__ import annotations

import json
from typing import Any

import psycopg

from engine.common.errors import StoreError
from engine.common.models import TaskView
from engine.store.protocol import EventRow, InstanceRow, StepRow, TimerRow, VersionRow
from engine.store.sqlite_store import failpoint

_INSTANCE_COLUMNS = (
    "id, process_id, version, status, started_at, updated_at, started_by, state, state_format, "
    "row_version, last_seq, last_hash"
)
_READY_COLUMNS = "instance_id, bpmn_id, task_uuid, name, lane, form, sla, since, process_id, due"
_TIMER_COLUMNS = "instance_id, task_uuid, bpmn_id, attached_to, due"
_STEP_COLUMNS = (
    "instance_id, task_uuid, bpmn_id, name, lane, sla, ready_seq, ready_at, due, done_seq, done_at, taken, process_id"
)
_EVENT_COLUMNS = "instance_id, seq, type, time, task, task_uuid, actor, operator, version, data, hash"
_VERSION_COLUMNS = "version, process_id, name, bundle, spec, created_at"


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def _instance(row: tuple[Any, ...]) -> InstanceRow:
    values = list(row)
    values[7] = bytes(values[7])
    return InstanceRow(*values)


class PgTransaction:
    """The reads and writes of one command inside BEGIN ... COMMIT."""

    def __init__(self, conn: psycopg.Connection[Any]) -> None:
        self.conn = conn

    def _all(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        return self.conn.execute(sql, params).fetchall()

    def get_version(self, version: str) -> VersionRow | None:
        rows = self._all(f"SELECT {_VERSION_COLUMNS} FROM definition_versions WHERE version = %s", (version,))
        return VersionRow(*rows[0]) if rows else None

    def put_version(self, row: VersionRow) -> None:
        self.conn.execute("INSERT INTO definition_versions VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
                          tuple(row))

    def create_instance(self, row: InstanceRow) -> int:
        rows = self._all(
            f"INSERT INTO instances ({_INSTANCE_COLUMNS[4:]}) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) "
            "RETURNING id", tuple(row)[1:])
        return int(rows[0][0])

    def lock_instance(self, instance_id: int) -> InstanceRow | None:
        rows = self._all(f"SELECT {_INSTANCE_COLUMNS} FROM instances WHERE id = %s FOR UPDATE", (instance_id,))
        return _instance(rows[0]) if rows else None

    def ready_tasks(self, instance_id: int) -> list[TaskView]:
        sql = f"SELECT {_READY_COLUMNS} FROM ready_tasks WHERE instance_id = %s ORDER BY since, bpmn_id"
        return [TaskView._make(r) for r in self._all(sql, (instance_id,))]

    def events(self, instance_id: int) -> list[EventRow]:
        sql = f"SELECT {_EVENT_COLUMNS} FROM events WHERE instance_id = %s ORDER BY seq"
        return [EventRow(*r) for r in self._all(sql, (instance_id,))]

    def save_instance(self, row: InstanceRow, expected_row_version: int) -> None:
        cur = self.conn.execute(
            "UPDATE instances SET status = %s, updated_at = %s, state = %s, state_format = %s, row_version = %s, "
            "last_seq = %s, last_hash = %s, version = %s WHERE id = %s AND row_version = %s",
            (row.status, row.updated_at, row.state, row.state_format, row.row_version, row.last_seq,
             row.last_hash, row.version, row.id, expected_row_version),
        )
        if cur.rowcount != 1:
            raise StoreError(f"Instance {row.id} changed meanwhile; nothing was saved; try again")
        failpoint("after-state")

    def replace_ready_tasks(self, instance_id: int, rows: list[TaskView]) -> None:
        self.conn.execute("DELETE FROM ready_tasks WHERE instance_id = %s", (instance_id,))
        if rows:
            with self.conn.cursor() as cur:
                cur.executemany(f"INSERT INTO ready_tasks ({_READY_COLUMNS}) VALUES ({', '.join(['%s'] * 10)})",
                                [(instance_id, *r[1:]) for r in rows])

    def append_event(self, row: EventRow) -> None:
        self.conn.execute(f"INSERT INTO events ({_EVENT_COLUMNS}) VALUES ({', '.join(['%s'] * 11)})", tuple(row))
        failpoint("after-event")

    def timers(self, instance_id: int) -> list[TimerRow]:
        sql = f"SELECT {_TIMER_COLUMNS} FROM timers WHERE instance_id = %s ORDER BY due, task_uuid"
        return [TimerRow(*r) for r in self._all(sql, (instance_id,))]

    def replace_timers(self, instance_id: int, rows: list[TimerRow]) -> None:
        self.conn.execute("DELETE FROM timers WHERE instance_id = %s", (instance_id,))
        if rows:
            with self.conn.cursor() as cur:
                cur.executemany(f"INSERT INTO timers ({_TIMER_COLUMNS}) VALUES (%s, %s, %s, %s, %s)",
                                [(instance_id, *r[1:]) for r in rows])

    def claim_due_timer(self, now: str, skip: set[tuple[int, str]]) -> TimerRow | None:
        # The instance row is locked with the timer: a ticker never waits on an instance another ticker is
        # firing (that would deadlock on the timers it replaces); it takes the next free timer instead.
        rows = self._all(
            "SELECT t.instance_id, t.task_uuid, t.bpmn_id, t.attached_to, t.due FROM timers t "
            "JOIN instances i ON i.id = t.instance_id WHERE t.due <= %s "
            "AND NOT (t.instance_id::text || ' ' || t.task_uuid = ANY(%s)) "
            "ORDER BY t.due, t.instance_id, t.task_uuid LIMIT 1 FOR UPDATE SKIP LOCKED",
            (now, [f"{i} {u}" for i, u in skip]),
        )
        return TimerRow(*rows[0]) if rows else None

    def put_days_off(self, calendar: str, year: int, days: list[str]) -> None:
        self.conn.execute("INSERT INTO days_off VALUES (%s, %s, %s) ON CONFLICT (calendar, year) "
                          "DO UPDATE SET days = EXCLUDED.days", (calendar, year, json.dumps(days)))

    def step_slas(self, instance_id: int) -> list[str]:
        sql = "SELECT sla FROM steps WHERE instance_id = %s AND done_at IS NOT NULL AND sla IS NOT NULL"
        return [str(r[0]) for r in self._all(sql, (instance_id,))]

    def finish_instance(self, instance_id: int, total: float, budget: float) -> None:
        self.conn.execute("INSERT INTO instance_times VALUES (%s, %s, %s) ON CONFLICT (instance_id) "
                          "DO UPDATE SET total = EXCLUDED.total, budget = EXCLUDED.budget",
                          (instance_id, total, budget))

    def ready_without_due(self) -> list[TaskView]:
        sql = f"SELECT {_READY_COLUMNS} FROM ready_tasks WHERE due IS NULL AND sla IS NOT NULL"
        return [TaskView._make(r) for r in self._all(sql)]

    def set_due(self, instance_id: int, task_uuid: str, due: str) -> None:
        for table in ("ready_tasks", "steps"):
            self.conn.execute(f"UPDATE {table} SET due = %s WHERE instance_id = %s AND task_uuid = %s",
                              (due, instance_id, task_uuid))

    def add_steps(self, rows: list[StepRow]) -> None:
        if rows:
            with self.conn.cursor() as cur:
                cur.executemany(f"INSERT INTO steps ({_STEP_COLUMNS}) VALUES ({', '.join(['%s'] * 13)}) "
                                "ON CONFLICT DO NOTHING", [tuple(r) for r in rows])

    def finish_step(self, instance_id: int, task_uuid: str, done_seq: int, done_at: str, taken: float) -> None:
        self.conn.execute(
            "UPDATE steps SET done_seq = %s, done_at = %s, taken = %s WHERE instance_id = %s AND task_uuid = %s",
            (done_seq, done_at, taken, instance_id, task_uuid))

    def insert_rows(self, table: str, columns: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
        if rows:
            with self.conn.cursor() as cur:
                marks = ", ".join(["%s"] * len(columns))
                cur.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)
        if table == "instances":  # new instances continue after the copied ids
            self.conn.execute("SELECT setval(pg_get_serial_sequence('instances', 'id'), "
                              "GREATEST((SELECT max(id) FROM instances), 1))")
