"""Processes and instances on the web: starting one (the start lane's people and operators only), the instance page
with the same SVG as `sop diagram` and the history in local time, the SOP sheet, and the 500 page."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from web_fixtures import engine_as, logged_in, make_app, office, post, started


@pytest.fixture
def paths(tmp_path: Path) -> dict[str, str]:
    return office(tmp_path)


def test_the_start_lanes_people_start_an_instance_and_land_on_its_first_task(paths: dict[str, str]) -> None:
    """The OPD's official starts the process and is sent to the first step, which is theirs."""
    client = logged_in(make_app(paths), "opd.dinkes")
    assert 'action="/processes/interkoneksi_data_baru/start"' in client.get("/processes").get_data(as_text=True)
    answer = post(client, "/processes/interkoneksi_data_baru/start")
    assert answer.status_code == 303 and answer.headers["Location"] == "/instances/1/tasks/AjukanPermohonan"
    assert engine_as(paths, "tu.umum").instance(1).show().started_by == "opd.dinkes"


def test_someone_outside_the_start_lane_may_not_start_it(paths: dict[str, str]) -> None:
    """The Kepala Dinas is not in the OPD lane: 403, no instance."""
    kadis = logged_in(make_app(paths), "kadis")
    listing = kadis.get("/processes").get_data(as_text=True)
    assert 'id="start-interkoneksi_data_baru"' not in listing and "may not start" in listing
    answer = post(kadis, "/processes/interkoneksi_data_baru/start")
    assert answer.status_code == 403 and "OPD" in answer.get_data(as_text=True)
    assert engine_as(paths, "tu.umum").instances.find() == []


def test_the_engine_says_who_may_start_a_process(paths: dict[str, str]) -> None:
    """Engine.check_start_lane: the start event's lane (OPD) and operators pass; another lane is a RoleError."""
    from engine import RoleError

    engine_as(paths, "opd.dinkes").processes.check_start_lane("interkoneksi_data_baru")
    engine_as(paths, "tu.umum").processes.check_start_lane("interkoneksi_data_baru")
    with pytest.raises(RoleError, match=r"kadis .* may not start process interkoneksi_data_baru: it starts in lane"):
        engine_as(paths, "kadis").processes.check_start_lane("interkoneksi_data_baru")
    assert engine_as(paths, "kadis").processes.catalog().get("interkoneksi_data_baru").start_lanes == ("OPD",)


def test_the_instance_page_shows_the_diagram_history_and_due_times(paths: dict[str, str]) -> None:
    """The instance page links the same SVG `sop diagram` draws, lists the history in WIB and the ready tasks."""
    instance = started(paths, "SurveyTeknis")
    client = logged_in(make_app(paths), "kasi.infra")
    page = client.get(f"/instances/{instance}").get_data(as_text=True)
    assert f'src="/instances/{instance}/diagram.svg"' in page
    assert "Telaah dan disposisi ke Kepala Bidang" in page and "WIB" in page and "kadis" in page
    assert "Koordinasi dan survey teknis ke OPD" in page  # the ready step, with its due time
    svg = client.get(f"/instances/{instance}/diagram.svg")
    assert svg.mimetype == "image/svg+xml"
    assert svg.get_data(as_text=True) == engine_as(paths, "tu.umum").instance(instance).diagram()
    assert "script-src" not in svg.headers["Content-Security-Policy"]


def test_the_process_sheet_is_the_sop_ap_document(paths: dict[str, str]) -> None:
    """`/processes/{process}/sheet` is the HTML `sop sheet` writes under the site's bar and a print button; the only
    script allowed is the site's own (the print button), none inline."""
    import re

    client = logged_in(make_app(paths), "kadis")
    sheet = client.get("/processes/interkoneksi_data_baru/sheet")
    assert sheet.status_code == 200
    page = sheet.get_data(as_text=True)
    document = engine_as(paths, "tu.umum").pictures.sheet("interkoneksi_data_baru")
    assert 'id="print"' in page and "/processes" in page and "Ir. Asmawi Alie, MT" in page
    own = re.compile(r'<link rel="icon".*?</script>\n?|<a class="skip".*?</header>\n?<div class="sheet-tools".*?</div>'
                     r'<main id="main" class="sheet" tabindex="0">|</main>(?=</body>)', re.S)
    assert own.sub("", page) == document
    policy = sheet.headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "script-src 'self'" in policy and "unsafe-inline" not in policy.split(
        "script-src")[1].split(";")[0]
    assert client.get("/processes/no_such_process/sheet").status_code == 404


def test_numbers_no_store_can_hold_are_a_404_not_a_500(paths: dict[str, str]) -> None:
    """An instance number of 20 digits in a typed address (past SQLite's and PostgreSQL's integers) is "no such
    instance", on every page that takes one."""
    client = logged_in(make_app(paths), "tu.umum")
    huge = "9" * 20
    for address in (f"/instances/{huge}", f"/instances/{huge}/diagram.svg", f"/instances/{huge}/tasks/Telaah",
                    f"/instances/{huge}/files/1/f/0", f"/?instance={huge}"):
        answer = client.get(address)
        assert answer.status_code in (200, 404), (address, answer.status_code)
        assert "incident" not in answer.get_data(as_text=True), address


def test_an_unexpected_failure_shows_an_incident_id_and_no_trace(paths: dict[str, str], monkeypatch: pytest.MonkeyPatch,
                                                                caplog: pytest.LogCaptureFixture) -> None:
    """A bug is a 500 page with an incident number; the traceback goes to the server log only."""
    from engine.service.instance_service import InstanceService

    def broken(self: InstanceService, *args: object, **kwargs: object) -> None:
        raise RuntimeError("secret internals /etc/passwd")

    app = make_app(paths)
    app.config["TESTING"] = False
    client = logged_in(app, "tu.umum")
    monkeypatch.setattr(InstanceService, "task_page", broken)
    with caplog.at_level(logging.ERROR, logger="sop.web"):
        answer = client.get("/")
    page = answer.get_data(as_text=True)
    assert answer.status_code == 500
    assert "secret internals" not in page and "Traceback" not in page and 'id="incident"' in page
    incident = page.split('id="incident">', 1)[1].split("<", 1)[0]
    assert any(incident in r.getMessage() and r.exc_info for r in caplog.records)
