"""`sop notify` (make notices from the outbox and send them: once, or as a service with --follow) and `sop notices`
(what was sent, what waits, what failed and why)."""

from __future__ import annotations

import signal
import threading
from typing import Any

import click

from .render import emit_json, emit_json_list, message, table
from .words import N_, fixed_text

# The events and states of notices as people read them (scripts read the kinds themselves in --json).
KIND_WORDS = {"task-ready": N_("task ready"), "task-due-soon": N_("task due soon"), "task-overdue": N_("task overdue"),
              "instance-completed": N_("instance completed"), "task-returned": N_("task returned for revision")}
STATE_WORDS = {"waiting": N_("waiting"), "sending": N_("sending"), "sent": N_("sent"), "failed": N_("failed")}


def _fresh_engine(ctx: click.Context) -> Any:
    """An Engine for one pass (a long-running worker reads the roles in force afresh each pass)."""
    from engine import Engine, find_roles

    obj = ctx.find_root().obj
    return Engine(obj["db"], definitions_dir=obj["definitions"], forms_dir=obj["forms"],
                  roles=find_roles(obj["roles"], obj["definitions"]))


def _pass(ctx: click.Context, limit: int) -> Any:
    engine = _fresh_engine(ctx)
    try:
        return engine.notices.notify(limit=limit)
    finally:
        engine.close()


def _report(result: Any, as_json: bool) -> None:
    if as_json:
        emit_json(result.to_json())
    else:
        message(N_("Notices: {events} events read, {made} notices made, {sent} sent, {retrying} to try again, "
                   "{failed} failed.", events=result.events, made=result.made, sent=result.sent,
                   retrying=result.retrying, failed=result.failed))


@click.command()
@click.option("--follow", is_flag=True, help="Keep running: a pass, then a pause, until stopped (SIGTERM or "
                                             "Ctrl-C end it cleanly after the notice in hand).")
@click.option("--every", type=click.IntRange(1, 3600), default=30, show_default=True, metavar="SECONDS",
              help="With --follow, the pause between passes.")
@click.option("--limit", type=click.IntRange(1, 1000), default=1000, show_default=True, metavar="N",
              help="Handle at most N events and send at most N notices per pass.")
@click.option("--json", "as_json", is_flag=True,
              help='Print {"events", "made", "sent", "retrying", "failed"} for each pass.')
@click.pass_context
def notify(ctx: click.Context, *, follow: bool, every: int, limit: int, as_json: bool) -> None:
    """Make notices from what changed (tasks ready, due soon, overdue or returned, requests finished) and send them by
    e-mail, WhatsApp and webhook, as configured by SOP_SMTP_URL, SOP_WHATSAPP_TOKEN, SOP_WEBHOOK_URL and
    SOP_BASE_URL.

    Example: sop notify; sop notify --follow --every 30 (as a service)
    """
    if not follow:
        _report(_pass(ctx, limit), as_json)
        return
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    from engine import StoreError

    message(N_("Sending notices every {every} seconds; stop with SIGTERM or Ctrl-C.", every=every))
    while not stop.is_set():
        try:
            result = _pass(ctx, limit)
        except StoreError as exc:  # a busy or restarting store: the next pass tries again
            from engine import translate

            message(f"{translate(exc)}")
        else:
            if result.events or result.sent or result.retrying or result.failed or as_json:
                _report(result, as_json)
        stop.wait(every)
    message(N_("Stopped sending notices."))


@click.command()
@click.option("--failed", "only_failed", is_flag=True, help="Only the notices that failed for good, with why.")
@click.option("--limit", type=click.IntRange(1, 1000), default=100, show_default=True, metavar="N",
              help="List at most N notices, the newest first.")
@click.option("--json", "as_json", is_flag=True,
              help='Print a JSON list of {"id", "position", "kind", "instance", "task", "login", "channel", '
                   '"address", "subject", "state", "tries", "next_try", "error", "created", "sent"}.')
@click.pass_context
def notices(ctx: click.Context, *, only_failed: bool, limit: int, as_json: bool) -> None:
    """List the notices made from the outbox, the newest first: to whom, on which channel, sent or not, and why a
    failed one failed (never a password or token).

    Example: sop notices --failed
    """
    from engine import translate

    from .context import engine_of

    engine = engine_of(ctx)
    found = engine.notices.listed(failed=only_failed, limit=limit)
    if as_json:
        emit_json_list([n.to_json() for n in found])
        return
    if not found:
        message(N_("No failed notices.") if only_failed else N_("No notices."))
        return
    local = engine.time.local_times().text
    click.echo(table(
        ["#", "made", "event", "instance", "task", "recipient", "channel", "address", "state", "tries", "error"],
        [(n.id, local(n.created), fixed_text(KIND_WORDS.get(n.kind, n.kind)), n.instance, n.task or "-", n.login,
          n.channel, n.address, fixed_text(STATE_WORDS.get(n.state, n.state)), n.tries,
          translate(n.error) if n.error else "-") for n in found]))
