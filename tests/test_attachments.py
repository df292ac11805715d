"""Attached files through the real CLI: stored by hash with the completion, listed, written out, verified,
exported, refused with nothing saved."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from pathlib import Path

import pytest
import yaml
from conftest import BEFORE_SCHEMA_6, DATA, Sop

from engine.store.sqlite_schema import SCHEMA_VERSION as SQLITE_SCHEMA_VERSION

LETTER = str(DATA / "01_surat_permohonan.yaml")
TASK, FIELD = "AjukanPermohonan", "pindaian_surat"


def scan(path: Path, size: int = 3000, seed: bytes = b"a") -> Path:
    """A PDF-looking file of the given size (content made from the seed)."""
    body = hashlib.sha256(seed).digest() * (size // 32 + 1)
    path.write_bytes((b"%PDF-1.7\n" + body)[:size])
    return path


def attach(sop: Sop, instance: int, path: Path | str, field: str = FIELD, *more: str) -> object:
    return sop("complete", str(instance), TASK, "--data", LETTER, "--attach", f"{field}={path}", *more)


def test_a_completion_attaches_a_scan_that_show_history_and_attachment_list(sop: Sop, tmp_path: Path) -> None:
    """The artefact holds the file's name, type, size and hash; show and history list it with size and short hash."""
    pdf = scan(tmp_path / "surat-dinkes.pdf")
    sha = hashlib.sha256(pdf.read_bytes()).hexdigest()
    instance = sop.start()
    done = attach(sop, instance, pdf)
    assert done.exit_code == 0, done.output
    shown = sop.json("show", str(instance))
    assert shown["data"][TASK][FIELD] == {"name": "surat-dinkes.pdf", "media_type": "application/pdf", "size": 3000,
                                          "sha256": sha}
    assert [(a["task"], a["field"], a["size"], a["sha256"]) for a in shown["attachments"]] == [(TASK, FIELD, 3000, sha)]
    text = sop("show", str(instance)).output
    assert "Pindaian surat permohonan: surat-dinkes.pdf (PDF, 3.0 KB)" in text and sha[:12] not in text
    assert sha[:12] in sop("show", str(instance), "--audit").output
    history = sop("history", str(instance), "--audit").output
    assert f"pindaian_surat=surat-dinkes.pdf (3.0 KB, {sha[:12]})" in history
    listed = sop.json("attachment", str(instance))
    assert [(a["name"], a["media_type"], a["seq"]) for a in listed] == [("surat-dinkes.pdf", "application/pdf", 2)]
    assert sop("verify", str(instance)).exit_code == 0


def test_the_event_hash_covers_the_files_hash(sop: Sop, tmp_path: Path) -> None:
    """The completion's event data, which its hash covers, carries the file's SHA-256."""
    pdf = scan(tmp_path / "s.pdf")
    instance = sop.start()
    assert attach(sop, instance, pdf).exit_code == 0
    events = sop.json("history", str(instance))
    assert events[1]["data"][FIELD]["sha256"] == hashlib.sha256(pdf.read_bytes()).hexdigest()


def test_the_same_file_is_stored_once_across_instances(sop: Sop, tmp_path: Path) -> None:
    """Attaching the same bytes to two instances keeps one stored file and two rows naming it."""
    pdf = scan(tmp_path / "s.pdf")
    for instance in (sop.start(), sop.start()):
        assert attach(sop, instance, pdf).exit_code == 0
    rows = sop.dump()
    assert len(rows["blobs"]) == 1 and len(rows["attachments"]) == 2 and len(rows["-files"]) == 1


def test_a_file_is_kept_by_its_hash_beside_the_store_and_written_back_exactly(sop: Sop, tmp_path: Path) -> None:
    """A 2.5 MiB scan is kept once, named by its hash, in the folder beside the store (no staged copy left, no
    chunk rows); `sop attachment -o` writes the very bytes back."""
    pdf = scan(tmp_path / "big.pdf", 2_621_440 + 17)
    sha = hashlib.sha256(pdf.read_bytes()).hexdigest()
    instance = sop.start()
    assert attach(sop, instance, pdf).exit_code == 0
    rows = sop.dump()
    assert rows["-files"] == [(f"{sha[:2]}/{sha}", pdf.read_bytes())] and rows["blob_chunks"] == []
    assert rows["blobs"][0][:4] == (sha, 2_621_457, "application/pdf", 3)
    out = tmp_path / "back.pdf"
    result = sop("attachment", str(instance), TASK, FIELD, "-o", str(out))
    assert result.exit_code == 0, result.output
    assert out.read_bytes() == pdf.read_bytes()
    folder = tmp_path / "berkas"
    assert sop("attachment", str(instance), "-o", str(folder) + os.sep).exit_code == 0
    assert (folder / "big.pdf").read_bytes() == pdf.read_bytes()


