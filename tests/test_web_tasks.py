"""The tasklist and the task page through Flask's test client: lanes, the form's problems by field, a step done by
someone else, artefacts shown as text, drafts, recording on behalf of an official, attached files."""

from __future__ import annotations

import re
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from conftest import EXAMPLES
from web_fixtures import engine_as, logged_in, make_app, office, post, started

SURVEY = {"tanggal_survey": "2026-11-05", "lokasi": "Jl. Ahmad Yani No. 12", "_rows.petugas": "2",
          "petugas.0": "Fajar Nugroho", "petugas.1": "Dedi Kurniawan", "kondisi_eksisting": "LAN 24 titik",
          "jarak_ke_titik_akses_meter": "420", "media_usulan": "fiber optik"}


def letter_fields() -> dict[str, str]:
    """The sample request letter as the web form posts it (groups' fields by their dotted paths), no file."""
    from engine import read_data_file

    letter = read_data_file(str(EXAMPLES / "data" / "01_surat_permohonan.yaml"))
    fields = {k: str(v) for k, v in letter.items() if not isinstance(v, dict)}
    fields.update({f"{group}.{k}": str(v) for group in ("pengirim", "kontak") for k, v in letter[group].items()})
    return fields


def _letter_sent(paths: dict[str, str], file_name: str) -> tuple[Any, int, Any, bytes]:
    """A new instance whose request letter opd.dinkes sends through the web, its scan chosen as file_name:
    (engine, instance, the signed-in client, the scan's bytes)."""
    engine = engine_as(paths, "tu.umum")
    instance = engine.instances.start("interkoneksi_data_baru", actor="opd.dinkes").instance
    pdf = (EXAMPLES / "berkas" / "surat-permohonan-dinkes.pdf").read_bytes()
    client = logged_in(make_app(paths), "opd.dinkes")
    answer = post(client, f"/instances/{instance}/tasks/AjukanPermohonan",
                  {**letter_fields(), "pindaian_surat": (BytesIO(pdf), file_name)}, content_type="multipart/form-data")
    assert answer.status_code == 303, _text(answer)
    return engine, instance, client, pdf


@pytest.fixture
def paths(tmp_path: Path) -> dict[str, str]:
    return office(tmp_path)


def _text(answer: Any) -> str:
    return str(answer.get_data(as_text=True))


def _events(paths: dict[str, str], instance: int) -> int:
    engine = engine_as(paths, "tu.umum")
    try:
        return engine.instance(instance).show().events
    finally:
        engine.close()


def test_the_tasklist_shows_the_lanes_tasks_with_filters_and_count(paths: dict[str, str]) -> None:
    """An official sees the ready tasks of their lanes, oldest first, with the count; an operator sees all; the
    process and instance filters narrow them."""
    first, second = started(paths, "SurveyTeknis"), started(paths, "DisposisiKadis")
    app = make_app(paths)
    team = _text(logged_in(app, "tim.jaringan").get("/"))
    assert f'/instances/{first}/tasks/SurveyTeknis' in team and "DisposisiKadis" not in team
    assert 'data-count="1"' in team
    clerk = logged_in(app, "tu.umum")
    everything = _text(clerk.get("/"))
    assert 'data-count="2"' in everything
    assert everything.index(f"/instances/{first}/") < everything.index(f"/instances/{second}/")  # oldest first
    assert 'data-count="1"' in _text(clerk.get(f"/?instance={second}"))
    assert 'data-count="0"' in _text(clerk.get("/?process=another_process"))
    assert 'data-count="0"' in _text(clerk.get("/?overdue=1"))  # nothing is late yet
    assert "WIB" in everything


def test_an_overdue_task_is_marked_and_the_overdue_filter_finds_it(paths: dict[str, str]) -> None:
    """A step past its due time is marked overdue (in WIB) and is what "overdue only" lists."""
    started(paths, "DisposisiKadis")
    engine_as(paths, "tu.umum", clock=lambda: "2026-01-05T01:00:00.000Z").instances.start("interkoneksi_data_baru")
    clerk = logged_in(make_app(paths), "tu.umum")
    page = _text(clerk.get("/"))
    assert page.count('class="task overdue"') == 1 and "2026-01-05" in page
    late = _text(clerk.get("/?overdue=1"))
    assert 'data-count="1"' in late and 'data-instance="2"' in late


