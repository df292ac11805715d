"""Nothing typed is lost: a step that is not the person's opens read-only saying who may act; a refusal after
submitting (409 claimed by another, 403 not their lane) keeps the typing on the page and as their draft; an
operator's on-behalf form lists only the step's lane and their own claim does not stop them."""

from __future__ import annotations

from io import BytesIO
from typing import Any

import pytest
from conftest import EXAMPLES
from test_web_tasks import SURVEY, letter_fields
from web_fixtures import engine_as, logged_in, make_app, office, post, started


@pytest.fixture
def paths(tmp_path: Any) -> dict[str, str]:
    return office(tmp_path)


def _text(answer: Any) -> str:
    return str(answer.get_data(as_text=True))


def _step_form(page: str) -> str:
    """The step's form section of a task page (the header's sign-out form has inputs of its own)."""
    return page.split('<section class="step-form">', 1)[1].split("</section>", 1)[0]


def _events(paths: dict[str, str], instance: int) -> int:
    return engine_as(paths, "tu.umum").instance(instance).show().events


def test_another_lanes_step_opens_read_only_naming_who_may_act(paths: dict[str, str]) -> None:
    """The Kepala Dinas opening the survey sees it read-only: the lane and its people by name, no input, no button."""
    instance = started(paths, "SurveyTeknis")
    page = logged_in(make_app(paths), "kadis").get(f"/instances/{instance}/tasks/SurveyTeknis")
    form = _step_form(_text(page))
    assert page.status_code == 200 and 'id="read-only"' in form
    assert "Tim Teknis Jaringan" in form and "Fajar Nugroho, A.Md (Pranata Komputer, Tim Teknis Jaringan)" in form
    for tag in ("<input", "<select", "<textarea", "<button", "<form"):
        assert tag not in form
    assert 'id="claim-button"' not in _text(page)


def test_a_step_claimed_by_another_opens_read_only_naming_them(paths: dict[str, str]) -> None:
    """Dedi opening the survey Fajar took reads who has it and since when (WIB); nothing to fill in or press."""
    instance = started(paths, "SurveyTeknis")
    app = make_app(paths)
    page = f"/instances/{instance}/tasks/SurveyTeknis"
    assert post(logged_in(app, "tim.jaringan"), page + "/claim").status_code == 303
    form = _step_form(_text(logged_in(app, "dedi.jaringan").get(page)))
    assert "Fajar Nugroho, A.Md (Pranata Komputer, Tim Teknis Jaringan)" in form and " WIB" in form
    for tag in ("<input", "<select", "<textarea", "<button"):
        assert tag not in form


def test_a_409_keeps_the_typing_and_the_chosen_files_and_saves_a_draft(paths: dict[str, str]) -> None:
    """The clerk took the OPD's letter; the OPD's submission with its scan is refused (409) with every value typed
    on the page, the scan named to choose again, and the typing kept as the OPD's draft; nothing recorded."""
    own = engine_as(paths, "opd.dinkes")  # the OPD's own request (an OPD reads only its own)
    instance = own.instances.start("interkoneksi_data_baru").instance
    own.close()
    engine = engine_as(paths, "tu.umum")
    engine.instance(instance).claim("AjukanPermohonan")
    before = _events(paths, instance)
    opd = logged_in(make_app(paths), "opd.dinkes")
    pdf = (EXAMPLES / "berkas" / "surat-permohonan-dinkes.pdf").read_bytes()
    answer = post(opd, f"/instances/{instance}/tasks/AjukanPermohonan",
                  {**letter_fields(), "perihal": "Permohonan jaringan lantai 2",
                   "pindaian_surat": (BytesIO(pdf), "surat kami.pdf")}, content_type="multipart/form-data")
    page = _text(answer)
    assert answer.status_code == 409 and 'id="form-problems"' in page
    head = page.split('id="form-problems"')[1].split("</div>")[0]
    assert "Yuliana, A.Md" in head and " WIB" in head and "sop release" not in page and "--as" not in page
    assert 'value="Permohonan jaringan lantai 2"' in page and 'value="Dinas Kesehatan Kabupaten Bangka"' in page
    assert "surat_kami.pdf" in page and 'id="complete"' in page
    assert _events(paths, instance) == before
    draft = engine_as(paths, "opd.dinkes").instance(instance).draft("AjukanPermohonan")
    assert draft is not None and draft["perihal"] == "Permohonan jaringan lantai 2"
    assert draft["pengirim"]["instansi"] == "Dinas Kesehatan Kabupaten Bangka"


