"""The process owner's pages of `sop serve` ("Kelola SOP"), through the Flask test client: `pemilik_proses` in the
roles; only the owner (or an operator) finds the pages; a draft's lint problems under their rows; the preview of
its diagram and sheet; every refusal (another process's table, errors, a page opened before someone else published,
hostile uploads) says what and changes nothing; publishing writes the file, and the plan confirmed moves the
running request, recorded in its history under the owner's name."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
from conftest import EXAMPLES
from owner_fixtures import OWNED, OWNER, TABLE, owner_office, start_owned, with_new_step
from web_fixtures import PROCESS, csrf_of, engine_as, logged_in, make_app

from engine import RoleError, load_roles

OWNER_NAME = "Rudi Hartono, S.Kom"


@pytest.fixture
def paths(tmp_path: Path) -> dict[str, str]:
    return owner_office(tmp_path)


def _file(paths: dict[str, str], process: str = OWNED) -> Path:
    return Path(paths["definitions"]) / f"{process}.sop.yaml"


def _base(client: Any, process: str = OWNED) -> str:
    """The fingerprint the edit page carries of the version it was opened on."""
    page = client.get(f"/manage/{process}")
    assert page.status_code == 200, page.get_data(as_text=True)[:1000]
    found = re.search(r'name="base" value="([^"]*)"', page.get_data(as_text=True))
    assert found
    return found.group(1)


def _send(client: Any, process: str, action: str, data: dict[str, Any], *, base: str | None = None) -> Any:
    """A POST of the edit page's form (multipart, as the browser sends it) with the session's token."""
    fields = {"csrf_token": csrf_of(client, "/"), "base": _base(client, process) if base is None else base, **data}
    return client.post(f"/manage/{process}/{action}", data=fields, content_type="multipart/form-data")


def _text(answer: Any) -> str:
    import html

    return html.unescape(re.sub(r"\s+", " ", answer.get_data(as_text=True)))


def _refusal(answer: Any) -> str:
    found = re.search(r'id="refusal"><p>(.*?)</p>', answer.get_data(as_text=True), re.S)
    import html

    return html.unescape(found.group(1)) if found else ""


def _state(paths: dict[str, str]) -> Any:
    """What a refused request must leave as it was: the definitions folder's files and every instance's events
    and version."""
    folder = Path(paths["definitions"])
    files = {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}
    engine = engine_as(paths, "tu.umum")
    try:
        return files, [(i.instance, i.version, i.events) for i in engine.instances.find()]
    finally:
        engine.close()


# -- the roles flag ---------------------------------------------------------------------------------------------

def test_pemilik_proses_names_the_processes_a_person_owns_and_survives_pinning(paths: dict[str, str]) -> None:
    """`pemilik_proses: [id]` is read from the roles file and from the roles pinned in the store; an operator owns
    every process, anyone else none."""
    person = load_roles(paths["roles"]).people[OWNER]
    assert person.owned_processes == (OWNED,) and person.owns_process(OWNED) and not person.owns_process(PROCESS)
    engine = engine_as(paths, "tu.umum")
    try:
        pinned = engine.people.person(OWNER)
        clerk = engine.people.person("tu.umum")
        official = engine.people.person("kasi.infra")
    finally:
        engine.close()
    assert pinned is not None and pinned.owned_processes == (OWNED,)
    assert clerk is not None and clerk.owns_process(PROCESS) and clerk.owns_any
    assert official is not None and not official.owns_any


@pytest.mark.parametrize(("entry", "said"), [
    ("  lanes: [OPD]\n  pemilik_proses: 12\n", "pemilik_proses must be a list of process ids"),
    ("  lanes: [OPD]\n  pemilik_proses: [surat keluar]\n", "pemilik_proses must be a list of process ids"),
    ("  auditor: true\n  pemilik_proses: [permohonan_data]\n", "remove `pemilik_proses`, or remove `auditor: true`"),
])
def test_a_wrong_pemilik_proses_is_refused_at_its_line(tmp_path: Path, entry: str, said: str) -> None:
    """Not a list of ids, or given to an auditor: the roles file is refused, naming the line and the fix."""
    roles = tmp_path / "roles.yaml"
    roles.write_text("budi:\n  name: Budi\n" + entry, encoding="utf-8")
    with pytest.raises(RoleError) as refused:
        load_roles(roles)
    assert f"{roles}:1: 'budi'" in str(refused.value) and said in str(refused.value)


def test_an_owner_of_no_lane_is_a_person_of_the_roles(tmp_path: Path) -> None:
    """A process owner needs no lane: `pemilik_proses` alone makes an entry."""
    roles = tmp_path / "roles.yaml"
    roles.write_text("budi:\n  name: Budi\n  pemilik_proses: permohonan_data\n", encoding="utf-8")
    assert load_roles(roles).people["budi"].owned_processes == (OWNED,)


def test_an_owner_of_a_process_the_definitions_lack_is_warned_about(paths: dict[str, str], sop_in: Any) -> None:
    """`sop processes` warns (stderr) about an owner of a process id that no definition has, and still lists."""
    roles = Path(paths["roles"])
    roles.write_text(roles.read_text(encoding="utf-8").replace(f"pemilik_proses: [{OWNED}]",
                                                               f"pemilik_proses: [{OWNED}, permohonan_dta]"),
                     encoding="utf-8")
    clerk = engine_as(paths, "tu.umum")
    try:
        clerk.people.apply_roles()
    finally:
        clerk.close()
    done = sop_in(paths, "processes")
    assert done.exit_code == 0, done.output
    assert "makes kabid.egov the owner of process 'permohonan_dta', which the definitions do not have" in done.stderr
    assert "'permohonan_data'" not in done.stderr


@pytest.fixture
def sop_in() -> Any:
    """`sop` run in-process on a test's store and roles file (as the OS account: single reading)."""
    from click.testing import CliRunner

    from runner.cli import cli

    def run(paths: dict[str, str], *args: str) -> Any:
        return CliRunner().invoke(cli, ["--db", paths["db"], "--definitions", paths["definitions"], "--forms",
                                        paths["forms"], "--roles", paths["roles"], *args])

    return run


