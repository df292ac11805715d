"""Measures what docs/measured.md quotes, all in one run: per-step cost, `sop tasks` at 10,000 instances, bytes stored,
replay and verify of long histories, `sop history`, ... the web tasklist under load (l).

Run: make bench (or .venv/bin/python bench/run.py [--instances N] [--rounds N]).
Every figure is a ratio of two things measured here, now, on this machine.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from engine.ops.scenarios import load_scenario  # noqa: E402
from engine.service.facade import Engine  # noqa: E402

SCENARIO = ROOT / "examples" / "interkoneksi_data_baru" / "pasang.scenario.yaml"
DEFINITIONS, FORMS = ROOT / "definitions", ROOT / "forms"


class BareSpiff:
    """Bare SpiffWorkflow: for each step deserialize the full state, run the task, serialize it again."""

    def __init__(self) -> None:
        from SpiffWorkflow.bpmn import BpmnWorkflow
        from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
        from SpiffWorkflow.spiff.parser import SpiffBpmnParser
        from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG

        self.scenario = load_scenario(SCENARIO)
        parser = SpiffBpmnParser()
        parser.add_bpmn_file(str(DEFINITIONS / "interkoneksi_data_baru.bpmn"))
        self.spec = parser.get_spec(self.scenario.process)
        self.subs = parser.get_subprocess_specs(self.scenario.process)
        self.serializer = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG))
        self.workflow_class = BpmnWorkflow
        self.size = 0

    def round(self) -> tuple[float, int]:
        """One instance through every step; returns (seconds spent in steps, steps)."""
        from SpiffWorkflow.util.task import TaskState

        workflow = self.workflow_class(self.spec, self.subs)
        workflow.do_engine_steps()
        state = self.serializer.serialize_json(workflow)
        total = 0.0
        for step in self.scenario.steps:
            t0 = time.perf_counter()
            workflow = self.serializer.deserialize_json(state)
            task = next(t for t in workflow.get_tasks(state=TaskState.READY, manual=True)
                        if t.task_spec.bpmn_id == step["task"])
            task.data[step["task"]] = step["data"]
            task.run()
            workflow.do_engine_steps()
            state = self.serializer.serialize_json(workflow)
            total += time.perf_counter() - t0
        self.size = len(state.encode())
        return total, len(self.scenario.steps)


class EngineSteps:
    """The engine: for each step load the row, validate the form, complete, save state, ready rows and event."""

    def __init__(self, db: Path, sync: str, warm: bool = True) -> None:
        os.environ["SOP_SYNC"] = sync
        self.scenario = load_scenario(SCENARIO)
        self.engine = Engine(str(db), definitions_dir=DEFINITIONS, forms_dir=FORMS)
        if not warm:  # restore the stored state at every step, as a fresh `sop complete` process does
            from engine.service.warm import WarmWorkflows

            self.engine.context.warm = WarmWorkflows(0)
        self.engine.context.store(create=True)
        del os.environ["SOP_SYNC"]
        self.instance = 0

    def round(self) -> tuple[float, int]:
        """One instance through every step; returns (seconds spent in steps, steps)."""
        self.instance = self.engine.instances.start(self.scenario.process).instance
        total = 0.0
        for step in self.scenario.steps:
            t0 = time.perf_counter()
            self.engine.instance(self.instance).complete(step["task"], step["data"], actor=step["as"],
                                                         attach=step["attach"] or None)
            total += time.perf_counter() - t0
        return total, len(self.scenario.steps)

    def sizes(self) -> dict[str, int]:
        """Bytes the store holds for the last instance: compressed state, its JSON, the data column."""
        from engine.runtime.workflow import state_json

        row = self.engine.context.store().get_instance(self.instance)
        assert row is not None
        events = sum(len(e.data.encode()) + len(e.hash) for e in self.engine.context.store().events(self.instance))
        return {"state": len(row.state), "state_json": len(state_json(row.state).encode()), "events": events}


def step_costs(tmp: Path, rounds: int) -> dict[str, float]:
    """Per-step seconds of bare SpiffWorkflow and the engine (FULL, NORMAL, and FULL restoring the state at every
    step), rounds interleaved so that whatever else the machine does weighs on all alike; each figure is the median
    over rounds."""
    bare, full, normal = BareSpiff(), EngineSteps(tmp / "full.db", "full"), EngineSteps(tmp / "normal.db", "normal")
    cold = EngineSteps(tmp / "cold.db", "full", warm=False)
    samples: dict[str, list[float]] = {"bare": [], "full": [], "normal": [], "cold": []}
    for _ in range(2):  # warm-up: caches, spec restore, form compilation
        bare.round(), full.round(), normal.round(), cold.round()
    for _ in range(rounds):
        for name, runner in (("bare", bare), ("full", full), ("normal", normal), ("cold", cold)):
            seconds, steps = runner.round()
            samples[name].append(seconds / steps)
    costs = {name: statistics.median(values) for name, values in samples.items()}
    costs["full_bytes"] = bare.size
    costs.update({f"size_{k}": v for k, v in full.sizes().items()})
    for engine_steps in (full, normal, cold):
        engine_steps.engine.close()
    return costs


def build_big_store(path: Path, instances: int) -> None:
    """A store with N running instances: one started by the engine, copied row by row with fresh task UUIDs."""
    engine = Engine(str(path), definitions_dir=DEFINITIONS, forms_dir=FORMS)
    engine.instances.start("interkoneksi_data_baru")
    engine.close()
    conn = sqlite3.connect(path)
    inst = conn.execute("SELECT * FROM instances WHERE id = 1").fetchone()
    ready = conn.execute("SELECT * FROM ready_tasks WHERE instance_id = 1").fetchone()
    event = conn.execute("SELECT * FROM events WHERE instance_id = 1").fetchone()
    with conn:
        for i in range(2, instances + 1):
            conn.execute(f"INSERT INTO instances VALUES ({','.join('?' * len(inst))})", (i, *inst[1:]))
            new_uuid = str(uuid.uuid4())
            conn.execute(f"INSERT INTO ready_tasks VALUES ({','.join('?' * len(ready))})", (i, new_uuid, *ready[2:]))
            conn.execute(f"INSERT INTO events VALUES ({','.join('?' * len(event))})", (i, *event[1:]))
    conn.close()


def commands_seconds(commands: dict[str, list[str]], repeat: int) -> dict[str, float]:
    """Median wall time of each whole process, output discarded; runs interleaved so load weighs on all alike."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "check": True, "env": env}
    for argv in commands.values():
        subprocess.run(argv, **quiet)  # type: ignore[call-overload]  # warm caches and bytecode
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(repeat):
        for name, argv in commands.items():
            t0 = time.perf_counter()
            subprocess.run(argv, **quiet)  # type: ignore[call-overload]
            times[name].append(time.perf_counter() - t0)
    return {name: statistics.median(values) for name, values in times.items()}


