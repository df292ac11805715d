"""`sop compile` and `sop decompile`: an SOP written as a table (NAME.sop.yaml) to a laid-out BPMN, and back."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

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


WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls")


def _is_workbook(path: str) -> bool:
    return path.lower().endswith(WORKBOOK_SUFFIXES)


def _read_bytes(path: str) -> bytes:
    from engine import DataFileError

    try:
        return _path(path).read_bytes()
    except FileNotFoundError:
        raise DataFileError("File '{path}' does not exist; give the path of the file to convert", path=path) from None
    except OSError as exc:
        raise DataFileError("File '{path}' cannot be read ({exc})", path=path, exc=exc) from None


def _read_any_table(path: str, forms: Path | None) -> tuple[Any, dict[str, Any]]:
    """A table from NAME.sop.yaml or from a workbook (.xlsx; openpyxl is imported only then)."""
    from engine import read_table, read_workbook

    if _is_workbook(path):
        return read_workbook(_read_bytes(path), path, forms_dir=forms)
    return read_table(_read(path), path, forms_dir=forms)


@click.command("compile")
@click.argument("table_file", metavar="FILE.sop.yaml|FILE.xlsx")
@click.option("-o", "--output", metavar="FILE.bpmn", help="Write the diagram here instead of stdout.")
@click.option("--renumber", is_flag=True, help="First number the table's rows 1, 2, 3... in order in FILE.sop.yaml "
              "itself, rewriting every jump by number so it goes to the same step.")
@click.pass_context
def compile_command(ctx: click.Context, table_file: str, output: str | None, renumber: bool) -> None:
    """Compile an SOP table (or the SOP AP sheet as a workbook) into a laid-out, runnable BPMN diagram.

    Example: sop decompile {definitions}/{process}.bpmn -o {process}.sop.yaml;
    sop compile {process}.sop.yaml -o new.bpmn; sop compile {process}.xlsx -o new.bpmn

    Forms named under kelengkapan must exist in the forms folder (--forms); the forms of a kelengkapan written as
    isian are written there, as PROCESS.STEP.schema.json and PROCESS.STEP.uischema.json.
    """
    from engine import compile_table, read_table, renumber_table, write_atomically, write_table_forms

    _refuse_overwriting(table_file, output)
    forms = _path(ctx.find_root().obj["forms"])
    if renumber and _is_workbook(table_file):
        raise click.UsageError("--renumber numbers the rows of a FILE.sop.yaml; a workbook's rows are read in order")
    table, doc = _read_any_table(table_file, forms)  # a table with problems is refused, unchanged; doc: identity page
    if renumber:
        text = _read(table_file)
        renumbered = renumber_table(text, table_file)
        if renumbered != text:
            table, doc = read_table(renumbered, table_file, forms_dir=forms)
            write_atomically(table_file, renumbered, what=N_("the renumbered table"))
            message(N_("Numbered the rows of {table_file} 1 to {rows_count} in order; every jump by number still "
                       "goes to the same step.", table_file=table_file, rows_count=len(table.rows)))
    bpmn = compile_table(table, table_file, document=doc)
    written = write_table_forms(table, forms_dir=forms)
    if written:
        message(N_("Wrote {forms_count} generated form file(s) to the forms folder {forms}.",
                   forms_count=len(written), forms=forms))
    steps = sum(len(r.steps) for r in table.rows)
    _write(bpmn, output, N_("process {process_id} ({steps} steps in {lanes_count} lanes)",
                            process_id=table.process_id, steps=steps, lanes_count=len(table.lanes)))


@click.command("decompile")
@click.argument("bpmn_file", metavar="FILE.bpmn")
@click.option("-o", "--output", metavar="FILE.sop.yaml", help="Write the table here instead of stdout.")
@click.option("--xlsx", "workbook", metavar="OUT.xlsx",
              help="Write the SOP AP sheet as a workbook here (FILE may also be a table or a workbook).")
@click.option("--process", "process_id", metavar="ID", help="The process to read when the file holds several.")
@click.pass_context
def decompile_command(ctx: click.Context, bpmn_file: str, output: str | None, workbook: str | None,
                      process_id: str | None) -> None:
    """Read a BPMN diagram back as an SOP table, or write the SOP AP sheet as a workbook (--xlsx).

    Example: sop decompile {definitions}/{process}.bpmn -o {process}.sop.yaml;
    sop decompile {definitions}/{process}.bpmn --xlsx {process}.xlsx

    The identity page the diagram keeps (a compiled table's) and the one beside it (NAME.yaml with `process: ID`,
    which wins key by key) are carried into the table, with the lanes' descriptions. A form that sop compile
    generated from isian (in the forms folder, --forms, unchanged) is given back as isian.
    """
    from engine import DataFileError, write_table

    if output and workbook:
        raise click.UsageError("give -o FILE.sop.yaml or --xlsx OUT.xlsx, not both")
    _refuse_overwriting(bpmn_file, output or workbook)
    if not _path(bpmn_file).exists():
        raise DataFileError("File '{bpmn_file}' does not exist; give the path of the file to convert",
                            bpmn_file=bpmn_file)
    if workbook is not None:
        _decompile_to_workbook(ctx, bpmn_file, workbook, process_id)
        return
    identity: dict[str, Any] | None
    own_notes: dict[str, str] = {}
    if _is_workbook(bpmn_file):
        table, document = _read_any_table(bpmn_file, _path(ctx.find_root().obj["forms"]))
        identity = {"sop": document["sop"], "pelaksana": document["pelaksana"]}
    else:
        table, identity, own_notes = _diagram_table(bpmn_file, process_id, _path(ctx.find_root().obj["forms"]))
    notes = identity.get("pelaksana") if identity and isinstance(identity.get("pelaksana"), dict) else None
    notes = {**own_notes, **(notes or {})} or None
    header = f"# Tabel SOP {table.process_id}, dibaca dari {_path(bpmn_file).name} oleh `sop decompile`.\n"
    what = N_("the table of {process_id} ({rows_count} rows)", process_id=table.process_id, rows_count=len(table.rows))
    _write(write_table(table, identity, lane_notes=notes, header=header), output, what)


def _diagram_table(bpmn_file: str, process_id: str | None, forms: Path) -> tuple[
        Any, dict[str, Any] | None, dict[str, str]]:
    """The table read from a diagram; its identity page: the one the diagram keeps (a compiled table's) merged with
    the one beside it (NAME.yaml with `process: ID`, which wins key by key); the lanes' descriptions it keeps."""
    from engine import diagram_identity, merged_identity, parse_yaml, read_diagram_file, table_from_bpmn

    text = read_diagram_file(_path(bpmn_file))
    table = table_from_bpmn(text, bpmn_file, process_id=process_id, forms_dir=forms)
    own, own_notes = diagram_identity(text, bpmn_file, process_id=table.process_id)
    page_path = _path(bpmn_file).with_suffix(".yaml")
    page = None
    if page_path.is_file():
        found = parse_yaml(_read(str(page_path)), str(page_path))
        if isinstance(found, dict) and found.get("process") == table.process_id:
            page = found
    return table, merged_identity(own, page) or None, dict(own_notes or {})


def _decompile_to_workbook(ctx: click.Context, source: str, workbook: str, process_id: str | None) -> None:
    from engine import workbook_bytes, write_atomically

    forms = _path(ctx.find_root().obj["forms"])
    if _is_workbook(source) or source.endswith((".sop.yaml", ".sop.yml")):
        table, document = _read_any_table(source, forms)
        data = workbook_bytes(table, document=document, forms_dir=forms)
    else:
        table, identity, own_notes = _diagram_table(source, process_id, forms)
        notes = identity.get("pelaksana") if identity and isinstance(identity.get("pelaksana"), dict) else None
        notes = {**own_notes, **(notes or {})} or None
        data = workbook_bytes(table, identity=identity, lane_notes=notes, forms_dir=forms)
    what = N_("the SOP AP sheet of {process_id} ({rows_count} rows)", process_id=table.process_id,
              rows_count=len(table.rows))
    write_atomically(workbook, data, what=what)
    message(f"Wrote {what} to {workbook}.")


def _path(text: str) -> Path:
    from pathlib import Path  # 8 ms that `sop tasks` should not pay for registering this command

    return Path(text)
