"""`sop form`: a step's JSON Schema, or a YAML skeleton to fill in, for a ready task or any step of a process."""

from __future__ import annotations

import click

from .context import complete_process, complete_task, engine_of
from .render import emit_json
from .words import N_, translate


@click.command()
@click.argument("instance", metavar="[INSTANCE] TASK")
@click.argument("task", required=False, metavar=" ", shell_complete=complete_task)
@click.option("--process", "process_id", metavar="PROCESS", shell_complete=complete_process,
              help="Any step of this process's newest version, ready or not: sop form --process PROCESS STEP.")
@click.option("--template", is_flag=True, help="Print a YAML skeleton to fill in instead of the schema.")
@click.option("--draft", is_flag=True, help="Print the draft saved in `sop serve` (Simpan draf) as JSON instead.")
@click.option("--as", "actor", metavar="NAME", help="With --draft: whose draft (default: your OS login).")
@click.pass_context
def form(ctx: click.Context, *, instance: str, task: str | None, process_id: str | None, template: bool, draft: bool,
         actor: str | None) -> None:
    """Print a step's JSON Schema form: a ready task of an instance, or with --process any step.

    Example: sop form 1 {task} --template > {task}.yaml; sop form --process {process} {next_task} --template
    """
    from .render import NO_ARTEFACT, instructions_comment

    if draft or actor is not None:
        _print_draft(ctx, instance, task, process_id, template, draft=draft, actor=actor)
        return
    if process_id is not None:
        if task is not None:
            raise click.UsageError("with --process give only the step: sop form --process PROCESS STEP")
        processes = engine_of(ctx).processes
        _, form_file, schema = processes.step_form(process_id, instance)
        told = processes.instructions(process_id, instance) if template else None
        if form_file:
            usage = "# " + translate(N_("sop complete INSTANCE {instance} --data FILE   (when the step is ready)",
                                        instance=instance))
        else:
            usage = "# " + translate(N_("sop complete INSTANCE {instance}   (when the step is ready; {no_artefact})",
                                        instance=instance, no_artefact=NO_ARTEFACT))
        usage += "\n"
        has_form = bool(form_file)
        ui = processes.ui_schema(process_id, instance) if template and has_form else None
        values = None
    else:
        if task is None:
            raise click.UsageError("give INSTANCE TASK (a ready task), or --process PROCESS STEP (any step)")
        number = _instance_number(instance)
        handle = engine_of(ctx).instance(number)
        view, schema = handle.form(task)
        told = handle.instructions().get(view.task) if template else None
        has_form = bool(view.form)
        usage = (f"# sop complete {number} {view.task} --data FILE\n" if has_form
                 else "# " + translate(N_("sop complete {number} {task}   ({no_artefact})",
                                          number=number, task=view.task, no_artefact=NO_ARTEFACT)) + "\n")
        ui = handle.ui_schema(view.task) if template and has_form else None
        values = handle.form_defaults(view.task) if template and has_form else None
    if template:
        from engine import form_template

        click.echo(usage + instructions_comment(told) + (form_template(schema, ui, values=values) if has_form else ""),
                   nl=False)
    else:
        emit_json(schema)


def _instance_number(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) < 2**63:
        raise click.BadParameter(f"{text!r} is not an instance number (see `sop instances`)", param_hint="INSTANCE")
    return int(text)


def _print_draft(ctx: click.Context, instance: str, task: str | None, process_id: str | None, template: bool,
                 *, draft: bool, actor: str | None) -> None:
    """`sop form INSTANCE TASK --draft [--as LOGIN]`: the saved draft as JSON, or an error when there is none."""
    if not draft:
        raise click.UsageError("--as goes with --draft: sop form INSTANCE TASK --draft --as LOGIN")
    if process_id is not None or template or task is None:
        raise click.UsageError("--draft shows a ready task's saved draft: sop form INSTANCE TASK --draft")
    number = _instance_number(instance)
    saved = engine_of(ctx).instance(number).draft(task, actor=actor)
    if saved is None:
        from engine import NotFoundError, os_login

        raise NotFoundError("{actor} saved no draft of instance {number} task '{task}' (drafts are "
                            "saved on the task's page in `sop serve`: Simpan draf)",
                            actor=actor or os_login(), number=number, task=task)
    emit_json(saved)
