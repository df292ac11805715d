"""The flows of issue 25 as people go through them, in a real browser (headless Chromium, Selenium) against a real
`sop serve`, in Indonesian: an OPD finds its own request by a word of its title and cannot see another OPD's; the
Kepala Dinas opens another lane's step read-only, told who may act; the clerk takes the OPD's step and records it on
behalf of the OPD; and an office set up from an empty folder with `sop setup` lets an official sign in. One served
app is shared by the first three tests (each works on its own instances)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

import pytest
from conftest import DEFINITIONS, EXAMPLES, FORMS
from missing_tool import missing
from web_browser_tools import Official, free_port, served, serving, why_no_browser
from web_fixtures import PASSWORD, PROCESS, engine_as, started

from engine import Engine

OTHER_OPD = """opd.lain:
  name: Bambang Irawan, S.E
  nip: "19820304 200801 1 007"
  jabatan: Pengelola Data, Dinas Pendidikan (OPD pemohon)
  lanes: [OPD]
"""
MY_TITLE = "Permohonan pemasangan jaringan komunikasi data (Dinas Kesehatan Kabupaten Bangka)"
THEIR_TITLE = "Permohonan akses internet sekolah (Dinas Pendidikan Kabupaten Bangka)"
SIGNING_IN = ("opd.dinkes", "opd.lain", "kadis", "tu.umum")


class Site(NamedTuple):
    """The store the shared server serves, and its address."""

    paths: dict[str, str]
    base: str


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The shipped definitions with a second OPD person (Bambang, Dinas Pendidikan) in the roles, pinned, the
    passwords of the people who sign in set, served by `sop serve`."""
    reason = why_no_browser()
    if reason:
        missing(f"no browser test: {reason}")  # skips, saying why (fails under CI=true)
    folder = tmp_path_factory.mktemp("flows")
    definitions = folder / "definitions"
    shutil.copytree(DEFINITIONS, definitions)
    roles = definitions / "roles.yaml"
    roles.write_text(roles.read_text(encoding="utf-8") + OTHER_OPD, encoding="utf-8")
    paths = {"db": str(folder / "sop.db"), "definitions": str(definitions), "forms": str(FORMS), "roles": str(roles)}
    engine = Engine(paths["db"], definitions_dir=definitions, forms_dir=FORMS, operator="tu.umum", roles=str(roles))
    try:
        engine.context.store(create=True)
        engine.people.apply_roles()
        for login in SIGNING_IN:
            engine.people.set_password(login, PASSWORD)
    finally:
        engine.close()
    with served(paths, folder / "serve.log") as base:
        yield Site(paths, base)


@pytest.fixture
def browser(site: Site) -> Iterator[Official]:
    """One browser window on the shared server, closed after the test."""
    window = Official(site.base)
    try:
        yield window
    finally:
        window.close()


def _letter() -> dict[str, Any]:
    """The pasang scenario's first step (the OPD's letter): its data and files."""
    from engine import load_scenarios

    scenario = next(s for s in load_scenarios(EXAMPLES) if s.file.endswith("pasang.scenario.yaml"))
    return dict(scenario.steps[0])


def _other_opds_request(paths: dict[str, str]) -> int:
    """Bambang (Dinas Pendidikan) starts a request himself and sends his letter."""
    step = _letter()
    data = dict(step["data"], perihal="Permohonan akses internet sekolah")
    data["pengirim"] = dict(data["pengirim"], instansi="Dinas Pendidikan Kabupaten Bangka")
    engine = engine_as(paths, "opd.lain")
    try:
        instance = engine.instances.start(PROCESS).instance
        engine.instance(instance).complete("AjukanPermohonan", data, attach=step["attach"] or None)
        return instance
    finally:
        engine.close()


def _listed(browser: Official) -> dict[int, str]:
    """The requests the list page shows: number -> the subject as read."""
    return {int(row.get_attribute("data-instance")): row.find_element("css selector", "td a").text
            for row in browser.all("table.instances tr.instance")}


def _search(browser: Official, words: str) -> None:
    """Type words into the list's search field and press Cari."""
    field = browser.find("#search-q")
    field.clear()
    field.send_keys(words)
    browser.press("form.filters button[type=submit]")


