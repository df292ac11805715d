"""Attached files: list an instance's, write them out, collect the ones no event names any more."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, NamedTuple

from engine.common.errors import DataFileError, NotFoundError, StoreError
from engine.common.i18n import N_
from engine.common.models import AttachmentView
from engine.store.protocol import Store

if TYPE_CHECKING:
    from collections.abc import Iterator

    from engine.service.context import EngineContext
    from engine.store.protocol import BlobRow


class GcResult(NamedTuple):
    """The stored files no event names: removed (or, on a dry run, that would be), and their bytes; and the paths
    of a SQLite store's stray files (removed with them)."""

    files: tuple[BlobRow, ...]
    size: int
    removed: bool
    strays: tuple[str, ...] = ()  # paths in a SQLite store's folder no row names (a crash before commit)


class FileService:
    """The store's files as a whole (`sop db gc`); an instance's own files are on its handle."""

    def __init__(self, context: EngineContext) -> None:
        self._context = context

    def gc(self, *, dry_run: bool = False) -> GcResult:
        """Remove the stored files no event names any more (after a copy or a deletion), and the files a crash
        left in a SQLite store's folder without a row; dry_run: only list them."""
        from engine.store.file_folder import discard

        store = self._context.store()
        found, strays = tuple(store.unreferenced_blobs()), tuple(store.stray_files())
        if (found or strays) and not dry_run:
            with store.transaction() as tx:  # listed again under the write lock: no command is storing one now
                found, strays = tuple(store.unreferenced_blobs()), tuple(store.stray_files())
                for blob in found:
                    tx.delete_blob(blob.sha256)
                for path in strays:
                    discard(path)
        return GcResult(found, sum(b.size for b in found), bool(found or strays) and not dry_run, strays)


def attachments(context: EngineContext, instance: int, *, task: str | None = None,
                field: str | None = None) -> list[AttachmentView]:
    """The files an instance's artefacts name, in event order; task (BPMN id) and field narrow them."""
    context.instance_row(instance)
    rows = context.store().attachments(instance)
    found = [AttachmentView(r.instance_id, r.seq, r.task, r.field, r.position, r.name, r.media_type, r.size,
                            r.sha256) for r in rows]
    if task is not None:
        narrowed = [a for a in found if a.task == task]
        if not narrowed:
            tasks = ", ".join(dict.fromkeys(a.task for a in found)) or N_("none")
            raise NotFoundError("Instance {instance} has no file attached to task '{task}'; tasks with files: "
                                "{tasks}", instance=instance, task=task, tasks=tasks)
        found = narrowed
    if field is not None:
        narrowed = [a for a in found if a.field == field]
        if not narrowed:
            fields = ", ".join(dict.fromkeys(a.field for a in found)) or N_("none")
            if task is not None:
                raise NotFoundError("Instance {instance} has no file in field '{field}' of task '{task}'; "
                                    "fields with files: {fields_value}",
                                    instance=instance, field=field, task=task, fields_value=fields)
            raise NotFoundError("Instance {instance} has no file in field '{field}'; fields with files: {fields_value}",
                                instance=instance, field=field, fields_value=fields)
        found = narrowed
    return found

def save_attachments(context: EngineContext, instance: int, *, task: str | None, field: str | None,
                     output: str) -> list[tuple[AttachmentView, str]]:
    """Write the matching files: one file to output (a file path or a folder), several into the folder output
    (made when missing) under their names; each file's bytes are checked against its hash as written."""
    found = attachments(context, instance, task=task, field=field)
    if not found:
        raise NotFoundError("Instance {instance} has no attached files; nothing was written", instance=instance)
    folder = os.path.isdir(output) or output.endswith(os.sep) or len(found) > 1
    if not folder:
        write_blob(context.store(), found[0].sha256, output)
        return [(found[0], output)]
    if os.path.lexists(output) and not os.path.isdir(output):
        raise DataFileError("-o {output}: {found_count} files match; give a folder to write them into, or narrow "
                            "with TASK and FIELD; nothing was written", output=output, found_count=len(found))
    os.makedirs(output, exist_ok=True)
    written: list[tuple[AttachmentView, str]] = []
    names: dict[str, str] = {}
    for item in found:
        name = _file_name(item)
        if names.get(name, item.sha256) != item.sha256:
            stem, dot, suffix = name.rpartition(".")
            name = f"{stem}-{item.sha256[:12]}.{suffix}" if dot and stem else f"{name}-{item.sha256[:12]}"
        path = os.path.join(output, name)
        if name not in names:
            write_blob(context.store(), item.sha256, path)
            names[name] = item.sha256
        written.append((item, path))
    return written

