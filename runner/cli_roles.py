"""`sop roles`: who acts in which lane, from the roles file; warnings for lanes no deployed process has."""

from __future__ import annotations

from typing import Any

import click

from .render import emit_json_list, message, table
from .words import fixed_text


def warn_unknown_lanes(ctx: click.Context, lanes: set[str]) -> None:
    """Warn (stderr) about lanes the roles file names that no process in the definitions has."""
    from .context import engine_of

    engine = engine_of(ctx)
    if engine.roles is None:
        return
    for lane in engine.roles.unknown_lanes(lanes):
        message(f"Warning: {engine.roles.source} names lane '{lane}', which no process in the definitions has; "
                "check its spelling against the diagrams' lanes")


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list of people.")
@click.pass_context
def roles(ctx: click.Context, as_json: bool) -> None:
    """List the people of the roles file with their lanes; say who you are. Example: sop roles"""
    from .context import engine_of

    engine = engine_of(ctx)
    if engine.roles is None:
        message("Single-user mode: no roles file (roles.yaml in the definitions folder, or --roles); "
                "anyone may complete any step.")
        return
    people: list[Any] = sorted(engine.roles.people.values(), key=lambda p: p.login)
    if as_json:
        emit_json_list([{"login": p.login, "name": p.name, "nip": p.nip, "lanes": list(p.lanes),
                         "operator": p.operator} for p in people])
    else:
        click.echo(table(["login", "name", "nip", "lanes", "operator"],
                         [(p.login, p.name, p.nip, ", ".join(p.lanes), fixed_text("yes") if p.operator else "")
                          for p in people]))
        me = engine.roles.people.get(engine.operator)
        message(f"You are {engine.operator}" + (f" ({me.name}; lanes: {', '.join(me.lanes) or 'none'})." if me
                                                 else ", who is not in the roles file."))
    infos, _ = engine.processes()
    warn_unknown_lanes(ctx, {lane for p in infos for lane in p.lanes})
