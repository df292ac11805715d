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


class VersionCount(NamedTuple):
    """A pinned version, when it was first used, and how many instances it carries (running, all)."""

    version: str
    process_id: str
    name: str
    created_at: str
    running: int
    instances: int


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
    """The reads and writes of one command, all or nothing; an implementation holds the instance's lock
    (SQLite: BEGIN IMMEDIATE; PostgreSQL: SELECT ... FOR UPDATE) from lock_instance to the commit."""

    def get_version(self, version: str) -> VersionRow | None:
        """A pinned definition version, or None."""
    def put_version(self, row: VersionRow) -> None:
        """Store a definition version if it is not there yet (versions never change)."""
    def create_instance(self, row: InstanceRow) -> int:
        """Insert an instance (row.id is ignored) and return its new id."""
    def lock_instance(self, instance_id: int) -> InstanceRow | None:
        """Read an instance under the command's lock, or None."""
    def ready_tasks(self, instance_id: int) -> list[TaskView]:
        """The instance's ready tasks, read under the lock."""
    def events(self, instance_id: int) -> list[EventRow]:
        """The instance's events in order, read under the lock."""
    def save_instance(self, row: InstanceRow, expected_row_version: int) -> None:
        """Write the instance's new state; StoreError unless the stored row_version is the expected one."""
    def replace_ready_tasks(self, instance_id: int, rows: list[TaskView]) -> None:
        """Replace the instance's ready-task rows."""
    def append_event(self, row: EventRow) -> None:
        """Append one event; (instance, seq) is unique."""


class Store(Protocol):
    """Reads answer from indexed columns, never by deserializing workflows; writes go through transaction()."""

    location: str

    def transaction(self) -> AbstractContextManager[Transaction]:
        """One command's transaction: commit on success, roll back on any error."""
    def get_instance(self, instance_id: int) -> InstanceRow | None:
        """An instance with its state, or None."""
    def list_instances(self, status: str | None = None, process_id: str | None = None) -> list[InstanceRow]:
        """Instances without their state (state is empty), by id."""
    def ready_tasks(
        self, instance_id: int | None = None, lane: str | None = None, limit: int | None = None
    ) -> list[TaskView]:
        """Ready tasks, oldest first."""
    def count_ready_tasks(self, instance_id: int | None = None, lane: str | None = None) -> int:
        """How many ready tasks match."""
    def events(self, instance_id: int) -> list[EventRow]:
        """An instance's events in order."""
    def get_version(self, version: str) -> VersionRow | None:
        """A pinned definition version, or None."""
    def event_instance_ids(self) -> list[int]:
        """Every instance id that has events (an auditor's check for instance rows deleted behind our back)."""
    def list_versions(self) -> list[VersionCount]:
        """Every pinned version with its instance counts, by process and first use."""
    def schema_version(self) -> int:
        """The store's schema version; 0 when the store does not exist yet."""
    def close(self) -> None:
        """Release the connection."""


def open_store(location: str, create: bool) -> Store:
    """Open the store a --db value names; only SQLite paths (or sqlite:/// URLs) exist so far."""
    from .sqlite_store import SqliteStore

    if not location.strip():
        from .errors import StoreError

        raise StoreError("--db is empty; give the path of a store file such as ./sop.db (or set SOP_DB)")
    if location.startswith("sqlite:///"):
        location = location[len("sqlite:///"):]
    elif "://" in location:
        from .errors import StoreError

        raise StoreError(f"--db {location!r}: unsupported store URL; give a SQLite file path or sqlite:///PATH")
    return SqliteStore(location, create=create)
