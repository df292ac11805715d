"""(d) The dashboard's figures at the scale of a Kabupaten: `engine.time.summary()` (everything `/ringkasan` and
`sop report summary` show) and `engine.time.heat()` (the bottleneck diagram's figures) on a store holding a year of
100,000 instances of the Interkoneksi SOP, SQLite and PostgreSQL.

The store is made by SQL straight into the derived tables the figures read (instances, steps, instance_times,
ready_tasks), not by running 100,000 instances through the engine: instance n starts at an even spread over 2026
(January to December), goes through the SOP's 13 steps, each taking a working time drawn from a fixed
pseudo-random sequence around its Mutu Baku (a quarter of them late); the newest 5% still run, waiting at a step
(half of those overdue, a third claimed). About 1.3 million step rows. The clock stands at 15 December 2026, so the
seven months shown hold about 58% of them. Figures: p50 and p95 of each call, milliseconds, after one warm call
(timed too: it reads the months that have ended, which later calls keep).
Run: python bench/dashboard_figures.py [--instances 100000] [--repeat 20] [--quick] [--no-postgres] [--json]
"""

from __future__ import annotations

import argparse
import json
import math
import random
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from web_bench import stores  # noqa: E402

PROCESS = "interkoneksi_data_baru"
NOW = "2026-12-15T03:00:00.000Z"  # Tuesday 10:00 WIB
YEAR = datetime(2026, 1, 1, tzinfo=UTC)
Figures = dict[str, Any]


def stamp(moment: datetime) -> str:
    """A time as the store writes it."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def steps_of_sop() -> list[tuple[str, str, str | None, str | None, float]]:
    """(BPMN id, name, lane, Mutu Baku, its seconds) of each step of the SOP, in order."""
    from engine.common.work_calendar import load_calendar, sla_seconds
    from engine.definitions.catalog import scan

    clock = load_calendar(ROOT / "definitions" / "calendar.yaml")
    definition = scan(ROOT / "definitions", ROOT / "forms").get(PROCESS)

    return [(s.bpmn_id, s.name, s.lane, s.sla, sla_seconds(clock, s.sla) if s.sla else 3600.0)
            for s in definition.steps]


def rows(count: int) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], list[tuple[Any, ...]],
                              list[tuple[Any, ...]]]:
    """The rows of instances, steps, instance_times and ready_tasks for `count` instances over the year."""
    sop = steps_of_sop()
    pick = random.Random(2026)
    instances, steps, times, ready = [], [], [], []
    spread = timedelta(days=348) / count
    running_from = int(count * 0.95)
    for n in range(1, count + 1):
        started = YEAR + spread * (n - 1)
        at = started
        total = budget = 0.0
        running = n > running_from
        stop = pick.randrange(len(sop)) if running else len(sop)
        for k, (bpmn, name, lane, sla, seconds) in enumerate(sop):
            due = at + timedelta(seconds=seconds * 2)  # wall time: a working day is about half a wall day
            if k == stop:
                overdue = pick.random() < 0.5
                since = at if not overdue else datetime(2026, 12, 10, tzinfo=UTC)
                claimed = "tim.jaringan" if pick.random() < 0.33 else None
                ready.append((n, f"u{n}-{k}", bpmn, name, lane, None, sla, stamp(since), PROCESS,
                              stamp(since + timedelta(seconds=seconds * 2)), claimed,
                              stamp(since) if claimed else None))
                break
            taken = seconds * (pick.lognormvariate(-0.4, 0.6))
            done = at + timedelta(seconds=taken * 2)
            steps.append((n, f"u{n}-{k}", bpmn, name, lane, sla, 2 * k + 1, stamp(at), stamp(due), 2 * k + 2,
                          stamp(done), taken, PROCESS))
            total += taken
            budget += seconds
            at = done
        instances.append((n, PROCESS, "bench", "running" if running else "completed", stamp(started), stamp(at),
                          "opd.dinkes", b"", "zlib-json/1", 1, 2 * len(sop), "-"))
        if not running:
            times.append((n, total, budget))
    return instances, steps, times, ready


INSTANCE = ("id, process_id, version, status, started_at, updated_at, started_by, state, state_format, row_version, "
            "last_seq, last_hash")
STEP = ("instance_id, task_uuid, bpmn_id, name, lane, sla, ready_seq, ready_at, due, done_seq, done_at, taken, "
        "process_id")
READY = "instance_id, task_uuid, bpmn_id, name, lane, form, sla, since, process_id, due, claimed_by, claimed_at"


def build(url: str, count: int) -> None:
    """A new store at url holding `count` instances' derived rows."""
    from engine.store.opening import open_store

    store = open_store(url, create=True)
    store.close()
    instances, steps, times, ready = rows(count)
    version = ("bench", PROCESS, "Pelaksanaan Interkoneksi Data Baru", "{}", "{}", stamp(YEAR))
    tables = [("definition_versions", "version, process_id, name, bundle, spec, created_at", [version]),
              ("instances", INSTANCE, instances), ("steps", STEP, steps),
              ("instance_times", "instance_id, total, budget", times), ("ready_tasks", READY, ready)]
    if url.startswith("postgresql://"):
        import psycopg

        with psycopg.connect(url) as conn:
            for table, columns, values in tables:
                with conn.cursor().copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    for row in values:
                        copy.write_row(row)
            conn.execute("SELECT setval(pg_get_serial_sequence('instances', 'id'), (SELECT max(id) FROM instances))")
        with psycopg.connect(url, autocommit=True) as conn:  # as autovacuum leaves a table after a bulk insert
            conn.execute("VACUUM ANALYZE")
        return
    import sqlite3

    lite = sqlite3.connect(url)
    try:
        with lite:
            for table, columns, values in tables:
                marks = ", ".join("?" * len(columns.split(",")))
                lite.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", values)
        lite.execute("ANALYZE")
    finally:
        lite.close()


