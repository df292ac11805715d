"""Store administration: `sop db copy` moves a whole store between SQLite and PostgreSQL."""

from __future__ import annotations

import click

from .render import emit_json, message, say
from .words import N_, translate


@click.group()
def db() -> None:
    """Administer stores (copy one into another)."""


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
            click.echo(f"{table}: " + translate(N_(f"{count} rows")))  # the table's name is an identifier
        say(f"verified {result.verified} instances: all ok" if not result.problems else
            f"verified {result.verified} instances: PROBLEMS")
    if result.problems:
        raise StoreError("The copy does not verify:\n" + "\n".join(f"  - {p}" for p in result.problems))
    if not as_json:
        message("Copied and verified.")
