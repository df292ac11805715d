"""`sop attachment`: list an instance's attached files, or write them out by task and field."""

from __future__ import annotations

import click

from .context import INSTANCE_ID, engine_of
from .render import emit_json_list, files_table, message


@click.command()
@click.argument("instance", type=INSTANCE_ID)
@click.argument("task", required=False)
@click.argument("field", required=False)
@click.option("-o", "--output", "output", metavar="PATH|FOLDER",
              help="Write the file to PATH ('-': stdout), or the files into FOLDER (made when missing) under their "
                   "names.")
@click.option("--json", "as_json", is_flag=True,
              help='Print a JSON list of {"instance", "seq", "task", "field", "position", "name", "media_type", '
                   '"size", "sha256"} (with -o: and "path").')
@click.pass_context
def attachment(ctx: click.Context, *, instance: int, task: str | None, field: str | None, output: str | None,
               as_json: bool) -> None:
    """List an instance's attached files, or write them out with -o (each checked against its hash).

    Example: sop attachment 1; sop attachment 1 {task} FIELD -o surat.pdf; sop attachment 1 -o berkas/
    """
    engine = engine_of(ctx)
    if output is None:
        found = engine.instance(instance).attachments(task=task, field=field)
        if as_json:
            emit_json_list([a.to_json() for a in found])
        elif found:
            click.echo(files_table(found))
        else:
            message(f"Instance {instance} has no attached files.")
        return
    if output == "-":  # one file's bytes to stdout, for a pipe
        import sys

        for chunk in engine.instance(instance).attachment_bytes(task=task, field=field):
            sys.stdout.buffer.write(chunk)
        sys.stdout.buffer.flush()
        return
    written = engine.instance(instance).save_attachments(output, task=task, field=field)
    if as_json:
        emit_json_list([{**a.to_json(), "path": path} for a, path in written])
        return
    for item, path in written:
        shown = "".join(ch if ch.isprintable() else "_" for ch in item.name)  # a stored name prints on one line
        message(f"Wrote {shown} ({item.task} {item.field}, sha256 {item.sha256[:12]}) to {path}.")
