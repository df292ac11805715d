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