def _loop(tmp_path: Path) -> Path:
    a, b = tmp_path / "loop-a", tmp_path / "loop-b"
    a.symlink_to(b)
    b.symlink_to(a)
    return a


@pytest.mark.parametrize(("make", "said"), [
    (lambda t: (t / "note.pdf").write_text("just text, named like a PDF\n") and t / "note.pdf",
     "the file's content is text/plain"),
    (lambda t: t / "nowhere.pdf", "there is no file"),
    (lambda t: t, "is a folder"),
    (_loop, "loop of symbolic links"),
])
def test_a_refused_attachment_saves_nothing(sop: Sop, tmp_path: Path, make: object, said: str) -> None:
    """Wrong content type, a missing file, a folder or a symlink loop: exit 1, named, the store unchanged."""
    instance = sop.start()
    before = sop.dump()
    path = make(tmp_path)  # type: ignore[operator]
    result = attach(sop, instance, path)
    assert result.exit_code == 1
    assert said in result.stderr and "nothing was saved" in result.stderr
    assert sop.dump() == before


def test_a_file_over_the_fields_size_is_refused_before_it_is_read(sop: Sop, tmp_path: Path) -> None:
    """A 20 MB + 1 byte scan for a field of at most 20 MB: refused, nothing saved."""
    big = tmp_path / "big.pdf"
    with open(big, "wb") as out:
        out.write(b"%PDF-1.7\n")
        out.truncate(20_000_001)
    instance = sop.start()
    before = sop.dump()
    result = attach(sop, instance, big)
    assert result.exit_code == 1 and "larger than the form allows" in result.stderr
    assert sop.dump() == before


def test_an_unknown_field_or_gapped_positions_are_refused(sop: Sop, tmp_path: Path) -> None:
    """--attach naming no file field, or a one-file field given twice: refused, naming the file fields."""
    pdf = scan(tmp_path / "s.pdf")
    instance = sop.start()
    before = sop.dump()
    result = attach(sop, instance, pdf, "perihal")
    assert result.exit_code == 1 and "no file field 'perihal'" in result.stderr and FIELD in result.stderr
    twice = attach(sop, instance, pdf, FIELD, "--attach", f"{FIELD}={pdf}")
    assert twice.exit_code == 1 and "given twice" in twice.stderr
    assert sop.dump() == before


def test_verify_names_an_altered_and_a_missing_file(sop: Sop, tmp_path: Path) -> None:
    """The stored file changed, then removed, then its row removed, behind the program's back: verify names field
    and file each time."""
    pdf = scan(tmp_path / "surat.pdf")
    sha = hashlib.sha256(pdf.read_bytes()).hexdigest()
    instance = sop.start()
    assert attach(sop, instance, pdf).exit_code == 0
    stored = Path(f"{sop.db}-files") / sha[:2] / sha
    stored.write_bytes(b"%PDF-1.7\nforged")
    altered = sop("verify", str(instance))
    assert altered.exit_code == 1
    assert "field 'pindaian_surat': file 'surat.pdf'" in altered.output and "was altered" in altered.output
    assert sop("attachment", str(instance), "-o", str(tmp_path / "out.pdf")).exit_code == 1
    assert not (tmp_path / "out.pdf").exists()
    piped = sop("attachment", str(instance), "AjukanPermohonan", "pindaian_surat", "-o", "-")
    assert piped.exit_code == 1 and piped.stdout == "" and "do not match its hash" in piped.stderr  # nothing written
    stored.unlink()
    gone = sop("verify", str(instance))
    assert gone.exit_code == 1 and "is missing from the store" in gone.output
    conn = sqlite3.connect(sop.db)
    conn.execute("DELETE FROM blobs")
    conn.commit()
    conn.close()
    missing = sop("verify", str(instance))
    assert missing.exit_code == 1 and "is missing from the store" in missing.output


