"""`sop delegate`: while an official is away, another person acts in their lanes (Plh./Plt.); list and end them."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from .context import engine_of
from .render import emit_json, emit_json_list, message, table
from .words import N_

if TYPE_CHECKING:
    from engine import Delegation, Engine


@click.command()
@click.argument("giver", metavar="FROM", required=False)
@click.argument("taker", metavar="TO", required=False)
@click.option("--from", "start", metavar="DATE",
              help="First day (or day and time, e.g. '2026-12-24 13:00'), office time.")
@click.option("--until", metavar="DATE", help="Last day, inclusive to its end (or a day and time it stops).")
@click.option("--process", metavar="PROCESS", help="Only in this process (default: every process).")
@click.option("--lane", metavar="LANE", help="Only this lane of FROM (default: all of FROM's lanes).")
@click.option("--kind", type=click.Choice(["plh", "plt"]), default="plh", show_default=True,
              help="Plh. (Pelaksana Harian, a short absence) or Plt. (Pelaksana Tugas).")
@click.option("--list", "listing", is_flag=True, help="List the delegations in force and planned.")
@click.option("--end", "end", type=int, metavar="ID", help="End delegation ID now, before its --until.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON: the delegation(s) as {\"id\", \"from\", \"to\", "
                                                      "\"start\", \"until\", \"process\", \"lane\", \"kind\", ...}.")
@click.pass_context
def delegate(ctx: click.Context, *, giver: str | None, taker: str | None, start: str | None, until: str | None,
             process: str | None, lane: str | None, kind: str, listing: bool, end: int | None, as_json: bool) -> None:
    """Let TO act in FROM's lanes while FROM is away (an operator for anyone, a person for their own lanes).

    Example: sop delegate kadis sekretaris --from 2026-12-21 --until 2026-12-24; sop delegate --list;
    sop delegate --end 7
    """
    engine = engine_of(ctx)
    if listing or end is not None:
        if giver or taker or start or until or process or lane or (listing and end is not None):
            raise click.UsageError("--list and --end take no FROM, TO or other options; give one of them alone")
        if end is not None:
            ended = engine.people.end_delegation(end)
            _said(engine, ended, as_json, N_("Delegation {id} is ended: {to} no longer acts for {giver}."))
            return
        _listing(engine, engine.people.delegations(), as_json)
        return
    if not giver or not taker or not start or not until:
        raise click.UsageError("give FROM and TO logins with --from DATE and --until DATE, e.g. sop delegate kadis "
                               "sekretaris --from 2026-12-21 --until 2026-12-24 (or --list, or --end ID)")
    made = engine.people.delegate(giver, taker, start=start, until=until, process=process, lane=lane, kind=kind)
    _said(engine, made, as_json, N_("Delegation {id}: {to} acts for {giver} from {start} to {until}."))


def _said(engine: Engine, found: Delegation, as_json: bool, template: str) -> None:
    if as_json:
        emit_json(found.to_json())
        return
    local = engine.time.local_times().text
    message(N_(template, id=found.seq, to=_person(engine, found.taker), giver=_person(engine, found.giver),
               start=local(found.start), until=local(found.until)))


def _listing(engine: Engine, found: tuple[Delegation, ...], as_json: bool) -> None:
    if as_json:
        emit_json_list([d.to_json() for d in found])
        return
    if not found:
        message(N_("No delegation is in force or planned."))
        return
    local = engine.time.local_times().text
    click.echo(table(["id", "kind", "from", "to", "start", "until", "process", "lane"],
                     [(d.seq, d.title, _person(engine, d.giver), _person(engine, d.taker), local(d.start),
                       local(d.stop), d.process or "-", d.lane or "-") for d in found]))


def _person(engine: Engine, login: str) -> str:
    roles = engine.people.roles
    person = roles.people.get(login) if roles is not None else None
    return f"{person.name} ({login})" if person is not None else login
