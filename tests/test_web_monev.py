"""The monitoring page `/monev/<process>/<semester>`: the figures for every signed-in person, the notes and the
evaluation written by an operator, an auditor or the head lane (Kepala Dinas), refusals that keep what was typed."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from web_fixtures import PROCESS, csrf_of, engine_as, logged_in, make_app, office

PAGE = f"/monev/{PROCESS}/2026-2"


@pytest.fixture
def paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    monkeypatch.setenv("SOP_LANG", "id")
    return office(tmp_path)


def _log(paths: dict[str, str]) -> list[Any]:
    return engine_as(paths, "tu.umum").context.store().monev_events()


def _text(answer: Any) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", answer.get_data(as_text=True)).split())


def test_the_head_lane_reads_and_writes_a_note(paths: dict[str, str]) -> None:
    """The Kepala Dinas (the page's penanggung_jawab) sees all 13 steps with a form each, saves a note with paraf,
    and reads it back with their name."""
    client = logged_in(make_app(paths), "kadis")
    page = client.get(PAGE)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Monitoring SOP Pelaksanaan Interkoneksi Data Baru, semester 2026-2" in html
    assert html.count('name="step"') == 13 and 'id="save-evaluation"' in html
    assert "Belum dapat dinilai" in html
    answer = client.post(PAGE, data={"csrf_token": csrf_of(client, PAGE), "step": "DisposisiKadis",
                                     "catatan": "Disposisi sering lewat sehari", "tindakan": "Delegasikan",
                                     "paraf": "1"})
    assert answer.status_code == 302
    after = _text(client.get(PAGE))
    assert "Catatan tersimpan." in after and "Disposisi sering lewat sehari" in after
    assert "Paraf: Ir. Asmawi Alie, MT, Kepala Dinas Komunikasi, Informatika dan Statistik" in after
    assert [(r.kind, r.item, r.actor) for r in _log(paths)] == [("note", "DisposisiKadis", "kadis")]


def test_another_lane_reads_only_and_a_post_is_refused(paths: dict[str, str]) -> None:
    """An OPD clerk reads the figures, gets no form to write, and a hand-made POST is refused (403): nothing
    written."""
    client = logged_in(make_app(paths), "opd.dinkes")
    page = client.get(PAGE)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'name="step"' not in html and 'id="save-evaluation"' not in html and "disabled" in html
    answer = client.post(PAGE, data={"csrf_token": csrf_of(client, PAGE), "step": "DisposisiKadis",
                                     "catatan": "x"})
    assert answer.status_code == 403
    said = _text(answer)
    assert "Siti Aminah, S.KM tidak boleh mengisi formulir monitoring Pelaksanaan Interkoneksi Data Baru" in said
    assert "opd.dinkes" not in said and "penanggung_jawab" not in said
    assert _log(paths) == []


def test_an_incomplete_evaluation_is_refused_and_keeps_what_was_typed(paths: dict[str, str]) -> None:
    """Six answers of seven: 422 naming the missing criterion, the typed answers and notes still on the page,
    nothing written; all seven are saved and show as this semester's."""
    client = logged_in(make_app(paths), "tu.umum")
    data = {"csrf_token": csrf_of(client, PAGE), "_action": "evaluate"}
    keys = ["kinerja", "dipahami", "dilaksanakan", "peran", "masalah", "kebutuhan", "sinergi"]
    for key in keys[:6]:
        data[f"answer-{key}"] = "ya"
    data["answer-dilaksanakan"] = "tidak"
    data["note-dilaksanakan"] = "Formulir survei terlalu panjang"
    answer = client.post(PAGE, data=data)
    assert answer.status_code == 422
    html = answer.get_data(as_text=True)
    assert "belum diisi: 7" in html
    assert "Formulir survei terlalu panjang</textarea>" in html
    assert re.search(r'name="answer-dilaksanakan" value="tidak" checked', html)
    assert _log(paths) == []
    data["answer-sinergi"] = "ya"
    assert client.post(PAGE, data=data).status_code == 302
    assert [r.kind for r in _log(paths)] == ["evaluation"]
    html = client.get(PAGE).get_data(as_text=True)
    assert re.search(r'name="answer-dilaksanakan" value="tidak" checked', html)


@pytest.mark.parametrize(("address", "status"), [("/monev/tidak_ada/2026-2", 404), (f"/monev/{PROCESS}/2026-3", 422)])
def test_an_unknown_process_or_semester_is_a_clear_page(paths: dict[str, str], address: str, status: int) -> None:
    """An unknown process: 404; a semester that is not YEAR-1 or YEAR-2: 422 saying how to write it."""
    client = logged_in(make_app(paths), "kadis")
    answer = client.get(address)
    assert answer.status_code == status
    if status == 422:
        assert "2026-2" in _text(answer)


def test_the_page_and_the_printable_form_in_english(paths: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    """Under English the page and the printable form read in English."""
    monkeypatch.setenv("SOP_LANG", "en")
    client = logged_in(make_app(paths), "kadis")
    text = _text(client.get(PAGE))
    assert "Monitoring of the SOP Pelaksanaan Interkoneksi Data Baru, semester 2026-2" in text
    assert "Not assessed" in text and "It drives better performance" in text
    printed = client.get(PAGE + "/print")
    assert printed.status_code == 200
    assert "MONITORING OF SOP IMPLEMENTATION" in printed.get_data(as_text=True)


def test_the_processes_page_links_the_monitoring_of_this_semester(paths: dict[str, str]) -> None:
    """/processes links each process's monitoring; /monev/<process> opens the semester of today (WIB)."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    client = logged_in(make_app(paths), "kadis")
    assert f'href="/monev/{PROCESS}"' in client.get("/processes").get_data(as_text=True)
    now = datetime.now(ZoneInfo("Asia/Jakarta"))
    answer = client.get(f"/monev/{PROCESS}")
    assert answer.status_code == 302
    assert answer.headers["Location"].endswith(f"/monev/{PROCESS}/{now.year}-{1 if now.month <= 6 else 2}")


def test_a_refused_note_keeps_what_was_typed(paths: dict[str, str]) -> None:
    """A note with a control character: 422 with the reason, the typed Catatan and Tindakan still in that step's
    boxes, nothing written."""
    client = logged_in(make_app(paths), "kadis")
    answer = client.post(PAGE, data={"csrf_token": csrf_of(client, PAGE), "step": "AnalisaKabid",
                                     "catatan": "Analisa\x07 lambat", "tindakan": "Tambah petugas", "paraf": "1"})
    assert answer.status_code == 422
    html = answer.get_data(as_text=True)
    assert "karakter kendali" in html
    assert "Analisa\x07 lambat</textarea>" in html
    assert "Tambah petugas</textarea>" in html
    assert _log(paths) == []
