"""(j) Many operators at once: real processes completing steps against one store (SQLite or PostgreSQL).

Two modes. `own` (the bench's): each worker starts instances of its own before the release, then completes
ready steps of a random one of them; no two workers touch one instance, so the figure is what N operators on
different cases get from one store and one machine. `shared` (contention, used by tests/test_pg_concurrency.py):
every worker draws from the same first `pool` running instances, starting one when fewer run; a step another
worker completed first is a conflict, retried on a fresh read. Workers warm up (connect, load the definition,
one unmeasured completion), then wait for one release so that all begin together.
Run (j) alone: python bench/load.py [--per-worker N] [--runs N] [--mode own|shared] (see --help).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SCENARIO = ROOT / "examples" / "interkoneksi_data_baru" / "pasang.scenario.yaml"
PROCESS = "interkoneksi_data_baru"
PROCESSES = (1, 2, 4, 8)
Figures = dict[str, Any]


def step_data() -> dict[str, dict[str, Any]]:
    """The sample artefact of every step of the installation path, by BPMN id."""
    import yaml

    raw = yaml.safe_load(SCENARIO.read_text("utf-8"))
    return {s["task"]: yaml.safe_load((SCENARIO.parent / s["data"]).read_text("utf-8")) for s in raw["steps"]}


def step_files() -> dict[str, list[tuple[str, str]]]:
    """The files the installation path attaches, by BPMN id (the topology step requires its drawing)."""
    import yaml

    raw = yaml.safe_load(SCENARIO.read_text("utf-8"))
    return {s["task"]: [(field, str(SCENARIO.parent / name)) for field, name in (s.get("attach") or {}).items()]
            for s in raw["steps"]}


FILES = step_files()


def work(engine: Any, data: dict[str, dict[str, Any]], rng: random.Random, count: int, draw: str) -> Figures:
    """One run of one worker. `draw` is `shared:POOL` or `own:K` (start K instances of its own first). Warm up,
    say `ready` on stdout, wait for the release on stdin, then complete `count` steps. Returns the latencies
    (seconds) of the completions won, conflicts, starts, the CPU seconds of the measured part and when it ended
    (wall clock)."""
    from engine.common.errors import EngineError

    kind, _, arg = draw.partition(":")
    own = [engine.instances.start(PROCESS).instance for _ in range(int(arg))] if kind == "own" else []
    pool = int(arg) if kind == "shared" else 0
    warm = _warm_up(engine, data, own)
    print("ready", flush=True)
    sys.stdin.readline()
    latencies: list[float] = []
    conflicts = starts = 0
    cpu = time.process_time()
    while len(latencies) < count:
        if kind == "own":
            if not own:
                own.append(engine.instances.start(PROCESS).instance)
                starts += 1
            instance = rng.choice(own)
        else:
            running = [r.id for r in engine.context.store().list_instances(status="running")][:pool]
            if len(running) < pool:
                engine.instances.start(PROCESS)
                starts += 1
                continue
            instance = rng.choice(running)
        ready = engine.context.store().ready_tasks(instance_id=instance)
        if not ready:
            if kind == "own":
                own.remove(instance)
            continue
        began = time.perf_counter()
        try:
            engine.instance(instance).complete(ready[0].task, data[ready[0].task],
                                                   attach=FILES[ready[0].task] or None)
        except EngineError:
            conflicts += 1
            continue
        latencies.append(time.perf_counter() - began)
    return {"latencies": latencies, "conflicts": conflicts, "starts": starts, "cpu": time.process_time() - cpu,
            "end": time.time(), "warm": warm}


def _warm_up(engine: Any, data: dict[str, dict[str, Any]], own: list[int]) -> int:
    """Connect and load the pinned definition before the release (one completion, not measured)."""
    from engine.common.errors import EngineError

    rows = own or [row.id for row in engine.context.store().list_instances(status="running")]
    for instance in rows:
        ready = engine.context.store().ready_tasks(instance_id=instance)
        try:
            if ready:
                engine.instance(instance).complete(ready[0].task, data[ready[0].task],
                                                   attach=FILES[ready[0].task] or None)
                return 1
        except EngineError:
            continue
    return 0


def serve(url: str, definitions: str, seed: int) -> None:
    """A worker process: one engine, then one run per JSON order (`count`, `draw`) read from stdin, each
    answered with its result as a JSON line, until `quit`."""
    from engine.service.facade import Engine

    engine = Engine(url, definitions_dir=definitions, forms_dir=str(ROOT / "forms"), operator=f"worker{seed}")
    data, rng = step_data(), random.Random(seed)
    for line in sys.stdin:
        if line.strip() == "quit":
            break
        order = json.loads(line)
        print(json.dumps(work(engine, data, rng, order["count"], order["draw"])), flush=True)
    engine.close()


class Workers:
    """`processes` worker processes on one store, kept between runs so that every run (the single-process
    baseline too) uses warm, already-imported workers; killed if a run outlasts `timeout` seconds."""

    def __init__(self, url: str, definitions: str, processes: int, timeout: float = 600) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("SOP_")}
        self.errors = [tempfile.TemporaryFile("w+") for _ in range(processes)]
        self.procs = [subprocess.Popen([sys.executable, __file__, "--worker", url, definitions, str(seed)],
                                       env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err,
                                       text=True) for seed, err in enumerate(self.errors)]
        self.timeout = timeout

    def run(self, processes: int, count: int, draw: str) -> tuple[float, list[Figures]]:
        """The first `processes` workers complete `count` steps each, released together once all are ready;
        the seconds from the release to the last completion, and each worker's result."""
        procs = self.procs[:processes]
        watchdog = threading.Timer(self.timeout, self.kill)
        watchdog.start()
        try:
            for proc in procs:
                self._send(proc, json.dumps({"count": count, "draw": draw}))
            for proc in procs:
                self._read(proc, "ready")
            released = time.time()
            for proc in procs:
                self._send(proc, "go")
            results = [json.loads(self._read(proc)) for proc in procs]
        finally:
            watchdog.cancel()
        return max(r["end"] for r in results) - released, results

    def _send(self, proc: subprocess.Popen[str], line: str) -> None:
        assert proc.stdin is not None
        proc.stdin.write(line + "\n")
        proc.stdin.flush()

    def _read(self, proc: subprocess.Popen[str], expected: str | None = None) -> str:
        assert proc.stdout is not None
        line = proc.stdout.readline().strip()
        if not line or (expected is not None and line != expected):
            err = self.errors[self.procs.index(proc)]
            err.seek(0)
            raise RuntimeError(f"worker failed ({proc.poll()}): {line} {err.read()}")
        return line

    def kill(self) -> None:
        """Stop every worker at once (a run that hangs)."""
        for proc in self.procs:
            proc.kill()

    def close(self) -> None:
        """Tell every worker to quit and wait for it."""
        for proc in self.procs:
            if proc.poll() is None:
                self._send(proc, "quit")
            proc.wait(timeout=60)
        for err in self.errors:
            err.close()