def test_completing_a_step_redirects_to_the_tasklist_with_a_confirmation(paths: dict[str, str]) -> None:
    """A valid form completes the step (303 to /) with the typed values typed as --set types them."""
    instance = started(paths, "SurveyTeknis")
    client = logged_in(make_app(paths), "tim.jaringan")
    answer = post(client, f"/instances/{instance}/tasks/SurveyTeknis", SURVEY)
    assert answer.status_code == 303 and answer.headers["Location"] == "/"
    tasklist = _text(client.get("/"))
    assert "Completed &#39;Koordinasi dan survey teknis ke OPD&#39; of instance" in tasklist
    assert 'data-task="SurveyTeknis"' not in tasklist
    engine = engine_as(paths, "tu.umum")
    assert engine.instance(instance).artefacts()["SurveyTeknis"]["jarak_ke_titik_akses_meter"] == 420
    assert engine.instance(instance).artefacts()["SurveyTeknis"]["petugas"] == ["Fajar Nugroho", "Dedi Kurniawan"]


def test_invalid_data_is_422_with_each_problem_next_to_its_field_and_nothing_saved(paths: dict[str, str]) -> None:
    """Bad values: the form again with every problem under its field, the typed values kept, no event written."""
    instance = started(paths, "SurveyTeknis")
    before = _events(paths, instance)
    client = logged_in(make_app(paths), "tim.jaringan")
    bad = {**SURVEY, "jarak_ke_titik_akses_meter": "jauh", "lokasi": "", "tanggal_survey": "31-02-2026"}
    answer = post(client, f"/instances/{instance}/tasks/SurveyTeknis", bad)
    page = _text(answer)
    assert answer.status_code == 422
    for field in ("jarak_ke_titik_akses_meter", "lokasi", "tanggal_survey"):  # the sentence, not the field's key
        problem = re.search(rf'id="f-{field}-error"[^>]*>\s*<p>([^<]+)', page)
        assert problem and field not in problem.group(1), field
    assert 'value="jauh"' in page and 'value="31-02-2026"' in page and 'value="Dedi Kurniawan"' in page
    assert _events(paths, instance) == before


