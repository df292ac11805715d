"""Write the workbooks shipped in examples/: the SOP AP template and the Interkoneksi SOP as a workbook.

Run from the repository root: `python tools/sop_workbooks.py` (tests/test_table_xlsx.py checks that the files it
writes read as the tables below, so rerun it after changing the layout or the table).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from engine.common.yamlio import dump_yaml, parse_yaml  # noqa: E402
from engine.table.sop_xlsx_write import workbook_bytes  # noqa: E402
from engine.table.sop_yaml import read_table  # noqa: E402

TEMPLATE = ROOT / "examples" / "templat_sop_ap.xlsx"
SHIPPED_TABLE = ROOT / "examples" / "interkoneksi_data_baru" / "tabel" / "interkoneksi_data_baru.sop.yaml"
SHIPPED = SHIPPED_TABLE.with_name("interkoneksi_data_baru.xlsx")
IDENTITY_PAGE = ROOT / "definitions" / "interkoneksi_data_baru.yaml"
FORMS = ROOT / "forms"

GUIDE = [
    "Petunjuk pengisian lembar SOP AP (Permen PANRB 35/2012) untuk sop",
    "",
    "Buku kerja ini adalah satu SOP. Perintah `sop compile NAMA.xlsx -o NAMA.bpmn` menjadikannya diagram yang dapat "
    "dijalankan; `sop decompile NAMA.bpmn --xlsx NAMA.xlsx` menulis diagram kembali ke buku kerja seperti ini.",
    "Nama lembar (Identitas, Pelaksana, Alur, Kelengkapan) jangan diubah. Lembar Petunjuk ini tidak dibaca.",
    "",
    "Lembar Identitas: kolom Kolom berisi nama isian halaman identitas, kolom Isi berisinya. Dasar Hukum, "
    "Kualifikasi Pelaksana, Keterkaitan, Peralatan/Perlengkapan dan Pencatatan dan Pendataan boleh lebih dari satu "
    "baris: kosongkan kolom Kolom pada baris berikutnya, atau tulis bernomor (1. ..., 2. ...) dalam satu sel. "
    "Tanggal ditulis 4 September 2018 atau sebagai tanggal Excel. Id SOP boleh dikosongkan (dibuat dari Nama SOP).",
    "",
    "Lembar Pelaksana: satu baris per pelaksana (Nama dan Uraian jabatan). Nama harus sama dengan judul kolomnya "
    "pada lembar Alur.",
    "",
    "Lembar Alur: satu baris per kegiatan, berurutan. Kolom No, Uraian Kegiatan, satu kolom per Pelaksana (beri X "
    "pada kolom pelaksana kegiatan), lalu Mutu Baku: Kelengkapan, Waktu (30 menit, 1 jam, 2 hari), Output, dan "
    "Keterangan.",
    "- Keputusan: tulis jawabannya pada baris tersendiri di Keterangan, misalnya 'Ya: ke 4; Tidak: ke 8' atau "
    "'Setuju: ke 6; Perbaiki: ke 2' (boleh diawali pertanyaannya: 'Lengkap? Ya: ke 4; Tidak: ke 2'). Jawaban "
    "pertama adalah jawaban yang diperiksa; jawaban itu harus salah satu pilihan isian kegiatan tersebut (isian "
    "pilihan atau ya/tidak pada lembar Kelengkapan). Bila tidak, tulis syaratnya di kolom Syarat.",
    "- Ke baris lain: 'ke 3'. Selesai sebelum baris terakhir: 'Selesai' (atau 'Selesai: nama akhir proses').",
    "- Kegiatan yang dikerjakan bersamaan: nomori 4a, 4b, ... pada baris berurutan (atau beri X pada dua kolom "
    "pelaksana dalam satu baris).",
    "- Menyisipkan baris: kosongkan No-nya atau beri nomor baru; rujukan 'ke 8' tetap menuju baris bernomor 8. "
    "sop compile menomori ulang tanpa mengubah arti.",
    "- Kolom Id (tidak wajib) memberi kegiatan nama data yang tetap, misalnya PeriksaBerkas; kolom Periksa dan "
    "Pesan Periksa (tidak wajib) berisi syarat yang harus dipenuhi sebelum kegiatan selesai.",
    "- Kelengkapan boleh berupa nama berkas formulir di folder forms, misalnya 'Disposisi (disposisi.schema.json)'.",
    "",
    "Lembar Kelengkapan: isian tiap kelengkapan, satu baris per isian. No adalah nomor baris pada lembar Alur; "
    "Isian adalah judul yang dibaca orang; Jenis salah satu dari: teks, teks panjang, angka, tanggal, waktu, "
    "pilihan: a / b / c, ya/tidak, NIP, NIK, nomor surat, e-mail, telepon, berkas PDF 5 MB, berkas gambar 5 MB, "
    "berkas PDF/gambar 5 MB, atau daftar <jenis>; Wajib: ya atau tidak; Bantuan: teks bantuan; Kunci (tidak wajib): "
    "nama data isian.",
    "",
    "Jangan memakai rumus atau sel gabungan di bawah judul tabel; sop membaca paling banyak 1000 baris dan 60 kolom "
    "per lembar. Setiap kesalahan dilaporkan dengan lembar, baris dan kolomnya.",
]

_FIELDS = {
    "surat": [{"judul": "Nomor surat", "jenis": "nomor surat"}, {"judul": "Perihal", "jenis": "teks"},
              {"judul": "Berkas surat", "jenis": "berkas PDF 5 MB", "bantuan": "Pindaian surat bertanda tangan"}],
    "periksa": [{"judul": "Keputusan", "jenis": "pilihan: Setuju / Perbaiki"},
                {"judul": "Catatan", "jenis": "teks panjang", "wajib": "tidak",
                 "bantuan": "Apa yang harus diperbaiki pemohon"}],
    "perbaikan": [{"judul": "Berkas perbaikan", "jenis": "berkas PDF 5 MB"}],
    "paraf": [{"judul": "Diparaf", "jenis": "ya/tidak"}, {"judul": "Tanggal paraf", "jenis": "tanggal"}],
    "ttd": [{"judul": "Nomor surat keterangan", "jenis": "nomor surat"}, {"judul": "Tanggal", "jenis": "tanggal"},
            {"judul": "NIP penanda tangan", "jenis": "NIP"}],
}


def template_document() -> dict[str, Any]:
    """The template's SOP: a request checked (Setuju back to the applicant on Perbaiki), two parafs at the same
    time, and a signature."""

    def step(kegiatan: str, pelaksana: str, *, nama: str, fields: str, waktu: str, output: str, **more: Any
             ) -> dict[str, Any]:
        return {"kegiatan": kegiatan, "pelaksana": pelaksana,
                "kelengkapan": {"nama": nama, "isian": _FIELDS[fields]}, "waktu": waktu, "output": output, **more}

    return {
        "sop": {"id": "penerbitan_surat_keterangan", "nama": "Penerbitan Surat Keterangan",
                "instansi": "Pemerintah Kabupaten Contoh", "dinas": "Dinas Contoh", "nomor": "800/001/DC/2026",
                "tanggal_pembuatan": "2026-01-05", "tanggal_efektif": "2026-02-02",
                "disahkan_oleh": {"jabatan": "Kepala Dinas Contoh", "nama": "Nama Kepala Dinas",
                                  "nip": "19700101 199503 1 001"},
                "dasar_hukum": ["Undang-Undang Nomor 23 Tahun 2014 tentang Pemerintahan Daerah",
                                "Peraturan Menteri PANRB Nomor 35 Tahun 2012 tentang Pedoman Penyusunan SOP AP"],
                "kualifikasi_pelaksana": ["Memahami tata naskah dinas"],
                "keterkaitan": ["SOP Pengelolaan Surat Masuk"],
                "peralatan_perlengkapan": ["Komputer", "Printer"],
                "peringatan": "Surat keterangan tidak diterbitkan bila berkas permohonan tidak lengkap",
                "pencatatan_pendataan": ["Arsip surat permohonan dan surat keterangan"]},
        "mulai": "Permohonan surat keterangan diterima",
        "pelaksana": {"Pemohon": "Pegawai atau warga yang memohon", "Kepala Seksi": "Kepala Seksi Pelayanan",
                      "Kepala Bidang": "Kepala Bidang Pelayanan", "Sekretaris": "Sekretaris Dinas",
                      "Kepala Dinas": "Kepala Dinas"},
        "langkah": [
            step("Ajukan surat permohonan", "Pemohon", nama="Surat Permohonan", fields="surat", waktu="30 menit",
                 output="Surat masuk"),
            {**step("Periksa kelengkapan berkas", "Kepala Seksi", nama="Hasil Pemeriksaan", fields="periksa",
                    waktu="1 jam", output="Berkas diperiksa"),
             "keputusan": {"pertanyaan": "Lengkap?", "syarat": 'Langkah_2["keputusan"] == "Setuju"', "ya": 4,
                           "tidak": 3, "label_ya": "Setuju", "label_tidak": "Perbaiki"}},
            {**step("Perbaiki berkas permohonan", "Pemohon", nama="Berkas Perbaikan", fields="perbaikan",
                    waktu="2 hari", output="Berkas diperbaiki"), "lanjut": 2},
            {"bersamaan": [step("Paraf draft surat keterangan", "Kepala Bidang", nama="Draft Surat Keterangan",
                                fields="paraf", waktu="30 menit", output="Surat berparaf"),
                           step("Paraf draft surat keterangan", "Sekretaris", nama="Draft Surat Keterangan",
                                fields="paraf", waktu="30 menit", output="Surat berparaf")]},
            {**step("Tanda tangan surat keterangan", "Kepala Dinas", nama="Surat Keterangan", fields="ttd",
                    waktu="1 jam", output="Surat keterangan bertanda tangan"),
             "selesai": "Surat keterangan diterbitkan"},
        ],
    }


def template_bytes() -> bytes:
    """examples/templat_sop_ap.xlsx."""
    doc = template_document()
    table, _ = read_table(dump_yaml(json.loads(json.dumps(doc))), "templat_sop_ap")  # fields shared: copied
    return workbook_bytes(table, document=doc, guide=GUIDE)


def shipped_bytes() -> bytes:
    """examples/interkoneksi_data_baru/tabel/interkoneksi_data_baru.xlsx: the shipped table with its identity page."""
    table, doc = read_table(SHIPPED_TABLE.read_text(encoding="utf-8"), str(SHIPPED_TABLE), forms_dir=FORMS)
    page = parse_yaml(IDENTITY_PAGE.read_text(encoding="utf-8"), str(IDENTITY_PAGE))
    identity = {**page, "sop": {k: v for k, v in page["sop"].items() if k != "catatan_sumber"}}
    return workbook_bytes(table, identity=identity, document=doc, forms_dir=FORMS, guide=GUIDE)


def main() -> None:
    """Write both workbooks."""
    for path, data in ((TEMPLATE, template_bytes()), (SHIPPED, shipped_bytes())):
        path.write_bytes(data)
        print(f"wrote {path.relative_to(ROOT)} ({len(data)} bytes)")


if __name__ == "__main__":
    main()
