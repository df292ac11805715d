"""Nothing typed is lost, in a real browser (headless Chromium, Selenium) against a real `sop serve`: a member of
the Tim Teknis Jaringan types the survey while a colleague takes the task; the submission is refused (409) with
every value still in the form, and what was typed comes back as the draft when the task is released."""

from __future__ import annotations

from pathlib import Path

import pytest
from missing_tool import missing
from test_web_tasks import SURVEY
from web_browser_tools import Official, cli_office, served, why_no_browser
from web_fixtures import PASSWORD, engine_as, started


@pytest.fixture
def paths(tmp_path: Path) -> dict[str, str]:
    reason = why_no_browser()
    if reason:
        missing(f"no browser test: {reason}")  # skips, saying why (fails under CI=true)
    return cli_office(tmp_path, PASSWORD)


def test_a_409_keeps_the_typing_and_the_draft_comes_back(paths: dict[str, str], tmp_path: Path) -> None:
    """Dedi types the survey; Fajar takes the task meanwhile; Dedi's "Selesaikan" brings the form back with the
    refusal on top and his values in their inputs, nothing recorded; after Fajar releases it, Dedi's draft fills
    the form again."""
    instance = started(paths, "SurveyTeknis")
    with served(paths, tmp_path / "serve.log") as base:
        dedi = Official(base)
        try:
            dedi.log_in("dedi.jaringan", PASSWORD)
            dedi.open_task(instance, "SurveyTeknis")
            dedi.type("lokasi", "Gedung B lantai 2")
            dedi.type("kondisi_eksisting", SURVEY["kondisi_eksisting"])
            dedi.type("jarak_ke_titik_akses_meter", "420")
            fajar = engine_as(paths, "tim.jaringan")
            fajar.instance(instance).claim("SurveyTeknis")
            before = fajar.instance(instance).show().events
            dedi.complete()
            assert "Fajar Nugroho" in dedi.find("#form-problems").text or "tim.jaringan" in dedi.find(
                "#form-problems").text
            assert dedi.find("#f-lokasi").get_attribute("value") == "Gedung B lantai 2"
            assert dedi.find("#f-jarak_ke_titik_akses_meter").get_attribute("value") == "420"
            assert fajar.instance(instance).show().events == before
            fajar.instance(instance).release("SurveyTeknis")
            dedi.open_task(instance, "SurveyTeknis")
            assert dedi.find("#draft-restored").is_displayed()
            assert dedi.find("#f-lokasi").get_attribute("value") == "Gedung B lantai 2"
        finally:
            dedi.close()
