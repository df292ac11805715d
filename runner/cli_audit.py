"""Audit commands: read an instance's history, replay it, verify instances or a bundle, export a bundle."""

from __future__ import annotations

from typing import Any

import click

from .render import emit_json, emit_json_list, message, say, table
from .words import N_, fixed_text, translate

INSTANCE_ID = click.IntRange(1, 2**63 - 1)


def _engine(ctx: click.Context) -> Any:
    from .context import engine_of

    return engine_of(ctx)


@click.command()
@click.argument("instance", type=INSTANCE_ID)
@click.option("--json", "as_json", is_flag=True, help="Print the full events with their hashes (a JSON list).")
@click.option("--csv", "as_csv", is_flag=True, help="Print CSV for a spreadsheet.")
@click.option("--audit", is_flag=True, help="Print logins and each artefact's data by key instead of names and words.")
@click.pass_context
def history(ctx: click.Context, instance: int, as_json: bool, as_csv: bool, audit: bool) -> None:
    """Show who did what, when, with which artefact. Example: sop history 1 --csv > riwayat.csv"""
    if as_json and as_csv:
        raise click.UsageError("give --json or --csv, not both")
    from engine import duration_text, event_json

    engine = _engine(ctx)
    rows, events = engine.instance(instance).history(summaries=audit)  # else the documents in words, not key=value
    if not (as_json or as_csv):  # a roles recovery during the instance's life, on stderr
        from .recoveries import tell_recoveries

        tell_recoveries(engine, rows[0].time if rows else "")
    if as_json:
        emit_json_list([{**event_json(e), "name": r.name, "lane": r.lane, "after_seconds": r.after,
                         "password_set_by": r.password_set_by, "acting_as": r.acting_as}
                        for r, e in zip(rows, events, strict=True)])
    elif as_csv:
        import csv
        import sys

        from engine import artefact_summary

        from .render import csv_cell

        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(["seq", "time", "type", "task", "step", "lane", "actor", "operator", "after_seconds",
                         "summary", "hash", "password_set_by"])
        for r, e in zip(rows, events, strict=True):  # the whole artefact, never cut; text cells made safe
            writer.writerow([r.seq, r.time, r.type, *map(csv_cell, (r.task or "", r.name, r.lane or "", r.actor,
                             r.operator)), "" if r.after is None else f"{r.after:.3f}",
                             csv_cell(artefact_summary(e.data, None)), e.hash, csv_cell(r.password_set_by or "")])
    elif not audit:
        from .render import history_table

        click.echo(history_table(rows, engine.instance(instance).document(events=events), engine.time.local_times()))
    else:
        local = engine.time.local_times().text
        click.echo(table(["#", "time", "step", "lane", "actor", "operator", "after", "summary"],
                         [(r.seq, local(r.time, seconds=True), fixed_text(r.name), r.lane,
                           f"{r.acting_as}: {r.actor}" if r.acting_as else r.actor, r.operator,
                           duration_text(r.after), _marked(fixed_text(r.summary), r.password_set_by)) for r in rows]))


def _marked(summary: str, setter: str | None) -> str:
    """A history row's summary, led by a mark when its operator signed in with a password an operator set."""
    if setter is None:
        return summary
    mark = translate(N_("(password set by operator {setter})", setter=setter))
    return f"{mark} {summary}" if summary else mark


@click.command()
@click.argument("instance", type=INSTANCE_ID)
@click.option("--until", type=click.IntRange(min=1), metavar="N", help="Show the instance as it stood after event N.")
@click.option("--json", "as_json", is_flag=True,
              help='Print {"instance", "events", "ok", "status", "tasks", "data", "divergence"}.')
