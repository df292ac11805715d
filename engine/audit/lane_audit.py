"""Who acted, checked against the roles version in force then: each completion's actor held the step's lane
(a step in no lane only when an operator recorded it), and whoever recorded for someone else was an operator."""

from __future__ import annotations

from typing import Any

from engine.audit.records import AuditRecord, Problem, step_names
from engine.common.errors import EngineError
from engine.definitions.acting import acting_under
from engine.definitions.delegations import delegations_of
from engine.definitions.roles import Roles
from engine.definitions.roles_pinning import in_force_at, pinned_roles


def lane_problems(record: AuditRecord, cache: dict[Any, Any]) -> list[Problem]:
    """A problem for each completion its actor (or recorder) was not allowed to make under the roles then in
    force; completions before the first `sop roles apply` are not checked (no roles were pinned)."""
    if not record.roles:
        return []
    problems = []
    for event in record.events:
        if event.type not in ("task-completed", "task-claimed", "task-returned"):  # held to the lane like completing
            continue
        row = in_force_at(record.roles, event.time)
        if row is None:
            continue
        roles = _roles(row, cache, record.roles)
        lane = _lane(record, event.version, _acted_on(event), cache)
        if roles is None or lane is False:
            continue  # the roles log check or the replay names what is unreadable
        message = completion_problem(roles, event.actor, event.operator, lane if isinstance(lane, str) else None,
                                     DID.get(event.type, "completed"), at=event.time, process=record.process_id)
        if message:
            problems.append(Problem(event.seq, f"event {event.seq} ({event.type} {event.task} at {event.time}): "
                                               f"{message} under roles version {row.version[:12]} then in force"))
    return problems


DID = {"task-claimed": "claimed", "task-returned": "sent back"}


def _acted_on(event: Any) -> str:
    """The step an act was done on: a return's is the step it was sent back from, not the one it reopened."""
    if event.type == "task-returned":
        import json

        try:
            source = json.loads(event.data).get("from")
        except (ValueError, AttributeError):
            source = None
        return source if isinstance(source, str) else ""
    return str(event.task or "")


def completion_problem(roles: Roles, actor: str, operator: str, lane: str | None, did: str = "completed", *,
                       at: str | None = None, process: str | None = None) -> str:
    """Why a completion (or claim: did) by `actor`, recorded by `operator`, of a step in `lane` breaks the roles
    ('' if not; at: its time, when a delegation then in force may have given the actor the lane)."""
    person = roles.people.get(actor)
    recorder = roles.people.get(operator)
    if person is None:
        return f"its actor '{actor}' is in no one's entry"
    if operator != actor and (recorder is None or not recorder.operator):
        return f"'{operator}' recorded it for '{actor}' without being an operator"
    if lane is None:
        if recorder is None or not recorder.operator:
            return f"the step is in no lane and '{operator}', who recorded it, is no operator"
        return ""
    if not person.holds(lane) and (at is None or acting_under(roles, actor, lane, at=at, process=process) is None):
        return f"'{actor}' {did} a step of lane '{lane}' holding only {', '.join(person.lanes) or 'no lanes'}"
    return ""


def _roles(row: Any, cache: dict[Any, Any], log: list[Any]) -> Roles | None:
    key = ("roles", row.seq)
    if key not in cache:
        try:
            cache[key] = pinned_roles(row)._replace(delegations=delegations_of(log))
        except EngineError:
            cache[key] = None
    found: Roles | None = cache[key]
    return found


def _lane(record: AuditRecord, version: str, task: str, cache: dict[Any, Any]) -> str | bool | None:
    """The step's lane in its pinned spec (None: in no lane), or False when the spec cannot be read."""
    key = ("lanes", version)
    if key not in cache:
        pinned = record.versions.get(version)
        try:
            cache[key] = step_names(pinned.spec) if pinned is not None and pinned.spec else None
        except (ValueError, KeyError, TypeError, AttributeError):
            cache[key] = None
    names = cache[key]
    if names is None or task not in names:
        return False
    lane: str | None = names[task][1]
    return lane
