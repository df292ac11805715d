"""A SQLite store's attached files, kept by SHA-256 in a folder beside it (`sop.db-files/ab/abcd…`): a file goes
through SQLite's write-ahead log and then into the store file, twice, so beside it a file is written once.

A new file is copied into `staging/` and fsynced before the store is locked; under the write lock it is renamed
to its hash and the folder fsynced, then the store commits the rows that name it. A crash in between leaves a
file no row names, which `sop db gc` finds; a rolled-back transaction removes what it renamed, still locked."""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Iterable, Iterator

from engine.common.errors import StoreError

READ_SIZE = 1024 * 1024
STAGING = "staging"
# A staged copy older than this belongs to no running command (a command stages its files just before it
# locks the store): `sop db gc` may remove it.
STALE_SECONDS = 3600


def _is_sha256(name: str) -> bool:
    return len(name) == 64 and all(c in "0123456789abcdef" for c in name)


class FileFolder:
    """The folder of one SQLite store's files."""

    def __init__(self, store_path: str) -> None:
        self.root = os.path.abspath(store_path) + "-files"

    def path(self, sha256: str) -> str:
        """Where a stored file lives."""
        return os.path.join(self.root, sha256[:2], sha256)

    def _folder(self, path: str) -> None:
        """Make a folder (and the root) group-writable like the store file, and fsync its parent once made."""
        if os.path.isdir(path):
            return
        parent = os.path.dirname(path)
        if path != self.root:
            self._folder(parent)
        try:
            os.mkdir(path, 0o777)
            os.chmod(path, os.stat(path).st_mode & 0o7777 | 0o070)  # noqa: S103 (group-shared, as the store file)
        except FileExistsError:
            return  # another command made it
        except OSError as exc:
            raise StoreError(f"Cannot make the store's file folder {path} ({exc.strerror or exc}); nothing was "
                             "saved. Check its permissions and free space") from None
        _sync_folder(parent)

    def stage(self) -> tuple[int, str]:
        """A new, empty, group-writable file in staging/ to copy a file into: (descriptor, path)."""
        folder = os.path.join(self.root, STAGING)
        self._folder(folder)
        try:
            fd, path = tempfile.mkstemp(prefix="new-", suffix=".part", dir=folder)
            os.fchmod(fd, 0o666 & ~_umask() | 0o060)
        except OSError as exc:
            raise StoreError(f"Cannot write in the store's file folder {folder} ({exc.strerror or exc}); nothing "
                             "was saved. Check its permissions and free space") from None
        return fd, path

    def place(self, staged: str, sha256: str) -> None:
        """Rename a durable staged copy to its hash and make the rename durable (under the write lock)."""
        final = self.path(sha256)
        self._folder(os.path.dirname(final))
        try:
            os.replace(staged, final)  # an earlier crash's leftover of the same hash has the same bytes
        except OSError as exc:
            raise StoreError(f"Cannot store file {sha256[:12]} in {self.root} ({exc.strerror or exc}); nothing "
                             "was saved") from None
        _sync_folder(os.path.dirname(final))

    def write(self, sha256: str, chunks: Iterable[bytes]) -> None:
        """Store a file from its chunks (`sop db copy`): staged, fsynced, placed."""
        fd, staged = self.stage()
        try:
            with os.fdopen(fd, "wb") as out:
                for chunk in chunks:
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            self.place(staged, sha256)
        except OSError as exc:
            raise StoreError(f"Cannot store file {sha256[:12]} in {self.root} ({exc.strerror or exc}); nothing "
                             "was saved") from None
        finally:
            discard(staged)

    def has(self, sha256: str) -> bool:
        """Whether the folder holds the file."""
        return os.path.isfile(self.path(sha256))

    def read(self, sha256: str) -> Iterator[bytes]:
        """The file's bytes in 1 MiB pieces; none when it is missing."""
        try:
            stream = open(self.path(sha256), "rb", buffering=0)
        except FileNotFoundError:
            return
        except OSError as exc:
            raise StoreError(f"Cannot read stored file {sha256[:12]} in {self.root} ({exc.strerror or exc})") \
                from None
        with stream:
            while piece := stream.read(READ_SIZE):
                yield piece

    def remove(self, sha256: str) -> None:
        """Remove a stored file (gone already is fine)."""
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
            for name in sorted(os.listdir(inner)):
                path = os.path.join(inner, name)
                if folder == STAGING:
                    if os.path.getmtime(path) < time.time() - STALE_SECONDS:
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


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _sync_folder(path: str) -> None:
    """fsync a folder, so a file made or renamed in it survives a power cut."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
