"""`sop return`: send an instance back from a ready step to an earlier one for revision, with the reason."""

from __future__ import annotations

import click

from .context import INSTANCE_ID, complete_task, engine_of
from .render import emit_json, message


@click.command("return")
@click.argument("instance", type=INSTANCE_ID)
@click.argument("task", shell_complete=complete_task)
@click.option("--to", "to", metavar="STEP", help="The earlier step to send it back to (its id); leave it out to "
                                                 "list the steps it may go back to.")
@click.option("--reason", metavar="TEXT", help="What must be revised (required with --to).")
@click.option("--as", "actor", metavar="NAME", help="The person sending it back (default: your OS login).")
@click.option("--json", "as_json", is_flag=True, help="Print the reopened task as JSON (or the choices without --to).")
@click.pass_context
def return_command(ctx: click.Context, *, instance: int, task: str, to: str | None, reason: str | None,
                   actor: str | None, as_json: bool) -> None:
    """Send a ready step's instance back to an earlier step for revision. Example: sop return 1 {task} --to STEP
    --reason TEXT"""
    handle = engine_of(ctx).instance(instance)
    if to is None:
        choices = handle.return_choices(task)
        if as_json:
            emit_json([c._asdict() for c in choices])
            return
        if not choices:
            message(f"Instance {instance} task '{task}' has no earlier step it may be sent back to.")
            return
        for choice in choices:
            click.echo(f"{choice.task}\t{choice.name}")
        return
    if reason is None:
        raise click.UsageError("give the reason with --reason TEXT (what must be revised)")
    view = handle.send_back(task, to=to, reason=reason, actor=actor)
    if as_json:
        emit_json(view.to_json())
        return
    step, name, lane = view.task, view.name, view.lane
    message(f"Instance {instance} is sent back to '{step}' ({name}) for revision; it is ready again for lane "
            f"'{lane}'.")
