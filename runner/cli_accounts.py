"""`sop accounts`: the sign-ins of `sop serve` people, as an operator sees and ends them."""

from __future__ import annotations

import click

from .context import engine_of
from .render import emit_json, message
from .words import N_


@click.group()
def accounts() -> None:
    """The sign-ins of `sop serve`: when a person's sessions were ended, and ending them. Example: sop accounts
    sessions kadis --end"""


@accounts.command("sessions")
@click.argument("login")
@click.option("--end", is_flag=True, help="End every session of LOGIN now (signed out everywhere).")
@click.option("--json", "as_json", is_flag=True, help='Print {"login", "ended_at"} (null: never ended).')
@click.pass_context
def sessions(ctx: click.Context, *, login: str, end: bool, as_json: bool) -> None:
    """Say when LOGIN's sessions were last ended, or end them all now (yours, or anyone's as an operator).

    Example: sop accounts sessions kadis --end
    """
    people = engine_of(ctx).people
    ended = people.end_sessions(login) if end else people.sessions_ended(login)
    if as_json:
        emit_json({"login": login, "ended_at": ended})
    elif end:
        message(N_("Every session of '{login}' is ended; they sign in again.", login=login))
    elif ended is None:
        message(N_("The sessions of '{login}' were never ended: they end at sign-out, after the time limits, or "
                   "with --end.", login=login))
    else:
        from engine import office_times

        local = office_times(ctx.find_root().obj["definitions"]).text(ended, seconds=True)
        message(N_("The sessions of '{login}' were last ended at {when}.", login=login, when=local))


@accounts.command("throttles")
@click.option("--clear", "clear", metavar="LOGIN", help="Forget LOGIN's failed sign-ins (an operator).")
@click.option("--json", "as_json", is_flag=True, help='Print a JSON list of {"login", "address", "failures", '
                                                      '"last"} (address "": the login from everywhere).')
@click.pass_context
def throttles(ctx: click.Context, *, clear: str | None, as_json: bool) -> None:
    """List the sign-ins slowed by failed attempts in the last hour, or clear a login's.

    Example: sop accounts throttles; sop accounts throttles --clear kadis
    """
    people = engine_of(ctx).people
    if clear is not None:
        forgotten = people.clear_throttles(clear)
        message(N_("Forgot {count} failed sign-in(s) of '{login}'.", count=forgotten, login=clear))
        return
    found = people.throttles()
    if as_json:
        from .render import emit_json_list

        emit_json_list([{"login": login, "address": address, "failures": count, "last": last}
                        for login, address, count, last in found])
        return
    if not found:
        message("No sign-in is slowed: no failed attempt in the last hour.")
        return
    from engine import office_times

    from .render import table

    local = office_times(ctx.find_root().obj["definitions"]).text
    rows = [(login, address or "*", count, local(last, seconds=True)) for login, address, count, last in found]
    click.echo(table(["login", "address", "failures", "last"], rows))
