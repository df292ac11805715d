"""What an auditor reads and checks without running anything: an instance's record, its history rows, and the
hash chain that ties its events to each other and to the pinned definition."""

from __future__ import annotations

import json
from typing import Any, NamedTuple

from engine.audit.chain import event_body
from engine.common.canonical import canonical_json, chain_hash, sha256_hex
from engine.common.i18n import N_
from engine.common.models import TaskView
from engine.store.protocol import EventRow, RolesEventRow, StepRow, TimerRow


class PinnedVersion(NamedTuple):
    """A pinned definition version as stored: the bundle's canonical JSON text, the spec serialized from it and
    the row's process id and name (None in an exported bundle, which carries only what the hash covers)."""

    bundle: str
    spec: str | None
    process_id: str | None = None
    name: str | None = None


class StoredDerived(NamedTuple):
    """The rows a store derives from an instance's events, as stored (what verify recomputes and compares)."""

    ready: list[TaskView]
    steps: list[StepRow]
    timers: list[TimerRow]
    times: tuple[Any, Any] | None  # instance_times (total, budget) as stored, None when there is no row
    row_version: int


class AuditRecord(NamedTuple):
    """Everything needed to check one instance, from a store or from an exported bundle."""

    instance: int
    process_id: str
    version: str
    status: str
    started_at: str
    updated_at: str
    started_by: str
    last_seq: int
    last_hash: str
    state: str | None  # the stored state's JSON text
    ready: list[tuple[str | None, ...]]  # (BPMN id, UUID, name, lane, form, sla) of the stored ready-task rows
    events: list[EventRow]
    versions: dict[str, PinnedVersion]
    derived: StoredDerived | None = None  # None in an exported bundle
    roles: list[RolesEventRow] | None = None  # the store's roles log; None in an exported bundle
    completed_at: str | None = None  # when it completed, as stored (None while it runs, and in older bundles)


class Problem(NamedTuple):
    """One thing wrong with an instance's record: the event it concerns (0 for the instance itself) and what."""

    event: int
    message: str

    def to_json(self) -> dict[str, Any]:
        """{"event", "problem"} as `sop verify --json` prints it."""
        return {"event": self.event, "problem": self.message}


def event_json(event: EventRow) -> dict[str, Any]:
    """The full event with its hash, as `sop history --json` and exported bundles give it."""
    return {**event_body(event), "hash": event.hash}


def version_problems(record: AuditRecord) -> list[Problem]:
    """Each pinned snapshot must hash to its own name: a changed BPMN, form or YAML page shows here."""
    problems = []
    used = dict.fromkeys(e.version for e in record.events) or {record.version: None}
    for version in [*used, record.version]:
        pinned = record.versions.get(version)
        if pinned is None:
            problems.append(Problem(0, N_("the pinned definition version {version} is missing", version=version[:12])))
            continue
        try:
            bundle = json.loads(pinned.bundle)
        except ValueError:
            problems.append(Problem(0, N_("the pinned definition version {version} is not readable JSON",
                                          version=version[:12])))
            continue
        actual = sha256_hex(canonical_json(bundle))
        if actual != version:
            problems.append(Problem(0, N_("the pinned definition snapshot {version} was altered: its content now "
                                       "hashes to {actual} ({files})",
                                          version=version[:12], actual=actual[:12], files=_files(bundle))))
        process = bundle.get("process") if isinstance(bundle, dict) else None
        if pinned.process_id is not None and pinned.process_id != process:
            problems.append(Problem(0, N_("the store lists version {version} under process "
                                          "{process_id!r}, but its snapshot is process {process!r}",
                                          version=version[:12], process_id=pinned.process_id, process=process)))
        if version == record.version and record.process_id != process:
            problems.append(Problem(0, N_("the instance row says process {process_id!r}, but its pinned "
                                       "snapshot is process {process!r}",
                                          process_id=record.process_id, process=process)))
    return list(dict.fromkeys(problems))


def _files(bundle: Any) -> str:
    try:
        return "BPMN " + bundle["bpmn"]["file"] + ", forms " + ", ".join(sorted(bundle["forms"])) or N_("none")
    except (KeyError, TypeError):
        return "its layout is not a definition bundle"


