"""Drafts: a person's unfinished form of a ready task, kept per person and task. A draft is not an artefact: no
event, not validated against the form (only its size is bounded), discarded when the step completes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from engine.common.errors import NoInstanceError, ValidationError
from engine.common.i18n import N_
from engine.store.labels import store_label

if TYPE_CHECKING:
    from engine.service.context import EngineContext

MAX_DRAFT_BYTES = 256 * 1024


def save_draft(context: EngineContext, instance: int, task: str, data: dict[str, Any], *,
               actor: str | None = None) -> str:
    """Keep the acting person's unfinished form of a ready task; returns when it was saved. A draft is theirs
    alone and changes nothing, so it is kept outside their lane too (what they typed before a refusal)."""
    from engine.common.canonical import canonical_json
    from engine.common.data_limits import check_data
    from engine.service.roles_service import roles_in_tx
    from engine.store.protocol import DraftRow

    what = N_("The draft of instance {instance} task '{task}'", instance=instance, task=task)
    if not isinstance(data, dict):
        raise ValidationError("{what} must be an object of field: value pairs; nothing was saved", what=what)
    check_data(data, what)
    text = canonical_json(data)
    if len(text.encode("utf-8")) > MAX_DRAFT_BYTES:
        raise ValidationError("{what} is over {value1} KiB; shorten it, or complete the step "
                              "with its files attached; nothing was saved", what=what, value1=MAX_DRAFT_BYTES // 1024)
    store = context.require_instances(instance)
    saved_at = context.clock()
    with store.transaction() as tx:
        row = tx.lock_instance(instance)
        if row is None:
            raise NoInstanceError("No instance {instance} in store '{db}'; list them with `sop instances`",
                                  instance=instance, db=store_label(context.db))
        target = context.named_task(row, tx.ready_tasks(instance), task, tx)
        roles = roles_in_tx(store, tx, lambda: context.file_roles)
        if roles is not None:
            login = roles.acting(context.operator, actor).login
        else:
            login = context.acting(actor)
        tx.put_draft(DraftRow(instance, target.id, login, text, saved_at))
    return saved_at


def saved_draft(context: EngineContext, instance: int, task: str, *, actor: str | None = None) -> dict[str, Any] | None:
    """The acting person's saved draft of a ready task, or None when they saved none."""
    import json

    store = context.store()
    row = context.instance_row(instance)
    target = context.named_task(row, store.ready_tasks(instance), task, store)
    saved = store.draft(instance, target.id, context.acting(actor))
    if saved is None:
        return None
    data: dict[str, Any] = json.loads(saved.data)
    return data
