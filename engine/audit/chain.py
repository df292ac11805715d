"""The hash chain of an instance's events: the body a hash covers, built here for the writer and the verifier."""

from __future__ import annotations

import json
from typing import Any

from engine.common.canonical import canonical_json, chain_hash
from engine.store.protocol import EventRow


def body_of(event: EventRow, data: Any) -> dict[str, Any]:
    """The event as its hash covers it: every column but the hash, with the data as parsed JSON."""
    return {"instance": event.instance_id, "seq": event.seq, "type": event.type, "time": event.time,
            "task": event.task, "task_uuid": event.task_uuid, "actor": event.actor, "operator": event.operator,
            "version": event.version, "data": data}


def event_body(event: EventRow) -> dict[str, Any]:
    """The stored event as its hash covers it (raises ValueError when its data is not JSON)."""
    return body_of(event, json.loads(event.data))


def sealed(previous: str, event: EventRow, data: Any) -> EventRow:
    """The event with its data in canonical JSON and its hash chained onto the previous event's hash."""
    return event._replace(data=canonical_json(data), hash=chain_hash(previous, body_of(event, data)))
