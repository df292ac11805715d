"""`sop setup`: a new store ready for `sop serve` in one command (the store, the roles pinned, your password)."""

from __future__ import annotations

import sys

import click

from .context import engine_of
from .render import message
from .words import N_, translate


@click.command()
@click.option("--password-stdin", is_flag=True, help="Read your password from one line of stdin instead of asking.")
@click.option("--add-me", "add_me", metavar="NAME",
              help="First add your OS account to the roles file as an operator with this name (no lane).")
@click.pass_context
def setup(ctx: click.Context, password_stdin: bool, add_me: str | None) -> None:
    """Create the store, pin the roles file and set your password (you: an operator of the roles file), once.

    Example: sop setup --add-me "Petugas TU"
    """
    engine = engine_of(ctx)
    if add_me is not None and not add_me.strip():
        raise click.BadParameter(N_("give the name people read for you, e.g. \"Petugas TU\""), param_hint="--add-me")
    engine.people.check_set_up(applier=add_me is None)
    login = engine.operator
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise click.UsageError(N_("--password-stdin read no password: give it on the first line of stdin"))
    else:
        password = click.prompt(translate(N_("New password for {login}", login=login)), hide_input=True,
                                confirmation_prompt=translate("Repeat the password"))
    applied = engine.people.set_up(password=password, add_me=add_me)
    if add_me is not None:
        message(N_("Added '{login}' to {path} as an operator.", login=login, path=applied.event.source))
    message(N_("Set up: roles version {version} ({people} people) pinned as roles event {seq}, and the password of "
               "'{login}' set. Next, a password for each official (`sop passwd LOGIN`), then `sop serve`.",
               version=applied.event.version[:12], people=applied.people, seq=applied.event.seq, login=login))