def test_a_403_keeps_the_typing_and_saves_it_as_the_persons_own_draft(paths: dict[str, str]) -> None:
    """The Kepala Dinas posting the survey (not his lane) gets 403 with what he typed on the page and kept as his
    draft alone; nothing recorded."""
    instance = started(paths, "SurveyTeknis")
    before = _events(paths, instance)
    answer = post(logged_in(make_app(paths), "kadis"), f"/instances/{instance}/tasks/SurveyTeknis",
                  {**SURVEY, "kondisi_eksisting": "Dicatat Kepala Dinas"})
    assert answer.status_code == 403 and ">Dicatat Kepala Dinas</textarea>" in _text(answer)
    assert 'value="Jl. Ahmad Yani No. 12"' in _text(answer)
    assert _events(paths, instance) == before
    assert engine_as(paths, "kadis").instance(instance).draft("SurveyTeknis")["kondisi_eksisting"] == (
        "Dicatat Kepala Dinas")
    assert engine_as(paths, "tim.jaringan").instance(instance).draft("SurveyTeknis") is None


def test_coming_back_after_a_409_restores_the_draft(paths: dict[str, str]) -> None:
    """Dedi's refused survey is filled in again when he opens the step after Fajar released it."""
    instance = started(paths, "SurveyTeknis")
    app = make_app(paths)
    page = f"/instances/{instance}/tasks/SurveyTeknis"
    fajar, dedi = logged_in(app, "tim.jaringan"), logged_in(app, "dedi.jaringan")
    post(fajar, page + "/claim")
    assert post(dedi, page, {**SURVEY, "lokasi": "Gedung B lantai 2"}).status_code == 409
    post(fajar, page + "/release")
    again = _text(dedi.get(page))
    assert 'id="draft-restored"' in again and 'value="Gedung B lantai 2"' in again and 'id="complete"' in again


def test_a_clerk_claims_then_records_the_step_on_behalf_of_the_opd(paths: dict[str, str]) -> None:
    """The clerk takes the OPD's letter, then records it for the OPD: completed, the OPD as actor, the clerk as
    recorder (the clerk's own claim does not stand in the way)."""
    engine = engine_as(paths, "tu.umum")
    instance = engine.instances.start("interkoneksi_data_baru").instance
    clerk = logged_in(make_app(paths), "tu.umum")
    page = f"/instances/{instance}/tasks/AjukanPermohonan"
    assert post(clerk, page + "/claim").status_code == 303
    pdf = (EXAMPLES / "berkas" / "surat-permohonan-dinkes.pdf").read_bytes()
    answer = post(clerk, page, {**letter_fields(), "_as": "opd.dinkes", "pindaian_surat": (BytesIO(pdf), "s.pdf")},
                  content_type="multipart/form-data")
    assert answer.status_code == 303, _text(answer)
    rows, _ = engine.instance(instance).history()
    assert (rows[-1].type, rows[-1].actor, rows[-1].operator) == ("task-completed", "opd.dinkes", "tu.umum")


def test_the_on_behalf_list_holds_only_the_steps_lane(paths: dict[str, str]) -> None:
    """For the Kepala Dinas's disposition the clerk may choose only the Kepala Dinas (the clerk is not of that
    lane: no "myself"); for the OPD's letter, the clerk himself and the OPD, nobody else."""
    instance = started(paths, "DisposisiKadis")
    clerk = logged_in(make_app(paths), "tu.umum")
    chooser = _step_form(_text(clerk.get(f"/instances/{instance}/tasks/DisposisiKadis"))).split('name="_as"')[1]
    options = chooser.split("</select>")[0]
    assert options.count("<option") == 1 and 'value="kadis"' in options and "Ir. Asmawi Alie, MT" in options
    engine = engine_as(paths, "tu.umum")
    second = engine.instances.start("interkoneksi_data_baru").instance
    letter = _step_form(_text(clerk.get(f"/instances/{second}/tasks/AjukanPermohonan"))).split('name="_as"')[1]
    options = letter.split("</select>")[0]
    assert options.count("<option") == 2 and 'value=""' in options and 'value="opd.dinkes"' in options
    assert "kadis" not in options and "tim.jaringan" not in options