def main() -> None:
    """Print the three ratios (and what they are made of) as text and as JSON."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--instances", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--audit-sizes", default="100,1000,10000", help="Events per instance for (d).")
    parser.add_argument("--load-instances", type=int, default=200,
                        help="Running instances each store holds for (j).")
    parser.add_argument("--load-per-worker", type=int, default=80, help="Completions per worker per run of (j).")
    parser.add_argument("--load-runs", type=int, default=3, help="Rounds of 1, 2, 4 and 8 workers in (j).")
    parser.add_argument("--load-mode", choices=("own", "shared"), default="own",
                        help="(j): each worker its own instances, or all contending for --load-pool shared ones.")
    parser.add_argument("--load-pool", type=int, default=8, help="(j): instances per worker (own) or shared.")
    parser.add_argument("--web-options", default="",
                        help="(l): options of bench/web_bench.py, e.g. '--quick --clients 1,2 --no-postgres'.")
    args = parser.parse_args()
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "engine"), str(ROOT / "runner"),
                    str(ROOT / "web")], check=True)
    tmp = Path(tempfile.mkdtemp(prefix="sop-bench-"))
    try:
        costs = step_costs(tmp, args.rounds)
        bare, ours, ours_normal, ours_cold = costs["bare"], costs["full"], costs["normal"], costs["cold"]
        full_bytes = int(costs["full_bytes"])
        sizes = {k: int(costs[f"size_{k}"]) for k in ("state", "state_json", "events")}
        state_bytes = sizes["state"]
        big = tmp / "big.db"
        build_big_store(big, args.instances)
        sop = shutil.which("sop", path=str(Path(sys.executable).parent)) or "sop"
        timed = commands_seconds({
            "tasks": [sop, "--db", str(big), "tasks"],
            "base": [sys.executable, "-c", "import sqlite3, click"],
            "tasks_all": [sop, "--db", str(big), "tasks", "--all"],
            "tasks_json": [sop, "--db", str(big), "tasks", "--json"],
        }, args.repeat)
        tasks, base, tasks_all, tasks_json = timed["tasks"], timed["base"], timed["tasks_all"], timed["tasks_json"]
        import audit

        sizes_d = tuple(int(n) for n in args.audit_sizes.split(","))
        audited = audit.measure(tmp, sizes_d)
        loop_db = tmp / f"loop{sizes_d[min(1, len(sizes_d) - 1)]}.db"
        where = ["--db", str(loop_db), "--definitions", str(audit.ULANG / "definitions"),
                 "--forms", str(audit.ULANG / "forms")]
        timed_e = commands_seconds({"history": [sop, *where, "history", "1"], "tasks": [sop, *where, "tasks"]},
                                   args.repeat)
        import lint as lint_bench  # bench/lint.py, beside this script

        lint_lines, lint_figures = lint_bench.run(sop, args.repeat)
        from time_bench import run as time_run

        time_lines, time_figures = time_run(tmp, sop, args.instances, commands_seconds, args.repeat)
        import pictures

        drawn = pictures.measure(tmp, sop, args.repeat, commands_seconds)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    results = {
        "step_ms_engine_sync_full": round(ours * 1000, 3),
        "step_ms_engine_sync_normal": round(ours_normal * 1000, 3),
        "step_ms_bare_spiffworkflow": round(bare * 1000, 3),
        "a_step_ratio_sync_full": round(ours / bare, 2),
        "a_step_ratio_sync_normal": round(ours_normal / bare, 2),
        "step_ms_engine_sync_full_restoring": round(ours_cold * 1000, 3),
        "a_step_ratio_sync_full_restoring": round(ours_cold / bare, 2),
        "tasks_ms": round(tasks * 1000, 1),
        "tasks_json_ms": round(tasks_json * 1000, 1),
        "tasks_all_ms": round(tasks_all * 1000, 1),
        "b_tasks_all_ratio": round(tasks_all / base, 2),
        "python_sqlite3_click_ms": round(base * 1000, 1),
        "b_tasks_ratio": round(tasks / base, 2),
        "b_tasks_json_ratio": round(tasks_json / base, 2),
        "state_bytes": state_bytes,
        "state_compressed_bytes": sizes["state"],
        "state_json_bytes": sizes["state_json"],
        "event_data_bytes": sizes["events"],
        "full_serialization_bytes": full_bytes,
        "c_bytes_ratio": round(state_bytes / full_bytes, 2),
        "instances": args.instances,
        "d_audit": audited,
        "e_history_ms": round(timed_e["history"] * 1000, 1),
        "e_tasks_ms": round(timed_e["tasks"] * 1000, 1),
        "e_history_ratio": round(timed_e["history"] / timed_e["tasks"], 2),
        **lint_figures,
    }
    print(f"(a) per step: engine {ours * 1000:.3f} ms (synchronous=FULL; {ours_normal * 1000:.3f} ms with NORMAL) "
          f"vs bare SpiffWorkflow {bare * 1000:.3f} ms -> ratio {ours / bare:.2f} "
          f"(NORMAL {ours_normal / bare:.2f}; target <= 1.3); restoring the stored state at every step as a fresh "
          f"process does: {ours_cold * 1000:.3f} ms, ratio {ours_cold / bare:.2f}")
    print(f"(b) `sop tasks` with {args.instances} running instances: {tasks * 1000:.1f} ms "
          f"vs `python -c 'import sqlite3, click'` {base * 1000:.1f} ms -> ratio {tasks / base:.2f} (target <= 1.3); "
          f"printing all {args.instances} rows: --all {tasks_all * 1000:.1f} ms (ratio {tasks_all / base:.2f}), "
          f"--json {tasks_json * 1000:.1f} ms (ratio {tasks_json / base:.2f})")
    print(f"(c) state per finished instance: {state_bytes} bytes (zlib of {sizes['state_json']} bytes of JSON "
          f"without the spec) vs {full_bytes} SpiffWorkflow full serialization -> ratio "
          f"{state_bytes / full_bytes:.2f} (target <= 0.5); its audit log adds {sizes['events']} bytes of "
          "artefacts and hashes")
    print("\n".join(audit.lines(audited)))
    print(f"(e) `sop history` of the {audited[str(sizes_d[min(1, len(sizes_d) - 1)])]['events']}-event instance: "
          f"{timed_e['history'] * 1000:.1f} ms vs `sop tasks` {timed_e['tasks'] * 1000:.1f} ms -> ratio "
          f"{timed_e['history'] / timed_e['tasks']:.2f} (target <= 1.5)")
    print("\n".join(lint_lines))
    for line in time_lines:
        print(line)
    results.update(time_figures)
    from sop_compile import run as compile_bench

    compile_lines, compile_figures = compile_bench()
    print("\n".join(compile_lines))
    results.update(compile_figures)
    print("\n".join(pictures.lines(drawn)))
    results["i_pictures"] = drawn
    import load  # bench/load.py: (j) many processes on SQLite and PostgreSQL

    load_lines, load_figures = load.run(args.load_instances, args.load_per_worker, args.load_runs, args.load_mode,
                                        args.load_pool)
    print("\n".join(load_lines))
    results.update(load_figures)
    # (k) attached files, in a process of its own: a child's peak memory counts this process's at fork
    attached = subprocess.run([sys.executable, str(ROOT / "bench" / "attach_bench.py"), "--json"], check=True,
                              capture_output=True, text=True).stdout.splitlines()
    print("\n".join("(k) " + line for line in attached[:-1]))
    results["k_attach"] = json.loads(attached[-1])
    import shlex

    import web_bench  # bench/web_bench.py: (l) `sop serve` under 1, 8 and 32 clients, SQLite and PostgreSQL

    web_lines, web_figures = web_bench.run(web_bench.options(shlex.split(args.web_options)))
    print("\n".join(web_lines))
    results.update(web_figures)
    print(json.dumps(results))


if __name__ == "__main__":
    main()