# -- who finds the pages ----------------------------------------------------------------------------------------

def test_the_bar_links_the_pages_for_owners_and_operators_only(paths: dict[str, str]) -> None:
    """The Kepala Bidang (owner) and the clerk (operator) see "Manage SOPs"; the Kepala Seksi does not."""
    app = make_app(paths)
    for login, shown in ((OWNER, True), ("tu.umum", True), ("kasi.infra", False)):
        page = logged_in(app, login).get("/").get_data(as_text=True)
        assert ('id="nav-manage"' in page) is shown, login
    listing = _text(logged_in(app, OWNER).get("/manage"))
    assert "Permohonan Data Statistik" in listing and "Pelaksanaan Interkoneksi Data Baru" not in listing
    everything = _text(logged_in(app, "tu.umum").get("/manage"))
    assert "Permohonan Data Statistik" in everything and "Pelaksanaan Interkoneksi Data Baru" in everything


@pytest.mark.parametrize("login", ["kasi.infra", "opd.dinkes"])
def test_anyone_but_the_owner_finds_no_page_and_changes_nothing(paths: dict[str, str], login: str) -> None:
    """A person who owns nothing gets 404 on every page and every POST (with the session's token), and the
    definitions and the requests stay as they were."""
    start_owned(paths)
    client = logged_in(make_app(paths), login)
    before = _state(paths)
    for path in ("/manage", f"/manage/{OWNED}", f"/manage/{OWNED}/plan"):
        assert client.get(path).status_code == 404, path
    token = csrf_of(client, "/")
    for action in ("check", "sheet", "publish", "move"):
        answer = client.post(f"/manage/{OWNED}/{action}", data={"csrf_token": token, "table": with_new_step(),
                                                                "token": "x", "base": ""})
        assert answer.status_code == 404, action
    assert _state(paths) == before  # the request started above among them


def test_an_owner_of_one_process_cannot_open_or_publish_another(paths: dict[str, str]) -> None:
    """The Kepala Bidang owns the table SOP only: the shipped SOP's pages are 404, and the shipped SOP's table sent
    through his own page is refused (its id is not the page's), nothing written."""
    client = logged_in(make_app(paths), OWNER)
    assert client.get(f"/manage/{PROCESS}").status_code == 404
    assert client.post(f"/manage/{PROCESS}/publish", data={"csrf_token": csrf_of(client, "/"),
                                                          "table": TABLE}).status_code == 404
    before = _state(paths)
    other = TABLE.replace(f"id: {OWNED}", f"id: {PROCESS}")
    answer = _send(client, OWNED, "publish", {"table": other})
    assert answer.status_code == 422
    assert f"This table is for process '{PROCESS}', and this page publishes '{OWNED}' only" in _text(answer)
    assert _state(paths) == before


