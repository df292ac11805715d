"""Store administration: `sop db copy` moves a whole store between SQLite and PostgreSQL."""

from __future__ import annotations

import click

from .render import emit_json, message, say
from .words import N_, translate


@click.group()
def db() -> None:
    """Administer stores (copy one into another, collect unreferenced files)."""


@db.command("copy")
@click.option("--from", "source", required=True, metavar="SRC",
              help="The store to copy: a SQLite path, sqlite:///PATH or postgresql://.")
@click.option("--to", "target", required=True, metavar="DST",
              help="An empty store to fill: a SQLite path, sqlite:///PATH or postgresql://.")
@click.option("--json", "as_json", is_flag=True, help='Print {"rows": {table: count}, "verified", "problems"}.')
def copy(source: str, target: str, as_json: bool) -> None:
    """Copy every definition version, instance, event (with its hash), ready task, timer and step into an empty
    store, then verify every instance there; exits 1 when the target does not verify.

    Example: sop db copy --from sop.db --to postgresql://sop@db.example:5432/sop
    """
    from engine import StoreError, copy_store

    result = copy_store(source, target)
    if as_json:
        emit_json({"rows": result.rows, "verified": result.verified, "problems": list(result.problems)})
    else:
        for table, count in result.rows.items():
            click.echo(f"{table}: " + translate(N_("{count} rows", count=count)))  # the table's name is an identifier
        say(f"verified {result.verified} instances: all ok" if not result.problems else
            f"verified {result.verified} instances: PROBLEMS")
    if result.problems:
        raise StoreError("The copy does not verify:", problems=list(result.problems))
    if not as_json:
        message("Copied and verified.")


@db.command("gc")
@click.option("--dry-run", is_flag=True, help="Only list the files that would be removed.")
@click.option("--json", "as_json", is_flag=True, help='Print {"files": [{sha256, size, media_type}], "bytes", '
                                                       '"removed", "strays": [path]}.')
@click.pass_context
def gc(ctx: click.Context, dry_run: bool, as_json: bool) -> None:
    """Remove the stored files no instance's history names any more. Example: sop db gc --dry-run"""
    from engine import size_text

    from .context import engine_of

    result = engine_of(ctx).files.gc(dry_run=dry_run)
    if as_json:
        emit_json({"files": [{"sha256": b.sha256, "size": b.size, "media_type": b.media_type} for b in result.files],
                   "bytes": result.size, "removed": result.removed, "strays": list(result.strays)})
        return
    for blob in result.files:
        click.echo(f"{blob.sha256}  {size_text(blob.size):>9}  {blob.media_type}")
    for path in result.strays:  # left in a SQLite store's folder by an interrupted command: listed, removed too
        click.echo(path)
    if not result.files and not result.strays:
        message("No unreferenced files: every stored file is named by an instance's history.")
    elif result.files and dry_run:
        message(f"{len(result.files)} unreferenced file(s), {size_text(result.size)}; run `sop db gc` to remove them.")
    elif result.files:
        message(f"Removed {len(result.files)} unreferenced file(s), {size_text(result.size)}.")
    if result.strays and dry_run:
        message(f"{len(result.strays)} file(s) an interrupted command left beside the store; run `sop db gc` to "
                "remove them.")
    elif result.strays:
        message(f"Removed {len(result.strays)} file(s) an interrupted command left beside the store.")
