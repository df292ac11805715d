"""A step refused to someone outside its lane, in the words the person reads (the mutants of
engine/definitions/roles.py that survived the older tests, `make mutants`)."""

from __future__ import annotations

import html
from pathlib import Path

import pytest
from web_fixtures import engine_as, logged_in, make_app, office, post, started

SURVEY = {"tanggal_survey": "2026-11-05", "lokasi": "Jl. Ahmad Yani No. 12", "_rows.petugas": "1",
          "petugas.0": "Fajar Nugroho", "kondisi_eksisting": "LAN 24 titik", "jarak_ke_titik_akses_meter": "420",
          "media_usulan": "fiber optik"}


@pytest.fixture
def paths(tmp_path: Path) -> dict[str, str]:
    return office(tmp_path)


def test_a_step_outside_the_persons_lane_is_refused_naming_the_lane_their_lanes_and_its_holders(
        paths: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    """kadis (lane Kepala Dinas) submits the survey of lane Tim Teknis Jaringan: 403, the page names the step, its
    lane, kadis's name and lanes, and who holds the lane; the instance does not move."""
    monkeypatch.setenv("SOP_LANG", "en")
    instance = started(paths, "SurveyTeknis")
    engine = engine_as(paths, "tu.umum")
    before = [e.seq for e in engine.instance(instance).history()[1]]
    engine.close()
    client = logged_in(make_app(paths), "kadis")
    answer = post(client, f"/instances/{instance}/tasks/SurveyTeknis", SURVEY)
    assert answer.status_code == 403
    assert (f"Instance {instance} task 'SurveyTeknis' is in lane 'Tim Teknis Jaringan', and kadis (Ir. Asmawi Alie, "
            "MT) acts in: Kepala Dinas; nothing was changed. Lane 'Tim Teknis Jaringan' is held by dedi.jaringan "
            "(Dedi Kurniawan, A.Md), tim.jaringan (Fajar Nugroho, A.Md): one of them must complete it, or an "
            "operator records it for them") in html.unescape(answer.get_data(as_text=True))
    engine = engine_as(paths, "tu.umum")
    assert [e.seq for e in engine.instance(instance).history()[1]] == before
    engine.close()
