"""Every alteration of the store made behind the program's back is caught by `sop verify`, which names it."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path

import pytest
from audit_fixtures import built_fixture, read_state, store_fixture, tamper, write_state  # noqa: F401 - fixtures
from conftest import Sop

from engine.common.canonical import canonical_json, chain_hash


def _failed(sop: Sop, instance: int) -> str:
    """The verify line of a failed instance; the others still verify, and the exit code is 1."""
    result = sop("verify")
    assert result.exit_code == 1, result.output
    lines = {line.split(":")[0]: line for line in result.stdout.splitlines()}
    assert all(": ok, " in line for name, line in lines.items() if name != f"instance {instance}")
    assert "failed verification" in result.stderr
    return lines[f"instance {instance}"]


def _problems(sop: Sop, instance: int) -> list[str]:
    result = sop("verify", str(instance), "--json")
    assert result.exit_code == 1
    [verdict] = json.loads(result.stdout)
    return [f"{p['event']}: {p['problem']}" for p in verdict["problems"]]


def test_a_changed_byte_in_event_data(store: Sop) -> None:
    """One letter changed in a submitted artefact breaks that event's hash."""
    tamper(store.db, ("UPDATE events SET data = replace(data, 'Rina Marlina', 'Rina Marlena') "
                      "WHERE instance_id = 1 AND seq = 2", ()))
    line = _failed(store, 1)
    assert "FAILED at event 2: event 2 (task-completed AjukanPermohonan" in line and "hash mismatch" in line


@pytest.mark.parametrize("column, value", [("actor", "orang.lain"), ("time", "2026-01-01T00:00:00.000Z"),
                                           ("operator", "root2")])
def test_a_changed_actor_time_or_operator(store: Sop, column: str, value: str) -> None:
    """Who acted, when, and who recorded it are all under the hash."""
    tamper(store.db, (f"UPDATE events SET {column} = ? WHERE instance_id = 2 AND seq = 4", (value,)))
    line = _failed(store, 2)
    assert "FAILED at event 4: event 4 (task-completed AnalisaKabid" in line and "hash mismatch" in line


def test_a_deleted_event(store: Sop) -> None:
    """Removing an event leaves a gap in the sequence, a broken link and a head that no longer matches."""
    tamper(store.db, ("DELETE FROM events WHERE instance_id = 1 AND seq = 5", ()))
    problems = _problems(store, 1)
    assert problems[0] == ("5: event 5 is missing: the log jumps from event 4 to event 6 (deleted behind the "
                           "program's back)")
    assert "FAILED at event 5: event 5 is missing" in _failed(store, 1)


def test_the_last_event_deleted(store: Sop) -> None:
    """Removing the newest event is caught by the head the instance row keeps."""
    tamper(store.db, ("DELETE FROM events WHERE instance_id = 3 AND seq = 3", ()))
    assert "FAILED at event 2: the instance's recorded head (event 3" in _failed(store, 3)


def test_two_events_swapped(store: Sop) -> None:
    """Swapping the content of two events (keeping their numbers) breaks both links."""
    conn = sqlite3.connect(store.db)
    cols = "type, time, task, task_uuid, actor, operator, version, data, hash"
    third, fourth = (conn.execute(f"SELECT {cols} FROM events WHERE instance_id = 2 AND seq = ?", (s,)).fetchone()
                     for s in (3, 4))
    conn.close()
    assign = ", ".join(f"{c.strip()} = ?" for c in cols.split(","))
    tamper(store.db, (f"UPDATE events SET {assign} WHERE instance_id = 2 AND seq = 3", fourth),
           (f"UPDATE events SET {assign} WHERE instance_id = 2 AND seq = 4", third))
    problems = _problems(store, 2)
    assert problems[0].startswith("3: event 3 (task-completed AnalisaKabid") and "hash mismatch" in problems[0]
    assert any(p.startswith("4: event 4 (task-completed DisposisiKadis") for p in problems)


def test_an_event_appended_with_a_wrong_hash(store: Sop) -> None:
    """An extra event whose hash does not follow from the chain is named, and the head no longer matches."""
    conn = sqlite3.connect(store.db)
    version = conn.execute("SELECT version FROM instances WHERE id = 3").fetchone()[0]
    conn.close()
    tamper(store.db, ("INSERT INTO events VALUES (3, 4, 'task-completed', '2026-11-28T00:00:00.000Z', "
                      "'AnalisaKabid', NULL, 'kabid.egov', 'root', ?, '{}', ?)", (version, "0" * 64)))
    problems = _problems(store, 3)
    assert any(p.startswith("4: event 4 (task-completed AnalisaKabid") and "hash mismatch" in p for p in problems)
    assert any("recorded head (event 3" in p for p in problems)


