"""Lint's view of lanes per unit: SOPs that share a lane naming no unit while the roles give it in several units."""

from __future__ import annotations

from collections.abc import Iterable

from engine.common.i18n import N_
from engine.common.lanes import lane_key, split_unit
from engine.definitions.roles import Roles
from engine.definitions.version import Definition


def shared_lane_warnings(definitions: Iterable[Definition], roles: Roles) -> list[tuple[str, str]]:
    """(file, message) for each SOP whose lane names no unit while another SOP shares that lane and the roles give
    it in several units: its tasks reach the holders of one unit (or none) whatever Bidang the SOP is for."""
    held: dict[str, dict[str | None, list[str]]] = {}
    for person in roles.people.values():
        for lane in person.lanes:
            base, unit = split_unit(lane)
            held.setdefault(lane_key(base), {}).setdefault(unit, []).append(person.name)
    users: dict[str, dict[str, str]] = {}  # unit-less lane -> process id -> file
    names: dict[str, str] = {}
    for definition in definitions:
        for lane in {*(s.lane for s in definition.steps if s.lane), *definition.start_lanes}:
            if lane and split_unit(lane)[1] is None:
                users.setdefault(lane_key(lane), {})[definition.process_id] = definition.file
                names.setdefault(lane_key(lane), lane)
    out = []
    for key, processes in sorted(users.items()):
        units = held.get(key, {})
        if len(processes) < 2 or len(units) < 2:
            continue
        given = "; ".join(f"{', '.join(sorted(people))} ({unit})" if unit else
                          f"{', '.join(sorted(people))} ({N_('no unit')})"
                          for unit, people in sorted(units.items(), key=lambda u: u[0] or ""))
        for process_id, file in sorted(processes.items()):
            out.append((file, N_("lane '{lane}' of process '{process}' names no unit and is shared with {others}, "
                                 "while the roles give it in several units: {given}; name the unit of each SOP's "
                                 "lane ('{lane} (Bidang ...)' in the diagram or the table, or unit_kerja in the "
                                 "SOP page) so that each official receives only their unit's tasks",
                                 lane=names[key], process=process_id,
                                 others=", ".join(p for p in sorted(processes) if p != process_id), given=given)))
    return out
