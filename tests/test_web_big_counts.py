"""A tasklist and a request list over more than 1,000 rows: the page shows 50, its count stops at 1,000 and says
"more than" (a count of every row cost PostgreSQL tens of milliseconds per page at 100,000), and the lanes filter
reads each lane once. Built with the bench's store builder (bench/web_store.py): copies of one waiting request."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from web_store import FORMS, OFFICIAL, PASSWORD, build, definitions_copy  # noqa: E402

from web.app import WebSettings, create_app  # noqa: E402

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture(scope="module")
def kadis(tmp_path_factory: pytest.TempPathFactory, monkeypatch_module: pytest.MonkeyPatch) -> object:
    """A client signed in as the Kepala Dinas on a store of 1,001 requests waiting at his step."""
    db = tmp_path_factory.mktemp("big") / "big.db"
    definitions = definitions_copy()
    build(str(db), definitions, 1_001)
    app = create_app(WebSettings(str(db), str(definitions), str(FORMS), str(definitions / "roles.yaml"),
                                 secret_key="big-counts" * 8))
    client = app.test_client()
    token = CSRF.search(client.get("/login").get_data(as_text=True))
    assert token
    answer = client.post("/login", data={"login": OFFICIAL, "password": PASSWORD, "csrf_token": token.group(1)})
    assert answer.status_code == 303
    return client


@pytest.fixture(scope="module")
def monkeypatch_module() -> object:
    """The office language, pinned for the module."""
    patch = pytest.MonkeyPatch()
    patch.setenv("SOP_LANG", "id")
    yield patch
    patch.undo()


def test_the_tasklist_says_more_than_ten_thousand_and_pages_fifty(kadis: object) -> None:
    """1,001 waiting: the tasklist shows 50 rows and "lebih dari 1000 tugas menunggu", never a smaller number."""
    page = kadis.get("/").get_data(as_text=True)  # type: ignore[attr-defined]
    count = re.search(r'id="task-count" data-count="(\d+)">([^<]+)<', page)
    assert count and int(count.group(1)) > 1_000, page[:2000]
    assert "lebih dari 1000 tugas menunggu" in count.group(2), count.group(2)
    assert page.count('class="task-link"') == 50 and 'href="/?page=2"' in page


def test_the_request_list_says_more_than_ten_thousand(kadis: object) -> None:
    """A search every request matches: 50 rows and "lebih dari 1000 permohonan ditemukan"."""
    page = kadis.get("/instances?view=all&q=jaringan").get_data(as_text=True)  # type: ignore[attr-defined]
    count = re.search(r'id="instance-count" data-count="(\d+)">([^<]+)<', page)
    assert count and "lebih dari" in count.group(2) and "permohonan ditemukan" in count.group(2), page[:2000]
