"""The step a `sop complete` names, found under the instance's lock and checked against the pinned diagram before
anything runs: lane and form come from the diagram, never from the ready-task row alone (a row is an index)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

from engine.common.errors import NotFoundError, StoreError, TaskStateError
from engine.common.models import TaskView
from engine.store.protocol import InstanceRow, Transaction, VersionRow

if TYPE_CHECKING:
    from engine.service.pinned import PinnedVersions
    from engine.service.warm import WarmWorkflows


class ReadyStep(NamedTuple):
    """A step about to be completed: the locked instance, its ready rows, version, task row, workflow and task."""

    row: InstanceRow
    ready: list[TaskView]
    version: VersionRow
    target: TaskView
    workflow: Any
    task: Any


def locked_ready_step(tx: Transaction, instance: int, task: str, db: str, pinned: PinnedVersions,
                      *, warm: WarmWorkflows) -> ReadyStep:
    """The running instance locked, its workflow, and the ready task a reference names, checked against the
    pinned diagram; a store altered behind the program's back is refused, naming `sop verify`."""
    from engine.bpmn.tasks import ready_row, refuse_completed, resolve, user_task_ids
    from engine.runtime.workflow import is_ready_user_task, state_from_bytes, task_by_uuid

    row = tx.lock_instance(instance)
    if row is None:
        raise NotFoundError(f"No instance {instance} in store '{db}'; list them with `sop instances`")
    if row.status != "running":
        refuse_completed(row, task, tx.events(instance))
        raise TaskStateError(f"Instance {instance} is {row.status}; its tasks cannot be completed any more "
                             f"(see `sop show {instance}`)")
    ready = tx.ready_tasks(instance)
    version = pinned.of(row, tx.get_version)
    spec = pinned.spec(row.version, version.spec)
    target = resolve(row, ready, task, lambda: tx.events(instance), lambda: user_task_ids(spec))
    workflow = warm.take(row) or state_from_bytes(row.state, spec)
    spiff_task = task_by_uuid(workflow, target.id)
    if spiff_task is None or not is_ready_user_task(spiff_task):
        raise StoreError(f"Instance {instance}: ready task {target.id} is not ready in the stored state; the "
                         f"store was altered behind the program's back. Nothing was saved; run `sop verify "
                         f"{instance}`")
    derived = ready_row(instance, row.process_id, spiff_task, target.since)
    if derived[:7] != target[:7]:
        raise StoreError(f"Instance {instance}: the ready-task row of '{target.task}' does not match the "
                         f"pinned diagram (row: lane {target.lane!r}, form {target.form!r}; diagram: lane "
                         f"{derived.lane!r}, form {derived.form!r}); the store was altered behind the "
                         f"program's back. Nothing was saved; run `sop verify {instance}`")
    return ReadyStep(row, ready, version, target, workflow, spiff_task)


def refuse_others_claim(target: TaskView, actor: str, what: str) -> None:
    """Refuse a step someone other than `actor` claimed (an operator records it --as the claimer)."""
    if target.claimed_by is not None and target.claimed_by != actor:
        raise TaskStateError(f"{what} is claimed by {target.claimed_by} since {target.claimed_at}: only they may "
                             f"complete it (an operator with --as {target.claimed_by}), unless they or an operator "
                             f"release it first (`sop release {target.instance} {target.task}`); nothing was changed")
