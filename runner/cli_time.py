"""Time commands: `sop tick` fires due boundary timers; `sop report sla` measures steps against their Mutu Baku;
`sop report summary` gives the office's dashboard figures."""

from __future__ import annotations

import sys
from datetime import datetime
from typing import Any

import click

from .render import emit_json, message, say, table

EXIT_REFUSED = 1
INSTANCE_ROWS = 100  # the table lists at most this many instances over the SOP's total, the latest first


def _engine(ctx: click.Context) -> Any:
    from .context import engine_of

    return engine_of(ctx)


@click.command()
@click.option("--json", "as_json", is_flag=True, help='Print {"now", "fired": [...], "overdue": [...], "due_soon": '
              '[...], "started": [...], "problems": [...]}.')
@click.pass_context
def tick(ctx: click.Context, as_json: bool) -> None:
    """Fire every timer that is due, across all instances, start the processes whose timer start event is due
    (once per occurrence), and announce tasks newly past their due time (for cron; safe to run twice or at once).

    Example (crontab, every minute): * * * * * cd /srv/sop && .venv/bin/sop tick
    """
    engine = _engine(ctx)
    result = engine.time.tick()
    if as_json:
        emit_json({"now": result.now, "fired": [f.to_json() for f in result.fired],
                   "overdue": [t.to_json() for t in result.overdue],
                   "due_soon": [t.to_json() for t in result.due_soon], "started": [s.to_json() for s in result.started],
                   "problems": list(result.problems)})
    else:
        local = engine.time.local_times().text
        for fired in result.fired:
            ready = ", ".join(fired.tasks) or "none"
            if fired.attached_to:
                say(f"Instance {fired.instance}: timer '{fired.timer}' on '{fired.attached_to}' "
                    f"(due {local(fired.due)}) fired; instance is {fired.status}; ready: {ready}")
            else:
                say(f"Instance {fired.instance}: the wait '{fired.timer}' (due {local(fired.due)}) ended; "
                    f"instance is {fired.status}; ready: {ready}")
        for begun in result.started:
            ready = ", ".join(begun.tasks) or "none"
            say(f"Started instance {begun.instance} of {begun.process} (its timer '{begun.timer}', due "
                f"{local(begun.occurrence)}); ready: {ready}")
        message(f"{len(result.fired)} timer(s) fired at {local(result.now, seconds=True)}.")
        if result.overdue:
            message(f"{len(result.overdue)} task(s) newly overdue: announced in `sop events`.")
        if result.due_soon:
            message(f"{len(result.due_soon)} task(s) due soon: announced in `sop events`.")
    for problem in result.problems:
        message(f"Error: {problem}")
    if result.problems:
        raise SystemExit(EXIT_REFUSED)


@click.group()
def report() -> None:
    """Reports over the event log. Example: sop report sla --since 2026-01-01"""


DATE = click.DateTime(formats=["%Y-%m-%d"])


@report.command()
@click.option("--process", help="Only this process.")
@click.option("--since", type=DATE, metavar="DATE", help="Steps completed (instances started) on or after this day.")
@click.option("--until", type=DATE, metavar="DATE", help="... on or before this day (the calendar's time zone).")
@click.option("--json", "as_json", is_flag=True, help='Print {"steps": [...], "instances": [...]}.')
@click.option("--csv", "as_csv", is_flag=True, help="Print CSV: one row per step, then one per instance.")
@click.pass_context
def sla(ctx: click.Context, *, process: str | None, since: datetime | None, until: datetime | None, as_json: bool,
        as_csv: bool) -> None:
    """Per step: completed, median and p90 working time, share within its Mutu Baku; per instance: total time
    against the SOP's. Example: sop report sla --process {process} --since 2026-01-01 --csv"""
    if as_json and as_csv:
        raise click.UsageError("give --json or --csv, not both")
    engine = _engine(ctx)
    result = engine.time.sla_report(process=process, since=since.date() if since else None,
                                    until=until.date() if until else None, late_only=not (as_json or as_csv))
    if process is not None and not result.steps and not result.instances:
        from .context import known_or_refuse

        known_or_refuse(process, engine.processes.known(), "--process", "process")
    if as_json:
        emit_json({"steps": [s.to_json() for s in result.steps], "instances": [i.to_json() for i in result.instances]})
        return
    if as_csv:
        _csv(result)
        return
    if not result.steps and not result.completed:
        message("No completed steps in this window.")
        return
    click.echo(table(
        ["process", "task", "lane", "sla", "completed", "median", "p90", "within"],
        [(s.process, s.task, s.lane, s.sla, s.completed, hours(s.median_seconds), hours(s.p90_seconds),
          "-" if s.within_share is None else f"{s.within_share:.0%}") for s in result.steps],
    ))
    if result.completed:
        late = sorted(result.instances, key=lambda i: i.sop_seconds - i.total_seconds)
        within = result.completed - len(late)
        click.echo()
        say(f"{result.completed} completed instance(s); {within} within the SOP's total time "
                   f"({within / result.completed:.0%}).")
        if late:
            local = engine.time.local_times().text
            click.echo(table(
                ["instance", "process", "started", "completed", "total", "sop"],
                [(i.instance, i.process, local(i.started), local(i.completed), hours(i.total_seconds),
                  hours(i.sop_seconds))
                 for i in late[:INSTANCE_ROWS]],
            ))
        if len(late) > INSTANCE_ROWS:
            message(f"Showing the {INSTANCE_ROWS} latest of {len(late)} instances over the SOP's total; "
                    "--json or --csv lists every instance.")
    message("Times are working time on the definitions' calendar (wall-clock time without one).")


