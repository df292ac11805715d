"""Who acts in a lane under a delegation (Plh./Plt.), as the pages say it: the task page's "who may act" and its claim
offer count the stand-ins in force now for the step's process, and a stand-in's tasklist holds the lane's tasks of
the delegated process only."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from conftest import EXAMPLES
from web_fixtures import engine_as, logged_in, make_app, office

from engine.ops.scenarios import load_scenario

PASANG = load_scenario(EXAMPLES / "pasang.scenario.yaml")
LETTER, DISPOSISI = PASANG.steps[0], PASANG.steps[1]
WIB = ZoneInfo("Asia/Jakarta")
KADIS = "Ir. Asmawi Alie, MT (Kepala Dinas Komunikasi, Informatika dan Statistik)"
PLH = "Plh. Kepala Dinas Komunikasi, Informatika dan Statistik: Hendra Saputra, S.Sos, M.Si (Sekretaris Dinas)"


def _at_disposition(paths: dict[str, str], process: str = PASANG.process) -> int:
    clerk = engine_as(paths, "tu.umum")
    instance = clerk.instances.start(process, actor="opd.dinkes").instance
    clerk.instance(instance).complete(LETTER["task"], LETTER["data"], actor="opd.dinkes")
    clerk.close()
    return instance


def _page(paths: dict[str, str], login: str, path: str) -> str:
    answer = logged_in(make_app(paths), login).get(path)
    assert answer.status_code == 200, path
    return str(answer.get_data(as_text=True))


def test_the_task_page_names_the_stand_in_and_offers_a_claim(tmp_path: Path) -> None:
    """Before the delegation the disposition is for kadis alone (no claim offered to kadis); with kadis's lanes
    handed to the Sekretaris today, a reader's page names both, the stand-in signed Plh., and both are offered
    the claim; a delegation for another process is not counted."""
    paths = office(tmp_path)
    instance = _at_disposition(paths)
    task = f"/instances/{instance}/tasks/{DISPOSISI['task']}"
    before = _page(paths, "kasi.infra", task)
    assert KADIS in before and "Plh." not in before
    assert 'id="claim-button"' not in _page(paths, "kadis", task)
    clerk = engine_as(paths, "tu.umum")
    today = datetime.now(WIB).date().isoformat()
    clerk.people.delegate("kadis", "sekretaris", start=today, until=today, process=PASANG.process)
    assert clerk.people.lane_people("Kepala Dinas", process=PASANG.process) == (
        ("kadis", ""), ("sekretaris", "Plh. Kepala Dinas Komunikasi, Informatika dan Statistik"))
    assert clerk.people.lane_people("Kepala Dinas", process="lain") == (("kadis", ""),)
    clerk.close()
    page = _page(paths, "kasi.infra", task)
    assert f"{KADIS}, {PLH}. " in page and 'id="complete"' not in page
    assert 'id="claim-button"' in _page(paths, "kadis", task)
    assert 'id="claim-button"' in _page(paths, "sekretaris", task)


def test_a_delegation_for_one_process_lists_only_that_processs_tasks(tmp_path: Path) -> None:
    """kadis's lanes handed to the Sekretaris for the Interkoneksi SOP only, while a second SOP with the same lanes
    ("lain") also waits on kadis: the Sekretaris's tasklist (the engine's listing with their lanes, and the web's)
    holds the Interkoneksi disposition and not the other, and its page offers a claim only there; kadis's holds
    both."""
    paths = office(tmp_path)
    definitions = Path(paths["definitions"])
    other = (definitions / "interkoneksi_data_baru.bpmn").read_text(encoding="utf-8")
    (definitions / "lain.bpmn").write_text(other.replace('id="interkoneksi_data_baru"', 'id="lain"'),
                                           encoding="utf-8")
    mine, theirs = _at_disposition(paths), _at_disposition(paths, "lain")
    clerk = engine_as(paths, "tu.umum")
    today = datetime.now(WIB).date().isoformat()
    clerk.people.delegate("kadis", "sekretaris", start=today, until=today, process=PASANG.process)
    clerk.close()
    stand_in = engine_as(paths, "sekretaris")
    lanes, limited = stand_in.people.my_lanes(), stand_in.people.my_process_lanes()
    assert (lanes, limited) == ((), (("Kepala Dinas", PASANG.process),))
    listed = stand_in.instances.tasks(lanes=lanes, lanes_in=limited)
    assert [(t.instance, t.task) for t in listed] == [(mine, DISPOSISI["task"])]
    assert stand_in.instances.count_tasks(lanes=lanes, lanes_in=limited) == 1
    assert stand_in.instances.task_page(lanes=lanes, lanes_in=limited)[1] == 1
    assert stand_in.instances.tasks(lanes=lanes) == []  # without the pairs: their own lanes only (none)
    assert stand_in.instance(theirs).show().tasks[0].task == DISPOSISI["task"]  # they may read it: not listed as theirs
    stand_in.close()
    tasklist = _page(paths, "sekretaris", "/")
    assert f'data-task="{DISPOSISI["task"]}" data-instance="{mine}"' in tasklist
    assert f'data-instance="{theirs}"' not in tasklist
    kadis = _page(paths, "kadis", "/")
    assert f'data-instance="{mine}"' in kadis and f'data-instance="{theirs}"' in kadis
    assert 'id="complete"' in _page(paths, "sekretaris", f"/instances/{mine}/tasks/{DISPOSISI['task']}")


def test_on_postgresql_a_delegation_for_one_process_lists_only_that_processs_tasks(pg_url: str,
                                                                                   tmp_path: Path) -> None:
    """The same listing on PostgreSQL: the Sekretaris's lanes for one process give that process's disposition only,
    counted alike."""
    from conftest import copy_definitions

    definitions, forms = copy_definitions(tmp_path, roles=True)
    other = (definitions / "interkoneksi_data_baru.bpmn").read_text(encoding="utf-8")
    (definitions / "lain.bpmn").write_text(other.replace('id="interkoneksi_data_baru"', 'id="lain"'),
                                           encoding="utf-8")
    paths = {"db": pg_url, "definitions": str(definitions), "forms": str(forms),
             "roles": str(definitions / "roles.yaml")}
    clerk = engine_as(paths, "tu.umum")
    clerk.people.apply_roles()
    mine, _ = _at_disposition(paths), _at_disposition(paths, "lain")
    today = datetime.now(WIB).date().isoformat()
    clerk.people.delegate("kadis", "sekretaris", start=today, until=today, process=PASANG.process)
    clerk.close()
    stand_in = engine_as(paths, "sekretaris")
    lanes, limited = stand_in.people.my_lanes(), stand_in.people.my_process_lanes()
    listed = stand_in.instances.tasks(lanes=lanes, lanes_in=limited)
    assert [(t.instance, t.task) for t in listed] == [(mine, DISPOSISI["task"])]
    assert stand_in.instances.task_page(lanes=lanes, lanes_in=limited)[1] == 1
    stand_in.close()


def test_the_stand_in_of_the_start_lane_starts_a_request_and_lands_on_its_first_task(tmp_path: Path) -> None:
    """Before any delegation the Kepala Dinas may not start the Interkoneksi request (403, nothing started); with the
    OPD official's lanes handed to him today for another SOP ("lain") he still may not; handed for this SOP he starts
    it and is taken to its first step, which he now acts in."""
    from web_fixtures import post

    paths = office(tmp_path)
    definitions = Path(paths["definitions"])
    other = (definitions / "interkoneksi_data_baru.bpmn").read_text(encoding="utf-8")
    (definitions / "lain.bpmn").write_text(other.replace('id="interkoneksi_data_baru"', 'id="lain"'),
                                           encoding="utf-8")
    start = f"/processes/{PASANG.process}/start"
    clerk = engine_as(paths, "tu.umum")
    today = datetime.now(WIB).date().isoformat()
    for process in ("lain", PASANG.process):
        refused = post(logged_in(make_app(paths), "kadis"), start)
        assert refused.status_code == 403 and clerk.instances.find() == [], process
        clerk.people.delegate("opd.dinkes", "kadis", start=today, until=today, process=process)
    clerk.close()
    answer = post(logged_in(make_app(paths), "kadis"), start)
    assert answer.status_code == 303 and answer.headers["Location"] == "/instances/1/tasks/AjukanPermohonan"
    auditor = engine_as(paths, "tu.umum")
    assert auditor.instance(1).show().started_by == "kadis"
    assert [v.problems for v in auditor.audit.verify(instances=[1])] == [[]]  # the lane audit accepts the stand-in
