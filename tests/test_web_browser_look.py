"""How the pages look in a real browser (headless Chromium, Selenium, a real `sop serve`): every page of
tests/web_pages.py fits a phone (390x844) and a desktop (1280x900) with nothing cut off; the instance's diagram is
drawn with its labels at 12 px or more at 1280 px, pans in its frame and zooms on its own page; the SOP sheet has
the bar and a print button and prints the pages `sop sheet` prints; the Dinas's name and the icon head every page;
releasing a task says so. SOP_SCREENSHOTS=1 saves every page at both sizes as docs/screens/NAME.png and
docs/screens/NAME-phone.png (docs/pictures.sh)."""

from __future__ import annotations

import base64
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT
from missing_tool import missing
from web_browser_tools import Official, served, sop_command, sop_env, why_no_browser
from web_fixtures import PASSWORD, PROCESS
from web_pages import DESKTOP, PHONE, Office, WebPage, prepared_office, visit

SHOTS = os.environ.get("SOP_SCREENSHOTS") == "1"
OFFICE = "Dinas Komunikasi, Informatika dan Statistik"  # the identity page's `sop.dinas`
# The smallest label of the diagram as drawn: its font size in the SVG times the image's drawn width over the SVG's.
SMALLEST_LABEL = """
const done = arguments[arguments.length - 1];
const img = document.querySelector(arguments[0]);
fetch(img.src).then(r => r.text()).then(text => {
  const svg = new DOMParser().parseFromString(text, 'image/svg+xml').documentElement;
  const box = svg.getAttribute('viewBox').split(/[ ,]+/).map(Number);
  const sizes = Array.from(svg.querySelectorAll('text')).map(t => Number(t.getAttribute('font-size')
      || t.closest('[font-size]').getAttribute('font-size')));
  done({smallest: Math.min(...sizes) * img.getBoundingClientRect().width / box[2], labels: sizes.length,
        drawn: img.getBoundingClientRect().width, frame: img.parentElement.getBoundingClientRect().width,
        pans: img.parentElement.scrollWidth > img.parentElement.clientWidth});
});
"""


@pytest.fixture
def site(tmp_path: Path) -> Office:
    reason = why_no_browser()
    if reason:
        missing(f"no browser test: {reason}")  # skips, saying why (fails under CI=true)
    return prepared_office(tmp_path)


def overflow(browser: Official) -> int:
    """How many CSS pixels the page is wider than the window (0: nothing is cut off or needs a sideways scroll)."""
    return int(browser.driver.execute_script(
        "return document.documentElement.scrollWidth - window.innerWidth"))


def shot(browser: Official, name: str) -> None:
    """The window as a PNG in docs/screens, reduced to a palette of 128 colours (a few tens of KB)."""
    from PIL import Image

    path = ROOT / "docs" / "screens" / f"{name}.png"
    path.parent.mkdir(exist_ok=True)
    browser.screenshot(path)
    with Image.open(path) as image:
        small = image.convert("RGB").quantize(colors=128, method=Image.Quantize.MEDIANCUT)
    small.save(path, optimize=True)


@pytest.mark.parametrize("language", ["id", "en"])
def test_every_page_fits_a_phone_and_a_desktop(site: Office, tmp_path: Path, language: str) -> None:
    """No page, in Indonesian or English, is wider than the window at 390x844 or 1280x900, the history a card per
    row on the phone; every page is headed by the Dinas's name and carries the icon."""
    wide: dict[str, int] = {}
    with served(site.paths, tmp_path / "serve.log", language=language) as base:
        browser = Official(base, *DESKTOP)
        try:
            for size, suffix in ((DESKTOP, ""), (PHONE, "-phone")):
                browser.driver.set_window_size(*size)

                def look(page: WebPage, size: tuple[int, int] = size, suffix: str = suffix) -> None:
                    over = overflow(browser)
                    if over > 0:
                        wide[f"{page.name} at {size[0]}x{size[1]}"] = over
                    assert OFFICE in browser.find("header.bar .office").text, page
                    assert browser.find('link[rel="icon"]').get_attribute("href").endswith("/static/favicon.svg")
                    if page.name in ("instance", "instances") and size == PHONE:
                        rows = browser.all("table.history tbody tr, table.instances tbody tr")
                        assert rows and all(r.value_of_css_property("display") == "block" for r in rows)
                        assert rows[0].find_element("css selector", "td").value_of_css_property("display") == "block"
                    if SHOTS and language == "id":
                        shot(browser, page.name + suffix)

                visit(browser, site.pages, look)
            icon = browser.driver.execute_async_script(
                "const done = arguments[0]; fetch('/static/favicon.svg').then(r => done([r.status,"
                " r.headers.get('content-type')]))")
            assert icon[0] == 200 and icon[1].startswith("image/svg+xml"), icon
        finally:
            browser.close()
    assert not wide, f"wider than the window (CSS px): {wide}"


