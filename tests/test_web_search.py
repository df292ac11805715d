"""Finding requests on the web (`GET /instances`, "Daftar permohonan"): search over the title and every text of the
artefacts, filters, order, 50 rows a page with previous/next, "my requests" first for the OPDs, and a CSV of
exactly the rows shown with formula cells neutralised; the tasklist a page at a time too."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from test_web_tasks import letter_fields
from web_fixtures import engine_as, logged_in, make_app, office, post


@pytest.fixture
def paths(tmp_path: Path) -> dict[str, str]:
    return office(tmp_path)


def _sent(paths: dict[str, str], **changed: str) -> int:
    """A request opd.dinkes sends through the web, its letter's fields changed as given."""
    client = logged_in(make_app(paths), "opd.dinkes")
    instance = engine_as(paths, "opd.dinkes").instances.start("interkoneksi_data_baru").instance
    fields = {**letter_fields(), **changed}
    fields.pop("pindaian_surat", None)
    from io import BytesIO

    from conftest import EXAMPLES

    pdf = (EXAMPLES / "berkas" / "surat-permohonan-dinkes.pdf").read_bytes()
    answer = post(client, f"/instances/{instance}/tasks/AjukanPermohonan",
                  {**fields, "pindaian_surat": (BytesIO(pdf), "surat.pdf")}, content_type="multipart/form-data")
    assert answer.status_code == 303, answer.get_data(as_text=True)[-800:]
    return instance


def _listed(page: str) -> list[int]:
    return [int(n) for n in re.findall(r'<tr class="instance[^"]*" data-instance="(\d+)"', page)]


def test_search_finds_by_title_and_by_any_text_of_the_artefacts(paths: dict[str, str]) -> None:
    """A word of the subject, of the sender or of the letter's needs finds the request (any case, a word's start);
    a word of none finds nothing and says so."""
    first = _sent(paths)
    second = _sent(paths, **{"perihal": "Permohonan jaringan puskesmas", "kebutuhan": "Sambungan serat optik"})
    client = logged_in(make_app(paths), "kadis")
    assert _listed(client.get("/instances?q=PUSKES").get_data(as_text=True)) == [second]
    assert set(_listed(client.get("/instances?q=kesehatan").get_data(as_text=True))) == {first, second}
    assert _listed(client.get("/instances?q=serat+optik").get_data(as_text=True)) == [second]
    nothing = client.get("/instances?q=zzzyx").get_data(as_text=True)
    assert _listed(nothing) == [] and "No request matches." in nothing and 'data-count="0"' in nothing


def test_filters_and_order(paths: dict[str, str]) -> None:
    """Status, the step waiting, its lane, overdue and the start dates narrow the list; order by start puts the
    newest first, by due time the soonest."""
    first = _sent(paths)
    waiting = engine_as(paths, "opd.dinkes").instances.start("interkoneksi_data_baru").instance
    client = logged_in(make_app(paths), "kadis")
    assert _listed(client.get("/instances?step=DisposisiKadis").get_data(as_text=True)) == [first]
    assert _listed(client.get("/instances?lane=OPD").get_data(as_text=True)) == [waiting]
    assert _listed(client.get("/instances?status=completed").get_data(as_text=True)) == []
    assert _listed(client.get("/instances?sort=started").get_data(as_text=True)) == [waiting, first]
    assert _listed(client.get("/instances?since=2000-01-01&until=2000-12-31").get_data(as_text=True)) == []
    assert set(_listed(client.get("/instances?since=2000-01-01").get_data(as_text=True))) == {first, waiting}
    bad = client.get("/instances?since=kemarin")
    assert bad.status_code == 200 and "&#39;kemarin&#39; is not a date" in bad.get_data(as_text=True)


def test_my_requests_first_for_an_opd_and_all_for_the_staff(paths: dict[str, str]) -> None:
    """opd.dinkes lands on "My requests"; the Kepala Dinas on all the requests he may read."""
    _sent(paths)
    app = make_app(paths)
    assert 'href="/instances?view=mine&amp;page=1" aria-current="page"' in \
        logged_in(app, "opd.dinkes").get("/instances").get_data(as_text=True)
    assert 'href="/instances?view=all&amp;page=1" aria-current="page"' in \
        logged_in(app, "kadis").get("/instances").get_data(as_text=True)


def test_pages_of_fifty_with_previous_and_next_and_the_csv_of_the_page(paths: dict[str, str]) -> None:
    """51 requests: page 1 holds 50 with a link to the next, page 2 the last one with a link back; the CSV of a page
    has exactly its rows, and a formula typed into a letter is written as text."""
    clerk = engine_as(paths, "tu.umum")
    for _ in range(50):
        clerk.instances.start("interkoneksi_data_baru", actor="opd.dinkes")
    formula = _sent(paths, perihal="=HYPERLINK(\"http://x\")")
    client = logged_in(make_app(paths), "kadis")
    first = client.get("/instances?view=all").get_data(as_text=True)
    assert len(_listed(first)) == 50 and 'rel="next"' in first and 'rel="prev"' not in first
    assert 'data-count="51"' in first
    second = client.get("/instances?view=all&page=2").get_data(as_text=True)
    assert len(_listed(second)) == 1 and 'rel="prev"' in second and 'rel="next"' not in second
    rows = list(csv.reader(io.StringIO(client.get("/instances?view=all&page=1&format=csv").get_data(as_text=True))))
    assert len(rows) == 51 and [int(r[0]) for r in rows[1:]] == _listed(first)
    [found] = [r for r in rows if r[0] == str(formula)]
    assert found[1].startswith("'=HYPERLINK")


def test_the_tasklist_is_paged(paths: dict[str, str]) -> None:
    """With 51 tasks waiting, the clerk's tasklist shows 50 and the next page the last one."""
    clerk = engine_as(paths, "tu.umum")
    for _ in range(51):
        clerk.instances.start("interkoneksi_data_baru", actor="opd.dinkes")
    client = logged_in(make_app(paths), "tu.umum")
    page = client.get("/").get_data(as_text=True)
    assert page.count('class="task-link"') == 50 and 'data-count="51"' in page and 'rel="next"' in page
    last = client.get("/?page=2").get_data(as_text=True)
    assert last.count('class="task-link"') == 1 and 'rel="prev"' in last
