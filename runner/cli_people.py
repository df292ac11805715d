"""`sop passwd`, `sop claim`, `sop release`: a person's password for `sop serve`, and taking a ready task."""

from __future__ import annotations

import sys

import click

from .context import INSTANCE_ID, complete_task, engine_of
from .render import emit_json, message
from .words import N_, translate


@click.command()
@click.argument("login")
@click.option("--password-stdin", is_flag=True, help="Read the password from one line of stdin instead of asking.")
@click.pass_context
def passwd(ctx: click.Context, login: str, password_stdin: bool) -> None:
    """Set a person's password for `sop serve`: your own, or anyone's as an operator. Example: sop passwd kadis"""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise click.UsageError("--password-stdin read no password: give it on the first line of stdin")
    else:
        password = click.prompt(translate(N_("New password for {login}", login=login)), hide_input=True,
                                confirmation_prompt=translate("Repeat the password"))
    engine_of(ctx).people.set_password(login, password)
    message(f"The password of '{login}' is set; they sign in to `sop serve` with it.")


@click.command()
@click.argument("instance", type=INSTANCE_ID)
@click.argument("task", shell_complete=complete_task)
@click.option("--as", "actor", metavar="NAME", help="The person taking it (default: your OS login).")
@click.option("--json", "as_json", is_flag=True, help="Print the task as JSON, with claimed_by and claimed_at.")
@click.pass_context
def claim(ctx: click.Context, instance: int, task: str, actor: str | None, as_json: bool) -> None:
    """Take a ready task of your lane, so the others of the lane see who has it. Example: sop claim 1 {task}"""
    view = engine_of(ctx).instance(instance).claim(task, actor=actor)
    if as_json:
        emit_json(view.to_json())
        return
    message(f"Instance {instance} task '{view.task}' is claimed by {view.claimed_by} since {view.claimed_at}.")


@click.command()
@click.argument("instance", type=INSTANCE_ID)
@click.argument("task", shell_complete=complete_task)
@click.option("--as", "actor", metavar="NAME", help="The person releasing it (default: your OS login).")
@click.option("--json", "as_json", is_flag=True, help="Print the task as JSON.")
@click.pass_context
def release(ctx: click.Context, instance: int, task: str, actor: str | None, as_json: bool) -> None:
    """Give back a claimed task (its claimer or an operator) for its lane to take. Example: sop release 1 {task}"""
    view = engine_of(ctx).instance(instance).release(task, actor=actor)
    if as_json:
        emit_json(view.to_json())
        return
    message(f"Instance {instance} task '{view.task}' is released; anyone of lane '{view.lane}' may take it.")