# -- editing, checking, previewing --------------------------------------------------------------------------------

def test_the_edit_page_holds_the_table_in_force(paths: dict[str, str]) -> None:
    """The editor starts with the table file's own text (its comment too)."""
    page = logged_in(make_app(paths), OWNER).get(f"/manage/{OWNED}")
    assert page.status_code == 200
    textarea = re.search(r'<textarea id="table" name="table"[^>]*>(.*?)</textarea>', page.get_data(as_text=True), re.S)
    import html

    assert textarea and html.unescape(textarea.group(1)) == TABLE


def test_a_diagram_process_is_edited_as_its_table(paths: dict[str, str]) -> None:
    """The shipped SOP is a BPMN diagram: an operator's editor shows it as a table (its steps by name), and says
    that publishing replaces the diagram."""
    page = _text(logged_in(make_app(paths), "tu.umum").get(f"/manage/{PROCESS}"))
    assert "id: interkoneksi_data_baru" in page and "kegiatan: Ajukan surat permohonan pemasangan jaringan" in page
    assert "publishing replaces the diagram with the one the table makes" in page


def test_a_problem_is_shown_under_its_row_and_nothing_is_written(paths: dict[str, str]) -> None:
    """A new step in a lane the table does not list: lint's error sits under that row (the second), no other row
    has one, the text is kept in the editor, and the definitions are unchanged."""
    client = logged_in(make_app(paths), OWNER)
    before = _state(paths)
    draft = with_new_step(lane="Kepala Bagian")
    answer = _send(client, OWNED, "check", {"table": draft})
    assert answer.status_code == 200
    page = answer.get_data(as_text=True)
    under = re.search(r'<tr class="row-problems" id="row-(\d+)-problems">(.*?)</tr>', page, re.S)
    assert under and under.group(1) == "2", page
    assert "Kepala Bagian" in under.group(2) and "line 20" in under.group(2)
    assert page.count('class="row-problems"') == 1
    assert "1 errors and 0 warnings" in _text(answer)
    assert "Verifikasi kelengkapan permohonan data" in re.search(r'<tr id="row-2".*?</tr>', page, re.S).group(0)
    import html

    assert html.escape(draft, quote=False) in page  # nothing typed is lost
    assert _state(paths) == before


def test_a_clean_draft_is_drawn_in_the_page(paths: dict[str, str]) -> None:
    """No problem: the page says it can be published and shows the draft's diagram as a picture in the page
    (allowed by its policy), with the new step in it."""
    import base64

    answer = _send(logged_in(make_app(paths), OWNER), OWNED, "check", {"table": with_new_step()})
    assert answer.status_code == 200
    assert "No problems: the table can be published." in _text(answer)
    picture = re.search(r'<img src="data:image/svg\+xml;base64,([^"]+)"', answer.get_data(as_text=True))
    assert picture
    drawn = base64.b64decode(picture.group(1)).decode("utf-8")
    assert drawn.startswith("<svg") and ">Verifikasi<" in drawn
    assert "img-src 'self' data:" in answer.headers["Content-Security-Policy"]


def test_the_sheet_of_a_draft_is_previewed_before_publishing(paths: dict[str, str]) -> None:
    """The preview is the SOP AP sheet of the draft (the new step in it), marked as not published; a draft with
    errors is sent back with its problems instead; neither writes anything."""
    client = logged_in(make_app(paths), OWNER)
    before = _state(paths)
    answer = _send(client, OWNED, "sheet", {"table": with_new_step()})
    assert answer.status_code == 200
    page = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", answer.get_data(as_text=True)))
    assert "Verifikasi kelengkapan permohonan data" in page and "this version is not published yet" in page
    assert "script-src 'self'" in answer.headers["Content-Security-Policy"]
    broken = _send(client, OWNED, "sheet", {"table": with_new_step(waktu="sebentar")})
    assert broken.status_code == 422
    assert "The sheet cannot be drawn until the table's errors are fixed" in _refusal(broken)
    assert "sebentar" in _text(broken) and 'id="row-2-problems"' in broken.get_data(as_text=True)
    assert _state(paths) == before


# -- refusals ------------------------------------------------------------------------------------------------------

