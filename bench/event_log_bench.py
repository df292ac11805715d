"""Measures `sop export --xes` (the event log for process mining) on stores of 1,000 and 10,000 instances: the
seed SOP's two demo paths, their rows copied in SQL (what the engine would write running them again), then the
export run as a separate process, timed, with its peak memory (max RSS from wait4): a log written as it is read
needs about the same memory for ten times the instances.

Run: .venv/bin/python bench/event_log_bench.py [--sizes 1000,10000]. Every figure is measured here, now.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOP = str(Path(sys.executable).with_name("sop"))
# The tables that hold an instance's row, its chained events and what the export reads beside them.
COPIED = ("instances", "events", "instance_titles", "instance_people", "steps", "instance_times")


def build(db: Path, definitions: Path, count: int) -> None:
    """A store of `count` instances: the demo's two, then copies of them (new numbers, same events)."""
    env = {**os.environ, "SOP_LANG": "en"}
    subprocess.run([SOP, "--db", str(db), "--definitions", str(definitions), "--forms", str(ROOT / "forms"),
                    "demo", "--examples", str(ROOT / "examples"), "--keep", str(db)],
                   check=True, capture_output=True, env=env, cwd=ROOT)
    conn = sqlite3.connect(db)
    try:
        columns = {t: [r[1] for r in conn.execute(f"PRAGMA table_info({t})")] for t in COPIED}
        for n in range(3, count + 1):
            source = 1 + (n - 1) % 2
            for table, names in columns.items():
                key = "id" if table == "instances" else "instance_id"
                picked = ", ".join("?" if c == key else c for c in names)
                conn.execute(f"INSERT INTO {table} ({', '.join(names)}) SELECT {picked} FROM {table} "
                             f"WHERE {key} = ?", (n, source))
        conn.commit()
    finally:
        conn.close()


def export(db: Path, definitions: Path, out: Path) -> tuple[float, int]:
    """Seconds and peak memory (KiB) of one `sop export --xes` as its own process."""
    argv = [SOP, "--db", str(db), "--definitions", str(definitions), "--forms", str(ROOT / "forms"), "export",
            "--xes", str(out)]
    t0 = time.perf_counter()
    process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=ROOT)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - t0
    if status != 0:
        raise SystemExit(f"sop export --xes failed: {process.stderr.read().decode() if process.stderr else ''}")
    return seconds, usage.ru_maxrss


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000", help="Instance counts, comma-separated.")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="sop-xes-bench-") as tmp:
        definitions = Path(tmp) / "definitions"  # without roles: single-user mode, every instance is read
        shutil.copytree(ROOT / "definitions", definitions, ignore=shutil.ignore_patterns("roles.yaml"))
        rows = []
        for count in (int(n) for n in args.sizes.split(",")):
            db = Path(tmp) / f"{count}.db"
            build(db, definitions, count)
            out = Path(tmp) / f"{count}.xes"
            runs = [export(db, definitions, out) for _ in range(3)]
            seconds = sorted(r[0] for r in runs)[1]
            rows.append((count, seconds, max(r[1] for r in runs), out.stat().st_size))
    for count, seconds, rss, size in rows:
        print(f"sop export --xes, {count:,} instances: {seconds:.2f} s (median of 3), "
              f"{count / seconds:,.0f} instances/s, peak memory {rss / 1024:.0f} MiB, file {size / 1e6:.1f} MB")
    if len(rows) > 1:
        (small, t_small, m_small, _), (big, t_big, m_big, _) = rows[0], rows[-1]
        print(f"{big / small:.0f}x the instances: {t_big / t_small:.1f}x the time, {m_big / m_small:.2f}x the memory")


if __name__ == "__main__":
    main()
