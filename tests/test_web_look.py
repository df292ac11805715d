"""What every page carries and the diagram's and sheet's pages, through the Flask client (the browser tests measure
the same in Chromium): the Dinas's name from the identity page and the icon in the header, a readable diagram with
zoom links, a notice after giving a task back."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from web_fixtures import PROCESS, engine_as, logged_in, make_app, office, post, started


@pytest.fixture
def paths(tmp_path: Path) -> dict[str, str]:
    return office(tmp_path)


def _image_size(page: str) -> tuple[int, int]:
    found = re.search(r'<img src="/instances/\d+/diagram.svg" width="(\d+)" height="(\d+)"', page)
    assert found, page[:3000]
    return int(found.group(1)), int(found.group(2))


def test_every_page_is_headed_by_the_dinas_and_its_icon(paths: dict[str, str]) -> None:
    """The sign-in page (nobody signed in yet) and the tasklist name the Dinas of the identity page, in the header
    and the window's title, and link the icon, which is served as SVG."""
    app = make_app(paths)
    client = app.test_client()
    for page in (client.get("/login"), logged_in(app, "kadis").get("/")):
        text = page.get_data(as_text=True)
        assert re.search(r'class="office">Dinas Komunikasi, Informatika dan Statistik \S+ Pemerintah Kabupaten '
                         r"Bangka</span>", text), text[:2000]
        assert "- Dinas Komunikasi, Informatika dan Statistik" in text.split("</title>")[0]
        assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in text
    icon = client.get("/static/favicon.svg")
    assert icon.status_code == 200 and icon.mimetype == "image/svg+xml" and b"<svg" in icon.data


def test_without_an_identity_page_the_header_says_sop(paths: dict[str, str]) -> None:
    """A definitions folder whose processes have no YAML page: the header falls back to the product's name."""
    (Path(paths["definitions"]) / f"{PROCESS}.yaml").unlink()
    text = make_app(paths).test_client().get("/login").get_data(as_text=True)
    assert 'class="office">sop</span>' in text and "Dinas" not in text


def test_the_diagram_is_drawn_readable_and_its_page_zooms(paths: dict[str, str]) -> None:
    """The instance page draws the SVG 12/11 of its size (its smallest label is 11 px) in a frame linking to the
    diagram's page, whose links draw it readable (the default, also for an unknown zoom), whole or 1.5 times; an
    unknown instance's diagram page is 404."""
    instance = started(paths, "AnalisaKabid")
    svg = engine_as(paths, "tu.umum").instance(instance).diagram()
    width, height = (int(re.search(rf'<svg[^>]* {name}="(\d+)"', svg).group(1))  # type: ignore[union-attr]
                     for name in ("width", "height"))
    smallest = min(float(f) for f in re.findall(r'font-size="([\d.]+)"', svg))
    client = logged_in(make_app(paths), "kabid.egov")
    page = client.get(f"/instances/{instance}").get_data(as_text=True)
    drawn = _image_size(page)
    assert drawn[0] * smallest / width >= 12 and drawn[0] / width == pytest.approx(12 / smallest, rel=0.01)
    assert drawn[1] / height == pytest.approx(drawn[0] / width, rel=0.01)
    assert f'href="/instances/{instance}/diagram"' in page
    for zoom, scale, fitted in (("read", 1.0, False), ("fit", 1.0, True), ("large", 1.5, False),
                                ("nonsense", 1.0, False)):
        answer = client.get(f"/instances/{instance}/diagram?zoom={zoom}")
        text = answer.get_data(as_text=True)
        assert answer.status_code == 200 and 'class="bar"' in text and f'href="/instances/{instance}"' in text
        assert _image_size(text)[0] == pytest.approx(drawn[0] * scale, abs=1)
        assert ('class="pan fit"' in text) == fitted
    assert 'id="zoom-read" aria-current="page"' in client.get(f"/instances/{instance}/diagram").get_data(as_text=True)
    assert client.get("/instances/999/diagram").status_code == 404


def test_giving_a_task_back_says_it_is_free_again(paths: dict[str, str]) -> None:
    """The Tim Teknis member who took the survey releases it: back on the task page, a notice says anyone in its
    lane may take it now, and the history records the release."""
    instance = started(paths, "SurveyTeknis")
    client = logged_in(make_app(paths), "tim.jaringan")
    page = f"/instances/{instance}/tasks/SurveyTeknis"
    assert post(client, page + "/claim").status_code == 303
    answer = post(client, page + "/release", follow_redirects=True)
    text = answer.get_data(as_text=True)
    assert answer.status_code == 200 and 'id="claim-button"' in text
    assert re.search(r'<p class="notice" role="status">The task is free again: anyone in its lane may take it '
                     r"now.</p>", text), text[:3000]
    types = [r.type for r in engine_as(paths, "tu.umum").instance(instance).history()[0]]
    assert types[-2:] == ["task-claimed", "task-released"]
