"""The files of an exported bundle: beside `instance-7.json`, the folder `instance-7.files/` holds each attached
file under its SHA-256; verifying the bundle rehashes each one the events name."""

from __future__ import annotations

import hashlib
import json
import os
import stat
from typing import Any

from engine.audit.records import AuditRecord, Problem
from engine.definitions.form_files import file_values


def bundle_files_folder(bundle_path: str) -> str:
    """The folder beside a bundle that holds its files: instance-7.json -> instance-7.files."""
    root, ext = os.path.splitext(bundle_path)
    return (root if ext else bundle_path) + ".files"


def bundle_named_files(record: AuditRecord) -> list[tuple[int, str, int, dict[str, Any]]]:
    """Every file the record's completions and comments name: (seq, field, position, value)."""
    out = []
    for event in record.events:
        if event.type not in ("task-completed", "comment-added"):
            continue
        try:
            data = json.loads(event.data)
        except ValueError:
            continue  # the chain check names it
        out += [(event.seq, f, p, v) for f, p, v in file_values(data)]
    return out


def _rehash(path: str, sha256: str, size: int) -> str | None:
    """What is wrong with one bundled file (None when it is there with the bytes its hash names)."""
    try:
        info = os.lstat(path)
    except OSError:
        return "is missing from the bundle's folder"
    if not stat.S_ISREG(info.st_mode):
        return "is not a regular file in the bundle's folder (a link, folder or device)"
    digest = hashlib.sha256()
    count = 0
    with open(path, "rb") as stream:
        while chunk := stream.read(1024 * 1024):
            digest.update(chunk)
            count += len(chunk)
    if digest.hexdigest() != sha256 or count != size:
        return f"was altered: its {count} bytes hash to {digest.hexdigest()[:12]}, the event holds {size} bytes"
    return None


def bundle_file_problems(bundle_path: str, record: AuditRecord) -> list[Problem]:
    """Each file the bundle's events name that its folder lacks or holds with other bytes."""
    folder = bundle_files_folder(bundle_path)
    checked: dict[str, str | None] = {}
    problems = []
    for seq, field, _, value in bundle_named_files(record):
        sha = value["sha256"]
        if sha not in checked:
            checked[sha] = _rehash(os.path.join(folder, sha), sha, int(value["size"]))
        if checked[sha] is not None:
            problems.append(Problem(seq, f"field '{field}': file '{value['name']}' (sha256 {sha[:12]}) "
                                         f"{checked[sha]} {folder}"))
    return problems


def _delegation_problems(bundle_path: str) -> list[Problem]:
    """The problems of the delegations a bundle carries (the acts done under a Plh./Plt. and their roles events),
    and of its monitoring events."""
    from pathlib import Path

    from engine.audit.acting import bundle_delegation_problems
    from engine.audit.bundle import bundle_monev_problems

    data = json.loads(Path(bundle_path).read_text(encoding="utf-8"))  # read_bundle read it whole already
    return [Problem(0, p) for p in bundle_delegation_problems(data) + bundle_monev_problems(data)]


def verify_bundle(bundle_path: str) -> Any:
    """Verify an exported bundle: its chain, definitions and replay, and the files beside it."""
    from engine.audit.bundle import read_bundle
    from engine.audit.verify import verify_record

    record = read_bundle(bundle_path)
    verdict = verify_record(record)
    extra = bundle_file_problems(bundle_path, record) + _delegation_problems(bundle_path)
    if not extra:
        return verdict
    return verdict._replace(problems=sorted(dict.fromkeys([*verdict.problems, *extra]), key=lambda p: p.event))
