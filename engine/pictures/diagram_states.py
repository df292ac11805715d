"""Where an instance stands, per diagram element: read from the stored state's task tree, never by running it.

The state JSON's tasks name their task spec; the stored spec JSON maps spec names to BPMN ids. A task that was
reached (waiting, ready, started, completed) whose nearest reached ancestor with a BPMN id is X shows that the
flow X -> task was taken. A cancelled task whose parent completed was reached too: SpiffWorkflow 3.2's parallel
join cancels the join task of every branch but the last to arrive (Join._do_join), so the flows of the branches
that arrived earlier count as taken. Elements no active task can reach any more are the branches not taken.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any, NamedTuple

from engine.bpmn.bpmn_di import Diagram
from engine.common.models import TaskView

# SpiffWorkflow 3.2 TaskState values (SpiffWorkflow.util.task.TaskState); MAYBE/LIKELY/FUTURE are predictions.
WAITING, READY, STARTED, COMPLETED, ERROR, CANCELLED = 8, 16, 32, 64, 128, 256
REACHED = WAITING | READY | STARTED | COMPLETED | ERROR

STATES = ("completed", "ready", "overdue", "waiting", "error", "taken", "future", "not-taken")


class ReadyInfo(NamedTuple):
    """A ready step as the picture labels it: who must act and since when (and until when, where known)."""

    lane: str | None
    since: str
    due: str | None
    name: str = ""


class PictureStates(NamedTuple):
    """Each drawn element's state (one of STATES) and the ready steps' details."""

    states: dict[str, str]
    ready: dict[str, ReadyInfo]
    status: str
    notes: dict[str, tuple[str, ...]] | None = None  # lines written above a step (the heat diagram's figures)
    legend: tuple[str, ...] = ()  # the states the legend explains, in order (default: an instance's)


def bare_states(diagram: Diagram) -> PictureStates:
    """A diagram with no instance: every element plain."""
    return PictureStates({}, {}, "")


def instance_states(diagram: Diagram, state_text: str, spec_text: str, ready_rows: Iterable[TaskView],
                    status: str, *, now: str) -> PictureStates:
    """The state of every drawn element of an instance from its stored state, spec and ready-task rows."""
    state = json.loads(state_text)
    spec = json.loads(spec_text)
    drawn = {n.id for n in diagram.nodes}
    reached: dict[str, int] = {}
    taken: set[tuple[str, str]] = set()
    subs = spec.get("subprocesses", {})
    trees = [(state["tasks"], spec["process"]["task_specs"])] + [  # each embedded subprocess's tree, with its spec
        (sub["tasks"], subs[sub["spec"]]["task_specs"]) for sub in state.get("subprocesses", {}).values()
        if sub.get("spec") in subs]
    for tasks, task_specs in trees:
        bpmn_of: dict[str, str | None] = {name: s.get("bpmn_id") for name, s in task_specs.items()}
        _read_tree(tasks, bpmn_of, drawn, reached, taken)
    for node in diagram.nodes:  # a subprocess an interrupting timer ended was reached: its steps inside were
        if node.kind == "subProcess" and node.id not in reached and any(i in reached for i in _inside(diagram, node)):
            reached[node.id] = COMPLETED
    ready: dict[str, ReadyInfo] = {}
    states: dict[str, str] = {}
    shown_in = _collapsed_owner(subs, drawn)
    for row in ready_rows:
        due = row.due
        where = shown_in.get(row.task, row.task)  # a step inside a collapsed subprocess: on the subprocess's box
        ready[where] = ReadyInfo(row.lane, row.since, due, row.name)
        states[where] = "overdue" if due and _before(str(due), now) else "ready"
    for bpmn_id, mask in reached.items():
        if bpmn_id in states:
            continue
        states[bpmn_id] = ("ready" if mask & (READY | STARTED) else "error" if mask & ERROR
                           else "waiting" if mask & WAITING else "completed")
    active = {i for i, s in states.items() if s != "completed"} if status == "running" else set()
    future = _reachable(diagram, active)
    for node in diagram.nodes:
        if node.id not in states:
            states[node.id] = "future" if node.id in future else "not-taken"
    for edge in diagram.edges:
        if edge.kind != "sequenceFlow":
            continue
        if (edge.source, edge.target) in taken:
            states[edge.id] = "taken"
        else:
            states[edge.id] = "future" if edge.source in future else "not-taken"
    return PictureStates(states, ready, status)


def _read_tree(tasks: dict[str, dict[str, Any]], bpmn_of: dict[str, str | None], drawn: set[str],
               reached: dict[str, int], taken: set[tuple[str, str]]) -> None:
    """The reached elements of one task tree (the process's or a subprocess's), and the flows taken into them."""
    for task in tasks.values():
        arrived = task["state"] & CANCELLED and tasks.get(task.get("parent") or "", {}).get("state") == COMPLETED
        if not task["state"] & REACHED and not arrived:
            continue
        bpmn_id = bpmn_of.get(task["task_spec"])
        if bpmn_id not in drawn:
            continue
        assert bpmn_id is not None
        if not arrived:
            reached[bpmn_id] = reached.get(bpmn_id, 0) | task["state"]
        source = _drawn_ancestor(task, tasks, bpmn_of, drawn)
        if source is not None:
            taken.add((source, bpmn_id))


def _collapsed_owner(subs: dict[str, Any], drawn: set[str]) -> dict[str, str]:
    """For each step not drawn that is inside a drawn (collapsed) subprocess: that subprocess's id (the innermost
    drawn one), from the subprocesses' stored specs."""
    parent = {s.get("bpmn_id"): sub for sub, spec in subs.items() for s in spec.get("task_specs", {}).values()
              if s.get("bpmn_id") and s.get("bpmn_id") != sub}
    found: dict[str, str] = {}
    for step in parent:
        if step in drawn:
            continue
        owner: str | None = parent.get(step)
        while owner is not None and owner not in drawn:
            owner = parent.get(owner)
        if owner is not None:
            found[step] = owner
    return found


