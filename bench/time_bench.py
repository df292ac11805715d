"""Measures `sop tasks --overdue` and `sop report sla` against `sop tasks` on a store of N instances with history."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

from engine.ops.scenarios import load_scenario
from engine.service.facade import Engine

ROOT = Path(__file__).resolve().parent.parent
DEFINITIONS, FORMS = ROOT / "definitions", ROOT / "forms"
TUNDA = ROOT / "examples" / "interkoneksi_data_baru" / "tunda.scenario.yaml"
TEMPLATES = 20  # instances run through the engine; the rest are copies of their rows under new ids
TABLES = ("instances", "events", "ready_tasks", "steps", "instance_times")


def build_history_store(path: Path, instances: int) -> None:
    """N instances: half of the templates finished the postpone path, half stopped after three steps; their
    steps took 10 to 100 minutes each on the Dinas calendar; half of the running ones are overdue."""
    scenario = load_scenario(TUNDA)
    now = [0.0]

    def clock() -> str:
        from datetime import UTC, datetime, timedelta

        base = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)  # Monday 08:00 WIB
        return (base + timedelta(minutes=now[0])).isoformat(timespec="milliseconds").replace("+00:00", "Z")

    engine = Engine(str(path), definitions_dir=DEFINITIONS, forms_dir=FORMS, clock=clock, operator="bench")
    for n in range(TEMPLATES):
        now[0] = n * 7 + (60 * 24 * 365 * 80 if n % 4 == 3 else 0)  # every fourth runs in 2106: not overdue
        view = engine.instances.start(scenario.process)
        steps = scenario.steps if n % 2 == 0 else scenario.steps[:3]
        for i, step in enumerate(steps):
            now[0] += 10 + (n * 13 + i * 29) % 90
            engine.instance(view.instance).complete(step["task"], step["data"], actor=step["as"],
                                               attach=step["attach"] or None)
    engine.close()
    conn = sqlite3.connect(path)
    with conn:
        for copy in range(1, (instances + TEMPLATES - 1) // TEMPLATES):
            offset = copy * TEMPLATES
            for table in TABLES:
                column = "id" if table == "instances" else "instance_id"
                names = [r[1] for r in conn.execute(f"PRAGMA table_info({table})")]
                values = ", ".join(f"{c} + {offset}" if c == column else c for c in names)
                conn.execute(f"INSERT INTO {table} ({', '.join(names)}) SELECT {values} FROM {table} "
                             f"WHERE {column} <= {TEMPLATES}")
    conn.close()


def run(tmp: Path, sop: str, instances: int, measure: Callable[[dict[str, list[str]], int], dict[str, float]],
        repeat: int) -> tuple[list[str], dict[str, Any]]:
    """The lines to print and the figures, measured side by side in one run."""
    db = tmp / "history.db"
    build_history_store(db, instances)
    common = [sop, "--db", str(db), "--definitions", str(DEFINITIONS), "--forms", str(FORMS)]
    timed = measure({
        "tasks": [*common, "tasks"],
        "overdue": [*common, "tasks", "--overdue"],
        "report": [*common, "report", "sla"],
    }, repeat)
    tasks, overdue, report = timed["tasks"], timed["overdue"], timed["report"]
    conn = sqlite3.connect(db)
    steps = conn.execute("SELECT count(*) FROM steps WHERE done_at IS NOT NULL").fetchone()[0]
    conn.close()
    figures = {
        "g_tasks_ms": round(tasks * 1000, 1),
        "g_overdue_ms": round(overdue * 1000, 1),
        "g_report_sla_ms": round(report * 1000, 1),
        "g_overdue_ratio": round(overdue / tasks, 2),
        "g_report_sla_ratio": round(report / tasks, 2),
        "g_completed_steps": steps,
    }
    lines = [
        f"(g) with {instances} instances ({steps} completed steps): `sop tasks --overdue` {overdue * 1000:.1f} ms "
        f"-> ratio {overdue / tasks:.2f}, `sop report sla` {report * 1000:.1f} ms -> ratio {report / tasks:.2f}, "
        f"vs `sop tasks` {tasks * 1000:.1f} ms (target <= 1.5)",
    ]
    return lines, figures
