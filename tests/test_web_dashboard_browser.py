"""The dashboard in Chromium: axe-core finds no serious or critical violation at desktop and phone size, in
Indonesian and English; the charts are drawn (no script) beside their tables. SOP_SCREENSHOTS=1 saves
docs/web-summary.png and docs/web-summary-phone.png. Skipped, saying why, without Chromium or axe-core outside CI."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import ROOT
from missing_tool import missing
from test_web_axe import AXE, described, violations
from web_browser_tools import Official, served, why_no_browser
from web_fixtures import PASSWORD
from web_pages import DESKTOP, PHONE, Office, prepared_office

SHOTS = os.environ.get("SOP_SCREENSHOTS") == "1"


@pytest.fixture
def site(tmp_path: Path) -> Office:
    """The prepared office (three requests at known steps, one claimed)."""
    reason = why_no_browser()
    if reason:
        missing(f"no dashboard browser test: {reason}")  # skips, saying why (fails under CI=true)
    if not AXE.is_file():
        missing("no dashboard browser test: axe-core is not installed (npm ci --prefix tools/axe)")
    return prepared_office(tmp_path)


@pytest.mark.parametrize("language", ["id", "en"])
def test_the_dashboard_has_no_serious_accessibility_violation(site: Office, tmp_path: Path, language: str) -> None:
    """The Kepala Dinas's dashboard at 1280x900 and 390x844: no serious or critical axe-core violation, every chart
    an image with a name, the page no wider than the phone's screen (tables scroll in their own frame)."""
    problems: dict[str, str] = {}
    with served(site.paths, tmp_path / "serve.log", language=language) as base:
        browser = Official(base, *DESKTOP)
        try:
            browser.log_in("kadis", PASSWORD)
            for size in (DESKTOP, PHONE):
                browser.driver.set_window_size(*size)
                browser.open("/ringkasan")
                assert browser.status() is None
                found = violations(browser)
                if found:
                    problems[f"{size[0]}x{size[1]}"] = described(found)
                charts = browser.all("svg.chart")
                assert len(charts) >= 3 and all(c.get_attribute("aria-labelledby") for c in charts)
                wide = browser.driver.execute_script("return document.documentElement.scrollWidth")
                assert wide <= size[0], f"the page is {wide} px wide at {size[0]}"
                if SHOTS and language == "id":
                    name = "web-summary.png" if size == DESKTOP else "web-summary-phone.png"
                    browser.screenshot(ROOT / "docs" / name)
        finally:
            browser.close()
    assert not problems, "\n".join(f"{where}: {what}" for where, what in problems.items())