def _inside(diagram: Diagram, container: Any) -> list[str]:
    """The drawn nodes whose shapes lie within a shape (an expanded subprocess's content)."""
    b = container.box
    return [n.id for n in diagram.nodes if n.id != container.id and n.attached_to is None and b.x <= n.box.x
            and n.box.x + n.box.w <= b.x + b.w and b.y <= n.box.y and n.box.y + n.box.h <= b.y + b.h]


def _drawn_ancestor(task: dict[str, Any], tasks: dict[str, dict[str, Any]], bpmn_of: dict[str, str | None],
                    drawn: set[str]) -> str | None:
    """The nearest ancestor task that is a drawn element (skipping SpiffWorkflow's own helper tasks)."""
    parent = task.get("parent")
    while parent is not None:
        node = tasks.get(parent)
        if node is None:
            return None
        bpmn_id = bpmn_of.get(node["task_spec"])
        if bpmn_id in drawn:
            return bpmn_id
        parent = node.get("parent")
    return None


def _reachable(diagram: Diagram, active: set[str]) -> set[str]:
    """Elements that active elements can still reach along sequence flows and boundary events."""
    out: dict[str, list[str]] = {}
    for edge in diagram.edges:
        if edge.kind == "sequenceFlow":
            out.setdefault(edge.source, []).append(edge.target)
    for node in diagram.nodes:
        if node.attached_to:
            out.setdefault(node.attached_to, []).append(node.id)
        if node.kind == "subProcess":  # a subprocess leads into the start event drawn inside it
            inside = _inside(diagram, node)
            out.setdefault(node.id, []).extend(n.id for n in diagram.nodes if n.kind == "startEvent" and n.id in inside)
    seen = set(active)
    todo = list(active)
    while todo:
        for nxt in out.get(todo.pop(), []):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def _before(due: str, now: str) -> bool:
    """Whether an ISO 8601 time is earlier than now (both read as UTC when they carry no offset)."""
    from datetime import UTC, datetime

    def read(text: str) -> datetime:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)

    try:
        return read(due) < read(now)
    except ValueError:
        return due < now
