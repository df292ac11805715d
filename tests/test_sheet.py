"""`sop sheet` prints the SOP AP document (identity page, flowchart pages) from the definition that runs."""

from __future__ import annotations

import itertools
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from conftest import ROOT, Sop, copy_definitions
from picture_tools import SVG, ink_fraction, need, need_weasyprint, render_png

GAMBAR = ROOT / "tests" / "data" / "gambar"
ULANG = ROOT / "tests" / "data" / "ulang"
SOP_STEPS = {  # BPMN id -> (nomor, lane, Kelengkapan, Waktu, Output) as the shipped diagram gives them
    "AjukanPermohonan": (1, "OPD", "Surat Permohonan", "30 Menit", "Surat Masuk"),
    "DisposisiKadis": (2, "Kepala Dinas", "Disposisi", "30 Menit", "Disposisi"),
    "AnalisaKabid": (3, "Kepala Bidang", "Disposisi", "1 Jam", "Program Kerja Pelaksanaan Lapangan"),
    "SurveyTeknis": (4, "Tim Teknis Jaringan", "Disposisi", "3 Jam", "Survey Teknis"),
    "AnalisaTopologi": (5, "Kepala Seksi", "Analisa", "1 Jam", "Disposisi"),
    "DraftSpesifikasi": (6, "Kepala Seksi", "Draft Spesifikasi", "1 Jam", "Disposisi"),
    "DraftTopologi": (7, "Kepala Seksi", "Draft Topologi Jaringan", "1 Jam", "Disposisi"),
    "PemasanganJaringan": (8, "Tim Teknis Jaringan", None, "3 Jam", None),
    "LaporanKabid": (9, "Kepala Bidang", None, "1 Jam", None),
    "ParafKabid": (10, "Kepala Bidang", None, "30 Menit", None),
    "ParafSekretaris": (11, "Sekretaris", None, "30 Menit", None),
    "TandaTanganKadis": (12, "Kepala Dinas", None, "30 Menit", None),
    "TindakLanjut": (13, "Kepala Bidang", None, "1 Jam", "Tindak Lanjut"),
}


def _sheet(sop: Sop, *args: str) -> str:
    result = sop("sheet", *args)
    assert result.exit_code == 0, result.output
    return result.stdout


def _pages(html: str) -> list[ElementTree.Element]:
    """The flowchart pages' SVG roots."""
    return [ElementTree.fromstring(m) for m in re.findall(r"<svg.*?</svg>", html, flags=re.S)]


def _text(element: ElementTree.Element) -> str:
    return " ".join(" ".join(t.itertext()) for t in element.iter(f"{SVG}text"))


def _groups(pages: list[ElementTree.Element], cls: str) -> list[tuple[int, ElementTree.Element]]:
    return [(i, g) for i, page in enumerate(pages) for g in page.iter(f"{SVG}g")
            if cls in (g.get("class") or "").split()]


def _lanes(page: ElementTree.Element) -> list[str]:
    return [g.get("data-lane") or "" for g in page.iter(f"{SVG}g") if g.get("class") == "pelaksana"]


def test_every_step_is_listed_once_in_its_actors_column(sop: Sop) -> None:
    """Each of the 13 steps has one row, numbered as the diagram numbers it, with its symbol in its lane's column."""
    pages = _pages(_sheet(sop, "interkoneksi_data_baru"))
    assert len(pages) >= 2
    lanes = _lanes(pages[0])
    assert lanes == ["OPD", "Kepala Dinas", "Kepala Bidang", "Kepala Seksi", "Tim Teknis Jaringan", "Sekretaris"]
    rows = [int(g.get("data-row") or 0) for _, g in _groups(pages, "sheet-row")]
    assert rows == list(range(1, 14))
    symbols = _groups(pages, "symbol")
    assert sorted(g.get("data-step") or "" for _, g in symbols) == sorted(SOP_STEPS)
    for _, g in symbols:
        nomor, lane, *_ = SOP_STEPS[g.get("data-step") or ""]
        assert int(g.get("data-row") or 0) == nomor
        assert lanes[int(g.get("data-lane") or -1)] == lane
    # the symbol lies inside the column under its lane's header
    for page in pages:
        header = {g.get("data-lane"): float(next(g.iter(f"{SVG}text")).get("x", 0)) for g in page.iter(f"{SVG}g")
                  if g.get("class") == "pelaksana"}
        for g in page.iter(f"{SVG}g"):
            if "symbol" in (g.get("class") or "").split():
                shape = next(iter(g))
                x = float(shape.get("x", "nan")) + float(shape.get("width", 0)) / 2 if shape.tag == f"{SVG}rect" \
                    else float((shape.get("d") or "M0,0")[1:].split(",")[0])
                assert abs(x - header[lanes[int(g.get("data-lane") or 0)]]) < 1, g.get("data-step")


