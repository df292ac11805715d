"""`sop lint`: check diagrams, forms and pages before they go live; every problem at once, with its place."""

from __future__ import annotations

from typing import Any

import click

from .render import emit_json_list, message, say
from .words import N_, fixed_text


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True, dir_okay=True, file_okay=True))
@click.option("--roles", "roles_file", envvar="SOP_ROLES", type=click.Path(dir_okay=False), show_envvar=True,
              help="Roles file for the lane check (default: roles.yaml beside each diagram, when it exists).")
@click.option("--json", "as_json", is_flag=True,
              help="Print a JSON list of {severity, file, line, element, rule, message, row, key}.")
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
    shared = _form_changes(obj) if any(t.resolve() == Path(obj["definitions"]).resolve() for t in targets) else []
    if as_json:
        emit_json_list([p.to_json() for p in problems] + shared)
    else:
        _print(problems, shared, errors)
    if errors:
        raise SystemExit(1)


def _form_changes(obj: dict[str, Any]) -> list[dict[str, Any]]:
    """A warning for each form changed since the versions the store runs, naming the SOPs whose new version it
    makes (none without a store)."""
    from pathlib import Path

    from engine import Engine, StoreError

    engine = Engine(obj["db"], definitions_dir=obj["definitions"], forms_dir=obj["forms"])
    try:
        changes = engine.processes.form_changes()
    except StoreError as exc:  # lint checks files: a store it cannot read is said, and the files are still checked
        return [{"severity": "warning", "file": str(obj["db"]), "line": None, "element": None, "rule": "form-changed",
                 "message": N_("the store cannot be read ({error}); the forms were not compared with the versions "
                               "in use", error=exc), "row": None, "key": None}]
    finally:
        engine.close()
    return [{"severity": "warning", "file": str(Path(obj["forms"]) / c.form), "line": None, "element": None,
             "rule": "form-changed", "message": c.words(), "row": None, "key": None} for c in changes]


def _print(problems: list[Any], shared: list[dict[str, Any]], errors: int) -> None:
    """Each problem on a line (a table's names its row itself), then the count."""
    for p in problems:
        where = f"{p.file}:{p.line}" if p.line else p.file
        table = p.file.endswith((".sop.yaml", ".sop.yml"))
        element = f" {p.element}:" if p.element and not table else ""
        severity = fixed_text("error") if p.is_error else fixed_text("warning")
        say(N_("{where}: {severity} [{rule}]{element} {problem}", where=where, severity=severity, rule=p.rule,
               element=element, problem=p.message))
    for change in shared:
        say(N_("{where}: {severity} [{rule}]{element} {problem}", where=change["file"], severity=fixed_text("warning"),
               rule=change["rule"], element="", problem=change["message"]))
    warnings = len(problems) + len(shared) - errors
    message(f"{errors} error(s), {warnings} warning(s)." if problems or shared else "No problems found.")