def chain_problems(record: AuditRecord) -> list[Problem]:
    """Sequence numbers 1..n, each hash over the previous one, the first over the version, the head on the row."""
    problems: list[Problem] = []
    if not record.events:
        return [Problem(0, "the instance has no events (its log was emptied)")]
    previous = record.events[0].version
    current = previous
    expected = 1
    for event in record.events:
        position = event.seq
        where = N_("event {position}", position=position)
        if event.seq > expected:
            missing = f"{expected}" if event.seq == expected + 1 else f"{expected} to {event.seq - 1}"
            problems.append(Problem(expected, N_("event {missing} is missing: the log jumps from event {value1} "
                                              "to event {seq} (deleted behind the program's back)",
                                                 missing=missing, value1=expected - 1, seq=event.seq)))
        elif event.seq < expected:
            problems.append(Problem(position, N_("{where} appears again after event {value1}: events were "
                                              "duplicated or reordered", where=where, value1=expected - 1)))
        expected = event.seq + 1
        if event.instance_id != record.instance:
            problems.append(Problem(position, N_("{where} belongs to instance {instance_id}",
                                                 where=where, instance_id=event.instance_id)))
        try:
            body = event_body(event)
        except ValueError:
            problems.append(Problem(position, N_("{where} ({event_type}): its data is not readable JSON",
                                                 where=where, event_type=event.type)))
            previous = event.hash
            continue
        if canonical_json(body["data"]) != event.data:
            problems.append(Problem(position, N_("{where} ({event_type}): its data is not in the canonical form it "
                                              "was written in", where=where, event_type=event.type)))
        if chain_hash(previous, body) != event.hash:
            what = f"{event.type} {event.task}" if event.task else event.type
            problems.append(Problem(position, N_("{where} ({what} at {time} by {actor}): hash mismatch "
                                                 "— the event was altered, or one before it was removed or swapped",
                                                 where=where, what=what, time=event.time, actor=event.actor)))
        if event.type == "instance-migrated" and isinstance(body["data"], dict):  # recorded on the new version
            if body["data"].get("from") != current:
                problems.append(Problem(position, N_("{where} moves the instance from {from_value!s:.12}"
                                                  ", but it was on {current}",
                                                     where=where, from_value=body['data'].get('from'),
                                                     current=current[:12])))
            current = str(body["data"].get("to", current))
        if event.version != current:
            problems.append(Problem(position, N_("{where} names definition version {version}, but the "
                                              "instance was on {current} then",
                                                 where=where, version=event.version[:12], current=current[:12])))
        previous = event.hash
    last = record.events[-1]
    if (record.last_seq, record.last_hash) != (last.seq, last.hash):
        problems.append(Problem(
            len(record.events),
            N_("the instance's recorded head (event {last_seq}, hash {last_hash}) is not its last "
            "event (event {seq}, hash {hash}): events were removed or added behind the program's back",
               last_seq=record.last_seq, last_hash=record.last_hash[:12], seq=last.seq, hash=last.hash[:12]),
        ))
    if record.version != current:
        problems.append(Problem(0, N_("the instance is pinned to {version}, but its events leave it on "
                                   "{current}", version=record.version[:12], current=current[:12])))
    first = record.events[0]
    if (record.started_by, record.started_at) != (first.actor, first.time):
        problems.append(Problem(1, N_("the instance row says it was started by {started_by} at "
                                   "{started_at}, but event 1 says {actor} at {time}",
                                      started_by=record.started_by, started_at=record.started_at, actor=first.actor,
                                      time=first.time)))
    return problems


class HistoryRow(NamedTuple):
    """One row of `sop history`."""

    seq: int
    time: str
    type: str
    task: str | None
    name: str
    lane: str | None
    actor: str
    operator: str
    after: float | None  # seconds since the previous event
    summary: str
    password_set_by: str | None = None  # the operator who set the password the operator of the event had then
    acting_as: str = ""  # "Plh. Kepala Unit" when the actor acted in the step's lane under a delegation

    def to_json(self) -> dict[str, Any]:
        """The row's fields (the JSON form of history is the full event, see event_json)."""
        return self._asdict()


EVENT_LABELS = {"instance-started": N_("(instance started)"), "instance-completed": N_("(instance completed)"),
                "comment-added": N_("(instance comment)")}
# What a history row says of an event on a step that carries no artefact.
EVENT_SUMMARIES = {"task-claimed": N_("(claimed: taken by its actor)"), "task-released": N_("(claim released)")}