def test_a_file_gone_from_the_folder_comes_back_when_attached_again(sop: Sop, tmp_path: Path) -> None:
    """A row whose file was lost (a gc whose commit failed, a hand's rm) gets it back from the next attach of
    the same bytes; until then verify names it missing."""
    pdf = scan(tmp_path / "s.pdf")
    sha = hashlib.sha256(pdf.read_bytes()).hexdigest()
    first = sop.start()
    assert attach(sop, first, pdf).exit_code == 0
    stored = Path(f"{sop.db}-files") / sha[:2] / sha
    stored.unlink()
    assert sop("verify", str(first)).exit_code == 1
    assert attach(sop, sop.start(), pdf).exit_code == 0
    assert stored.read_bytes() == pdf.read_bytes() and sop("verify").exit_code == 0


def test_a_file_stored_in_chunks_before_schema_7_is_still_read_and_checked(sop: Sop, tmp_path: Path) -> None:
    """A schema 5 store kept files as chunk rows: upgraded, it reads, verifies and deduplicates them there, and
    verify names a changed chunk."""
    pdf = scan(tmp_path / "s.pdf", 1_500_000)
    sha = hashlib.sha256(pdf.read_bytes()).hexdigest()
    instance = sop.start()
    assert attach(sop, instance, pdf).exit_code == 0
    stored = Path(f"{sop.db}-files") / sha[:2] / sha
    data = stored.read_bytes()
    conn = sqlite3.connect(sop.db)
    conn.executemany("INSERT INTO blob_chunks (sha256, n, data) VALUES (?, ?, ?)",
                     [(sha, 0, data[:1_048_576]), (sha, 1, data[1_048_576:])])
    conn.executescript(BEFORE_SCHEMA_6 + "PRAGMA user_version = 5;")
    conn.commit()
    stored.unlink()
    assert sop("verify", str(instance)).exit_code == 0  # upgraded on open, read from the chunks
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SQLITE_SCHEMA_VERSION
    assert attach(sop, sop.start(), pdf).exit_code == 0 and sop.dump()["-files"] == []  # stored already
    out = tmp_path / "back.pdf"
    assert sop("attachment", str(instance), "-o", str(out)).exit_code == 0 and out.read_bytes() == pdf.read_bytes()
    conn.execute("UPDATE blob_chunks SET data = ? WHERE n = 1", (b"forged",))
    conn.commit()
    conn.close()
    altered = sop("verify", str(instance))
    assert altered.exit_code == 1 and "was altered" in altered.output


def test_an_exported_bundle_carries_the_files_and_verify_bundle_checks_them(sop: Sop, tmp_path: Path) -> None:
    """The bundle's folder holds each file by hash; an altered file there fails `sop verify --bundle`."""
    pdf = scan(tmp_path / "surat.pdf")
    sha = hashlib.sha256(pdf.read_bytes()).hexdigest()
    instance = sop.start()
    assert attach(sop, instance, pdf).exit_code == 0
    bundle = tmp_path / "instance-1.json"
    exported = sop("export", str(instance), "-o", str(bundle))
    assert exported.exit_code == 0 and "instance-1.files" in exported.stderr
    copy = tmp_path / "instance-1.files" / sha
    assert copy.read_bytes() == pdf.read_bytes()
    assert json.loads(bundle.read_text())["files"] == {"folder": "instance-1.files", "count": 1, "bytes": 3000}
    assert sop("verify", "--bundle", str(bundle)).exit_code == 0
    copy.write_bytes(b"%PDF-1.7\nother bytes")
    failed = sop("verify", "--bundle", str(bundle))
    assert failed.exit_code == 1 and "file 'surat.pdf'" in failed.output and "was altered" in failed.output
    copy.unlink()
    assert "is missing from the bundle's folder" in sop("verify", "--bundle", str(bundle)).output


def test_a_list_field_takes_numbered_files_without_gaps() -> None:
    """FIELD.0 and FIELD.1 fill a list field in their places; a gap in the numbers is refused."""
    from conftest import FORMS

    from engine import ValidationError
    from engine.service.attaching import plan

    schema = json.loads((FORMS / "berita_acara_pemasangan.schema.json").read_text(encoding="utf-8"))
    got = plan(schema, [("foto_pemasangan.1", "b"), ("foto_pemasangan.0", "a")], "step")
    assert [(f.name, p, path) for f, p, _, path in got] == [("foto_pemasangan", 1, "b"), ("foto_pemasangan", 0, "a")]
    with pytest.raises(ValidationError, match="without gaps"):
        plan(schema, [("foto_pemasangan.1", "b")], "step")


