"""The Engine: a small facade that builds the services over one context and hands them out."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from engine.common.identity import os_login, utc_now
from engine.service.context import EngineContext

if TYPE_CHECKING:
    from pathlib import Path

    from engine.common.models import OutboxEvent
    from engine.common.work_calendar import Clock
    from engine.definitions.roles import Roles
    from engine.service.attached_files import FileService
    from engine.service.audit_service import AuditService
    from engine.service.handle import InstanceHandle
    from engine.service.instance_service import InstanceService
    from engine.service.monev_service import MonevService
    from engine.service.notices import NoticeService
    from engine.service.people_service import PeopleService
    from engine.service.picture_service import PictureService
    from engine.service.process_service import ProcessService
    from engine.service.time_service import TimeService


class Engine:
    """Runs processes from a definitions folder against a store; every answer is a plain frozen value.

    `engine.instances` starts, lists and finds work; `engine.instance(n)` is one instance's handle; `engine.people`,
    `engine.processes`, `engine.time`, `engine.audit`, `engine.files` and `engine.pictures` do the rest."""

    def __init__(
        self, db: str, *, definitions_dir: str | Path = "definitions", forms_dir: str | Path = "forms",
        clock: Callable[[], str] = utc_now, operator: str | None = None, roles: Roles | str | Path | None = None,
        work_clock: Clock | None = None,
    ) -> None:
        self.context = EngineContext(db, definitions_dir=definitions_dir, forms_dir=forms_dir, clock=clock,
                                     operator=operator or os_login(), roles=roles, work_clock=work_clock)

    @classmethod
    def _over(cls, context: EngineContext) -> Engine:
        engine = cls.__new__(cls)
        engine.context = context
        return engine

    @property
    def operator(self) -> str:
        """The login of the person this Engine acts for (the OS account unless given)."""
        return self.context.operator

    @property
    def instances(self) -> InstanceService:
        """Start, list and count instances and their ready tasks."""
        from engine.service.instance_service import InstanceService

        return InstanceService(self.context)

    def instance(self, number: int) -> InstanceHandle:
        """One instance's handle (nothing is read until it is asked something)."""
        from engine.service.handle import InstanceHandle

        return InstanceHandle(self.context, number)

    @property
    def people(self) -> PeopleService:
        """The roles in force, who acts, passwords and sign-in."""
        from engine.service.people_service import PeopleService

        return PeopleService(self.context)

    @property
    def processes(self) -> ProcessService:
        """The definitions folder's processes, their versions, forms and guidance."""
        from engine.service.process_service import ProcessService

        return ProcessService(self.context)

    @property
    def time(self) -> TimeService:
        """The working calendar, local times, the SLA report and due timers."""
        from engine.service.time_service import TimeService

        return TimeService(self.context)

    @property
    def audit(self) -> AuditService:
        """Verifying the store's instances; the event log for process mining."""
        from engine.service.audit_service import AuditService

        return AuditService(self.context)

    @property
    def files(self) -> FileService:
        """The store's attached files as a whole."""
        from engine.service.attached_files import FileService

        return FileService(self.context)

    @property
    def pictures(self) -> PictureService:
        """Processes drawn: bare diagrams and SOP AP sheets."""
        from engine.service.picture_service import PictureService

        return PictureService(self.context)

    @property
    def monev(self) -> MonevService:
        """The monitoring form and evaluation of an SOP for a semester: `sop monev`, the monitoring page."""
        from engine.service.monev_service import MonevService

        return MonevService(self.context)

    @property
    def notices(self) -> NoticeService:
        """Notices from the outbox by e-mail, WhatsApp and webhook: `sop notify`, `sop notices`."""
        from engine.service.notices import NoticeService

        return NoticeService(self.context)

    def events(self, *, consumer: str | None = None, since: int | None = None, limit: int = 100) -> list[OutboxEvent]:
        """What committed changes did (the outbox), in order: after a consumer's cursor, or after position `since`;
        reading never moves a cursor (see `acknowledge`)."""
        from engine.service.outbox import read_events

        return read_events(self.context.store(), consumer=consumer, since=since, limit=limit)

    def acknowledge(self, *, consumer: str, position: int) -> int:
        """Move a consumer's cursor past the events it has handled (never back); where it stands after."""
        from engine.service.outbox import acknowledge

        return acknowledge(self.context.store(), consumer=consumer, position=position, now=self.context.clock())

    def open(self, *, create: bool = False) -> None:
        """Open the store now: a store that is missing (unless create), not a sop store or newer than this program
        is refused here rather than at the first use; a long-running server opens it once before serving."""
        self.context.store(create=create)

    def acting_as(self, operator: str) -> Engine:
        """This Engine acting as another person, sharing its store connection, pinned versions, warm workflows and
        local times (a server keeps one Engine per thread and makes one of these per request); the roles in force
        and the work calendar (days off) are read afresh, as a new Engine would."""
        return Engine._over(self.context.acting_as(operator))

    def close(self) -> None:
        """Release the store connection."""
        self.context.close()
