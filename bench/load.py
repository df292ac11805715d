"""(j) Many operators at once: real processes completing steps against one store (SQLite or PostgreSQL).

Each worker process keeps `pool` instances running (starting one when fewer run), completes a ready step of a
random one, and records the latency of each completion it won; a step another worker completed first is a
conflict, retried on a fresh read. Used by tests/test_pg_concurrency.py and by bench/run.py.
Run one worker: python bench/load.py URL COUNT POOL SEED
"""

from __future__ import annotations

import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SCENARIO = ROOT / "examples" / "interkoneksi_data_baru" / "pasang.scenario.yaml"
PROCESS = "interkoneksi_data_baru"


def step_data() -> dict[str, dict[str, Any]]:
    """The sample artefact of every step of the installation path, by BPMN id."""
    import yaml

    raw = yaml.safe_load(SCENARIO.read_text("utf-8"))
    return {s["task"]: yaml.safe_load((SCENARIO.parent / s["data"]).read_text("utf-8")) for s in raw["steps"]}


def work(url: str, count: int, pool: int, seed: int, definitions: str, start_at: float) -> dict[str, Any]:
    """From `start_at` (wall clock, so that all workers begin together), complete `count` steps; the latencies
    (seconds) of the completions won, the number of conflicts and when the last one finished."""
    from engine.common.errors import EngineError
    from engine.service.facade import Engine

    data = step_data()
    engine = Engine(url, definitions, str(ROOT / "forms"), operator=f"worker{seed}")
    rng = random.Random(seed)
    latencies: list[float] = []
    conflicts = 0
    warm = _warm_up(engine, data)
    time.sleep(max(0.0, start_at - time.time()))
    while len(latencies) < count:
        running = [r.id for r in engine.store().list_instances(status="running")][:pool]
        if len(running) < pool:
            engine.start(PROCESS)
            continue
        instance = rng.choice(running)
        ready = engine.store().ready_tasks(instance_id=instance)
        if not ready:
            continue
        began = time.perf_counter()
        try:
            engine.complete(instance, ready[0].task, data[ready[0].task])
        except EngineError:
            conflicts += 1
            continue
        latencies.append(time.perf_counter() - began)
    engine.close()
    return {"latencies": latencies, "conflicts": conflicts, "end": time.time(), "warm": warm}


def _warm_up(engine: Any, data: dict[str, dict[str, Any]]) -> int:
    """Connect and load the pinned definition before the release (one completion, not measured)."""
    from engine.common.errors import EngineError

    for row in engine.store().list_instances(status="running"):
        ready = engine.store().ready_tasks(instance_id=row.id)
        try:
            if ready:
                engine.complete(row.id, ready[0].task, data[ready[0].task])
                return 1
        except EngineError:
            continue
    return 0


def run_workers(url: str, processes: int, count: int, pool: int, definitions: str,
                timeout: float = 600) -> tuple[float, list[dict[str, Any]]]:
    """Start `processes` workers on `pool` running instances, released together; the seconds from the release to
    the last completion, and each worker's result."""
    from engine.service.facade import Engine

    engine = Engine(url, definitions, str(ROOT / "forms"))
    for _ in range(pool - len(engine.store(create=True).list_instances(status="running"))):
        engine.start(PROCESS)
    engine.close()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOP_")}
    start_at = time.time() + 2.5 + 0.3 * processes  # after every worker has imported the engine
    procs = [subprocess.Popen([sys.executable, __file__, url, str(count), str(pool), str(seed), definitions,
                               str(start_at)],
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for seed in range(processes)]
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=timeout)
        if proc.returncode != 0:
            raise RuntimeError(f"worker failed ({proc.returncode}): {err}")
        results.append(json.loads(out))
    return max(r["end"] for r in results) - start_at, results


def single_user_definitions() -> str:
    """The repository's definitions without the roles file (workers run as the OS account)."""
    import shutil

    folder = Path(tempfile.mkdtemp(prefix="sop-load-")) / "definitions"
    shutil.copytree(ROOT / "definitions", folder, ignore=shutil.ignore_patterns("roles.yaml"))
    return str(folder)


def figures(url: str, processes: int, count: int, pool: int, definitions: str) -> tuple[float, float, float]:
    """Completions per second, p50 and p99 latency (ms) of one run."""
    wall, results = run_workers(url, processes, count, pool, definitions)
    latencies = sorted(x for r in results for x in r["latencies"])
    p99 = latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))]
    return len(latencies) / wall, statistics.median(latencies) * 1000, p99 * 1000


if __name__ == "__main__":
    print(json.dumps(work(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5],
                          float(sys.argv[6]))))


def run(instances: int, completions: int) -> tuple[list[str], dict[str, Any]]:
    """(j): completions/s, p50 and p99 for 1, 2, 4 and 8 processes on SQLite and on PostgreSQL (a private server
    started here when its binaries and psycopg are installed), `completions` in all per run, over a store of
    `instances` running instances."""
    sys.path.insert(0, str(ROOT / "tests"))
    from pg_server import PgServer, find_bin  # type: ignore[import-not-found]

    definitions = single_user_definitions()
    folder = Path(tempfile.mkdtemp(prefix="sop-load-"))
    stores: dict[str, str] = {"SQLite": str(folder / "load.db")}
    server = None
    bindir = find_bin()
    try:
        import psycopg  # noqa: F401
    except ImportError:
        bindir = None
    lines: list[str] = []
    out: dict[str, Any] = {}
    try:
        if bindir is not None:
            server = PgServer(bindir)
            server.start()
            stores["PostgreSQL"] = server.create_database()
        for kind, url in stores.items():
            per: dict[int, float] = {}
            for processes in (1, 2, 4, 8):
                rate, p50, p99 = figures(url, processes, max(1, completions // processes), instances, definitions)
                per[processes] = rate
                out[f"j_{kind.lower()}_{processes}_per_s"] = round(rate, 1)
                lines.append(f"(j) {kind}, {processes} process{'es' if processes > 1 else ''}: {rate:.1f} "
                             f"completions/s, p50 {p50:.1f} ms, p99 {p99:.1f} ms")
            out[f"j_{kind.lower()}_8_to_1"] = round(per[8] / per[1], 2)
            lines.append(f"(j) {kind}: 8 processes / 1 -> ratio {per[8] / per[1]:.2f}"
                         + (" (target >= 2)" if kind == "PostgreSQL" else ""))
        if server is None:
            lines.append("(j) PostgreSQL: not measured (no initdb/pg_ctl or psycopg installed)")
    finally:
        if server is not None:
            server.stop()
        import shutil

        shutil.rmtree(folder, ignore_errors=True)
        shutil.rmtree(Path(definitions).parent, ignore_errors=True)
    return lines, out
