"""Reading an operator's file once: the store's copy holds exactly the bytes hashed, and a file that changes
while it is read, or grows past the limit, is refused."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from engine.common.errors import DataFileError, ValidationError
from engine.common.file_scan import CHUNK_SIZE, scan_file


class Copy:
    """A copy target that keeps what it is given, and may run something after each piece."""

    def __init__(self, after_piece: object = None) -> None:
        self.data = bytearray()
        self.synced = False
        self.after_piece = after_piece

    def write(self, data: memoryview) -> None:
        self.data += data
        if callable(self.after_piece):
            self.after_piece()

    def sync(self) -> None:
        self.synced = True


def test_the_copy_holds_exactly_the_bytes_hashed_and_is_synced(tmp_path: Path) -> None:
    """Two and a half pieces: copied in order, hashed, typed from the head, synced."""
    source = tmp_path / "scan.pdf"
    body = b"%PDF-1.7\n" + bytes(range(256)) * (CHUNK_SIZE * 5 // 512)
    source.write_bytes(body)
    copy = Copy()
    scanned = scan_file(str(source), "step", 10 * CHUNK_SIZE, copy)
    assert bytes(copy.data) == body and copy.synced
    assert (scanned.size, scanned.sha256, scanned.media_type) == (len(body), hashlib.sha256(body).hexdigest(),
                                                                  "application/pdf")


def test_a_file_changed_while_it_is_read_is_refused(tmp_path: Path) -> None:
    """Its last bytes rewritten by someone else half-way through: refused as replaced while being read, nothing
    synced."""
    source = tmp_path / "scan.pdf"
    source.write_bytes(b"%PDF-1.7\n" + b"x" * (3 * CHUNK_SIZE))
    os.utime(source, (1_700_000_000, 1_700_000_000))  # written long ago: the rewrite gets a new time

    def append() -> None:
        with open(source, "r+b") as out:  # rewritten in place: same size, new bytes at the end, a new mtime
            out.seek(-5, 2)
            out.write(b"later")

    copy = Copy(append)
    with pytest.raises(DataFileError, match="was replaced while being read"):
        scan_file(str(source), "step", 10 * CHUNK_SIZE, copy)
    assert not copy.synced


def test_a_file_that_grows_past_the_limit_while_read_stops_there(tmp_path: Path) -> None:
    """Its size said it fitted; reading stops at the first piece past the limit, and nothing more is copied."""
    source = tmp_path / "scan.pdf"
    source.write_bytes(b"%PDF-1.7\n" + b"x" * (CHUNK_SIZE - 9))

    def grow() -> None:
        if len(copy.data) == CHUNK_SIZE:  # once, after the first piece
            with open(source, "ab") as out:
                out.write(b"y" * (2 * CHUNK_SIZE))

    copy = Copy(grow)
    with pytest.raises(ValidationError, match="larger than the form allows"):
        scan_file(str(source), "step", CHUNK_SIZE + 10, copy)
    assert len(copy.data) == CHUNK_SIZE and not copy.synced


def test_a_zip_is_told_from_the_office_documents_built_on_it() -> None:
    """puremagic calls every ZIP a Word document; the entries' names decide instead: a plain archive is
    application/zip, a .docx/.xlsx by its parts' folder, an OpenDocument by its mimetype entry."""
    import io
    import zipfile

    from engine.common.file_scan import detect_media_type

    def archive(*entries: tuple[str, str]) -> bytes:
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as made:
            for name, text in entries:
                made.writestr(name, text)
        return out.getvalue()[:65536]

    assert detect_media_type(archive(("laporan.txt", "isi"))) == "application/zip"
    assert detect_media_type(archive(("[Content_Types].xml", "x"), ("_rels/.rels", "x"), ("word/document.xml", "x"))) \
        == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    assert detect_media_type(archive(("[Content_Types].xml", "x"), ("xl/workbook.xml", "x"))) \
        == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert detect_media_type(archive(("mimetype", "application/vnd.oasis.opendocument.text"), ("content.xml", "x"))) \
        == "application/vnd.oasis.opendocument.text"
