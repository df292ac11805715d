"""Opening the store a --db value names: a SQLite file (path or sqlite:///PATH) or a postgresql:// URL."""

from __future__ import annotations

from engine.common.errors import StoreError
from engine.store.labels import store_label
from engine.store.protocol import Store


def open_store(location: str, create: bool) -> Store:
    """Open the store a --db value names: a SQLite path (or sqlite:///PATH) or a postgresql:// URL."""
    if not location.strip():
        raise StoreError("--db is empty; give the path of a store file such as ./sop.db (or set SOP_DB)")
    if location.startswith(("postgresql://", "postgres://")):
        return _open_postgresql(location, create)
    if location.startswith("sqlite:///"):
        location = location[len("sqlite:///"):]
        if not location.strip():
            raise StoreError("--db 'sqlite:///' names no file; give sqlite:///PATH, e.g. sqlite:///sop.db")
    elif "://" in location:
        raise StoreError("--db {location!r}: unsupported store URL; give a SQLite file path, sqlite:///PATH or "
                         "postgresql://USER@HOST:PORT/DB", location=store_label(location))
    if location.strip() == ":memory:" or location.startswith("file::memory:"):
        raise StoreError("--db {location!r} is a store in memory, which keeps nothing after the command; give the "
                         "path of a store file such as ./sop.db", location=location)
    from engine.store.sqlite_store import SqliteStore

    return SqliteStore(location, create=create)


def _open_postgresql(url: str, create: bool) -> Store:
    """A PostgreSQL store; psycopg is imported only here, for a PostgreSQL URL."""
    try:
        from engine.store.pg_store import PgStore
    except ImportError:
        raise StoreError(
            "--db names a PostgreSQL store but psycopg is not installed; install the extra: "
            "pip install 'sop[postgres]' (or pip install 'psycopg[binary]')"
        ) from None
    return PgStore(url, create=create)
