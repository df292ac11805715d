"""`sop monev`: the SOP monitoring form of a semester filled from the record (checked against a hand-made history on
the Dinas calendar), its notes and evaluation chained in the monitoring log, and the refusals that change nothing."""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import CUTI, DEFINITIONS, Sop
from picture_tools import need, need_weasyprint
from test_sla_report import CUTI_DATA, TOLAK, Clock, wib

from engine.common.identity import os_login
from engine.service.facade import Engine

PAGE = """process: permohonan_cuti
sop:
  nama: Permohonan Cuti Pegawai
  nomor: "800/01/DISKOMINFO/2026"
  instansi: Pemerintah Kabupaten Bangka
  dinas: Dinas Komunikasi, Informatika dan Statistik
  tanggal_efektif: "2026-01-02"
  disahkan_oleh:
    jabatan: Kepala Dinas
    nama: Ir. Asmawi Alie, MT
data_kegiatan:
  penanggung_jawab: Atasan
ambang_tepat_waktu: 60
"""


@pytest.fixture
def history(tmp_path: Path) -> Sop:
    """Leave requests on the calendar (AjukanCuti: PT1H; Telaah: P1D; threshold 60%), times WIB:
    semester 2026-1: 4: Mon 4 May 08:00, AjukanCuti 08:20, Telaah 10:00 (both on time);
    semester 2026-2: 2: Mon 2 Nov 08:00, AjukanCuti 09:30 (1 h 30: late), Telaah Tue 11:00 (9 h: late);
    3: Mon 09:00, AjukanCuti 11:30 (2 h 30: late), Telaah 15:00 (2 h 30: on time);
    4: Fri 6 Nov 16:00, AjukanCuti Mon 9 Nov 08:00 (1 h over the weekend: on time), Telaah returned to AjukanCuti
    at 09:00 (1 h: on time, as `sop report sla` counts it), AjukanCuti due again 10:00 and still waiting: overdue."""
    definitions = tmp_path / "definitions"
    shutil.copytree(CUTI / "definitions", definitions)
    shutil.copy(DEFINITIONS / "calendar.yaml", definitions)
    (definitions / "permohonan_cuti.yaml").write_text(PAGE, encoding="utf-8")
    clock = Clock()
    engine = Engine(str(tmp_path / "sop.db"), definitions_dir=definitions, forms_dir=CUTI / "forms", clock=clock,
                    operator="penguji")
    for when, action in [
        ("2026-05-04T08:00", lambda: engine.instances.start("permohonan_cuti")),
        ("2026-05-04T08:20", lambda: engine.instance(1).complete("AjukanCuti", CUTI_DATA)),
        ("2026-05-04T10:00", lambda: engine.instance(1).complete("Telaah", TOLAK)),
        ("2026-11-02T08:00", lambda: engine.instances.start("permohonan_cuti")),
        ("2026-11-02T09:30", lambda: engine.instance(2).complete("AjukanCuti", CUTI_DATA)),
        ("2026-11-02T09:00", lambda: engine.instances.start("permohonan_cuti")),
        ("2026-11-02T11:30", lambda: engine.instance(3).complete("AjukanCuti", CUTI_DATA)),
        ("2026-11-02T15:00", lambda: engine.instance(3).complete("Telaah", TOLAK)),
        ("2026-11-03T11:00", lambda: engine.instance(2).complete("Telaah", TOLAK)),
        ("2026-11-06T16:00", lambda: engine.instances.start("permohonan_cuti")),
        ("2026-11-09T08:00", lambda: engine.instance(4).complete("AjukanCuti", CUTI_DATA)),
        ("2026-11-09T09:00", lambda: engine.instance(4).send_back("Telaah", to="AjukanCuti",
                                                                  reason="Lampirkan surat")),
    ]:
        clock.now = wib(when + ":00")
        action()
    engine.close()
    return Sop(tmp_path / "sop.db", definitions, CUTI / "forms")


