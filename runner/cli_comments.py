"""`sop comment`: write a remark on an instance or on one of its tasks, with an optional file."""

from __future__ import annotations

import click

from .context import INSTANCE_ID, complete_task, engine_of
from .render import emit_json, message
from .words import N_


@click.command()
@click.argument("instance", type=INSTANCE_ID)
@click.argument("task", required=False, shell_complete=complete_task)
@click.option("--text", required=True, metavar="TEXT", help="The remark (at most 4000 characters; line breaks kept).")
@click.option("--file", "file", metavar="PATH", help="A file to go with it (PDF, picture, text or office document).")
@click.option("--json", "as_json", is_flag=True, help="Print the comment's event as JSON, with its hash.")
@click.pass_context
def comment(ctx: click.Context, instance: int, task: str | None, *, text: str, file: str | None,
            as_json: bool) -> None:
    """Write a remark on an instance, or on one of its tasks. Example: sop comment 1 {task} --text 'Mohon dicek'"""
    handle = engine_of(ctx).instance(instance)
    said = handle.comment(text, task=task, file=file)
    if as_json:
        from engine import event_json

        emit_json(next(event_json(e) for e in handle.history()[1] if e.seq == said.seq))
        return
    if said.task is None:
        message(N_("Comment {seq} written on instance {instance}.", seq=said.seq, instance=instance))
    else:
        message(N_("Comment {seq} written on task '{task}' of instance {instance}.", seq=said.seq, task=said.task,
                   instance=instance))
