"""Delegations (Plh./Plt.): while an official is away, another person acts in their lanes. Each delegation, and each
early end of one, is a row of the hash-chained roles log carrying the people in force unchanged; its facts are the
row's source (`delegation: {...}`), which the row's hash already covers, so older logs verify as they did."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import TYPE_CHECKING, NamedTuple

from engine.common.canonical import canonical_json
from engine.common.lanes import lane_key

if TYPE_CHECKING:
    from engine.store.protocol import RolesEventRow

DELEGATION_PREFIX = "delegation: "  # the source of a roles event recording a delegation, then its facts as JSON
DELEGATION_END_PREFIX = "delegation-end: "  # the source of a roles event ending one early
KINDS = ("plh", "plt")  # Pelaksana Harian (a short absence), Pelaksana Tugas (a longer one)
_FACTS = ("from", "to", "start", "until", "process", "lane", "kind")


class Delegation(NamedTuple):
    """One delegation: from `start` up to (not including) `until`, or its early end, `taker` acts in the lanes of
    `giver` (only `lane`, only in `process`, when they are given); seq is the roles event that recorded it."""

    seq: int
    giver: str
    taker: str
    start: str
    until: str
    process: str
    lane: str
    kind: str
    actor: str
    time: str
    ended: str = ""  # when it was ended early (the ending roles event's time), '' while it runs its course
    ended_by: str = ""

    @property
    def stop(self) -> str:
        """The moment it stops being in force: its early end, or its until."""
        return min(self.ended, self.until) if self.ended else self.until

    def in_force(self, at: str) -> bool:
        """True at a moment inside its period (start inclusive, stop exclusive), never before it was recorded."""
        return max(self.start, self.time) <= at < self.stop

    def overlaps(self, other: Delegation) -> bool:
        """True when the two periods share a moment."""
        return self.start < other.stop and other.start < self.stop

    def covers(self, lane: str, process: str | None) -> bool:
        """True when its limits (a lane, a process) let it reach this lane of this process."""
        return (not self.lane or lane_key(self.lane) == lane_key(lane)) and \
            (not self.process or process is None or self.process == process)

    @property
    def title(self) -> str:
        """The acting title of the taker: Plh. or Plt."""
        return "Plt." if self.kind == "plt" else "Plh."

    def to_json(self) -> dict[str, str | int]:
        """The documented JSON of one delegation (`sop delegate --list --json`)."""
        return {"id": self.seq, "from": self.giver, "to": self.taker, "start": self.start, "until": self.until,
                "process": self.process, "lane": self.lane, "kind": self.kind, "actor": self.actor,
                "time": self.time, "ended": self.ended, "ended_by": self.ended_by}


def delegation_source(facts: dict[str, str]) -> str:
    """The source of the roles event recording a delegation: its facts, canonical."""
    return DELEGATION_PREFIX + canonical_json({key: facts[key] for key in _FACTS})


def delegation_end_source(seq: int) -> str:
    """The source of the roles event ending delegation `seq` early."""
    return DELEGATION_END_PREFIX + canonical_json({"delegation": seq})


def is_delegation_event(row: RolesEventRow) -> bool:
    """True for a roles event that records a delegation or its early end (not a roles version applied)."""
    return row.source.startswith((DELEGATION_PREFIX, DELEGATION_END_PREFIX))


def delegation_facts_problem(row: RolesEventRow) -> str:
    """What is wrong with a delegation row's facts ('' when they read well, or when it is no delegation row)."""
    if row.source.startswith(DELEGATION_PREFIX):
        facts = _json(row.source.removeprefix(DELEGATION_PREFIX))
        if not isinstance(facts, dict) or set(facts) != set(_FACTS) or \
                not all(isinstance(facts[k], str) for k in _FACTS) or facts["kind"] not in KINDS:
            return "its delegation is not readable"
    elif row.source.startswith(DELEGATION_END_PREFIX):
        facts = _json(row.source.removeprefix(DELEGATION_END_PREFIX))
        if not isinstance(facts, dict) or not isinstance(facts.get("delegation"), int):
            return "the delegation it ends is not readable"
    return ""


def delegations_of(rows: Iterable[RolesEventRow]) -> tuple[Delegation, ...]:
    """The delegations a roles log records, oldest first, each with its early end (unreadable rows are left out:
    the roles log check names them)."""
    found: dict[int, Delegation] = {}
    for row in rows:
        if delegation_facts_problem(row) or not is_delegation_event(row):
            continue
        if row.source.startswith(DELEGATION_PREFIX):
            f = json.loads(row.source.removeprefix(DELEGATION_PREFIX))
            found[row.seq] = Delegation(row.seq, f["from"], f["to"], f["start"], f["until"], f["process"], f["lane"],
                                        f["kind"], row.actor, row.time)
        else:
            ended = found.get(json.loads(row.source.removeprefix(DELEGATION_END_PREFIX))["delegation"])
            if ended is not None and not ended.ended:
                found[ended.seq] = ended._replace(ended=row.time, ended_by=row.actor)
    return tuple(found.values())


def _json(text: str) -> object:
    try:
        return json.loads(text)
    except ValueError:
        return None
