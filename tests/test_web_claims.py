"""Claiming on the web: where a lane holds several people one takes the task ("Saya kerjakan"), the others see who
has it and cannot complete it, the claimer or an operator releases it; a one-person lane needs no claim."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from test_web_tasks import SURVEY
from web_fixtures import engine_as, logged_in, make_app, office, post, started


@pytest.fixture
def paths(tmp_path: Path) -> dict[str, str]:
    return office(tmp_path)


def _text(answer: Any) -> str:
    return str(answer.get_data(as_text=True))


def test_one_takes_the_task_and_the_others_see_who_has_it(paths: dict[str, str]) -> None:
    """Fajar takes the survey; Dedi's tasklist and task page name him, and Dedi's submission is refused."""
    instance = started(paths, "SurveyTeknis")
    app = make_app(paths)
    fajar, dedi = logged_in(app, "tim.jaringan"), logged_in(app, "dedi.jaringan")
    page = f"/instances/{instance}/tasks/SurveyTeknis"
    assert 'id="claim-button"' in _text(fajar.get(page))
    assert post(fajar, page + "/claim").status_code == 303
    assert 'id="release"' in _text(fajar.get(page))
    seen = _text(dedi.get(page))
    assert "Fajar Nugroho, A.Md (Pranata Komputer, Tim Teknis Jaringan)" in seen and 'id="claim-button"' not in seen
    step_part = seen.split('id="read-only"')[1].split('id="comments"')[0]  # a reader may still write a comment
    assert 'id="read-only"' in seen and 'id="complete"' not in seen and "<input" not in step_part
    assert "Taken by tim.jaringan" in _text(dedi.get("/"))
    refused = post(dedi, page, SURVEY)
    assert refused.status_code == 409 and "Fajar Nugroho, A.Md" in _text(refused).split('id="form-problems"')[1]
    assert "sop release" not in _text(refused) and "--as" not in _text(refused)
    assert " WIB" in _text(refused) and not re.search(r"\d{2}:\d{2}:\d{2}(\.\d+)?Z", _text(refused))  # local time
    assert post(dedi, page + "/release").status_code in (403, 409)
    assert post(fajar, page, SURVEY).status_code == 303  # the claimer completes it


def test_the_claimer_or_an_operator_releases_it(paths: dict[str, str]) -> None:
    """A released task can be taken by another; the history records claim and release."""
    instance = started(paths, "SurveyTeknis")
    app = make_app(paths)
    fajar, clerk = logged_in(app, "tim.jaringan"), logged_in(app, "tu.umum")
    page = f"/instances/{instance}/tasks/SurveyTeknis"
    post(fajar, page + "/claim")
    assert 'id="release"' in _text(clerk.get(page))
    assert post(clerk, page + "/release").status_code == 303
    assert 'id="claim-button"' in _text(logged_in(app, "dedi.jaringan").get(page))
    types = [r.type for r in engine_as(paths, "tu.umum").instance(instance).history()[0]]
    assert types[-2:] == ["task-claimed", "task-released"]
    history = _text(clerk.get(f"/instances/{instance}"))
    assert history.count("Koordinasi dan survey teknis ke OPD") >= 2


def test_a_lane_of_one_person_offers_no_claim_and_needs_none(paths: dict[str, str]) -> None:
    """The Kepala Dinas alone holds his lane: no "Saya kerjakan" button; he completes the step directly."""
    instance = started(paths, "DisposisiKadis")
    kadis = logged_in(make_app(paths), "kadis")
    page = kadis.get(f"/instances/{instance}/tasks/DisposisiKadis")
    assert page.status_code == 200 and 'name="csrf_token"' in _text(page)  # the step's form, not an error page
    assert 'id="claim-button"' not in _text(page)
    from conftest import EXAMPLES

    from engine import read_data_file

    disposition = read_data_file(str(EXAMPLES / "data" / "02_disposisi_kadis.yaml"))
    data = {k: str(v) for k, v in disposition.items() if not isinstance(v, (dict, list))}
    done = post(kadis, f"/instances/{instance}/tasks/DisposisiKadis", data)
    assert done.status_code == 303, _text(done)
    rows, _ = engine_as(paths, "tu.umum").instance(instance).history()
    assert (rows[-1].type, rows[-1].task, rows[-1].actor) == ("task-completed", "DisposisiKadis", "kadis")
    assert "task-claimed" not in [r.type for r in rows]
