"""The store interface: rows in and out, one transaction per command; SQLite now, PostgreSQL to follow."""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import NamedTuple, Protocol

from .models import TaskView


class VersionRow(NamedTuple):
    """A pinned definition version: the bundle of file texts and the spec serialized once."""

    version: str
    process_id: str
    name: str
    bundle: str
    spec: str
    created_at: str


class InstanceRow(NamedTuple):
    """An instance: indexed columns, opaque versioned state, and the head of its event chain."""

    id: int
    process_id: str
    version: str
    status: str
    started_at: str
    updated_at: str
    started_by: str
    state: bytes
    state_format: str
    row_version: int
    last_seq: int
    last_hash: str


class EventRow(NamedTuple):
    """One entry of an instance's append-only, hash-chained event log."""

    instance_id: int
    seq: int
    type: str
    time: str
    task: str | None
    task_uuid: str | None
    actor: str
    operator: str
    version: str
    data: str
    hash: str


class Transaction(Protocol):
    """The writes of one command; all or nothing."""

    def get_version(self, version: str) -> VersionRow | None: ...
    def put_version(self, row: VersionRow) -> None: ...
    def create_instance(self, row: InstanceRow) -> int: ...
    def lock_instance(self, instance_id: int) -> InstanceRow | None: ...
    def save_instance(self, row: InstanceRow, expected_row_version: int) -> None: ...
    def replace_ready_tasks(self, instance_id: int, rows: list[TaskView]) -> None: ...
    def append_event(self, row: EventRow) -> None: ...


class Store(Protocol):
    """Reads answer from indexed columns; writes go through transaction()."""

    location: str

    def transaction(self) -> AbstractContextManager[Transaction]: ...
    def get_instance(self, instance_id: int) -> InstanceRow | None: ...
    def list_instances(self, status: str | None = None, process_id: str | None = None) -> list[InstanceRow]: ...
    def ready_tasks(
        self, instance_id: int | None = None, lane: str | None = None, limit: int | None = None
    ) -> list[TaskView]: ...
    def count_ready_tasks(self, instance_id: int | None = None, lane: str | None = None) -> int: ...
    def events(self, instance_id: int) -> list[EventRow]: ...
    def get_version(self, version: str) -> VersionRow | None: ...
    def schema_version(self) -> int: ...
    def close(self) -> None: ...


def open_store(location: str, create: bool) -> Store:
    """Open the store a --db value names; only SQLite paths (or sqlite:/// URLs) exist so far."""
    from .sqlite_store import SqliteStore

    if location.startswith("sqlite:///"):
        location = location[len("sqlite:///"):]
    elif "://" in location:
        from .errors import StoreError

        raise StoreError(f"--db {location!r}: unsupported store URL; give a SQLite file path or sqlite:///PATH")
    return SqliteStore(location, create=create)
