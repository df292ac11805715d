"""A table's identity page and its lanes' descriptions survive `sop compile` and `sop decompile`, the printed sheet
of the compiled diagram shows them, and a step's keterangan fills the sheet's Keterangan column."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner, Result
from tests_sop_fixtures import ISIAN

from engine.common.yamlio import parse_yaml
from runner.cli import cli

TABLE = """\
sop:
  id: surat_tugas
  nama: Penerbitan Surat Tugas
  nomor: 800/12/DKIS/2026
  instansi: Pemerintah Kabupaten Bangka
  dinas: Dinas Komunikasi, Informatika dan Statistik
  tanggal_pembuatan: "2026-01-05"
  tanggal_revisi: "2026-02-10"
  tanggal_efektif: "2026-03-01"
  disahkan_oleh: {jabatan: Kepala Dinas Kominfo, nama: Ir. Budi Santoso, nip: "19700101 199503 1 001"}
  dasar_hukum: [Undang-Undang Nomor 5 Tahun 2014 tentang Aparatur Sipil Negara]
kualifikasi_pelaksana: [Memahami tata naskah dinas]
keterkaitan: [SOP Penerbitan Surat Keluar]
peralatan_perlengkapan: [Komputer dan printer]
peringatan: Surat tugas terlambat menghambat kegiatan
pencatatan_pendataan: [Arsip surat tugas]
pelaksana:
  Pemohon: Pegawai yang mengajukan tugas
  Kepala Bidang: Kepala Bidang E-Government
langkah:
  - id: AjukanNota
    kegiatan: Ajukan nota permohonan
    pelaksana: Pemohon
    kelengkapan: isian.schema.json
    waktu: 30 menit
    keterangan: Nota dilampiri jadwal kegiatan
  - id: Terbitkan
    kegiatan: Terbitkan surat tugas
    pelaksana: Kepala Bidang
    kelengkapan: isian.schema.json
    waktu: 1 jam
"""


def _run(tmp_path: Path, *args: str) -> Result:
    forms = tmp_path / "forms"
    forms.mkdir(exist_ok=True)
    (forms / "isian.schema.json").write_text(ISIAN, encoding="utf-8")
    definitions = tmp_path / "definitions"
    definitions.mkdir(exist_ok=True)
    return CliRunner(env={"SOP_LANG": "id"}).invoke(
        cli, ["--db", str(tmp_path / "sop.db"), "--definitions", str(definitions), "--forms", str(forms), *args],
        catch_exceptions=False)


def _compiled(tmp_path: Path) -> Path:
    table = tmp_path / "surat_tugas.sop.yaml"
    table.write_text(TABLE, encoding="utf-8")
    bpmn = tmp_path / "definitions" / "surat_tugas.bpmn"
    result = _run(tmp_path, "compile", str(table), "-o", str(bpmn))
    assert result.exit_code == 0, result.output
    return bpmn


def test_the_sheet_of_the_compiled_diagram_shows_every_identity_field(tmp_path: Path) -> None:
    """With no YAML page beside it, the compiled diagram's sheet prints the table's identity page."""
    _compiled(tmp_path)
    sheet = tmp_path / "sop.html"
    result = _run(tmp_path, "sheet", "surat_tugas", "-o", str(sheet))
    assert result.exit_code == 0, result.output
    html = sheet.read_text(encoding="utf-8")
    for shown in ("PEMERINTAH KABUPATEN BANGKA", "DINAS KOMUNIKASI, INFORMATIKA DAN STATISTIK", "800/12/DKIS/2026",
                  "05 Januari 2026", "10 Februari 2026", "01 Maret 2026", "Kepala Dinas Kominfo",
                  "Ir. Budi Santoso", "NIP. 19700101 199503 1 001",
                  "<li>Undang-Undang Nomor 5 Tahun 2014 tentang Aparatur Sipil Negara</li>",
                  "<li>Memahami tata naskah dinas</li>", "<li>SOP Penerbitan Surat Keluar</li>",
                  "<li>Komputer dan printer</li>", "Surat tugas terlambat menghambat kegiatan",
                  "<li>Arsip surat tugas</li>"):
        assert shown in html, shown


def test_keterangan_fills_the_keterangan_column(tmp_path: Path) -> None:
    """The step's kegiatan is its Uraian Kegiatan; its keterangan is printed in the Keterangan column."""
    from engine.pictures.sheet_rows import sheet_rows
    from engine.table.sop_decompile import table_from_bpmn

    bpmn = _compiled(tmp_path)
    rows = sheet_rows(table_from_bpmn(bpmn.read_text(encoding="utf-8"), str(bpmn), for_sheet=True), {})
    assert (rows[0].uraian, rows[0].keterangan) == ("Ajukan nota permohonan", "Nota dilampiri jadwal kegiatan")


def test_compile_then_decompile_gives_back_the_identity_and_the_lanes(tmp_path: Path) -> None:
    """Decompiling the compiled diagram gives back the same sop block, identity sections and lane descriptions."""
    bpmn = _compiled(tmp_path)
    result = _run(tmp_path, "decompile", str(bpmn))
    assert result.exit_code == 0, result.output
    back, written = parse_yaml(result.stdout, "back"), parse_yaml(TABLE, "table")
    assert back["sop"] == written["sop"]
    assert back["pelaksana"] == written["pelaksana"]
    for key in ("kualifikasi_pelaksana", "keterkaitan", "peralatan_perlengkapan", "peringatan", "pencatatan_pendataan"):
        assert back[key] == written[key], key
    assert back["langkah"][0]["keterangan"] == "Nota dilampiri jadwal kegiatan"


def test_a_page_beside_the_diagram_wins_key_by_key(tmp_path: Path) -> None:
    """A YAML page beside the compiled diagram overrides the keys it gives; the diagram's own fill the rest."""
    _compiled(tmp_path)
    (tmp_path / "definitions" / "surat_tugas.yaml").write_text(
        "process: surat_tugas\nsop:\n  nomor: 900/1/2026\npelaksana:\n  Pemohon: Staf pemohon\n", encoding="utf-8")
    sheet = tmp_path / "sop.html"
    assert _run(tmp_path, "sheet", "surat_tugas", "-o", str(sheet)).exit_code == 0
    html = sheet.read_text(encoding="utf-8")
    assert "900/1/2026" in html and "800/12/DKIS/2026" not in html
    assert "Ir. Budi Santoso" in html and "<li>Arsip surat tugas</li>" in html
    back = parse_yaml(_run(tmp_path, "decompile", str(tmp_path / "definitions" / "surat_tugas.bpmn")).stdout, "back")
    assert back["sop"]["nomor"] == "900/1/2026" and back["sop"]["nama"] == "Penerbitan Surat Tugas"
    assert back["pelaksana"] == {"Pemohon": "Staf pemohon", "Kepala Bidang": "Kepala Bidang E-Government"}