def p50_p95(samples: list[float]) -> Figures:
    """p50 and p95 (milliseconds) of durations in seconds."""
    ordered = sorted(samples)
    return {"p50_ms": round(statistics.median(ordered) * 1000, 1),
            "p95_ms": round(ordered[min(len(ordered) - 1, math.ceil(0.95 * len(ordered)) - 1)] * 1000, 1),
            "calls": len(ordered)}


def measure(url: str, sizes: argparse.Namespace) -> Figures:
    """Build the store, then time the dashboard's figures and the heat figures."""
    from datetime import date

    from engine import Engine

    began = time.perf_counter()
    build(url, sizes.instances)
    out: Figures = {"build_s": round(time.perf_counter() - began, 1)}
    engine = Engine(url, definitions_dir=ROOT / "definitions", forms_dir=ROOT / "forms", operator="bench",
                    clock=lambda: NOW)
    try:
        start = time.perf_counter()
        figures = engine.time.summary()  # warm: the definitions scanned, the calendar read, ended months kept
        out["summary_first_ms"] = round((time.perf_counter() - start) * 1000, 1)
        start = time.perf_counter()
        engine.time.heat(PROCESS, since=date(2026, 6, 1))  # warm: the times before this month kept
        out["heat_first_ms"] = round((time.perf_counter() - start) * 1000, 1)
        out["steps_in_window"] = sum(s.completed for row in figures.sops for s in row.months)
        out["waiting"] = sum(w.waiting for w in figures.lanes)
        for name, call in (("summary", engine.time.summary),
                           ("heat", lambda: engine.time.heat(PROCESS, since=date(2026, 6, 1)))):
            samples = []
            for _ in range(sizes.repeat):
                start = time.perf_counter()
                call()
                samples.append(time.perf_counter() - start)
            out[name] = p50_p95(samples)
    finally:
        engine.close()
    return out


def run(sizes: argparse.Namespace) -> tuple[list[str], Figures]:
    """Measure each store; the printed lines and the JSON figures (prefix d_)."""
    folder = Path(tempfile.mkdtemp(prefix="sop-dashbench-"))
    figures: Figures = {"d_instances": sizes.instances, "d_date": time.strftime("%Y-%m-%d", time.gmtime())}
    text = []
    try:
        for kind, url, _server in stores(folder, sizes.no_postgres):
            got = measure(url, sizes)
            figures[f"d_{kind.lower()}"] = got
            text.append(f"(d) {kind}, {sizes.instances} instances over a year ({got['steps_in_window']} steps in the "
                        f"seven months shown, {got['waiting']} waiting): dashboard figures p50 "
                        f"{got['summary']['p50_ms']} ms, p95 {got['summary']['p95_ms']} ms; heat figures p50 "
                        f"{got['heat']['p50_ms']} ms, p95 {got['heat']['p95_ms']} ms; first calls (the ended months "
                        f"read) {got['summary_first_ms']} and {got['heat_first_ms']} ms (store built in "
                        f"{got['build_s']} s)")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return text, figures


def options(argv: list[str] | None = None) -> argparse.Namespace:
    """The sizes of a run."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--instances", type=int, default=100_000, help="Instances in each store.")
    parser.add_argument("--repeat", type=int, default=20, help="Calls of each measured function.")
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only.")
    parser.add_argument("--quick", action="store_true", help="Tiny sizes (for the tests): 500 instances, 3 calls.")
    parser.add_argument("--json", action="store_true", help="Also print the figures as one JSON line.")
    args = parser.parse_args(argv)
    if args.quick:
        args.instances, args.repeat = 500, 3
    return args


def main() -> None:
    """Run (d) and print its lines (and, with --json, a JSON line)."""
    sizes = options()
    text, figures = run(sizes)
    print("\n".join(text))
    if sizes.json:
        print(json.dumps(figures))


if __name__ == "__main__":
    main()
