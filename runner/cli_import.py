"""`sop import`: a diagram drawn in another modeler rewritten into one sop runs, with each change and each decision
left to the process owner printed, then linted."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from .render import emit_json, message, say
from .words import N_, fixed_text

if TYPE_CHECKING:
    from engine import ImportReport


@click.command("import")
@click.argument("source", metavar="FILE.bpmn", type=click.Path(dir_okay=False))
@click.option("-o", "--output", "output_dir", type=click.Path(file_okay=False),
              help="Folder to write the diagram to (default: the definitions folder).")
@click.option("--forms", "forms_dir", type=click.Path(file_okay=False),
              help="Folder to write the generated forms to (default: the forms folder).")
@click.option("--force", is_flag=True, help="Write over files that already exist.")
@click.option("--json", "as_json", is_flag=True, help="Print {written, changes, left, lint} as JSON.")
@click.pass_context
def import_command(ctx: click.Context, source: str, *, output_dir: str | None, forms_dir: str | None, force: bool,
                   as_json: bool) -> None:
    """Make a diagram from another modeler runnable by sop. Example: sop import proses.bpmn -o definitions/"""
    from pathlib import Path

    from engine import import_diagram

    obj = ctx.find_root().obj
    report = import_diagram(Path(source), definitions_dir=Path(output_dir or obj["definitions"]),
                            forms_dir=Path(forms_dir or obj["forms"]), force=force)
    if as_json:
        emit_json(report.to_json())
    else:
        _print(report)
    if any(p.is_error for p in report.lint):
        raise SystemExit(1)


def _print(report: ImportReport) -> None:
    """The files written, each change, each decision left, then lint's verdict on what was written."""
    say(fixed_text("Written:"))
    for path in report.written:
        say(f"  {path}")
    say(fixed_text("Changed:"))
    for note in report.changes:
        say(N_("  - {decision}", decision=note.message))
    if not report.changes:
        say(N_("  - nothing"))
    say(fixed_text("Left to the process owner:"))
    for note in report.left:
        say(N_("  - {decision}", decision=note.message))
    if not report.left and not report.lint:
        say(N_("  - nothing"))
    for p in report.lint:
        severity = fixed_text("error") if p.is_error else fixed_text("warning")
        say(N_("  - lint: {severity} [{rule}] {element}: {problem}", severity=severity, rule=p.rule,
               element=p.element or "", problem=p.message))
    errors = sum(1 for p in report.lint if p.is_error)
    if not report.lint:
        message(N_("lint clean"))
    else:
        message(N_("lint: {errors} error(s), {warnings} warning(s)", errors=errors,
                   warnings=len(report.lint) - errors))