def history_rows(events: list[EventRow], steps: dict[str, tuple[str, str | None]], *,
                 summaries: bool = True) -> list[HistoryRow]:
    """Rows for events, naming each step and lane from the pinned spec (steps: BPMN id -> (name, lane)); without
    summaries, an artefact's `key=value` summary is left empty (a claim's words are kept)."""
    rows = []
    previous: float | None = None
    for event in events:
        moment = _seconds(event.time)
        after = None if previous is None or moment is None else moment - previous
        previous = moment if moment is not None else previous
        name, lane = steps.get(event.task or "", (event.task or "", None))
        label = name if event.task else EVENT_LABELS.get(event.type, f"({event.type})")
        if event.type == "comment-added":
            summary = comment_summary(event.data)
        else:
            summary = EVENT_SUMMARIES.get(event.type) or (
                _return_summary(event.data, steps) if event.type == "task-returned" else None) or (
                artefact_summary(event.data) if summaries else "")
        rows.append(HistoryRow(event.seq, event.time, event.type, event.task, label, lane, event.actor,
                               event.operator, after, summary))
    return rows


def _return_summary(data_text: str, steps: dict[str, tuple[str, str | None]]) -> str:
    """What a history row says of a return: the step it came from and the reason."""
    try:
        data = json.loads(data_text)
        source, reason = str(data["from"]), str(data["reason"])
    except (ValueError, KeyError, TypeError):
        return "(unreadable)"
    return N_("(returned for revision from '{step}': {reason})", step=steps.get(source, (source, None))[0],
              reason=" / ".join(line.strip() for line in reason.splitlines() if line.strip()))


def comment_summary(data_text: str) -> str:
    """A comment's text on one line (its line breaks as ` / `), as the person wrote it: never translated."""
    try:
        data = json.loads(data_text)
    except ValueError:
        return "(unreadable)"
    text = data.get("text") if isinstance(data, dict) else None
    return " / ".join(line.strip() for line in text.split("\n") if line.strip()) if isinstance(text, str) else ""


def step_names(spec_text: str) -> dict[str, tuple[str, str | None]]:
    """BPMN id -> (name, lane) from a stored spec's JSON, without building the spec."""
    from engine.bpmn.tasks import stored_task_specs

    out: dict[str, tuple[str, str | None]] = {}
    for spec in stored_task_specs(json.loads(spec_text)):
        bpmn_id = spec.get("bpmn_id")
        if bpmn_id:
            out[bpmn_id] = (spec.get("bpmn_name") or bpmn_id, spec.get("lane"))
    return out


def artefact_summary(data_text: str, width: int | None = 60) -> str:
    """A `field=value, ...` line of an artefact, cut at width (None: whole); booleans read true/false."""
    try:
        data = json.loads(data_text)
    except ValueError:
        return "(unreadable)"
    parts: list[str] = []
    if isinstance(data, dict):  # attached files first: the summary is cut at its width
        from engine.definitions.form_files import file_values

        files = {field for field, _, _ in file_values(data)}
        data = {**{k: v for k, v in data.items() if k in files}, **{k: v for k, v in data.items() if k not in files}}
    _flatten("", data, parts)
    text = ", ".join(parts)
    return text if width is None or len(text) <= width else text[: width - 1] + "…"


def _flatten(prefix: str, value: Any, out: list[str]) -> None:
    from engine.definitions.form_files import is_file_value

    if is_file_value(value):  # a stored file: its name, size and short hash
        from engine.common.sizes import size_text

        out.append(f"{prefix}={value['name']} ({size_text(int(value['size']))}, {value['sha256'][:12]})")
    elif isinstance(value, list) and value and all(is_file_value(v) for v in value):
        for i, item in enumerate(value):
            _flatten(f"{prefix}.{i}", item, out)
    elif isinstance(value, dict):
        for key, item in value.items():
            _flatten(f"{prefix}.{key}" if prefix else str(key), item, out)
    elif isinstance(value, list):
        out.append(N_("{prefix}=[{value_count}]", prefix=prefix, value_count=len(value)))
    elif isinstance(value, bool) or value is None:
        out.append(N_("{prefix}={value}", prefix=prefix, value=json.dumps(value)))
    else:
        out.append(N_("{prefix}={value}", prefix=prefix, value=value))


def _seconds(time: str) -> float | None:
    from datetime import datetime

    try:
        return datetime.fromisoformat(time.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def duration_text(seconds: float | None) -> str:
    """3d 4h, 2h 05m, 12m 30s, 45s."""
    if seconds is None:
        return ""
    s = round(seconds)
    if s < 60:
        return f"{s}s"
    minutes, s = divmod(s, 60)
    if minutes < 60:
        return f"{minutes}m {s:02d}s"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours}h {minutes:02d}m"
    days, hours = divmod(hours, 24)
    return f"{days}d {hours}h"
