"""`sop monev`: the monitoring form of an SOP for a semester (Permen PANRB 35/2012), its notes and its evaluation."""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from .context import complete_process
from .render import message
from .words import N_


def _engine(ctx: click.Context) -> Any:
    from .context import engine_of

    return engine_of(ctx)


def _answers(values: tuple[str, ...]) -> dict[str, tuple[bool, str]]:
    """`3=tidak:the survey form is too long` -> {"3": (False, "the survey form is too long")}."""
    answers: dict[str, tuple[bool, str]] = {}
    for value in values:
        key, _, rest = value.partition("=")
        said, _, note = rest.partition(":")
        word = said.strip().lower()
        if not key.strip() or word not in ("ya", "tidak", "yes", "no"):
            raise click.BadParameter(f"{value!r}: give NUMBER=ya or NUMBER=tidak, optionally :NOTE "
                                     "(e.g. 3=tidak:the survey form is too long)", param_hint="--criterion")
        answers[key.strip()] = (word in ("ya", "yes"), note)
    return answers


def _check_options(path: str | None, note: str | None, *, texts: tuple[str | None, str | None], paraf: bool,
                   evaluate: bool, criteria: tuple[str, ...]) -> None:
    lower = (path or "").lower()
    if path is not None and not lower.endswith((".html", ".htm", ".pdf")):
        raise click.BadParameter(f"{path}: give a file ending in .html or .pdf", param_hint="-o")
    if note is None and (texts != (None, None) or paraf):
        raise click.UsageError("--catatan, --tindakan and --paraf need --note STEP (the step's row they are written "
                               "on)")
    if note is not None and evaluate:
        raise click.UsageError("give --note STEP or --evaluate, not both")
    if criteria and not evaluate:
        raise click.UsageError("--criterion needs --evaluate")
    if evaluate and not criteria:
        raise click.UsageError("--evaluate needs the seven answers: --criterion 1=ya ... --criterion 7=tidak:NOTE")


@click.command()
@click.option("--process", "process_id", metavar="ID", required=True, shell_complete=complete_process,
              help="The process (SOP) monitored.")
@click.option("--semester", metavar="YEAR-N", required=True,
              help="The semester: 2026-1 (January to June) or 2026-2 (July to December), in the office's zone.")
@click.option("-o", "--output", "path", metavar="FILE", help="FILE.html or FILE.pdf (PDF needs the extra `pdf`: "
              "WeasyPrint); default: HTML on stdout.")
@click.option("--json", "as_json", is_flag=True, help="Print the form's figures, notes and evaluations as JSON.")
@click.option("--note", "note", metavar="STEP", help="Write on this step's row (its BPMN id): --catatan, --tindakan, "
              "--paraf.")
@click.option("--catatan", metavar="TEXT", help="The Catatan of the step's row (what was found).")
@click.option("--tindakan", metavar="TEXT", help="The Tindakan of the step's row (what must be done).")
@click.option("--paraf", is_flag=True, help="Initial the step's row (your name goes in the Paraf column).")
@click.option("--evaluate", is_flag=True, help="Write the evaluation against the seven criteria (--criterion).")
@click.option("--criterion", "criteria", metavar="N=ya|tidak[:NOTE]", multiple=True,
              help="One criterion's answer (1-7, in the form's order) and its note; repeat for all seven.")
@click.pass_context
def monev(ctx: click.Context, *, process_id: str, semester: str, path: str | None, as_json: bool, note: str | None,
          catatan: str | None, tindakan: str | None, paraf: bool, evaluate: bool, criteria: tuple[str, ...]) -> None:
    """Print the monitoring form of an SOP for a semester, filled from the record; write a step's notes or the
    evaluation.

    Example: sop monev --process {process} --semester 2026-2 -o monev.pdf
    """
    _check_options(path, note, texts=(catatan, tindakan), paraf=paraf, evaluate=evaluate, criteria=criteria)
    answers = _answers(criteria) if evaluate else None
    service = _engine(ctx).monev
    if note is not None:
        service.note(process_id, semester, step=note, catatan=catatan, tindakan=tindakan, paraf=paraf)
        message(N_("Wrote the notes of step {step} on the monitoring form of {process_id}, semester {semester}.",
                   step=note, process_id=process_id, semester=semester))
    elif answers is not None:
        service.evaluate(process_id, semester, answers=answers)
        message(N_("Wrote the evaluation of {process_id}, semester {semester}.", process_id=process_id,
                   semester=semester))
    if as_json:
        sys.stdout.write(json.dumps(service.form(process_id, semester).to_json(), ensure_ascii=False, indent=2)
                         + "\n")
        return
    if (note is not None or answers is not None) and path is None:
        return
    lower = (path or "").lower()
    html = service.html(process_id, semester, pdf=path if lower.endswith(".pdf") else None)
    if lower.endswith(".pdf"):
        message(N_("Wrote the monitoring form of {process_id} to {path}.", process_id=process_id, path=path))
    elif path is None:
        sys.stdout.write(html)
    else:
        from engine import write_atomically

        write_atomically(path, html, what="the monitoring form")
        message(N_("Wrote the monitoring form of {process_id} to {path}.", process_id=process_id, path=path))


COMMANDS = [monev]
