"""A SQLite store's attached files, kept by SHA-256 in a folder beside it (`sop.db-files/ab/abcd…`): a file goes
through SQLite's write-ahead log and then into the store file, twice, so beside it a file is written once.

A new file is copied into `staging/` and fsynced before the store is locked; under the write lock it is renamed
to its hash and the folder fsynced, then the store commits the rows that name it. A crash in between leaves a
file no row names, which `sop db gc` finds; a rolled-back transaction removes what it renamed, still locked."""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Iterator

from engine.common.errors import StoreError
from engine.common.umask import current_umask

READ_SIZE = 1024 * 1024
WRITE_BACK_EVERY = 4 * 1024 * 1024  # a staged copy's bytes are sent on to the disk in pieces this large
STAGING = "staging"
# A staged copy older than this belongs to no running command (a command stages its files just before it
# locks the store): `sop db gc` may remove it.
STALE_SECONDS = 3600


def _is_sha256(name: str) -> bool:
    return len(name) == 64 and all(c in "0123456789abcdef" for c in name)


class StagedCopy:
    """A new file in staging/ being written as an operator's file is read: its path; its errors name the store."""

    def __init__(self, fd: int, path: str, location: str) -> None:
        self.fd, self.path, self.location = fd, path, location
        self.size = self.sent = 0

    def write(self, data: memoryview) -> None:
        """Append the bytes; every few MiB, start writing them to disk."""
        view = data
        try:
            while view:
                view = view[os.write(self.fd, view):]
        except OSError as exc:
            raise StoreError("Store '{location}' failed ({exc}); nothing was saved",
                             location=self.location, exc=exc) from None
        self.size += len(data)
        if self.size - self.sent >= WRITE_BACK_EVERY and hasattr(os, "posix_fadvise"):
            # Linux starts write-back of dirty pages it is told are not needed: the closing fsync then has
            # little left to wait for (~10 of 20 ms for 20 MB here). The fsync still decides what is durable.
            os.posix_fadvise(self.fd, self.sent, self.size - self.sent, os.POSIX_FADV_DONTNEED)
            self.sent = self.size

    def sync(self) -> None:
        """fsync the copy."""
        try:
            os.fsync(self.fd)
        except OSError as exc:
            raise StoreError("Store '{location}' failed ({exc}); nothing was saved",
                             location=self.location, exc=exc) from None

    def close(self) -> None:
        """Close the descriptor, once (the file stays, for place() or discard())."""
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1


class FileFolder:
    """The folder of one SQLite store's files."""

    def __init__(self, store_path: str) -> None:
        self.location = store_path
        self.root = os.path.abspath(store_path) + "-files"

    def path(self, sha256: str) -> str:
        """Where a stored file lives; a name that is not a SHA-256 (a row edited by hand) never leaves the folder."""
        if not _is_sha256(sha256):
            exc = f"{sha256[:80]!r} is not a SHA-256"
            raise StoreError("Store '{location}' cannot be read ({exc})", location=self.location, exc=exc)
        return os.path.join(self.root, sha256[:2], sha256)

    def _folder(self, path: str) -> None:
        """Make a folder (and the root) group-writable like the store file, and fsync its parent once made."""
        if os.path.isdir(path):
            return
        parent = os.path.dirname(path)
        if path != self.root:
            self._folder(parent)
        try:
            os.mkdir(path, 0o770)
            # the group's, as the store file's; no one else's
            os.chmod(path, (os.stat(path).st_mode & 0o7777 | 0o070) & ~0o007)
            _sync_folder(parent)
        except FileExistsError:
            return  # another command made it
        except OSError as exc:
            raise StoreError("Store '{location}' failed ({exc}); nothing was saved",
                             location=self.location, exc=exc) from None

    def stage(self) -> StagedCopy:
        """A new, empty, group-writable file in staging/ to copy a file into."""
        folder = os.path.join(self.root, STAGING)
        self._folder(folder)
        try:
            import tempfile  # 6 ms of imports (shutil, random...): only for a command that stores a file

            fd, path = tempfile.mkstemp(prefix="new-", suffix=".part", dir=folder)
            os.fchmod(fd, (0o666 & ~current_umask() | 0o060) & ~0o007)
        except OSError as exc:
            raise StoreError("Store '{location}' failed ({exc}); nothing was saved",
                             location=self.location, exc=exc) from None
        return StagedCopy(fd, path, self.location)

    def place(self, staged: str, sha256: str) -> None:
        """Rename a durable staged copy to its hash and make the rename durable (under the write lock)."""
        final = self.path(sha256)
        self._folder(os.path.dirname(final))
        try:
            os.replace(staged, final)  # an earlier crash's leftover of the same hash has the same bytes
            _sync_folder(os.path.dirname(final))
        except OSError as exc:
            raise StoreError("Store '{location}' failed ({exc}); nothing was saved",
                             location=self.location, exc=exc) from None

    def write(self, sha256: str, chunks: Iterable[bytes]) -> None:
        """Store a file from its chunks (`sop db copy`): staged, fsynced, placed."""
        copy = self.stage()
        try:
            for chunk in chunks:
                copy.write(memoryview(chunk))
            copy.sync()
            copy.close()
            self.place(copy.path, sha256)
        finally:
            copy.close()
            discard(copy.path)

    def has(self, sha256: str) -> bool:
        """Whether the folder holds the file."""
        return _is_sha256(sha256) and os.path.isfile(self.path(sha256))

    def read(self, sha256: str) -> Iterator[bytes]:
        """The file's bytes in 1 MiB pieces; none when it is missing."""
        if not _is_sha256(sha256):
            return
        try:
            stream = open(self.path(sha256), "rb", buffering=0)
        except FileNotFoundError:
            return
        except OSError as exc:
            raise StoreError("Store '{location}' cannot be read ({exc})", location=self.location, exc=exc) from None
        with stream:
            while piece := stream.read(READ_SIZE):
                yield piece

    def remove(self, sha256: str) -> None:
        """Remove a stored file (gone already is fine)."""
        if _is_sha256(sha256):
            discard(self.path(sha256))

    def leftovers(self, stored: set[str]) -> list[str]:
        """Files no store row names (a crash between rename and commit) and stale staged copies: their paths."""
        out = []
        try:
            folders = sorted(os.listdir(self.root))
        except FileNotFoundError:
            return []
        for folder in folders:
            inner = os.path.join(self.root, folder)
            if not os.path.isdir(inner) or os.path.islink(inner):
                continue
            try:
                names = sorted(os.listdir(inner))
            except FileNotFoundError:
                continue
            for name in names:
                path = os.path.join(inner, name)
                if folder == STAGING:
                    if _modified(path) < time.time() - STALE_SECONDS:
                        out.append(path)
                elif _is_sha256(name) and name[:2] == folder and name not in stored:
                    out.append(path)
        return out


def discard(path: str) -> None:
    """Remove a file if it is there."""
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def _modified(path: str) -> float:
    """A file's modification time; now for one that has just gone (renamed by the command that staged it)."""
    try:
        return os.path.getmtime(path)
    except FileNotFoundError:
        return time.time()


def _sync_folder(path: str) -> None:
    """fsync a folder, so a file made or renamed in it survives a power cut."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
