"""`sop compile` and `sop decompile`: an SOP written as a table (NAME.sop.yaml) to a laid-out BPMN, and back."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from .render import message
from .words import N_

if TYPE_CHECKING:
    from pathlib import Path


def _read(path: str) -> str:
    from engine import DataFileError

    try:
        return _path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DataFileError("File '{path}' does not exist; give the path of the file to convert", path=path) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise DataFileError("File '{path}' cannot be read as UTF-8 text ({exc})", path=path, exc=exc) from None


def _refuse_overwriting(source: str, output: str | None) -> None:
    """-o naming the input file itself would replace it with the converted text: refused before anything runs."""
    if output is None:
        return
    from engine import DataFileError

    out, src = _path(output), _path(source)
    if out.resolve() == src.resolve() or (out.exists() and src.exists() and out.samefile(src)):
        raise DataFileError("-o '{output}' is the input file '{source}'; writing there would replace it. Give another "
                            "-o path (e.g. the same name ending .bpmn for compile, .sop.yaml for decompile)",
                            output=output, source=source)


def _write(text: str, output: str | None, what: str) -> None:
    if output is None:
        click.echo(text, nl=False)
        return
    from engine import write_atomically

    write_atomically(output, text, what=what)
    message(f"Wrote {what} to {output}.")


@click.command("compile")
@click.argument("table_file", metavar="FILE.sop.yaml")
@click.option("-o", "--output", metavar="FILE.bpmn", help="Write the diagram here instead of stdout.")
@click.option("--renumber", is_flag=True, help="First number the table's rows 1, 2, 3... in order in FILE.sop.yaml "
              "itself, rewriting every jump by number so it goes to the same step.")
@click.pass_context
def compile_command(ctx: click.Context, table_file: str, output: str | None, renumber: bool) -> None:
    """Compile an SOP table into a laid-out, runnable BPMN diagram.

    Example: sop decompile {definitions}/{process}.bpmn -o {process}.sop.yaml;
    sop compile {process}.sop.yaml -o new.bpmn

    Forms named under kelengkapan must exist in the forms folder (--forms).
    """
    from engine import compile_table, read_table, renumber_table

    _refuse_overwriting(table_file, output)
    forms = _path(ctx.find_root().obj["forms"])
    text = _read(table_file)
    table, doc = read_table(text, table_file, forms_dir=forms)  # a table with problems is refused, unchanged
    renumbered = renumber_table(text, table_file) if renumber else text
    if renumbered != text:
        table, doc = read_table(renumbered, table_file, forms_dir=forms)
        from engine import write_atomically

        write_atomically(table_file, renumbered, what=N_("the renumbered table"))
        message(N_("Numbered the rows of {table_file} 1 to {rows_count} in order; every jump by number still goes "
                   "to the same step.", table_file=table_file, rows_count=len(table.rows)))
    bpmn = compile_table(table, table_file, document=doc)
    steps = sum(len(r.steps) for r in table.rows)
    _write(bpmn, output, N_("process {process_id} ({steps} steps in {lanes_count} lanes)",
                            process_id=table.process_id, steps=steps, lanes_count=len(table.lanes)))


@click.command("decompile")
@click.argument("bpmn_file", metavar="FILE.bpmn")
@click.option("-o", "--output", metavar="FILE.sop.yaml", help="Write the table here instead of stdout.")
@click.option("--process", "process_id", metavar="ID", help="The process to read when the file holds several.")
def decompile_command(bpmn_file: str, output: str | None, process_id: str | None) -> None:
    """Read a BPMN diagram back as an SOP table.

    Example: sop decompile {definitions}/{process}.bpmn -o {process}.sop.yaml

    The identity page the diagram keeps (a compiled table's) and the one beside it (NAME.yaml with `process: ID`,
    which wins key by key) are carried into the table, with the lanes' descriptions.
    """
    from engine import (
        DataFileError,
        diagram_identity,
        merged_identity,
        parse_yaml,
        read_diagram_file,
        table_from_bpmn,
        write_table,
    )

    _refuse_overwriting(bpmn_file, output)
    if not _path(bpmn_file).exists():
        raise DataFileError("File '{bpmn_file}' does not exist; give the path of the file to convert",
                            bpmn_file=bpmn_file)
    text = read_diagram_file(_path(bpmn_file))
    table = table_from_bpmn(text, bpmn_file, process_id=process_id)
    own, own_notes = diagram_identity(text, bpmn_file, process_id=table.process_id)
    page_path = _path(bpmn_file).with_suffix(".yaml")
    identity = None
    if page_path.is_file():
        page = parse_yaml(_read(str(page_path)), str(page_path))
        if isinstance(page, dict) and page.get("process") == table.process_id:
            identity = page
    identity = merged_identity(own, identity) or None  # the page beside the diagram wins key by key
    notes = identity.get("pelaksana") if identity and isinstance(identity.get("pelaksana"), dict) else None
    notes = {**own_notes, **(notes or {})} or None
    header = f"# Tabel SOP {table.process_id}, dibaca dari {_path(bpmn_file).name} oleh `sop decompile`.\n"
    what = N_("the table of {process_id} ({rows_count} rows)", process_id=table.process_id, rows_count=len(table.rows))
    _write(write_table(table, identity, lane_notes=notes, header=header), output, what)


def _path(text: str) -> Path:
    from pathlib import Path  # 8 ms that `sop tasks` should not pay for registering this command

    return Path(text)