def test_rows_carry_their_mutu_baku_and_symbols(sop: Sop) -> None:
    """Kelengkapan, Waktu ("30 Menit", "1 Jam", "3 Jam") and Output per row; capsules at both ends, a diamond
    with Ya/Tidak for the decision, rectangles for the rest."""
    pages = _pages(_sheet(sop, "interkoneksi_data_baru"))
    rows = {int(g.get("data-row") or 0): g for _, g in _groups(pages, "sheet-row")}
    for nomor, _, kelengkapan, waktu, output in SOP_STEPS.values():
        cells = {c.get("class"): _text(c) for c in rows[nomor] if c.tag == f"{SVG}g"}
        assert cells["waktu"] == waktu
        if kelengkapan:
            assert cells["kelengkapan"] == kelengkapan
        if output:
            assert " ".join(cells["output"].split()) == output
    kinds = {g.get("data-step"): (g.get("class") or "").split()[1] for _, g in _groups(pages, "symbol")}
    assert kinds["AjukanPermohonan"] == "symbol-start" and kinds["TindakLanjut"] == "symbol-end"
    assert kinds["AnalisaTopologi"] == "symbol-decision"
    assert {k for k, v in kinds.items() if v == "symbol-activity"} == set(SOP_STEPS) - {
        "AjukanPermohonan", "TindakLanjut", "AnalisaTopologi"}
    arrows = " ".join(_text(a) for _, a in _groups(pages, "arrows"))
    assert "Ya" in arrows and "Tidak" in arrows
    ket = _text(next(c for c in rows[5] if c.get("class") == "keterangan"))
    assert "Dipasang?" in ket and "ke 6" in ket and "ke 9" in ket
    uraian = _text(next(c for c in rows[1] if c.get("class") == "uraian"))
    assert uraian.startswith("OPD mengajukan permohonan")


def test_arrows_join_rows_and_pages(sop: Sop) -> None:
    """Every row but the last has an arrow out; an arrow to a row on another page ends in an off-page connector
    carrying the target row's number, and the other page starts from a connector with the same number."""
    pages = _pages(_sheet(sop, "interkoneksi_data_baru"))
    polylines = [p for page in pages for p in page.iter(f"{SVG}polyline")]
    assert len(polylines) >= 13
    for points in (p.get("points", "").split() for p in polylines):
        pairs = [tuple(map(float, pt.split(","))) for pt in points]
        assert all(a[0] == b[0] or a[1] == b[1] for a, b in itertools.pairwise(pairs)), points
    to = {(i, g.get("data-row")) for i, g in _groups(pages, "off-page-to")}
    came = {(i, g.get("data-row")) for i, g in _groups(pages, "off-page-from")}
    assert to and len(to) == len(came)
    first_on = {i: min(int(g.get("data-row") or 0) for j, g in _groups(pages, "sheet-row") if j == i)
                for i in range(len(pages))}
    for page, target in to:
        assert (page + 1, target) in came and int(target or 0) == first_on[page + 1]


