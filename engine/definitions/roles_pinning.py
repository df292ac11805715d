"""The roles in force as a store pins them: the people as canonical JSON, hashed into a version, and the
hash-chained log of who applied which version (`sop roles apply`)."""

from __future__ import annotations

import json
from typing import Any

from engine.common.canonical import canonical_json, chain_hash, sha256_hex
from engine.common.errors import RoleError
from engine.common.i18n import N_
from engine.definitions.delegations import delegation_facts_problem, is_delegation_event
from engine.definitions.roles import Person, Roles
from engine.store.protocol import RolesEventRow


def people_json(roles: Roles) -> dict[str, Any]:
    """The people of a roles file as the store pins them (what the version hash covers)."""
    return {p.login: {"name": p.name, "nip": p.nip, "lanes": list(p.lanes), "operator": p.operator,
                      **({"jabatan": p.jabatan} if p.jabatan else {}),  # absent when empty: older versions hash alike
                      **({"auditor": True} if p.auditor else {}),
                      **{k: v for k, v in (("email", p.email), ("telepon", p.telepon), ("atasan", p.atasan),
                                           ("saluran", list(p.saluran)), ("jam_tenang", p.jam_tenang)) if v},
                      **({"tunggu_jam_kerja": list(p.tunggu_jam_kerja)} if p.tunggu_jam_kerja is not None else {}),
                      **({"pemilik_proses": list(p.owned_processes)} if p.owned_processes else {})}
            for p in sorted(roles.people.values(), key=lambda p: p.login)}


def roles_version(roles: Roles) -> str:
    """The content hash of a roles file's people: equal files (comments and order aside) give one version."""
    return sha256_hex(canonical_json(people_json(roles)))


def roles_body(row: RolesEventRow, people: Any) -> dict[str, Any]:
    """A roles event as its hash covers it: every column but the hash, the people as parsed JSON."""
    return {"seq": row.seq, "time": row.time, "actor": row.actor, "version": row.version, "source": row.source,
            "people": people}


# The source of a roles event the store file's owner applied as a recovery (covered by the event's hash).
RECOVERY_PREFIX = "recovery: "


def sealed_roles_event(previous: RolesEventRow | None, roles: Roles, time: str, actor: str, *,
                       recovery: bool = False) -> RolesEventRow:
    """The next roles event pinning these roles, chained onto the previous one's hash ('' for the first); a
    recovery says so in its source."""
    people = people_json(roles)
    source = RECOVERY_PREFIX + roles.source if recovery else roles.source
    row = RolesEventRow((previous.seq if previous else 0) + 1, time, actor, roles_version(roles), source,
                        canonical_json(people), "")
    return row._replace(hash=chain_hash(previous.hash if previous else "", roles_body(row, people)))


def is_recovery(row: RolesEventRow) -> bool:
    """True for a roles event the store file's owner applied as a recovery."""
    return row.source.startswith(RECOVERY_PREFIX)


def pinned_roles(row: RolesEventRow) -> Roles:
    """The Roles a pinned roles event holds; RoleError when its people are not readable."""
    source = N_("the roles version {version} pinned in the store (applied by {actor} at {time})",
                version=row.version[:12], actor=row.actor, time=row.time) if not is_delegation_event(row) else \
        N_("the roles version {version} pinned in the store (unchanged by the delegation {actor} recorded at {time})",
           version=row.version[:12], actor=row.actor, time=row.time)
    try:
        people = json.loads(row.people)
        return Roles(source, {str(login): Person(str(login), str(p["name"]), str(p["nip"]),
                                                 tuple(str(x) for x in p["lanes"]), bool(p["operator"]),
                                                 str(p.get("jabatan", "")), bool(p.get("auditor", False)),
                                                 str(p.get("email", "")), str(p.get("telepon", "")),
                                                 str(p.get("atasan", "")),
                                                 tuple(str(c) for c in p.get("saluran", ())),
                                                 _owned(p.get("pemilik_proses", [])), str(p.get("jam_tenang", "")),
                                                 _waits(p.get("tunggu_jam_kerja")))
                              for login, p in people.items()}, pinned=True)
    except (ValueError, KeyError, TypeError, AttributeError):
        raise RoleError("The pinned roles of {source} are not readable; the store was altered behind the "
                        "program's back: run `sop verify`, then `sop roles apply` a good roles file",
                        source=source) from None


def _waits(value: Any) -> tuple[str, ...] | None:
    """A pinned person's `tunggu_jam_kerja` (absent: None); TypeError for anything but a list (an altered store)."""
    if value is None:
        return None
    if not isinstance(value, list):
        raise TypeError(value)
    return tuple(str(c) for c in value)


def _owned(value: Any) -> tuple[str, ...]:
    """A pinned person's `pemilik_proses` (a list of ids); TypeError for anything else (an altered store)."""
    if not isinstance(value, list):
        raise TypeError("pemilik_proses")
    return tuple(str(x) for x in value)


def roles_log_problems(rows: list[RolesEventRow]) -> list[str]:
    """What is wrong with a store's roles log: numbering, each hash over the previous, each version's content."""
    problems = []
    previous, before = "", ""
    for expected, row in enumerate(rows, 1):
        where = f"roles event {row.seq} (version {row.version[:12]} by {row.actor} at {row.time})"
        if row.seq != expected:
            problems.append(f"roles event {expected} is missing or out of order (found {row.seq})")
        if row.time < before:
            problems.append(f"{where} is dated before the roles event it follows ({before}): backdated")
        before = max(before, row.time)
        try:
            people = json.loads(row.people)
        except ValueError:
            problems.append(f"{where}: its people are not readable JSON")
            previous = row.hash
            continue
        if sha256_hex(canonical_json(people)) != row.version:
            problems.append(f"{where}: its people now hash to {sha256_hex(canonical_json(people))[:12]} (altered)")
        if delegation_facts_problem(row):
            problems.append(f"{where}: {delegation_facts_problem(row)} (altered)")
        if chain_hash(previous, roles_body(row, people)) != row.hash:
            problems.append(f"{where}: hash mismatch — the roles event was altered, or one before it removed")
        previous = row.hash
    return problems


def in_force_at(rows: list[RolesEventRow], time: str) -> RolesEventRow | None:
    """The roles event in force at a moment: the last one applied at or before it (None before the first)."""
    found = None
    for row in rows:
        if row.time <= time:
            found = row
    return found


def acting_title(rows: list[RolesEventRow], actor: str, lane: str | None, *, at: str, process: str | None) -> str:
    """How an act by `actor` in `lane` at a moment is signed when a delegation of the roles log made it theirs:
    "Plh. Kepala Unit" (the giver's jabatan, else the lane); '' when they acted in their own right."""
    from engine.common.errors import EngineError
    from engine.definitions.delegations import delegations_of

    row = in_force_at(rows, at)
    if row is None or lane is None:
        return ""
    try:
        roles = pinned_roles(row)._replace(delegations=delegations_of(rows))
    except EngineError:
        return ""  # the roles log check names an unreadable version
    found = roles.delegation_for(actor, lane, at=at, process=process)
    if found is None:
        return ""
    return f"{found.title} {roles.people[found.giver].jabatan or lane}"  # Plh./Plt.: the same in every language
