"""An operator's file, read in chunks (never whole in memory): its SHA-256, size and media type from its content."""

from __future__ import annotations

import errno
import hashlib
import io
import os
import stat
import threading
from collections.abc import Callable, Iterator
from typing import NamedTuple, Protocol

from engine.common.errors import DataFileError, ValidationError

CHUNK_SIZE = 1024 * 1024  # one stored chunk: 1 MiB
HEAD_SIZE = 64 * 1024  # what the media type is detected from
OCTET_STREAM = "application/octet-stream"


class ScannedFile(NamedTuple):
    """A file as read once: where, its name, size, hash and detected media type, and its identity on disk."""

    path: str
    name: str
    size: int
    sha256: str
    media_type: str
    identity: tuple[int, int, int]  # device, inode, mtime_ns: a file replaced before it is stored is refused
    staged: str | None = None  # the store's durable copy of exactly these bytes, when it took one


def _open(path: str, what: str) -> tuple[int, os.stat_result]:
    """An open descriptor on a regular file; DataFileError naming what is wrong with the path otherwise."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise DataFileError("{what}: there is no file {path}; check the path; nothing was saved",
                            what=what, path=path) from None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise DataFileError("{what}: {path} is a loop of symbolic links; give the path of a real file; "
                                "nothing was saved", what=what, path=path) from None
        raise DataFileError("{what}: cannot read {path} ({strerror}); nothing was saved",
                            what=what, path=path, strerror=exc.strerror or exc) from None
    if stat.S_ISDIR(info.st_mode):
        raise DataFileError("{what}: {path} is a folder; give the path of one file; nothing was saved",
                            what=what, path=path)
    if not stat.S_ISREG(info.st_mode):
        raise DataFileError("{what}: {path} is not a regular file (a device, pipe or socket); give the path of a "
                            "file; nothing was saved", what=what, path=path)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise DataFileError("{what}: cannot read {path} ({strerror}); nothing was saved",
                            what=what, path=path, strerror=exc.strerror or exc) from None
    opened = os.fstat(fd)
    if (opened.st_dev, opened.st_ino) != (info.st_dev, info.st_ino) or not stat.S_ISREG(opened.st_mode):
        os.close(fd)
        raise DataFileError("{what}: {path} was replaced while being read; try again; nothing was saved",
                            what=what, path=path)
    return fd, opened


def _identity(info: os.stat_result) -> tuple[int, int, int]:
    return info.st_dev, info.st_ino, info.st_mtime_ns


def detect_media_type(head: bytes) -> str:
    """The media type the first bytes of a file show (puremagic's signatures); UTF-8 text without NULs is
    text/plain; anything else application/octet-stream."""
    import puremagic

    try:
        found = puremagic.from_string(head, mime=True)
    except (puremagic.PureError, ValueError):
        found = ""
    if found and head.startswith(b"PK\x03\x04"):
        return _zip_media_type(head)  # puremagic calls every ZIP a Word document
    if found:
        return str(found)
    if head and b"\x00" not in head:
        try:
            head.decode("utf-8")
            return "text/plain"
        except UnicodeDecodeError as exc:
            if exc.start >= len(head) - 3:  # a character cut by the head's end
                return "text/plain"
    return OCTET_STREAM


# Office Open XML documents by the folder their parts live in.
_OOXML = {b"word/": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
          b"xl/": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
          b"ppt/": "application/vnd.openxmlformats-officedocument.presentationml.presentation"}
_OPENDOCUMENT = (b"application/vnd.oasis.opendocument.text", b"application/vnd.oasis.opendocument.spreadsheet",
                 b"application/vnd.oasis.opendocument.presentation")


def _zip_media_type(head: bytes) -> str:
    """A ZIP's media type from the names of the entries whose local headers lie in the head: an Office Open XML
    document by its parts' folder, an OpenDocument by its `mimetype` entry, else a plain ZIP archive."""
    import re
    import struct

    for found in re.finditer(b"PK\x03\x04", head):
        start = found.start()
        if start + 30 > len(head):
            break
        name_length, extra_length = struct.unpack_from("<HH", head, start + 26)
        name = head[start + 30:start + 30 + name_length]
        for folder, media_type in _OOXML.items():
            if name.startswith(folder):
                return media_type
        if name == b"mimetype":
            body = head[start + 30 + name_length + extra_length:][:60]
            for kind in _OPENDOCUMENT:
                if body.startswith(kind):
                    return kind.decode()
    return "application/zip"


def _too_large(what: str, path: str, limit: int) -> ValidationError:
    return ValidationError("{what}: {path} is larger than the form allows ({limit} bytes at most); attach a smaller "
                           "file; nothing was saved", what=what, path=path, limit=limit)


class CopyTarget(Protocol):
    """Where a store takes its copy of a file as it is read (SQLite: a staged file beside the store)."""

    def write(self, data: memoryview) -> None:
        """Append the bytes (StoreError naming the store if it cannot)."""

    def sync(self) -> None:
        """Make what was written durable (StoreError naming the store if it cannot)."""


def scan_file(path: str, what: str, limit: int, copy: CopyTarget | None = None) -> ScannedFile:
    """Read a file once: hash, size and media type; refuses a missing file, a folder, a link loop, a device, and
    a file over limit bytes (stops reading there). copy: gets each piece as it is read and hashed, and is synced
    at the end: it holds exactly the bytes hashed; a file changed while it was read (a torn copy of neither
    version) is refused."""
    fd, info = _open(path, what)
    if info.st_size > limit:
        os.close(fd)
        raise _too_large(what, path, limit)
    digest = hashlib.sha256()
    too_large = _too_large(what, path, limit)
    try:
        with os.fdopen(fd, "rb", buffering=0) as stream:
            size, head = _copy(_pieces(stream, limit, too_large), digest, copy)
            after = os.fstat(stream.fileno())
    except OSError as exc:
        raise DataFileError("{what}: cannot read {path} ({strerror}); nothing was saved",
                            what=what, path=path, strerror=exc.strerror or exc) from None
    if copy is None:
        media_type = detect_media_type(head)
    elif _identity(after) != _identity(info) or after.st_size != size:
        raise DataFileError("{what}: {path} was replaced while being read; try again; nothing was saved",
                            what=what, path=path)
    else:
        media_type = _synced_meanwhile(copy, lambda: detect_media_type(head))
    name = os.path.basename(os.path.normpath(path)) or "file"
    return ScannedFile(path, name, size, digest.hexdigest(), media_type, _identity(info))


def _pieces(stream: io.RawIOBase, limit: int, too_large: ValidationError) -> Iterator[memoryview]:
    """The file in CHUNK_SIZE pieces, read into one buffer (no new memory per piece): a piece is valid until the
    next one is read."""
    buffer = bytearray(CHUNK_SIZE)
    size = 0
    while True:
        got = stream.readinto(buffer)
        if not got:
            return
        size += got
        if size > limit:
            raise too_large
        yield memoryview(buffer)[:got]


def _copy(pieces: Iterator[memoryview], digest: hashlib._Hash, copy: CopyTarget | None) -> tuple[int, bytes]:
    """Hash each piece and write it to copy (when there is one); (size, the first HEAD_SIZE bytes)."""
    # Measured: hashing in a second thread while writing (hashlib and os.write let go of the GIL) gained ~4 ms
    # of 25 for 20 MB on an idle 2-core machine and lost 10-20 ms on a busy one (a hand-off per piece waits for
    # the scheduler), so one thread does both.
    size, head = 0, b""
    for piece in pieces:
        size += len(piece)
        if len(head) < HEAD_SIZE:
            head += piece[: HEAD_SIZE - len(head)]
        digest.update(piece)
        if copy is not None:
            copy.write(piece)
    return size, head


def _synced_meanwhile(copy: CopyTarget, work: Callable[[], str]) -> str:
    """Sync the copy in a second thread while this one does work (the media type: pure Python, while the fsync
    only waits for the disk); work's result once both are done."""
    failed: list[BaseException] = []

    def sync() -> None:
        try:
            copy.sync()
        except BaseException as exc:  # raised again below, in the calling thread
            failed.append(exc)

    syncing = threading.Thread(target=sync)
    syncing.start()
    try:
        done = work()
    finally:
        syncing.join()
    if failed:
        raise failed[0]
    return done


def file_chunks(scanned: ScannedFile, what: str) -> Iterator[bytes]:
    """The file's bytes in chunks, read again; DataFileError when they are not the ones scanned (changed since)."""
    fd, info = _open(scanned.path, what)
    changed = DataFileError("{what}: {path} changed while it was being stored; try again; nothing was "
                            "saved", what=what, path=scanned.path)
    if _identity(info) != scanned.identity:
        os.close(fd)
        raise changed
    digest = hashlib.sha256()
    size = 0
    with os.fdopen(fd, "rb", buffering=0) as stream:
        while chunk := stream.read(CHUNK_SIZE):
            size += len(chunk)
            if size > scanned.size:
                raise changed
            digest.update(chunk)
            yield chunk
    if size != scanned.size or digest.hexdigest() != scanned.sha256:
        raise changed
