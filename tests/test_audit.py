"""Auditors read an instance's history, replay it, verify instances and exported bundles."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from pathlib import Path

import pytest
from audit_fixtures import built_fixture, store_fixture  # noqa: F401 - fixtures
from conftest import ROOT, Sop

GOLDEN = ROOT / "tests" / "data" / "golden"


def test_history_names_each_step_lane_and_person(store: Sop) -> None:
    """`sop history` lists the events in order with the step's name, its lane, who acted and who recorded."""
    result = store("history", "3")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split()[:6] == ["#", "TIME", "STEP", "LANE", "ACTOR", "OPERATOR"]
    assert "(instance started)" in lines[1]
    assert "Ajukan surat permohonan" in lines[2] and "OPD" in lines[2] and "kadis" in lines[2]
    assert "Telaah dan disposisi" in lines[3] and "Kepala Dinas" in lines[3]
    assert "Surat Permohonan Pemasangan Jaringan — Nomor surat: " in lines[2]  # the step in the form's words
    assert len(lines) == 4
    assert "alamat_lokasi=Jl. Ahmad Yani No. 12" in store("history", "3", "--audit").stdout


def test_history_json_is_a_hash_chain_from_the_version(store: Sop) -> None:
    """Each event's hash is sha256(previous hash + canonical JSON of the event); the first chains from the version."""
    events = store.json("history", "1")
    assert [e["seq"] for e in events] == list(range(1, 16))
    assert events[0]["type"] == "instance-started" and events[-1]["type"] == "instance-completed"
    previous = events[0]["version"]
    for event in events:
        body = {k: event[k] for k in ("instance", "seq", "type", "time", "task", "task_uuid", "actor", "operator",
                                      "version", "data")}
        canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        assert event["hash"] == hashlib.sha256((previous + canonical).encode("utf-8")).hexdigest()
        previous = event["hash"]
    assert previous == store.json("show", "1")["head_hash"]
    assert events[4]["name"] == "Koordinasi dan survey teknis ke OPD" and events[4]["lane"] == "Tim Teknis Jaringan"
    assert events[4]["data"]["petugas"] == ["Fajar Nugroho, A.Md", "Dedi Kurniawan"]


def test_history_csv_opens_in_a_spreadsheet(store: Sop) -> None:
    """`--csv` gives one parsable row per event with the step, actor and hash."""
    result = store("history", "2", "--csv")
    assert result.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) == len(store.json("history", "2"))
    assert rows[5]["task"] == "AnalisaTopologi" and rows[5]["actor"] == "kasi.infra"
    assert rows[5]["summary"].startswith("alasan_penundaan=Perangkat radio belum tersedia")
    assert all(len(r["hash"]) == 64 for r in rows)


def test_replay_until_shows_the_instance_as_it_stood(store: Sop) -> None:
    """`--until N` gives what was ready and the data after event N."""
    after5 = store.json("replay", "1", "--until", "5")
    assert after5["events"] == 5 and after5["ok"] and after5["status"] == "running"
    assert [t["task"] for t in after5["tasks"]] == ["AnalisaTopologi"]
    assert list(after5["data"]) == ["AjukanPermohonan", "DisposisiKadis", "AnalisaKabid", "SurveyTeknis"]
    after6 = store.json("replay", "1", "--until", "6")
    assert [t["task"] for t in after6["tasks"]] == ["DraftSpesifikasi"]
    text = store("replay", "1", "--until", "2")
    assert "DisposisiKadis" in text.stdout and "perihal: Permohonan pemasangan" in text.stdout


def test_replay_of_whole_instances_matches_the_store(store: Sop) -> None:
    """A full replay of each instance agrees with the stored status, ready tasks and state."""
    for instance, status, ready in [(1, "completed", []), (2, "completed", []), (3, "running", ["AnalisaKabid"])]:
        out = store.json("replay", str(instance))
        assert (out["ok"], out["status"], [t["task"] for t in out["tasks"]]) == (True, status, ready)
    result = store("replay", "3")
    assert result.exit_code == 0 and "Replay matches the stored instance 3" in result.stderr


def test_replay_refuses_an_until_beyond_the_history(store: Sop) -> None:
    """An --until past the last event is refused with the range to use; 0 is a usage error."""
    result = store("replay", "3", "--until", "4")
    assert result.exit_code == 1
    assert "instance 3 has 3 events; give a number from 1 to 3" in result.stderr
    assert store("replay", "3", "--until", "0").exit_code == 2


