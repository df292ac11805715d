"""The web tasklist in a real browser (headless Chromium driven by Selenium) against a real `sop serve`: both paths of
the Interkoneksi SOP completed by the six officials logging in in turn (passwords set with `sop passwd
--password-stdin`), a form error next to its field, a wrong-lane 403, two browsers submitting the same step, then
`sop verify`. SOP_SCREENSHOTS=1 saves docs/web-tasklist.png, docs/web-task.png and docs/web-phone.png."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
from conftest import EXAMPLES, ROOT
from missing_tool import missing
from web_browser_tools import Official, cli_office, served, sop_command, sop_env, why_no_browser
from web_fixtures import PASSWORD, engine_as, started

SHOTS = os.environ.get("SOP_SCREENSHOTS") == "1"


@pytest.fixture
def paths(tmp_path: Path) -> dict[str, str]:
    reason = why_no_browser()
    if reason:
        missing(f"no browser test: {reason}")  # skips, saying why (fails under CI=true)
    return cli_office(tmp_path, PASSWORD)


def _scenario(name: str) -> Any:
    from engine import load_scenarios

    return next(s for s in load_scenarios(EXAMPLES) if s.file.endswith(name))


def _schema(paths: dict[str, str], instance: int, task: str) -> dict[str, Any]:
    engine = engine_as(paths, "tu.umum")
    try:
        return engine.instance(instance).form(task)[1]
    finally:
        engine.close()


def _start(browser: Official) -> int:
    """The OPD official starts an instance from the processes page and lands on its first task."""
    browser.open("/processes")
    browser.press("#start-interkoneksi_data_baru")
    parts = browser.path.split("/")
    assert parts[1] == "instances" and parts[3] == "tasks", browser.path
    return int(parts[2])


def _walk(browser: Official, paths: dict[str, str], steps: Any, checks: dict[str, Any], instance: int = 0) -> int:
    """Steps of a scenario done in the browser by the official each names, logging in in turn (the first starts the
    instance when there is none yet)."""
    for step in steps:
        browser.log_in(step["as"], PASSWORD)
        if instance == 0:
            instance = _start(browser)
        else:
            browser.open_task(instance, step["task"])
        assert browser.find("#task-name").text
        check = checks.get(step["task"])
        if check is not None:
            check(browser, instance)
        browser.fill(_schema(paths, instance, step["task"]), step["data"], step["attach"])
        browser.complete()
        assert browser.path == "/", (step["task"], browser.driver.page_source[:3000])
        assert browser.find(".notice").text
        browser.log_out()
    return instance


def _form_error_next_to_its_field(browser: Official, instance: int) -> None:
    """A wrong number is refused (422) with its problem under its field, the other values kept."""
    browser.type("lokasi", "Jl. Ahmad Yani")
    browser.type("jarak_ke_titik_akses_meter", "jauh sekali")
    browser.complete()
    error = browser.find("#f-jarak_ke_titik_akses_meter-error")
    assert error.is_displayed() and error.text and "jarak_ke_titik_akses_meter" not in error.text  # no key
    assert browser.find("#f-jarak_ke_titik_akses_meter").get_attribute("value") == "jauh sekali"
    assert browser.find("#f-lokasi").get_attribute("value") == "Jl. Ahmad Yani"
    if SHOTS:
        browser.screenshot(ROOT / "docs" / "web-task.png")


def _wrong_lane(paths: dict[str, str], base: str) -> Any:
    """The Kepala Dinas opens the Kepala Bidang's step: read-only, naming its lane and person, nothing to submit."""

    def check(browser: Official, instance: int) -> None:
        other = Official(base)
        try:
            other.log_in("kadis", PASSWORD)
            other.open(f"/instances/{instance}/tasks/AnalisaKabid")
            assert "Rudi Hartono" in other.find("#read-only").text
            assert other.all("#complete") == [] and other.all("section.step-form input") == []
        finally:
            other.close()

    return check


def _tasklist_shot(paths: dict[str, str]) -> Any:
    """With SOP_SCREENSHOTS=1: the Kepala Seksi's tasklist (a second instance waiting for them too), and the
    topology step's rows on a phone."""

    def check(browser: Official, instance: int) -> None:
        if SHOTS:
            started(paths, "AnalisaTopologi")
            browser.driver.set_window_size(1100, 560)
            browser.open("/")
            browser.screenshot(ROOT / "docs" / "web-tasklist.png")
            browser.driver.set_window_size(390, 844)  # a phone
            browser.open_task(instance, "DraftTopologi")
            browser.driver.execute_script("document.getElementById('f-titik_koneksi').scrollIntoView()")
            browser.screenshot(ROOT / "docs" / "web-phone.png")
            browser.driver.set_window_size(1100, 1500)

    return check


