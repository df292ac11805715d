"""(m) Subprocesses at scale, measured side by side in one run:

- loading a 200-step diagram whose steps are spread over ten embedded subprocesses (lint's checks and SpiffWorkflow's
  parse, as `sop start` loads a process the first time) against the same 200 steps drawn at the top level;
- completing a step inside a subprocess against completing a top-level step: two diagrams of 20 steps each, one
  with the 20 steps in one subprocess, run alternately on one SQLite store; median seconds per completion.

Run: .venv/bin/python bench/subprocess_bench.py [--quick] [--json]. The diagrams are generated here (one lane, one
form); the ratios are those of this run on this machine.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

FORM = {"$schema": "https://json-schema.org/draft/2020-12/schema", "title": "Isian", "type": "object",
        "properties": {"catatan": {"type": "string", "title": "Catatan"}}, "required": ["catatan"]}
HEAD = ('<?xml version="1.0" encoding="UTF-8"?>\n<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/'
        'MODEL" xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="D" targetNamespace="x">\n')


def _task(step: str, into: str, out: str) -> str:
    return (f'<bpmn:userTask id="{step}" name="Langkah {step}"><bpmn:extensionElements><spiffworkflow:properties>'
            '<spiffworkflow:property name="formJsonSchemaFilename" value="isian.schema.json"/>'
            '<spiffworkflow:property name="sla" value="PT1H"/></spiffworkflow:properties></bpmn:extensionElements>'
            f'<bpmn:incoming>{into}</bpmn:incoming><bpmn:outgoing>{out}</bpmn:outgoing></bpmn:userTask>\n')


def _chain(prefix: str, steps: list[str], start: str, end: str) -> tuple[str, list[str]]:
    """A start event, the steps in a row and an end event (with their flows); the ids of the flow nodes."""
    body = f'<bpmn:startEvent id="{start}"><bpmn:outgoing>{prefix}f0</bpmn:outgoing></bpmn:startEvent>\n'
    for n, step in enumerate(steps):
        body += _task(step, f"{prefix}f{n}", f"{prefix}f{n + 1}")
    body += f'<bpmn:endEvent id="{end}"><bpmn:incoming>{prefix}f{len(steps)}</bpmn:incoming></bpmn:endEvent>\n'
    nodes = [start, *steps, end]
    for n in range(len(steps) + 1):
        body += f'<bpmn:sequenceFlow id="{prefix}f{n}" sourceRef="{nodes[n]}" targetRef="{nodes[n + 1]}"/>\n'
    return body, nodes


def diagram(process: str, groups: int, per_group: int, *, inside: bool) -> str:
    """A process of groups x per_group steps: each group an embedded subprocess (inside) or the same steps drawn
    at the top level, the groups one after another, all in one lane."""
    top: list[str] = []
    body, nodes = "", []
    for g in range(groups):
        steps = [f"S{g}_{k}" for k in range(per_group)]
        if inside:
            inner, inner_nodes = _chain(f"g{g}", steps, f"Mulai{g}", f"Akhir{g}")
            body += f'<bpmn:subProcess id="Sub{g}" name="Bagian {g}">{{IO{g}}}\n{inner}</bpmn:subProcess>\n'
            nodes += inner_nodes
            top.append(f"Sub{g}")
        else:
            top += steps
    start, end = "Mulai", "Selesai"
    chain = [start, *top, end]
    flows = ""
    for n in range(len(chain) - 1):
        flows += f'<bpmn:sequenceFlow id="t{n}" sourceRef="{chain[n]}" targetRef="{chain[n + 1]}"/>\n'
    heads = f'<bpmn:startEvent id="{start}"><bpmn:outgoing>t0</bpmn:outgoing></bpmn:startEvent>\n'
    heads += f'<bpmn:endEvent id="{end}"><bpmn:incoming>t{len(chain) - 2}</bpmn:incoming></bpmn:endEvent>\n'
    if inside:
        for g in range(groups):
            io = f"<bpmn:incoming>t{g}</bpmn:incoming><bpmn:outgoing>t{g + 1}</bpmn:outgoing>"
            body = body.replace(f"{{IO{g}}}", io)
    else:
        body = "".join(_task(step, f"t{n}", f"t{n + 1}") for n, step in enumerate(top))
    lanes = "".join(f"<bpmn:flowNodeRef>{n}</bpmn:flowNodeRef>" for n in [*chain, *nodes])
    return (HEAD + f'<bpmn:process id="{process}" name="Uji {process}" isExecutable="true">\n'
            f'<bpmn:laneSet id="LS"><bpmn:lane id="L" name="Staf">{lanes}</bpmn:lane></bpmn:laneSet>\n'
            + heads + body + flows + "</bpmn:process>\n</bpmn:definitions>\n")


def folder(tmp: Path, diagrams: dict[str, str]) -> tuple[Path, Path]:
    """A definitions folder holding the diagrams and a forms folder holding the one form."""
    definitions, forms = tmp / "definitions", tmp / "forms"
    definitions.mkdir()
    forms.mkdir()
    (forms / "isian.schema.json").write_text(json.dumps(FORM), encoding="utf-8")
    for name, text in diagrams.items():
        (definitions / f"{name}.bpmn").write_text(text, encoding="utf-8")
    return definitions, forms


def load_seconds(definitions: Path, forms: Path, process: str, rounds: int) -> float:
    """Median seconds to load the process from its folder (the catalog's checks and SpiffWorkflow's parse)."""
    from engine.definitions.catalog import scan
    from engine.runtime.workflow import bundle_spec

    samples = []
    for _ in range(rounds):
        began = time.perf_counter()
        definition = scan(definitions, forms).get(process)
        bundle_spec(definition.bundle, definition.file)
        samples.append(time.perf_counter() - began)
    return statistics.median(samples)


def completion_seconds(definitions: Path, forms: Path, store: Path, rounds: int) -> tuple[float, float]:
    """Median seconds per completion of a top-level step and of a step inside a subprocess, alternately."""
    from engine import Engine

    engine = Engine(str(store), definitions_dir=definitions, forms_dir=forms, operator="bench",
                    clock=lambda: "2026-11-02T01:00:00.000Z")
    flat: list[float] = []
    nested: list[float] = []
    try:
        for _ in range(rounds):
            pair = {"datar": engine.instances.start("datar").instance,
                    "bersarang": engine.instances.start("bersarang").instance}
            assert all(engine.instance(n).show().tasks for n in pair.values())
            while True:
                moved = False
                for name, number in pair.items():
                    tasks = engine.instance(number).show().tasks
                    if not tasks:
                        continue
                    began = time.perf_counter()
                    engine.instance(number).complete(tasks[0].task, {"catatan": "ok"})
                    (flat if name == "datar" else nested).append(time.perf_counter() - began)
                    moved = True
                if not moved:
                    break
            if any(engine.instance(n).show().status != "completed" for n in pair.values()):
                raise SystemExit("an instance did not run to its end")
    finally:
        engine.close()
    return statistics.median(flat), statistics.median(nested)


def run(quick: bool) -> dict[str, float]:
    """Both measures; the figures and their ratios."""
    tmp = Path(tempfile.mkdtemp(prefix="sop-subbench-"))
    try:
        groups, per = (2, 5) if quick else (10, 20)
        definitions, forms = folder(tmp, {"besar_bersarang": diagram("besar_bersarang", groups, per, inside=True),
                                          "besar_datar": diagram("besar_datar", groups, per, inside=False),
                                          "bersarang": diagram("bersarang", 1, 20, inside=True),
                                          "datar": diagram("datar", 1, 20, inside=False)})
        rounds = 2 if quick else 7
        nested_load = load_seconds(definitions, forms, "besar_bersarang", rounds)
        flat_load = load_seconds(definitions, forms, "besar_datar", rounds)
        flat, nested = completion_seconds(definitions, forms, tmp / "s.db", 1 if quick else 5)
        return {"m_steps": groups * per, "m_load_nested_s": round(nested_load, 3),
                "m_load_flat_s": round(flat_load, 3), "m_load_ratio": round(nested_load / flat_load, 2),
                "m_step_flat_ms": round(flat * 1000, 1), "m_step_nested_ms": round(nested * 1000, 1),
                "m_step_ratio": round(nested / flat, 2)}
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main() -> None:
    """Run (m) and print its lines (and, with --json, a JSON line)."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="Tiny sizes (for the tests).")
    parser.add_argument("--json", action="store_true", help="Also print the figures as one JSON line.")
    args = parser.parse_args()
    got = run(args.quick)
    print(f"(m) a {got['m_steps']}-step diagram in subprocesses loads in {got['m_load_nested_s']} s "
          f"({got['m_load_ratio']}x the same steps at the top level, {got['m_load_flat_s']} s)")
    print(f"(m) completing a step inside a subprocess: {got['m_step_nested_ms']} ms, a top-level step "
          f"{got['m_step_flat_ms']} ms: {got['m_step_ratio']}x")
    if args.json:
        print(json.dumps(got))


if __name__ == "__main__":
    main()
