"""Who may read which instance: the one rule the web and the CLI ask (they never decide it themselves).

With roles in force, an instance (its page, task pages, files, diagram, history, export) is readable by operators,
by auditors (`auditor: true`: read everything, act on nothing), by the people who started or acted on it, by
the people of its process's lanes other than the start lane, and by its process's owners (`pemilik_proses`);
people of the start lane only (the OPDs) read their own requests. Without roles (single-user mode) everyone reads
everything. An instance one may not read does not exist for them: the refusal is the one for a missing instance."""

from __future__ import annotations

import os
import threading
from typing import TYPE_CHECKING, NamedTuple

from engine.common.lanes import lane_key
from engine.store.protocol import ReadScope

if TYPE_CHECKING:
    from engine.definitions.roles import Person
    from engine.service.context import EngineContext



class ProcessFacts(NamedTuple):
    """What the read rule and a list's filters need of a process: its name, steps and lanes (and their keys)."""

    name: str
    steps: tuple[tuple[str, str], ...]  # (BPMN id, name) of each step
    lanes: tuple[str, ...]
    lane_keys: frozenset[str]
    start_keys: frozenset[str]


# The facts of each process of a definitions folder, kept while its files do not change (a scan costs 0.2 s).
_LANES: dict[str, tuple[tuple[object, ...], dict[str, ProcessFacts]]] = {}
_LANES_LOCK = threading.Lock()


def read_scope(context: EngineContext) -> ReadScope | None:
    """What the person of this context may read: None for everything (no roles, an operator, an auditor), else
    the processes they read whole and their login (for the instances they started or acted on)."""
    roles = context.roles
    if roles is None:
        return None
    person = roles.people.get(context.operator)
    if person is None:
        return ReadScope(context.operator, ())
    if person.operator or person.auditor:
        return None
    # A process owner reads every instance of the processes they own (they move them to a new version).
    return ReadScope(person.login, tuple(sorted(staff_processes(context, person) | set(person.owned_processes))))


def staff_processes(context: EngineContext, person: Person) -> set[str]:
    """The processes in which the person holds a lane other than the start lane: they read all of their
    instances."""
    own = {lane_key(lane) for lane in person.lanes}
    return {process for process, facts in process_facts(context).items()
            if (own & facts.lane_keys) - facts.start_keys}


def starts_only(context: EngineContext) -> bool:
    """True for a person who starts requests (holds a start lane) and reads no process whole: their own requests
    are what they look for first ("Permohonan saya")."""
    scope = read_scope(context)
    roles = context.roles
    person = roles.people.get(context.operator) if roles is not None else None
    if scope is None or person is None:
        return False
    own = {lane_key(lane) for lane in person.lanes}
    return any(own & facts.start_keys for facts in process_facts(context).values())


def process_facts(context: EngineContext) -> dict[str, ProcessFacts]:
    """Each process of the definitions folder: its name, steps, lanes and the keys of its lanes and start lanes."""
    folder = str(context.definitions_dir)
    try:
        names = sorted(n for n in os.listdir(folder) if n.endswith((".bpmn", ".yaml", ".yml")))
        stamp: tuple[object, ...] = tuple((n, os.stat(os.path.join(folder, n)).st_mtime_ns) for n in names)
    except OSError:
        stamp = ()
    with _LANES_LOCK:
        kept = _LANES.get(folder)
        if kept is not None and kept[0] == stamp:
            return kept[1]
    found = {d.process_id: ProcessFacts(d.name, tuple((s.bpmn_id, s.name) for s in d.steps),
                                        tuple(dict.fromkeys(s.lane for s in d.steps if s.lane)),
                                        frozenset(lane_key(s.lane) for s in d.steps if s.lane),
                                        frozenset(lane_key(lane) for lane in d.start_lanes))
             for d in context.catalog().definitions}
    with _LANES_LOCK:
        _LANES[folder] = (stamp, found)
    return found


def may_read(context: EngineContext, instance: int, process_id: str) -> bool:
    """True when the context's person may read the instance (of this process)."""
    scope = read_scope(context)
    if scope is None or process_id in scope.processes:
        return True
    return context.store().is_person_of(instance, scope.login)


def check_readable(context: EngineContext, instance: int) -> None:
    """Refuse an instance the person may not read exactly as a missing one (NotFoundError)."""
    row = context.instance_row(instance)
    if not may_read(context, instance, row.process_id):
        from engine.common.errors import NoInstanceError
        from engine.store.labels import store_label

        raise NoInstanceError("No instance {instance} in store '{db}'; list them with `sop instances`",
                              instance=instance, db=store_label(context.db))