def attachment_bytes(context: EngineContext, instance: int, *, task: str | None, field: str | None,
                     seq: int | None = None, position: int | None = None) -> Iterator[bytes]:
    """The one matching file's bytes in chunks (`-o -`, a download; seq and position: one file of a list field or
    of one completion), checked against its hash before the first byte is handed out: an altered file is a
    StoreError here, with nothing sent (and again at the end, should the store change while it is read)."""
    found = [a for a in attachments(context, instance, task=task, field=field)
             if seq in (None, a.seq) and position in (None, a.position)]
    if len(found) != 1:
        raise DataFileError("-o -: {found_count} files match; stdout takes one: narrow with TASK and FIELD, or "
                            "give a folder", found_count=len(found))
    store, sha256 = context.store(), found[0].sha256
    _check_hash(store.blob_chunks(sha256), sha256)  # a first read: the hash, before anything is sent
    return _checked_chunks(store, sha256)


def _checked_chunks(store: Store, sha256: str) -> Iterator[bytes]:
    """The file's chunks as they are read the second time, their hash checked again at the end."""
    import hashlib

    digest = hashlib.sha256()
    for chunk in store.blob_chunks(sha256):
        digest.update(chunk)
        yield chunk
    if digest.hexdigest() != sha256:
        raise StoreError("The stored bytes of file {sha256} do not match its hash (altered in the "
                         "store); run `sop verify`", sha256=sha256[:12])


def _check_hash(chunks: Iterator[bytes], sha256: str) -> None:
    import hashlib

    digest = hashlib.sha256()
    for chunk in chunks:
        digest.update(chunk)
    if digest.hexdigest() != sha256:
        raise StoreError("The stored bytes of file {sha256} do not match its hash (altered in the "
                         "store); run `sop verify`", sha256=sha256[:12])


def _file_name(item: AttachmentView) -> str:
    """The stored name as a plain file name in the output folder (never a path, no control character: an ESC or a
    line break becomes `_`); the hash when it is not one."""
    name = "".join(ch if ch.isprintable() else "_" for ch in item.name.strip())
    if not name or name in (".", "..") or "/" in name or "\\" in name or name.startswith("."):
        return item.sha256
    return name


def write_blob(store: Store, sha256: str, path: str) -> None:
    """Write a stored file to path through a temporary file renamed over it, checking its hash on the way."""
    import hashlib
    import tempfile

    blob = store.blob(sha256)
    if blob is None:
        raise StoreError("The store lacks file {sha256}; nothing was written. Run `sop verify`", sha256=sha256[:12])
    target = os.path.abspath(path)
    if os.path.isdir(target):
        raise DataFileError("-o {path} is a folder; give a file path; nothing was written", path=path)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(target)[:64]}.", suffix=".tmp",
                                   dir=os.path.dirname(target))
    except OSError as exc:
        raise DataFileError("Cannot write {path}: {strerror}; choose another file",
                            path=path, strerror=exc.strerror or exc) from None
    digest = hashlib.sha256()
    from engine.common.umask import current_umask

    try:
        os.fchmod(fd, 0o666 & ~current_umask())
        with os.fdopen(fd, "wb") as out:
            for chunk in store.blob_chunks(sha256):
                digest.update(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        if digest.hexdigest() != sha256:
            raise StoreError("The stored bytes of file {sha256} do not match its hash (altered in the store); "
                             "nothing was written. Run `sop verify`", sha256=sha256[:12])
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass  # already gone: the target was not touched
        raise


# Types a browser may show in its own tab: documents and pictures that carry no script (SVG can, so it downloads).
INLINE_TYPES = frozenset(("application/pdf", "image/png", "image/jpeg", "image/gif", "image/webp"))


def inline_media_type(head: bytes) -> str | None:
    """The type to show a downloaded file as in the browser, detected from its first bytes (never its name or the
    type it was stored with): a PDF or a picture; None for every other file, which is downloaded."""
    from engine.common.file_scan import detect_media_type

    found = detect_media_type(head)
    return found if found in INLINE_TYPES else None
