"""Recording delegations (Plh./Plt.) and their early ends in the roles log: who may, and what is refused (to
oneself, an unknown login, a cycle, a lane given to two people at once, a period in the past or ending before it
starts), each refusal changing nothing."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, tzinfo
from typing import TYPE_CHECKING

from engine.common.canonical import chain_hash
from engine.common.errors import NotFoundError, RoleError, ValidationError
from engine.common.lanes import lane_key
from engine.definitions.delegations import (
    KINDS,
    Delegation,
    delegation_end_source,
    delegation_source,
    delegations_of,
)
from engine.definitions.roles_pinning import pinned_roles, roles_body
from engine.store.protocol import RolesEventRow

if TYPE_CHECKING:
    from engine.definitions.roles import Person, Roles
    from engine.service.context import EngineContext

_DAY = re.compile(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{2}))?\s*$")


def office_moment(text: str, zone: tzinfo, *, option: str, end: bool) -> str:
    """A date (or date and time) typed in the office's zone as the store's UTC time; a date alone is its start, or
    (end) the end of that day."""
    from engine.common.work_calendar import format_time

    found = _DAY.match(text or "")
    moment = None
    if found:
        year, month, day, hour, minute = (int(g) if g else None for g in found.groups())
        try:
            moment = datetime(year or 0, month or 0, day or 0, hour or 0, minute or 0, tzinfo=zone)
        except ValueError:
            moment = None
        if moment is not None and end and hour is None:
            moment += timedelta(days=1)  # inclusive to the end of that day
    if moment is None:
        raise ValidationError("{option} '{text}' is not a date; write it like 2026-12-24, or 2026-12-24 13:00 for a "
                              "time (the office's local time); nothing was changed", option=option, text=text)
    return format_time(moment)


def delegate(context: EngineContext, giver: str, taker: str, *, start: str, until: str, process: str | None = None,
             lane: str | None = None, kind: str = "plh") -> Delegation:
    """Record that `taker` acts in the lanes of `giver` (only `lane`, only in `process`, when given) from `start`
    to `until` (typed in the office's zone): an operator for anyone, a person for their own lanes."""
    zone = context.local_times().zone
    begins = office_moment(start, zone, option="--from", end=False)
    stops = office_moment(until, zone, option="--until", end=True)
    if process is not None:
        known = sorted(d.process_id for d in context.catalog().definitions)
        if process not in known:
            raise ValidationError("--process '{process}' is no process of the definitions ({known}); nothing was "
                                  "changed", process=process, known=", ".join(known))
    if kind not in KINDS:
        raise ValidationError("--kind '{kind}' is not a kind of delegation; give plh (Pelaksana Harian) or plt "
                              "(Pelaksana Tugas); nothing was changed", kind=kind)
    store = context.store()
    now = context.clock()
    with store.transaction() as tx:
        current = _in_force(context, tx.roles_in_force(exclusive=True))
        roles = pinned_roles(current)
        giving, _ = _parties(roles, context.operator, giver, taker)
        _check_lane(giving, lane)
        _check_period(begins, stops, now, _today(now, zone))
        facts = {"from": giver, "to": taker, "start": begins, "until": stops, "process": process or "",
                 "lane": lane or "", "kind": kind}
        planned = Delegation(current.seq + 1, giver, taker, begins, stops, process or "", lane or "", kind,
                             context.operator, now)
        _check_against(planned, [d for d in delegations_of(store.roles_events()) if d.stop > now], roles)
        tx.append_roles_event(_sealed(current, delegation_source(facts), now, context.operator))
    context.forget_roles()
    return planned


def end_delegation(context: EngineContext, seq: int) -> Delegation:
    """End delegation `seq` now, before its until: an operator, or the person who gave their lanes."""
    store = context.store()
    now = context.clock()
    with store.transaction() as tx:
        current = _in_force(context, tx.roles_in_force(exclusive=True))
        roles = pinned_roles(current)
        found = next((d for d in delegations_of(store.roles_events()) if d.seq == seq), None)
        if found is None:
            raise NotFoundError("No delegation {seq} in the roles log; list them with `sop delegate --list`; nothing "
                                "was changed", seq=seq)
        me = roles.people.get(context.operator)
        if context.operator != found.giver and (me is None or not me.operator):
            raise RoleError("'{login}' may not end delegation {seq}: only {giver}, whose lanes it gives, or an "
                            "operator may; nothing was changed", login=context.operator, seq=seq, giver=found.giver)
        if found.stop <= now:
            raise RoleError("Delegation {seq} is over already (it stopped at {stop}); nothing was changed",
                            seq=seq, stop=found.stop)
        tx.append_roles_event(_sealed(current, delegation_end_source(seq), now, context.operator))
    context.forget_roles()
    return found._replace(ended=now, ended_by=context.operator)


def delegations(context: EngineContext, *, past: bool = False) -> tuple[Delegation, ...]:
    """The delegations in force and planned (past: also those over), in the order they were recorded."""
    store = context.store(optional=True)
    now = context.clock()
    found = delegations_of(store.roles_events()) if store.schema_version() >= store.roles_since else ()
    return tuple(d for d in found if past or d.stop > now)


def _in_force(context: EngineContext, current: RolesEventRow | None) -> RolesEventRow:
    if current is None:
        raise RoleError("No roles are pinned in store '{location}', and a delegation is recorded in its roles log; "
                        "pin the roles file first with `sop roles apply`; nothing was changed",
                        location=context.store().location)
    return current


def _parties(roles: Roles, operator: str, giver: str, taker: str) -> tuple[Person, Person]:
    """The giver and the taker, both in the roles in force; refused for oneself, or when the account recording it
    is neither the giver nor an operator."""
    giving, taking = roles.person(giver), roles.person(taker)
    if giver == taker:
        raise RoleError("'{giver}' cannot delegate to themself; name another person to act in their lanes; nothing "
                        "was changed", giver=giver)
    me = roles.people.get(operator)
    if operator != giver and (me is None or not me.operator):
        raise RoleError("'{login}' may not delegate the lanes of '{giver}': a person delegates their own lanes, and "
                        "only an operator delegates for someone else; nothing was changed", login=operator,
                        giver=giver)
    if not giving.lanes:
        raise RoleError("'{giver}' holds no lanes, so there is nothing to delegate; nothing was changed",
                        giver=giver)
    if taking.auditor:
        raise RoleError("'{taker}' is an auditor, who reads every request and acts on none, so they cannot act for "
                        "'{giver}'; name another person; nothing was changed", taker=taker, giver=giver)
    return giving, taking


def _check_lane(giving: Person, lane: str | None) -> None:
    if lane is not None and not giving.holds(lane):
        raise RoleError("'{giver}' does not hold lane '{lane}' (their lanes: {lanes}), so it cannot be delegated; "
                        "nothing was changed", giver=giving.login, lane=lane, lanes=", ".join(giving.lanes))


def _today(now: str, zone: tzinfo) -> str:
    """The start of the office's day at a moment, as the store writes times."""
    from engine.common.work_calendar import format_time

    local = datetime.fromisoformat(now).astimezone(zone)
    return format_time(local.replace(hour=0, minute=0, second=0, microsecond=0))


def _check_period(begins: str, stops: str, now: str, today: str) -> None:
    if stops <= begins:
        raise ValidationError("The delegation would end ({stops}) before it starts ({begins}); give an --until on or "
                              "after --from; nothing was changed", stops=stops, begins=begins)
    if stops <= now or begins < today:
        raise ValidationError("The delegation's period ({begins} to {stops}) lies in the past; a delegation starts "
                              "today at the earliest; nothing was changed", begins=begins, stops=stops)


def _check_against(planned: Delegation, others: list[Delegation], roles: Roles) -> None:
    """Refuse a cycle (the taker gives their lanes to the giver at an overlapping time) and a lane that would be
    given to two people at once."""
    for other in others:
        if not planned.overlaps(other):
            continue
        if other.giver == planned.taker and other.taker == planned.giver:
            raise RoleError("'{taker}' gives their lanes to '{giver}' in an overlapping period (delegation {seq}), so "
                            "this would be a cycle; end that one first (`sop delegate --end {seq}`); nothing was "
                            "changed", taker=planned.taker, giver=planned.giver, seq=other.seq)
        if other.giver == planned.giver and _shared(planned, other, roles):
            raise RoleError("'{giver}' has given lane(s) {lanes} to '{holder}' in an overlapping period (delegation "
                            "{seq}); a lane goes to one person at a time: end that one first or choose other dates; "
                            "nothing was changed", giver=planned.giver, lanes=", ".join(_shared(planned, other, roles)),
                            holder=other.taker, seq=other.seq)


def _shared(one: Delegation, other: Delegation, roles: Roles) -> list[str]:
    """The giver's lanes both delegations reach in a process both reach."""
    if one.process and other.process and one.process != other.process:
        return []
    lanes = roles.people[one.giver].lanes
    return [lane for lane in lanes if all(not d.lane or lane_key(d.lane) == lane_key(lane) for d in (one, other))]


def _sealed(previous: RolesEventRow, source: str, time: str, actor: str) -> RolesEventRow:
    """The roles event recording a delegation fact: the people in force unchanged, chained onto the previous."""
    row = RolesEventRow(previous.seq + 1, max(time, previous.time), actor, previous.version, source, previous.people,
                        "")
    return row._replace(hash=chain_hash(previous.hash, roles_body(row, json.loads(previous.people))))
