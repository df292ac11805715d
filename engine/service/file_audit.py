"""Verify's check of attached files: each file an event names is stored, its rows match the events, and its
stored bytes still hash to the SHA-256 the chained event holds."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from engine.audit.records import Problem
from engine.definitions.form_files import file_values
from engine.store.protocol import EventRow, Store


def named_files(events: list[EventRow]) -> list[tuple[int, str, str, int, dict[str, Any]]]:
    """Every stored file the completions' artefacts and the comments name: (seq, task, field, position, value); a
    comment on the whole instance names no task ("")."""
    out = []
    for event in events:
        if not (event.type == "task-completed" and event.task) and event.type != "comment-added":
            continue
        try:
            data = json.loads(event.data)
        except ValueError:
            continue  # the chain check names unreadable data
        out += [(event.seq, event.task or "", f, p, v) for f, p, v in file_values(data)]
    return out


def rehash(store: Store, sha256: str, size: int) -> str | None:
    """What is wrong with a stored file (None when its bytes hash to sha256 and it has size bytes)."""
    blob = store.blob(sha256)
    if blob is None:
        return "is missing from the store"
    digest = hashlib.sha256()
    count = 0
    for chunk in store.blob_chunks(sha256):
        digest.update(chunk)
        count += len(chunk)
    if count == 0 and size > 0:
        return "is missing from the store (its row is there, its bytes are not)"
    if digest.hexdigest() != sha256 or count != size:
        return (f"was altered in the store: its {count} stored bytes hash to {digest.hexdigest()[:12]}, "
                f"the event holds {size} bytes of {sha256[:12]}")
    if blob.size != size:
        return f"is recorded in the store with {blob.size} bytes, the event holds {size}"
    return None


def file_problems(store: Store, instance: int, events: list[EventRow], checked: dict[str, str | None]) -> list[Problem]:
    """Each file an instance's events name that is missing, altered, or not in the attachments table as named;
    checked carries the verdict of each file across the instances of one verify run."""
    named = named_files(events)
    rows = {(r.seq, r.field, r.position): r for r in store.attachments(instance)}
    problems = []
    for seq, task, field, position, value in named:
        sha, name = value["sha256"], value["name"]
        row = rows.pop((seq, field, position), None)
        if row is None or (row.sha256, row.name, row.media_type, row.size, row.task) != (
                sha, name, value["media_type"], value["size"], task):
            problems.append(Problem(seq, f"table attachments does not hold file '{name}' of field '{field}' as "
                                         "the event names it (rows altered or lost)"))
        key = f"{sha}:{value['size']}"
        if key not in checked:
            checked[key] = rehash(store, sha, int(value["size"]))
        if checked[key] is not None:
            problems.append(Problem(seq, f"field '{field}': file '{name}' (sha256 {sha[:12]}) {checked[key]}"))
    for (seq, field, _), row in sorted(rows.items()):
        problems.append(Problem(seq, f"table attachments names file '{row.name}' in field '{field}', which event "
                                     f"{seq} does not name (a row added behind the program's back)"))
    return problems
