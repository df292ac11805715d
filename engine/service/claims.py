"""Claims: where a lane holds several people, one takes a ready task ("Saya kerjakan") and the others
see who has it; the claimer or an operator releases it. Each is an event in the instance's chain, written through
the one transition; the ready row's claimed_by/claimed_at follow from those events."""

from __future__ import annotations

from typing import TYPE_CHECKING

from engine.common.errors import ClaimedByOtherError, RoleError, TaskStateError
from engine.common.i18n import N_

if TYPE_CHECKING:
    from engine.common.models import TaskView
    from engine.service.context import EngineContext


def change_claim(context: EngineContext, instance: int, task: str, *, requested: str | None, take: bool) -> TaskView:
    """Claim or release a ready task in one transaction: the event, the state, the ready rows."""
    from engine.service.ready_step import locked_ready_step
    from engine.service.roles_service import lane_person, roles_in_tx
    from engine.service.transition import Happened, advance

    store = context.require_instances(instance)
    now = context.clock()
    with store.transaction() as tx:
        at = locked_ready_step(tx, instance, task, context.db, context.pinned, warm=context.warm)
        target = at.target
        what = N_("Instance {instance} task '{task}'", instance=instance, task=target.task)
        roles = roles_in_tx(store, tx, lambda: context.file_roles)
        may_release_any = roles is None
        if roles is None:
            login = context.acting(requested)
        elif take:
            login = lane_person(roles, context.operator, requested, target.lane, what, at=now,
                                process=at.row.process_id).login
        else:
            person = roles.acting(context.operator, requested)
            login = person.login
            recorder = roles.people.get(context.operator)
            may_release_any = person.operator or (recorder is not None and recorder.operator)
        holder = target.claimed_by
        if take:
            if holder == login:
                return target  # already theirs: nothing to record
            if holder is not None:
                raise ClaimedByOtherError("{what} is claimed by {holder} since {claimed_at}; they or an operator "
                                          "may release it (`sop release {instance} {task}`); nothing was changed",
                                          what=what, holder=holder, claimed_at=target.claimed_at, instance=instance,
                                          task=target.task)
            kind, after = "task-claimed", target._replace(claimed_by=login, claimed_at=now)
        else:
            if holder is None:
                raise TaskStateError("{what} is not claimed by anyone; there is nothing to release", what=what)
            if holder != login and not may_release_any:
                raise RoleError("'{login}' may not release {what}: {holder} claimed it since {claimed_at}, "
                                "and only they or an operator may release it; nothing was changed",
                                login=login, what=what, holder=holder, claimed_at=target.claimed_at)
            kind, after = "task-released", target._replace(claimed_by=None, claimed_at=None)
        before = [after if t.id == target.id else t for t in at.ready]
        done = advance(tx, at.row, at.workflow, [Happened(kind, target.task, target.id, {})],
                       context.change(login, now, before),
                       stranded=N_("{what} would leave instance {instance}", what=what, instance=instance))
    context.warm.keep(done.row, at.workflow)
    return next(t for t in done.ready if t.id == target.id)


def acting_choices(context: EngineContext, instance: int, task: str) -> tuple[str, ...]:
    """The logins the signed-in account may complete a ready task as, the account itself first: itself when it
    holds the step's lane, and (an operator) the lane's people; a claim narrows them to the claimer, unless the
    operator claimed it. Empty: the step is not theirs to act on (a page shows it read-only)."""
    store = context.store()
    row = context.instance_row(instance)
    target = context.named_task(row, store.ready_tasks(instance), task, store)
    from engine.definitions.acting import holds_at

    roles = context.roles
    if roles is None:
        return (context.operator,)
    now = context.clock()
    me = roles.people.get(context.operator)
    if me is None:
        return ()
    people = [me, *sorted((p for p in roles.people.values() if p.login != me.login), key=lambda p: p.name)] \
        if me.operator else [me]
    logins = [p.login for p in people
              if (holds_at(roles, p, target.lane, at=now, process=row.process_id) if target.lane is not None
                  else me.operator)]
    if target.claimed_by is not None and target.claimed_by != me.login:
        logins = [login for login in logins if login == target.claimed_by]
    return tuple(logins)
