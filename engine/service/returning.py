"""Return for revision ("Kembalikan untuk perbaikan"): the person holding a ready step sends the instance back to an
earlier completed step on the path taken, with a reason; that step is ready again (its last artefact as the form's
start) and the steps after it come again as the flow reaches them. One chained event (`task-returned`) written by
the one transition, in one transaction; a replay makes the same return."""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from engine.common.errors import ValidationError
from engine.common.i18n import N_

if TYPE_CHECKING:
    from engine.common.models import TaskView
    from engine.service.context import EngineContext

MAX_REASON = 2000  # characters of a reason: a paragraph, not a document (a file goes with a comment)


class ReturnChoice(NamedTuple):
    """An earlier step a ready step may be sent back to: its BPMN id and its name in the diagram."""

    task: str
    name: str


def return_choices(context: EngineContext, instance: int, task: str) -> list[ReturnChoice]:
    """The earlier completed steps a ready step may be sent back to, nearest first (none: the button is not shown)."""
    from engine.runtime.returning import return_targets
    from engine.runtime.workflow import state_from_bytes, task_by_uuid

    store = context.store()
    row = context.instance_row(instance)
    if row.status != "running":
        return []
    target = context.named_task(row, store.ready_tasks(instance), task, store)
    version = context.pinned.of(row, store.get_version)
    workflow = state_from_bytes(row.state, context.pinned.spec(row.version, version.spec))
    spiff_task = task_by_uuid(workflow, target.id)
    if spiff_task is None:
        return []
    return [ReturnChoice(t.task_spec.bpmn_id, t.task_spec.bpmn_name or t.task_spec.bpmn_id)
            for t in return_targets(spiff_task)]


def checked_reason(reason: str | None, what: str) -> str:
    """The reason as stored: required, trimmed, at most MAX_REASON characters, no control characters but line ends."""
    text = (reason or "").strip()
    if not text:
        raise ValidationError("{what}: a return needs a reason (what must be revised); nothing was changed", what=what)
    if len(text) > MAX_REASON:
        raise ValidationError("{what}: the reason has {count} characters; at most {limit} are kept; shorten it; "
                              "nothing was changed", what=what, count=len(text), limit=MAX_REASON)
    if any((ord(c) < 32 and c not in "\n\t") or ord(c) == 127 for c in text):
        raise ValidationError("{what}: the reason holds control characters; type it again as plain text; nothing "
                              "was changed", what=what)
    return text.replace("\r\n", "\n")


def send_back(context: EngineContext, instance: int, task: str, *, to: str, reason: str,
              actor: str | None = None) -> TaskView:
    """Send the instance back from a ready step to an earlier completed one (to: its BPMN id), with a reason; the
    reopened step's ready row is returned."""
    from engine.runtime.returning import return_to
    from engine.service.ready_step import locked_ready_step, refuse_others_claim
    from engine.service.roles_service import lane_person, roles_in_tx
    from engine.service.transition import Finished, Happened, advance

    requested, login = actor, context.acting(actor)
    store = context.require_instances(instance)
    with store.transaction() as tx:
        at = locked_ready_step(tx, instance, task, context.db, context.pinned, warm=context.warm)
        what = N_("Instance {instance} task '{task}'", instance=instance, task=at.target.task)
        text = checked_reason(reason, what)
        roles = roles_in_tx(store, tx, lambda: context.file_roles)
        now = context.clock()  # one moment for the lane check (a delegation's period) and the event
        if roles is not None:
            login = lane_person(roles, context.operator, requested, at.target.lane, what, at=now,
                                process=at.row.process_id).login
        refuse_others_claim(at.target, login, what, recorder=context.operator)
        seq = at.row.last_seq + 1
        reopened = return_to(at.workflow, at.task, to, seq, what=what)
        done = advance(
            tx, at.row, at.workflow,
            [Happened("task-returned", to, str(reopened.id),
                      {"from": at.target.task, "from_task": at.target.id, "reason": text})],
            context.change(login, now, at.ready),
            stranded=N_("{what} would leave instance {instance}", what=what, instance=instance),
            finished=Finished(at.target.id, at.target.since),
        )
    context.warm.keep(done.row, at.workflow)
    return next(t for t in done.ready if t.id == str(reopened.id))
