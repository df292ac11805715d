"""The step a `sop complete` names, found under the instance's lock and checked against the pinned diagram before
anything runs: lane and form come from the diagram, never from the ready-task row alone (a row is an index)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

from engine.common.errors import ClaimedByOtherError, InstanceNotRunningError, NoInstanceError, StoreError
from engine.common.models import TaskView
from engine.store.labels import store_label
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
        raise NoInstanceError("No instance {instance} in store '{db}'; list them with `sop instances`",
                              instance=instance, db=store_label(db))
    if row.status != "running":
        refuse_completed(row, task, tx.events(instance))
        raise InstanceNotRunningError("Instance {instance} is {status}; its tasks cannot be completed any more "
                                      "(see `sop show {instance}`)", instance=instance, status=row.status)
    ready = tx.ready_tasks(instance)
    version = pinned.of(row, tx.get_version)
    spec = pinned.spec(row.version, version.spec)
    target = resolve(row, ready, task, lambda: tx.events(instance), lambda: user_task_ids(spec))
    workflow = warm.take(row) or state_from_bytes(row.state, spec)
    spiff_task = task_by_uuid(workflow, target.id)
    if spiff_task is None or not is_ready_user_task(spiff_task):
        raise StoreError("Instance {instance}: ready task {task_uuid} is not ready in the stored state; the "
                         "store was altered behind the program's back. Nothing was saved; run `sop verify "
                         "{instance}`", instance=instance, task_uuid=target.id)
    derived = ready_row(instance, row.process_id, spiff_task, target.since)
    if derived[:7] != target[:7]:
        raise StoreError("Instance {instance}: the ready-task row of '{task}' does not match the "
                         "pinned diagram (row: lane {lane!r}, form {form!r}; diagram: lane "
                         "{derived_lane!r}, form {derived_form!r}); the store was altered behind the "
                         "program's back. Nothing was saved; run `sop verify {instance}`",
                         instance=instance, task=target.task, lane=target.lane, form=target.form,
                         derived_lane=derived.lane, derived_form=derived.form)
    return ReadyStep(row, ready, version, target, workflow, spiff_task)


def refuse_others_claim(target: TaskView, actor: str, what: str, *, recorder: str | None = None) -> None:
    """Refuse a step someone other than `actor` claimed (an operator records it --as the claimer); an operator's
    own claim does not stop them recording the step for a person of its lane (`recorder`: the account recording)."""
    if target.claimed_by is not None and target.claimed_by not in (actor, recorder):
        raise ClaimedByOtherError("{what} is claimed by {claimed_by} since {claimed_at}: only they may "
                                  "complete it (an operator with --as {claimed_by}), unless they or an operator "
                                  "release it first (`sop release {instance} {task}`); nothing was changed",
                                  what=what, claimed_by=target.claimed_by, claimed_at=target.claimed_at,
                                  instance=target.instance, task=target.task)
