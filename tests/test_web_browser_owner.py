"""The process owner's flow in a real browser (headless Chromium, Selenium) against a real `sop serve`, in
Indonesian: the Kepala Bidang, owner of a small SOP written as a table, uploads the table with one more step while a
request waits at its first step, sees lint's problem under the new row, fixes it in the editor, sees the diagram,
previews the sheet, publishes, confirms the plan, and finds the request moved, the move in its history under his
name. axe-core checks the pages on the way (no serious or critical violation)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from missing_tool import missing
from owner_fixtures import OWNED, OWNER, owner_office, start_owned, with_new_step
from web_browser_tools import Official, served, why_no_browser
from web_fixtures import PASSWORD, engine_as

OWNER_NAME = "Rudi Hartono, S.Kom"


@pytest.fixture
def browser_office(tmp_path: Path) -> Iterator[tuple[dict[str, str], int, Official]]:
    """The office with the table SOP owned by the Kepala Bidang, one request waiting at its first step, served;
    a browser window on it."""
    reason = why_no_browser()
    if reason:
        missing(f"no browser test: {reason}")  # skips, saying why (fails under CI=true)
    paths = owner_office(tmp_path)
    instance = start_owned(paths)
    with served(paths, tmp_path / "serve.log") as base:
        window = Official(base)
        try:
            yield paths, instance, window
        finally:
            window.close()


def _axe(browser: Official, where: str) -> None:
    """No serious or critical axe-core violation on the page shown (when axe-core is installed)."""
    from test_web_axe import AXE, described, violations

    if AXE.is_file():
        found = violations(browser)
        assert not found, f"{where}: {described(found)}"


def test_an_owner_uploads_fixes_previews_publishes_and_moves_a_running_request(
        browser_office: tuple[dict[str, str], int, Official], tmp_path: Path) -> None:
    """Upload, a problem under its row, fixed in the editor, the diagram, the sheet's preview, publish, the plan
    confirmed: the request is on the new version and its history names the owner."""
    from selenium.webdriver.support.ui import WebDriverWait

    paths, instance, browser = browser_office
    browser.log_in(OWNER, PASSWORD)
    browser.press("#nav-manage")
    assert browser.path == "/manage" and browser.find("h1").text == "Kelola SOP"
    browser.press(f"#manage-{OWNED}")
    assert browser.path == f"/manage/{OWNED}"

    upload = tmp_path / "permohonan_data.sop.yaml"
    upload.write_text(with_new_step(lane="Kepala Bagian"), encoding="utf-8")
    browser.find("#file").send_keys(str(upload))
    browser.press("#check")
    problems = browser.find("#row-2-problems")
    assert "Kepala Bagian" in problems.text and "Galat (baris 20)" in problems.text
    assert "Verifikasi kelengkapan permohonan data" in browser.find("#row-2").text
    assert len(browser.all(".row-problems")) == 1
    assert "1 galat" in browser.find("#check-summary").text
    _axe(browser, "a check with a problem")

    editor = browser.find("#table")
    assert "pelaksana: Kepala Bagian" in editor.get_attribute("value")  # the uploaded table, in the editor
    fixed = editor.get_attribute("value").replace("pelaksana: Kepala Bagian", "pelaksana: Kepala Bidang")
    browser.driver.execute_script("arguments[0].value = arguments[1]", editor, fixed)
    browser.press("#check")
    assert browser.find("#check-summary").text == "Tidak ada masalah: tabel dapat diterbitkan."
    assert not browser.all(".row-problems")
    picture = browser.find("#draft-diagram img")
    assert browser.driver.execute_script("return arguments[0].complete && arguments[0].naturalWidth", picture) > 0
    _axe(browser, "a clean check")

    editor_window = browser.driver.current_window_handle
    browser.find("#preview-sheet").click()  # opens in a tab of its own: the editor stays as it is
    WebDriverWait(browser.driver, 30).until(lambda d: len(d.window_handles) == 2)
    browser.driver.switch_to.window(next(h for h in browser.driver.window_handles if h != editor_window))
    browser.loaded()
    assert "versi ini belum diterbitkan" in browser.find("#draft-note").text
    assert "Verifikasi kelengkapan permohonan data" in browser.find("main").text
    browser.driver.close()
    browser.driver.switch_to.window(editor_window)

    browser.press("#publish")
    assert browser.path == f"/manage/{OWNED}/plan"
    assert "Versi baru Permohonan Data Statistik telah diterbitkan" in browser.find(".notice").text
    assert "Verifikasi kelengkapan permohonan data" in browser.find("#plan-changes").text  # the step added
    moves = browser.find("#plan-moves").text
    assert f"Permohonan Data Statistik no. {instance}" in moves
    assert "Sekarang di: Ajukan surat permohonan data" in moves
    _axe(browser, "the plan")
    browser.press("#confirm-move")
    assert browser.path == f"/manage/{OWNED}/plan"
    assert f"1 permohonan dipindah ke versi baru; riwayatnya mencatat pemindahan oleh {OWNER_NAME}" in \
        browser.find(".notice").text
    assert browser.find("#plan-none")

    browser.open(f"/instances/{instance}")
    history = browser.find("table.history").text
    assert OWNER_NAME in history
    assert Path(paths["definitions"], f"{OWNED}.sop.yaml").read_text(encoding="utf-8") == fixed
    engine = engine_as(paths, "tu.umum")
    try:
        rows, _ = engine.instance(instance).history()
        versions = engine.processes.versions()[0]
    finally:
        engine.close()
    assert [(r.type, r.actor) for r in rows if r.type == "instance-migrated"] == [("instance-migrated", OWNER)]
    now = next(v for v in versions if v.process == OWNED and v.current)
    assert now.running == 1  # the request runs on the version just published
