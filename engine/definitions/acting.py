"""Who acts in a lane at a moment under the delegations (Plh./Plt.) of the roles in force: the one decision the
lane check, the tasklist, the claims, the audit and the notices share."""

from __future__ import annotations

from engine.common.lanes import lane_key
from engine.definitions.delegations import Delegation
from engine.definitions.roles import Person, Roles


def acting_under(roles: Roles, login: str, lane: str | None, *, at: str,
                 process: str | None = None) -> Delegation | None:
    """The delegation under which `login` acts in `lane` at a moment (None: their own lane, or none reaches it)."""
    return roles.delegation_for(login, lane, at=at, process=process)


def holds_at(roles: Roles, person: Person, lane: str | None, *, at: str, process: str | None = None) -> bool:
    """True when the person acts in the lane at a moment: their own lane, or one delegated to them then."""
    return person.holds(lane) or acting_under(roles, person.login, lane, at=at, process=process) is not None


def delegates_for(roles: Roles, lane: str | None, at: str, process: str | None = None) -> tuple[str, ...]:
    """The logins acting in a lane at a moment only by a delegation (for notices: who stands in for its holders)."""
    return tuple(dict.fromkeys(d.taker for d in roles.delegations
                               if acting_under(roles, d.taker, lane, at=at, process=process) is not None))


def lanes_delegated(roles: Roles, login: str, at: str) -> tuple[str, ...]:
    """The lanes a person acts in at a moment by a delegation for every process, besides their own."""
    return tuple(dict.fromkeys(lane for lane, process in lanes_delegated_in(roles, login, at) if not process))


def lanes_delegated_in(roles: Roles, login: str, at: str) -> tuple[tuple[str, str], ...]:
    """(lane, process) of each lane a person acts in at a moment by a delegation, besides their own; process ''
    for a delegation that names none (every process)."""
    lanes: list[tuple[str, str]] = []
    for delegation in roles.delegations:
        giver = roles.people.get(delegation.giver)
        if delegation.taker == login and giver is not None and delegation.in_force(at):
            lanes += [(lane, delegation.process) for lane in giver.lanes
                      if not delegation.lane or lane_key(lane) == lane_key(delegation.lane)]
    return tuple(dict.fromkeys(lanes))


def acting_jabatan(roles: Roles, person: Person, lane: str | None, *, at: str, process: str | None = None) -> str:
    """The jabatan a person signs a step with: "Plh. Kepala Unit ..." (the giver's jabatan, else the lane) when a
    delegation gives them the step's lane then, else their own."""
    found = roles.delegation_for(person.login, lane, at=at, process=process)
    if found is None or lane is None:
        return person.jabatan
    return f"{found.title} {roles.people[found.giver].jabatan or lane}"
