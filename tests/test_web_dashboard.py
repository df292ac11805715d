"""The dashboard page (/ringkasan) and the heat diagram, through Flask's test client and `sop diagram --heat`:
who sees it (the engine decides), its words in Indonesian and English, its charts with tables beside them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import Sop
from web_fixtures import PROCESS, logged_in, make_app, office, os_account_audits, started


@pytest.fixture
def paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The office's store with one request waiting at the Tim Teknis Jaringan's survey (the steps before it done)."""
    monkeypatch.setenv("SOP_LANG", "id")
    made = office(tmp_path)
    started(made, upto="SurveyTeknis")
    return made


def test_the_kepala_dinas_reads_the_dashboard_in_indonesian(paths: dict[str, str]) -> None:
    """Kadis (a lane besides the start lane) sees the bar link and the page: headings, the lane that waits, the
    SOP's on-time share per month with months as words, charts as SVG each with a captioned table."""
    client = logged_in(make_app(paths), "kadis")
    tasks = client.get("/").get_data(as_text=True)
    assert 'id="nav-summary"' in tasks and ">Ringkasan<" in tasks
    page = client.get("/ringkasan")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    for words in ("Kinerja SOP", "Yang menunggu sekarang", "Langkah selesai dalam Mutu Baku",
                  "Hambatan pada diagram", "Permohonan dimulai dan selesai per minggu", "Tim Teknis Jaringan"):
        assert words in text, words
    assert re.search(r"(Januari|Februari|Maret|April|Mei|Juni|Juli|Agustus|September|Oktober|November|Desember) "
                     r"20\d\d", text)
    pairs = re.findall(r'<div class="figure-pair">(.*?)</table></div>', text, re.S)
    assert len(pairs) == 3  # lanes, the SOP's months, weeks (no request completed yet: no instance times)
    assert "Tidak ada permohonan yang selesai pada bulan-bulan ini." in text
    assert all(p.count('role="img"') == 1 and p.count("<caption>") == 1 for p in pairs)
    assert 'scope="col"' in text and 'scope="row"' in text
    assert "interkoneksi_data_baru" not in text.replace('proses=interkoneksi_data_baru', '').replace(
        '/ringkasan/interkoneksi_data_baru/diagram.svg', '')
    lanes = re.search(r'<table id="waiting-lanes">.*?</table>', text, re.S)
    assert lanes is not None and re.sub(r"<[^>]+>", " ", lanes.group(0)).split()[-4:] == ["Data", "Baru", "1", "0"]


def test_the_heat_diagram_is_served_as_svg(paths: dict[str, str]) -> None:
    """The page's diagram: each step in its heat class, the waiting step's count written above it."""
    client = logged_in(make_app(paths), "kabid.egov")
    answer = client.get(f"/ringkasan/{PROCESS}/diagram.svg")
    assert answer.status_code == 200 and answer.mimetype == "image/svg+xml"
    svg = answer.get_data(as_text=True)
    states = dict(re.findall(r'data-element-id="(\w+)" class="element state-([\w-]+)', svg))
    assert states["SurveyTeknis"] == "heat-none" and states["DisposisiKadis"] == "heat-good"
    assert "0 selesai · 1 menunggu sekarang" in svg and "✓ p90 dalam Mutu Baku" in svg


def test_the_start_lane_and_unknown_processes_are_refused(paths: dict[str, str]) -> None:
    """The OPD (start lane only) has no bar link and gets 403 for the page and the diagram; a process nobody
    knows is 404."""
    opd = logged_in(make_app(paths), "opd.dinkes")
    assert 'id="nav-summary"' not in opd.get("/").get_data(as_text=True)
    refused = opd.get("/ringkasan")
    assert refused.status_code == 403 and "Ringkasan" not in refused.get_data(as_text=True).split("<main")[1][:200]
    assert opd.get(f"/ringkasan/{PROCESS}/diagram.svg").status_code == 403
    operator = logged_in(make_app(paths), "tu.umum")
    assert operator.get("/ringkasan").status_code == 200
    assert operator.get("/ringkasan/tidak_ada/diagram.svg").status_code == 404


def test_the_page_in_english(paths: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    """SOP_LANG=en: the same page in English."""
    monkeypatch.setenv("SOP_LANG", "en")
    text = logged_in(make_app(paths), "kadis").get("/ringkasan").get_data(as_text=True)
    assert "How the SOPs perform" in text and "What waits now" in text and "Bottlenecks on the diagram" in text


def test_sop_diagram_heat_writes_the_picture(paths: dict[str, str], tmp_path: Path) -> None:
    """`sop diagram --process P --heat -o F.html` writes the page; misuse of the options is a usage error."""
    os_account_audits(paths)
    sop = Sop(Path(paths["db"]), Path(paths["definitions"]), Path(paths["forms"]))
    out = tmp_path / "panas.html"
    result = sop("diagram", "--process", PROCESS, "--heat", "--since", "2026-01-01", "-o", str(out))
    assert result.exit_code == 0, result.output
    page = out.read_text(encoding="utf-8")
    assert "state-heat-good" in page and "1 menunggu sekarang" in page and "– tanpa angka" in page
    assert sop("diagram", "--process", PROCESS, "--since", "2026-01-01").exit_code == 2
    assert sop("diagram", "1", "--heat").exit_code == 2