@report.command()
@click.option("--process", help="Only this process.")
@click.option("--json", "as_json", is_flag=True,
              help='Print {"now", "waiting_by_lane", "waiting_by_person", "overdue", "overdue_tasks", '
                   '"on_time_by_sop", "on_time_by_step", "instance_times", "weeks"}.')
@click.pass_context
def summary(ctx: click.Context, *, process: str | None, as_json: bool) -> None:
    """The office's dashboard: what waits per lane and person, overdue now, on-time shares per SOP and step this
    month and the six before, instance times against the Mutu Baku, started and completed per week.
    Example: sop report summary --json"""
    engine = _engine(ctx)
    figures = engine.time.summary(process=process)
    if as_json:
        emit_json(figures.to_json())
        return
    local = engine.time.local_times().text
    say(f"Now: {local(figures.now)}; {figures.overdue} task(s) overdue.")
    click.echo(table(["process", "lane", "waiting", "overdue"],
                     [(w.process, w.lane, w.waiting, w.overdue) for w in figures.lanes]))
    if figures.people:
        click.echo(table(["claimed by", "waiting", "overdue"], [(w.login, w.waiting, w.overdue)
                                                                  for w in figures.people]))
    months = [m[:7] for m in figures.months]
    click.echo(table(["process", "step", *months], [
        (r.process, r.step or "*", *("-" if s.share is None else f"{s.share:.0%}" for s in r.months))
        for r in (*figures.sops, *figures.steps)]))
    click.echo(table(["process", "completed", "within", "median", "sop"], [
        (i.process, i.completed, i.within, hours(i.median_seconds), hours(i.budget_seconds))
        for i in figures.instances]))
    click.echo(table(["week", "started", "completed"], [(w.week, w.started, w.completed) for w in figures.weeks]))
    message("Times are working time on the definitions' calendar (wall-clock time without one).")


def hours(seconds: float) -> str:
    """Seconds as H:MM (working time)."""
    minutes = round(seconds / 60)
    return f"{minutes // 60}:{minutes % 60:02d}"


def _csv(result: Any) -> None:
    import csv

    from .render import csv_cell

    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(["kind", "process", "task", "name", "lane", "sla", "completed", "median_seconds", "p90_seconds",
                     "within_share", "instance", "started", "finished", "total_seconds", "sop_seconds", "within"])
    for s in result.steps:
        writer.writerow(["step", *map(csv_cell, (s.process, s.task, s.name, s.lane or "")), s.sla or "", s.completed,
                         f"{s.median_seconds:.0f}", f"{s.p90_seconds:.0f}",
                         "" if s.within_share is None else f"{s.within_share:.4f}", "", "", "", "", "", ""])
    for i in result.instances:
        writer.writerow(["instance", csv_cell(i.process), "", "", "", "", "", "", "", "", i.instance, i.started,
                         i.completed, f"{i.total_seconds:.0f}", f"{i.sop_seconds:.0f}", "yes" if i.within else "no"])
