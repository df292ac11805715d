"""Accessibility in a real browser: axe-core (npm, tools/axe, pinned) injected into every page of tests/web_pages.py
at desktop and phone size finds no serious or critical violation; every input a person can reach has a label; an
official signs in and completes a step with the keyboard alone. Skipped, saying why, without Chromium or axe-core
outside CI; under CI=true a missing tool fails."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT
from missing_tool import missing
from web_browser_tools import Official, served, why_no_browser
from web_fixtures import PASSWORD
from web_pages import DESKTOP, PHONE, Office, WebPage, prepared_office, visit

AXE = ROOT / "tools" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
SERIOUS = ("serious", "critical")
# Inputs with no label of their own: hidden fields, and the draft button a screen reader is told to skip.
UNLABELLED = """
const named = e => e.labels && e.labels.length > 0 || e.getAttribute('aria-label') || e.getAttribute('aria-labelledby')
    || e.getAttribute('title');
return Array.from(document.querySelectorAll('input, select, textarea'))
    .filter(e => e.type !== 'hidden' && e.type !== 'submit' && e.type !== 'button' && !named(e))
    .map(e => e.outerHTML.slice(0, 200));
"""


@pytest.fixture
def site(tmp_path: Path) -> Office:
    reason = why_no_browser()
    if reason:
        missing(f"no accessibility test: {reason}")  # skips, saying why (fails under CI=true)
    if not AXE.is_file():
        missing("no accessibility test: axe-core is not installed (make bpmnjs, or npm ci --prefix tools/axe)")
    return prepared_office(tmp_path)


def violations(browser: Official) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations on the page shown (WCAG 2.1 A and AA rules and best practices)."""
    if not browser.driver.execute_script("return typeof window.axe === 'object'"):
        browser.driver.execute_script(AXE.read_text(encoding="utf-8"))
    browser.driver.set_script_timeout(60)
    found = browser.driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {resultTypes: ['violations']}).then(r => done(r.violations), e => done([{id: 'axe failed',"
        " impact: 'critical', help: String(e), nodes: []}]));")
    return [v for v in found if v.get("impact") in SERIOUS]


def described(found: list[dict[str, Any]]) -> str:
    """The violations as a reader of a failed test wants them: rule, help, and the first elements it names."""
    return json.dumps([{"rule": v["id"], "help": v["help"], "nodes": [n["html"][:160] for n in v["nodes"][:3]]}
                       for v in found], ensure_ascii=False, indent=1)


@pytest.mark.parametrize("language", ["id", "en"])
def test_no_page_has_a_serious_or_critical_accessibility_violation(site: Office, tmp_path: Path,
                                                                   language: str) -> None:
    """axe-core on every page at 1280x900 and 390x844, in Indonesian and in English: no serious or critical
    violation, every input labelled, the page's language the one it is written in."""
    problems: dict[str, Any] = {}
    with served(site.paths, tmp_path / "serve.log", language=language) as base:
        browser = Official(base, *DESKTOP)
        try:
            for size in (DESKTOP, PHONE):
                browser.driver.set_window_size(*size)

                def look(page: WebPage, size: tuple[int, int] = size) -> None:
                    said = browser.driver.execute_script("return document.querySelector('header.bar').closest('[lang]')"
                                                         ".lang")
                    assert said == language, page  # the sheet is an Indonesian document under a bar in language
                    found = violations(browser)
                    if found:
                        problems[f"{page.name} at {size[0]}x{size[1]}"] = described(found)
                    unlabelled = browser.driver.execute_script(UNLABELLED)
                    if unlabelled:
                        problems[f"{page.name}: inputs without a label"] = unlabelled

                visit(browser, site.pages, look)
        finally:
            browser.close()
    assert not problems, "\n".join(f"{where}: {what}" for where, what in problems.items())


def _tab_to(browser: Official, css: str, limit: int = 60) -> None:
    """Press Tab until the element css finds has the focus (it must be reachable within limit presses)."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    target = browser.find(css)
    for _ in range(limit):
        if browser.driver.switch_to.active_element == target:
            return
        ActionChains(browser.driver).send_keys(Keys.TAB).perform()
    raise AssertionError(f"{css} is not reached with Tab on {browser.path}")


def _keys(browser: Official, *keys: str) -> None:
    from selenium.webdriver.common.action_chains import ActionChains

    ActionChains(browser.driver).send_keys(*keys).perform()


def test_an_official_signs_in_and_completes_a_step_with_the_keyboard_alone(site: Office, tmp_path: Path) -> None:
    """The Kepala Dinas signs in with Tab, typing and Enter, opens the disposition from the tasklist with Enter,
    tabs to each required field, types and chooses with keys, and completes the step with Space: the step is done
    and the tasklist says so."""
    from selenium.webdriver.common.keys import Keys
    from web_fixtures import engine_as

    with served(site.paths, tmp_path / "serve.log") as base:
        browser = Official(base, *DESKTOP)
        try:
            browser.open("/login")
            _tab_to(browser, "#login")
            _keys(browser, "kadis", Keys.TAB, PASSWORD, Keys.ENTER)
            _landed(browser, "/")
            _tab_to(browser, f'a.task-link[data-instance="{site.fresh}"]')
            _keys(browser, Keys.ENTER)
            _landed(browser, f"/instances/{site.fresh}/tasks/DisposisiKadis")
            _fill_with_keys(browser, site)
            _tab_to(browser, "#complete")
            _keys(browser, Keys.SPACE)
            _landed(browser, "/")
            assert browser.find(".notice").text
        finally:
            browser.close()
    engine = engine_as(site.paths, "tu.umum")
    try:
        done = [r for r in engine.instance(site.fresh).history()[0] if r.type == "task-completed"]
    finally:
        engine.close()
    assert (done[-1].task, done[-1].actor) == ("DisposisiKadis", "kadis")


def _landed(browser: Official, path: str) -> None:
    """Wait until the browser shows path (a key pressed submits a form: the next page comes a moment later)."""
    from selenium.webdriver.support.ui import WebDriverWait

    try:
        WebDriverWait(browser.driver, 20).until(lambda _: browser.path == path)
    except Exception:
        raise AssertionError(f"not on {path} but {browser.path}: {browser.driver.page_source[:2000]}") from None
    browser.loaded()


def _fill_with_keys(browser: Official, site: Office) -> None:
    """Every required field of the disposition reached with Tab and set with keys: text typed, a choice made with
    the arrow keys, a date typed in the picker's fields."""
    from selenium.webdriver.common.keys import Keys
    from web_fixtures import engine_as

    engine = engine_as(site.paths, "kadis")
    try:
        schema = engine.instance(site.fresh).form("DisposisiKadis")[1]
    finally:
        engine.close()
    required = schema.get("required", [])
    assert required, schema
    for name in required:
        element = browser.all(f'[name="{name}"]')[0]
        _tab_to(browser, f'[name="{name}"]')
        kind, tag = element.get_attribute("type"), element.tag_name
        if tag == "select" or kind == "radio":
            _keys(browser, Keys.ARROW_DOWN)
        elif kind == "date":
            _keys(browser, "03112026")
        else:
            _keys(browser, "Kepala Dinas Komunikasi, Informatika dan Statistik")