def test_verify_all_prints_a_line_per_instance_and_the_heads(store: Sop) -> None:
    """`sop verify` checks every instance; --json gives each head hash to keep outside the store."""
    result = store("verify")
    assert result.exit_code == 0, result.output
    assert [line.split(":")[0] for line in result.stdout.splitlines()] == ["instance 1", "instance 2", "instance 3"]
    assert "Verified 3 instance(s)" in result.stderr
    heads = {v["instance"]: v["head_hash"] for v in store.json("verify")}
    assert heads == {i: store.json("show", str(i))["head_hash"] for i in (1, 2, 3)}
    assert store("verify", "2").stdout.startswith("instance 2: ok, ")


def test_verify_names_a_missing_instance(store: Sop) -> None:
    """Verifying an instance that does not exist is refused clearly."""
    result = store("verify", "9")
    assert result.exit_code == 1 and "No instance 9" in result.stderr


def test_export_then_verify_the_bundle_without_the_store(store: Sop, tmp_path: Path) -> None:
    """An exported bundle verifies on its own, after the store is gone."""
    bundle = tmp_path / "instance-3.json"
    result = store("export", "3", "-o", str(bundle))
    assert result.exit_code == 0, result.output
    store.db.unlink()
    checked = store("verify", "--bundle", str(bundle))
    assert checked.exit_code == 0, checked.output
    assert checked.stdout.startswith("instance 3: ok, 3 events")
    data = json.loads(bundle.read_text())
    assert sorted(data["versions"][data["instance"]["version"]]) == ["bpmn", "forms", "process", "yaml"]


def test_a_tampered_bundle_fails_and_names_the_event(store: Sop, tmp_path: Path) -> None:
    """Changing who acted in an exported bundle is caught at that event."""
    bundle = tmp_path / "b.json"
    store("export", "1", "-o", str(bundle))
    data = json.loads(bundle.read_text())
    data["events"][3]["actor"] = "orang.lain"
    bundle.write_text(json.dumps(data))
    result = store("verify", "--bundle", str(bundle))
    assert result.exit_code == 1
    assert "instance 1: FAILED at event 4: event 4 (task-completed AnalisaKabid" in result.stdout
    assert "hash mismatch" in result.stdout


@pytest.mark.parametrize("content, expected", [
    (None, "Cannot read bundle"),
    ("not json", "is not JSON"),
    ('{"format": "other"}', "is not a sop-audit-bundle/1 file"),
    ('{"format": "sop-audit-bundle/1", "instance": {}}', "lacks or garbles a field"),
])
def test_bad_bundle_files_get_a_clear_error(store: Sop, tmp_path: Path, content: str | None, expected: str) -> None:
    """A missing, non-JSON, foreign or cut-short bundle is refused with what is wrong."""
    path = tmp_path / "bundle.json"
    if content is not None:
        path.write_text(content)
    result = store("verify", "--bundle", str(path))
    assert result.exit_code == 1
    assert expected in result.stderr and "Traceback" not in result.output


def test_export_to_an_unwritable_place_is_refused(store: Sop, tmp_path: Path) -> None:
    """Exporting into a folder that does not exist says so and writes nothing."""
    result = store("export", "1", "-o", str(tmp_path / "no" / "such" / "b.json"))
    assert result.exit_code == 1 and "Cannot write bundle" in result.stderr


@pytest.mark.parametrize("name", ["pasang", "tunda", "ulang"])
def test_golden_histories_still_replay(name: str, tmp_path: Path) -> None:
    """Committed bundles from earlier versions replay to exactly their recorded state with today's engine."""
    result = Sop(tmp_path / "none.db")("verify", "--bundle", str(GOLDEN / f"{name}.bundle.json"))
    assert result.exit_code == 0, result.output
    assert "ok" in result.stdout


def test_export_to_stdout_or_a_folder_is_refused(store: Sop, tmp_path: Path) -> None:
    """`-o -` or a folder is refused with how to name a file, instead of writing a file called '-'."""
    for target in ("-", str(tmp_path)):
        result = store("export", "1", "-o", target)
        assert result.exit_code == 1 and "give the path of a file" in result.stderr
