"""Writing an output file atomically and safely: a reader never sees half a file, and no planted link is followed.

The text goes to a temporary file that mkstemp creates exclusively (O_CREAT|O_EXCL|O_NOFOLLOW, a random name,
mode 0600) in the target's own folder, then is renamed over the target. A rename replaces the name itself: when
the target is a symbolic link, the link is replaced by the new file and whatever it pointed to is left untouched.
"""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from engine.common.errors import DataFileError
from engine.common.umask import current_umask

_umask = current_umask


def _refusal(path: str, what: str, reason: str) -> DataFileError:
    return DataFileError("Cannot write {what} to {path}: {reason}; choose another file",
                         what=what, path=path, reason=reason)


def _new_mode(target: Path, path: str, what: str) -> int:
    """The new file's mode (an existing file's own, else the umask's); refuses a folder or device, or a link to one."""
    try:
        found = os.lstat(target)
        pointee = os.stat(target) if stat.S_ISLNK(found.st_mode) else found
    except FileNotFoundError:
        return 0o666 & ~_umask()  # no file, or a dangling link: the link is replaced
    except OSError as exc:
        raise _refusal(path, what, exc.strerror or str(exc)) from None
    if stat.S_ISDIR(pointee.st_mode):
        raise _refusal(path, what, "it is a folder; give the path of a file")
    if not stat.S_ISREG(pointee.st_mode):
        raise _refusal(path, what, "it is not a regular file (a device, pipe or socket); leave -o out to write to "
                                   "stdout")
    return stat.S_IMODE(found.st_mode) if stat.S_ISREG(found.st_mode) else 0o666 & ~_umask()


def write_atomically(path: str, content: str | bytes, *, what: str = "the output") -> None:
    """Write text (UTF-8) or bytes to path through an exclusive temporary file renamed over it."""
    target = Path(path)
    if not target.name or path.endswith(os.sep):
        raise _refusal(path, what, "it names a folder; give the path of a file")
    mode = _new_mode(target, path, what)
    data = content.encode("utf-8") if isinstance(content, str) else content
    folder = target.parent
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name[:64]}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise _refusal(path, what, exc.strerror or str(exc)) from None
    try:
        try:
            os.fchmod(fd, mode)
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, target)
    except OSError as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass  # nothing more can be undone: the target was not touched
        raise _refusal(path, what, exc.strerror or str(exc)) from None


@contextmanager
def atomic_output(path: str, *, what: str = "the output") -> Iterator[BinaryIO]:
    """A binary file to write path through piece by piece (output too large to hold whole): an exclusive temporary
    file in the target's folder, renamed over the target when the block ends, removed if it raises."""
    target = Path(path)
    if not target.name or path.endswith(os.sep):
        raise _refusal(path, what, "it names a folder; give the path of a file")
    mode = _new_mode(target, path, what)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name[:64]}.", suffix=".tmp", dir=target.parent)
    except OSError as exc:
        raise _refusal(path, what, exc.strerror or str(exc)) from None
    try:
        with os.fdopen(fd, "wb") as file:
            os.fchmod(file.fileno(), mode)
            yield file
            file.flush()
            os.fsync(file.fileno())
        os.replace(tmp, target)
    except OSError as exc:
        _remove(tmp)
        raise _refusal(path, what, exc.strerror or str(exc)) from None
    except BaseException:
        _remove(tmp)
        raise


def _remove(tmp: str) -> None:
    try:
        os.unlink(tmp)
    except OSError:
        pass  # nothing more can be undone: the target was not touched
