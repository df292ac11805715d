"""Every message in Indonesian and English: the catalog covers every message the code can print, its .mo is compiled
from its .po, the language follows SOP_LANG or the locale, and the CLI speaks it."""

from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from conftest import DATA, ROOT, Sop

from engine.common.i18n import LOCALE_DIR, MessageCatalog, _read_mo, catalog, language

PLACEHOLDER = re.compile(r"\{[^{}]*\}")
PO = Path(LOCALE_DIR) / "id" / "LC_MESSAGES" / "sop.po"


def test_every_message_has_an_indonesian_translation_with_the_same_placeholders() -> None:
    """No message the code can print lacks its translation; each keeps exactly its placeholders (the values)."""
    entries = {m.id: m.string for m in read_po(PO.open("rb")) if m.id}
    found = _extracted_with_tool()
    missing = sorted(found - {k for k, v in entries.items() if v})
    assert not missing, f"{len(missing)} message(s) lack a translation; run `make i18n` and translate: {missing[:5]}"
    wrong = [k for k, v in entries.items() if v and Counter(PLACEHOLDER.findall(k)) != Counter(PLACEHOLDER.findall(v))]
    assert not wrong, f"translations whose placeholders differ from their message: {wrong[:5]}"


def _extracted_with_tool() -> set[str]:
    """The messages as tools/i18n_extract.py extracts them from every source file of engine/, runner/ and web/ and
    from the web's templates."""
    sys.path.insert(0, str(ROOT))
    try:
        from tools.i18n_extract import extract, extract_templates

        found: set[str] = set()
        for path in sorted([*ROOT.glob("engine/**/*.py"), *ROOT.glob("runner/**/*.py"), *ROOT.glob("web/**/*.py")]):
            with path.open("rb") as file:
                found.update(text for _, _, text, _ in extract(file, None, None, None))
        for path in sorted(ROOT.glob("web/templates/*.html")):
            with path.open("rb") as file:
                found.update(text for _, _, text, _ in extract_templates(file, None, None, None))
        return found
    finally:
        sys.path.remove(str(ROOT))


def test_the_shipped_mo_is_compiled_from_the_po() -> None:
    """The .mo that ships holds exactly the .po's translations (`make i18n` compiles it)."""
    expected = {m.id: m.string for m in read_po(PO.open("rb")) if m.id and m.string}
    assert _read_mo("id") == expected, "engine/locale/id/LC_MESSAGES/sop.mo is stale: run `make i18n`"


@pytest.mark.parametrize(("env", "expected"), [
    ({"SOP_LANG": "id"}, "id"), ({"LANG": "id_ID.UTF-8"}, "id"), ({"LC_ALL": "id_ID.UTF-8", "LANG": "C"}, "id"),
    ({"LANG": "C.UTF-8"}, "en"), ({"LANG": "en_US.UTF-8"}, "en"), ({"SOP_LANG": "en", "LANG": "id_ID.UTF-8"}, "en"),
    ({}, "en")])