def test_an_event_appended_with_a_correct_hash_is_still_caught(store: Sop) -> None:
    """Even a forger who computes the next hash is caught: the head on the row and the replay disagree."""
    events = store.json("history", "3")
    last = events[-1]
    body = {"instance": 3, "seq": 4, "type": "task-completed", "time": "2026-11-28T00:00:00.000Z",
            "task": "AnalisaKabid", "task_uuid": "00000000-0000-0000-0000-000000000000", "actor": "kabid.egov",
            "operator": "root", "version": last["version"], "data": {}}
    forged = chain_hash(last["hash"], body)
    tamper(store.db, ("INSERT INTO events VALUES (3, 4, 'task-completed', ?, 'AnalisaKabid', ?, 'kabid.egov', "
                      "'root', ?, ?, ?)", (body["time"], body["task_uuid"], last["version"], canonical_json({}),
                                           forged)))
    problems = _problems(store, 3)
    assert not any("hash mismatch" in p for p in problems)
    assert any("recorded head (event 3" in p for p in problems)
    assert any(p.startswith("4: replay: event 4 (task-completed AnalisaKabid): task 00000000") for p in problems)


def test_stored_state_with_changed_data(store: Sop) -> None:
    """Editing an artefact inside the stored state is a difference from what the events produce."""
    state = read_state(store.db, 1)
    assert state["data"]["AnalisaTopologi"]["keputusan"] == "pasang"
    state["data"]["AnalisaTopologi"]["keputusan"] = "tunda"
    write_state(store.db, 1, state)
    line = _failed(store, 1)
    assert "FAILED at event 15: replay: the stored state differs from the replay after event 15" in line
    assert 'workflow data: field AnalisaTopologi.keputusan: stored "tunda", replay "pasang"' in line


def test_running_state_with_changed_task_data(store: Sop) -> None:
    """In a running instance each step's artefact sits in its task's data changes; an edit there is named too."""
    state = read_state(store.db, 3)
    [done] = [t for t in state["tasks"].values() if t["task_spec"] == "DisposisiKadis"]
    done["delta"]["updates"]["DisposisiKadis"]["sifat"] = "biasa"
    write_state(store.db, 3, state)
    line = _failed(store, 3)
    assert "task 'DisposisiKadis'" in line
    assert 'delta: field updates.DisposisiKadis.sifat: stored "biasa", replay "segera"' in line


def test_stored_state_with_a_different_ready_task(store: Sop) -> None:
    """Marking another task ready inside the stored state is named with the task and both states."""
    state = read_state(store.db, 3)
    for task in state["tasks"].values():
        if task["state"] == 16:  # READY
            task["state"] = 64  # COMPLETED
    write_state(store.db, 3, state)
    line = _failed(store, 3)
    assert "the stored state differs from the replay after event 3" in line
    assert "state: stored COMPLETED, replay READY" in line


def test_ready_task_rows_changed(store: Sop) -> None:
    """A ready-task row pointing at another step (what `sop tasks` shows) is caught."""
    tamper(store.db, ("UPDATE ready_tasks SET bpmn_id = 'TandaTanganKadis' WHERE instance_id = 3", ()))
    line = _failed(store, 3)
    assert "the store's ready tasks are 'TandaTanganKadis'" in line and "by replay they are 'AnalisaKabid'" in line


def test_instance_status_changed(store: Sop) -> None:
    """Marking a running instance completed is caught by the replay."""
    tamper(store.db, ("UPDATE instances SET status = 'completed' WHERE id = 3", ()))
    assert "the store says the instance is completed; by replay it is running" in _failed(store, 3)


def _edit_bundle(store: Sop, edit: str) -> None:
    conn = sqlite3.connect(store.db)
    version, text = conn.execute("SELECT version, bundle FROM definition_versions").fetchone()
    conn.close()
    bundle = json.loads(text)
    if edit == "bpmn":
        bundle["bpmn"]["text"] = bundle["bpmn"]["text"].replace('name="Paraf surat oleh Sekretaris"',
                                                                'name="Paraf surat oleh Sekda"')
    else:
        bundle["forms"][edit] = bundle["forms"][edit].replace('"minLength": 1', '"minLength": 0', 1)
    changed = canonical_json(bundle)
    assert changed != text
    tamper(store.db, ("UPDATE definition_versions SET bundle = ? WHERE version = ?", (changed, version)))


@pytest.mark.parametrize("edit", ["bpmn", "disposisi.schema.json"])
def test_pinned_bpmn_or_form_changed(store: Sop, edit: str) -> None:
    """Editing the pinned diagram or a pinned form breaks the snapshot's hash for every instance on it."""
    _edit_bundle(store, edit)
    result = store("verify")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert len(lines) == 3
    assert all("FAILED: the pinned definition snapshot" in line and "was altered" in line for line in lines)