def own_pool(count: int, pool: int) -> int:
    """Instances a worker owns for `count` steps: `pool`, or more when they cannot hold that many steps."""
    return max(pool, math.ceil((count + 1) / len(step_data())) + 1)


def run_workers(url: str, processes: int, count: int, pool: int, definitions: str, *, timeout: float = 600,
                own: bool = False) -> tuple[float, list[Figures]]:
    """`processes` fresh workers, `count` completions each, released together. Shared (default): all draw from
    the first `pool` running instances. Own: each starts `own_pool(count, pool)` instances of its own first.
    The seconds from the release to the last completion, and each worker's result."""
    from engine.service.facade import Engine

    engine = Engine(url, definitions_dir=definitions, forms_dir=str(ROOT / "forms"))
    engine.context.store(create=True)
    if not own:
        for _ in range(pool - len(engine.context.store().list_instances(status="running"))):
            engine.instances.start(PROCESS)
    engine.close()
    workers = Workers(url, definitions, processes, timeout)
    try:
        return workers.run(processes, count, f"own:{own_pool(count, pool)}" if own else f"shared:{pool}")
    finally:
        workers.close()


def single_user_definitions() -> str:
    """The repository's definitions without the roles file (workers run as the OS account)."""
    folder = Path(tempfile.mkdtemp(prefix="sop-load-")) / "definitions"
    shutil.copytree(ROOT / "definitions", folder, ignore=shutil.ignore_patterns("roles.yaml"))
    return str(folder)


def figures(workers: Workers, processes: int, count: int, draw: str) -> Figures:
    """One run: completions/s, the latencies won (seconds), conflicts, starts, worker CPU ms per completion."""
    wall, results = workers.run(processes, count, draw)
    latencies = [x for r in results for x in r["latencies"]]
    return {"rate": len(latencies) / wall, "latencies": latencies,
            "conflicts": sum(r["conflicts"] for r in results), "starts": sum(r["starts"] for r in results),
            "cpu_ms": 1000 * sum(r["cpu"] for r in results) / len(latencies)}


def _spread(values: list[float], digits: int = 1) -> str:
    """`median (min–max)` of a few runs."""
    return (f"{statistics.median(values):.{digits}f} ({min(values):.{digits}f}–{max(values):.{digits}f})")


def measure(
    url: str, definitions: str, per_worker: int, runs: int, own: bool, *, pool: int
) -> dict[int, list[Figures]]:
    """`runs` rounds of 1, 2, 4 and 8 workers, interleaved so that whatever else the machine does weighs on every
    configuration alike and each round's single process is the baseline of that round's others; the same warm
    worker processes serve every run."""
    per: dict[int, list[Figures]] = {n: [] for n in PROCESSES}
    draw = f"own:{own_pool(per_worker, pool)}" if own else f"shared:{pool}"
    workers = Workers(url, definitions, max(PROCESSES))
    try:
        for _ in range(runs):
            for processes in PROCESSES:
                per[processes].append(figures(workers, processes, per_worker, draw))
    finally:
        workers.close()
    return per