def test_a_draft_with_errors_is_not_published(paths: dict[str, str]) -> None:
    """Publish with a lint error: 422 saying how many errors, each under its row; the file is unchanged."""
    client = logged_in(make_app(paths), OWNER)
    before = _state(paths)
    answer = _send(client, OWNED, "publish", {"table": with_new_step(waktu="sebentar")})
    assert answer.status_code == 422
    assert _refusal(answer).startswith("Not published: lint found 1 errors in the table")
    assert 'id="row-2-problems"' in answer.get_data(as_text=True)
    assert _state(paths) == before


def test_a_page_opened_before_another_publish_does_not_overwrite_it(paths: dict[str, str]) -> None:
    """Someone published after this page was opened: 409, the other version stays, this table is kept in the
    editor; sent again from that page (which now knows the new version) it is published."""
    client = logged_in(make_app(paths), OWNER)
    opened = _base(client)
    theirs = TABLE.replace("waktu: 1 jam", "waktu: 2 jam")
    _file(paths).write_text(theirs, encoding="utf-8")
    answer = _send(client, OWNED, "publish", {"table": with_new_step()}, base=opened)
    assert answer.status_code == 409
    assert "Someone published another version of this SOP after you opened this page" in _refusal(answer)
    assert _file(paths).read_text(encoding="utf-8") == theirs
    assert "VerifikasiData" in _text(answer)
    again = re.search(r'name="base" value="([^"]*)"', answer.get_data(as_text=True)).group(1)  # type: ignore[union-attr]
    assert _send(client, OWNED, "publish", {"table": with_new_step()}, base=again).status_code == 303
    assert _file(paths).read_text(encoding="utf-8") == with_new_step()


LAUGHS = ("sop: {id: permohonan_data, nama: x}\npelaksana: [OPD]\na: &a [x, x, x, x, x, x, x, x, x]\n"
          "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
          "langkah: [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n")
HOSTILE_TEXT = {
    "billion laughs": (LAUGHS, 200, "uses a YAML alias (*name) for a list or mapping"),
    "deep brackets": ("sop: " + "[" * 5000 + "]" * 5000 + "\n", 200, "not valid YAML"),
    "deep mappings": ("sop:\n" + "".join("  " * i + f"k{i}:\n" for i in range(1, 300)), 200,
                      "nested deeper than 32 levels"),
    "a list": ("- a\n- b\n", 200, "an SOP table is a mapping with sop, pelaksana and langkah"),
    "tabs": ("sop:\n\tid: x\n", 200, "indent with spaces, not tabs"),
    "huge": ("a: " + "x" * 300_000 + "\n", 422, "The table is larger than 250.0 KB"),
    "empty": ("  \n", 422, "The table is empty"),
    "too many steps": ("sop: {id: permohonan_data, nama: x}\npelaksana: [OPD]\nlangkah:\n"
                       + "  - {kegiatan: a, pelaksana: OPD}\n" * 201, 422, "The table has 201 steps"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE_TEXT))
def test_hostile_text_is_refused_in_words_and_changes_nothing(paths: dict[str, str], case: str) -> None:
    """Aliases that expand, nesting past the loader's depth, a non-table, tabs, too large, empty, too many steps:
    checked, each is a problem said in words (or a refusal) and never an internal error; published, refused;
    nothing written."""
    text, status, said = HOSTILE_TEXT[case]
    client = logged_in(make_app(paths), OWNER)
    before = _state(paths)
    checked = _send(client, OWNED, "check", {"table": text})
    assert checked.status_code == status
    assert said in _text(checked)
    published = _send(client, OWNED, "publish", {"table": text})
    assert published.status_code == 422
    assert _state(paths) == before


HOSTILE_FILES = {
    "not UTF-8": (b"sop: \xff\xfe\n", "tabel.sop.yaml", 422, "The file tabel.sop.yaml is not a text table"),
    "NUL": (b"sop: a\x00b\n", "tabel.sop.yaml", 422, "holds the character NUL"),
    "too large": (b"a" * 300_000, "tabel.sop.yaml", 422, "The file tabel.sop.yaml is larger than 250.0 KB"),
    "larger than a request": (b"a" * 1_100_000, "tabel.sop.yaml", 413, "The upload is too large"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE_FILES))
def test_hostile_uploads_are_refused_in_words_and_change_nothing(paths: dict[str, str], case: str) -> None:
    """An uploaded file that is no UTF-8 text, holds NUL, or is too large (past the request bound: 413) is refused
    with what is wrong; nothing is written."""
    data, name, status, said = HOSTILE_FILES[case]
    client = logged_in(make_app(paths), OWNER)
    before = _state(paths)
    for action in ("check", "publish"):
        answer = _send(client, OWNED, action, {"file": (io.BytesIO(data), name), "table": TABLE})
        assert answer.status_code == status, (action, _text(answer)[:500])
        assert said in _text(answer)
    assert _state(paths) == before


