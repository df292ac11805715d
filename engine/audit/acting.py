"""Acts done under a delegation (Plh./Plt.) in an exported bundle: which event, signed how, under which roles event,
with those roles events as the store's chained roles log holds them, so an auditor checks them with no store."""

from __future__ import annotations

import json
from typing import Any

from engine.audit.records import AuditRecord, step_names
from engine.common.canonical import chain_hash
from engine.common.errors import EngineError
from engine.definitions.acting import acting_under
from engine.definitions.delegations import (
    DELEGATION_END_PREFIX,
    delegation_facts_problem,
    delegations_of,
)
from engine.definitions.roles_pinning import acting_title, in_force_at, pinned_roles, roles_body
from engine.store.protocol import RolesEventRow

_ACTS = ("task-completed", "task-claimed")


def bundle_delegations(record: AuditRecord) -> dict[str, Any]:
    """The bundle's `delegations`: `acts` ({event, acting_as, delegation}) and `roles_events` (each delegation
    those acts were done under and its early end, every column, its people parsed, and the hash it chains onto)."""
    log = record.roles or []
    found = delegations_of(log)
    if not found:
        return {"acts": [], "roles_events": []}
    lanes: dict[str, tuple[str, str | None]] = {}
    for pinned in record.versions.values():
        if pinned.spec:
            lanes.update(step_names(pinned.spec))
    acts, used = [], set()
    for event in record.events:
        row = in_force_at(log, event.time)
        lane = lanes.get(event.task or "", ("", None))[1]
        if event.type not in _ACTS or row is None or lane is None:
            continue
        try:
            roles = pinned_roles(row)._replace(delegations=found)
        except EngineError:
            continue
        under = acting_under(roles, event.actor, lane, at=event.time, process=record.process_id)
        if under is not None:
            used.add(under.seq)
            acts.append({"event": event.seq, "delegation": under.seq,
                         "acting_as": acting_title(log, event.actor, lane, at=event.time, process=record.process_id)})
    rows = []
    for i, row in enumerate(log):
        ends = row.source.startswith(DELEGATION_END_PREFIX) and \
            json.loads(row.source.removeprefix(DELEGATION_END_PREFIX)).get("delegation") in used
        if row.seq in used or ends:
            rows.append({**row._asdict(), "people": json.loads(row.people),
                         "previous_hash": log[i - 1].hash if i else ""})
    return {"acts": acts, "roles_events": rows}


def bundle_delegation_problems(data: Any) -> list[str]:
    """What is wrong with a bundle's `delegations` (none in a bundle without it): a roles event whose hash does not
    cover its columns (edited), facts that do not read, an act naming a delegation the bundle lacks."""
    if not isinstance(data, dict):
        return []
    given = data.get("delegations")
    if given is None:
        return []
    problems = []
    try:
        seqs = set()
        for entry in given["roles_events"]:
            row = RolesEventRow(entry["seq"], entry["time"], entry["actor"], entry["version"], entry["source"],
                                json.dumps(entry["people"]), entry["hash"])
            seqs.add(row.seq)
            where = f"delegation roles event {row.seq} (by {row.actor} at {row.time})"
            if chain_hash(entry["previous_hash"], roles_body(row, entry["people"])) != row.hash:
                problems.append(f"{where}: hash mismatch — the delegation was altered")
            if delegation_facts_problem(row):
                problems.append(f"{where}: {delegation_facts_problem(row)}")
        problems += [f"event {act['event']} was done under delegation {act['delegation']}, which the bundle lacks"
                     for act in given["acts"] if act["delegation"] not in seqs]
    except (KeyError, TypeError, AttributeError):
        problems.append("the bundle's delegations are not readable")
    return problems
