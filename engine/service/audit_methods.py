"""The auditors' methods of the Engine facade: an instance's record, history, replay, verify and export."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from engine.common.errors import ValidationError
from engine.store.protocol import EventRow, InstanceRow, Store

if TYPE_CHECKING:
    from collections.abc import Iterator

    from engine.audit.records import AuditRecord, HistoryRow
    from engine.audit.replay import Replayed
    from engine.audit.verify import Verdict
    from engine.common.work_calendar import Clock


class AuditMethods:
    """What auditors call on the Engine; the Engine supplies the store, the instance rows, clock and operator."""

    definitions_dir: Any
    operator: str
    clock: Callable[[], str]

    def store(self, create: bool = False) -> Store:
        """The store (the Engine's)."""
        raise NotImplementedError

    def instance_row(self, instance: int) -> InstanceRow:
        """The stored row of an instance (the Engine's)."""
        raise NotImplementedError

    def audit_record(self, instance: int) -> AuditRecord:
        """Everything the store holds about an instance, read afresh (no cached version), for checking."""
        from engine.service.auditing import audit_record

        return audit_record(self.store(), self.instance_row(instance))

    def history(self, instance: int) -> tuple[list[HistoryRow], list[EventRow]]:
        """An instance's events as rows naming each step and lane, and the events themselves."""
        from engine.service.auditing import history

        return history(self.store(), self.instance_row(instance))

    def replay(self, instance: int, until: int | None = None) -> Replayed:
        """Rebuild an instance from its pinned definition and events; without until, compare with the store."""
        from engine.audit.replay import replay

        record = self.audit_record(instance)
        if until is not None and not 1 <= until <= len(record.events):
            raise ValidationError(f"--until {until}: instance {instance} has {len(record.events)} events; "
                                  f"give a number from 1 to {len(record.events)}")
        return replay(record, until)

    def verify(self, instances: list[int] | None = None) -> Iterator[Verdict]:
        """Verify the named instances, or every instance (and events whose instance row has gone)."""
        from engine.service.auditing import verify_all

        rows = (self.instance_row(i) for i in instances) if instances else None  # read one by one, as verified
        yield from verify_all(self.store(), rows, self.verify_clocks()[0])

    def verify_clocks(self) -> tuple[list[Clock], str]:
        """The calendars verify recomputes due and working times with (none: not recomputed) and why not."""
        from engine.service.auditing import verify_clocks

        return verify_clocks(self.store(), self.definitions_dir)

    def export(self, instance: int, path: str) -> AuditRecord:
        """Write an instance's self-contained audit bundle to path."""
        from engine.audit.bundle import bundle_of, check_bundle_path, write_bundle
        from engine.audit.bundle_files import bundle_named_files, files_folder
        from engine.service.file_methods import write_blob

        check_bundle_path(path)
        record = self.audit_record(instance)
        bundle = bundle_of(record, self.clock(), self.operator)
        named = {v["sha256"]: v for _, _, _, v in bundle_named_files(record)}
        if named:  # the files first, each under its hash in the folder beside the bundle; the bundle last
            folder = files_folder(path)
            os.makedirs(folder, exist_ok=True)  # beside the bundle, whose folder exists (checked above)
            for sha in named:
                write_blob(self.store(), sha, os.path.join(folder, sha))
            bundle["files"] = {"folder": os.path.basename(folder), "count": len(named),
                               "bytes": sum(int(v["size"]) for v in named.values())}
        write_bundle(path, bundle)
        return record
