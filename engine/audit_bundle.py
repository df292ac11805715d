"""Exported audit bundles: one JSON file with an instance's events, hashes, stored state and pinned definitions,
checked later with no store."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from .audit import AuditRecord, PinnedVersion, event_json
from .canonical import canonical_json
from .errors import DataFileError
from .store import EventRow

BUNDLE_FORMAT = "sop-audit-bundle/1"


def bundle_of(record: AuditRecord, exported_at: str, exported_by: str) -> dict[str, Any]:
    """The bundle's JSON: definitions as the objects their hashes cover, events with their hashes."""
    return {
        "format": BUNDLE_FORMAT,
        "exported_at": exported_at,
        "exported_by": exported_by,
        "instance": {"id": record.instance, "process": record.process_id, "version": record.version,
                     "status": record.status, "started_at": record.started_at, "updated_at": record.updated_at,
                     "started_by": record.started_by, "last_seq": record.last_seq, "last_hash": record.last_hash},
        "ready_tasks": [{"task": task, "id": uuid} for task, uuid in record.ready],
        "versions": {version: json.loads(pinned.bundle) for version, pinned in record.versions.items()},
        "events": [event_json(e) for e in record.events],
        "state": json.loads(record.state) if record.state is not None else None,
    }


def write_bundle(path: str, bundle: dict[str, Any]) -> None:
    """Write atomically: a reader never sees half a bundle."""
    target = Path(path)
    tmp = target.with_name(f".{target.name}.tmp{os.getpid()}")
    try:
        tmp.write_text(json.dumps(bundle, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        os.replace(tmp, target)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise DataFileError(f"Cannot write bundle {path}: {exc.strerror or exc}; choose a writable path") from None


def read_bundle(path: str) -> AuditRecord:
    """An exported bundle as a record to verify; DataFileError naming what is wrong with the file."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise DataFileError(f"Cannot read bundle {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise DataFileError(f"Bundle {path} is not UTF-8 text; give a file written by `sop export`") from None
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise DataFileError(f"Bundle {path} is not JSON ({exc}); give a file written by `sop export`") from None
    if not isinstance(data, dict) or data.get("format") != BUNDLE_FORMAT:
        raise DataFileError(f"{path} is not a {BUNDLE_FORMAT} file; give a file written by `sop export`")
    try:
        inst = data["instance"]
        events = [EventRow(int(e["instance"]), int(e["seq"]), str(e["type"]), str(e["time"]), e["task"],
                           e["task_uuid"], str(e["actor"]), str(e["operator"]), str(e["version"]),
                           canonical_json(e["data"]), str(e["hash"])) for e in data["events"]]
        versions = {str(v): PinnedVersion(canonical_json(b), None) for v, b in data["versions"].items()}
        state = data.get("state")
        return AuditRecord(int(inst["id"]), str(inst["process"]), str(inst["version"]), str(inst["status"]),
                           str(inst["started_at"]), str(inst["updated_at"]), str(inst["started_by"]),
                           int(inst["last_seq"]), str(inst["last_hash"]),
                           json.dumps(state) if state is not None else None,
                           [(str(t["task"]), str(t["id"])) for t in data["ready_tasks"]], events, versions)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise DataFileError(f"Bundle {path} lacks or garbles a field ({type(exc).__name__}: {exc}); "
                            "it was not written by `sop export` or was cut short") from None