@click.pass_context
def replay(ctx: click.Context, instance: int, until: int | None, as_json: bool) -> None:
    """Rebuild an instance from its pinned definition and events, and check it against the store.

    Example: sop replay 1 --until 5
    """
    outcome = _engine(ctx).instance(instance).replay(until=until)
    if as_json:
        emit_json({**outcome.to_json(), "until": until})
    else:
        where = N_("after event {until}",
                   until=until) if until else N_("after all {events} events", events=outcome.events)
        say(f"Instance {instance} by replay {where}: {outcome.status}")
        if outcome.tasks:
            click.echo(table(["task", "id", "name", "lane"],
                             [(t.task, t.id[:8], t.name, t.lane) for t in outcome.tasks]))
        if outcome.data and until is not None:
            import yaml

            say("Data:")
            text = yaml.safe_dump(outcome.data, allow_unicode=True, sort_keys=False, width=100)
            click.echo("\n".join("  " + line for line in text.splitlines()))
    if outcome.divergence is not None:
        d = outcome.divergence
        message(f"Error: instance {instance} diverges at event {d.event}: {d.message}")
        raise SystemExit(1)
    if until is None and not as_json:
        message(f"Replay matches the stored instance {instance}: each of its {outcome.events} events could happen "
                "when it did, and status, ready tasks and state are what they produce.")


@click.command()
@click.argument("instances", nargs=-1, type=INSTANCE_ID)
@click.option("--bundle", "bundle_path", metavar="FILE", help="Verify an exported bundle instead of the store.")
@click.option("--json", "as_json", is_flag=True,
              help='Print a JSON list of {"instance", "ok", "events", "head_hash", "problems"}.')
@click.pass_context
def verify(ctx: click.Context, instances: tuple[int, ...], bundle_path: str | None, as_json: bool) -> None:
    """Check hash chains, pinned definitions and a replay of each instance (all when none is named).

    Example: sop verify --json > heads.json; sop verify --bundle instance-7.json
    """
    if bundle_path and instances:
        raise click.UsageError("give instance numbers or --bundle FILE, not both")
    if bundle_path:
        from engine import verify_bundle

        verdicts = iter([verify_bundle(bundle_path)])
    else:
        engine = _engine(ctx)
        note = engine.audit.verify_clocks()[1]
        if note:
            message(f"Warning: {note}.")
        verdicts = engine.audit.verify(instances=list(instances))
    results: list[dict[str, Any]] = []
    total = failed = 0
    for verdict in verdicts:
        total += 1
        failed += not verdict.ok
        if as_json:
            results.append(verdict.to_json())
        else:
            _say_verdict(verdict)
    if as_json:
        emit_json_list(results)
    if not bundle_path and not as_json:
        from .recoveries import tell_recoveries

        tell_recoveries(engine)
    source = N_("bundle {bundle_path}", bundle_path=bundle_path) if bundle_path else N_("the store")
    if failed:
        message(f"Error: {failed} of {total} instance(s) in {source} failed verification.")
        raise SystemExit(1)
    message(f"Verified {total} instance(s) in {source}: all ok." if total else f"No instances in {source}.")


def _say_verdict(verdict: Any) -> None:
    """One verdict of `sop verify` as text: the store's records, an instance ok or failed (the first problem), and
    the events recorded by someone signed in with a password an operator set."""
    if not verdict.instance:  # the store's own records: its roles log and kept days off
        say(f"store: FAILED: {verdict.problems[0].message}"
            + (f" (and {len(verdict.problems) - 1} more; see --json)" if len(verdict.problems) > 1 else ""))
    elif verdict.ok:
        say(f"instance {verdict.instance}: ok, {verdict.events} events, head {verdict.head_hash}")
    else:
        first = verdict.problems[0]
        more = len(verdict.problems) - 1
        if first.event and more:
            say(f"instance {verdict.instance}: FAILED at event {first.event}: {first.message} (and {more} more; "
                "see --json)")
        elif first.event:
            say(f"instance {verdict.instance}: FAILED at event {first.event}: {first.message}")
        elif more:
            say(f"instance {verdict.instance}: FAILED: {first.message} (and {more} more; see --json)")
        else:
            say(f"instance {verdict.instance}: FAILED: {first.message}")
    if verdict.instance:
        for event, login, setter in verdict.operator_passwords:
            say(N_("instance {instance} event {event}: recorded by '{login}' signed in with a password set by "
                   "operator '{setter}'", instance=verdict.instance, event=event, login=login, setter=setter))


