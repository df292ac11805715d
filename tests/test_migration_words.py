"""The migration plan in the process owner's words: a step added after a step, a Mutu Baku time changed, a form's
fields changed, renumbered rows not "changed", refusals without file names; in Indonesian and English."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from engine import Engine, migration_plan_words, translate
from runner.cli import cli

FORM = {"$schema": "https://json-schema.org/draft/2020-12/schema", "title": "Isian", "type": "object",
        "properties": {"catatan": {"title": "Catatan", "type": "string"}}}
V1 = """\
sop: {id: surat_tugas, nama: Penerbitan Surat Tugas}
pelaksana: [Pemohon, Kepala]
langkah:
  - {id: Ajukan, kegiatan: Ajukan nota, pelaksana: Pemohon, kelengkapan: ajukan.schema.json, waktu: 30 menit}
  - {id: Telaah, kegiatan: Telaah nota, pelaksana: Kepala, kelengkapan: telaah.schema.json, waktu: 1 jam}
  - {id: Terbit, kegiatan: Terbitkan surat, pelaksana: Kepala, kelengkapan: terbit.schema.json, waktu: 1 jam}
"""
V2 = V1.replace("waktu: 1 jam}\n  - {id: Terbit", "waktu: 2 jam}\n"
                "  - {id: Verifikasi, kegiatan: Verifikasi surat, pelaksana: Kepala, kelengkapan: terbit.schema.json}\n"
                "  - {id: Terbit")


class _Office:
    def __init__(self, tmp_path: Path) -> None:
        self.definitions, self.forms = tmp_path / "definitions", tmp_path / "forms"
        self.definitions.mkdir()
        self.forms.mkdir()
        for name in ("ajukan", "telaah", "terbit"):
            (self.forms / f"{name}.schema.json").write_text(json.dumps(FORM), encoding="utf-8")
        self.table = self.definitions / "surat_tugas.sop.yaml"
        self.table.write_text(V1, encoding="utf-8")
        self.db = tmp_path / "sop.db"

    def __call__(self, lang: str, *args: str) -> Result:
        argv = ["--db", str(self.db), "--definitions", str(self.definitions), "--forms", str(self.forms), *args]
        return CliRunner(env={"SOP_LANG": lang}).invoke(cli, argv, catch_exceptions=False)

    def start_at_telaah(self) -> int:
        started = self("en", "start", "surat_tugas", "--json")
        assert started.exit_code == 0, started.output
        instance = json.loads(started.stdout)["instance"]
        done = self("en", "complete", str(instance), "Ajukan", "--set", "catatan=mohon")
        assert done.exit_code == 0, done.output
        return int(instance)


def test_the_plan_reads_in_indonesian(tmp_path: Path) -> None:
    """A step added after Telaah and Telaah's time from 1 to 2 hours: said in words; Terbit, only renumbered, is not
    listed; no English, no ids or file names."""
    office = _Office(tmp_path)
    instance = office.start_at_telaah()
    office.table.write_text(V2, encoding="utf-8")
    plan = office("id", "migrate", str(instance), "--dry-run")
    assert plan.exit_code == 0, plan.output
    out = plan.stdout
    assert out.startswith(f"Akan dipindahkan: instans {instance} (surat_tugas) dari ")
    assert "  - langkah baru 'Verifikasi surat' ditambahkan setelah 'Telaah nota'\n" in out
    assert "  - waktu Mutu Baku 'Telaah nota': 1 jam -> 2 jam\n" in out
    assert "  siap setelah dipindah: 'Telaah nota'\n" in out
    assert "Terbitkan surat" not in out  # renumbered (row 3 -> 4), not changed
    said = out.split("  siap setelah dipindah")[0]  # the plan's words (the ready tasks' table follows)
    for english in ("Would move", "added", "step", "changed", "extensions", "inputs", "schema.json"):
        assert english not in said, english


def test_the_plan_reads_in_english_and_as_data(tmp_path: Path) -> None:
    """The same plan in English, and migration_plan_words gives its sentences and counts for a page."""
    office = _Office(tmp_path)
    first, second = office.start_at_telaah(), office.start_at_telaah()
    office.table.write_text(V2, encoding="utf-8")
    plan = office("en", "migrate", str(first), "--dry-run")
    assert "  - new step 'Verifikasi surat' added after 'Telaah nota'\n" in plan.stdout
    assert "  - Mutu Baku time of 'Telaah nota': 1 hour -> 2 hours\n" in plan.stdout
    engine = Engine(str(office.db), definitions_dir=office.definitions, forms_dir=office.forms)
    version = engine.instance(first).show().version
    words = migration_plan_words(engine.instances.migrate_all(version, to=None, dry_run=True))
    assert (words.requests, words.movable, words.refused, words.at_step) == (2, 2, 0, {"Telaah nota": 2})
    assert [str(s) for s in words.sentences] == [
        "2 request(s) at step 'Telaah nota'", "new step 'Verifikasi surat' added after 'Telaah nota'",
        "Mutu Baku time of 'Telaah nota': 1 hour -> 2 hours"]
    assert second != first


@pytest.mark.parametrize(("lang", "expected"), [
    ("id", "langkah 'Telaah nota' sedang menunggu dikerjakan dan versi baru mengubah formulirnya (formulir 'Telaah "
           "nota' berubah: isian baru 'Nomor surat'); selesaikan langkah itu dahulu"),
    ("en", "step 'Telaah nota' is waiting to be done and the new version changes its form (the form of 'Telaah "
           "nota' changed: new fields 'Nomor surat'); finish the step first"),
])
def test_a_refusal_says_what_in_the_form_changed(tmp_path: Path, lang: str, expected: str) -> None:
    """A ready step whose form gains a field is refused, saying which field by its title (never the form's file
    twice); nothing changes."""
    office = _Office(tmp_path)
    instance = office.start_at_telaah()
    form = dict(FORM, properties={**FORM["properties"], "nomor_surat": {"title": "Nomor surat", "type": "string"}})
    (office.forms / "telaah.schema.json").write_text(json.dumps(form), encoding="utf-8")
    before = office.db.read_bytes()
    moved = office(lang, "migrate", str(instance))
    assert moved.exit_code == 1
    assert f"  - {expected}\n" in moved.stderr
    assert "schema.json" not in moved.stderr
    assert office.db.read_bytes() == before


def test_plan_words_translate(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The sentences of migration_plan_words are Messages a page translates: Indonesian under SOP_LANG=id."""
    office = _Office(tmp_path)
    first = office.start_at_telaah()
    office.table.write_text(V2, encoding="utf-8")
    engine = Engine(str(office.db), definitions_dir=office.definitions, forms_dir=office.forms)
    words = migration_plan_words([engine.instance(first).migrate(dry_run=True)])
    monkeypatch.setenv("SOP_LANG", "id")
    assert [translate(s) for s in words.sentences] == [
        "1 permohonan sedang di langkah 'Telaah nota'", "langkah baru 'Verifikasi surat' ditambahkan setelah "
        "'Telaah nota'", "waktu Mutu Baku 'Telaah nota': 1 jam -> 2 jam"]


