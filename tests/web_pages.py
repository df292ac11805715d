"""Every page of the web as an official meets it, in one list that the look, accessibility and screenshot tests walk:
a store with instances at known steps (one mid-way with its files, one finished on the tunda path, one waiting for a
claimed step) and, for each page, its address, who looks at it and the status it answers. A new page is one more row
in office_pages."""

from __future__ import annotations

from pathlib import Path
from typing import Any, NamedTuple

from web_browser_tools import Official
from web_fixtures import PASSWORD, PROCESS, engine_as, office, started

DESKTOP = (1280, 900)
PHONE = (390, 844)


class WebPage(NamedTuple):
    """One page: its short name (docs/screens/NAME.png), its address, who opens it (None: nobody signed in) and the
    status its heading reports (200: not an error page)."""

    name: str
    path: str
    login: str | None
    status: int = 200


class Office(NamedTuple):
    """The prepared store and its pages."""

    paths: dict[str, str]
    pages: list[WebPage]
    midway: int  # waiting for AnalisaTopologi (Kepala Seksi), with the letter's scan attached
    claimed: int  # waiting for SurveyTeknis, claimed by tim.jaringan
    fresh: int  # waiting for DisposisiKadis (Kepala Dinas)


def prepared_office(tmp_path: Path) -> Office:
    """The store every page test opens (the Kepala Bidang owning the SOP: `pemilik_proses`), and its pages."""
    paths = office(tmp_path)
    make_owner(paths, "kabid.egov", PROCESS)
    midway = started(paths, "AnalisaTopologi")
    claimed = started(paths, "SurveyTeknis")
    fresh = started(paths, "DisposisiKadis")
    engine = engine_as(paths, "tim.jaringan")
    try:
        engine.instance(claimed).claim("SurveyTeknis")
        engine.instance(midway).comment("Topologi mengikuti denah gedung B.\nMohon cek jalur kabel lantai 2.",
                                        task="AnalisaTopologi")  # the pages list comments with their files
        note = tmp_path / "catatan-survei.pdf"
        note.write_bytes(b"%PDF-1.4\n%%EOF\n")
        engine.instance(midway).comment("Catatan survei terlampir.", file=str(note))
    finally:
        engine.close()
    _delegated(paths)
    pages = [
        WebPage("login", "/login", None),
        WebPage("tasklist", "/", "kasi.infra"),
        WebPage("processes", "/processes", "kasi.infra"),
        WebPage("instances", "/instances", "kasi.infra"),
        WebPage("instances-search", "/instances?q=pemasangan&sort=updated", "kasi.infra"),
        WebPage("task", f"/instances/{midway}/tasks/AnalisaTopologi", "kasi.infra"),
        WebPage("instance", f"/instances/{midway}", "kasi.infra"),
        WebPage("diagram", f"/instances/{midway}/diagram", "kasi.infra"),
        WebPage("diagram-whole", f"/instances/{midway}/diagram?zoom=fit", "kasi.infra"),
        WebPage("sheet", f"/processes/{PROCESS}/sheet", "kasi.infra"),
        WebPage("monev", f"/monev/{PROCESS}/2026-2", "kadis"),
        WebPage("task-claimed", f"/instances/{claimed}/tasks/SurveyTeknis", "dedi.jaringan"),
        WebPage("done-already", f"/instances/{midway}/tasks/SurveyTeknis", "dedi.jaringan", 409),
        WebPage("not-found", "/instances/987654", "dedi.jaringan", 404),
        WebPage("manage", "/manage", "kabid.egov"),
        WebPage("manage-edit", f"/manage/{PROCESS}", "kabid.egov"),
        WebPage("manage-plan", f"/manage/{PROCESS}/plan", "kabid.egov"),
        WebPage("delegations", "/delegations", "tu.umum"),
        WebPage("summary", "/ringkasan", "kadis"),
    ]
    return Office(paths, pages, midway, claimed, fresh)


def _delegated(paths: dict[str, str]) -> None:
    """kadis away from today for two days (office time), the Sekretaris acting: the delegations page lists it."""
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    today = datetime.now(ZoneInfo("Asia/Jakarta")).date()
    clerk = engine_as(paths, "tu.umum")
    try:
        clerk.people.delegate("kadis", "sekretaris", start=today.isoformat(),
                              until=(today + timedelta(days=1)).isoformat())
    finally:
        clerk.close()


def make_owner(paths: dict[str, str], login: str, process: str) -> None:
    """Make a person of the roles the owner of a process (`pemilik_proses`), applied by the clerk."""
    roles = Path(paths["roles"])
    text = roles.read_text(encoding="utf-8")
    start = text.index(f"{login}:\n")
    end = text.index("\n", text.index("  lanes:", start)) + 1
    roles.write_text(text[:end] + f"  pemilik_proses: [{process}]\n" + text[end:], encoding="utf-8")
    clerk = engine_as(paths, "tu.umum")
    try:
        clerk.people.apply_roles()
    finally:
        clerk.close()


def by_person(pages: list[WebPage]) -> dict[str | None, list[WebPage]]:
    """The pages grouped by who opens them, in the list's order (one sign-in each)."""
    grouped: dict[str | None, list[WebPage]] = {}
    for page in pages:
        grouped.setdefault(page.login, []).append(page)
    return grouped


def visit(browser: Official, pages: list[WebPage], look: Any) -> None:
    """Each page opened by its person (signed in in turn), checked for its status, then handed to look."""
    for login, theirs in by_person(pages).items():
        if login is not None:
            browser.log_in(login, PASSWORD)
        for page in theirs:
            browser.open(page.path)
            status = browser.status() or 200
            assert status == page.status, (page, browser.driver.page_source[:2000])
            look(page)
        if login is not None:
            browser.log_out()