def test_the_pages_speak_the_language_of_sop_lang(paths: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    """With SOP_LANG=id the engine's words on a page are Indonesian (the problems too), the page says lang="id"."""
    monkeypatch.setenv("SOP_LANG", "id")
    instance = started(paths, "SurveyTeknis")
    client = logged_in(make_app(paths), "tim.jaringan")
    page = _text(post(client, f"/instances/{instance}/tasks/SurveyTeknis", {**SURVEY, "lokasi": ""}))
    assert '<html lang="id">' in page and "tidak memenuhi formulir" in page and "wajib diisi" in page


def test_a_step_outside_the_persons_lane_is_403(paths: dict[str, str]) -> None:
    """The engine refuses a person outside the step's lane: 403 with its words, nothing saved."""
    instance = started(paths, "SurveyTeknis")
    before = _events(paths, instance)
    client = logged_in(make_app(paths), "kadis")
    answer = post(client, f"/instances/{instance}/tasks/SurveyTeknis", SURVEY)
    assert answer.status_code == 403 and "Tim Teknis Jaringan" in _text(answer)
    assert _events(paths, instance) == before


def test_a_step_completed_by_someone_else_is_409_saying_who_and_when(paths: dict[str, str]) -> None:
    """The second submission of a step learns who completed it and when (local time)."""
    instance = started(paths, "SurveyTeknis")
    app = make_app(paths)
    fajar, dedi = logged_in(app, "tim.jaringan"), logged_in(app, "dedi.jaringan")
    dedi_page = _text(dedi.get(f"/instances/{instance}/tasks/SurveyTeknis"))
    assert "Koordinasi dan survey" in dedi_page
    assert post(fajar, f"/instances/{instance}/tasks/SurveyTeknis", SURVEY).status_code == 303
    late = post(dedi, f"/instances/{instance}/tasks/SurveyTeknis", SURVEY)
    assert late.status_code == 409
    assert re.search(r'id="done-by">[^<]*Fajar Nugroho, A.Md \(tim.jaringan\)[^<]*WIB', _text(late))


def test_a_script_in_an_artefact_is_shown_as_text(paths: dict[str, str]) -> None:
    """Whatever an artefact holds is escaped: `<script>` appears as text on the next step's page."""
    instance = started(paths, "SurveyTeknis")
    app = make_app(paths)
    sent = post(logged_in(app, "tim.jaringan"), f"/instances/{instance}/tasks/SurveyTeknis",
                {**SURVEY, "kondisi_eksisting": "<script>alert('x')</script>"})
    assert sent.status_code == 303, _text(sent)  # the artefact was saved: the page below reads it back
    page = _text(logged_in(app, "kasi.infra").get(f"/instances/{instance}/tasks/AnalisaTopologi"))
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in page and "<script>" not in page


def test_a_draft_is_saved_restored_and_not_an_event(paths: dict[str, str]) -> None:
    """"Simpan draf" keeps an unfinished form for the person (no event, no validation); the next visit restores it;
    completing the step discards it."""
    instance = started(paths, "SurveyTeknis")
    before = _events(paths, instance)
    app = make_app(paths)
    client = logged_in(app, "tim.jaringan")
    saved = post(client, f"/instances/{instance}/tasks/SurveyTeknis",
                 {"lokasi": "Setengah jalan", "jarak_ke_titik_akses_meter": "12", "_action": "draft"})
    assert saved.status_code == 303 and _events(paths, instance) == before
    page = _text(client.get(f"/instances/{instance}/tasks/SurveyTeknis"))
    assert 'value="Setengah jalan"' in page and 'id="draft-restored"' in page
    other = _text(logged_in(app, "dedi.jaringan").get(f"/instances/{instance}/tasks/SurveyTeknis"))
    assert "Setengah jalan" not in other  # a draft is the person's own
    assert post(client, f"/instances/{instance}/tasks/SurveyTeknis", SURVEY).status_code == 303
    assert engine_as(paths, "tim.jaringan").context.store().draft(instance, "x", "tim.jaringan") is None


def test_rows_are_added_and_removed_without_javascript(paths: dict[str, str]) -> None:
    """"Tambah baris" and "Hapus" post the form and draw it again with one row more or less, values kept."""
    instance = started(paths, "SurveyTeknis")
    client = logged_in(make_app(paths), "tim.jaringan")
    grown = _text(post(client, f"/instances/{instance}/tasks/SurveyTeknis", {**SURVEY, "_action": "add:petugas"}))
    assert 'name="petugas.2"' in grown and 'value="Dedi Kurniawan"' in grown
    shrunk = _text(post(client, f"/instances/{instance}/tasks/SurveyTeknis",
                        {**SURVEY, "_action": "remove:petugas.0"}))
    assert 'name="petugas.1"' not in shrunk and 'name="petugas.0" value="Dedi Kurniawan"' in shrunk


def test_an_operator_records_a_step_on_behalf_of_an_official(paths: dict[str, str]) -> None:
    """The clerk chooses the official; the history records the official as actor and the clerk as recorder."""
    instance = started(paths, "DisposisiKadis")
    client = logged_in(make_app(paths), "tu.umum")
    page = _text(client.get(f"/instances/{instance}/tasks/DisposisiKadis"))
    assert 'name="_as"' in page and 'value="kadis"' in page
    engine = engine_as(paths, "tu.umum")
    from engine import read_data_file

    disposition = read_data_file(str(EXAMPLES / "data" / "02_disposisi_kadis.yaml"))
    data = {"_as": "kadis", **{k: str(v) for k, v in disposition.items() if not isinstance(v, (dict, list))}}
    answer = post(client, f"/instances/{instance}/tasks/DisposisiKadis", data)
    assert answer.status_code == 303, _text(answer)
    rows, _ = engine.instance(instance).history()
    assert (rows[-1].actor, rows[-1].operator) == ("kadis", "tu.umum")


def test_only_an_operator_may_record_on_behalf_of_someone_else(paths: dict[str, str]) -> None:
    """An official who is no operator, posting the step of his own lane "as" another person, is refused (403) with
    nothing saved; the engine decides, the page only asks."""
    instance = started(paths, "SurveyTeknis")
    engine = engine_as(paths, "tu.umum")
    before = engine.instance(instance).show().events
    client = logged_in(make_app(paths), "tim.jaringan")
    page = _text(client.get(f"/instances/{instance}/tasks/SurveyTeknis"))
    assert 'name="_as"' not in page  # no one to choose: the form does not offer it
    forged = post(client, f"/instances/{instance}/tasks/SurveyTeknis", {**SURVEY, "_as": "dedi.jaringan"})
    assert forged.status_code == 403, _text(forged)
    assert engine.instance(instance).show().events == before


def test_an_attached_file_is_uploaded_and_downloaded(paths: dict[str, str]) -> None:
    """A file input's upload is attached through the engine (checked by content) and downloads from the page."""
    engine, instance, client, pdf = _letter_sent(paths, "surat dinkes.pdf")
    files = engine.instance(instance).attachments()
    assert [(f.field, f.name, f.media_type) for f in files] == [("pindaian_surat", "surat_dinkes.pdf",
                                                                 "application/pdf")]
    page = _text(client.get(f"/instances/{instance}"))
    link = re.search(r'href="(/instances/\d+/files/[^"]+)"', page)
    assert link
    download = client.get(link.group(1))
    assert download.status_code == 200 and download.data == pdf
    assert download.headers["Content-Disposition"].startswith("inline")  # a PDF opens in the browser
    assert download.mimetype == "application/pdf"
    assert download.headers["X-Content-Type-Options"] == "nosniff"

def test_an_upload_with_a_very_long_name_is_attached_under_a_shortened_one(paths: dict[str, str]) -> None:
    """A file chosen with a 300-character name (over any file system's 255) is attached, its name cut to 200
    characters with its extension kept; no 500."""
    engine, instance, _, _ = _letter_sent(paths, "s" * 296 + ".pdf")
    [attached] = engine.instance(instance).attachments()
    assert attached.name == "s" * 196 + ".pdf"


def test_an_uploads_name_keeps_its_letters_in_any_script(paths: dict[str, str]) -> None:
    """A file chosen as "Surat Dinkes №5 café.pdf" is attached as "Surat_Dinkes_5_café.pdf": spaces become `_`,
    signs that are no letters go, letters with accents (or of another script) stay."""
    engine, instance, _, _ = _letter_sent(paths, "Surat Dinkes №5 café.pdf")
    assert [a.name for a in engine.instance(instance).attachments()] == ["Surat_Dinkes_5_café.pdf"]


def test_an_altered_file_is_never_sent(paths: dict[str, str], caplog: pytest.LogCaptureFixture) -> None:
    """A stored file whose bytes no longer match their hash downloads as a 500 page with an incident number, none of
    its bytes sent; the log says which file."""
    import hashlib
    import logging

    _, instance, client, pdf = _letter_sent(paths, "surat.pdf")
    sha = hashlib.sha256(pdf).hexdigest()
    stored = Path(paths["db"] + "-files") / sha[:2] / sha
    stored.write_bytes(pdf[:-1] + bytes([pdf[-1] ^ 1]))  # one byte flipped behind the program's back
    link = re.search(r'href="(/instances/\d+/files/[^"]+)"', _text(client.get(f"/instances/{instance}")))
    assert link
    with caplog.at_level(logging.ERROR, logger="sop.web"):
        download = client.get(link.group(1))
    assert download.status_code == 500 and 'id="incident"' in _text(download)
    assert pdf[:64] not in download.data and download.headers.get("Content-Disposition") is None
    assert "do not match its hash" in caplog.text


def test_a_file_of_the_wrong_type_is_422_naming_it_as_chosen(paths: dict[str, str]) -> None:
    """The engine refuses an upload by its content; the page names the file as the person chose it (never the
    server's temporary path), says to choose files again, and nothing is saved."""
    instance = engine_as(paths, "tu.umum").instances.start("interkoneksi_data_baru", actor="opd.dinkes").instance
    client = logged_in(make_app(paths), "opd.dinkes")
    answer = post(client, f"/instances/{instance}/tasks/AjukanPermohonan",
                  {"perihal": "Permohonan", "pindaian_surat": (BytesIO(b"just text"), "catatan.pdf")},
                  content_type="multipart/form-data")
    page = _text(answer)
    assert answer.status_code == 422 and "catatan.pdf" in page and "sop-upload-" not in page
    assert "choose them again" in page and 'value="Permohonan"' in page
    assert engine_as(paths, "tu.umum").instance(instance).attachments() == []


def test_an_unknown_instance_or_task_is_404(paths: dict[str, str]) -> None:
    """The engine's NotFoundError is a 404 page in the reader's words."""
    started(paths, "SurveyTeknis")
    client = logged_in(make_app(paths), "tu.umum")
    assert client.get("/instances/99/tasks/SurveyTeknis").status_code == 404
    assert client.get("/instances/1/tasks/NoSuchStep").status_code == 404
    assert client.get("/instances/99").status_code == 404


def _closed_to_others(paths: list[Path]) -> list[str]:
    """The paths whose mode is not read-write for the group or is open to other accounts."""
    import stat

    wrong = []
    for path in paths:
        mode = stat.S_IMODE(path.stat().st_mode)
        wanted = 0o070 if path.is_dir() else 0o060
        if mode & wanted != wanted or mode & 0o007:
            wrong.append(f"{path} {oct(mode)}")
    return wrong


def test_a_scan_sent_through_the_web_is_stored_closed_to_other_accounts(paths: dict[str, str]) -> None:
    """The web's upload path (not only the CLI's) writes the files folder and each stored file read-write for the
    office's group and closed to other accounts, whatever the server's umask."""
    import os

    old = os.umask(0o022)
    try:
        _letter_sent(paths, "surat.pdf")
    finally:
        os.umask(old)
    folder = Path(paths["db"] + "-files")
    stored = list(folder.rglob("*"))
    assert any(p.is_file() for p in stored)
    assert _closed_to_others([Path(paths["db"]), folder, *stored]) == []