def test_an_opd_finds_its_own_request_by_a_word_of_its_title_and_not_another_opds(site: Site,
                                                                                  browser: Official) -> None:
    """Siti (Dinas Kesehatan) opens "Daftar permohonan" from the bar, searches "pemasangan" and finds her letter by
    its subject, and opens it; Bambang's request (Dinas Pendidikan) is found by no search of hers, in neither view,
    and its address answers "Tidak ditemukan" (404) in Indonesian."""
    mine = started(site.paths, "DisposisiKadis")
    theirs = _other_opds_request(site.paths)
    browser.log_in("opd.dinkes", PASSWORD)
    link = next(a for a in browser.all("header.bar nav a") if a.text == "Daftar permohonan")
    link.click()
    browser.loaded()
    assert browser.path.startswith("/instances") and browser.find("h1").text == "Daftar permohonan"
    assert browser.find('nav.views a[aria-current="page"]').text == "Permohonan saya"
    _search(browser, "pemasangan")
    assert "q=pemasangan" in browser.path
    found = _listed(browser)
    assert found.get(mine) == MY_TITLE and theirs not in found, found
    assert browser.find("#instance-count").text.endswith("permohonan ditemukan")
    _search(browser, "sekolah")  # a word of Bambang's subject only
    assert _listed(browser) == {} and browser.find(".empty").text == "Tidak ada permohonan yang cocok."
    assert browser.find("#instance-count").text == "0 permohonan ditemukan"
    browser.open("/instances?view=all")
    assert mine in _listed(browser) and theirs not in _listed(browser)
    browser.open("/instances?view=all&q=pemasangan")
    browser.press(f'tr.instance[data-instance="{mine}"] td a')
    assert browser.path == f"/instances/{mine}" and browser.status() is None
    assert MY_TITLE in browser.find("main").text
    browser.open(f"/instances/{theirs}")
    assert browser.status() == 404 and browser.find("#status").text == "Tidak ditemukan"
    shown = browser.find("main").text
    assert "Pendidikan" not in shown and "sekolah" not in shown and site.paths["db"] not in shown, shown
    assert browser.driver.execute_script("return document.documentElement.lang") == "id"
    browser.open(f"/instances/{theirs}/tasks/DisposisiKadis")
    assert browser.status() == 404


def test_the_kepala_dinas_opens_another_lanes_step_read_only_and_is_told_who_may_act(site: Site,
                                                                                      browser: Official) -> None:
    """The Kepala Bidang's analysis opened by the Kepala Dinas: the form's title and a notice naming the lane and
    its person (Rudi Hartono), no input to type into and no button to submit."""
    instance = started(site.paths, "AnalisaKabid")
    browser.log_in("kadis", PASSWORD)
    browser.open(f"/instances/{instance}/tasks/AnalisaKabid")
    assert browser.status() is None and browser.path == f"/instances/{instance}/tasks/AnalisaKabid"
    notice = browser.find("#read-only").text
    assert "Langkah ini dikerjakan oleh lajur Kepala Bidang" in notice and "Rudi Hartono" in notice, notice
    form = browser.find("section.step-form")
    assert form.find_elements("css selector", "input, select, textarea, button") == []
    assert browser.all("#step-form") == [] and browser.all("#complete") == []
    assert browser.all("#claim-button") == []


