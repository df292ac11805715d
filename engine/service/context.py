"""What the services of one Engine share: the store, the definitions folder, the caches, the clock, the person
acting and the roles in force. Services and instance handles read it; none of them holds another's state."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

from engine.common.errors import NoInstanceError, StoreError
from engine.common.models import InstanceView, TaskView
from engine.store.labels import store_label
from engine.store.opening import open_store
from engine.store.protocol import InstanceRow, Store, Transaction

if TYPE_CHECKING:  # heavy modules (and pathlib: 11 ms with json) load only in commands that need them
    from pathlib import Path

    from engine.common.local_time import LocalTimes
    from engine.common.work_calendar import Clock
    from engine.definitions.catalog import Catalog
    from engine.definitions.roles import Roles
    from engine.service.pinned import PinnedVersions
    from engine.service.transition import Change
    from engine.service.warm import WarmWorkflows


class EngineContext:
    """One store and one definitions folder, seen by one person at a time (see `acting_as`)."""

    def __init__(
        self, db: str, *, definitions_dir: str | Path, forms_dir: str | Path, clock: Callable[[], str], operator: str,
        roles: Roles | str | Path | None, work_clock: Clock | None,
    ) -> None:
        self.db = db
        self.definitions_dir = definitions_dir
        self.forms_dir = forms_dir
        self.clock = clock
        self.operator = operator
        self._roles = roles  # None: no roles file; a path loads when first needed
        self._pinned_roles: tuple[Roles | None] | None = None  # the store's roles in force, read once
        self._work_clock = self._given_clock = work_clock
        self._local_times: LocalTimes | None = None
        self._store: Store | None = None
        self._owns_store = True  # a copy made by acting_as shares its maker's connection and never closes it
        self._may_create = False
        self._pinned: PinnedVersions | None = None
        self._warm: WarmWorkflows | None = None

    # -- the store and the caches ------------------------------------------------------------------

    def store(self, *, create: bool = False, optional: bool = False) -> Store:
        """The store, created only when create is asked. A store file that does not exist is an error naming
        the path (a mistyped --db must not read as an empty store), unless optional: then it reads as empty."""
        if self._store is None or (create and not self._may_create):
            if self._store is not None:
                self._store.close()
            self._store = open_store(self.db, create=create)
            self._may_create = create
        if self._store.missing and not optional:
            raise StoreError("No store at '{location}': the file does not exist. Check --db (or "
                             "SOP_DB); `sop start` creates a new store", location=self._store.location)
        return self._store

    @property
    def pinned(self) -> PinnedVersions:
        """The pinned versions this process has read (they never change once stored: safe to keep)."""
        if self._pinned is None:
            from engine.service.pinned import PinnedVersions

            self._pinned = PinnedVersions()
        return self._pinned

    @pinned.setter
    def pinned(self, kept: PinnedVersions) -> None:
        self._pinned = kept  # another context's (a long-running process shares what it read)

    @property
    def warm(self) -> WarmWorkflows:
        """The workflows this process wrote last, used only while the store still holds what was written."""
        if self._warm is None:
            from engine.service.warm import WarmWorkflows

            self._warm = WarmWorkflows()
        return self._warm

    @warm.setter
    def warm(self, kept: WarmWorkflows) -> None:
        self._warm = kept

    def work_clock(self) -> Clock:
        """The working-time calendar of the definitions folder (calendar.yaml), or wall-clock time without one."""
        if self._work_clock is None:
            from engine.common.work_calendar import WallClock, find_calendar, load_calendar

            path = find_calendar(self.definitions_dir)
            if path is None:
                self._work_clock = WallClock()
            else:
                calendar = self._work_clock = load_calendar(path)
                calendar.remember(self.store().days_off(calendar.key))
        return self._work_clock

    def on_calendar(self) -> bool:
        """True when time counts on a working calendar: the one given, else the folder's calendar.yaml (looked for,
        not read: a listing that says a Mutu Baku in words loads no YAML)."""
        from engine.common.work_calendar import WorkCalendar, find_calendar

        if self._work_clock is not None:
            return isinstance(self._work_clock, WorkCalendar)
        return find_calendar(self.definitions_dir) is not None

    def local_times(self) -> LocalTimes:
        """Stored times as people read them: in the calendar's zone (or this machine's), e.g. `08:30 WIB`."""
        if self._local_times is None:
            from engine.common.local_time import LocalTimes, office_zone

            self._local_times = LocalTimes(office_zone(self.definitions_dir))
        return self._local_times

    def catalog(self) -> Catalog:
        """Scan the definitions folder (every BPMN with its forms and YAML)."""
        from engine.definitions.catalog import scan

        return scan(self.definitions_dir, self.forms_dir)

    def acting_as(self, operator: str) -> EngineContext:
        """This context seen by another person, sharing the store connection, pinned versions, warm workflows and
        local times; the roles in force and the work calendar (days off) are read afresh, as a new one would."""
        from copy import copy

        from engine.common.errors import EngineError

        self.pinned, self.warm  # noqa: B018 - made here, so that every copy shares them
        try:
            self.store(optional=True)  # opened here, so that every copy shares one connection
            self.local_times()  # shared too (a broken calendar is reported by the copy that needs the times)
        except EngineError:
            pass  # a store or calendar that cannot be used is reported by the copy that uses it
        other = copy(self)
        other._owns_store = False
        other.operator = operator
        other._pinned_roles = None
        other._work_clock = self._given_clock
        return other

    def close(self) -> None:
        """Release the store connection (a copy made by acting_as only lets go of its maker's)."""
        if self._store is not None and self._owns_store:
            self._store.close()
        self._store = None

    # -- people -----------------------------------------------------------------------------------

    @property
    def file_roles(self) -> Roles | None:
        """The roles file's people (read on first use), or None without a roles file."""
        if self._roles is not None and not hasattr(self._roles, "people"):
            from engine.definitions.roles import load_roles

            self._roles = load_roles(self._roles)
        return cast("Roles | None", self._roles)

    def store_roles(self) -> Roles | None:
        """The roles version pinned in the store (read once per context), or None when none was applied."""
        if self._pinned_roles is None:
            row = self.store(optional=True).roles_event_last()  # no yaml, nor json unless roles are pinned
            if row is not None:
                from engine.definitions.delegations import delegations_of
                from engine.definitions.roles_pinning import pinned_roles

                log = delegations_of(self.store(optional=True).roles_events())
                self._pinned_roles = (pinned_roles(row)._replace(delegations=log),)
            else:
                self._pinned_roles = (None,)
        return self._pinned_roles[0]

    def forget_roles(self) -> None:
        """Read the store's roles again on next use (after `sop roles apply`)."""
        self._pinned_roles = None

    @property
    def roles(self) -> Roles | None:
        """The roles in force: the store's pinned version once one was applied (`sop roles apply`), else the roles
        file; None in single-user mode."""
        return self.store_roles() or self.file_roles

    @property
    def single_user(self) -> bool:
        """True without roles (no roles file, none pinned): anyone completes anything."""
        return self._roles is None and self.store_roles() is None

    def acting(self, actor: str | None) -> str:
        """The login of the person acting: checked against the roles when there are some."""
        if actor is not None:
            from engine.common.identity import check_login

            check_login(actor, "--as")
        if self.roles is None:
            return actor or self.operator
        return self.roles.acting(self.operator, actor).login

    def change(self, actor: str, now: str, before: list[TaskView]) -> Change:
        """Who acts, when, and the ready rows before: what the transition needs besides the workflow."""
        from engine.service.transition import Change

        return Change(actor, self.operator, now, self.work_clock(), before)

    # -- instances --------------------------------------------------------------------------------

    def instance_row(self, instance: int) -> InstanceRow:
        """The stored row of an instance, or NotFoundError."""
        row = self.store().get_instance(instance) if 1 <= instance < 2**63 else None  # no store holds a larger id
        if row is None:
            raise NoInstanceError("No instance {instance} in store '{db}'; list them with `sop instances`",
                                  instance=instance, db=store_label(self.db))
        return row

    def require_instances(self, instance: int) -> Store:
        """The store, refusing a store that has no instance yet (nothing to act on) with the instance's number."""
        store = self.store()
        if store.schema_version() == 0:
            raise NoInstanceError("No instance {instance} in store '{db}' (it has none yet); start one first",
                                  instance=instance, db=store_label(self.db))
        return store

    def named_task(self, row: InstanceRow, ready: list[TaskView], task: str, reader: Store | Transaction) -> TaskView:
        """The ready task a reference names (BPMN id or UUID), or the error saying why there is none."""
        from engine.bpmn.tasks import resolve, user_task_ids

        def known() -> set[str]:
            version = self.pinned.of(row, reader.get_version)
            return user_task_ids(self.pinned.spec(row.version, version.spec))

        return resolve(row, ready, task, lambda: reader.events(row.id), known)


def instance_view(row: InstanceRow, tasks: list[TaskView], data: dict[str, Any]) -> InstanceView:
    """The plain value callers get for an instance row, its ready tasks and its data."""
    return InstanceView(row.id, row.process_id, row.version, row.status, row.started_at, row.updated_at,
                        row.started_by, tuple(tasks), data, row.last_seq, row.last_hash, completed=row.completed_at)