@click.command()
@click.argument("instance", type=INSTANCE_ID, required=False)
@click.option("-o", "--output", "path", metavar="FILE", help="Where to write the bundle (JSON).")
@click.option("--xes", "xes_path", metavar="FILE",
              help="Write an event log for process mining (IEEE XES) of every instance you may read instead.")
@click.option("--ocel", "ocel_path", metavar="FILE",
              help="... or the same as an object-centric event log (OCEL 2.0 JSON).")
@click.option("--process", help="With --xes or --ocel: only this process.")
@click.option("--since", type=click.DateTime(formats=["%Y-%m-%d"]), metavar="DATE",
              help="With --xes or --ocel: instances started on or after this day (the calendar's time zone).")
@click.option("--until", type=click.DateTime(formats=["%Y-%m-%d"]), metavar="DATE",
              help="With --xes or --ocel: ... on or before this day.")
@click.option("--field", "fields", metavar="STEP.FIELD", multiple=True,
              help="With --xes or --ocel: a form field written on each trace, named as the page's title names it "
                   "(e.g. Permohonan.perihal); repeat for more.")
@click.pass_context
def export(ctx: click.Context, *, instance: int | None, path: str | None, xes_path: str | None,
           ocel_path: str | None, process: str | None, since: Any, until: Any, fields: tuple[str, ...]) -> None:
    """Write an instance's self-contained audit bundle (attached files go to the folder beside it, e.g.
    instance-7.files/), or an event log for process mining. Example: sop export 7 -o instance-7.json;
    sop export --xes log.xes --since 2026-01-01 --field Permohonan.perihal"""
    if xes_path is not None or ocel_path is not None:
        if instance is not None or path is not None:
            raise click.UsageError("give INSTANCE -o FILE (an audit bundle) or --xes FILE (an event log), not both")
        if xes_path is not None and ocel_path is not None:
            raise click.UsageError("give --xes FILE or --ocel FILE, not both")
        log, kind = (xes_path, "xes") if xes_path is not None else (ocel_path or "", "ocel")
        _event_log(ctx, log, kind=kind, process=process, since=since, until=until, fields=fields)
        return
    if instance is None:
        raise click.UsageError("give an instance number and -o FILE (its audit bundle), or --xes FILE (an event log "
                               "of all instances for process mining)")
    if process is not None or since is not None or until is not None or fields:
        raise click.UsageError("--process, --since, --until and --field go with --xes FILE or --ocel FILE")
    if path is None:
        raise click.MissingParameter(ctx=ctx, param=next(p for p in export.params if p.name == "path"))
    record = _engine(ctx).instance(instance).export(path)
    from engine import bundle_files_folder

    folder = bundle_files_folder(path)
    import os

    files = N_(" and its files to {folder}", folder=folder) if os.path.isdir(folder) else ""
    message(N_("Exported instance {instance} ({count} events, head {head}) to {path}{files}; check it anywhere with "
               "`sop verify --bundle {path}`.", instance=instance, count=len(record.events), head=record.last_hash,
               path=path, files=files))


def _event_log(ctx: click.Context, path: str, *, kind: str, process: str | None, since: Any, until: Any,
               fields: tuple[str, ...]) -> None:
    """`sop export --xes FILE` (or --ocel): the event log of the instances the person may read, and what it holds."""
    summary = _engine(ctx).audit.event_log(path, process=process, since=since.date() if since else None,
                                           until=until.date() if until else None, kind=kind, fields=fields)
    if kind == "ocel":
        message(N_("Wrote {instances} instance(s) with {events} step event(s) to {path} (OCEL 2.0 JSON; pm4py and "
                   "OCPM tools read it).", instances=summary.instances, events=summary.events, path=summary.path))
        return
    message(N_("Wrote {instances} instance(s) with {events} step event(s) to {path} (IEEE XES; ProM, pm4py, Disco "
               "and Celonis read it).", instances=summary.instances, events=summary.events, path=summary.path))


COMMANDS = [history, replay, verify, export]
