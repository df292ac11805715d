"""Exported audit bundles: one JSON file with an instance's events, hashes, stored state and pinned definitions,
checked later with no store."""

from __future__ import annotations

import errno
import json
import os
from pathlib import Path
from typing import Any

from engine.audit.acting import bundle_delegations
from engine.audit.records import AuditRecord, PinnedVersion, event_json
from engine.common.atomic_file import write_atomically
from engine.common.canonical import canonical_json
from engine.common.data_limits import parse_json_int, refuse_json_constant
from engine.common.errors import DataFileError
from engine.common.i18n import N_
from engine.store.protocol import EventRow, MonevEventRow

BUNDLE_FORMAT = "sop-audit-bundle/1"


def bundle_of(record: AuditRecord, exported_at: str, exported_by: str) -> dict[str, Any]:
    """The bundle's JSON: definitions as the objects their hashes cover, events with their hashes."""
    return {
        "format": BUNDLE_FORMAT,
        "exported_at": exported_at,
        "exported_by": exported_by,
        "instance": {"id": record.instance, "process": record.process_id, "version": record.version,
                     "status": record.status, "started_at": record.started_at, "updated_at": record.updated_at,
                     "started_by": record.started_by, "last_seq": record.last_seq, "last_hash": record.last_hash,
                     "completed_at": record.completed_at},
        "ready_tasks": [dict(zip(("task", "id", "name", "lane", "form", "sla"), row, strict=False))
                        for row in record.ready],
        "versions": {version: json.loads(pinned.bundle) for version, pinned in record.versions.items()},
        "events": [event_json(e) for e in record.events],
        "state": json.loads(record.state) if record.state else None,
        "delegations": bundle_delegations(record),
    }


def bundle_monev(rows: list[MonevEventRow], process_id: str) -> list[dict[str, Any]]:
    """The monitoring log's events of one process (its notes and evaluations, from `sop monev`), each with the hash
    of the event before it in the store's whole log, so that a bundle rechecks every hash without the others."""
    out = []
    previous = ""
    for row in rows:
        if row.process_id == process_id:
            try:
                data: Any = json.loads(row.data)
            except ValueError:
                data = row.data  # `sop verify` names it in the store; the bundle's check fails on it
            out.append({"seq": row.seq, "time": row.time, "kind": row.kind, "process": row.process_id,
                        "period": row.period, "item": row.item, "actor": row.actor, "data": data,
                        "previous": previous, "hash": row.hash})
        previous = row.hash
    return out


def bundle_monev_problems(data: dict[str, Any]) -> list[str]:
    """What is wrong with a bundle's monitoring events: each hash over the event before it and its columns, the
    order, and each link between events that followed each other in the store's log (none in older bundles)."""
    from engine.store.monev_rows import monev_event_hash

    items = data.get("monev")
    if items is None:
        return []  # a bundle written before the monitoring log was bundled
    if not isinstance(items, list):
        return [N_("the bundle's monitoring events are not a list; give a file written by `sop export`")]
    process = data.get("instance", {}).get("process") if isinstance(data.get("instance"), dict) else None
    problems: list[str] = []
    last: MonevEventRow | None = None
    for number, item in enumerate(items, 1):
        try:
            row = MonevEventRow(_int(item["seq"]), _str(item["time"]), _str(item["kind"]), _str(item["process"]),
                                _str(item["period"]), _str(item["item"]), _str(item["actor"]),
                                canonical_json(item["data"]), _str(item["hash"]))
            previous = _str(item["previous"])
        except (KeyError, TypeError, ValueError) as exc:
            problems.append(N_("monitoring event {number} of the bundle lacks or garbles a field ({exc_type}: {exc})",
                               number=number, exc_type=type(exc).__name__, exc=exc))
            continue
        where = _monev_place(row)
        if row.process_id != process:
            problems.append(N_("{where} is not of the bundle's process {process}", where=where, process=process))
        if last is not None and row.seq <= last.seq:
            problems.append(N_("{where} is out of order (after monitoring event {before})", where=where,
                               before=last.seq))
        elif last is not None and row.seq == last.seq + 1 and previous != last.hash:
            problems.append(N_("{where} does not follow monitoring event {before}: one of them was altered",
                               where=where, before=last.seq))
        if monev_event_hash(previous, row, item["data"]) != row.hash:
            problems.append(N_("{where}: hash mismatch — the monitoring event was altered in the bundle",
                               where=where))
        last = row
    return problems


