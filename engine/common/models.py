"""The plain immutable values (NamedTuples: cheap to import) the Engine returns; no SpiffWorkflow object leaves it."""

from __future__ import annotations

from typing import Any, NamedTuple


class ProcessInfo(NamedTuple):
    """A runnable process in the definitions folder."""

    id: str
    name: str
    file: str
    version: str
    steps: int
    lanes: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """The documented JSON of `sop processes --json`."""
        return {"id": self.id, "name": self.name, "file": self.file, "version": self.version,
                "steps": self.steps, "lanes": list(self.lanes)}


class TaskView(NamedTuple):
    """A ready user task."""

    instance: int
    task: str
    id: str
    name: str
    lane: str | None
    form: str | None
    sla: str | None
    since: str
    process: str = ""
    due: str | None = None
    claimed_by: str | None = None  # who took the task (`sop claim`), and since when
    claimed_at: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The documented JSON of one task in `sop tasks --json` and in instance views."""
        return self._asdict()


class AttachmentView(NamedTuple):
    """A stored file an instance's artefact names: which event, task and field, and the file."""

    instance: int
    seq: int
    task: str
    field: str
    position: int
    name: str
    media_type: str
    size: int
    sha256: str

    def to_json(self) -> dict[str, Any]:
        """The documented JSON of one file in `sop attachment --json` and `sop show --json`."""
        return self._asdict()


class CommentView(NamedTuple):
    """A remark someone wrote on an instance or on one of its tasks (`sop comment`): the event that holds it, the
    task it names (None: the whole instance) and that task's name, who wrote it, the text and the file with it."""

    instance: int
    seq: int
    time: str
    task: str | None
    task_uuid: str | None
    step: str  # the task's name from the pinned diagram ("" for the whole instance)
    actor: str
    operator: str
    text: str
    file: AttachmentView | None = None

    def to_json(self) -> dict[str, Any]:
        """One comment as JSON, its file (if any) as `sop attachment --json` gives one."""
        return {**self._asdict(), "file": self.file.to_json() if self.file is not None else None}


class WaitView(NamedTuple):
    """A timer the instance's flow waits on (an intermediate timer event): the flow goes on when it is due."""

    timer: str  # its BPMN id
    name: str  # its name in the diagram (its id when it has none)
    due: str

    def to_json(self) -> dict[str, Any]:
        """The documented JSON of one wait."""
        return self._asdict()


class InstanceView(NamedTuple):
    """An instance as `sop show` presents it."""

    instance: int
    process: str
    version: str
    status: str
    started: str
    updated: str
    started_by: str
    tasks: tuple[TaskView, ...]
    data: dict[str, Any] = {}  # noqa: RUF012 - never mutated; NamedTuple fields are immutable
    events: int = 0
    head_hash: str = ""
    attachments: tuple[AttachmentView, ...] = ()
    title: str = ""  # its subject (the fields its process's page names), else the process's name and number
    waiting: tuple[WaitView, ...] = ()  # the timers its flow waits on (filled by `show`)
    completed: str | None = None  # when it completed (its instance-completed event); None while it runs

    def to_json(self) -> dict[str, Any]:
        """The documented JSON of `sop show --json` (and of start/complete, which add nothing else)."""
        return {
            "instance": self.instance, "title": self.title, "process": self.process, "version": self.version,
            "status": self.status,
            "started": self.started, "updated": self.updated, "started_by": self.started_by,
            "tasks": [t.to_json() for t in self.tasks], "data": self.data, "events": self.events,
            "head_hash": self.head_hash, "attachments": [a.to_json() for a in self.attachments],
            "waiting": [w.to_json() for w in self.waiting],
            "completed": self.completed,
        }


class InstanceSummary(NamedTuple):
    """One row of `sop instances`."""

    instance: int
    process: str
    version: str
    status: str
    started: str
    updated: str
    started_by: str
    events: int
    title: str = ""  # its subject, else the process's name and number
    due: str | None = None  # the soonest due time of its ready steps

    def to_json(self) -> dict[str, Any]:
        """The documented JSON of one row of `sop instances --json`."""
        return self._asdict()


class StepResult(NamedTuple):
    """What `sop complete` did: the step completed and the instance after it."""

    completed_task: str
    completed_task_id: str
    instance: InstanceView


class OutboxEvent(NamedTuple):
    """One event of the outbox: what a committed change did, for work that runs after it (a notice, a webhook, an
    index); position orders all events (and so each instance's), data is a small payload (process, seq, due)."""

    position: int
    kind: str
    instance: int
    task: str | None
    task_uuid: str | None
    lane: str | None
    actor: str
    time: str
    data: dict[str, Any] = {}  # noqa: RUF012 - never mutated; NamedTuple fields are immutable

    def to_json(self) -> dict[str, Any]:
        """The documented JSON of one event in `sop events --json`."""
        return self._asdict()
