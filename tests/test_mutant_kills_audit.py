"""What auditors read and are refused, at the edges the older tests left open (the mutants of the audit modules that
survived them, `make mutants`)."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

from audit_fixtures import built_fixture, store_fixture  # noqa: F401 - fixtures
from conftest import Sop

from engine.common.identity import os_login


def test_replay_until_takes_every_number_from_the_first_event_to_the_last(store: Sop) -> None:
    """`--until 1` and `--until N` (the last event) replay; N+1 is refused, naming the range, and changes nothing."""
    count = len(store.json("history", "3"))
    first = store.json("replay", "3", "--until", "1")
    assert first["ok"] is True and first["status"] == "running"
    assert [t["task"] for t in first["tasks"]] == ["AjukanPermohonan"]
    last = store.json("replay", "3", "--until", str(count))
    assert last["ok"] is True and [t["task"] for t in last["tasks"]] == [
        t["task"] for t in store.json("replay", "3")["tasks"]]
    before = store.dump()
    refused = store("replay", "3", "--until", str(count + 1))
    assert refused.exit_code == 1 and "internal error" not in refused.output
    assert (f"Error: --until {count + 1}: instance 3 has {count} events; give a number from 1 to {count}"
            in refused.stderr)
    assert store.dump() == before


def test_exporting_again_over_a_bundle_replaces_it_with_its_files(sop: Sop, tmp_path: Path) -> None:
    """`sop export` to the same file twice (its folder of files already there) succeeds; the bundle names who
    exported it and when, the folder, the count and the bytes of its files, and verifies."""
    from test_attachments import attach, scan

    pdf = scan(tmp_path / "surat.pdf", size=4321)
    instance = sop.start()
    assert attach(sop, instance, pdf).exit_code == 0
    bundle = tmp_path / "keluar.json"
    for _ in range(2):
        exported = sop("export", str(instance), "-o", str(bundle))
        assert exported.exit_code == 0, exported.output
        assert f"and its files to {tmp_path / 'keluar.files'}" in exported.stderr
    written = json.loads(bundle.read_text())
    assert written["files"] == {"folder": "keluar.files", "count": 1, "bytes": 4321}
    assert written["exported_by"] == os_login()
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", written["exported_at"]), written["exported_at"]
    assert [p.name for p in (tmp_path / "keluar.files").iterdir()] == [hashlib.sha256(pdf.read_bytes()).hexdigest()]
    assert sop("verify", "--bundle", str(bundle)).exit_code == 0


def test_verify_json_gives_each_instance_its_event_count_and_head(store: Sop) -> None:
    """`sop verify --json`: per instance its number, ok, the count of its events, its head hash (to keep elsewhere)
    and its problems, under the documented keys (and the steps signed in with an operator-set password)."""
    verdicts = store.json("verify")
    assert [set(v) for v in verdicts] == [{"instance", "ok", "events", "head_hash", "problems",
                                          "password_set_by_operator"}] * 3
    for verdict in verdicts:
        events = store.json("history", str(verdict["instance"]))
        assert (verdict["ok"], verdict["events"], verdict["head_hash"], verdict["problems"]) == (
            True, len(events), events[-1]["hash"], [])


def test_an_instance_whose_events_were_all_deleted_is_named_not_a_crash(store: Sop) -> None:
    """Every event of instance 3 deleted behind the program's back: verify names the instance with no events and an
    empty head, and the other instances still verify."""
    from audit_fixtures import tamper

    tamper(store.db, ("DELETE FROM events WHERE instance_id = 3", ()))
    result = store("verify", "--json")
    assert result.exit_code == 1 and "internal error" not in result.output and "Traceback" not in result.output
    verdicts = {v["instance"]: v for v in json.loads(result.stdout)}
    assert (verdicts[3]["ok"], verdicts[3]["events"], verdicts[3]["head_hash"]) == (False, 0, "")
    assert verdicts[3]["problems"] and verdicts[1]["ok"] and verdicts[2]["ok"]


def test_an_altered_stored_spec_is_named_in_full_for_each_instance_on_it(store: Sop) -> None:
    """The spec the store runs live steps from edited by SQL: verify names, for each instance on that version and
    nothing else, the version (its first 12 characters) and what the change means."""
    from audit_fixtures import tamper

    tamper(store.db, ("UPDATE definition_versions SET spec = replace(spec, 'Paraf surat oleh Sekretaris', "
                      "'Paraf oleh siapa saja')", ()))
    result = store("verify", "--json")
    assert result.exit_code == 1
    verdicts = json.loads(result.stdout)
    version = store.json("history", "1")[0]["version"]
    message = (f"the stored spec of version {version[:12]} is not the one its pinned BPMN gives (it was altered); "
               "live steps would run a different diagram")
    assert [(v["instance"], v["problems"]) for v in verdicts] == [
        (n, [{"event": 0, "problem": message}]) for n in (1, 2, 3)]
    assert f"instance 1: FAILED: {message}\n" in store("verify").stdout


def test_the_file_a_stored_spec_was_parsed_from_is_not_compared(store: Sop) -> None:
    """The path the stored spec names as its BPMN file differs between machines and runs nothing: changed to another
    folder, or left out altogether, the store still verifies."""
    import sqlite3

    from audit_fixtures import tamper

    conn = sqlite3.connect(store.db)
    [(version, text)] = conn.execute("SELECT version, spec FROM definition_versions").fetchall()
    conn.close()
    for path in ("/srv/lain/definitions/interkoneksi_data_baru.bpmn", None):
        spec = json.loads(text)
        if path is None:
            del spec["process"]["file"]
        else:
            spec["process"]["file"] = path
        tamper(store.db, ("UPDATE definition_versions SET spec = ? WHERE version = ?", (json.dumps(spec), version)))
        result = store("verify")
        assert result.exit_code == 0, result.output


def test_the_stored_spec_is_checked_even_when_the_replay_cannot_run(store: Sop) -> None:
    """Instance 3's events all deleted (nothing to replay) and the stored spec altered, both by SQL: `sop verify 3`
    names the emptied log and the altered spec, without an internal error."""
    from audit_fixtures import tamper

    version = store.json("history", "3")[0]["version"]
    tamper(store.db, ("DELETE FROM events WHERE instance_id = 3", ()),
           ("UPDATE definition_versions SET spec = replace(spec, 'Paraf surat oleh Sekretaris', "
            "'Paraf oleh siapa saja')", ()))
    result = store("verify", "3", "--json")
    assert result.exit_code == 1 and "internal error" not in result.output and "Traceback" not in result.output
    problems = [p["problem"] for p in json.loads(result.stdout)[0]["problems"]]
    assert "the instance has no events (its log was emptied)" in problems
    assert (f"the stored spec of version {version[:12]} is not the one its pinned BPMN gives (it was altered); "
            "live steps would run a different diagram") in problems


def test_a_snapshot_that_no_longer_builds_is_not_also_blamed_on_the_stored_spec(store: Sop) -> None:
    """The pinned BPMN replaced by SQL with text that is not a diagram: verify names the altered snapshot and the
    replay's failure to build it, and does not also call the stored spec altered (it cannot be compared)."""
    import sqlite3

    from audit_fixtures import tamper

    from engine.common.canonical import canonical_json

    conn = sqlite3.connect(store.db)
    [(version, text)] = conn.execute("SELECT version, bundle FROM definition_versions").fetchall()
    conn.close()
    bundle = json.loads(text)
    bundle["bpmn"]["text"] = "bukan diagram"
    tamper(store.db, ("UPDATE definition_versions SET bundle = ? WHERE version = ?", (canonical_json(bundle), version)))
    result = store("verify", "--json")
    assert result.exit_code == 1 and "internal error" not in result.output
    for verdict in json.loads(result.stdout):
        problems = [p["problem"] for p in verdict["problems"]]
        assert any(p.startswith(f"the pinned definition snapshot {version[:12]} was altered") for p in problems)
        assert any(p.startswith(f"replay: the pinned definition {version[:12]} does not build") for p in problems)
        assert not any("stored spec" in p for p in problems), problems
