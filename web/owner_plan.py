"""After a new version of an SOP is published: the plan to move its running requests onto it (the engine's own
migration, tried without changing anything), said in words, with a token of the exact plan shown; carried out
only when the plan confirmed is still the plan."""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING, Any, NamedTuple

from .words import N_, translate

if TYPE_CHECKING:
    from engine import Engine


class PlannedMove(NamedTuple):
    """One running request: where it is now, where it will be, or why it cannot move."""

    instance: int
    title: str
    now: str
    after: str
    movable: bool
    why: list[str]


class MovePlan(NamedTuple):
    """The plan for a process: the version the folder holds now (None when it does not load), what changes between
    the versions, each request's move, and the token of all of it."""

    process: str
    name: str
    version: str | None
    changes: list[str]
    moves: list[PlannedMove]
    token: str
    problem: str | None = None

    @property
    def movable(self) -> list[PlannedMove]:
        """The requests that will move on confirmation."""
        return [m for m in self.moves if m.movable]


def plan(e: Engine, process: str) -> MovePlan:
    """Every running request of the process on another version than the folder's, tried against it (dry run)."""
    from engine import EngineError

    infos, _ = e.processes.runnable()
    info = next((p for p in infos if p.id == process), None)
    if info is None:
        problem = translate(N_("The SOP does not load from the definitions now, so no request can move; publish a "
                               "table that lint finds no error in"))
        return MovePlan(process, process, None, [], [], _token(process, None, [], []), problem)
    running = [s for s in e.instances.find(status="running", process=process) if s.version != info.version]
    results: list[Any] = []
    for summary in running:
        try:
            results.append(e.instance(summary.instance).migrate(to=info.version, dry_run=True))
        except EngineError as exc:
            results.append(exc)
    changes, moves = plan_words(e, process, running, results)
    return MovePlan(process, info.name, info.version, changes, moves, _token(process, info.version, running, results))


def _engine_words(results: list[Any]) -> list[str] | None:
    """The engine's own wording of a plan (its migration_plan_words, where this installation has it), translated:
    how many requests are at which step and what the new version changes. The requests that cannot move are said
    one by one beside them (each reason a sentence of its own), so only their changes are added here. None without
    it."""
    import engine as engine_package

    words = getattr(engine_package, "migration_plan_words", None)
    done = [r for r in results if not isinstance(r, Exception) and not r.up_to_date]
    if words is None or not done:
        return None
    movable = [r for r in done if not r.problems]
    said = [translate(sentence) for sentence in words(movable).sentences] if movable else []
    said += [translate(change) for r in done if r.problems for change in getattr(r, "changes", ())]
    return list(dict.fromkeys(said))


def plan_words(e: Engine, process: str, running: list[Any], results: list[Any]) -> tuple[list[str], list[PlannedMove]]:
    """The plan in words (the one place the page words it): the steps the new version adds, removes and changes,
    and for each request the steps it is at now and after the move, or why it cannot move."""
    names = _step_names(e, process)
    titles = e.instances.titles([s.instance for s in running])
    said = _engine_words(results)
    changes: list[str] = said or []
    seen: set[str] = set(changes)
    moves = []
    for summary, result in zip(running, results, strict=True):
        now = e.instance(summary.instance).tasks()
        names.update({t.task: t.name for t in now if t.task not in names})
        title = titles.get(summary.instance, str(summary.instance))
        here = ", ".join(t.name for t in now) or translate(N_("no step ready"))
        if isinstance(result, Exception):
            moves.append(PlannedMove(summary.instance, title, here, "", False, [translate(result)]))
            continue
        for sentence in [] if said is not None else _differences(result, names):
            if sentence not in seen:
                seen.add(sentence)
                changes.append(sentence)
        after = ", ".join(t.name for t in result.tasks) or translate(N_("no step ready"))
        why = [translate(p) for p in result.problems]
        moves.append(PlannedMove(summary.instance, title, here, after, not why, why))
    return changes, moves


def _step_names(e: Engine, process: str) -> dict[str, str]:
    """The name of each step of the version the folder holds (the ids a migration names)."""
    from engine import EngineError

    try:
        return {s.bpmn_id: s.name for s in e.processes.catalog().get(process).steps}
    except EngineError:  # a folder that does not load was said before: the steps go by the ready tasks' names
        return {}


def _differences(result: Any, names: dict[str, str]) -> list[str]:
    """What the new version changes, in words: the steps added, removed and changed (their Mutu Baku, form or
    name), and whether the flow between them changes (a step's connections, a decision, an event)."""
    connections = {"inputs", "outputs"}
    said = [translate(N_("New step '{step}' is added", step=names[s])) for s in result.added if s in names]
    said += [translate(N_("Step '{step}' is removed", step=names.get(s, s))) for s in result.removed]
    said += [translate(N_("Step '{step}' is changed", step=names[s])) for s, what in result.changed.items()
             if s in names and set(what) - connections]
    if any(s not in names for s in result.added) or any(s not in names or set(what) & connections
                                                        for s, what in result.changed.items()):
        said.append(translate(N_("The flow between the steps changes")))
    return said


def _token(process: str, version: str | None, running: list[Any], results: list[Any]) -> str:
    """The hash of exactly what the plan says will happen: the version, each request as it stands (its version and
    its count of events: anything done to it since changes the count), its move and the steps it is at after it
    (not the due times, which follow the clock)."""
    parts: list[Any] = [process, version]
    for summary, r in zip(running, results, strict=True):
        parts.append([summary.instance, summary.version, summary.events])
        if isinstance(r, Exception):
            parts.append(["refused", str(r)])
        else:
            parts.append([r.to_version, r.added, r.removed, r.changed, r.problems, [t.task for t in r.tasks]])
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode("utf-8")).hexdigest()


class Carried(NamedTuple):
    """What confirming a plan did: the requests moved and those refused on the way (with why)."""

    moved: list[int]
    refused: list[tuple[int, str]]


def carry_out(e: Engine, shown: MovePlan) -> Carried:
    """Move each request the plan said can move (each on its own, as `sop migrate` does: one transaction and its
    `instance-migrated` event, recorded as done by the person confirming)."""
    from engine import EngineError

    moved, refused = [], []
    for move in shown.movable:
        try:
            e.instance(move.instance).migrate(to=shown.version)
            moved.append(move.instance)
        except EngineError as exc:
            refused.append((move.instance, translate(exc)))
    return Carried(moved, refused)