def test_a_workbook_is_read_by_the_engine_or_refused_saying_so(paths: dict[str, str]) -> None:
    """An .xlsx upload is read by the engine's workbook reader (the shipped SOP's sheet, each row placed); a file
    that is no workbook is refused, never an internal error; nothing is written."""
    client = logged_in(make_app(paths), OWNER)
    before = _state(paths)
    answer = _send(client, OWNED, "check", {"file": (io.BytesIO(b"PK\x03\x04 not a workbook"), "tabel.xlsx")})
    assert answer.status_code == 422
    assert "The workbook tabel.xlsx cannot be read as an SOP sheet" in _refusal(answer)
    shipped = EXAMPLES / "tabel" / "interkoneksi_data_baru.xlsx"  # the shipped SOP typed as the sheet
    read = _send(logged_in(make_app(paths), "tu.umum"), PROCESS, "check",
                 {"file": (io.BytesIO(shipped.read_bytes()), shipped.name)})
    assert read.status_code == 200, _refusal(read)
    assert "Tindak lanjut isi surat" in _text(read) and 'id="row-13"' in read.get_data(as_text=True)
    assert _state(paths) == before


def test_a_new_version_the_folder_refuses_is_put_back(paths: dict[str, str]) -> None:
    """An operator writes an SOP whose id two other files of the folder already define (so none of them loads):
    lint of the draft alone is clean, the folder refuses it too, and the new file is taken away again, saying
    why."""
    other = TABLE.replace(f"id: {OWNED}", "id: salinan").replace("nama: Permohonan Data Statistik", "nama: Salinan")
    for name in ("lain.sop.yaml", "lagi.sop.yaml"):
        (Path(paths["definitions"]) / name).write_text(other, encoding="utf-8")
    client = logged_in(make_app(paths), "tu.umum")
    before = _state(paths)
    answer = _send(client, "salinan", "publish", {"table": other})
    assert answer.status_code == 422
    assert "The definitions folder did not load the new version" in _refusal(answer)
    assert "it was put back as it was" in _refusal(answer)
    assert not _file(paths, "salinan").exists() and _state(paths) == before


def test_an_operator_writes_a_new_sop(paths: dict[str, str]) -> None:
    """A process id the folder does not have yet: its page starts from a first table; published, the new SOP is
    a runnable process, and there is nothing to move."""
    client = logged_in(make_app(paths), "tu.umum")
    assert "id: surat_keluar" in _text(client.get("/manage/surat_keluar"))
    table = TABLE.replace(f"id: {OWNED}", "id: surat_keluar").replace("Permohonan Data Statistik", "Surat Keluar")
    answer = _send(client, "surat_keluar", "publish", {"table": table})
    assert answer.status_code == 303 and answer.headers["Location"].endswith("/manage/surat_keluar/plan")
    assert _file(paths, "surat_keluar").read_text(encoding="utf-8") == table
    plan = _text(client.get("/manage/surat_keluar/plan"))
    assert "The new version of Surat Keluar is published" in plan and "there is nothing to move" in plan


# -- publishing and moving ------------------------------------------------------------------------------------------

def _plan_token(page: str) -> str:
    found = re.search(r'name="token" value="([^"]+)"', page)
    assert found, page[:3000]
    return found.group(1)