class _Cells(HTMLParser):
    """The text of each table row of a page, cell by cell, per table class."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self._table = ""
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self._table = dict(attrs).get("class") or ""
            self.tables[self._table] = []
        elif tag == "tr":
            self.tables[self._table].append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None:
            self.tables[self._table][-1].append(" ".join("".join(self._cell).split()))
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def cells(html: str) -> dict[str, list[list[str]]]:
    parser = _Cells()
    parser.feed(html)
    return parser.tables


def form(sop: Sop, *args: str, semester: str = "2026-2") -> dict[str, list[list[str]]]:
    result = sop("monev", "--process", "permohonan_cuti", "--semester", semester, *args)
    assert result.exit_code == 0, result.output
    return cells(result.stdout)


# The monitoring rows of semester 2026-2, worked out by hand from the history above: AjukanCuti 1 of 3 on time
# (33% < 60%: does not run well), times 1 h, 1 h 30, 2 h 30: median 1 h 30, p90 (nearest rank 3 of 3) 2 h 30;
# returned once (instance 4's return reopened it), overdue now once (instance 4). Telaah 2 of 3 on time (67% >= 60%:
# runs well), times 1 h, 2 h 30, 9 h: median 2 h 30, p90 9 h. ParafAtasan and CatatCuti (one row, done together)
# never reached.
ROWS_ID = [
    ["1", "Ajukan cuti", "1 jam kerja", "Tidak berjalan dengan baik (33%)", "3", "1", "2", "1 jam kerja 30 menit",
     "2 jam kerja 30 menit", "1", "1", "", "", ""],
    ["2", "Telaah permohonan cuti", "1 hari kerja", "Berjalan dengan baik (67%)", "3", "2", "1",
     "2 jam kerja 30 menit", "9 jam kerja", "0", "0", "", "", ""],
]


def test_the_form_shows_each_steps_figures_worked_out_by_hand(history: Sop, monkeypatch: pytest.MonkeyPatch) -> None:
    """Semester 2026-2 in Indonesian: one row per step in the sheet's order, the Penilaian against the page's 60%."""
    monkeypatch.setenv("SOP_LANG", "id")
    tables = form(history)
    steps = tables["steps"]
    assert steps[0][:4] == ["No.", "Prosedur", "Waktu Mutu Baku", "Penilaian"]
    assert steps[0][-3:] == ["Catatan", "Tindakan", "Paraf"]
    assert steps[1:3] == ROWS_ID
    assert [row[1] for row in steps[3:]] == ["Paraf surat cuti", "Catat cuti di SIMPEG"]
    assert [row[3] for row in steps[3:]] == ["Belum dapat dinilai", "Belum dapat dinilai"]
    identity = dict(row[-2:] for row in tables["identity"])
    assert identity["Nomor SOP"] == "800/01/DISKOMINFO/2026"
    assert identity["Periode"] == "Semester 2 tahun 2026 (1 Juli 2026 sampai 31 Desember 2026)"
    assert "60%" in identity["Penilaian"]


def test_the_first_semester_counts_only_its_own_steps(history: Sop, monkeypatch: pytest.MonkeyPatch) -> None:
    """Semester 2026-1 (January to June, WIB) holds only the May request: both steps on time, nothing returned."""
    monkeypatch.setenv("SOP_LANG", "id")
    steps = form(history, semester="2026-1")["steps"]
    assert [row[3:7] for row in steps[1:3]] == [["Berjalan dengan baik (100%)", "1", "1", "0"],
                                                 ["Berjalan dengan baik (100%)", "1", "1", "0"]]
    assert [row[9] for row in steps[1:3]] == ["0", "0"]


def test_the_form_in_english(history: Sop) -> None:
    """Under English the same figures read in English words."""
    steps = form(history)["steps"]
    assert steps[0][:4] == ["No.", "Procedure", "Mutu Baku time", "Assessment"]
    assert steps[1][3] == "Does not run well (33%)" and steps[2][3] == "Runs well (67%)"
    assert steps[1][7:9] == ["1 working hour 30 minutes", "2 working hours 30 minutes"]
    assert steps[3][3] == "Not assessed"


def test_json_carries_the_figures(history: Sop) -> None:
    """`--json` gives the counts, shares and seconds of each step."""
    data = history.json("monev", "--process", "permohonan_cuti", "--semester", "2026-2")
    first = data["steps"][0]
    assert (first["task"], first["done"], first["on_time"], first["late"], first["median_seconds"],
            first["p90_seconds"], first["returned"], first["overdue"], first["verdict"]) == (
        "AjukanCuti", 3, 1, 2, 5400, 9000, 1, 1, "not-good")
    assert data["threshold"] == 60 and data["period"] == "2026-2"


def test_notes_print_on_the_form_and_are_chained(history: Sop, monkeypatch: pytest.MonkeyPatch) -> None:
    """A note with its paraf prints on its row; `sop verify` passes, and fails once the note is edited in SQL."""
    monkeypatch.setenv("SOP_LANG", "id")
    result = history("monev", "--process", "permohonan_cuti", "--semester", "2026-2", "--note", "Telaah",
                     "--catatan", "Telaah lewat satu hari", "--tindakan", "Ingatkan atasan", "--paraf")
    assert result.exit_code == 0, result.output
    row = form(history)["steps"][2]
    assert row[-3:-1] == ["Telaah lewat satu hari", "Ingatkan atasan"]
    assert row[-1] == os_login()  # single-user: the login, no roles to name the person
    assert history("verify").exit_code == 0
    conn = sqlite3.connect(history.db)
    conn.execute("DROP TRIGGER monev_events_no_update")
    conn.execute("UPDATE monev_events SET data = replace(data, 'satu hari', 'dua jam')")
    conn.commit()
    conn.close()
    verify = history("verify")
    assert verify.exit_code != 0
    assert "monitoring" in verify.output.lower() or "monitoring" in verify.stderr.lower()


def test_an_evaluation_shows_beside_the_previous_semesters(history: Sop, monkeypatch: pytest.MonkeyPatch) -> None:
    """The seven answers of 2026-1 show as the previous semester's beside those of 2026-2."""
    monkeypatch.setenv("SOP_LANG", "id")
    first = [f"{n}=ya" for n in range(1, 8)]
    first[2] = "3=tidak:Formulir terlalu panjang"
    assert history("monev", "--process", "permohonan_cuti", "--semester", "2026-1", "--evaluate",
                   *[word for c in first for word in ("--criterion", c)]).exit_code == 0
    second = [f"{n}=ya" for n in range(1, 8)]
    assert history("monev", "--process", "permohonan_cuti", "--semester", "2026-2", "--evaluate",
                   *[word for c in second for word in ("--criterion", c)]).exit_code == 0
    result = history("monev", "--process", "permohonan_cuti", "--semester", "2026-2")
    assert ("Semester ini: 1 dari 2 langkah yang dinilai berjalan dengan baik; 6 langkah selesai, 3 di antaranya "
            "terlambat; 1 kali dikembalikan untuk perbaikan; 1 tugas lewat batas kini.") in result.stdout
    rows = cells(result.stdout)["evaluation"]
    assert rows[3] == ["3", "Mudah dilaksanakan", "Ya", "", "Tidak", "Formulir terlalu panjang"]
    assert [r[1] for r in rows[1:]] == [
        "Mampu mendorong peningkatan kinerja", "Mudah dipahami", "Mudah dilaksanakan",
        "Semua orang dapat menjalankan perannya", "Mampu mengatasi permasalahan",
        "Mampu menjawab kebutuhan peningkatan kinerja organisasi", "Sinergi satu dengan lainnya"]


