"""Random SOP tables (up to 40 rows: decisions, loop-backs, jumps, parallel steps, waits) compile, run and lay out
cleanly."""

from __future__ import annotations

from typing import Any

from diagram_geometry import (
    edges_through_shapes,
    flow_ends,
    overlapping_shapes,
    read_di,
    shapes_outside_lanes,
    shared_segments,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.runtime.timers import fire_timer, waiting_in_flow
from engine.runtime.workflow import build_spec, complete_task, new_workflow, ready_user_tasks
from engine.table.sop_bpmn import compile_table
from engine.table.sop_decompile import table_from_bpmn
from engine.table.sop_table import END, Decision, Row, SopTable, Step, structure_problems
from engine.table.sop_yaml import read_table, write_table

TEXT = st.text(alphabet="abcdeé XYZ&<>\"'0123", min_size=1, max_size=12).map(str.strip).filter(bool)
SETTINGS = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def tables(draw: Any) -> SopTable:
    """A table every row of which is reached and can finish: each row's chain goes on to the next row, and a
    row only breaks the chain (selesai, a jump) when an earlier decision already leads past it."""
    n = draw(st.integers(1, 40))
    lanes = tuple(f"Lajur {c}" for c in "ABCDE"[: draw(st.integers(1, 5))])
    ids = [f"R{i}" for i in range(n)]
    bypassed: dict[int, int] = {}  # row index i+1 -> an earlier decision row k that leads to it
    rows = []
    for i in range(n):
        width = draw(st.sampled_from([1, 1, 1, 1, 2, 3, 0]))  # 0: a wait row (tunggu)
        steps = tuple(
            Step(f"{ids[i]}_{j}" if width > 1 else ids[i], draw(TEXT), draw(st.sampled_from(lanes)),
                 draw(st.sampled_from([None, "f.schema.json"])), None, draw(st.sampled_from([None, "PT30M", "P1D"])),
                 draw(st.sampled_from([None, "Surat"])))
            for j in range(width)) if width else (
            Step(ids[i], draw(TEXT), draw(st.sampled_from(lanes)), output=draw(st.sampled_from([None, "Surat"])),
                 tunggu=draw(st.sampled_from(["P2D", "PT3H", "P1W"]))),)
        nxt = ids[i + 1] if i + 1 < n else END
        kind = draw(st.sampled_from(["next", "next", "decision", "decision", "break"]))
        if kind == "decision" and not width:  # a wait writes no data for a decision to read
            kind = "next"
        decision, lanjut = None, None
        if kind == "decision":
            other = draw(st.sampled_from([*[x for x in ids if x != nxt], END]))
            if other == nxt:
                kind = "next"
            else:
                ya, tidak = (nxt, other) if draw(st.booleans()) else (other, nxt)
                decision = Decision(f'{steps[0].id}["ok"] == "ya"', ya, tidak, draw(st.sampled_from([None, "Ok?"])))
                if other != END and ids.index(other) > i + 1:
                    bypassed.setdefault(ids.index(other), i)
        if kind == "break" and i + 1 in bypassed and i + 1 < n:
            k = bypassed[i + 1]
            lanjut = draw(st.sampled_from([END, *ids[: k + 1], *ids[i + 2:]]))
        elif kind != "decision":
            lanjut = nxt
        rows.append(Row(i + 1, ids[i], steps, decision, lanjut))
    # a parallel row's id must differ from its steps' ids
    rows = [r if not r.bersamaan else Row(r.nomor, f"P{r.nomor}", r.steps, r.keputusan, r.lanjut) for r in rows]
    rename = {ids[i]: rows[i].id for i in range(n)}
    fixed = []
    for r in rows:
        d = r.keputusan
        if d is not None:
            d = Decision(d.syarat, rename.get(d.ya, d.ya), rename.get(d.tidak, d.tidak), d.pertanyaan)
        fixed.append(Row(r.nomor, r.id, r.steps, d, rename.get(r.lanjut, r.lanjut) if r.lanjut else None))
    return SopTable("acak", "SOP acak", lanes, tuple(fixed), draw(st.sampled_from([None, "Mulai"])))


def _run(table: SopTable, bpmn: str, choices: list[bool]) -> list[tuple[str, str]]:
    """Run the diagram with SpiffWorkflow, steering decisions (randomly, then the shortest way out)."""
    steps = {s.id: (row, s) for row, s in table.steps()}
    dist = {END: 0}
    for _ in table.rows:
        for row in table.rows:
            known = [dist[t] for t in row.targets() if t in dist]
            if known:
                dist[row.id] = min(dist.get(row.id, 10**9), 1 + min(known))
    workflow = new_workflow(build_spec(bpmn, table.process_id, "acak.bpmn"))
    done: list[tuple[str, str]] = []
    while not workflow.completed:
        ready = ready_user_tasks(workflow)
        waits = waiting_in_flow(workflow)
        if not ready and waits:  # a wait row: its timer fires (sop tick would, when due)
            fired = waits[0].task_spec.bpmn_id
            fire_timer(workflow, str(waits[0].id))
            done.append((fired, steps[fired][1].pelaksana))
            continue
        assert ready, "the instance waits with no ready task"
        task = ready[0]
        row, step = steps[task.task_spec.bpmn_id]
        assert task.task_spec.lane == step.pelaksana
        data: dict[str, Any] = {}
        if row.keputusan and step is row.steps[0]:
            choose_ya = choices.pop() if choices and len(done) < 15 else dist[row.keputusan.ya] < dist[
                row.keputusan.tidak]
            data = {"ok": "ya" if choose_ya else "tidak"}
        complete_task(workflow, task, data)
        done.append((step.id, step.pelaksana))
        assert len(done) < 2000
    return done


@SETTINGS
@given(tables(), st.lists(st.booleans(), max_size=10))
def test_random_tables_compile_run_lay_out_and_round_trip(table: SopTable, choices: list[bool]) -> None:
    """Every generated table is valid, compiles to a diagram SpiffWorkflow runs to the end in the right lanes,
    draws no shape over another, no edge through a shape and no two edges along one stretch (but flows meeting at
    their target, a split's third and later branches, and two flows swapping lines across one gap), recompiles
    byte for byte and reads back the same."""
    assert structure_problems(table) == []
    bpmn = compile_table(table)
    shapes, lanes, edges, lane_of = read_di(bpmn)
    assert overlapping_shapes(shapes) == []
    assert edges_through_shapes(shapes, edges) == []
    assert shapes_outside_lanes(shapes, lanes, lane_of) == []
    ends = flow_ends(bpmn)
    wide = {s for s, _ in ends.values() if s.startswith("Bagi_") and sum(e[0] == s for e in ends.values()) > 2}
    assert shared_segments(edges, ends, wide) == []
    back = table_from_bpmn(bpmn, "acak.bpmn")
    assert back == table
    assert compile_table(back) == bpmn
    reread, _ = read_table(write_table(table), "acak.sop.yaml")
    assert reread == table
    done = _run(table, bpmn, list(choices))
    assert done  # at least the first row ran
