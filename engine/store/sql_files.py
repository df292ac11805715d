"""Attached files in both stores: a file once by SHA-256 in numbered chunks, and the events that name it."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from engine.store.protocol import AttachmentRow, BlobRow

if TYPE_CHECKING:
    from engine.store.file_folder import FileFolder

ATTACHMENT_COLUMNS = "instance_id, seq, task, field, position, sha256, name, media_type, size"
BLOB_COLUMNS = "sha256, size, media_type, chunks, created_at"


class SqlFileWrites(ABC):
    """The Transaction's file writes; the transaction supplies `_run`, `_all` and `_many`."""

    @abstractmethod
    def _run(self, sql: str, params: tuple[Any, ...] = ()) -> int:
        """Execute one statement; the number of rows it changed."""

    @abstractmethod
    def _all(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        """The rows of one read."""

    @abstractmethod
    def _many(self, sql: str, rows: list[tuple[Any, ...]]) -> None:
        """Execute one statement for each row (nothing for no rows)."""

    def get_blob(self, sha256: str) -> BlobRow | None:
        """A stored file's row, or None."""
        rows = self._all(f"SELECT {BLOB_COLUMNS} FROM blobs WHERE sha256 = ?", (sha256,))
        return BlobRow(*rows[0]) if rows else None

    def put_blob(self, row: BlobRow, chunks: Iterable[bytes], staged: str | None = None) -> bool:
        """Store a file's row and then its chunks one by one; False when it was stored already (staged: for a
        store that keeps files in a folder; this one reads the chunks)."""
        # ON CONFLICT: a second command storing the same file waits for the first one's commit (PostgreSQL),
        # then stores nothing; the first one's chunks are the file's.
        added = self._run(f"INSERT INTO blobs ({BLOB_COLUMNS}) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                          tuple(row))
        if not added:
            return False
        count = 0
        for n, chunk in enumerate(chunks):
            self._run("INSERT INTO blob_chunks (sha256, n, data) VALUES (?, ?, ?)", (row.sha256, n, chunk))
            count += 1
        if count != row.chunks:
            self._run("UPDATE blobs SET chunks = ? WHERE sha256 = ?", (count, row.sha256))
        return True

    def add_attachments(self, rows: list[AttachmentRow]) -> None:
        """Record the files an event's artefact names."""
        self._many(f"INSERT INTO attachments ({ATTACHMENT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                   [tuple(r) for r in rows])

    def delete_blob(self, sha256: str) -> None:
        """Remove a stored file and its chunks."""
        self._run("DELETE FROM blob_chunks WHERE sha256 = ?", (sha256,))
        self._run("DELETE FROM blobs WHERE sha256 = ?", (sha256,))


class SqlFileReads(ABC):
    """The Store's file reads; the store supplies `_query` and its schema version."""

    files_since: int

    @abstractmethod
    def schema_version(self) -> int:
        """Supplied by the dialect."""

    @abstractmethod
    def _query(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        """Supplied by the dialect."""

    def _has_files(self) -> bool:
        return self.schema_version() >= self.files_since

    def attachments(self, instance_id: int | None = None) -> list[AttachmentRow]:
        """The files the events name (of one instance, or all), by instance, event, field and position."""
        if not self._has_files():
            return []
        where, params = (" WHERE instance_id = ?", (instance_id,)) if instance_id is not None else ("", ())
        rows = self._query(f"SELECT {ATTACHMENT_COLUMNS} FROM attachments{where} "
                           "ORDER BY instance_id, seq, field, position", params)
        return [AttachmentRow(*r) for r in rows]

    def blob(self, sha256: str) -> BlobRow | None:
        """A stored file's row, or None."""
        if not self._has_files():
            return None
        rows = self._query(f"SELECT {BLOB_COLUMNS} FROM blobs WHERE sha256 = ?", (sha256,))
        return BlobRow(*rows[0]) if rows else None

    def blob_chunks(self, sha256: str) -> Iterator[bytes]:
        """A stored file's bytes, one chunk per query, in order (a chunk missing ends them early)."""
        if not self._has_files():
            return
        numbers = [int(r[0]) for r in self._query("SELECT n FROM blob_chunks WHERE sha256 = ? ORDER BY n",
                                                  (sha256,))]
        for n in numbers:
            rows = self._query("SELECT data FROM blob_chunks WHERE sha256 = ? AND n = ?", (sha256, n))
            if rows:
                yield bytes(rows[0][0])

    def file_stage(self) -> FileFolder | None:
        """Where a command copies a new file before it locks the store; None: the store reads it in chunks."""
        return None

    def stray_files(self) -> list[str]:
        """Files beside the store that no row names (a store that keeps files in a folder); none here."""
        return []

    def unreferenced_blobs(self) -> list[BlobRow]:
        """Stored files no event names any more."""
        if not self._has_files():
            return []
        rows = self._query(f"SELECT {BLOB_COLUMNS} FROM blobs b WHERE NOT EXISTS "
                           "(SELECT 1 FROM attachments a WHERE a.sha256 = b.sha256) ORDER BY sha256")
        return [BlobRow(*r) for r in rows]
