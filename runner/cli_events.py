"""`sop events`: what committed changes did (the outbox), in order, after a consumer's cursor or a position."""

from __future__ import annotations

import click

from .context import engine_of
from .render import emit_json_list, message, table
from .words import N_, fixed_text

# The events' kinds as people read them (scripts read the kinds themselves in --json).
KIND_WORDS = {
    "instance-started": N_("instance started"), "task-ready": N_("task ready"), "task-claimed": N_("task claimed"),
    "task-released": N_("claim released"), "task-completed": N_("task completed"),
    "instance-completed": N_("instance completed"), "task-overdue": N_("task overdue"),
    "task-due-soon": N_("task due soon"), "task-returned": N_("task returned for revision"),
    "comment-added": N_("comment added"),
    "timer-fired": N_("timer fired"), "instance-migrated": N_("instance moved to another version"),
}


@click.command()
@click.option("--consumer", metavar="NAME", help="Read the events after this consumer's cursor (where it last "
                                                 "acknowledged); a new consumer starts at the first event.")
@click.option("--since", type=click.IntRange(min=0), metavar="N", help="Read the events after position N, without a "
                                                                       "cursor.")
@click.option("--limit", type=click.IntRange(1, 1000), default=100, show_default=True, metavar="N",
              help="Read at most N events.")
@click.option("--ack", is_flag=True, help="Then move --consumer's cursor past the events listed (acknowledge them): "
              "for a reader that has nothing more to do with them than to read them.")
@click.option("--ack-to", "ack_to", type=click.IntRange(min=1), metavar="N",
              help="Only move --consumer's cursor to position N, listing nothing: after a worker has handled the "
                   "events up to N (read, handle, then acknowledge: nothing that came in between is skipped).")
@click.option("--json", "as_json", is_flag=True,
              help='Print a JSON list of {"position", "kind", "instance", "task", "task_uuid", "lane", "actor", '
                   '"time", "data"}.')
@click.pass_context
def events(ctx: click.Context, *, consumer: str | None, since: int | None, limit: int, ack: bool,
           ack_to: int | None, as_json: bool) -> None:
    """List what committed changes did, oldest first, for work that runs after them (a notice, a webhook).

    Example: sop events --consumer notifikasi --json; sop events --consumer notifikasi --ack-to 42
    """
    if consumer is not None and since is not None:
        raise click.UsageError("give --consumer (read after its cursor) or --since, not both")
    if (ack or ack_to is not None) and consumer is None:
        raise click.UsageError("--ack and --ack-to move a consumer's cursor: give --consumer NAME")
    if ack and ack_to is not None:
        raise click.UsageError("give --ack (the events listed) or --ack-to N (up to position N), not both")
    engine = engine_of(ctx)
    if ack_to is not None and consumer is not None:
        position = engine.acknowledge(consumer=consumer, position=ack_to)
        message(N_("Consumer '{consumer}' acknowledged the events up to {position}.", consumer=consumer,
                   position=position))
        return
    found = engine.events(consumer=consumer, since=since, limit=limit)
    if as_json:
        emit_json_list([e.to_json() for e in found])
    elif found:
        local = engine.time.local_times().text
        click.echo(table(["#", "time", "event", "instance", "task", "lane", "actor"],
                         [(e.position, local(e.time, seconds=True), fixed_text(KIND_WORDS.get(e.kind, e.kind)),
                           e.instance, e.task, e.lane, e.actor) for e in found]))
    elif consumer is not None:
        message(N_("No new events for consumer '{consumer}'.", consumer=consumer))
    else:
        message("No events.")
    if ack and found and consumer is not None:
        position = engine.acknowledge(consumer=consumer, position=found[-1].position)
        message(N_("Consumer '{consumer}' acknowledged the events up to {position}.", consumer=consumer,
                   position=position))
