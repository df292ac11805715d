"""The `sop` CLI: operators start instances, list and complete tasks; errors map to exit codes in one place."""

from __future__ import annotations

import atexit
import gc
import os
import sys
from typing import TYPE_CHECKING, Any

import click

from .context import (
    EXIT_REFUSED,
    INSTANCE_ID,
    SopGroup,
    attach_pairs,
    complete_process,
    complete_task,
    engine_of,
    known_or_refuse,
)
from .render import emit_json, emit_json_list, message, say, table, tasks_table
from .words import N_, fixed_text

if TYPE_CHECKING:
    from engine import Engine

TABLE_LIMIT = 100
VERSION = "0.1.0"


def _version(ctx: click.Context, _: click.Parameter, shown: bool) -> None:
    """`sop --version`, in the reader's language."""
    if shown and not ctx.resilient_parsing:
        say(f"sop, version {VERSION}")
        ctx.exit()


# Commands in modules of their own: name -> (module, attribute), imported when the command runs.
LAZY_COMMANDS = {
    **{name: ("runner.cli_audit", name) for name in ("history", "replay", "verify", "export")},
    "lint": ("runner.cli_lint", "lint"),
    "import": ("runner.cli_import", "import_command"),
    "form": ("runner.cli_form", "form"),
    "migrate": ("runner.cli_versions", "migrate"),
    "roles": ("runner.cli_roles", "roles"),
    "tick": ("runner.cli_time", "tick"),
    "report": ("runner.cli_time", "report"),
    "compile": ("runner.cli_sop_table", "compile_command"),
    "decompile": ("runner.cli_sop_table", "decompile_command"),
    "diagram": ("runner.cli_pictures", "diagram"),
    "sheet": ("runner.cli_pictures", "sheet"),
    "monev": ("runner.cli_monev", "monev"),
    "db": ("runner.cli_db", "db"),
    "attachment": ("runner.cli_files", "attachment"),
    "events": ("runner.cli_events", "events"),
    "return": ("runner.cli_returns", "return_command"),
    "comment": ("runner.cli_comments", "comment"),
    **{name: ("runner.cli_notices", name) for name in ("notify", "notices")},
    "accounts": ("runner.cli_accounts", "accounts"),
    "delegate": ("runner.cli_delegate", "delegate"),
    **{name: ("runner.cli_people", name) for name in ("passwd", "claim", "release")},
    "serve": ("runner.cli_serve", "serve"),
    "setup": ("runner.cli_setup", "setup"),
}