def test_publishing_writes_the_file_and_the_plan_confirmed_moves_the_request(paths: dict[str, str]) -> None:
    """The owner adds a step while a request waits at the first: the file is written, the plan says in words what
    the version adds and where the request is and will be; confirmed, the request is on the new version, its
    history records the move under the owner's name, and nothing is left to move."""
    instance = start_owned(paths)
    client = logged_in(make_app(paths), OWNER)
    answer = _send(client, OWNED, "publish", {"table": with_new_step()})
    assert answer.status_code == 303 and answer.headers["Location"].endswith(f"/manage/{OWNED}/plan")
    assert _file(paths).read_text(encoding="utf-8") == with_new_step()
    assert not [p.name for p in Path(paths["definitions"]).iterdir() if p.name.endswith(".tmp")]
    page = client.get(f"/manage/{OWNED}/plan")
    words = _text(page)
    assert "The new version of Permohonan Data Statistik is published" in words
    changes = re.search(r'<ul id="plan-changes">(.*?)</ul>', page.get_data(as_text=True), re.S)
    assert changes and "Verifikasi kelengkapan permohonan data" in changes.group(1)  # the step added, by name
    assert f"Permohonan Data Statistik no. {instance}" in words
    assert "Now at: Ajukan surat permohonan data" in words and "After the move: Ajukan surat permohonan data" in words
    engine = engine_as(paths, "tu.umum")
    try:
        old = engine.instance(instance).show().version
    finally:
        engine.close()
    moved = client.post(f"/manage/{OWNED}/move", data={"csrf_token": csrf_of(client, "/"),
                                                       "token": _plan_token(page.get_data(as_text=True))})
    assert moved.status_code == 303
    after = _text(client.get(f"/manage/{OWNED}/plan"))
    assert f"1 requests moved to the new version; their history records the move by {OWNER_NAME}" in after
    assert "there is nothing to move" in after
    engine = engine_as(paths, "tu.umum")
    try:
        view = engine.instance(instance).show()
        rows, _ = engine.instance(instance).history()
    finally:
        engine.close()
    assert view.version != old
    migrated = [r for r in rows if r.type == "instance-migrated"]
    assert [(r.actor, r.operator) for r in migrated] == [(OWNER, OWNER)]
    history = _text(client.get(f"/instances/{instance}"))
    assert OWNER_NAME in history.split("Artefacts")[0]


def _complete_letter(paths: dict[str, str], instance: int) -> None:
    """The OPD's letter sent on the table SOP's first step (the shipped scenario's data and scan)."""
    from engine import load_scenarios, read_data_file

    scenario = next(s for s in load_scenarios(EXAMPLES) if s.file.endswith("pasang.scenario.yaml"))
    first = scenario.steps[0]
    engine = engine_as(paths, "tu.umum")
    try:
        data = first["data"] if isinstance(first["data"], dict) else read_data_file(str(first["data"]))
        engine.instance(instance).complete("AjukanData", data, actor="opd.dinkes", attach=first["attach"] or None)
    finally:
        engine.close()


def test_a_plan_that_changed_since_it_was_shown_is_not_carried_out(paths: dict[str, str]) -> None:
    """The request moves on after the plan was shown: confirming that plan is refused (409), nothing moves, and
    the page shows the new plan to confirm instead."""
    instance = start_owned(paths)
    client = logged_in(make_app(paths), OWNER)
    assert _send(client, OWNED, "publish", {"table": with_new_step()}).status_code == 303
    shown = _plan_token(client.get(f"/manage/{OWNED}/plan").get_data(as_text=True))
    _complete_letter(paths, instance)
    before = _state(paths)
    answer = client.post(f"/manage/{OWNED}/move", data={"csrf_token": csrf_of(client, "/"), "token": shown})
    assert answer.status_code == 409
    page = _text(answer)
    assert "The plan changed since it was shown" in page and "nothing was moved" in page
    assert "Now at: Disposisi permohonan ke Kepala Bidang" in page
    assert "Cannot move:" in page and 'id="confirm-move"' not in answer.get_data(as_text=True)
    assert _state(paths) == before


def test_what_cannot_move_is_said_with_why(paths: dict[str, str]) -> None:
    """A request already past a step the new version removes cannot move: the plan says so with the engine's
    reason, offers no move for it, and confirming moves nothing."""
    _file(paths).write_text(with_new_step(), encoding="utf-8")
    instance = start_owned(paths)
    client = logged_in(make_app(paths), OWNER)
    assert _send(client, OWNED, "publish", {"table": TABLE}).status_code == 303
    page = client.get(f"/manage/{OWNED}/plan")
    words = _text(page)
    assert f"Permohonan Data Statistik no. {instance}" in words and "Cannot move:" in words
    assert "VerifikasiData" in words or "Verifikasi" in words
    assert 'id="confirm-move"' not in page.get_data(as_text=True)


def test_csrf_and_errors_are_pages_not_tracebacks(paths: dict[str, str]) -> None:
    """Without the session's token every owner POST is 403 and changes nothing; a plan token that is not a plan's
    is the 409 page with the plan."""
    client = logged_in(make_app(paths), OWNER)
    before = _state(paths)
    for action in ("check", "sheet", "publish", "move"):
        assert client.post(f"/manage/{OWNED}/{action}", data={"table": with_new_step()}).status_code == 403
    assert client.post(f"/manage/{OWNED}/move", data={"csrf_token": csrf_of(client, "/"),
                                                      "token": "anything"}).status_code == 409
    assert _state(paths) == before


