"""Comments: a remark on an instance or on one of its tasks (a ready task or a completed step), by anyone who may
read the instance, with an optional file, while it runs or after it completed (a remark on the finished request:
it moves the instance's last change, never its completion time). Each is a `comment-added` event in the instance's
chain, written through the one transition (the workflow does not move); its file is stored by hash with the event,
as an artefact's is."""

from __future__ import annotations

import json
import unicodedata
from typing import TYPE_CHECKING, Any

from engine.common.errors import NoInstanceError, NoTaskError, TaskStateError, ValidationError
from engine.common.i18n import N_
from engine.common.models import AttachmentView, CommentView
from engine.store.labels import store_label

if TYPE_CHECKING:
    from engine.common.models import TaskView
    from engine.service.context import EngineContext
    from engine.store.protocol import EventRow, InstanceRow

COMMENT_EVENT = "comment-added"
MAX_TEXT = 4000  # characters of one comment
FILE_FIELD = "file"  # the comment's data key (and attachment field) that holds its file
# The files a comment may carry: documents and pictures an office exchanges, detected from their content.
FILE_SCHEMA: dict[str, Any] = {"type": "object", "properties": {FILE_FIELD: {
    "type": "object", "contentMediaType": "application/pdf",
    "x-sop-file": {"max_size": 20 * 1024 * 1024, "accept": [
        "application/pdf", "image/png", "image/jpeg", "text/plain",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.oasis.opendocument.text", "application/vnd.oasis.opendocument.spreadsheet"]}}}}


def comment_text(text: Any, what: str) -> str:
    """The text as stored: trimmed, line breaks as `\\n`; refused when empty, longer than MAX_TEXT characters, or
    holding a control character other than a line break."""
    if not isinstance(text, str):
        raise ValidationError("{what}: the text must be words, not {kind}; nothing was saved",
                              what=what, kind=type(text).__name__)
    said: str = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    if not said:
        raise ValidationError("{what}: the text is empty; write the remark; nothing was saved", what=what)
    if len(said) > MAX_TEXT:
        raise ValidationError("{what}: the text has {length} characters; a comment holds at most {limit}; shorten "
                              "it; nothing was saved", what=what, length=len(said), limit=MAX_TEXT)
    for position, char in enumerate(said, 1):
        if char != "\n" and unicodedata.category(char) in ("Cc", "Cf", "Cs", "Co", "Zl", "Zp"):
            raise ValidationError("{what}: the text holds a control character ({code}) at character {position}; "
                                  "only line breaks are allowed; remove it; nothing was saved",
                                  what=what, code="U+" + format(ord(char), "04X"), position=position)
    return said


def comment_target(row: InstanceRow, ready: list[TaskView], events: list[EventRow],
                   ref: str | None) -> tuple[str, str] | None:
    """(BPMN id, UUID) of the task a reference names (BPMN id, UUID or a unique start of it): a ready task, else a
    completed step of the instance (the latest completion of that id); None for the whole instance."""
    if ref is None:
        return None
    needle = ref.strip().lower()
    by_id = [t for t in ready if t.task == ref]
    if len(by_id) > 1:
        raise TaskStateError("Instance {instance} has {count} ready tasks '{ref}'; name one by its UUID: {ids}; "
                             "nothing was saved", instance=row.id, count=len(by_id), ref=ref,
                             ids=", ".join(t.id for t in by_id))
    if len(by_id) == 1:
        return by_id[0].task, by_id[0].id
    done = [(str(e.task), str(e.task_uuid)) for e in events if e.type == "task-completed" and e.task and e.task_uuid]
    named = [d for d in done if d[0] == ref]
    if named:
        return named[-1]
    prefixed = list(dict.fromkeys([*((t.task, t.id) for t in ready), *done]))
    prefixed = [d for d in prefixed if len(needle) >= 4 and d[1].startswith(needle)]
    if len(prefixed) == 1:
        return prefixed[0]
    if prefixed:
        raise TaskStateError("Instance {instance}: '{ref}' is the start of several task UUIDs; give more of it; "
                             "nothing was saved", instance=row.id, ref=ref)
    listing = ", ".join(dict.fromkeys(f"'{t.task}'" for t in ready)) or N_("none")
    completed = ", ".join(dict.fromkeys(f"'{d[0]}'" for d in done)) or N_("none")
    raise NoTaskError("Instance {instance} has no task '{ref}' to comment on (ready: {listing}; completed: "
                      "{completed}); name one of them, or leave the task out to comment on the whole instance; "
                      "nothing was saved", instance=row.id, ref=ref, listing=listing, completed=completed)


def add_comment(context: EngineContext, instance: int, text: str, *, task: str | None,
                file: str | None) -> CommentView:
    """Write a comment (and store its file) in one transaction: a chained event that changes no workflow."""
    from engine.runtime.workflow import state_from_bytes
    from engine.service.attaching import discarding, scan_attachments, store_files
    from engine.service.reading import check_readable
    from engine.service.transition import Happened, advance

    what = N_("Comment on instance {instance}", instance=instance)
    text = comment_text(text, what)
    store = context.require_instances(instance)
    check_readable(context, instance)  # who may read the instance may comment on it; others find no instance
    login = context.acting(None)
    placed = scan_attachments(FILE_SCHEMA, [(FILE_FIELD, file)], what, store.file_stage(),
                              shown_as="--file {path}") if file else []
    with discarding(placed), store.transaction() as tx:
        row = tx.lock_instance(instance)
        if row is None:  # gone meanwhile
            raise NoInstanceError("No instance {instance} in store '{db}'; list them with `sop instances`",
                                  instance=instance, db=store_label(context.db))
        ready = tx.ready_tasks(instance)
        target = comment_target(row, ready, tx.events(instance), task)
        data: dict[str, Any] = {"text": text}
        if placed:
            s = placed[0].scanned
            data[FILE_FIELD] = {"name": s.name, "media_type": s.media_type, "size": s.size, "sha256": s.sha256}
        version = context.pinned.of(row, tx.get_version)
        workflow = context.warm.take(row) or state_from_bytes(row.state, context.pinned.spec(row.version,
                                                                                             version.spec))
        if target is not None and not _in_tree(workflow, target):
            raise NoTaskError("Instance {instance}: task '{ref}' ({uuid}) is not in its workflow any more (moved to "
                              "another version); comment on the whole instance instead; nothing was saved",
                              instance=instance, ref=target[0], uuid=target[1])
        now = context.clock()
        task_id, task_uuid = target or (None, None)
        done = advance(tx, row, workflow, [Happened(COMMENT_EVENT, task_id, task_uuid, data)],
                       context.change(login, now, ready),
                       stranded=N_("{what} would leave instance {instance}", what=what, instance=instance))
        seq = done.row.last_seq
        stored = store_files(tx, FILE_SCHEMA, data, placed, (instance, seq, task_id or ""),
                             now=now, what=what) if placed else []
    context.warm.keep(done.row, workflow)
    names = _step_names(context, done.row)
    attached = _file_view(stored[0]) if stored else None
    return CommentView(instance, seq, now, task_id, task_uuid, names.get(task_id, task_id) if task_id else "", login,
                       context.operator, text, attached)


def comments(context: EngineContext, instance: int) -> list[CommentView]:
    """The instance's comments, oldest first, each with the name of the task it names and its file."""
    store = context.store()
    row = context.instance_row(instance)
    events = [e for e in store.events(instance) if e.type == COMMENT_EVENT]
    if not events:
        return []
    names = _step_names(context, row)
    files = {a.seq: _file_view(a) for a in store.attachments(instance) if a.field == FILE_FIELD}
    out = []
    for e in events:
        try:
            data = json.loads(e.data)
        except ValueError:
            data = {}
        text = data.get("text") if isinstance(data, dict) else None
        out.append(CommentView(instance, e.seq, e.time, e.task, e.task_uuid, names.get(e.task or "", e.task or ""),
                               e.actor, e.operator, text if isinstance(text, str) else "", files.get(e.seq)))
    return out


def _in_tree(workflow: Any, target: tuple[str, str]) -> bool:
    """True when the workflow holds a task of that UUID with that BPMN id (what replay checks again)."""
    from engine.runtime.workflow import task_by_uuid

    found = task_by_uuid(workflow, target[1])
    return found is not None and found.task_spec.bpmn_id == target[0]


def _step_names(context: EngineContext, row: InstanceRow) -> dict[str, str]:
    """BPMN id -> name of the steps of the instance's pinned diagram."""
    from engine.audit.records import step_names

    version = context.pinned.of(row, context.store().get_version)
    return {bpmn_id: name for bpmn_id, (name, _) in step_names(version.spec).items()}


def _file_view(row: Any) -> AttachmentView:
    return AttachmentView(row.instance_id, row.seq, row.task, row.field, row.position, row.name, row.media_type,
                          row.size, row.sha256)