@click.group(cls=SopGroup, lazy=LAZY_COMMANDS,
             context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("--db", envvar="SOP_DB", default="./sop.db", show_default=True, show_envvar=True,
              help="The store: a SQLite file (or sqlite:///PATH), or postgresql://USER@HOST:PORT/DB.")
@click.option("--definitions", "definitions_dir", envvar="SOP_DEFINITIONS", default="./definitions", show_envvar=True,
              show_default=True, help="Folder of BPMN diagrams and their YAML pages.")
@click.option("--forms", "forms_dir", envvar="SOP_FORMS", default="./forms", show_default=True, show_envvar=True,
              help="Folder of JSON Schema forms.")
@click.option("--roles", "roles_file", envvar="SOP_ROLES", metavar="FILE", show_envvar=True,
              help="People and their lanes (default: roles.yaml in the definitions folder; none: single-user mode); "
                   "once `sop roles apply` pinned a version in the store, that version is enforced.")
@click.option("--version", is_flag=True, expose_value=False, is_eager=True, callback=_version,
              help="Show the version and exit.")
@click.pass_context
def cli(ctx: click.Context, db: str, definitions_dir: str, forms_dir: str, roles_file: str | None) -> None:
    """Run Standard Operating Procedures defined as BPMN diagrams.

    Example: sop processes; sop start {process}; sop tasks; sop form 1 {task} --template > {task}.yaml;
    sop complete 1 {task} --data {task}.yaml
    """
    ctx.obj = {"db": db, "definitions": definitions_dir, "forms": forms_dir, "roles": roles_file}


def _read_data(data_file: str | None, sets: tuple[str, ...], engine: Engine | None = None,
               instance: int | None = None, task: str | None = None) -> dict[str, Any] | None:
    from engine import read_data_file

    data: dict[str, Any] | None = None
    if data_file:
        data = read_data_file(data_file, sys.stdin.read() if data_file == "-" else None)
    if sets:
        pairs = []
        for item in sets:
            key, sep, value = item.partition("=")
            if not sep or not key:
                raise click.BadParameter(f"{item!r} is not KEY=VALUE (for example perihal=Permohonan)",
                                         param_hint="--set")
            pairs.append((key.strip(), value))
        assert engine is not None and instance is not None and task is not None
        if data is not None and not isinstance(data, dict):
            raise click.BadParameter(f"{data_file} must hold an object of field: value pairs to combine with --set",
                                     param_hint="--data")
        data = engine.instance(instance).data_from_assignments(task, pairs, base=data)
    return data


@cli.command()
@click.option("--versions", "versions", is_flag=True, help="List each process's versions and instances on each.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list of {id, name, file, version}.")
@click.pass_context
def processes(ctx: click.Context, versions: bool, as_json: bool) -> None:
    """List the runnable processes in the definitions folder. Example: sop processes --json"""
    if versions:
        from .cli_versions import print_versions

        problems = print_versions(engine_of(ctx), as_json)
    else:
        infos, problems = engine_of(ctx).processes.runnable()
        if as_json:
            emit_json_list([p.to_json() for p in infos])
        elif infos:
            click.echo(table(["id", "name", "steps", "version", "file"],
                             [(p.id, p.name, p.steps, p.version[:12], p.file) for p in infos]))
        else:
            message(f"No runnable processes in '{ctx.find_root().obj['definitions']}'.")
        from .cli_roles import warn_unknown_lanes

        warn_unknown_lanes(ctx, {lane for p in infos for lane in p.lanes}, {p.id for p in infos})
    for problem in problems:
        message(f"Error: {problem}")
    if problems:
        raise SystemExit(EXIT_REFUSED)


@cli.command()
@click.argument("process_id", shell_complete=complete_process)
@click.option("--data", "data_file", metavar="FILE", help="Initial instance data, JSON or YAML ('-' for stdin).")
@click.option("--as", "actor", metavar="NAME", help="The person acting (default: your OS login).")
@click.option("--json", "as_json", is_flag=True, help='Print {"instance", "status", "tasks", "process", "version"}.')
@click.pass_context
def start(ctx: click.Context, process_id: str, data_file: str | None, actor: str | None, as_json: bool) -> None:
    """Start an instance of a process and print its id. Example: sop start {process} --json"""
    engine = engine_of(ctx)
    data = _read_data(data_file, ())
    view = engine.instances.start(process_id, data, actor=actor)
    from .cli_roles import warn_roles_drift

    warn_roles_drift(engine)
    if as_json:
        emit_json({"instance": view.instance, "status": view.status, "tasks": [t.to_json() for t in view.tasks],
                   "process": view.process, "version": view.version})
        return
    click.echo(view.instance)
    message(f"Started instance {view.instance} of {view.process} (version {view.version[:12]}).")
    if view.tasks:
        message(tasks_table(view.tasks, times=engine.time.local_times(), words=engine.time.duration_words))


@cli.command()
@click.option("--instance", type=INSTANCE_ID, help="Only this instance's tasks.")
@click.option("--lane", help="Only tasks in this lane (the actor's name in the diagram).")
@click.option("--limit", type=click.IntRange(0, 1_000_000_000), metavar="N",
              help=f"Show at most N tasks, oldest first (table default {TABLE_LIMIT}; JSON default all; 0 = all).")
@click.option("--all", "show_all", is_flag=True, help="Show every task (same as --limit 0).")
@click.option("--mine", is_flag=True, help="Only tasks in the lanes you (your OS login) act in.")
@click.option("--overdue", is_flag=True, help="Only tasks past their due time.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list of task objects.")
@click.pass_context
def tasks(ctx: click.Context, *, instance: int | None, lane: str | None, limit: int | None, show_all: bool,
          mine: bool, overdue: bool, as_json: bool) -> None:
    """List the ready user tasks, oldest first, with due times. Example: sop tasks --mine --overdue"""
    if show_all or limit == 0:
        limit = None
    elif limit is None and not as_json:
        limit = TABLE_LIMIT
    engine = engine_of(ctx)
    lanes = engine.people.my_lanes() if mine else None
    limited = engine.people.my_process_lanes() if mine else ()  # lanes delegated to them for one process
    now = engine.time.now()
    overdue_at = now if overdue else None
    found = engine.instances.tasks(instance=instance, lane=lane, lanes=lanes, overdue_at=overdue_at, limit=limit,
                                   lanes_in=limited)
    if engine.people.single_user:
        message("Single-user mode: no roles file (roles.yaml in the definitions folder, or --roles); "
                "anyone may complete any step.")
    if not found and lane is not None:
        known_or_refuse(lane, engine.processes.known_lanes(), "--lane", "lane")
    titles = engine.instances.titles([t.instance for t in found])
    if as_json:
        emit_json_list([{**t._asdict(), "overdue": t.due is not None and t.due < now,
                         "title": titles.get(t.instance, "")} for t in found])
        return
    if found:
        words = engine.time.duration_words
        sys.stdout.write(tasks_table(found, now, engine.time.local_times(), titles, words) + "\n")
    else:
        message("No overdue tasks." if overdue else "No ready tasks.")
    if limit is not None and len(found) == limit:
        total = engine.instances.count_tasks(instance=instance, lane=lane, lanes=lanes, overdue_at=overdue_at,
                                             lanes_in=limited)
        if total > limit:
            message(f"Showing the {limit} oldest of {total} ready tasks; narrow with --lane/--instance or use --all.")


@cli.command()
@click.argument("instance", type=INSTANCE_ID)
@click.argument("task", shell_complete=complete_task)
@click.option("--data", "data_file", metavar="FILE", help="The step's artefact, JSON or YAML ('-' for stdin).")
@click.option("--set", "sets", multiple=True, metavar="KEY=VALUE", help="A field value; dotted keys nest. Repeatable.")
@click.option("--attach", "attach", multiple=True, metavar="FIELD=PATH",
              help="A file for a file field of the form (FIELD.0=PATH, FIELD.1=PATH for a list), stored by its "
                   "SHA-256. Repeatable.")
@click.option("--as", "actor", metavar="NAME", help="The person acting (default: your OS login).")
@click.option("--json", "as_json", is_flag=True, help='Print {"instance", "status", "tasks"}.')
@click.pass_context
def complete(ctx: click.Context, *, instance: int, task: str, data_file: str | None, sets: tuple[str, ...],
             attach: tuple[str, ...], actor: str | None, as_json: bool) -> None:
    """Complete a ready task with its artefact and attached files.

    Example: sop complete 1 {task} --data {task}.yaml --attach FIELD=scan.pdf; sop complete 1 {next_task} --set
    FIELD=VALUE ...
    """
    engine = engine_of(ctx)
    if not data_file and not sets and not attach and engine.instance(instance).form(task)[0].form:
        raise click.UsageError("give the step's data with --data FILE or --set KEY=VALUE "
                               f"(see `sop form {instance} {task} --template`)")
    files = attach_pairs(attach)
    data = _read_data(data_file, sets, engine, instance, task)
    result = engine.instance(instance).complete(task, data or {}, actor=actor, attach=files or None)
    from .cli_roles import warn_roles_drift

    warn_roles_drift(engine)
    view = result.instance
    if as_json:
        emit_json({"instance": view.instance, "status": view.status, "tasks": [t.to_json() for t in view.tasks],
                   "completed": {"task": result.completed_task, "id": result.completed_task_id}})
        return
    message(f"Completed '{result.completed_task}' of instance {view.instance}; instance is {view.status}.")
    if view.tasks:
        click.echo(tasks_table(view.tasks, times=engine.time.local_times(), words=engine.time.duration_words))
    elif view.status == "running":
        local = engine.time.local_times().text
        for wait in engine.instance(view.instance).waits():
            say(N_("Waiting: {name} - the instance goes on by itself at {moment}", name=wait.name,
                   moment=local(wait.due)))


@cli.command()
@click.argument("instance", type=INSTANCE_ID)
@click.option("--json", "as_json", is_flag=True, help="Print the instance as JSON.")
@click.option("--audit", is_flag=True, help="Also print ids, logins, hashes and each artefact's data by key.")
@click.pass_context
def show(ctx: click.Context, instance: int, as_json: bool, audit: bool) -> None:
    """Show an instance: status, ready tasks and the documents so far. Example: sop show 1"""
    from .render import document_lines

    engine = engine_of(ctx)
    handle = engine.instance(instance)
    view = handle.show()
    if as_json:
        emit_json(view.to_json())
        return
    document = handle.document()
    local = engine.time.local_times().text
    say(N_("Instance {instance}: {process} ({status})", instance=view.instance, process=document.process_name,
           status=fixed_text(view.status)))
    say(N_("  title     {title}", title=view.title))
    say(N_("  started   {when} by {person}", when=local(view.started, seconds=True),
           person=document.person(view.started_by)))
    if view.completed:
        say(N_("  completed {when}", when=local(view.completed, seconds=True)))
    say(N_("  updated   {when}; {events} events", when=local(view.updated, seconds=True), events=view.events))
    if audit:
        say(f"  process   {view.process}; started by {view.started_by}")
        say(f"  version   {view.version}; head {view.head_hash}")
    if view.tasks and not audit:
        from .render import ready_lines

        say("Ready tasks:")
        click.echo("\n".join(ready_lines(view.tasks, document, engine.time.local_times(), engine.time.now(),
                                         engine.time.duration_words)))
    elif view.tasks:
        say("Ready tasks:")
        click.echo(tasks_table(view.tasks, engine.time.now(), engine.time.local_times()))
        for claimed in (t for t in view.tasks if t.claimed_by):
            say(f"'{claimed.task}' is claimed by {claimed.claimed_by} since {local(claimed.claimed_at, seconds=True)}.")
    for wait in view.waiting:
        say(N_("Waiting: {name} - the instance goes on by itself at {moment}", name=wait.name,
               moment=local(wait.due)))
    if view.tasks:
        from .render import indented

        names = {} if audit else {t.task: t.name for t in view.tasks}
        for task, text in handle.instructions().items():
            say(N_("Instructions for {task}:", task=names.get(task, task)))
            click.echo(indented(text))
    shown = document_lines(document, engine.time.local_times())
    if shown:
        say(N_("Documents so far:"))
        click.echo("\n".join("  " + line for line in shown))
    if audit and view.attachments:
        from .render import files_table

        say("Attached files (write them out with `sop attachment`):")
        click.echo(files_table(view.attachments))
    if audit and view.data:
        import yaml

        say("Data (each step's artefact under its task id):")
        text = yaml.safe_dump(view.data, allow_unicode=True, sort_keys=False, default_flow_style=False, width=100)
        click.echo("\n".join("  " + line for line in text.splitlines()))


@cli.command()
@click.option("--status", type=click.Choice(["running", "completed", "berjalan", "selesai"]),
              help="Only instances with this status (berjalan = running, selesai = completed).")
@click.option("--process", help="Only instances of this process.")
@click.option("--search", "text", metavar="TEXT",
              help="Only instances with a word starting with each word of TEXT in the title or an artefact's text.")
@click.option("--waiting", metavar="STEP", help="Only instances whose step STEP (its BPMN id) is ready.")
@click.option("--lane", help="Only instances with a ready step in this lane.")
@click.option("--overdue", is_flag=True, help="Only instances with a ready step past its due time.")
@click.option("--since", type=click.DateTime(formats=["%Y-%m-%d"]), metavar="DATE",
              help="Only instances started on or after this day (the calendar's time zone).")
@click.option("--until", type=click.DateTime(formats=["%Y-%m-%d"]), metavar="DATE",
              help="Only instances started on or before this day.")
@click.option("--sort", type=click.Choice(["id", "updated", "started", "due"]), default="id", show_default=True,
              help="Order: by number, last change or start (newest first), or soonest due time.")
@click.option("--mine", is_flag=True, help="Only instances you (your OS login) started or acted on.")
@click.option("--page", type=click.IntRange(1, 1_000_000), metavar="N", help="Show page N, 50 instances a page.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list of instances.")
@click.pass_context
def instances(ctx: click.Context, *, status: str | None, process: str | None, as_json: bool, text: str | None,
              waiting: str | None, lane: str | None, overdue: bool, since: Any, until: Any, sort: str, mine: bool,
              page: int | None) -> None:
    """List the instances you may read, with their titles. Example: sop instances --status running --search kesehatan"""
    status = {"berjalan": "running", "selesai": "completed"}.get(status or "", status)
    engine = engine_of(ctx)
    found = _found_instances(engine, status, process, text=text, waiting=waiting, lane=lane, overdue=overdue,
                             since=since, until=until, sort=sort, mine=mine, page=page)
    if not found and process is not None:
        known_or_refuse(process, engine.processes.known(), "--process", "process")
    if as_json:
        emit_json_list([i.to_json() for i in found])
    elif found:
        local = engine.time.local_times().text
        click.echo(table(["instance", "title", "process", "status", "started", "updated", "started_by", "events"],
                         [(i.instance, i.title, i.process, fixed_text(i.status), local(i.started), local(i.updated),
                           i.started_by, i.events) for i in found]))
    else:
        message("No instances.")


def _found_instances(engine: Engine, status: str | None, process: str | None, *, text: str | None,
                     waiting: str | None, lane: str | None, overdue: bool, since: Any, until: Any, sort: str,
                     mine: bool, page: int | None) -> list[Any]:
    """The instances `sop instances` lists: all it may read by number, or (any search option given) the search's."""
    if not (text or waiting or lane or overdue or since or until or mine or page or sort != "id"):
        return engine.instances.find(status=status, process=process)
    per_page = 50 if page else 2**62
    found, _ = engine.instances.search(
        text=text or "", process=process, status=status, waiting=waiting, lane=lane,
        overdue_at=engine.time.now() if overdue else None, started_since=since.date() if since else None,
        started_until=until.date() if until else None, sort="started" if sort == "id" else sort,
        page=page or 1, per_page=per_page, mine=mine)
    return sorted(found, key=lambda i: i.instance) if sort == "id" else found


@cli.command()
@click.option("--examples", "examples_dir", envvar="SOP_EXAMPLES", default="./examples", show_default=True,
              help="Folder of *.scenario.yaml files and their sample artefacts.")
@click.option("--keep", metavar="PATH", help="Keep the demo store at PATH instead of a temporary file.")
@click.pass_context
def demo(ctx: click.Context, examples_dir: str, keep: str | None) -> None:
    """Run every example scenario end to end on a temporary store. Example: sop demo"""
    import tempfile

    from engine import Engine, load_scenarios, run_scenario

    obj = ctx.find_root().obj
    scenarios = load_scenarios(examples_dir)
    with tempfile.TemporaryDirectory(prefix="sop-demo-") as tmp:
        db = keep or os.path.join(tmp, "demo.db")
        engine = Engine(db, definitions_dir=obj["definitions"], forms_dir=obj["forms"], roles=_demo_roles(obj))
        file_roles = engine.people.roles
        if file_roles is not None:
            engine.people.apply_roles()  # pinned in the demo store like `sop roles apply`: verify checks each lane
            say(f"Roles from {file_roles.source}: each step is done as a person of its lane; "
                       f"{engine.operator} records them as the clerk.")
        try:
            for scenario in scenarios:
                say(f"== {scenario.title} ({scenario.file})")
                view = run_scenario(engine, scenario, on_step=_print_step)
                say(f"   instance {view.instance} is {view.status}; {view.events} events, "
                           f"head hash {view.head_hash[:16]}")
        finally:
            engine.close()
    say(f"Demo done: {len(scenarios)} scenario(s) ran end to end.")


def _demo_roles(obj: dict[str, Any]) -> Any:
    """The roles file with whoever runs the demo as its clerk: each step is still held to its lane, and each
    event records the scenario's person as actor and the real OS account as operator."""
    from engine import Person, find_roles, load_roles, os_login

    path = find_roles(obj["roles"], obj["definitions"])
    if path is None:
        return None
    roles = load_roles(path)
    login = os_login()
    clerk = (roles.people.get(login) or Person(login, login, "", ()))._replace(operator=True)
    return roles._replace(people={**roles.people, login: clerk})


def _print_step(kind: str, detail: dict[str, Any]) -> None:
    if kind == "started":
        say(f"   started instance {detail['instance']} of {detail['process']}")
    elif kind == "completed":
        ready = ", ".join(detail["ready"]) or fixed_text("none (finished)")
        say(f"   {detail['n']:>2}. {detail['task']:<20} [{detail['lane']}] by {detail['actor']}"
                   f" -> next: {ready}")


def main() -> None:
    """The console script. Start-up only makes long-lived objects (modules, the click commands), so the collector
    waits until the command runs; and once the command is done (engine closed, output flushed, exit handlers run)
    the process leaves without tearing the interpreter down, which costs a quick command a fifth of its time."""
    gc.disable()
    try:
        cli(prog_name="sop")
        code: object = 0  # not reached: click's standalone mode always ends in SystemExit
    except SystemExit as done:
        code = done.code
    status = _exit_status(code)
    try:
        sys.stdout.flush()
    except BrokenPipeError:  # `sop tasks | head`: the reader has gone; what was asked is done
        pass
    sys.stderr.flush()
    atexit._run_exitfuncs()
    os._exit(status)


def _exit_status(code: object) -> int:
    """What `sys.exit(code)` would give the shell: None is 0, a number itself, anything else printed and 1."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code & 0xFF
    print(code, file=sys.stderr)
    return 1


if __name__ == "__main__":
    main()