def test_the_pages_speak_indonesian(paths: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    """Under SOP_LANG=id the list, the editor, a check with its problem under its row, and the plan read in
    Indonesian."""
    monkeypatch.setenv("SOP_LANG", "id")
    start_owned(paths)
    client = logged_in(make_app(paths), OWNER)
    assert "Kelola SOP" in _text(client.get("/manage"))
    checked = _text(_send(client, OWNED, "check", {"table": with_new_step(lane="Kepala Bagian")}))
    assert "Yang ditemukan lint" in checked and "1 galat dan 0 peringatan" in checked
    assert "Galat (baris 20)" in checked
    assert _send(client, OWNED, "publish", {"table": with_new_step()}).status_code == 303
    plan = _text(client.get(f"/manage/{OWNED}/plan"))
    assert "Yang diubah versi baru" in plan and "Permohonan pada versi lama" in plan
    assert "Sekarang di: Ajukan surat permohonan data" in plan and "Pindahkan 1 permohonan ke versi baru" in plan


def test_engine_errors_of_a_broken_folder_are_said_on_the_plan(paths: dict[str, str]) -> None:
    """The process's file broken behind the page's back: the plan says the SOP does not load and offers nothing."""
    _file(paths).write_text("sop: [\n", encoding="utf-8")
    page = _text(logged_in(make_app(paths), OWNER).get(f"/manage/{OWNED}/plan"))
    assert "The SOP does not load from the definitions now, so no request can move" in page
    assert 'id="confirm-move"' not in page


def test_a_broken_table_is_opened_as_written_and_fixed_by_publishing(paths: dict[str, str]) -> None:
    """The table file broken behind the page's back (no longer YAML): the editor shows it as written, and a fixed
    table published makes the SOP load again."""
    broken = TABLE.replace("pelaksana:\n  - OPD", "pelaksana: [\n  - OPD")
    _file(paths).write_text(broken, encoding="utf-8")
    client = logged_in(make_app(paths), OWNER)
    import html

    assert html.escape(broken, quote=False) in client.get(f"/manage/{OWNED}").get_data(as_text=True)
    assert _send(client, OWNED, "publish", {"table": TABLE}).status_code == 303
    assert "The SOP does not load" not in _text(client.get(f"/manage/{OWNED}/plan"))


def test_a_table_file_that_is_no_text_opens_a_first_table_saying_why(paths: dict[str, str]) -> None:
    """A table file that is not UTF-8: the page says the SOP cannot be shown as a table and starts from a first
    table with the page's process id; nothing is written."""
    _file(paths).write_bytes(b"sop: \xff\n")
    before = _state(paths)
    page = logged_in(make_app(paths), OWNER).get(f"/manage/{OWNED}")
    assert page.status_code == 200
    assert "The SOP in force cannot be shown as a table" in _refusal(page)
    assert f"id: {OWNED}" in _text(page)
    assert _state(paths) == before


def test_a_folder_the_server_cannot_write_is_said_without_its_path(paths: dict[str, str],
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """Writing the new version fails (the server may not write the folder): 503, saying to ask the operator, no
    path on the page, the table kept in the editor, nothing changed."""
    import engine as engine_package

    def refuse(path: str, content: Any, *, what: str = "") -> None:
        raise engine_package.DataFileError("Cannot write {what} to {path}: {reason}; choose another file", what=what,
                                           path=path, reason="Permission denied")

    monkeypatch.setattr(engine_package, "write_atomically", refuse)
    client = logged_in(make_app(paths), OWNER)
    before = _state(paths)
    answer = _send(client, OWNED, "publish", {"table": with_new_step()})
    assert answer.status_code == 503
    assert "The new version cannot be written into the definitions folder; nothing was changed" in _refusal(answer)
    assert paths["definitions"] not in _text(answer) and "VerifikasiData" in _text(answer)
    assert _state(paths) == before


def test_an_owner_reads_every_request_of_the_process_and_no_other(paths: dict[str, str]) -> None:
    """A process owner of no lane (an SOP writer) reads the requests of the SOP they own, and finds the shipped
    SOP's requests missing (404), as the read rule says."""
    from web_fixtures import PASSWORD, started

    roles = Path(paths["roles"])
    writer = f"penulis:\n  name: Penulis SOP\n  pemilik_proses: [{OWNED}]\n"  # an owner of no lane
    roles.write_text(roles.read_text(encoding="utf-8") + writer, encoding="utf-8")
    clerk = engine_as(paths, "tu.umum")
    try:
        clerk.people.apply_roles()
        clerk.people.set_password("penulis", PASSWORD)
    finally:
        clerk.close()
    mine, other = start_owned(paths), started(paths)
    client = logged_in(make_app(paths), "penulis")
    assert client.get(f"/instances/{mine}").status_code == 200
    assert client.get(f"/instances/{other}").status_code == 404
    listed = client.get("/instances?view=all").get_data(as_text=True)
    assert f'href="/instances/{mine}"' in listed and f'href="/instances/{other}"' not in listed


def test_a_diagram_sop_published_unchanged_is_left_as_drawn(paths: dict[str, str]) -> None:
    """The shipped SOP's table sent back as the editor showed it: nothing is written (the modeler's diagram stays),
    the page says the table is the version in force."""
    import html

    client = logged_in(make_app(paths), "tu.umum")
    page = client.get(f"/manage/{PROCESS}").get_data(as_text=True)
    shown = html.unescape(re.search(r"<textarea[^>]*>(.*?)</textarea>", page, re.S).group(1))  # type: ignore[union-attr]
    before = _state(paths)
    answer = _send(client, PROCESS, "publish", {"table": shown})
    assert answer.status_code == 303
    plan = _text(client.get(answer.headers["Location"]))
    assert "The table is the version in force already; nothing was written" in plan
    assert _state(paths) == before


def test_a_diagram_sop_is_published_as_the_diagram_its_table_makes(paths: dict[str, str]) -> None:
    """An operator changes a step's time in the shipped SOP's table: the diagram file is replaced by the compiled
    diagram (one process, the new time as its Mutu Baku), its identity page stays, and the process still loads."""
    import html

    client = logged_in(make_app(paths), "tu.umum")
    page = client.get(f"/manage/{PROCESS}").get_data(as_text=True)
    shown = html.unescape(re.search(r"<textarea[^>]*>(.*?)</textarea>", page, re.S).group(1))  # type: ignore[union-attr]
    page_file = Path(paths["definitions"]) / f"{PROCESS}.yaml"
    identity = page_file.read_bytes()
    changed = shown.replace("waktu: 3 jam", "waktu: 4 jam", 1)
    assert changed != shown
    assert _send(client, PROCESS, "publish", {"table": changed}).status_code == 303
    diagram = (Path(paths["definitions"]) / f"{PROCESS}.bpmn").read_text(encoding="utf-8")
    assert 'value="PT4H"' in diagram and page_file.read_bytes() == identity
    engine = engine_as(paths, "tu.umum")
    try:
        assert [p.id for p in engine.processes.runnable()[0]] == [PROCESS, OWNED]
    finally:
        engine.close()


def test_a_pinned_pemilik_proses_altered_behind_the_programs_back_is_refused(paths: dict[str, str]) -> None:
    """The store's pinned people edited by hand so that `pemilik_proses` is no list: the pinned roles are refused
    as unreadable (the store was altered), never read as a list of letters."""
    import json
    import sqlite3

    with sqlite3.connect(paths["db"]) as db:
        seq, people = db.execute("SELECT seq, people FROM roles_events ORDER BY seq DESC LIMIT 1").fetchone()
        altered = json.loads(people)
        altered[OWNER]["pemilik_proses"] = OWNED
        db.execute("DROP TRIGGER roles_events_no_update")  # the log is append-only for the program
        db.execute("UPDATE roles_events SET people = ? WHERE seq = ?", (json.dumps(altered), seq))
    engine = engine_as(paths, "tu.umum")
    try:
        with pytest.raises(RoleError) as refused:
            engine.people.person(OWNER)
    finally:
        engine.close()
    assert "are not readable; the store was altered" in str(refused.value)


@pytest.mark.parametrize("process", ["pros%C3%A9s", "..", "1abc", "a" * 201, "a%2Fb"])
def test_a_process_id_no_file_name_can_hold_is_no_page(paths: dict[str, str], process: str) -> None:
    """Even for an operator (who owns every process), an address whose process id is not an ASCII identifier is
    404, and a POST to it writes nothing."""
    client = logged_in(make_app(paths), "tu.umum")
    before = _state(paths)
    assert client.get(f"/manage/{process}").status_code == 404
    answer = client.post(f"/manage/{process}/publish", data={"csrf_token": csrf_of(client, "/"), "table": TABLE})
    assert answer.status_code == 404
    assert _state(paths) == before