def report(kind: str, per: dict[int, list[Figures]], prefix: str, label: str, busy: float) -> tuple[list[str], Figures]:
    """The lines and JSON keys of one store: each configuration's median and spread over the runs, and the
    8:1 ratio of each run's 8 workers to the same run's single process; `busy` is the load average before."""
    lines: list[str] = []
    out: dict[str, Any] = {}
    key = f"{prefix}{kind.lower()}"
    for processes, rounds in per.items():
        rates = [r["rate"] for r in rounds]
        latencies = sorted(x for r in rounds for x in r["latencies"])
        p50 = statistics.median(latencies) * 1000
        p99 = latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))] * 1000
        conflicts = sum(r["conflicts"] for r in rounds)
        cpu = statistics.median(r["cpu_ms"] for r in rounds)
        out.update({f"{key}_{processes}_per_s": round(statistics.median(rates), 1),
                    f"{key}_{processes}_per_s_min": round(min(rates), 1),
                    f"{key}_{processes}_per_s_max": round(max(rates), 1),
                    f"{key}_{processes}_conflicts": conflicts, f"{key}_{processes}_cpu_ms": round(cpu, 2)})
        lines.append(f"(j) {kind}, {processes} process{'es' if processes > 1 else ''}{label}: {_spread(rates)} "
                     f"completions/s (median (min–max) of {len(rounds)} runs), p50 {p50:.1f} ms, p99 {p99:.1f} ms, "
                     f"worker CPU {cpu:.1f} ms/completion, {conflicts} conflicts retried")
    ratios = [eight["rate"] / one["rate"] for one, eight in zip(per[1], per[8], strict=True)]
    out.update({f"{key}_8_to_1": round(statistics.median(ratios), 2), f"{key}_8_to_1_min": round(min(ratios), 2),
                f"{key}_8_to_1_max": round(max(ratios), 2),
                f"{key}_load_average_before": round(busy, 2)})
    lines.append(f"(j) {kind}{label}: 8 processes / 1 -> ratio {_spread(ratios, 2)} (median (min–max) of "
                 f"{len(ratios)} runs, each against its own run's single process; {os.cpu_count()} CPUs, load average "
                 f"{busy:.1f} before; "
                 f"{sum(r['conflicts'] for rounds in per.values() for r in rounds)} conflicts retried)")
    return lines, out


def run(instances: int, per_worker: int, runs: int = 3, mode: str = "own", pool: int = 8) -> tuple[list[str], Figures]:
    """(j) on SQLite and on PostgreSQL (a private server started here when its binaries and psycopg are
    installed): each store first holds `instances` running instances; then `runs` rounds of 1, 2, 4 and 8 workers,
    `per_worker` completions each, in `mode` `own` (each worker its own `pool` instances) or `shared` (all on the
    first `pool` running instances: contention, keys prefixed `j_shared_`)."""
    sys.path.insert(0, str(ROOT / "tests"))
    from pg_server import PgServer, find_bin  # type: ignore[import-not-found]

    from engine.service.facade import Engine

    own = mode == "own"
    label = (f" (own {own_pool(per_worker, pool)} instances each)" if own
             else f" (contention: all on {pool} shared instances)")
    prefix = "j_" if own else "j_shared_"
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
    out: dict[str, Any] = {f"{prefix}mode": mode, f"{prefix}runs": runs, f"{prefix}per_worker": per_worker,
                           f"{prefix}cpus": os.cpu_count()}
    try:
        if bindir is not None:
            server = PgServer(bindir)
            server.start()
            stores["PostgreSQL"] = server.create_database()
        for kind, url in stores.items():
            engine = Engine(url, definitions_dir=definitions, forms_dir=str(ROOT / "forms"))
            for _ in range(instances - len(engine.context.store(create=True).list_instances(status="running"))):
                engine.instances.start(PROCESS)
            engine.close()
            busy = os.getloadavg()[0]
            per = measure(url, definitions, per_worker, runs, own, pool=pool)
            kind_lines, kind_out = report(kind, per, prefix, label, busy)
            lines += kind_lines
            out.update(kind_out)
        if server is None:
            lines.append("(j) PostgreSQL: not measured (no initdb/pg_ctl or psycopg installed)")
    finally:
        if server is not None:
            server.stop()
        shutil.rmtree(folder, ignore_errors=True)
        shutil.rmtree(Path(definitions).parent, ignore_errors=True)
    return lines, out


def main() -> None:
    """Run (j) alone and print its lines and a JSON line, as bench/run.py does for everything."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--instances", type=int, default=200, help="Running instances each store holds first.")
    parser.add_argument("--per-worker", type=int, default=80, help="Completions per worker per run.")
    parser.add_argument("--runs", type=int, default=3, help="Rounds of 1, 2, 4 and 8 workers.")
    parser.add_argument("--mode", choices=("own", "shared"), default="own",
                        help="own: each worker its own instances; shared: contention on one pool.")
    parser.add_argument("--pool", type=int, default=8, help="Instances per worker (own) or shared by all (shared).")
    args = parser.parse_args()
    lines, out = run(args.instances, args.per_worker, args.runs, args.mode, args.pool)
    print("\n".join(lines))
    print(json.dumps(out))


if __name__ == "__main__":
    if sys.argv[1:2] == ["--worker"]:
        serve(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    else:
        main()
