"""The monitoring log of the SOPs (Permen PANRB 35/2012): each Catatan / Tindakan / Paraf written on a step's row of
the monitoring form and each evaluation against the seven criteria, one hash-chained, append-only row each; the
counts the monitoring form reads beside the step figures; and what `sop verify` finds wrong with the log."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from engine.common.canonical import canonical_json, chain_hash
from engine.store.protocol import MonevEventRow
from engine.store.sql_core import Dialect

MONEV_COLUMNS = "seq, time, kind, process_id, period, item, actor, data, hash"
INSERT_MONEV_EVENT = f"INSERT INTO monev_events ({MONEV_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
NOTE, EVALUATION = "note", "evaluation"
Query = Callable[..., list[tuple[Any, ...]]]


def sealed_monev_event(previous: MonevEventRow | None, row: MonevEventRow, data: dict[str, Any]) -> MonevEventRow:
    """The next monitoring event, numbered and chained onto the previous one's hash ('' for the first)."""
    row = row._replace(seq=(previous.seq if previous else 0) + 1, data=canonical_json(data), hash="")
    return row._replace(hash=chain_hash(previous.hash if previous else "", _body(row, data)))


def monev_event_hash(previous: str, row: MonevEventRow, data: Any) -> str:
    """The hash a monitoring event holds: over the previous event's hash and its columns (data parsed)."""
    return chain_hash(previous, _body(row, data))


def _body(row: MonevEventRow, data: Any) -> dict[str, Any]:
    """A monitoring event as its hash covers it: every column but the hash, the data as parsed JSON."""
    return {"seq": row.seq, "time": row.time, "kind": row.kind, "process": row.process_id, "period": row.period,
            "item": row.item, "actor": row.actor, "data": data}


def monev_log_problems(rows: list[MonevEventRow]) -> list[str]:
    """What is wrong with the monitoring log: numbering, dates, each hash over the previous (an edited note)."""
    problems: list[str] = []
    previous, before = "", ""
    for expected, row in enumerate(rows, 1):
        where = f"monitoring event {row.seq} ({row.kind} of {row.process_id} {row.period} by {row.actor} at {row.time})"
        if row.seq != expected:
            problems.append(f"monitoring event {expected} is missing or out of order (found {row.seq})")
        if row.time < before:
            problems.append(f"{where} is dated before the monitoring event it follows ({before}): backdated")
        before = max(before, row.time)
        try:
            data = json.loads(row.data)
        except ValueError:
            problems.append(f"{where}: its data is not readable")
            previous = row.hash
            continue
        if chain_hash(previous, _body(row, data)) != row.hash:
            problems.append(f"{where}: hash mismatch — the monitoring event was altered, or one before it removed")
        previous = row.hash
    return problems


class MonevReads:
    """The reads of the monitoring form: its log, and the counts it shows beside the step figures."""

    def __init__(self, query: Query) -> None:
        self.query = query

    def events(self, process_id: str | None) -> list[MonevEventRow]:
        """The monitoring log in order (of one process, or all)."""
        where, params = (" WHERE process_id = ?", (process_id,)) if process_id else ("", ())
        return [MonevEventRow(int(r[0]), *r[1:]) for r in
                self.query(f"SELECT {MONEV_COLUMNS} FROM monev_events{where} ORDER BY seq", params)]

    def step_counts(self, process_id: str, since: str, until: str, now: str) -> dict[str, tuple[int, int]]:
        """Per step (BPMN id): the returns for revision that reopened it in [since, until) (task-returned events,
        whose task is the reopened step), and its ready tasks overdue at `now`."""
        found: dict[str, list[int]] = {}
        returned = self.query(
            "SELECT e.task, count(*) FROM events e JOIN instances i ON i.id = e.instance_id "
            "WHERE e.type = 'task-returned' AND i.process_id = ? AND e.time >= ? AND e.time < ? GROUP BY e.task",
            (process_id, since, until))
        for task, count in returned:
            found.setdefault(str(task), [0, 0])[0] = int(count)
        overdue = self.query("SELECT bpmn_id, count(*) FROM ready_tasks WHERE process_id = ? AND due < ? "
                             "GROUP BY bpmn_id", (process_id, now))
        for task, count in overdue:
            found.setdefault(str(task), [0, 0])[1] = int(count)
        return {task: (pair[0], pair[1]) for task, pair in found.items()}


class MonevWrites:
    """The monitoring log's append inside one transaction (its `_run`/`_all`)."""

    def __init__(self, run: Callable[..., int], query: Query, dialect: Dialect) -> None:
        self.run = run
        self.query = query
        self.dialect = dialect

    def append(self, row: MonevEventRow, data: dict[str, Any]) -> MonevEventRow:
        """Append one event chained onto the last one (held against other appends until commit); a clock that
        stepped back never dates an event before the one it follows."""
        if self.dialect.monev_lock:
            self.query(self.dialect.monev_lock)
        rows = self.query(f"SELECT {MONEV_COLUMNS} FROM monev_events ORDER BY seq DESC LIMIT 1")
        previous = MonevEventRow(int(rows[0][0]), *rows[0][1:]) if rows else None
        if previous is not None and previous.time > row.time:
            row = row._replace(time=previous.time)
        sealed = sealed_monev_event(previous, row, data)
        self.run(INSERT_MONEV_EVENT, tuple(sealed))
        return sealed
