"""The flow graph of an SOP table: BPMN nodes (events, user tasks, gateways) and flows, with ids from the table.

Generated ids: StartEvent_1; Gabung_<row> (the merge before a row several flows enter); Bagi_<row> and
Temu_<row> (split and join of a bersamaan row); Keputusan_<row> (a decision); Selesai_<row> (and
Selesai_<row>_Ya/_Tidak when a decision ends the process); Flow_<source>_<target>; <wait>_Waktu (a wait's timer).
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.common.errors import DefinitionError
from engine.table.sop_table import END, Row, SopTable, Step, incoming


@dataclass(frozen=True)
class Node:
    """A BPMN flow node: kind is start, task, wait (a timer catch event), exclusive, parallel or end."""

    id: str
    kind: str
    lane: str
    name: str | None = None
    step: Step | None = None
    nomor: int = 0


@dataclass(frozen=True)
class Flow:
    """A sequence flow; a decision's ya flow has the condition, its tidak flow is the gateway's default."""

    id: str
    source: str
    target: str
    name: str | None = None
    condition: str | None = None
    default: bool = False


@dataclass(frozen=True)
class Graph:
    """Nodes in document order (row by row) and flows in document order."""

    table: SopTable
    nodes: tuple[Node, ...]
    flows: tuple[Flow, ...]


def build_graph(table: SopTable, source: str = "<table>") -> Graph:
    """Turn the table into BPMN nodes and flows; an id that collides with a generated one is refused."""
    nodes: list[Node] = []
    flows: list[Flow] = []
    entry: dict[str, str] = {}
    counts = incoming(table)
    for row in table.rows:
        lane = row.steps[0].pelaksana
        entry[row.id] = f"Gabung_{row.id}" if counts[row.id] > 1 else (
            f"Bagi_{row.id}" if row.bersamaan else row.steps[0].id)
    first = table.rows[0]
    nodes.append(Node("StartEvent_1", "start", first.steps[0].pelaksana, table.mulai))
    _flow(flows, "StartEvent_1", entry[first.id])
    for row in table.rows:
        lane = row.steps[0].pelaksana
        if counts[row.id] > 1:
            nodes.append(Node(f"Gabung_{row.id}", "exclusive", lane, nomor=row.nomor))
            _flow(flows, f"Gabung_{row.id}", f"Bagi_{row.id}" if row.bersamaan else row.steps[0].id)
        if row.bersamaan:
            nodes.append(Node(f"Bagi_{row.id}", "parallel", lane, nomor=row.nomor))
            for step in row.steps:
                nodes.append(Node(step.id, "task", step.pelaksana, step.kegiatan, step, row.nomor))
                _flow(flows, f"Bagi_{row.id}", step.id)
            nodes.append(Node(f"Temu_{row.id}", "parallel", lane, nomor=row.nomor))
            for step in row.steps:
                _flow(flows, step.id, f"Temu_{row.id}")
            last = f"Temu_{row.id}"
        else:
            step = row.steps[0]
            nodes.append(Node(step.id, "wait" if step.menunggu else "task", lane, step.kegiatan, step, row.nomor))
            last = step.id
        _exits(row, last, lane, entry, nodes, flows=flows)
    _check_unique(table, nodes, source)
    return Graph(table, tuple(nodes), tuple(flows))


def _exits(row: Row, last: str, lane: str, entry: dict[str, str], nodes: list[Node], *, flows: list[Flow]) -> None:
    decision = row.keputusan
    if decision is None:
        if row.lanjut == END or row.lanjut is None:
            nodes.append(Node(f"Selesai_{row.id}", "end", lane, row.nama_selesai, nomor=row.nomor))
            _flow(flows, last, f"Selesai_{row.id}")
        else:
            _flow(flows, last, entry[row.lanjut])
        return
    gateway = f"Keputusan_{row.id}"
    nodes.append(Node(gateway, "exclusive", lane, decision.pertanyaan, nomor=row.nomor))
    _flow(flows, last, gateway)
    for target, label, suffix, condition in ((decision.ya, decision.label_ya, "Ya", decision.syarat),
                                             (decision.tidak, decision.label_tidak, "Tidak", None)):
        if target == END:
            end = f"Selesai_{row.id}_{suffix}"
            nodes.append(Node(end, "end", lane, nomor=row.nomor))
            target_id = end
        else:
            target_id = entry[target]
        _flow(flows, gateway, target_id, name=label, condition=condition, default=condition is None)


def _flow(flows: list[Flow], source: str, target: str, *, name: str | None = None, condition: str | None = None,
          default: bool = False) -> None:
    base = flow_id = f"Flow_{source}_{target}"
    n = 2
    while any(f.id == flow_id for f in flows):
        flow_id, n = f"{base}_{n}", n + 1
    flows.append(Flow(flow_id, source, target, name, condition, default))


def _check_unique(table: SopTable, nodes: list[Node], source: str) -> None:
    seen: dict[str, Node] = {}
    ids = {table.process_id: Node(table.process_id, "process", "")}
    for node in nodes:
        other = seen.get(node.id) or ids.get(node.id)
        if other is not None:
            clash = node if node.step is not None else other
            line = clash.step.line if clash.step is not None else 0
            where = f"{source}:{line}" if line else source
            raise DefinitionError("{where}: id '{node_id}' is also the id of a generated {other_kind} element; "
                                  "rename the step (ids starting Gabung_, Bagi_, Temu_, Keputusan_, Selesai_ are "
                                  "used for gateways and end events)",
                                  where=where, node_id=node.id, other_kind=other.kind)
        seen[node.id] = node