def test_db_gc_finds_and_removes_a_file_no_event_names(sop: Sop, tmp_path: Path) -> None:
    """A stored file left without rows naming it is listed by --dry-run and removed by gc."""
    pdf = scan(tmp_path / "s.pdf")
    instance = sop.start()
    assert attach(sop, instance, pdf).exit_code == 0
    assert sop.json("db", "gc", "--dry-run")["files"] == []
    from engine.store.opening import open_store
    from engine.store.protocol import BlobRow

    store = open_store(str(sop.db), create=False)
    with store.transaction() as tx:
        tx.put_blob(BlobRow("0" * 64, 5, "text/plain", 1, "2026-01-01"), [b"hello"])
    store.close()
    dry = sop.json("db", "gc", "--dry-run")
    assert [f["sha256"] for f in dry["files"]] == ["0" * 64] and dry["removed"] is False
    assert len(sop.dump()["blobs"]) == 2
    assert sop.json("db", "gc")["removed"] is True
    assert len(sop.dump()["blobs"]) == 1 and len(sop.dump()["-files"]) == 1
    assert sop("verify", str(instance)).exit_code == 0


def test_the_template_names_the_file_field_and_how_to_attach(sop: Sop) -> None:
    """`sop form --template` shows a file field commented out, with its types and the --attach to use."""
    out = sop("form", "--process", "interkoneksi_data_baru", TASK, "--template").output
    assert "# pindaian_surat: --attach pindaian_surat=PATH" in out and "application/pdf" in out


def test_the_instance_page_links_its_files(sop: Sop, tmp_path: Path) -> None:
    """`sop diagram INST -o page.html` writes the files beside the page and links them."""
    pdf = scan(tmp_path / "surat.pdf")
    sha = hashlib.sha256(pdf.read_bytes()).hexdigest()
    instance = sop.start()
    assert attach(sop, instance, pdf).exit_code == 0
    page = tmp_path / "1.html"
    assert sop("diagram", str(instance), "-o", str(page)).exit_code == 0
    assert f'href="1.files/{sha}"' in page.read_text() and (tmp_path / "1.files" / sha).exists()


def test_postgresql_stores_verifies_and_copies_files(pg_server: object, tmp_path: Path) -> None:
    """On PostgreSQL a file is stored, verified and written back; `sop db copy` from SQLite carries the files."""
    pdf = scan(tmp_path / "s.pdf", 1_500_000)
    pg = Sop(pg_server.create_database())  # type: ignore[attr-defined]
    instance = pg.start()
    assert attach(pg, instance, pdf).exit_code == 0
    assert attach(pg, pg.start(), pdf).exit_code == 0  # the same bytes again: stored once
    assert pg("verify").exit_code == 0
    out = tmp_path / "back.pdf"
    assert pg("attachment", str(instance), "-o", str(out)).exit_code == 0 and out.read_bytes() == pdf.read_bytes()
    lite = Sop(tmp_path / "lite.db")
    assert attach(lite, lite.start(), scan(tmp_path / "t.pdf", 2_200_000, b"b")).exit_code == 0
    target = str(pg_server.create_database())  # type: ignore[attr-defined]
    copied = lite("db", "copy", "--from", str(lite.db), "--to", target, "--json")
    assert copied.exit_code == 0, copied.output
    assert json.loads(copied.stdout)["rows"]["blob_chunks"] == 3
    assert Sop(target)("verify").exit_code == 0  # type: ignore[arg-type]


def test_verify_names_attachment_rows_altered_behind_the_programs_back(sop: Sop, tmp_path: Path) -> None:
    """A row of the attachments table renamed, or added for an event that names no file: verify names each."""
    pdf = scan(tmp_path / "surat.pdf")
    instance = sop.start()
    assert attach(sop, instance, pdf).exit_code == 0
    conn = sqlite3.connect(sop.db)
    conn.execute("UPDATE attachments SET name = 'lain.pdf'")
    conn.commit()
    renamed = sop("verify", str(instance))
    assert renamed.exit_code == 1 and "table attachments does not hold file 'surat.pdf'" in renamed.output
    conn.execute("UPDATE attachments SET name = 'surat.pdf'")
    conn.execute("INSERT INTO attachments SELECT instance_id, 1, task, field, 0, sha256, name, media_type, size "
                 "FROM attachments")
    conn.commit()
    conn.close()
    extra = sop("verify", str(instance))
    assert extra.exit_code == 1 and "which event 1 does not name" in extra.output