def test_identity_page_from_the_yaml(sop: Sop) -> None:
    """The identity page carries the YAML's Dinas, dates, approver with NIP, name and the six-cell grid."""
    html = _sheet(sop, "interkoneksi_data_baru")
    identity = html[html.index('class="page identity-page"'):html.index('class="page flowchart"')]
    for text in ("DINAS KOMUNIKASI, INFORMATIKA DAN STATISTIK", "Nomor SOP", "04 September 2018",
                 "03 September 2018", "05 September 2018", "Ir. Asmawi Alie, MT", "NIP. 19641222 198903 1 009",
                 "Pelaksanaan Interkoneksi Data Baru", "Dasar Hukum", "Kualifikasi Pelaksana", "Keterkaitan",
                 "Peralatan/Perlengkapan", "Peringatan", "Pencatatan dan Pendataan", "SOP Penerbitan Surat Tugas",
                 "Peraturan Bupati Nomor 60 Tahun 2016"):
        assert text in identity, text
    assert identity.count("<li>") == 7 + 3 + 1 + 3 + 1


def test_own_diagram_parallel_row_form_title_and_ending_branch(make_sop: Any) -> None:
    """A parallel row puts both symbols in one row; a step with no kelengkapan shows its form's title; a
    decision branch that ends the process says so; a diagram without a YAML page leaves the identity cells blank."""
    sop = make_sop(GAMBAR / "definitions", GAMBAR / "forms")
    html = _sheet(sop, "uji_gambar")
    pages = _pages(html)
    rows = {int(g.get("data-row") or 0): g for _, g in _groups(pages, "sheet-row")}
    assert sorted(rows) == [1, 2, 3]
    both = [g for _, g in _groups(pages, "symbol") if g.get("data-row") == "2"]
    assert sorted(g.get("data-step") or "" for g in both) == ["Catat", "Periksa"]
    assert {_lanes(pages[0])[int(g.get("data-lane") or 0)] for g in both} == {"Staf", "Pemeriksa"}
    assert "Hasil pemeriksaan" in _text(next(c for c in rows[2] if c.get("class") == "kelengkapan"))
    assert "1 Jam" in _text(rows[2])
    assert "Tidak (selesai)" in " ".join(_text(a) for _, a in _groups(pages, "arrows"))
    assert "Nomor SOP" in html and "04 September" not in html


def test_loop_back_arrow_runs_up_the_left_gutter(make_sop: Any) -> None:
    """A decision that sends the flow back draws an orthogonal arrow out of its left side and into the row above."""
    sop = make_sop(ULANG / "definitions", ULANG / "forms")
    pages = _pages(_sheet(sop, "periksa_berulang"))
    symbol = next(g for _, g in _groups(pages, "symbol"))
    assert "symbol-decision" in (symbol.get("class") or "")
    d = next(iter(symbol)).get("d") or ""
    left_x = float(d.split("L")[3].split(",")[0])
    backs = [p for p in pages[0].iter(f"{SVG}polyline") if float(p.get("points", "0,0").split()[0].split(",")[0])
             == left_x]
    assert backs, "no arrow leaves the decision's left corner"
    points = [tuple(map(float, pt.split(","))) for pt in backs[0].get("points", "").split()]
    assert points[1][0] < left_x and points[-1][1] < points[0][1]


def test_version_option_prints_a_pinned_definition(sop: Sop, tmp_path: Path) -> None:
    """--version prints the version an instance was started on after the diagram changed; newest otherwise."""
    definitions, forms = copy_definitions(tmp_path)
    sop = Sop(tmp_path / "v.db", definitions, forms)
    old = sop.json("start", "interkoneksi_data_baru")["version"]
    bpmn = definitions / "interkoneksi_data_baru.bpmn"
    bpmn.write_text(bpmn.read_text().replace("membuat rancangan topologi jaringan</bpmn:documentation>",
                                             "membuat rancangan topologi jaringan baru</bpmn:documentation>"))

    def row7(*args: str) -> str:
        pages = _pages(_sheet(sop, "interkoneksi_data_baru", *args))
        return " ".join(_text(next(g for _, g in _groups(pages, "sheet-row") if g.get("data-row") == "7")).split())

    assert "rancangan topologi jaringan baru" not in row7("--version", old[:8])
    assert "rancangan topologi jaringan baru" in row7()
    wrong = sop("sheet", "interkoneksi_data_baru", "--version", "ffffffff")
    assert wrong.exit_code == 1 and old[:12] in wrong.stderr and "--version ffffffff" in wrong.stderr