def test_stored_spec_changed(store: Sop) -> None:
    """The spec the store runs live steps from must be the one the pinned BPMN gives."""
    tamper(store.db, ("UPDATE definition_versions SET spec = replace(spec, 'Paraf surat oleh Sekretaris', "
                      "'Paraf oleh siapa saja')", ()))
    result = store("verify")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert len(lines) == 3
    assert all("the stored spec of version" in line and "is not the one its pinned BPMN gives" in line
               for line in lines)


def test_deleted_instance_row_is_noticed(store: Sop) -> None:
    """Deleting an instance row leaves its events behind, and verify says whose they are."""
    tamper(store.db, ("DELETE FROM ready_tasks WHERE instance_id = 3", ()), ("DELETE FROM instances WHERE id = 3", ()))
    line = _failed(store, 3)
    assert "instance 3 has 3 events but its instance row is gone" in line


def test_ready_row_lane_changed_is_refused_by_complete_and_named_by_verify(store: Sop) -> None:
    """A ready-task row moved to another lane neither lets that lane act nor passes verify."""
    tamper(store.db, ("UPDATE ready_tasks SET lane = 'OPD' WHERE instance_id = 3", ()))
    before = store.dump()
    refused = store("complete", "3", "AnalisaKabid", "--set", "hasil_analisa=x")
    assert refused.exit_code == 1
    assert "does not match the pinned diagram (row: lane 'OPD'" in refused.stderr
    assert "sop verify 3" in refused.stderr
    assert store.dump() == before
    line = _failed(store, 3)
    assert "ready-task row of 'AnalisaKabid' has lane 'OPD'; the pinned diagram says 'Kepala Bidang'" in line


def test_instance_row_starter_and_version_process_changed(store: Sop) -> None:
    """Who started an instance, and which process a pinned version belongs to, are checked against the record."""
    tamper(store.db, ("UPDATE instances SET started_by = 'kadis' WHERE id = 2", ()))
    assert "the instance row says it was started by kadis" in _failed(store, 2)
    tamper(store.db, ("UPDATE instances SET started_by = (SELECT actor FROM events WHERE instance_id = 2 AND seq = 1) "
                      "WHERE id = 2", ()), ("UPDATE definition_versions SET process_id = 'lain'", ()))
    result = store("verify")
    assert result.exit_code == 1
    assert all("the store lists version" in line and "under process 'lain'" in line
               for line in result.stdout.splitlines())


def test_bundle_without_state_or_with_retyped_numbers_fails(store: Sop, tmp_path: Path) -> None:
    """A bundle whose stored state was removed, or whose numbers were rewritten as text, does not verify."""
    bundle = tmp_path / "b.json"
    assert store("export", "1", "-o", str(bundle)).exit_code == 0
    data = json.loads(bundle.read_text())
    del data["state"]
    bundle.write_text(json.dumps(data))
    result = store("verify", "--bundle", str(bundle))
    assert result.exit_code == 1 and "lacks or garbles a field" in result.stderr
    data["state"] = None
    bundle.write_text(json.dumps(data))
    result = store("verify", "--bundle", str(bundle))
    assert result.exit_code == 1 and "holds no stored state to compare" in result.stdout
    store("export", "1", "-o", str(bundle))
    data = json.loads(bundle.read_text())
    data["events"][0]["seq"] = "1"
    bundle.write_text(json.dumps(data))
    result = store("verify", "--bundle", str(bundle))
    assert result.exit_code == 1 and "'1' is not an integer" in result.stderr


def test_rehashed_bundle_with_a_script_task_is_refused(store: Sop, tmp_path: Path) -> None:
    """A forger who rewrites a bundle's BPMN with a script task and rehashes everything still fails: the pinned
    definition must pass the checks every definition passes at load."""
    bundle = tmp_path / "b.json"
    store("export", "3", "-o", str(bundle))
    data = json.loads(bundle.read_text())
    [(_old, snapshot)] = data["versions"].items()
    snapshot["bpmn"]["text"] = snapshot["bpmn"]["text"].replace(
        "</bpmn:process>", '<bpmn:scriptTask id="Jahat"><bpmn:script>x = 1</bpmn:script></bpmn:scriptTask>'
        "</bpmn:process>", 1)
    new_version = hashlib.sha256(canonical_json(snapshot).encode()).hexdigest()
    data["versions"] = {new_version: snapshot}
    previous = new_version
    for event in data["events"]:
        event["version"] = new_version
        body = {k: v for k, v in event.items() if k != "hash"}
        event["hash"] = previous = chain_hash(previous, body)
    data["instance"].update(version=new_version, last_hash=previous)
    bundle.write_text(json.dumps(data))
    result = store("verify", "--bundle", str(bundle))
    assert result.exit_code == 1
    assert "does not build" in result.stdout and "Jahat" in result.stdout