def test_the_diagram_is_readable_at_1280_px_pans_and_zooms_without_script(site: Office, tmp_path: Path) -> None:
    """On the instance page at 1280 px the diagram's smallest label is drawn at 12 px or more, the frame as wide as
    the page and scrolling sideways inside it; its link opens the diagram's own page (with the bar) whose links
    show it whole in the window or larger."""
    with served(site.paths, tmp_path / "serve.log") as base:
        browser = Official(base, *DESKTOP)
        try:
            browser.log_in("kasi.infra", PASSWORD)
            browser.open(f"/instances/{site.midway}")
            readable = browser.driver.execute_async_script(SMALLEST_LABEL, "#diagram img")
            assert readable["labels"] > 20 and readable["smallest"] >= 12, readable
            assert readable["frame"] >= DESKTOP[0] - 80 and readable["pans"], readable
            assert overflow(browser) <= 0
            browser.press("#open-diagram")
            assert browser.path == f"/instances/{site.midway}/diagram"
            assert browser.all("header.bar nav a") and browser.find("#back-to-instance")
            assert browser.find("#zoom-read").get_attribute("aria-current") == "page"
            browser.press("#zoom-fit")
            whole = browser.driver.execute_async_script(SMALLEST_LABEL, "#diagram img")
            assert whole["drawn"] <= whole["frame"] and not whole["pans"], whole
            browser.press("#zoom-large")
            large = browser.driver.execute_async_script(SMALLEST_LABEL, "#diagram img")
            assert large["smallest"] >= 1.4 * readable["smallest"] and overflow(browser) <= 0, large
            assert browser.driver.execute_script("return document.scripts.length") == 0
        finally:
            browser.close()


def _pages_of(pdf: Path) -> list[str]:
    """The first line of text on each page of a PDF (pdftotext)."""
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return [next((line.strip() for line in page.splitlines() if line.strip()), "") for page in
            text.split("\f") if page.strip()]


def test_the_sheet_has_the_bar_and_a_print_button_and_prints_the_pages_of_sop_sheet(site: Office,
                                                                                   tmp_path: Path) -> None:
    """The sheet page is headed by the bar and the SOP's name with a print button that opens the browser's print;
    printed by Chromium it gives the pages `sop sheet -o FILE.pdf` gives, page for page, without the bar."""
    if shutil.which("pdftotext") is None:
        missing("no sheet print test: pdftotext is missing (apt-get install poppler-utils)")
    try:
        import weasyprint  # noqa: F401
    except (ImportError, OSError) as exc:
        missing(f"no sheet print test: WeasyPrint cannot run ({exc}); pip install '.[pdf]'")
    ours = tmp_path / "sop-sheet.pdf"
    done = subprocess.run(sop_command(site.paths, "sheet", PROCESS, "-o", str(ours)), cwd=ROOT, env=sop_env(),
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    with served(site.paths, tmp_path / "serve.log") as base:
        browser = Official(base, *DESKTOP)
        try:
            browser.log_in("kabid.egov", PASSWORD)
            browser.open(f"/processes/{PROCESS}/sheet")
            assert browser.all("header.bar nav a") and "Interkoneksi" in browser.find(".sheet-tools h1").text
            browser.driver.execute_script("window.print = () => document.body.dataset.printed = 'yes'")
            browser.find("#print").click()
            assert browser.find("body").get_attribute("data-printed") == "yes"
            printed: Any = browser.driver.execute_cdp_cmd("Page.printToPDF", {"preferCSSPageSize": True,
                                                                              "printBackground": True})
        finally:
            browser.close()
    theirs = tmp_path / "chromium.pdf"
    theirs.write_bytes(base64.b64decode(printed["data"]))
    expected = _pages_of(ours)
    assert len(expected) >= 3 and _pages_of(theirs) == expected


def test_releasing_a_task_says_it_is_free_again(site: Office, tmp_path: Path) -> None:
    """Tim Teknis Jaringan's member who took the survey gives it back: the page says anyone in the lane may take it
    now, and offers to take it again."""
    with served(site.paths, tmp_path / "serve.log") as base:
        browser = Official(base, *DESKTOP)
        try:
            browser.log_in("tim.jaringan", PASSWORD)
            browser.open(f"/instances/{site.claimed}/tasks/SurveyTeknis")
            browser.press("#release")
            assert browser.path == f"/instances/{site.claimed}/tasks/SurveyTeknis"
            notice = browser.find(".notice[role=status]").text
            assert "bebas" in notice and "lajur" in notice, notice
            assert browser.find("#claim-button")
        finally:
            browser.close()