def test_a_shared_form_change_names_the_sops_it_touches(tmp_path: Path) -> None:
    """A form two SOPs bind changes: lint warns naming both SOPs whose new version it makes, and the plan of one
    says the other gets a new version too (in Indonesian); without a pinned version nothing is said."""
    office = _Office(tmp_path)
    other = V1.replace("surat_tugas", "surat_cuti").replace("Penerbitan Surat Tugas", "Penerbitan Surat Cuti")
    (office.definitions / "surat_cuti.sop.yaml").write_text(other, encoding="utf-8")
    assert [p["rule"] for p in json.loads(office("en", "lint", "--json").stdout)] == []
    instance = office.start_at_telaah()
    assert office("en", "start", "surat_cuti").exit_code == 0
    form = dict(FORM, title="Paraf", properties={**FORM["properties"], "tanggal": {"title": "Tanggal"}})
    (office.forms / "terbit.schema.json").write_text(json.dumps(form), encoding="utf-8")
    linted = office("en", "lint", "--json")
    assert linted.exit_code == 0
    assert [(p["severity"], p["rule"], p["message"]) for p in json.loads(linted.stdout)] == [
        ("warning", "form-changed", "the form 'Paraf' changed; it makes a new version of 2 SOP(s): Penerbitan "
                                    "Surat Cuti, Penerbitan Surat Tugas")]
    said = office("id", "lint")
    assert "peringatan [form-changed] formulir 'Paraf' berubah; versi baru dibuat untuk 2 SOP: Penerbitan Surat " \
           "Cuti, Penerbitan Surat Tugas" in said.stdout
    plan = office("id", "migrate", str(instance), "--dry-run")
    assert plan.exit_code == 0, plan.output
    assert "  - formulir 'Paraf' berubah; versi baru juga dibuat untuk Penerbitan Surat Cuti\n" in plan.stdout
    assert "  - formulir 'Terbitkan surat' berubah: isian baru 'Tanggal'\n" in plan.stdout