def _race(browser: Official, paths: dict[str, str], base: str, instance: int, data: dict[str, Any]) -> None:
    """Two members of Tim Teknis Jaringan submit the same survey: one wins, the other is told who did."""
    browser.log_in("tim.jaringan", PASSWORD)
    browser.open_task(instance, "SurveyTeknis")
    dedi = Official(base)
    try:
        dedi.log_in("dedi.jaringan", PASSWORD)
        dedi.open_task(instance, "SurveyTeknis")
        schema = _schema(paths, instance, "SurveyTeknis")
        dedi.fill(schema, data)
        browser.fill(schema, data)
        browser.complete()
        assert browser.path == "/"
        dedi.complete()
        assert dedi.status() == 409
        assert "tim.jaringan" in dedi.find("#done-by").text
    finally:
        dedi.close()
    browser.log_out()


def test_both_paths_completed_in_the_browser_then_verify_passes(paths: dict[str, str], tmp_path: Path) -> None:
    """Pasang and tunda, every step by its official in Chromium; a form error, a read-only step of another lane
    and a race on the way; `sop verify` passes afterwards."""
    with served(paths, tmp_path / "serve.log") as base:
        browser = Official(base)
        try:
            pasang = _scenario("pasang.scenario.yaml")
            checks = {"SurveyTeknis": _form_error_next_to_its_field, "AnalisaKabid": _wrong_lane(paths, base),
                      "DraftTopologi": _tasklist_shot(paths)}
            first = _walk(browser, paths, pasang.steps, checks)
            tunda = _scenario("tunda.scenario.yaml")
            at = next(i for i, s in enumerate(tunda.steps) if s["task"] == "SurveyTeknis")
            second = _walk(browser, paths, tunda.steps[:at], {})
            _race(browser, paths, base, second, tunda.steps[at]["data"])
            _walk(browser, paths, tunda.steps[at + 1:], {}, second)
        finally:
            browser.close()
    engine = engine_as(paths, "tu.umum")
    assert [engine.instance(n).show().status for n in (first, second)] == ["completed", "completed"]
    assert [r.actor for r in engine.instance(first).history()[0] if r.type == "task-completed"] == \
        [s["as"] for s in pasang.steps]
    verify = subprocess.run(sop_command(paths, "verify"), cwd=ROOT, env=sop_env(), capture_output=True, text=True)
    assert verify.returncode == 0, verify.stdout + verify.stderr


def test_a_script_typed_into_a_form_is_shown_as_text_and_a_post_without_its_token_is_refused(
        paths: dict[str, str], tmp_path: Path) -> None:
    """The Kepala Dinas types markup into the disposition: the next official's page shows it as text and runs no
    script; a form whose csrf_token was removed is refused (403) and saves nothing."""
    instance = started(paths, "DisposisiKadis")
    hostile = "<script>document.title='diretas'</script><b id=\"injected\">tebal</b>"
    with served(paths, tmp_path / "serve.log") as base:
        browser = Official(base)
        try:
            browser.log_in("kadis", PASSWORD)
            browser.open_task(instance, "DisposisiKadis")
            data = dict(_scenario("pasang.scenario.yaml").steps[1]["data"], isi=hostile)
            browser.fill(_schema(paths, instance, "DisposisiKadis"), data)
            browser.complete()
            assert browser.path == "/"
            browser.log_out()
            browser.log_in("kabid.egov", PASSWORD)
            browser.open_task(instance, "AnalisaKabid")
            shown = " ".join(d.get_attribute("textContent") for d in browser.all("section.artefacts details"))
            assert hostile in shown  # the markup as the official typed it, as text
            assert browser.all("#injected") == [] and "diretas" not in browser.driver.title
            assert browser.driver.execute_script("return document.scripts.length") == 0
            before = engine_as(paths, "tu.umum").instance(instance).show().events
            browser.driver.execute_script(
                "document.querySelectorAll('input[name=csrf_token]').forEach(e => e.remove())")
            browser.complete()
            assert browser.status() == 403
            assert engine_as(paths, "tu.umum").instance(instance).show().events == before
        finally:
            browser.close()