@pytest.mark.parametrize("args", [
    ("--process", "tidak_ada", "--semester", "2026-2", "--note", "Telaah", "--catatan", "x"),
    ("--process", "permohonan_cuti", "--semester", "2026-3", "--note", "Telaah", "--catatan", "x"),
    ("--process", "permohonan_cuti", "--semester", "26-2", "--note", "Telaah", "--catatan", "x"),
    ("--process", "permohonan_cuti", "--semester", "2026-2", "--note", "TidakAda", "--catatan", "x"),
    ("--process", "permohonan_cuti", "--semester", "2026-2", "--evaluate", "--criterion", "1=ya"),
    ("--process", "permohonan_cuti", "--semester", "2026-2", "--note", "Telaah", "--catatan", "a\x01b"),
])
def test_refusals_say_why_and_change_nothing(history: Sop, args: tuple[str, ...]) -> None:
    """An unknown process, a bad semester, an unknown step, an incomplete evaluation or a note with control
    characters: exit 1 with the reason, the store as it was."""
    before = history.dump()
    result = history("monev", *args)
    assert result.exit_code == 1, result.output
    assert result.stderr.strip() and "Traceback" not in result.output
    assert history.dump() == before


def test_only_an_operator_auditor_or_the_head_lane_writes(history: Sop) -> None:
    """With roles, a person of another lane is refused (nothing written); the holder of the page's
    penanggung_jawab lane (Atasan) writes."""
    roles = history.definitions / "roles.yaml"
    roles.write_text(f"{os_login()}:\n  name: Budi\n  lanes: [Pegawai]\n", encoding="utf-8")
    before = history.dump()
    result = history("monev", "--process", "permohonan_cuti", "--semester", "2026-2", "--note", "Telaah",
                     "--catatan", "x")
    assert result.exit_code == 1 and "Budi may not fill the monitoring form of " in result.stderr
    assert "Atasan" in result.stderr
    assert history.dump() == before
    roles.write_text(f"{os_login()}:\n  name: Budi Santoso\n  jabatan: Kepala Subbagian\n  lanes: [Atasan]\n",
                     encoding="utf-8")
    assert history("monev", "--process", "permohonan_cuti", "--semester", "2026-2", "--note", "Telaah",
                   "--catatan", "x", "--paraf").exit_code == 0
    row = form(history)["steps"][2]
    assert row[-1] == "Budi Santoso, Kepala Subbagian"