def test_the_clerk_takes_the_opds_step_and_records_it_on_behalf_of_the_opd(site: Site, browser: Official) -> None:
    """Yuliana (Tata Usaha, an operator in the OPD lane) presses "Saya kerjakan" on Siti's letter, chooses Siti in
    "Catat atas nama" (which offers only the OPD lane's people), fills the letter and completes it: back on her
    tasklist with the confirmation, and the instance's history names Siti and Yuliana."""
    instance = started(site.paths, "AjukanPermohonan")
    browser.log_in("tu.umum", PASSWORD)
    browser.open_task(instance, "AjukanPermohonan")
    browser.press("#claim-button")
    assert browser.path == f"/instances/{instance}/tasks/AjukanPermohonan"
    assert browser.find("#claim").text.startswith("Anda mengambil tugas ini pada")
    offered = [o.text for o in browser.all("#f-as option")]
    assert len(offered) == 3, offered  # the OPD lane: Siti, Bambang and Yuliana herself
    assert offered[0].startswith("saya sendiri (Yuliana, A.Md"), offered
    assert any(o.startswith("Siti Aminah") for o in offered) and any(o.startswith("Bambang Irawan") for o in offered)
    assert not any(name in " ".join(offered) for name in ("Asmawi", "Rudi", "Dewi", "Fajar", "Hendra"))
    engine = engine_as(site.paths, "tu.umum")
    try:
        schema = engine.instance(instance).form("AjukanPermohonan")[1]
    finally:
        engine.close()
    letter = _letter()
    browser.fill(schema, letter["data"], letter["attach"])
    browser.type("_as", "opd.dinkes")
    browser.complete()
    assert browser.path == "/", browser.driver.page_source[:3000]
    notice = browser.find(".notice").text
    assert f"instans {instance} selesai" in notice and "Surat Permohonan" in notice, notice
    browser.open(f"/instances/{instance}")
    history = browser.find("table.history").text
    assert "opd.dinkes" not in history and "tu.umum" not in history
    rows = [[cell.text for cell in row.find_elements("css selector", "td")]
            for row in browser.all("table.history tbody tr")]
    letter_rows = [row for row in rows if row[2] == "Ajukan surat permohonan pemasangan jaringan"]
    assert len(letter_rows) == 2, rows  # Yuliana's claim, then the step's completion: Siti acted, Yuliana recorded
    assert letter_rows[0][4].startswith("Yuliana"), letter_rows
    assert letter_rows[1][4].startswith("Siti Aminah") and letter_rows[1][5].startswith("Yuliana"), letter_rows
    engine = engine_as(site.paths, "tu.umum")
    try:
        done = [r for r in engine.instance(instance).history()[0] if r.type == "task-completed"]
    finally:
        engine.close()
    assert [(r.task, r.actor, r.operator) for r in done] == [("AjukanPermohonan", "opd.dinkes", "tu.umum")]


def _sop_in(folder: Path, *args: str, given: str | None = None) -> subprocess.CompletedProcess[str]:
    """The venv's installed `sop` run in folder with its defaults (./sop.db, ./definitions, ./forms), in
    Indonesian."""
    sop = Path(sys.executable).with_name("sop")
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOP_")}
    return subprocess.run([str(sop), *args], cwd=folder, env={**env, "SOP_LANG": "id"}, input=given,
                          capture_output=True, text=True, timeout=120)


def test_an_office_set_up_from_an_empty_folder_lets_an_official_sign_in(tmp_path: Path) -> None:
    """In a folder holding only copies of definitions/ and forms/: `sop setup --add-me` (the password from stdin),
    `sop passwd kadis`, `sop serve` on a free port; the Kepala Dinas signs in in Chromium and sees "Tugas saya"
    with his name in the bar."""
    reason = why_no_browser()
    if reason:
        missing(f"no browser test: {reason}")  # skips, saying why (fails under CI=true)
    folder = tmp_path / "kantor"
    folder.mkdir()
    shutil.copytree(DEFINITIONS, folder / "definitions")
    shutil.copytree(FORMS, folder / "forms")
    done = _sop_in(folder, "setup", "--add-me", "Petugas Uji", "--password-stdin", given="Kopi-Tubruk-2026!\n")
    assert done.returncode == 0, done.stderr
    assert (folder / "sop.db").is_file() and "Kopi-Tubruk-2026!" not in done.stdout + done.stderr
    done = _sop_in(folder, "passwd", "kadis", "--password-stdin", given=PASSWORD + "\n")
    assert done.returncode == 0, done.stderr
    port = free_port()
    sop = str(Path(sys.executable).with_name("sop"))
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("SOP_")}, "SOP_LANG": "id"}
    with serving([sop, "serve", "--port", str(port), "--workers", "1"], port, tmp_path / "serve.log", cwd=folder,
                 env=env) as base:
        browser = Official(base)
        try:
            browser.open("/")
            assert browser.path.startswith("/login")
            browser.log_in("kadis", PASSWORD)
            assert browser.find("h1").text == "Tugas saya"
            assert "Ir. Asmawi Alie, MT" in browser.find("header.bar .who").text
            assert browser.driver.execute_script("return document.documentElement.lang") == "id"
        finally:
            browser.close()
