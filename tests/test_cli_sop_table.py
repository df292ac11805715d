"""`sop compile`, `sop decompile`, and SOP tables dropped straight into the definitions folder."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

from conftest import DEFINITIONS, ROOT, Sop, copy_definitions
from tests_sop_fixtures import SURAT, with_forms

from engine.definitions.catalog import scan

TABLE = ROOT / "examples" / "interkoneksi_data_baru" / "tabel" / "interkoneksi_data_baru.sop.yaml"


def test_compile_writes_the_diagram_and_decompile_reads_it_back(sop: Sop, tmp_path: Path) -> None:
    """compile -o writes a BPMN; decompile of it gives a table that compiles to the same bytes."""
    bpmn, again = tmp_path / "ik.bpmn", tmp_path / "ik.sop.yaml"
    result = sop("compile", str(TABLE), "-o", str(bpmn))
    assert result.exit_code == 0, result.output
    assert f"Wrote process interkoneksi_data_baru (13 steps in 6 lanes) to {bpmn}." in result.stderr
    assert sop("decompile", str(bpmn), "-o", str(again)).exit_code == 0
    assert sop("compile", str(again)).stdout == bpmn.read_text(encoding="utf-8")


def test_decompile_carries_the_identity_page(sop: Sop) -> None:
    """Decompiling the shipped diagram prints a table with its identity page's fields and lane descriptions."""
    result = sop("decompile", str(DEFINITIONS / "interkoneksi_data_baru.bpmn"))
    assert result.exit_code == 0, result.output
    assert "  tanggal_efektif: '2018-09-05'\n" in result.stdout
    assert "  Kepala Seksi: Kepala Seksi Infrastruktur & Teknologi\n" in result.stdout
    assert "dasar_hukum:\n  - Undang-Undang Nomor 28 Tahun 1959" in result.stdout


def test_table_mistakes_exit_1_with_lines(sop: Sop, tmp_path: Path) -> None:
    """A bad table is refused with its lines, exit 1, no traceback; a missing file likewise."""
    bad = tmp_path / "surat.sop.yaml"
    bad.write_text(SURAT.replace("pelaksana: Tata Usaha\n    selesai", "pelaksana: TU\n    selesai"))
    result = sop("compile", str(bad))
    assert result.exit_code == 1
    assert result.stderr == (f"Error: {bad}:29: row 4 (Terbitkan), pelaksana: step 'Terbitkan' has pelaksana 'TU', "
                             "which is not one of the pelaksana (Pemohon, Kepala Bidang, Tata Usaha); fix the name or "
                             "add the lane\n")
    missing = sop("decompile", str(tmp_path / "nope.bpmn"))
    assert missing.exit_code == 1 and "does not exist" in missing.stderr


def test_table_in_definitions_folder_runs(make_sop: Callable[..., Sop], tmp_path: Path) -> None:
    """A .sop.yaml dropped into definitions/ is listed, started and its steps carry lane, form and sla."""
    folder, forms = tmp_path / "defs", tmp_path / "forms"
    folder.mkdir()
    forms.mkdir()
    (folder / "surat.sop.yaml").write_text(with_forms(SURAT, forms))
    cli = make_sop(folder, forms)
    listed = cli.json("processes")
    assert [(p["id"], p["steps"], p["file"]) for p in listed] == [
        ("penerbitan_surat_tugas", 6, str(folder / "surat.sop.yaml"))]
    started = cli.json("start", "penerbitan_surat_tugas")
    assert [(t["task"], t["lane"], t["sla"]) for t in started["tasks"]] == [("AjukanNota", "Pemohon", "PT30M")]
    done = cli.json("complete", str(started["instance"]), "AjukanNota", "--set", "x=1")
    assert [t["task"] for t in done["tasks"]] == ["Telaah"]


def test_table_beside_a_diagram_is_not_its_identity_page(tmp_path: Path) -> None:
    """NAME.sop.yaml beside NAME.bpmn is a process of its own, not NAME.bpmn's page; one id twice is refused."""
    definitions, forms = copy_definitions(tmp_path)
    (definitions / "interkoneksi_data_baru.sop.yaml").write_text(with_forms(SURAT, forms))
    catalog = scan(definitions, forms)
    assert sorted(d.process_id for d in catalog.definitions) == ["interkoneksi_data_baru", "penerbitan_surat_tugas"]
    hand = catalog.get("interkoneksi_data_baru")
    assert hand.bundle["yaml"]["file"] == "interkoneksi_data_baru.yaml"
    shutil.copy(TABLE, definitions / "interkoneksi_data_baru.sop.yaml")
    twice = scan(definitions, forms)
    assert [d.process_id for d in twice.definitions] == []
    assert twice.problems == (f"process 'interkoneksi_data_baru' is defined in several files "
                              f"({definitions / 'interkoneksi_data_baru.bpmn'}, "
                              f"{definitions / 'interkoneksi_data_baru.sop.yaml'}); give each its own id",)


def test_version_hash_covers_the_table(tmp_path: Path) -> None:
    """Editing the YAML, even a comment, gives a new version; a broken table is reported, others still load."""
    definitions, forms = copy_definitions(tmp_path)
    table, surat = definitions / "surat.sop.yaml", with_forms(SURAT, forms)
    table.write_text(surat)
    first = scan(definitions, forms).get("penerbitan_surat_tugas")
    assert first.bundle["yaml"] == {"file": "surat.sop.yaml", "text": surat}
    assert first.bundle["bpmn"]["file"] == "surat.bpmn"
    table.write_text("# catatan\n" + surat)
    assert scan(definitions, forms).get("penerbitan_surat_tugas").version != first.version
    table.write_text(surat.replace("ya: 3", "ya: 30"))
    catalog = scan(definitions, forms)
    assert [d.process_id for d in catalog.definitions] == ["interkoneksi_data_baru"]
    assert catalog.problems == (f"{table}:22: row 2 (Telaah), keputusan.ya: 30 names no row; "
                                "the rows are numbered 1, 2, 3, 4, 5",)