def test_pdf_text_holds_the_rows(history: Sop, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The PDF (WeasyPrint, A4 landscape) holds the identity, each step's Penilaian and figures, in the form's
    order."""
    need_weasyprint()
    pdftotext = need("pdftotext", "poppler-utils")
    monkeypatch.setenv("SOP_LANG", "id")
    out = tmp_path / "monev.pdf"
    result = history("monev", "--process", "permohonan_cuti", "--semester", "2026-2", "-o", str(out))
    assert result.exit_code == 0, result.output
    text = subprocess.run([pdftotext, "-layout", str(out), "-"], capture_output=True, text=True, check=True,
                          env={**os.environ, "LANG": "C.UTF-8"}).stdout
    flat = " ".join(text.split())
    for fragment in ("MONITORING PELAKSANAAN SOP AP", "Permohonan Cuti Pegawai", "800/01/DISKOMINFO/2026",
                     "Semester 2 tahun 2026 (1 Juli 2026 sampai 31 Desember 2026)", "sedikitnya 60%",
                     "Prosedur", "Penilaian", "Catatan", "Tindakan", "Paraf", "EVALUASI SOP",
                     "Mampu mendorong peningkatan kinerja", "Sinergi satu dengan lainnya"):
        assert fragment in flat, fragment
    # Each row's first line: number, step, Mutu Baku, the first words of its Penilaian, done, on time, late
    # (a cell's words wrap inside its column; the numbers do not).
    for row in (r"1 Ajukan cuti\s+1 jam kerja\s+Tidak berjalan\s+3\s+1\s+2\s",
                r"2 Telaah\s+1 hari kerja\s+Berjalan dengan\s+3\s+2\s+1\s",
                r"3a Paraf surat cuti\s+30 menit\s+Belum dapat dinilai\s+0\s+-\s+-\s"):
        assert re.search(rf"^\s*{row}", text, flags=re.M), row
    assert "(33%)" in flat and "(67%)" in flat
    order = [flat.index(name) for name in ("Ajukan cuti", "Telaah", "Paraf surat cuti", "Catat cuti di")]
    assert order == sorted(order)


def test_a_threshold_that_is_no_percentage_is_refused(history: Sop) -> None:
    """`ambang_tepat_waktu: 120` on the page: the form is refused naming the key and how to write it."""
    page = history.definitions / "permohonan_cuti.yaml"
    page.write_text(PAGE.replace("ambang_tepat_waktu: 60", "ambang_tepat_waktu: 120"), encoding="utf-8")
    result = history("monev", "--process", "permohonan_cuti", "--semester", "2026-2")
    assert result.exit_code == 1
    assert "ambang_tepat_waktu is 120; give a percentage from 0 to 100" in result.stderr


def test_on_postgresql_a_note_is_chained_and_an_edit_fails_verify(tmp_path: Path, pg_url: str) -> None:
    """The same log on PostgreSQL: a note prints on the form, verify passes, an UPDATE behind the program's back
    (trigger dropped) makes verify name the monitoring event."""
    import psycopg

    definitions = tmp_path / "definitions"
    shutil.copytree(CUTI / "definitions", definitions)
    (definitions / "permohonan_cuti.yaml").write_text(PAGE, encoding="utf-8")
    engine = Engine(pg_url, definitions_dir=definitions, forms_dir=CUTI / "forms", operator="penguji")
    engine.open(create=True)
    made = engine.monev.note("permohonan_cuti", "2026-2", step="Telaah", catatan="Lambat", tindakan="Ingatkan")
    assert [(s.task, s.note.catatan if s.note else None) for s in made.steps][:2] == [("AjukanCuti", None),
                                                                                      ("Telaah", "Lambat")]
    assert all(not v.problems for v in engine.audit.verify())
    engine.close()
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("DROP TRIGGER monev_events_no_change ON monev_events")
        conn.execute("UPDATE monev_events SET data = replace(data, 'Lambat', 'Cepat')")
    engine = Engine(pg_url, definitions_dir=definitions, forms_dir=CUTI / "forms", operator="penguji")
    problems = [p.message for v in engine.audit.verify() for p in v.problems]
    engine.close()
    assert any("monitoring log: monitoring event 1" in p and "hash mismatch" in p for p in problems), problems


def test_notes_travel_with_the_store_copy_and_in_json(history: Sop, tmp_path: Path) -> None:
    """`sop db copy` carries the monitoring log (verified at the target): the copy's form prints the same note;
    `--json` exports it with who wrote it."""
    assert history("monev", "--process", "permohonan_cuti", "--semester", "2026-2", "--note", "AjukanCuti",
                   "--catatan", "Formulir sering tidak lengkap").exit_code == 0
    copied = tmp_path / "salinan.db"
    result = history("db", "copy", "--from", str(history.db), "--to", str(copied), "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["rows"]["monev_events"] == 1
    copy = Sop(copied, history.definitions, history.forms)
    data = copy.json("monev", "--process", "permohonan_cuti", "--semester", "2026-2")
    note = data["steps"][0]["note"]
    assert (note["catatan"], note["by"]) == ("Formulir sering tidak lengkap", os_login())