def test_bad_requests_are_refused(sop: Sop, make_sop: Any, tmp_path: Path) -> None:
    """A wrong -o suffix is a usage error; an unknown process or a diagram that is no table is refused by name."""
    bad = sop("sheet", "interkoneksi_data_baru", "-o", str(tmp_path / "x.docx"))
    assert bad.exit_code == 2 and ".html or .pdf" in bad.output
    unknown = sop("sheet", "tidak_ada")
    assert unknown.exit_code == 1 and "tidak_ada" in unknown.stderr
    paraf = make_sop(ROOT / "tests" / "data" / "paraf_banyak" / "definitions",
                     ROOT / "tests" / "data" / "paraf_banyak" / "forms")
    multi = paraf("sheet", "paraf_banyak")
    assert multi.exit_code == 1 and "multi-instance" in multi.stderr
    assert not list(tmp_path.glob("x.*"))


def test_sheet_pages_render_to_png(sop: Sop, tmp_path: Path) -> None:
    """Each flowchart page, as Debian's rsvg-convert draws it, has real drawing on it."""
    for i, page in enumerate(_pages(_sheet(sop, "interkoneksi_data_baru"))):
        svg = tmp_path / f"page{i}.svg"
        svg.write_text(ElementTree.tostring(page, encoding="unicode"))
        assert ink_fraction(render_png(svg)) > 0.01


def test_pdf_text_holds_every_step_and_the_identity(sop: Sop, tmp_path: Path) -> None:
    """The PDF (WeasyPrint) is A4 landscape and its text (pdftotext) holds each row, Mutu Baku and identity field."""
    need_weasyprint()
    pdftotext = need("pdftotext", "poppler-utils")
    out = tmp_path / "sop.pdf"
    result = sop("sheet", "interkoneksi_data_baru", "-o", str(out))
    assert result.exit_code == 0, result.output
    text = subprocess.run([pdftotext, "-layout", str(out), "-"], capture_output=True, text=True, check=True).stdout
    flat = " ".join(text.split())
    for fragment in ("OPD mengajukan permohonan melalui surat", "Kepala Dinas menelaah", "Surat Permohonan",
                     "30 Menit", "1 Jam", "3 Jam", "Surat Masuk", "Mutu Baku", "Kelengkapan", "Keterangan",
                     "Tim Teknis", "Ir. Asmawi Alie, MT", "NIP. 19641222 198903 1 009", "04 September 2018",
                     "Pelaksanaan Interkoneksi Data Baru", "Dasar Hukum", "Pencatatan dan Pendataan"):
        assert fragment in flat, fragment
    for nomor in range(1, 14):
        assert re.search(rf"^\s*{nomor}\s", text, flags=re.M), nomor
    info = shutil.which("pdfinfo")
    if info:
        pages = subprocess.run([info, str(out)], capture_output=True, text=True, check=True).stdout
        assert re.search(r"Page size:\s+841\.89 x 595\.27\d* pts", pages), pages


def test_pdf_without_weasyprint_says_how_to_get_it(sop: Sop, tmp_path: Path, monkeypatch: Any) -> None:
    """Without the pdf extra, asking for a PDF is refused with the install command and writes no file."""
    import sys

    monkeypatch.setitem(sys.modules, "weasyprint", None)  # as if it were not installed
    out = tmp_path / "sop.pdf"
    result = sop("sheet", "interkoneksi_data_baru", "-o", str(out))
    assert result.exit_code == 1 and "pip install -e '.[pdf]'" in result.stderr
    assert not out.exists()
