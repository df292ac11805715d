"""`sop roles`: who acts in which lane under the roles in force; `sop roles apply` pins the roles file in the store."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from .recoveries import tell_recoveries
from .render import emit_json, emit_json_list, message, say, table
from .words import N_, fixed_text

if TYPE_CHECKING:
    from engine import Engine


def warn_unknown_lanes(ctx: click.Context, lanes: set[str], processes: set[str] | None = None) -> None:
    """Warn (stderr) about lanes the roles in force name that no process in the definitions has, and (given the
    processes) about process owners of a process the definitions do not have."""
    from .context import engine_of

    roles = engine_of(ctx).people.roles
    if roles is None:
        return
    for lane in roles.unknown_lanes(lanes):
        message(N_("Warning: {described} names lane '{lane}', which no process in the definitions has; check its "
                   "spelling against the diagrams' lanes", described=roles.described, lane=lane))
    for login, process in roles.unknown_processes(processes) if processes is not None else ():
        message(N_("Warning: {described} makes {login} the owner of process '{process}', which the definitions do "
                   "not have; check its spelling (a new SOP's owner may write it from the web page)",
                   described=roles.described, login=login, process=process))


def warn_roles_drift(engine: Engine) -> None:
    """Say (stderr) when the roles file differs from the roles version pinned in the store, which is enforced."""
    from engine import EngineError

    try:
        text = engine.people.roles_status().drift_message()
    except EngineError as exc:  # a broken roles file: what is pinned is still enforced
        text = N_("Warning: {problem}", problem=exc)
    if text:
        message(text)


@click.group(invoke_without_command=True)
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list of people.")
@click.pass_context
def roles(ctx: click.Context, as_json: bool) -> None:
    """List the people of the roles in force with their lanes; say who you are. Example: sop roles"""
    if ctx.invoked_subcommand is not None:
        return
    from .context import engine_of

    engine = engine_of(ctx)
    in_force = engine.people.roles
    if in_force is None:
        message(N_("Single-user mode: no roles file (roles.yaml in the definitions folder, or --roles); "
                   "anyone may complete any step."))
        return
    people: list[Any] = sorted(in_force.people.values(), key=lambda p: p.login)
    if as_json:
        emit_json_list([{"login": p.login, "name": p.name, "nip": p.nip, "lanes": list(p.lanes),
                         "operator": p.operator} for p in people])
    else:
        click.echo(table(["login", "name", "nip", "lanes", "operator"],
                         [(p.login, p.name, p.nip, ", ".join(p.lanes), fixed_text("yes") if p.operator else "")
                          for p in people]))
        me = in_force.people.get(engine.operator)
        if me is not None:
            message(N_("You are {login} ({name}; lanes: {lanes}).", login=engine.operator, name=me.name,
                       lanes=", ".join(me.lanes) or fixed_text("none")))
        else:
            message(N_("You are {login}, who is not in the roles file.", login=engine.operator))
        status = engine.people.roles_status()
        if status.pinned is None:
            message(N_("Roles from {described}, not pinned in the store yet: `sop roles apply` pins them.",
                       described=in_force.described))
        else:
            message(N_("Enforced: {described}.", described=in_force.described))
        tell_recoveries(engine)
    warn_roles_drift(engine)
    infos, _ = engine.processes.runnable()
    warn_unknown_lanes(ctx, {lane for p in infos for lane in p.lanes}, {p.id for p in infos})


@roles.command("apply")
@click.option("--json", "as_json", is_flag=True,
              help='Print {"version", "seq", "changed", "people", "source", "actor", "time", "hash"}.')
@click.option("--recover", is_flag=True,
              help="As the OS account owning the store file, pin the file even though no operator of the roles in "
                   "force is present (recorded as a recovery).")
@click.pass_context
def apply_command(ctx: click.Context, as_json: bool, recover: bool) -> None:
    """Pin the roles file's current content in the store as the roles in force (an audited event; nothing
    happens when it is unchanged). Example: sop --roles definitions/roles.yaml roles apply"""
    from .context import engine_of

    engine = engine_of(ctx)
    applied = engine.people.apply_roles(recover=recover)
    event = applied.event
    if as_json:
        emit_json({"version": event.version, "seq": event.seq, "changed": applied.changed, "people": applied.people,
                   "source": event.source, "actor": event.actor, "time": event.time, "hash": event.hash})
    elif applied.changed:
        say(N_("Applied roles version {version} ({people} people, from {source}) as roles event {seq} by {actor} at "
               "{time}; it is enforced from now on.", version=event.version[:12], people=applied.people,
               source=event.source, seq=event.seq, actor=event.actor, time=event.time))
    else:
        say(N_("Roles version {version} is already in force (roles event {seq}, applied by {actor} at {time}); "
               "nothing was changed.", version=event.version[:12], seq=event.seq, actor=event.actor,
               time=event.time))
    infos, _ = engine.processes.runnable()
    warn_unknown_lanes(ctx, {lane for p in infos for lane in p.lanes}, {p.id for p in infos})
