"""A small SOP table (the issue's example) shared by the table tests."""

import re
from pathlib import Path

SURAT = """\
sop:
  id: penerbitan_surat_tugas
  nama: Penerbitan Surat Tugas
pelaksana: [Pemohon, Kepala Bidang, Tata Usaha]
langkah:
  - nomor: 1
    id: AjukanNota
    kegiatan: Ajukan nota permohonan
    pelaksana: Pemohon
    waktu: 30 menit
    output: Nota Permohonan
  - nomor: 2
    id: Telaah
    kegiatan: Telaah permohonan
    pelaksana: Kepala Bidang
    waktu: PT1H
    keputusan:
      pertanyaan: Disetujui?
      syarat: 'Telaah["keputusan"] == "setuju"'
      ya: 3
      tidak: 5
  - nomor: 3
    bersamaan:
      - {id: ParafA, kegiatan: Paraf A, pelaksana: Kepala Bidang, waktu: 1 jam}
      - {id: ParafB, kegiatan: Paraf B, pelaksana: Tata Usaha, waktu: 1 jam 30 menit}
  - nomor: 4
    id: Terbitkan
    kegiatan: Terbitkan surat tugas
    pelaksana: Tata Usaha
    selesai: true
  - nomor: 5
    id: Perbaiki
    kegiatan: Perbaiki nota
    pelaksana: Pemohon
    lanjut: Telaah
"""

ISIAN = """{"$schema": "https://json-schema.org/draft/2020-12/schema", "title": "Isian", "type": "object",
 "properties": {"keputusan": {"enum": ["setuju", "tolak"]}, "ok": {"enum": ["ya", "tidak"]}}}
"""


def with_forms(table: str, forms_dir: Path) -> str:
    """The table with every step binding isian.schema.json, written into forms_dir: a step needs a form to load."""
    (forms_dir / "isian.schema.json").write_text(ISIAN, encoding="utf-8")
    block = re.sub(r"^( +)kegiatan: (.*)$", r"\1kegiatan: \2\n\1kelengkapan: isian.schema.json", table, flags=re.M)
    return re.sub(r"(\{[^{}]*kegiatan:[^{}]*)\}", r"\1, kelengkapan: isian.schema.json}", block)
