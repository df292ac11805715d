"""`sop lint`: check diagrams, forms and pages before they go live; every problem at once, with its place."""

from __future__ import annotations

import click

from .render import emit_json_list, message, say
from .words import N_, fixed_text


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True, dir_okay=True, file_okay=True))
@click.option("--roles", "roles_file", envvar="SOP_ROLES", type=click.Path(dir_okay=False), show_envvar=True,
              help="Roles file for the lane check (default: roles.yaml beside each diagram, when it exists).")
@click.option("--json", "as_json", is_flag=True,
              help="Print a JSON list of {severity, file, line, element, rule, message}.")
@click.pass_context
def lint(ctx: click.Context, paths: tuple[str, ...], roles_file: str | None, as_json: bool) -> None:
    """Check BPMN diagrams and their forms; errors exit 1. Example: sop lint definitions/ --json"""
    from pathlib import Path

    from engine import lint_paths

    obj = ctx.find_root().obj
    targets = [Path(p) for p in paths] or [Path(obj["definitions"])]
    if not paths and not targets[0].is_dir():
        raise click.UsageError(f"definitions folder '{targets[0]}' does not exist; give PATH or --definitions")
    problems = lint_paths(targets, Path(obj["forms"]), roles_file=Path(roles_file) if roles_file else None)
    errors = sum(1 for p in problems if p.is_error)
    if as_json:
        emit_json_list([p.to_json() for p in problems])
    else:
        for p in problems:
            where = f"{p.file}:{p.line}" if p.line else p.file
            table = p.file.endswith((".sop.yaml", ".sop.yml"))  # a table's message names its row itself
            element = f" {p.element}:" if p.element and not table else ""
            severity = fixed_text("error") if p.is_error else fixed_text("warning")
            say(N_("{where}: {severity} [{rule}]{element} {problem}", where=where, severity=severity, rule=p.rule,
                   element=element, problem=p.message))
        warnings = len(problems) - errors
        message(f"{errors} error(s), {warnings} warning(s)." if problems else "No problems found.")
    if errors:
        raise SystemExit(1)
