"""Audit figures: replay and verify of an instance with 100, 1,000 and 10,000 events against the same steps run
in memory, and `sop history` against `sop tasks` on the 1,000-event instance."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
ULANG = ROOT / "tests" / "data" / "ulang"
PROCESS, TASK = "periksa_berulang", "Periksa"


def _data(i: int, n: int) -> dict[str, Any]:
    return {"lagi": i < n - 1, "catatan": f"putaran {i + 1}"}


def in_memory(n: int) -> float:
    """Seconds to run the n steps in memory on SpiffWorkflow (with the engine's fixes; without them it strands
    after 333 rounds of a loop): no store, no forms, no hashes."""
    from engine.definitions.catalog import scan
    from engine.runtime.workflow import build_spec, complete_task, new_workflow, ready_user_tasks

    definition = scan(ULANG / "definitions", ULANG / "forms").get(PROCESS)
    spec = build_spec(definition.bundle["bpmn"]["text"], PROCESS, definition.file)
    t0 = time.perf_counter()
    workflow = new_workflow(spec, {})
    for i in range(n):
        [task] = ready_user_tasks(workflow)
        complete_task(workflow, task, _data(i, n))
    return time.perf_counter() - t0


def bare_unfixed(n: int) -> float | None:
    """Seconds for the same steps on SpiffWorkflow exactly as released, or None when it cannot finish them."""
    from SpiffWorkflow.bpmn import BpmnWorkflow
    from SpiffWorkflow.spiff.parser import SpiffBpmnParser
    from SpiffWorkflow.util.task import TaskState

    parser = SpiffBpmnParser()
    parser.add_bpmn_file(str(ULANG / "definitions" / "periksa_berulang.bpmn"))
    t0 = time.perf_counter()
    workflow = BpmnWorkflow(parser.get_spec(PROCESS), parser.get_subprocess_specs(PROCESS))
    workflow.do_engine_steps()
    for i in range(n):
        ready = workflow.get_tasks(state=TaskState.READY, manual=True)
        if not ready:
            return None
        ready[0].data[TASK] = _data(i, n)
        ready[0].run()
        workflow.do_engine_steps()
    return time.perf_counter() - t0


def build_instance(db: Path, n: int) -> int:
    """A store holding one instance of the loop with n completions: started by the engine, its steps run in
    memory with the engine's own functions and written as n `sop complete` commands would write them (events
    chained, step records, ready rows, instance times) in one transaction, the state serialized once at the
    end (n separate commands would store the same rows, slower); `sop verify` then checks all of it."""
    from engine.audit.chain import sealed
    from engine.runtime.workflow import STATE_FORMAT, complete_task, ready_user_tasks, state_from_bytes, state_to_bytes
    from engine.service.facade import Engine
    from engine.service.schedule import record_change
    from engine.store.protocol import EventRow

    engine = Engine(str(db), definitions_dir=ULANG / "definitions", forms_dir=ULANG / "forms", operator="bench")
    view = engine.instances.start(PROCESS, {}, actor="pemeriksa")
    with engine.context.store().transaction() as tx:
        row = tx.lock_instance(view.instance)
        assert row is not None
        version = engine.context.pinned.of(row, tx.get_version)
        workflow = state_from_bytes(row.state, engine.context.pinned.spec(row.version, version.spec))
        clock, now, ready = engine.time.work_clock(), engine.context.clock(), tx.ready_tasks(row.id)
        seq, head, status = row.last_seq, row.last_hash, row.status
        for i in range(n):
            [task] = ready_user_tasks(workflow)
            since = next(t.since for t in ready if t.id == str(task.id))
            complete_task(workflow, task, _data(i, n))
            status = "completed" if workflow.completed else "running"
            happened: list[tuple[str, str | None, str | None, dict[str, Any]]] = [
                ("task-completed", TASK, str(task.id), _data(i, n))]
            if status == "completed":
                happened.append(("instance-completed", None, None, {}))
            first = seq + 1
            for kind, name, uuid, data in happened:
                seq += 1
                event = sealed(head, EventRow(row.id, seq, kind, now, name, uuid, "pemeriksa", engine.operator,
                                              row.version, "", ""), data)
                tx.append_event(event)
                head = event.hash
            tx.finish_step(row.id, str(task.id), first, now, clock.worked(since, now))
            ready = record_change(tx, row._replace(status=status), workflow, ready_user_tasks(workflow), ready, now=now,
                                  clock=clock, seq=first, completing=status == "completed")
        tx.save_instance(row._replace(status=status, updated_at=now, state=state_to_bytes(workflow),
                                      state_format=STATE_FORMAT, row_version=row.row_version + n, last_seq=seq,
                                      last_hash=head, completed_at=now if status == "completed" else None),
                         row.row_version)
    engine.close()
    return view.instance


def _timed(action: Callable[[], object], repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        action()
        samples.append(time.perf_counter() - t0)
    return statistics.median(samples)


def measure(tmp: Path, sizes: tuple[int, ...] = (100, 1000, 10_000)) -> dict[str, Any]:
    """Replay/verify seconds per size, their ratios to the in-memory run, and per-event microseconds."""
    from engine.service.facade import Engine

    out: dict[str, Any] = {"sizes": list(sizes)}
    for n in sizes:
        db = tmp / f"loop{n}.db"
        instance = build_instance(db, n)
        engine = Engine(str(db), definitions_dir=ULANG / "definitions", forms_dir=ULANG / "forms")
        repeat = 5 if n <= 1000 else 1
        outcome = engine.instance(instance).replay()
        assert outcome.divergence is None, outcome.divergence
        [verdict] = list(engine.audit.verify(instances=[instance]))
        assert verdict.ok, verdict.problems
        memory = _timed(lambda n=n: in_memory(n), repeat)  # type: ignore[misc]
        replay = _timed(lambda e=engine, i=instance: e.instance(i).replay(), repeat)  # type: ignore[misc]
        verify = _timed(lambda e=engine, i=instance: list(e.audit.verify(instances=[i])), repeat)  # type: ignore[misc]
        engine.close()
        out[str(n)] = {"events": n + 2, "memory_s": round(memory, 4), "replay_s": round(replay, 4),
                       "verify_s": round(verify, 4), "replay_ratio": round(replay / memory, 2),
                       "verify_ratio": round(verify / memory, 2),
                       "replay_us_per_event": round(replay / (n + 2) * 1e6, 1),
                       "verify_us_per_event": round(verify / (n + 2) * 1e6, 1)}
    unfixed = bare_unfixed(100)
    out["unfixed_spiff_100_s"] = None if unfixed is None else round(unfixed, 4)
    out["unfixed_spiff_1000_finishes"] = bare_unfixed(1000) is not None
    return out


def lines(result: dict[str, Any]) -> list[str]:
    """The figures as text, as docs/measured.md quotes them."""
    text = []
    for n in result["sizes"]:
        r = result[str(n)]
        text.append(f"(d) {r['events']} events: replay {r['replay_s'] * 1000:.0f} ms, verify "
                    f"{r['verify_s'] * 1000:.0f} ms vs the same steps in memory {r['memory_s'] * 1000:.0f} ms "
                    f"-> ratios {r['replay_ratio']:.2f} / "
                    f"{r['verify_ratio']:.2f} (target <= 2); {r['replay_us_per_event']:.0f} / "
                    f"{r['verify_us_per_event']:.0f} us per event")
    unfixed = result["unfixed_spiff_100_s"]
    text.append(f"    SpiffWorkflow as released: 100 rounds in {unfixed * 1000:.0f} ms; 1,000 rounds "
                + ("finish" if result["unfixed_spiff_1000_finishes"] else "never finish (stranded after 333)"))
    return text
