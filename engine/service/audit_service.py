"""Audit: an instance's record, history, replay and bundle, and verifying the store's instances."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from engine.common.errors import ValidationError
from engine.store.protocol import EventRow

if TYPE_CHECKING:
    from collections.abc import Iterator
    from datetime import date

    from engine.audit.records import AuditRecord, HistoryRow
    from engine.audit.replay import Replayed
    from engine.audit.verify import Verdict
    from engine.common.work_calendar import Clock
    from engine.service.context import EngineContext
    from engine.service.event_log import EventLogSummary


class AuditService:
    """What auditors ask of the store as a whole (verifying it, its event log for process mining); one instance's
    record is on its handle."""

    def __init__(self, context: EngineContext) -> None:
        self._context = context

    def verify(self, *, instances: list[int] | None = None) -> Iterator[Verdict]:
        """Verify the named instances, or every instance (and events whose instance row has gone)."""
        from engine.service.auditing import verify_all

        context = self._context
        rows = (context.instance_row(i) for i in instances) if instances else None  # read one by one, as verified
        yield from verify_all(context.store(), rows, self.verify_clocks()[0])

    def verify_clocks(self) -> tuple[list[Clock], str]:
        """The calendars verify recomputes due and working times with (none: not recomputed) and why not."""
        from engine.service.auditing import verify_clocks

        return verify_clocks(self._context.store(), self._context.definitions_dir)

    def event_log(self, path: str, *, process: str | None = None, since: date | None = None,
                  until: date | None = None, kind: str = "xes", fields: tuple[str, ...] = ()) -> EventLogSummary:
        """Write an event log for process mining to path (kind: "xes", IEEE XES; "ocel", OCEL 2.0 JSON): one trace
        per instance the person may read (of one process, started from the day since to the day until), one event
        per step completed or sent back; fields (`STEP.FIELD`) as attributes of each trace."""
        from engine.service.event_log import export_event_log

        return export_event_log(self._context, path, process=process, since=since, until=until, kind=kind,
                                fields=fields)


def audit_record(context: EngineContext, instance: int) -> AuditRecord:
    """Everything the store holds about an instance, read afresh (no cached version), for checking."""
    from engine.service.auditing import audit_record as record_of

    return record_of(context.store(), context.instance_row(instance))


def history(context: EngineContext, instance: int, *,
            summaries: bool = True) -> tuple[list[HistoryRow], list[EventRow]]:
    """An instance's events as rows naming each step and lane, and the events themselves."""
    from engine.service.auditing import history as history_of

    return history_of(context.store(), context.instance_row(instance), summaries=summaries)


def replay(context: EngineContext, instance: int, *, until: int | None = None) -> Replayed:
    """Rebuild an instance from its pinned definition and events; without until, compare with the store."""
    from engine.audit.replay import replay as replay_record

    record = audit_record(context, instance)
    if until is not None and not 1 <= until <= len(record.events):
        raise ValidationError("--until {until}: instance {instance} has {events_count} events; "
                              "give a number from 1 to {events_count}",
                              until=until, instance=instance, events_count=len(record.events))
    return replay_record(record, until)


def export(context: EngineContext, instance: int, path: str) -> AuditRecord:
    """Write an instance's self-contained audit bundle to path."""
    from engine.audit.bundle import bundle_monev, bundle_of, check_bundle_path, write_bundle
    from engine.audit.bundle_files import bundle_files_folder, bundle_named_files
    from engine.service.attached_files import write_blob

    check_bundle_path(path)
    record = audit_record(context, instance)
    bundle = bundle_of(record, context.clock(), context.operator)
    bundle["monev"] = bundle_monev(context.store().monev_events(None), record.process_id)
    named = {v["sha256"]: v for _, _, _, v in bundle_named_files(record)}
    if named:  # the files first, each under its hash in the folder beside the bundle; the bundle last
        folder = bundle_files_folder(path)
        os.makedirs(folder, exist_ok=True)  # beside the bundle, whose folder exists (checked above)
        for sha in named:
            write_blob(context.store(), sha, os.path.join(folder, sha))
        bundle["files"] = {"folder": os.path.basename(folder), "count": len(named),
                           "bytes": sum(int(v["size"]) for v in named.values())}
    write_bundle(path, bundle)
    return record
