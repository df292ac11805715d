"""A completion's attached files: each `--attach FIELD=PATH` checked against the form's file fields (media type
from the content, size), stored by SHA-256 in the completion's own transaction, and recorded as derived rows."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, NamedTuple

from engine.common.errors import ValidationError
from engine.definitions.form_files import FileField, file_fields, is_file_value
from engine.store.file_folder import discard
from engine.store.protocol import AttachmentRow, BlobRow

if TYPE_CHECKING:
    from engine.common.file_scan import ScannedFile
    from engine.store.file_folder import FileFolder
    from engine.store.protocol import Transaction


class PlacedFile(NamedTuple):
    """One --attach: the field, its position (None: a one-file field), the option as given, and the file read."""

    field: str
    position: int | None
    option: str
    scanned: ScannedFile


def _fields_or_refuse(schema: dict[str, Any], what: str) -> dict[str, FileField]:
    fields = file_fields(schema)
    if not fields:
        raise ValidationError("{what}: its form has no file field; nothing was saved. Leave --attach out", what=what)
    return fields


# One --attach as planned: the field, its position (None: a one-file field), the option as typed, the path.
Planned = tuple[FileField, int | None, str, str]


def plan(schema: dict[str, Any], attach: list[tuple[str, str]], what: str, *,
         shown_as: str = "--attach {key}={path}") -> list[Planned]:
    """Each --attach KEY=PATH as (field, position, option, path); positions of a list field counted from 0;
    shown_as: how messages name each one given (another command's own option)."""
    fields = _fields_or_refuse(schema, what)
    out: list[Planned] = []
    taken: dict[str, set[int]] = {}
    for key, path in attach:
        name, dot, index = key.partition(".")
        option = shown_as.format(key=key, path=path)
        field = fields.get(name)
        if field is None:
            raise ValidationError("{what}: {option}: the form has no file field '{name}'; its file fields: "
                                  "{fields_value}; nothing was saved",
                                  what=what, option=option, name=name, fields_value=', '.join(fields))
        used = taken.setdefault(name, set())
        if not field.many:
            if dot:
                raise ValidationError("{what}: {option}: field '{name}' holds one file; give --attach {name}=PATH; "
                                      "nothing was saved", what=what, option=option, name=name)
            if used:
                raise ValidationError("{what}: {option}: field '{name}' holds one file and was given twice; "
                                      "nothing was saved", what=what, option=option, name=name)
            used.add(0)
            out.append((field, None, option, path))
            continue
        if dot and not (index.isascii() and index.isdigit() and len(index) <= 6):
            raise ValidationError("{what}: {option}: '{index}' is not a position (0, 1, ...) in field '{name}'; "
                                  "nothing was saved", what=what, option=option, index=index, name=name)
        position = int(index) if dot else (max(used) + 1 if used else 0)
        if position in used:
            raise ValidationError("{what}: {option}: position {position} of field '{name}' was given twice; "
                                  "nothing was saved", what=what, option=option, position=position, name=name)
        used.add(position)
        out.append((field, position, option, path))
    for name, used in taken.items():
        field = fields[name]
        if field.many and used != set(range(len(used))):
            raise ValidationError("{what}: field '{name}' gets files at positions {used}; number them "
                                  "0 to {value1} without gaps; nothing was saved",
                                  what=what, name=name, used=sorted(used), value1=len(used) - 1)
        if field.max_items is not None and len(used) > field.max_items:
            raise ValidationError("{what}: field '{name}' takes at most {max_items} files, {used_count} were "
                                  "given; nothing was saved",
                                  what=what, name=name, max_items=field.max_items, used_count=len(used))
    return out


def scan_attachments(schema: dict[str, Any], attach: list[tuple[str, str]], what: str,
                     stage: FileFolder | None, *, shown_as: str = "--attach {key}={path}") -> list[PlacedFile]:
    """Read each file once (hash, size, media type from its content) and check it against its field; stage: the
    store's file folder, which gets a durable copy of each file in the same read (removed again on a refusal)."""
    from engine.common.file_scan import scan_file

    placed: list[PlacedFile] = []
    try:
        for field, position, option, path in plan(schema, attach, what, shown_as=shown_as):
            if stage is None:
                scanned = scan_file(path, f"{what}: {option}", field.max_size)
            else:
                copy = stage.stage()
                try:
                    scanned = scan_file(path, f"{what}: {option}", field.max_size, copy)._replace(staged=copy.path)
                except BaseException:
                    discard(copy.path)
                    raise
                finally:
                    copy.close()
            placed.append(PlacedFile(field.name, position, option, scanned))
            _check(field, scanned, option, what)
    except BaseException:
        discard_staged(placed)
        raise
    return placed


def discard_staged(placed: list[PlacedFile]) -> None:
    """Remove the staged copies the transaction did not rename into the store (refused, or stored already)."""
    for item in placed:
        if item.scanned.staged is not None:
            discard(item.scanned.staged)


@contextmanager
def discarding(placed: list[PlacedFile]) -> Iterator[None]:
    """Around the completion's transaction: whatever happens, no staged copy is left behind."""
    try:
        yield
    finally:
        discard_staged(placed)


def _check(field: FileField, scanned: ScannedFile, option: str, what: str) -> None:
    if scanned.media_type not in field.accept:
        raise ValidationError("{what}: {option}: the file's content is {media_type}, but field "
                              "'{field_name}' accepts {accept}; attach a file of one of those "
                              "types; nothing was saved",
                              what=what, option=option, media_type=scanned.media_type, field_name=field.name,
                              accept=', '.join(field.accept))
    if scanned.size > field.max_size:
        raise ValidationError("{what}: {option}: the file has {size} bytes, but field '{field_name}' "
                              "takes at most {max_size}; nothing was saved",
                              what=what, option=option, size=scanned.size, field_name=field.name,
                              max_size=field.max_size)


def place_files(schema: dict[str, Any], data: dict[str, Any], placed: list[PlacedFile], what: str) -> dict[str, Any]:
    """The artefact with each attached file's {name, media_type, size, sha256} in its field (checked again against
    the form pinned in the transaction)."""
    fields = _fields_or_refuse(schema, what)
    out = dict(data)
    lists: dict[str, dict[int, dict[str, Any]]] = {}
    for item in placed:
        field = fields.get(item.field)
        if field is None or field.many != (item.position is not None):
            raise ValidationError("{what}: {option}: the pinned form's field '{field}' changed; try "
                                  "again; nothing was saved", what=what, option=item.option, field=item.field)
        _check(field, item.scanned, item.option, what)
        if item.field in data:
            raise ValidationError("{what}: {option}: field '{field}' is also in the data; give it either "
                                  "in the data or with --attach; nothing was saved",
                                  what=what, option=item.option, field=item.field)
        s = item.scanned
        value = {"name": s.name, "media_type": s.media_type, "size": s.size, "sha256": s.sha256}
        if item.position is None:
            out[item.field] = value
        else:
            lists.setdefault(item.field, {})[item.position] = value
    for name, by_position in lists.items():
        out[name] = [by_position[i] for i in sorted(by_position)]
    return out


def form_file_values(schema: dict[str, Any], data: Any) -> list[tuple[str, int, dict[str, Any]]]:
    """The stored files an artefact names in the form's file fields: (field, position, value)."""
    if not isinstance(data, dict):
        return []
    out: list[tuple[str, int, dict[str, Any]]] = []
    for name, field in file_fields(schema).items():
        value = data.get(name)
        items = value if field.many and isinstance(value, list) else [value]
        out += [(name, i, v) for i, v in enumerate(items) if is_file_value(v)]
    return out


def store_files(tx: Transaction, schema: dict[str, Any], data: dict[str, Any], placed: list[PlacedFile],
                where: tuple[int, int, str], *, now: str, what: str) -> list[AttachmentRow]:
    """Store each new file (deduplicated by hash) and record the rows naming them; a value given in the data
    instead of --attach must name a file the store holds already, as stored."""
    from engine.common.file_scan import CHUNK_SIZE, file_chunks

    instance, seq, task = where
    attached = {p.scanned.sha256: p for p in placed}
    rows = []
    for field, position, value in form_file_values(schema, data):
        item = attached.get(value["sha256"])
        stored = tx.get_blob(value["sha256"])
        if item is None:
            if stored is None:
                raise ValidationError("{what}: field '{field}' names file {sha256}, which the store "
                                      "does not hold; attach it with --attach {field}=PATH; nothing was saved",
                                      what=what, field=field, sha256=value['sha256'][:12])
            if (stored.size, stored.media_type) != (value["size"], value["media_type"]):
                raise ValidationError("{what}: field '{field}' names file {sha256} as "
                                      "{media_type} of {size} bytes; the store holds it as "
                                      "{stored_media_type} of {stored_size} bytes; nothing was saved",
                                      what=what, field=field, sha256=value['sha256'][:12],
                                      media_type=value['media_type'], size=value['size'],
                                      stored_media_type=stored.media_type, stored_size=stored.size)
        else:  # stored already: put_blob stores nothing (SQLite: unless the row's file has gone from the folder)
            s = item.scanned
            tx.put_blob(BlobRow(s.sha256, s.size, s.media_type, -(-s.size // CHUNK_SIZE), now),
                        file_chunks(s, f"{what}: {item.option}"), s.staged)
        rows.append(AttachmentRow(instance, seq, task, field, position, value["sha256"], value["name"],
                                  value["media_type"], value["size"]))
    tx.add_attachments(rows)
    return rows