def test_a_file_of_exactly_the_fields_size_is_taken(sop: Sop, tmp_path: Path) -> None:
    """The bound is "at most": a scan of exactly 20,000,000 bytes for a field of at most 20 MB is stored (the
    planted bug `>` -> `>=` in engine/common/file_scan.py fails here), one byte more is refused."""
    exact = scan(tmp_path / "exact.pdf", 20_000_000)
    instance = sop.start()
    stored = attach(sop, instance, exact)
    assert stored.exit_code == 0, stored.output
    files = sop.json("attachment", str(instance))
    assert [f["size"] for f in files] == [20_000_000]


def test_a_form_with_a_broken_file_field_is_refused_by_lint_and_start(tmp_path: Path) -> None:
    """`x-sop-file` with a size of 0, or on a nested field: sop lint and sop start name the form and the fix."""
    from conftest import copy_definitions

    definitions, forms = copy_definitions(tmp_path)
    form = forms / "surat_permohonan.schema.json"
    schema = json.loads(form.read_text(encoding="utf-8"))
    schema["properties"][FIELD]["x-sop-file"]["max_size"] = 0
    form.write_text(json.dumps(schema), encoding="utf-8")
    sop = Sop(tmp_path / "s.db", definitions, forms)
    linted = sop("lint")
    assert linted.exit_code == 1 and "x-sop-file max_size must be a whole number of bytes" in linted.output
    assert sop("start", "interkoneksi_data_baru").exit_code == 1
    schema["properties"][FIELD]["x-sop-file"]["max_size"] = 1000
    schema["properties"]["kontak"]["properties"]["kartu"] = schema["properties"].pop(FIELD)
    form.write_text(json.dumps(schema), encoding="utf-8")
    nested = sop("lint")
    assert nested.exit_code == 1 and "allowed only on a top-level property" in nested.output


def test_a_schema_4_store_upgrades_and_takes_files(sop: Sop, tmp_path: Path) -> None:
    """A store from before attachments (schema 4) is upgraded in place by the next command and stores a file."""
    instance = sop.start()
    conn = sqlite3.connect(sop.db)
    conn.executescript(BEFORE_SCHEMA_6 + "DROP TABLE attachments; DROP TABLE blob_chunks; DROP TABLE blobs; "
                       "PRAGMA user_version = 4;")
    conn.close()
    assert sop.json("attachment", str(instance)) == []
    assert attach(sop, instance, scan(tmp_path / "s.pdf")).exit_code == 0
    assert len(sop.dump()["blobs"]) == 1 and sop("verify").exit_code == 0


def test_a_postgresql_store_before_files_reads_as_having_none(pg_url: str) -> None:
    """A PostgreSQL store at schema 2 lists no files and no unreferenced ones; opened to write, it upgrades."""
    from engine.store.opening import open_store
    from engine.store.pg_schema import SCHEMA_VERSION

    old = open_store(pg_url, create=False)
    old.migrate(2)  # type: ignore[attr-defined]
    old.close()
    again = open_store(pg_url, create=False)
    assert again.schema_version() == 2 and again.attachments() == [] and again.unreferenced_blobs() == []
    assert again.blob("0" * 64) is None
    again.close()
    upgraded = open_store(pg_url, create=True)
    assert upgraded.schema_version() == SCHEMA_VERSION and upgraded.attachments() == []
    upgraded.close()


def test_data_may_name_a_stored_file_by_hash_but_not_an_unknown_one(sop: Sop, tmp_path: Path) -> None:
    """A file value written in --data is taken when the store holds that file as named, refused otherwise."""
    pdf = scan(tmp_path / "s.pdf")
    first = sop.start()
    assert attach(sop, first, pdf).exit_code == 0
    value = sop.json("show", str(first))["data"][TASK][FIELD]
    letter = json.loads(json.dumps(yaml.safe_load(Path(LETTER).read_text(encoding="utf-8")), default=str))
    again = tmp_path / "again.json"
    again.write_text(json.dumps({**letter, FIELD: value}), encoding="utf-8")
    second = sop.start()
    assert sop("complete", str(second), TASK, "--data", str(again)).exit_code == 0
    assert len(sop.dump()["blobs"]) == 1 and len(sop.dump()["attachments"]) == 2
    unknown = tmp_path / "unknown.json"
    unknown.write_text(json.dumps({**letter, FIELD: {**value, "sha256": "c" * 64}}), encoding="utf-8")
    third = sop.start()
    before = sop.dump()
    refused = sop("complete", str(third), TASK, "--data", str(unknown))
    assert refused.exit_code == 1 and "which the store does not hold" in refused.stderr
    assert sop.dump() == before


