"""What the process owner's page tests share: a small SOP written as a table (three steps in three lanes of the
shipped roles) beside the shipped diagram, the Kepala Bidang made its owner (`pemilik_proses`) in the pinned roles,
and that table with one more step."""

from __future__ import annotations

from pathlib import Path

from web_fixtures import engine_as, office
from web_pages import make_owner

OWNED = "permohonan_data"
OWNER = "kabid.egov"  # Rudi Hartono, Kepala Bidang E-Government
TABLE = """# Permohonan data statistik: tabel SOP.
sop:
  id: permohonan_data
  nama: Permohonan Data Statistik
  dinas: Dinas Komunikasi, Informatika dan Statistik Kabupaten Bangka
mulai: Permohonan data masuk
pelaksana:
  - OPD
  - Kepala Dinas
  - Kepala Bidang
langkah:
  - id: AjukanData
    kegiatan: Ajukan surat permohonan data
    pelaksana: OPD
    kelengkapan: {formulir: surat_permohonan.schema.json, nama: Surat Permohonan}
    waktu: 30 menit
    output: Surat Masuk
  - id: DisposisiData
    kegiatan: Disposisi permohonan ke Kepala Bidang
    pelaksana: Kepala Dinas
    kelengkapan: {formulir: disposisi.schema.json, nama: Disposisi}
    waktu: 30 menit
    output: Disposisi
  - id: ParafData
    kegiatan: Paraf jawaban permohonan data
    pelaksana: Kepala Bidang
    kelengkapan: {formulir: paraf.schema.json, nama: Paraf}
    waktu: 1 jam
    output: Surat Jawaban
"""
NEW_STEP = """  - id: VerifikasiData
    kegiatan: Verifikasi kelengkapan permohonan data
    pelaksana: {lane}
    kelengkapan: {{formulir: paraf.schema.json, nama: Paraf}}
    waktu: {waktu}
    output: Permohonan Terverifikasi
"""


def with_new_step(lane: str = "Kepala Bidang", waktu: str = "1 jam") -> str:
    """The table with a verification step between the letter and the disposition (lane and time as given: a lane
    the table does not list, or a time that is no time, makes a lint error on that row)."""
    head, tail = TABLE.split("  - id: DisposisiData\n")
    return head + NEW_STEP.format(lane=lane, waktu=waktu) + "  - id: DisposisiData\n" + tail


def owner_office(tmp_path: Path, *, owner: str = OWNER) -> dict[str, str]:
    """The web tests' office with the table SOP in its definitions folder and its owner in the pinned roles."""
    paths = office(tmp_path)
    definitions = Path(paths["definitions"])
    (definitions / f"{OWNED}.sop.yaml").write_text(TABLE, encoding="utf-8")
    make_owner(paths, owner, OWNED)
    return paths


def start_owned(paths: dict[str, str]) -> int:
    """A request of the table SOP, started by the clerk for the OPD: waiting at its first step."""
    engine = engine_as(paths, "tu.umum")
    try:
        return engine.instances.start(OWNED, actor="opd.dinkes").instance
    finally:
        engine.close()
