"""Picture commands: an instance (or a process) drawn on its diagram, and the SOP AP document of a process."""

from __future__ import annotations

import sys
from typing import Any

import click

from .render import message

INSTANCE_ID = click.IntRange(1, 2**63 - 1)


def _engine(ctx: click.Context) -> Any:
    from .cli import engine_of

    return engine_of(ctx)


def _write(path: str | None, text: str, what: str) -> None:
    if path is None:
        sys.stdout.write(text)
        return
    from engine.errors import EngineError

    try:
        with open(path, "w", encoding="utf-8") as out:
            out.write(text)
    except OSError as exc:
        raise EngineError(f"Cannot write {path}: {exc.strerror}; choose another file") from None
    message(f"Wrote {what} to {path}.")


@click.command()
@click.argument("instance", type=INSTANCE_ID, required=False)
@click.option("--process", "process_id", metavar="ID", help="Draw this process's bare diagram instead of an instance.")
@click.option("-o", "--output", "path", metavar="FILE", help="FILE.svg or FILE.html (the SVG plus the history); "
              "default: SVG on stdout.")
@click.pass_context
def diagram(ctx: click.Context, instance: int | None, process_id: str | None, path: str | None) -> None:
    """Draw an instance on its diagram: done, waiting, late, path taken. Example: sop diagram 1 -o 1.html"""
    if (instance is None) == (process_id is None):
        raise click.UsageError("give an INSTANCE or --process ID (one of them)")
    from engine.pictures import picture_format

    try:
        html = picture_format(path)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="-o") from None
    text = _engine(ctx).diagram(instance, process_id, html)
    what = f"instance {instance}" if instance is not None else f"process {process_id}"
    _write(path, text, f"the diagram of {what}")


COMMANDS = [diagram]