def test_attachment_names_what_it_has_when_task_or_field_matches_nothing(sop: Sop, tmp_path: Path) -> None:
    """An unknown task or field is refused naming the tasks or fields that have files."""
    instance = sop.start()
    assert attach(sop, instance, scan(tmp_path / "s.pdf")).exit_code == 0
    task = sop("attachment", str(instance), "DisposisiKadis")
    assert task.exit_code == 1 and f"tasks with files: {TASK}" in task.stderr
    field = sop("attachment", str(instance), TASK, "foto")
    assert field.exit_code == 1 and f"fields with files: {FIELD}" in field.stderr


def test_an_attach_without_field_or_path_is_a_usage_error(sop: Sop) -> None:
    """`--attach scan.pdf` (no FIELD=) is a usage error saying the form to use; nothing is started or saved."""
    instance = sop.start()
    before = sop.dump()
    result = sop("complete", str(instance), TASK, "--attach", "scan.pdf")
    assert result.exit_code == 2 and "is not FIELD=PATH" in result.stderr
    assert sop.dump() == before


@pytest.mark.parametrize("point", ["after-state", "after-event", "before-commit"])
def test_a_completion_killed_mid_transaction_keeps_no_file(sop: Sop, tmp_path: Path, point: str) -> None:
    """`sop complete --attach` killed inside its transaction leaves the store as before: no file, no row, no event;
    run again, it stores the file once and verifies."""
    import subprocess
    import sys

    instance = sop.start()
    before = sop.dump()
    pdf = scan(tmp_path / "s.pdf", 1_200_000)
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOP_")}
    env.update(SOP_DB=str(sop.db), SOP_DEFINITIONS=str(sop.definitions), SOP_FORMS=str(sop.forms),
               SOP_FAILPOINT=point)
    sop_bin = str(Path(sys.executable).with_name("sop"))
    args = [sop_bin, "complete", str(instance), TASK, "--data", LETTER, "--attach", f"{FIELD}={pdf}"]
    killed = subprocess.run(args, env=env, capture_output=True, timeout=60)
    assert killed.returncode == -9
    after = sop.dump()
    left = after.pop("-files")
    assert after == {k: v for k, v in before.items() if k != "-files"}  # no row, no event
    assert len(left) == 1  # the file copied before the lock (renamed to its hash only before-commit)
    stray = Path(f"{sop.db}-files") / left[0][0]
    assert sop.json("db", "gc", "--dry-run")["strays"] == ([str(stray)] if point == "before-commit" else [])
    if point == "before-commit":
        listed = sop("db", "gc", "--dry-run")
        assert str(stray) in listed.output and "1 file(s) an interrupted command left beside the store" in listed.output
    os.utime(stray, (stray.stat().st_atime - 7200, stray.stat().st_mtime - 7200))  # a staged copy: stale by now
    assert sop.json("db", "gc")["strays"] == [str(stray)]
    assert sop.dump() == before
    assert attach(sop, instance, pdf).exit_code == 0
    assert len(sop.dump()["-files"]) == 1 and sop("verify").exit_code == 0


def test_attachment_writes_one_file_to_stdout(sop: Sop, tmp_path: Path) -> None:
    """`-o -` writes the one matching file's bytes to stdout, whole."""
    pdf = scan(tmp_path / "s.pdf", 1_100_000)
    instance = sop.start()
    assert attach(sop, instance, pdf).exit_code == 0
    piped = sop("attachment", str(instance), "-o", "-")
    assert piped.exit_code == 0 and piped.stdout_bytes == pdf.read_bytes()


def test_a_stored_name_with_control_characters_is_written_and_printed_harmlessly(sop: Sop, tmp_path: Path) -> None:
    """A file attached under a name holding an ESC sequence and a line break is written out under that name with
    each such character as `_`, and the message naming it stays one line with no ESC in it."""
    odd = tmp_path / "surat\x1b[31mmerah\nbaris.pdf"
    scan(odd)
    instance = sop.start()
    assert attach(sop, instance, odd).exit_code == 0
    out = tmp_path / "keluar"
    written = sop("attachment", str(instance), "-o", f"{out}/")
    assert written.exit_code == 0, written.output
    assert [p.name for p in out.iterdir()] == ["surat_[31mmerah_baris.pdf"]
    assert "\x1b" not in written.stderr and len(written.stderr.strip().splitlines()) == 1