def test_the_language_follows_sop_lang_then_the_locale(monkeypatch: pytest.MonkeyPatch, env: dict[str, str],
                                                       expected: str) -> None:
    """SOP_LANG wins; else LC_ALL, LC_MESSAGES, LANG in that order; anything but Indonesian reads English."""
    for name in ("SOP_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert language() == expected


def test_a_message_is_matched_to_its_entry_and_its_values_translated_in_turn() -> None:
    """The printed English message finds its entry; a value that is itself a message is translated too."""
    entries = {"No instance {instance} in store '{self.db}'; list them with `sop instances`":
               "Tidak ada instans {instance} di penyimpanan '{self.db}'; lihat daftarnya dengan `sop instances`",
               "Error: {text}": "Galat: {text}", "ready": "siap"}
    speak = MessageCatalog(entries)
    assert speak.translate("Error: No instance 7 in store 'a.db'; list them with `sop instances`") == \
        "Galat: Tidak ada instans 7 di penyimpanan 'a.db'; lihat daftarnya dengan `sop instances`"
    assert speak.translate("ready") == "siap"
    assert speak.translate("  - ready") == "  - siap"
    assert speak.translate("Something else entirely") == "Something else entirely"


@pytest.fixture
def indonesian(monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI run as a user whose locale is Indonesian."""
    monkeypatch.setenv("LANG", "id_ID.UTF-8")
    monkeypatch.delenv("SOP_LANG", raising=False)
    monkeypatch.delenv("LC_ALL", raising=False)


def _untranslated(lines: list[str]) -> list[str]:
    """Printed lines that the Indonesian catalog would still change: a message left in English."""
    speak = catalog("id")
    return [line for line in lines if line.strip() and speak.translate(line) != line]


def test_the_cli_speaks_indonesian_with_an_indonesian_locale(sop: Sop, indonesian: None) -> None:
    """Errors, messages, table headers and form problems are Indonesian; ids, JSON keys and data are not changed."""
    instance = sop.start()
    tasks = sop("tasks")
    header = tasks.stdout.splitlines()[0]
    assert "INSTANCE" not in header and "INSTANS" in header and "TUGAS" in header
    missing = sop("show", "99")
    assert missing.exit_code == 1 and missing.stderr.startswith("Galat: ")
    assert "instans 99" in missing.stderr.lower()
    invalid = sop("complete", str(instance), "AjukanPermohonan", "--set", "sifat=kilat", "--set", "tanggal=3-12-2026")
    assert invalid.exit_code == 1 and invalid.stderr.startswith("Galat: ")
    assert "YYYY-MM-DD" in invalid.stderr and "wajib diisi" in invalid.stderr
    lane = sop("tasks", "--lane", "Kabid")
    assert lane.exit_code == 2 and "Galat: " in lane.stderr and "Penggunaan:" in lane.stderr
    done = sop("complete", str(instance), "AjukanPermohonan", "--data", str(DATA / "01_surat_permohonan.yaml"))
    assert done.exit_code == 0
    json_keys = sop.json("tasks")[0].keys()
    assert {"instance", "task", "lane", "due"} <= set(json_keys)
    lines = [*tasks.stderr.splitlines(), *missing.stderr.splitlines(), *invalid.stderr.splitlines(),
             *lane.stderr.splitlines(), *done.stderr.splitlines(), *sop("show", str(instance)).stdout.splitlines()]
    assert _untranslated(lines) == []


def test_help_is_indonesian_with_an_indonesian_locale_and_english_with_c() -> None:
    """`sop --help` and a command's help follow the locale, click's own words included."""
    def run(lang: str, *args: str) -> str:
        env = {"PATH": "/usr/bin:/bin", "LANG": lang}
        sop = Path(sys.executable).with_name("sop")
        return subprocess.run([str(sop), *args], capture_output=True, text=True, env=env, timeout=60).stdout

    indonesian, english = run("id_ID.UTF-8", "--help"), run("C.UTF-8", "--help")
    assert "Penggunaan:" in indonesian and "Usage:" not in indonesian
    assert "Usage:" in english and "Options" in english
    tasks = run("id_ID.UTF-8", "tasks", "--help")
    assert "Penggunaan:" in tasks and "--overdue" in tasks and "Only tasks past their due time." not in tasks


def test_every_line_of_the_operator_commands_is_indonesian(sop: Sop, indonesian: None, tmp_path: Path) -> None:
    """What the walk-through and an audit print, stdout and stderr, holds no line the catalog would still change."""
    instance = sop.start()
    assert sop("complete", str(instance), "AjukanPermohonan", "--data",
               str(DATA / "01_surat_permohonan.yaml")).exit_code == 0
    bundle = tmp_path / "b.json"
    runs = [sop(*args) for args in (
        ("processes",), ("processes", "--versions"), ("instances",), ("history", str(instance)), ("verify",),
        ("report", "sla"), ("tick",), ("migrate", str(instance), "--dry-run"), ("lint", str(sop.definitions)),
        ("replay", str(instance)), ("export", str(instance), "-o", str(bundle)), ("verify", "--bundle", str(bundle)),
        ("db", "copy", "--from", str(sop.db), "--to", str(tmp_path / "copy.db")), ("show", str(instance)),
        ("tasks", "--overdue"), ("complete", str(instance), "AjukanPermohonan", "--set", "x=1"),
        ("diagram", str(instance), "-o", str(tmp_path / "i.svg")), ("decompile", str(sop.definitions /
        "interkoneksi_data_baru.bpmn"), "-o", str(tmp_path / "t.sop.yaml")))]
    lines = [line for run in runs for line in (*run.stdout.splitlines(), *run.stderr.splitlines())]
    assert len(lines) > 40
    copied = [line for line in lines if re.fullmatch(r"[a-z_]+: \d+ baris", line)]  # table names stay identifiers
    assert "instances: 1 baris" in copied
    assert _untranslated([line for line in lines if line not in copied]) == []
    text = "\n".join(lines)
    assert "berjalan" in text and "(instans dimulai)" in text and "peristiwa" in text


def test_auditors_and_broken_diagrams_read_indonesian(sop: Sop, indonesian: None, tmp_path: Path) -> None:
    """A failed verify names the table and column in Indonesian; lint and loading a broken diagram too."""
    import shutil

    instance = sop.start()
    assert sop("complete", str(instance), "AjukanPermohonan", "--data",
               str(DATA / "01_surat_permohonan.yaml")).exit_code == 0
    import sqlite3

    conn = sqlite3.connect(sop.db)
    conn.execute("UPDATE steps SET taken = taken + 100")
    conn.commit()
    conn.close()
    failed = sop("verify")
    assert failed.exit_code == 1 and "GAGAL pada peristiwa" in failed.stdout and "tabel steps, kolom taken" in \
        failed.stdout
    broken = tmp_path / "broken"
    shutil.copytree(sop.definitions, broken)
    bpmn = broken / "interkoneksi_data_baru.bpmn"
    bpmn.write_text(bpmn.read_text(encoding="utf-8").replace('value="PT1H"', 'value="satu jam"'), encoding="utf-8")
    lint = sop("lint", str(broken))
    loading = sop("--definitions", str(broken), "processes")
    assert "bukan durasi ISO-8601" in lint.stdout and "(aturan sla-invalid" in loading.stderr
    lines = [*failed.stdout.splitlines(), *failed.stderr.splitlines(), *lint.stdout.splitlines(),
             *lint.stderr.splitlines(), *loading.stderr.splitlines()]
    assert _untranslated(lines) == []
