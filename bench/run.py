"""Measures what the README quotes, all in one run: per-step cost, `sop tasks` at 10,000 instances, bytes stored.

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

from engine.scenarios import load_scenario  # noqa: E402
from engine.service import Engine  # noqa: E402

SCENARIO = ROOT / "examples" / "interkoneksi_data_baru" / "pasang.scenario.yaml"
DEFINITIONS, FORMS = ROOT / "definitions", ROOT / "forms"


def bare_spiff_step_seconds(rounds: int) -> tuple[float, int]:
    """Bare SpiffWorkflow: for each step deserialize the full state, run the task, serialize it again."""
    from SpiffWorkflow.bpmn import BpmnWorkflow
    from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
    from SpiffWorkflow.spiff.parser import SpiffBpmnParser
    from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
    from SpiffWorkflow.util.task import TaskState

    scenario = load_scenario(SCENARIO)
    parser = SpiffBpmnParser()
    parser.add_bpmn_file(str(DEFINITIONS / "interkoneksi_data_baru.bpmn"))
    spec = parser.get_spec(scenario.process)
    subs = parser.get_subprocess_specs(scenario.process)
    serializer = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG))
    total, steps, size = 0.0, 0, 0
    for _ in range(rounds):
        workflow = BpmnWorkflow(spec, subs)
        workflow.do_engine_steps()
        state = serializer.serialize_json(workflow)
        for step in scenario.steps:
            t0 = time.perf_counter()
            workflow = serializer.deserialize_json(state)
            task = next(t for t in workflow.get_tasks(state=TaskState.READY, manual=True)
                        if t.task_spec.bpmn_id == step["task"])
            task.data[step["task"]] = step["data"]
            task.run()
            workflow.do_engine_steps()
            state = serializer.serialize_json(workflow)
            total += time.perf_counter() - t0
            steps += 1
        size = len(state.encode())
    return total / steps, size


def engine_step_seconds(tmp: Path, rounds: int, sync: str) -> tuple[float, dict[str, int]]:
    """The engine: for each step load the row, validate the form, complete, save state, ready rows and event."""
    os.environ["SOP_SYNC"] = sync
    scenario = load_scenario(SCENARIO)
    engine = Engine(str(tmp / f"steps-{sync}.db"), DEFINITIONS, FORMS)
    total, steps = 0.0, 0
    instance = 0
    for _ in range(rounds):
        instance = engine.start(scenario.process).instance
        for step in scenario.steps:
            t0 = time.perf_counter()
            engine.complete(instance, step["task"], step["data"], step["as"])
            total += time.perf_counter() - t0
            steps += 1
    row = engine.store().get_instance(instance)
    assert row is not None
    engine.close()
    del os.environ["SOP_SYNC"]
    from engine.workflow import state_json

    sizes = {"state": len(row.state), "state_json": len(state_json(row.state).encode()), "data": len(row.data.encode())}
    return total / steps, sizes


def build_big_store(path: Path, instances: int) -> None:
    """A store with N running instances: one started by the engine, copied row by row with fresh task UUIDs."""
    engine = Engine(str(path), DEFINITIONS, FORMS)
    engine.start("interkoneksi_data_baru")
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


def command_seconds(argv: list[str], repeat: int) -> float:
    """Median wall time of a whole process, output discarded."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "check": True, "env": env}
    subprocess.run(argv, **quiet)  # type: ignore[call-overload]  # warm caches and bytecode
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        subprocess.run(argv, **quiet)  # type: ignore[call-overload]
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    """Print the three ratios (and what they are made of) as text and as JSON."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--instances", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "engine"), str(ROOT / "runner")], check=True)
    tmp = Path(tempfile.mkdtemp(prefix="sop-bench-"))
    try:
        bare, full_bytes = bare_spiff_step_seconds(args.rounds)
        ours, sizes = engine_step_seconds(tmp, args.rounds, "full")
        state_bytes = sizes["state"] + sizes["data"]
        ours_normal, _ = engine_step_seconds(tmp, args.rounds, "normal")
        big = tmp / "big.db"
        build_big_store(big, args.instances)
        sop = shutil.which("sop", path=str(Path(sys.executable).parent)) or "sop"
        tasks = command_seconds([sop, "--db", str(big), "tasks"], args.repeat)
        tasks_json = command_seconds([sop, "--db", str(big), "tasks", "--json"], args.repeat)
        tasks_all = command_seconds([sop, "--db", str(big), "tasks", "--all"], args.repeat)
        base = command_seconds([sys.executable, "-c", "import sqlite3, click"], args.repeat)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    results = {
        "step_ms_engine_sync_full": round(ours * 1000, 3),
        "step_ms_engine_sync_normal": round(ours_normal * 1000, 3),
        "step_ms_bare_spiffworkflow": round(bare * 1000, 3),
        "a_step_ratio_sync_full": round(ours / bare, 2),
        "a_step_ratio_sync_normal": round(ours_normal / bare, 2),
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
        "data_column_bytes": sizes["data"],
        "full_serialization_bytes": full_bytes,
        "c_bytes_ratio": round(state_bytes / full_bytes, 2),
        "instances": args.instances,
    }
    print(f"(a) per step: engine {ours * 1000:.3f} ms (synchronous=FULL; {ours_normal * 1000:.3f} ms with NORMAL) "
          f"vs bare SpiffWorkflow {bare * 1000:.3f} ms -> ratio {ours / bare:.2f} "
          f"(NORMAL {ours_normal / bare:.2f}; target <= 1.3)")
    print(f"(b) `sop tasks` with {args.instances} running instances: {tasks * 1000:.1f} ms "
          f"vs `python -c 'import sqlite3, click'` {base * 1000:.1f} ms -> ratio {tasks / base:.2f} (target <= 1.5); "
          f"printing all {args.instances} rows: --all {tasks_all * 1000:.1f} ms (ratio {tasks_all / base:.2f}), "
          f"--json {tasks_json * 1000:.1f} ms (ratio {tasks_json / base:.2f})")
    print(f"(c) bytes per finished instance: {state_bytes} stored (state {sizes['state']} zlib of "
          f"{sizes['state_json']} JSON without the spec, + data column {sizes['data']}) vs {full_bytes} "
          f"SpiffWorkflow full serialization -> ratio {state_bytes / full_bytes:.2f} (target <= 0.5)")
    print(json.dumps(results))


if __name__ == "__main__":
    main()