def test_all_from_sums_up_in_words(tmp_path: Path) -> None:
    """`sop migrate --all-from HASH --dry-run` ends with how many requests can move and how many are at which
    step, in Indonesian; nothing moves."""
    office = _Office(tmp_path)
    first = office.start_at_telaah()
    office.start_at_telaah()
    version = json.loads(office("en", "show", str(first), "--json").stdout)["version"]
    office.table.write_text(V2, encoding="utf-8")
    before = office.db.read_bytes()
    plan = office("id", "migrate", "--all-from", version[:8], "--dry-run")
    assert plan.exit_code == 0, plan.output
    assert plan.stdout.endswith("Seluruhnya: 2 dari 2 permohonan dapat dipindah.\n"
                                "  - 2 permohonan sedang di langkah 'Telaah nota'\n")
    assert office.db.read_bytes() == before


def test_a_renumbered_step_is_not_changed_in_the_json(tmp_path: Path) -> None:
    """Inserting a row renumbers the rows after it: their `nomor` is no change (only the flow into the next row
    is)."""
    office = _Office(tmp_path)
    instance = office.start_at_telaah()
    office.table.write_text(V2, encoding="utf-8")
    [plan] = json.loads(office("en", "migrate", str(instance), "--dry-run", "--json").stdout)
    assert plan["added"] == ["Verifikasi"]
    changed = {k: sorted(v) for k, v in plan["changed"].items()}
    assert changed == {"Telaah": ["extensions", "outputs"], "Terbit": ["inputs"]}
    assert plan["changes"] == ["new step 'Verifikasi surat' added after 'Telaah nota'",
                               "Mutu Baku time of 'Telaah nota': 1 hour -> 2 hours"]


def test_the_plan_of_a_process_for_a_publish_page(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """engine.processes.migration_plan(PROCESS) dry-runs every running request: counts and sentences, one refused
    request said with why; nothing changes."""
    office = _Office(tmp_path)
    office.start_at_telaah()
    office.start_at_telaah()
    waiting = json.loads(office("en", "start", "surat_tugas", "--json").stdout)["instance"]
    form = dict(FORM, properties={**FORM["properties"], "lampiran": {"title": "Lampiran", "type": "string"}})
    (office.forms / "ajukan.schema.json").write_text(json.dumps(form), encoding="utf-8")
    office.table.write_text(V2, encoding="utf-8")
    before = office.db.read_bytes()
    engine = Engine(str(office.db), definitions_dir=office.definitions, forms_dir=office.forms)
    plan = engine.processes.migration_plan("surat_tugas")
    assert (plan.requests, plan.movable, plan.refused, plan.at_step) == (3, 2, 1, {"Telaah nota": 2})
    monkeypatch.setenv("SOP_LANG", "id")
    said = [translate(s) for s in plan.sentences]
    assert said[0] == "2 permohonan sedang di langkah 'Telaah nota'"
    assert "langkah baru 'Verifikasi surat' ditambahkan setelah 'Telaah nota'" in said
    assert said[-1].startswith(f"permohonan {waiting} tidak dapat dipindah karena langkah 'Ajukan nota' sedang "
                               "menunggu dikerjakan dan versi baru mengubah formulirnya")
    assert office.db.read_bytes() == before