def _monev_place(row: MonevEventRow) -> str:
    """A monitoring event as verify names it: its number, what it is, of which process and semester, by whom, when."""
    fields = {"seq": row.seq, "item": row.item, "process": row.process_id, "period": row.period, "actor": row.actor,
              "time": row.time}
    if row.item:
        return N_("monitoring event {seq} (the note on step {item} of {process} {period}, by {actor} at {time})",
                  **fields)
    if row.kind == "evaluation":
        return N_("monitoring event {seq} (the evaluation of {process} {period}, by {actor} at {time})", **fields)
    return N_("monitoring event {seq} ({kind} of {process} {period}, by {actor} at {time})", kind=row.kind,
              **fields)


def check_bundle_path(path: str) -> None:
    """Refuse a bundle path that names no file (stdout, a folder) before anything is written."""
    if path == "-" or Path(path).is_dir():
        raise DataFileError("-o {path}: give the path of a file to write the bundle to, e.g. -o instance-7.json",
                            path=path)
    folder = Path(path).parent
    if not folder.is_dir():
        raise DataFileError("Cannot write bundle to {path}: {strerror}; choose another file",
                            path=path, strerror=os.strerror(errno.ENOENT))


def write_bundle(path: str, bundle: dict[str, Any]) -> None:
    """Write atomically: a reader never sees half a bundle."""
    check_bundle_path(path)
    write_atomically(path, json.dumps(bundle, ensure_ascii=False, indent=1, sort_keys=True) + "\n", what="bundle")


def read_bundle(path: str) -> AuditRecord:
    """An exported bundle as a record to verify; DataFileError naming what is wrong with the file."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise DataFileError("Cannot read bundle {path}: {strerror}", path=path, strerror=exc.strerror or exc) from None
    except UnicodeDecodeError:
        raise DataFileError("Bundle {path} is not UTF-8 text; give a file written by `sop export`", path=path) from None
    try:
        data = json.loads(text, parse_int=parse_json_int, parse_constant=refuse_json_constant)
        json.dumps(data, ensure_ascii=False, allow_nan=False).encode("utf-8")  # a lone surrogate: not Unicode
    except UnicodeEncodeError as exc:
        raise DataFileError("Bundle {path} holds text that is not valid Unicode (U+{value1:04X}, "
                            "half of a surrogate pair); give a file written by `sop export`",
                            path=path, value1=ord(exc.object[exc.start])) from None
    except (ValueError, RecursionError) as exc:
        reason = str(exc) if isinstance(exc, ValueError) else "nested too deeply to read"
        raise DataFileError("Bundle {path} is not JSON ({reason}); "
                            "give a file written by `sop export`", path=path, reason=reason[:100]) from None
    if not isinstance(data, dict) or data.get("format") != BUNDLE_FORMAT:
        raise DataFileError("{path} is not a {bundle_format} file; give a file written by `sop export`",
                            path=path, bundle_format=BUNDLE_FORMAT)
    try:
        inst = data["instance"]
        events = [EventRow(_int(e["instance"]), _int(e["seq"]), _str(e["type"]), _str(e["time"]), _opt(e["task"]),
                           _opt(e["task_uuid"]), _str(e["actor"]), _str(e["operator"]), _str(e["version"]),
                           canonical_json(e["data"]), _str(e["hash"])) for e in data["events"]]
        versions = {_str(v): PinnedVersion(canonical_json(b), None) for v, b in data["versions"].items()}
        state = data["state"]
        ready = [tuple(_opt(t[k]) for k in ("task", "id", "name", "lane", "form", "sla") if k in t)
                 for t in data["ready_tasks"]]
        return AuditRecord(_int(inst["id"]), _str(inst["process"]), _str(inst["version"]), _str(inst["status"]),
                           _str(inst["started_at"]), _str(inst["updated_at"]), _str(inst["started_by"]),
                           _int(inst["last_seq"]), _str(inst["last_hash"]),
                           json.dumps(state) if state is not None else None, ready, events, versions,
                           completed_at=_opt(inst.get("completed_at")))  # older bundles carry none
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise DataFileError("Bundle {path} lacks or garbles a field ({exc_type}: {exc}); "
                            "it was not written by `sop export` or was cut short",
                            path=path, exc_type=type(exc).__name__, exc=exc) from None


def _int(value: Any) -> int:
    """An integer exactly as written: "1" or true are not numbers (the hash covers the bytes as they are)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{value!r} is not an integer")
    return value


def _str(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{value!r} is not text")
    return value


def _opt(value: Any) -> str | None:
    return None if value is None else _str(value)
