"""A small SOP table (the issue's example) shared by the table tests."""

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
