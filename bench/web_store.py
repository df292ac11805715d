"""The store (l) serves: the real definitions with their roles pinned and passwords set, and N running instances of
the Interkoneksi SOP waiting at the Kepala Dinas's disposition, made fast: one instance through the engine, then
copied in SQL (every row of every table keyed by instance), on SQLite or PostgreSQL alike."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "interkoneksi_data_baru"
FORMS = ROOT / "forms"
PROCESS = "interkoneksi_data_baru"
TASK, OFFICIAL = "DisposisiKadis", "kadis"  # the step every copied instance waits at, and the one who takes it
CLERK = "tu.umum"  # the roles' operator: applies the roles, sets the passwords
PASSWORD = "bench-kantor-2026"


def definitions_copy() -> Path:
    """The repository's definitions (with roles.yaml) in a temporary folder of their own."""
    folder = Path(tempfile.mkdtemp(prefix="sop-webbench-")) / "definitions"
    shutil.copytree(ROOT / "definitions", folder)
    return folder


def step_data() -> dict[str, Any]:
    """The Kepala Dinas's disposition of the pasang scenario (the artefact every completion posts)."""
    import yaml

    return dict(yaml.safe_load((EXAMPLE / "data" / "02_disposisi_kadis.yaml").read_text("utf-8")))


def build(url: str, definitions: Path, instances: int) -> None:
    """A new store at url: roles applied, the official's and the clerk's passwords set, `instances` running
    instances at TASK (instance 1 made by the engine, the others copies of it)."""
    import yaml

    from engine import Engine

    engine = Engine(
        url, definitions_dir=definitions, forms_dir=FORMS, operator=CLERK, roles=str(definitions / "roles.yaml")
    )
    try:
        engine.context.store(create=True)
        engine.people.apply_roles()
        for login in (OFFICIAL, CLERK):
            engine.people.set_password(login, PASSWORD)
        instance = engine.instances.start(PROCESS).instance
        first = yaml.safe_load((EXAMPLE / "data" / "01_surat_permohonan.yaml").read_text("utf-8"))
        scan = str(EXAMPLE / "berkas" / "surat-permohonan-dinkes.pdf")
        engine.instance(instance).complete(
            "AjukanPermohonan", first, actor="opd.dinkes", attach=[("pindaian_surat", scan)]
        )
    finally:
        engine.close()
    copy_instance(url, instance, instances)


def copy_instance(url: str, source: int, instances: int) -> None:
    """Copies of instance `source` as instances source+1 .. `instances`: its row and every row keyed by it. (The
    copies' event chains name the source's number, so `sop verify` refuses them; nothing here verifies.)"""
    if url.startswith("postgresql://"):
        _copy_postgresql(url, source, instances)
        return
    import sqlite3

    conn = sqlite3.connect(url.removeprefix("sqlite:///"))
    try:
        names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        columns = {t: [r[1] for r in conn.execute(f"PRAGMA table_info({t})")] for t in names}
        with conn:
            for sql in _copies([t for t in names if "instance_id" in columns[t]], columns, source, instances):
                conn.execute(sql)
    finally:
        conn.close()


def _copy_postgresql(url: str, source: int, instances: int) -> None:
    """copy_instance on PostgreSQL, the instances' id sequence moved past the copies."""
    import psycopg

    schema = "FROM information_schema.columns WHERE table_schema = current_schema()"
    with psycopg.connect(url) as conn:
        tables = [r[0] for r in conn.execute(f"SELECT table_name {schema} AND column_name = 'instance_id'")]
        columns = {t: [r[0] for r in conn.execute(f"SELECT column_name {schema} AND table_name = %s "
                                                  "ORDER BY ordinal_position", (t,))] for t in [*tables, "instances"]}
        for statement in _copies(tables, columns, source, instances):
            conn.execute(statement)  # built from the schema's own names and two numbers
        conn.execute(f"SELECT setval(pg_get_serial_sequence('instances', 'id'), {int(instances)})")


def _copies(tables: list[str], columns: dict[str, list[str]], source: int, instances: int) -> list[str]:
    """INSERT ... SELECT statements copying the instance row, then its rows in every other table, to the numbers
    source+1 .. instances (a recursive CTE: the same SQL on SQLite and PostgreSQL)."""
    numbers = f"WITH RECURSIVE n(i) AS (SELECT {source + 1} UNION ALL SELECT i + 1 FROM n WHERE i < {instances}) "

    def copy(table: str, key: str) -> str:
        names = [c for c in columns[table] if (table, c) != ("outbox", "position")]  # copies get new positions
        chosen = ", ".join("n.i" if c == key else f"t.{c}" for c in names)
        return (f"{numbers}INSERT INTO {table} ({', '.join(names)}) SELECT {chosen} FROM {table} t, n "
                f"WHERE t.{key} = {source}")

    return [copy("instances", "id")] + [copy(t, "instance_id") for t in tables]
