"""`sop processes --versions` and `sop migrate`: which versions run where, and moving instances between them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from .render import emit_json, emit_json_list, message, say, table
from .words import N_, fixed_text

if TYPE_CHECKING:
    from engine import Engine


def print_versions(engine: Engine, as_json: bool) -> list[str]:
    """Print each process's versions (hash, first seen, instances running); returns the folder's problems."""

    versions, problems = engine.processes.versions()
    if as_json:
        emit_json_list([v.to_json() for v in versions])
    elif versions:
        click.echo(table(["process", "version", "first_seen", "running", "instances", "current"],
                         [(v.process, v.version[:12], engine.time.local_times().text(v.first_seen) if v.first_seen
                           else fixed_text("(not used yet)"), v.running, v.instances,
                           fixed_text("yes") if v.current else "") for v in versions]))
    else:
        message("No versions: the store has none and the definitions folder holds no runnable process.")
    return problems


@click.command()
@click.argument("instance", type=click.IntRange(1, 2**63 - 1), required=False)
@click.option("--to", "to", metavar="HASH", help="Target version (a hash or its first 6+ characters); default: "
              "the version the definitions folder holds now.")
@click.option("--all-from", "all_from", metavar="HASH", help="Move every running instance of this version.")
@click.option("--dry-run", is_flag=True, help="Show the plan (steps added, removed, changed; tasks after) only.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list of {instance, from, to, migrated, ...}.")
@click.pass_context
def migrate(ctx: click.Context, *, instance: int | None, to: str | None, all_from: str | None, dry_run: bool,
            as_json: bool) -> None:
    """Move running instances to another version of their process when it is safe. Example: sop migrate 1 --dry-run"""
    from .context import engine_of

    if (instance is None) == (all_from is None):
        raise click.UsageError("give either INSTANCE or --all-from HASH")
    engine = engine_of(ctx)
    if all_from is not None:
        results = engine.instances.migrate_all(all_from, to=to, dry_run=dry_run)
    else:
        results = [engine.instance(instance).migrate(to=to, dry_run=dry_run)]  # type: ignore[arg-type]
    if as_json:
        emit_json([r.to_json() for r in results])
    else:
        for result in results:
            _describe(result, engine.time.local_times(), engine.time.duration_words)
        if all_from is not None and len(results) > 1:
            _summary(results)
        if not results:
            message(N_("No running instance is on version {version}.", version=all_from))
    if any(r.problems for r in results):
        raise SystemExit(1)


def _describe(r: Any, times: Any, words: Any) -> None:
    if r.up_to_date:
        message(N_("Instance {instance} ({process}) is already on version {version}; nothing to do.",
                   instance=r.instance, process=r.process, version=r.to_version[:12]))
        return
    move = N_("instance {instance} ({process}) from {from_version} to {to_version}",
              instance=r.instance, process=r.process, from_version=r.from_version[:12], to_version=r.to_version[:12])
    if r.problems:
        message(N_("Error: refused: {move}; nothing was changed:", move=move))
        for problem in r.problems:
            message(N_("  - {problem}", problem=problem))
        return
    say(N_("Would move {move}.", move=move) if r.dry_run else N_("Moved {move}.", move=move))
    for change in r.changes:
        say(N_("  - {change}", change=change))
    if r.tasks:
        names = ", ".join(f"'{name}'" for name in dict.fromkeys(t.name for t in r.tasks))
        say(N_("  ready after the move: {names}", names=names))
        for t in r.tasks:  # in the process owner's words: no form file, no ISO duration
            say(N_("    '{name}' ({lane}): Mutu Baku {sla}, due {due}", name=t.name, lane=t.lane or "-",
                   sla=words(t.sla) if t.sla else "-", due=times.text(t.due) if t.due else "-"))


def _summary(results: list[Any]) -> None:
    """For several requests: how many can move, and how many are at each step."""
    from engine import migration_plan_words

    words = migration_plan_words(results)
    say(N_("In all: {movable} of {requests} request(s) can move.", movable=words.movable, requests=words.requests))
    for sentence in words.sentences[:len(words.at_step)]:
        say(N_("  - {change}", change=sentence))
