"""The dashboard's figures as SQL over the derived tables (ready_tasks, steps, instances, instance_times), written
once for both dialects: counts per lane, person and step now, on-time shares and medians per period, instances
started and finished per period. Periods are given as their boundaries (store times, ascending); a row falls in
period k when boundary k <= its time < boundary k + 1."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from engine.common.models import TaskView
from engine.store.sql_core import READY_COLUMNS, READY_COLUMNS_UNCLAIMED, completed_column, marks

Query = Callable[[str, tuple[Any, ...]], list[tuple[Any, ...]]]
WAITING_KEYS = {"lane": "lane", "person": "claimed_by", "step": "bpmn_id"}
# The measured instances completed in the window, with their period (k), process, working time and budget.
FROM_MEASURED = ("SELECT i.process_id AS process_id, {case} AS k, t.total AS total, t.budget AS budget "
                 "FROM instances i JOIN instance_times t ON t.instance_id = i.id "
                 "WHERE i.status = 'completed' AND {inside}{where}")


def period_case(column: str, bounds: tuple[str, ...]) -> tuple[str, str, tuple[str, ...]]:
    """The period number of `column` (a CASE over the inner boundaries), the condition keeping the rows inside the
    outer boundaries, and the params of both (CASE first)."""
    inner = bounds[1:-1]
    case = ("CASE " + " ".join(f"WHEN {column} < ? THEN {k}" for k in range(len(inner)))
            + f" ELSE {len(inner)} END") if inner else "0"
    return case, f"{column} >= ? AND {column} < ?", (*inner, bounds[0], bounds[-1])


def process_filter(column: str, processes: tuple[str, ...] | None) -> tuple[str, tuple[str, ...]]:
    """` AND column IN (...)` for a process list (none: every process; an empty list: no process)."""
    if processes is None:
        return "", ()
    if not processes:
        return " AND 1 = 0", ()
    return f" AND {column} IN ({marks(len(processes))})", processes


class FigureReads:
    """The dashboard's reads over one store's `_query`."""

    def __init__(self, query: Query, *, claims: bool, percentile: bool = False, completed: bool = True) -> None:
        self._query = query
        self._claims = claims
        self._percentile = percentile  # the store has percentile_cont (PostgreSQL)
        self._completed = completed_column("i", completed)  # when an instance `i` completed

    def waiting_counts(
        self, now: str, by: str, processes: tuple[str, ...] | None, limit: int
    ) -> list[tuple[str, str | None, int, int]]:
        """Ready tasks now, grouped by lane or step (per process) or by the person who claimed them: (process id,
        lane/step/login, waiting, overdue), most waiting first, at most `limit` rows."""
        column = WAITING_KEYS[by]
        if by == "person" and not self._claims:
            return []
        where, params = process_filter("process_id", processes)
        group = column if by == "person" else f"process_id, {column}"
        head = "''" if by == "person" else "process_id"
        extra = " AND claimed_by IS NOT NULL" if by == "person" else ""
        sql = (f"SELECT {head}, {column}, count(*), sum(CASE WHEN due < ? THEN 1 ELSE 0 END) FROM ready_tasks "
               f"WHERE 1 = 1{where}{extra} GROUP BY {group} ORDER BY count(*) DESC, {group} LIMIT {int(limit)}")
        return [(str(p), k, int(n), int(o or 0)) for p, k, n, o in self._query(sql, (now, *params))]

    def overdue_tasks(self, now: str, processes: tuple[str, ...] | None, limit: int) -> tuple[list[TaskView], int]:
        """The ready tasks past their due time, the longest overdue first (at most `limit`), and how many in all."""
        where, params = process_filter("process_id", processes)
        columns = READY_COLUMNS if self._claims else READY_COLUMNS_UNCLAIMED
        rows = self._query(f"SELECT {columns} FROM ready_tasks WHERE due < ?{where} ORDER BY due, instance_id, "
                           f"bpmn_id LIMIT {int(limit)}", (now, *params))
        counted = self._query(f"SELECT count(*) FROM ready_tasks WHERE due < ?{where}", (now, *params))
        return [TaskView._make(r) for r in rows], int(counted[0][0]) if counted else 0

    def on_time_by_period(
        self, bounds: tuple[str, ...], processes: tuple[str, ...] | None
    ) -> list[tuple[str, str, int, int, int, int]]:
        """Steps completed per process, step and period: (process id, BPMN id, period, completed, completed with a
        due time, completed by it)."""
        # One row per step with three sums per period (conditional aggregation): grouped by the covering index's
        # own order, with no sort of the window's rows (a GROUP BY on the period sorted 700,000 rows: 2.7 s).
        periods = len(bounds) - 1
        sums, params = [], []
        for k in range(periods):
            inside = "done_at >= ? AND done_at < ?"
            sums.append(f"sum(CASE WHEN {inside} THEN 1 ELSE 0 END), "
                        f"sum(CASE WHEN {inside} AND due IS NOT NULL THEN 1 ELSE 0 END), "
                        f"sum(CASE WHEN {inside} AND done_at <= due THEN 1 ELSE 0 END)")
            params += [bounds[k], bounds[k + 1]] * 3
        where, names = process_filter("process_id", processes)
        sql = (f"SELECT process_id, bpmn_id, {', '.join(sums)} FROM steps WHERE done_at IS NOT NULL AND done_at >= ? "
               f"AND done_at < ?{where} GROUP BY process_id, bpmn_id ORDER BY process_id, bpmn_id")
        out = []
        for row in self._query(sql, (*params, bounds[0], bounds[-1], *names)):
            for k in range(periods):
                n, measured, on_time = (int(v or 0) for v in row[2 + 3 * k: 5 + 3 * k])
                if n:
                    out.append((str(row[0]), str(row[1]), k, n, measured, on_time))
        return out

    def instance_medians(
        self, bounds: tuple[str, ...], processes: tuple[str, ...] | None
    ) -> list[tuple[str, int, int, int, float, float]]:
        """Instances completed per process and period whose times were recorded: (process id, period, measured,
        within their budget, median working seconds, median budget seconds); a median is the mean of
        the middle two for an even count."""
        case, inside, params = period_case(self._completed, bounds)
        where, names = process_filter("i.process_id", processes)
        rows = FROM_MEASURED.format(case=case, inside=inside, where=where)
        if self._percentile:  # PostgreSQL: the medians in the one grouped query
            sql = (f"SELECT process_id, k, count(*), sum(CASE WHEN total <= budget THEN 1 ELSE 0 END), "
                   f"percentile_cont(0.5) WITHIN GROUP (ORDER BY total), "
                   f"percentile_cont(0.5) WITHIN GROUP (ORDER BY budget) FROM ({rows}) periods "
                   "GROUP BY process_id, k ORDER BY process_id, k")
            return [(str(p), int(k), int(n), int(w or 0), float(m or 0), float(b or 0))
                    for p, k, n, w, m, b in self._query(sql, (*params, *names))]
        # SQLite: count per group, then read the middle one or two values of each group at their rank (OFFSET):
        # two sorts of one group's rows, not a window function over every group (3x faster at 50,000 instances).
        counted = self._query(f"SELECT process_id, k, count(*), sum(CASE WHEN total <= budget THEN 1 ELSE 0 END) "
                              f"FROM ({rows}) periods GROUP BY process_id, k ORDER BY process_id, k",
                              (*params, *names))
        out = []
        for process, k, n, within in counted:
            middle = []
            for column in ("total", "budget"):
                sql = (f"SELECT {column} FROM ({rows}) periods WHERE process_id = ? AND k = ? ORDER BY {column} "
                       f"LIMIT {2 - int(n) % 2} OFFSET {(int(n) - 1) // 2}")
                values = [float(r[0]) for r in self._query(sql, (*params, *names, process, k))]
                middle.append(sum(values) / len(values) if values else 0.0)
            out.append((str(process), int(k), int(n), int(within or 0), middle[0], middle[1]))
        return out

    def started_finished(
        self, bounds: tuple[str, ...], processes: tuple[str, ...] | None
    ) -> list[tuple[int, int, int]]:
        """Instances started and instances completed per period: (period, started, completed), every period."""
        counts = {k: [0, 0] for k in range(len(bounds) - 1)}
        where, names = process_filter("i.process_id", processes)
        for slot, column, status in ((0, "i.started_at", ""), (1, self._completed, " AND i.status = 'completed'")):
            case, inside, params = period_case(column, bounds)
            sql = f"SELECT {case}, count(*) FROM instances i WHERE {inside}{status}{where} GROUP BY 1"
            for k, n in self._query(sql, (*params, *names)):
                counts[int(k)][slot] = int(n)
        return [(k, s, f) for k, (s, f) in sorted(counts.items())]
