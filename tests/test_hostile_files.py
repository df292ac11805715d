"""Output files are written safely: an exclusive temporary file in the target folder, no planted link followed."""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import DEFINITIONS, ROOT, Sop
from picture_tools import need_weasyprint

from engine.common.atomic_file import write_atomically
from engine.common.errors import DataFileError

PROCESS = "interkoneksi_data_baru"
TABLE = ROOT / "examples" / PROCESS / "tabel" / f"{PROCESS}.sop.yaml"
SECRET = "rahasia: do not overwrite\n"
# Each command that writes a file, as (arguments given the output path, a marker of what it writes).
WRITERS: dict[str, tuple[Callable[[str], tuple[str, ...]], str]] = {
    "export": (lambda out: ("export", "1", "-o", out), '"format": "sop-audit-bundle/1"'),
    "diagram": (lambda out: ("diagram", "--process", PROCESS, "-o", out), "<svg"),
    "diagram-html": (lambda out: ("diagram", "1", "-o", out), "<html"),
    "sheet": (lambda out: ("sheet", PROCESS, "-o", out), "<html"),
    "compile": (lambda out: ("compile", str(TABLE), "-o", out), "<bpmn:definitions"),
    "decompile": (lambda out: ("decompile", str(DEFINITIONS / f"{PROCESS}.bpmn"), "-o", out), "sop:\n  id:"),
}
SUFFIX = {"export": ".json", "diagram": ".svg", "diagram-html": ".html", "sheet": ".html", "compile": ".bpmn",
          "decompile": ".sop.yaml"}


@pytest.fixture
def started(sop: Sop) -> Sop:
    """A store with one instance, for export and the instance picture."""
    sop.start()
    return sop


def _run(sop: Sop, kind: str, out: Path) -> str:
    args, marker = WRITERS[kind]
    result = sop(*args(str(out)))
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    assert marker in text
    return text


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp") or ".tmp" in p.name)


@pytest.mark.parametrize("kind", sorted(WRITERS))
def test_a_symlinked_target_is_replaced_not_written_through(started: Sop, tmp_path: Path, kind: str) -> None:
    """-o naming a link to another file replaces the link with the output; the file it pointed to is unchanged."""
    victim = tmp_path / "victim.txt"
    victim.write_text(SECRET)
    out = tmp_path / f"out{SUFFIX[kind]}"
    out.symlink_to(victim)
    _run(started, kind, out)
    assert victim.read_text() == SECRET
    assert not out.is_symlink() and stat.S_ISREG(out.lstat().st_mode)
    assert _leftovers(tmp_path) == []


@pytest.mark.parametrize("kind", sorted(WRITERS))
def test_planted_links_at_predictable_temporary_names_are_not_followed(started: Sop, tmp_path: Path,
                                                                       kind: str) -> None:
    """Links planted where a temporary file might be made (name.tmp, .name.tmpPID, ...) point nowhere written."""
    victim = tmp_path / "victim.txt"
    victim.write_text(SECRET)
    out = tmp_path / f"out{SUFFIX[kind]}"
    planted = [f".{out.name}.tmp{os.getpid()}", f".{out.name}.tmp", f"{out.name}.tmp", f"{out.name}~",
               f".{out.name}.swp"]
    for name in planted:
        (tmp_path / name).symlink_to(victim)
    _run(started, kind, out)
    assert victim.read_text() == SECRET
    assert all((tmp_path / name).is_symlink() for name in planted)
    made = {p.name for p in tmp_path.iterdir() if p.name not in planted and not p.name.startswith("sop.db")}
    assert made == {"victim.txt", out.name}


def test_a_dangling_link_is_replaced_and_its_pointee_never_created(started: Sop, tmp_path: Path) -> None:
    """A link to a file that does not exist is replaced by the output; nothing appears where it pointed."""
    pointee = tmp_path / "elsewhere" / "created.svg"
    pointee.parent.mkdir()
    out = tmp_path / "out.svg"
    out.symlink_to(pointee)
    _run(started, "diagram", out)
    assert not pointee.exists() and not out.is_symlink()


@pytest.mark.parametrize("target", ["folder", "link-to-folder", "device"])
def test_a_folder_or_device_target_is_refused(started: Sop, tmp_path: Path, target: str) -> None:
    """-o naming a folder, a link to one, or a device is refused with an Error: line; nothing is written."""
    folder = tmp_path / "keep"
    folder.mkdir()
    out = {"folder": folder, "link-to-folder": tmp_path / "x.bpmn", "device": Path(os.devnull)}[target]
    if target == "link-to-folder":
        out.symlink_to(folder)
    before = started.dump()
    result = started("compile", str(TABLE), "-o", str(out))
    assert result.exit_code == 1, result.output
    assert result.stderr.startswith("Error: Cannot write") and "internal error" not in result.output
    assert list(folder.iterdir()) == [] and started.dump() == before
    assert _leftovers(tmp_path) == [] and _leftovers(Path(os.devnull).parent) == []


def test_a_missing_folder_is_refused_and_leaves_nothing(started: Sop, tmp_path: Path) -> None:
    """-o inside a folder that does not exist names the path and the reason; the store is unchanged."""
    before = started.dump()
    for kind in sorted(WRITERS):
        args, _ = WRITERS[kind]
        result = started(*args(str(tmp_path / "no" / "such" / f"out{SUFFIX[kind]}")))
        assert result.exit_code == 1, (kind, result.output)
        assert "Error: Cannot write" in result.stderr and "No such file or directory" in result.stderr
        assert "Traceback" not in result.output
    assert started.dump() == before


def test_an_existing_file_is_replaced_whole_and_keeps_its_mode(started: Sop, tmp_path: Path) -> None:
    """Writing over an existing file replaces it whole (no old bytes left at its end) and keeps its permissions."""
    out = tmp_path / "out.svg"
    out.write_text("x" * 10_000_000)
    out.chmod(0o640)
    text = _run(started, "diagram", out)
    assert text.endswith("</svg>\n") or text.endswith("</svg>")
    assert stat.S_IMODE(out.stat().st_mode) == 0o640


def test_a_new_file_gets_the_umask_mode_not_the_temporary_0600(tmp_path: Path) -> None:
    """The temporary file is made 0600; the file it becomes is readable as the umask allows, like any new file."""
    old = os.umask(0o022)
    try:
        write_atomically(str(tmp_path / "a.txt"), "isi\n")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "a.txt").stat().st_mode) == 0o644
    assert (tmp_path / "a.txt").read_bytes() == b"isi\n"


def test_a_failed_write_removes_its_temporary_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A write that fails half way (a full disk) leaves the old file as it was and no temporary file behind."""
    out = tmp_path / "a.txt"
    out.write_text("lama\n")

    def full(fd: int, data: object) -> int:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "write", full)
    with pytest.raises(DataFileError, match="No space left on device"):
        write_atomically(str(out), "baru\n", what="the table")
    monkeypatch.undo()
    assert out.read_text() == "lama\n" and sorted(p.name for p in tmp_path.iterdir()) == ["a.txt"]


def test_a_pdf_is_written_through_the_same_safe_path(started: Sop, tmp_path: Path) -> None:
    """`sop sheet -o FILE.pdf` replaces a link at FILE.pdf instead of writing through it."""
    need_weasyprint()
    victim = tmp_path / "victim.txt"
    victim.write_text(SECRET)
    out = tmp_path / "out.pdf"
    out.symlink_to(victim)
    result = started("sheet", PROCESS, "-o", str(out))
    assert result.exit_code == 0, result.output
    assert victim.read_text() == SECRET and out.read_bytes().startswith(b"%PDF")
