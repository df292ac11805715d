"""Picture commands: an instance (or a process) drawn on its diagram, and the SOP AP document of a process."""

from __future__ import annotations

import sys
from typing import Any

import click

from .context import complete_process
from .render import message
from .words import N_

INSTANCE_ID = click.IntRange(1, 2**63 - 1)


def _engine(ctx: click.Context) -> Any:
    from .context import engine_of

    return engine_of(ctx)


def _write(path: str | None, text: str, what: str) -> None:
    if path is None:
        sys.stdout.write(text)
        return
    from engine import write_atomically

    write_atomically(path, text, what=what)
    message(f"Wrote {what} to {path}.")


@click.command()
@click.argument("instance", type=INSTANCE_ID, required=False)
@click.option("--process", "process_id", metavar="ID", help="Draw this process's bare diagram instead of an instance.")
@click.option("-o", "--output", "path", metavar="FILE", help="FILE.svg or FILE.html (the SVG plus the history); "
              "default: SVG on stdout.")
@click.option("--heat", is_flag=True, help="With --process: colour each step by its median and p90 working time "
              "against its Mutu Baku, with what waits on it now.")
@click.option("--since", type=click.DateTime(formats=["%Y-%m-%d"]), metavar="DATE",
              help="With --heat: steps completed on or after this day.")
@click.option("--until", type=click.DateTime(formats=["%Y-%m-%d"]), metavar="DATE",
              help="With --heat: steps completed on or before this day.")
@click.pass_context
def diagram(ctx: click.Context, instance: int | None, process_id: str | None, path: str | None, *, heat: bool,
            since: Any, until: Any) -> None:
    """Draw an instance on its diagram: done, waiting, late, path taken (an HTML page links its attached files,
    written to the folder beside it, e.g. 1.files/); or a process's bottlenecks with --heat.
    Example: sop diagram 1 -o 1.html"""
    if (instance is None) == (process_id is None):
        raise click.UsageError("give an INSTANCE or --process ID (one of them)")
    if (heat and process_id is None) or ((since or until) and not heat):
        raise click.UsageError("--heat goes with --process, and --since/--until with --heat")
    from engine import picture_format

    try:
        html = picture_format(path)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="-o") from None
    from engine import bundle_files_folder

    folder = bundle_files_folder(path) if html and path and instance is not None else None
    engine = _engine(ctx)
    if instance is not None:  # files linked from the page: FILE.files/
        text = engine.instance(instance).diagram(html=html, files_folder=folder)
    elif heat:
        text = engine.pictures.heat(process_id, since=since.date() if since else None,
                                    until=until.date() if until else None, html=html)
    else:
        text = engine.pictures.diagram(process_id, html=html)
    what = N_("the diagram of instance {instance}", instance=instance) if instance is not None else N_(
        "the diagram of process {process_id}", process_id=process_id)
    _write(path, text, what)


@click.command()
@click.argument("process_id", metavar="PROCESS", shell_complete=complete_process)
@click.option("-o", "--output", "path", metavar="FILE", help="FILE.html or FILE.pdf (PDF needs the extra "
              "`pdf`: WeasyPrint); default: HTML on stdout.")
@click.option("--version", "version", metavar="HASH", help="A pinned version (its hash or a unique prefix) instead "
              "of the newest definition.")
@click.pass_context
def sheet(ctx: click.Context, process_id: str, path: str | None, version: str | None) -> None:
    """Print the SOP AP document (identity page, flowchart pages) of a process.

    Example: sop sheet {process} -o sop.pdf
    """
    lower = (path or "").lower()
    if path is not None and not lower.endswith((".html", ".htm", ".pdf")):
        raise click.BadParameter(f"{path}: give a file ending in .html or .pdf", param_hint="-o")
    engine = _engine(ctx)
    if lower.endswith(".pdf"):
        engine.pictures.sheet(process_id, version=version, pdf=path)
        message(f"Wrote the SOP AP document of {process_id} to {path}.")
        return
    _write(path, engine.pictures.sheet(process_id, version=version), f"the SOP AP document of {process_id}")


COMMANDS = [diagram, sheet]
