"""The store contract for attached files: stored once by hash in chunks, named by rows, collected when unnamed;
run alike on SQLite and PostgreSQL."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import nullcontext
from pathlib import Path

import pytest

from engine.common.errors import StoreError
from engine.store.opening import open_store
from engine.store.protocol import AttachmentRow, BlobRow, InstanceRow, Store, VersionRow

VERSION = VersionRow("v1", "proc", "Proc", "{}", "{}", "2026-01-01T00:00:00.000Z")
SHA_A, SHA_B = "a" * 64, "b" * 64


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """A fresh, created store of each kind."""
    location = str(tmp_path / "s.db") if request.param == "sqlite" else str(request.getfixturevalue("pg_url"))
    opened = open_store(location, create=True)
    try:
        yield opened
    finally:
        opened.close()


def _instance(store: Store) -> int:
    with store.transaction() as tx:
        tx.put_version(VERSION)
        return tx.create_instance(InstanceRow(0, "proc", "v1", "running", "t", "t", "me", b"", "", 0, 0, "v1"))


def _folder_files(store: Store) -> list[str]:
    """The files in a SQLite store's folder (none for PostgreSQL)."""
    folder = Path(f"{store.location}-files")
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


def test_a_file_is_stored_once_in_order_and_read_back_in_pieces(store: Store) -> None:
    """put_blob keeps the bytes in order; a second put of the same hash stores nothing and reads no chunk."""
    with store.transaction() as tx:
        assert tx.put_blob(BlobRow(SHA_A, 6, "text/plain", 3, "t"), [b"ab", b"cd", b"ef"])
        assert not tx.put_blob(BlobRow(SHA_A, 6, "text/plain", 3, "t"), iter(()))  # nothing read
        assert tx.get_blob(SHA_A) == BlobRow(SHA_A, 6, "text/plain", 3, "t")
    pieces = list(store.blob_chunks(SHA_A))
    assert b"".join(pieces) == b"abcdef" and all(pieces)
    assert store.blob(SHA_B) is None and list(store.blob_chunks(SHA_B)) == []


def test_rows_name_files_and_unnamed_files_are_collected(store: Store) -> None:
    """Attachment rows list by instance and event; a file no row names is unreferenced until deleted."""
    instance = _instance(store)
    with store.transaction() as tx:
        tx.put_blob(BlobRow(SHA_A, 1, "text/plain", 1, "t"), [b"a"])
        tx.put_blob(BlobRow(SHA_B, 1, "text/plain", 1, "t"), [b"b"])
        tx.add_attachments([AttachmentRow(instance, 2, "T", "f", 1, SHA_A, "x.txt", "text/plain", 1),
                            AttachmentRow(instance, 2, "T", "f", 0, SHA_A, "x.txt", "text/plain", 1)])
    assert [r.position for r in store.attachments(instance)] == [0, 1] and store.attachments(instance + 1) == []
    assert [b.sha256 for b in store.unreferenced_blobs()] == [SHA_B]
    with store.transaction() as tx:
        tx.delete_blob(SHA_B)
    assert store.unreferenced_blobs() == [] and store.blob(SHA_B) is None


def test_a_failed_transaction_leaves_no_chunk(store: Store) -> None:
    """A file whose chunks fail half-way is not stored at all: the transaction rolls everything back."""
    def chunks() -> Iterator[bytes]:
        yield b"half"
        raise StoreError("the file changed")

    with pytest.raises(StoreError, match="changed"), store.transaction() as tx:
        tx.put_blob(BlobRow(SHA_A, 8, "text/plain", 2, "t"), chunks())
    assert store.blob(SHA_A) is None and list(store.blob_chunks(SHA_A)) == [] and _folder_files(store) == []


def test_a_sqlite_transaction_rolled_back_removes_the_file_it_renamed(tmp_path: Path) -> None:
    """A staged copy renamed to its hash is removed again when the transaction fails after it, under the lock;
    a committed one stays, and a second put of it stores nothing."""
    from engine.store.sqlite_store import SqliteStore

    store = SqliteStore(str(tmp_path / "s.db"), create=True)
    try:
        for commit in (False, True):
            copy = store.files.stage()
            copy.write(memoryview(b"hello"))
            copy.sync()
            copy.close()
            staged = copy.path
            with pytest.raises(StoreError, match="later") if not commit else nullcontext(), \
                    store.transaction() as tx:
                assert tx.put_blob(BlobRow(SHA_A, 5, "text/plain", 1, "t"), iter(()), staged)
                assert _folder_files(store) == [f"aa/{SHA_A}"]
                if not commit:
                    raise StoreError("a later step refused")
            assert _folder_files(store) == ([f"aa/{SHA_A}"] if commit else [])
        with store.transaction() as tx:
            assert not tx.put_blob(BlobRow(SHA_A, 5, "text/plain", 1, "t"), iter(()), "/nonexistent")
        assert b"".join(store.blob_chunks(SHA_A)) == b"hello" and store.stray_files() == []
    finally:
        store.close()


def test_a_sqlite_row_whose_file_is_gone_gets_it_back_from_the_next_put(tmp_path: Path) -> None:
    """A row left without its file (a gc whose commit failed) does not dedupe a new put to nothing."""
    from engine.store.sqlite_store import SqliteStore

    store = SqliteStore(str(tmp_path / "s.db"), create=True)
    try:
        with store.transaction() as tx:
            tx.put_blob(BlobRow(SHA_A, 5, "text/plain", 1, "t"), [b"hello"])
        os.unlink(store.files.path(SHA_A))
        with store.transaction() as tx:
            assert tx.put_blob(BlobRow(SHA_A, 5, "text/plain", 1, "t"), [b"hello"])
        assert b"".join(store.blob_chunks(SHA_A)) == b"hello"
    finally:
        store.close()


def test_two_postgresql_commands_storing_one_file_at_once_store_it_once(pg_url: str) -> None:
    """The second command waits for the first one's commit, then stores nothing (its chunks are never read)."""
    import threading

    first, second = open_store(pg_url, create=True), open_store(pg_url, create=False)
    read: list[bytes] = []
    outcome: list[bool] = []

    def chunks() -> Iterator[bytes]:
        read.append(b"second")
        yield b"second"

    try:
        with first.transaction() as tx:
            assert tx.put_blob(BlobRow(SHA_A, 5, "text/plain", 1, "t"), [b"first"])

            def other() -> None:
                with second.transaction() as tx2:
                    outcome.append(tx2.put_blob(BlobRow(SHA_A, 6, "text/plain", 1, "t"), chunks()))

            waiting = threading.Thread(target=other)
            waiting.start()
            waiting.join(0.5)
            assert waiting.is_alive()  # held by the first one's uncommitted row
        waiting.join(10)
        assert outcome == [False] and read == []
        assert b"".join(first.blob_chunks(SHA_A)) == b"first"
    finally:
        first.close()
        second.close()
