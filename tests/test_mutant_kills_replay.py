"""A return for revision forged in the store, as `sop replay` and `sop verify` name it: each way the recorded return
could not have happened, in full words (the mutants of the task-returned handler in engine/audit/replay.py and of
the returns' lane check in engine/audit/lane_audit.py, `make mutants`)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from audit_fixtures import tamper
from conftest import Sop
from tests_sop_fixtures import SURAT, with_forms

from engine.common.identity import os_login

TABLE_PROCESS = "penerbitan_surat_tugas"
ME = os_login()


def _surat(tmp_path: Path, roles: str | None = None) -> Sop:
    """The small table SOP at its parallel pair (ParafA, ParafB) after the review (as tests/test_returns.py)."""
    folder = tmp_path / "definitions"
    folder.mkdir()
    (folder / "surat.sop.yaml").write_text(with_forms(SURAT, folder), encoding="utf-8")
    (folder / "kosong.json").write_text("{}", encoding="utf-8")
    if roles is not None:
        (folder / "roles.yaml").write_text(roles, encoding="utf-8")
    sop = Sop(tmp_path / "sop.db", folder, folder)
    if roles is not None:
        assert sop("roles", "apply").exit_code == 0
    who = ("--as", "pemohon") if roles else ()
    assert sop("start", TABLE_PROCESS).exit_code == 0
    assert sop("complete", "1", "AjukanNota", "--data", str(folder / "kosong.json"), *who).exit_code == 0
    who = ("--as", "kabid") if roles else ()
    assert sop("complete", "1", "Telaah", "--set", "keputusan=setuju", *who).exit_code == 0
    return sop


def _event(sop: Sop, seq: int) -> dict[str, object]:
    """One event of instance 1 as `sop history --json` gives it."""
    found: dict[str, object] = next(e for e in sop.json("history", "1") if e["seq"] == seq)
    return found


def _ready(sop: Sop) -> dict[str, str]:
    return {t["task"]: t["id"] for t in sop.json("tasks")}


def _replayed(sop: Sop) -> tuple[int, str]:
    result = sop("replay", "1")
    return result.exit_code, result.stderr


@pytest.fixture
def returned(tmp_path: Path) -> tuple[Sop, dict[str, str], dict[str, object]]:
    """Instance 1 sent back from ParafA to the review (event 4); the tasks ready before, and the return event."""
    sop = _surat(tmp_path)
    ready = _ready(sop)
    assert sop("return", "1", "ParafA", "--to", "Telaah", "--reason", "Analisis kurang").exit_code == 0
    assert _replayed(sop)[0] == 0
    return sop, ready, _event(sop, 4)


def _set_data(sop: Sop, data: object) -> None:
    tamper(sop.db, ("UPDATE events SET data = ? WHERE instance_id = 1 AND seq = 4", (json.dumps(data),)))


def test_a_return_from_a_step_that_was_not_ready_diverges(
        returned: tuple[Sop, dict[str, str], dict[str, object]]) -> None:
    """The return's step, or its task, changed to one not ready then: replay names the step, its task and the
    ready ones (kills the `task is None or ... or not ready` mutants and the message's)."""
    sop, ready, event = returned
    data = dict(event["data"])  # type: ignore[call-overload]
    cases = [({**data, "from": "ParafB"}, f"step 'ParafB' ({ready['ParafA']})"),
             ({**data, "from_task": ready["ParafB"]}, f"step 'ParafA' ({ready['ParafB']})"),
             ({**data, "from_task": "00000000-0000-0000-0000-000000000000"},
              "step 'ParafA' (00000000-0000-0000-0000-000000000000)"),
             ({**data, "from_task": 7}, "step 'ParafA' (7)")]
    for forged, step in cases[:1]:
        _set_data(sop, forged)
        assert _replayed(sop) == (1, f"Error: instance 1 diverges at event 4: event 4 (task-returned Telaah): {step} "
                                     "was not ready at that point by replay; ready then: 'ParafA', 'ParafB'\n")
    for forged, step in cases[1:]:
        _set_data(sop, forged)
        code, said = _replayed(sop)
        assert code == 1
        assert said.startswith(f"Error: instance 1 diverges at event 4: event 4 (task-returned Telaah): {step} ")


@pytest.mark.parametrize("reason", [None, "", "   ", 5])
def test_a_return_without_its_reason_diverges(returned: tuple[Sop, dict[str, str], dict[str, object]],
                                              reason: object) -> None:
    """A return whose reason was blanked, removed or made a number: replay says it has none (kills the reason
    check's mutants)."""
    sop, _, event = returned
    data = dict(event["data"])  # type: ignore[call-overload]
    if reason is None:
        del data["reason"]
    else:
        data["reason"] = reason
    _set_data(sop, data)
    assert _replayed(sop) == (1, "Error: instance 1 diverges at event 4: event 4 (task-returned Telaah): a return "
                                 "carries its reason, but this one has none\n")


def test_a_return_reopening_another_task_diverges(returned: tuple[Sop, dict[str, str], dict[str, object]]) -> None:
    """The reopened step's task UUID changed: replay says which task the step reopens as (kills the UUID check's
    mutants)."""
    sop, _, event = returned
    tamper(sop.db, ("UPDATE events SET task_uuid = '11111111-1111-1111-1111-111111111111' WHERE instance_id = 1 "
                    "AND seq = 4", ()))
    assert _replayed(sop) == (1, f"Error: instance 1 diverges at event 4: event 4 (task-returned Telaah): the step "
                                 f"reopens as task {event['task_uuid']} by replay, not "
                                 "11111111-1111-1111-1111-111111111111\n")


def test_a_return_of_a_step_claimed_by_another_diverges(tmp_path: Path) -> None:
    """ParafA claimed by budi, then sent back by the clerk for budi: replay agrees; the return forged as another
    person's diverges naming both; forged as recorded by budi for another (the claimer records) it replays (kills
    the claim check's mutants, which drop the actor or the operator from who may send back a claimed step)."""
    sop = _surat(tmp_path)
    assert sop("claim", "1", "ParafA", "--as", "budi").exit_code == 0
    assert sop("return", "1", "ParafA", "--to", "Telaah", "--reason", "Kurang", "--as", "budi").exit_code == 0
    assert (_event(sop, 5)["type"], _event(sop, 5)["actor"], _event(sop, 5)["operator"]) == ("task-returned", "budi",
                                                                                          ME)
    matches = (0, "Replay matches the stored instance 1: each of its 5 events could happen when it did, and status, "
                  "ready tasks and state are what they produce.\n")
    assert _replayed(sop) == matches
    tamper(sop.db, ("UPDATE events SET actor = 'lain' WHERE instance_id = 1 AND seq = 5", ()))
    assert _replayed(sop) == (1, "Error: instance 1 diverges at event 5: event 5 (task-returned Telaah): lain sent "
                                 "back a step budi had claimed\n")
    tamper(sop.db, ("UPDATE events SET operator = 'budi' WHERE instance_id = 1 AND seq = 5", ()))
    assert _replayed(sop) == matches


def test_a_return_to_a_step_that_may_not_be_reopened_diverges(
        returned: tuple[Sop, dict[str, str], dict[str, object]]) -> None:
    """The return's reopened step changed to the other branch's: replay says the return fails, with the reason
    the engine gives (kills the mutants of the "fails when replayed" message)."""
    sop, _, _ = returned
    tamper(sop.db, ("UPDATE events SET task = 'ParafB' WHERE instance_id = 1 AND seq = 4", ()))
    assert _replayed(sop) == (1, "Error: instance 1 diverges at event 4: event 4 (task-returned ParafB) fails when "
                                 "replayed: event 4 (task-returned ParafB) cannot be sent back to 'ParafB': it is not "
                                 "an earlier completed step on its path that may be reopened; choose one of: "
                                 "'Telaah', 'AjukanNota'; nothing was changed\n")


@pytest.mark.parametrize("data", [[], "Telaah", 4])
def test_a_return_whose_data_is_no_object_diverges_in_words(
        returned: tuple[Sop, dict[str, str], dict[str, object]], data: object) -> None:
    """A return's data altered into a list, a text or a number: replay and verify name it (before the fix, an
    internal error: the handler read the data as an object)."""
    sop, _, _ = returned
    _set_data(sop, data)
    said = ("event 4 (task-returned Telaah): a return carries the step it came from and its reason as a JSON object, "
            "but its data is not one")
    assert _replayed(sop) == (1, f"Error: instance 1 diverges at event 4: {said}\n")
    verified = sop("verify", "1", "--json")
    assert verified.exit_code == 1
    problems = [p["problem"] for v in json.loads(verified.stdout) for p in v["problems"]]
    assert f"replay: {said}" in problems


ROLES = (f"{ME}: {{name: Petugas, lanes: [Pemohon], operator: true}}\n"
         "pemohon: {name: Pemohon, lanes: [Pemohon]}\n"
         "kabid: {name: Kabid, lanes: [Kepala Bidang]}\n"
         "tu: {name: TU, lanes: [Tata Usaha]}\n")


def test_verify_holds_a_return_to_the_lane_of_the_step_it_came_from(tmp_path: Path) -> None:
    """A return from Tata Usaha's ParafB forged as the Kepala Bidang's (who holds the lane of the reopened review,
    not ParafB's): verify names the act as "sent back" in ParafB's lane (kills lane_audit's `_acted_on` and `DID`
    mutants)."""
    sop = _surat(tmp_path, ROLES)
    assert sop("return", "1", "ParafB", "--to", "Telaah", "--reason", "Kurang", "--as", "tu").exit_code == 0
    event = _event(sop, 4)
    assert event["type"] == "task-returned" and event["actor"] == "tu"
    assert sop("verify", "1").exit_code == 0
    tamper(sop.db, ("UPDATE events SET actor = 'kabid' WHERE instance_id = 1 AND seq = 4", ()))
    conn = sqlite3.connect(sop.db)
    version = conn.execute("SELECT version FROM roles_events ORDER BY seq DESC").fetchone()[0]
    conn.close()
    problems = [p["problem"] for v in json.loads(sop("verify", "--json").stdout) for p in v["problems"]]
    assert (f"event 4 (task-returned Telaah at {event['time']}): 'kabid' sent back a step of lane 'Tata Usaha' "
            f"holding only Kepala Bidang under roles version {version[:12]} then in force") in problems
