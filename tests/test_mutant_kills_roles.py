"""The roles log's checks, as `sop verify` shows them: each problem named in full (the mutants of
engine/definitions/roles_pinning.py that survived the older tests, `make mutants`)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import yaml
from conftest import DATA, FORMS, Sop, copy_definitions

from engine.common.canonical import canonical_json, sha256_hex
from engine.common.identity import os_login
from engine.service.facade import Engine

ME = os_login()
T0 = "2026-11-02T01:00:00.000Z"
T1 = "2026-11-02T05:00:00.000Z"
DEPUTY = "wakil:\n  name: Wakil Kadis\n  nip: '1'\n  lanes: [Kepala Dinas]\n"


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: str = T0) -> None:
        self.now = now

    def __call__(self) -> str:
        return self.now


def _data(name: str) -> dict[str, object]:
    loaded: dict[str, object] = yaml.safe_load((DATA / name).read_text(encoding="utf-8"))
    return loaded


def _two_applies(tmp_path: Path, *, second_at: str = T1) -> tuple[Path, Path, Clock]:
    """A store whose roles were applied at T0 and again (the deputy added) at second_at, an instance started
    between; the OS account running the tests is the clerk and an operator."""
    definitions, _ = copy_definitions(tmp_path, roles=True)
    roles = definitions / "roles.yaml"
    roles.write_text(roles.read_text(encoding="utf-8") + f"{ME}:\n  lanes: [OPD]\n  operator: true\n",
                     encoding="utf-8")
    db, clock = tmp_path / "sop.db", Clock()
    eng = Engine(str(db), definitions_dir=definitions, forms_dir=FORMS, clock=clock, operator=ME, roles=roles)
    eng.people.apply_roles()
    clock.now = "2026-11-02T02:00:00.000Z" if second_at > "2026-11-02T02" else T0
    instance = eng.instances.start("interkoneksi_data_baru").instance
    eng.instance(instance).complete("AjukanPermohonan", _data("01_surat_permohonan.yaml"), actor="opd.dinkes")
    eng.close()
    roles.write_text(roles.read_text(encoding="utf-8") + DEPUTY, encoding="utf-8")
    clock.now = second_at
    eng = Engine(str(db), definitions_dir=definitions, forms_dir=FORMS, clock=clock, operator=ME, roles=roles)
    assert eng.people.apply_roles().event.seq == 2
    eng.close()
    return db, definitions, clock


def _rewrite(db: Path, *updates: str) -> None:
    """Change the roles log behind the program's back (its no-update and no-delete triggers dropped first)."""
    conn = sqlite3.connect(db)
    for trigger in [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' "
                                               "AND tbl_name = 'roles_events'")]:
        conn.execute(f'DROP TRIGGER "{trigger}"')
    for update in updates:
        conn.execute(update)
    conn.commit()
    conn.close()


def _roles_rows(db: Path) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("SELECT seq, time, actor, version, people FROM roles_events ORDER BY seq").fetchall()
    finally:
        conn.close()


def _verify(db: Path, definitions: Path) -> tuple[int, dict[int, list[str]]]:
    """`sop verify --json`: its exit code and each verdict's problems (0: the store's own checks)."""
    result = Sop(db, definitions, FORMS)("verify", "--json")
    assert "internal error" not in result.output and "Traceback" not in result.output
    return result.exit_code, {v["instance"]: [p["problem"] for p in v["problems"]] for v in json.loads(result.stdout)}


def test_a_removed_roles_event_is_named_by_its_number(tmp_path: Path) -> None:
    """The first roles event deleted: verify says which number is missing and what it found instead."""
    db, definitions, _ = _two_applies(tmp_path)
    _rewrite(db, "DELETE FROM roles_events WHERE seq = 1")
    code, problems = _verify(db, definitions)
    assert code == 1
    assert "the store's roles log: roles event 1 is missing or out of order (found 2)" in problems[0]


def test_a_backdated_roles_event_is_named_with_the_time_it_follows(tmp_path: Path) -> None:
    """The second roles event dated before the first: verify names it, its version (12 characters), who applied
    it, and the time it should follow."""
    db, definitions, _ = _two_applies(tmp_path)
    _rewrite(db, "UPDATE roles_events SET time = '2026-11-02T00:30:00.000Z' WHERE seq = 2")
    version = str(_roles_rows(db)[1][3])
    code, problems = _verify(db, definitions)
    assert code == 1
    assert (f"the store's roles log: roles event 2 (version {version[:12]} by {ME} at 2026-11-02T00:30:00.000Z) is "
            f"dated before the roles event it follows ({T0}): backdated") in problems[0]


def test_two_roles_applied_at_the_same_moment_are_not_backdated(tmp_path: Path) -> None:
    """Two applies in the same millisecond are in order: verify passes, and a step recorded at that moment by a
    person the second added counts under the second (the roles in force at a moment include one applied then)."""
    db, definitions, clock = _two_applies(tmp_path, second_at=T0)
    eng = Engine(str(db), definitions_dir=definitions, forms_dir=FORMS, clock=clock, operator=ME,
                 roles=definitions / "roles.yaml")
    eng.instance(1).complete("DisposisiKadis", _data("02_disposisi_kadis.yaml"), actor="wakil")
    eng.close()
    code, problems = _verify(db, definitions)
    assert (code, problems) == (0, {1: []})


def test_a_step_recorded_as_roles_are_applied_counts_under_the_new_roles(tmp_path: Path) -> None:
    """A completion in the very millisecond a roles version adding its actor is applied passes verify; the same
    completion a millisecond earlier is named (the actor was in no lane yet)."""
    db, definitions, clock = _two_applies(tmp_path)
    eng = Engine(str(db), definitions_dir=definitions, forms_dir=FORMS, clock=clock, operator=ME,
                 roles=definitions / "roles.yaml")
    eng.instance(1).complete("DisposisiKadis", _data("02_disposisi_kadis.yaml"), actor="wakil")
    eng.close()
    assert _verify(db, definitions) == (0, {1: []})
    _rewrite(db, "UPDATE roles_events SET time = '2026-11-02T05:00:00.001Z' WHERE seq = 2")
    code, problems = _verify(db, definitions)
    assert code == 1
    assert [p for p in problems[1] if "its actor 'wakil' is in no one's entry under roles version" in p], problems


def test_altered_people_are_named_with_the_hash_they_now_have(tmp_path: Path) -> None:
    """People edited in the first roles event: verify gives the 12-character hash they now have (what an auditor
    compares), beside the version they were pinned as."""
    db, definitions, _ = _two_applies(tmp_path)
    _rewrite(db, "UPDATE roles_events SET people = replace(people, '\"OPD\"', '\"Kepala Dinas\"') WHERE seq = 1")
    seq, time, actor, version, people = _roles_rows(db)[0]
    now = sha256_hex(canonical_json(json.loads(str(people))))
    code, problems = _verify(db, definitions)
    assert code == 1
    assert (f"the store's roles log: roles event {seq} (version {str(version)[:12]} by {actor} at {time}): its "
            f"people now hash to {now[:12]} (altered)") in problems[0]


def test_unreadable_people_do_not_stop_the_checks_of_the_events_after_them(tmp_path: Path) -> None:
    """The first event's people made unreadable and the second's applier rewritten: verify names both."""
    db, definitions, _ = _two_applies(tmp_path)
    _rewrite(db, "UPDATE roles_events SET people = 'rusak' WHERE seq = 1",
             "UPDATE roles_events SET actor = 'kadis' WHERE seq = 2")
    code, problems = _verify(db, definitions)
    assert code == 1
    first, second = _roles_rows(db)
    assert problems[0] == [
        f"the store's roles log: roles event 1 (version {str(first[3])[:12]} by {ME} at {T0}): its people are not "
        "readable JSON",
        f"the store's roles log: roles event 2 (version {str(second[3])[:12]} by kadis at {T1}): hash mismatch — the "
        "roles event was altered, or one before it removed"]


def test_an_auditor_recomputes_each_roles_hash_from_the_stored_columns(tmp_path: Path) -> None:
    """Each roles event's hash is sha256(previous hash + canonical JSON of its other columns, the people parsed),
    the first chaining from '': an auditor recomputes it with no sop code, and `sop roles apply --json` shows it."""
    import hashlib

    db, _, _ = _two_applies(tmp_path)
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    rows = [dict(r) for r in conn.execute("SELECT * FROM roles_events ORDER BY seq")]
    conn.close()
    assert len(rows) == 2
    previous = ""
    for row in rows:
        body = {k: (json.loads(v) if k == "people" else v) for k, v in row.items() if k != "hash"}
        assert set(body) == {"seq", "time", "actor", "version", "source", "people"}
        text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        assert row["hash"] == hashlib.sha256((previous + text).encode("utf-8")).hexdigest()
        previous = row["hash"]


def test_sop_roles_lists_the_pinned_people_while_the_file_differs(tmp_path: Path) -> None:
    """The roles file edited but not applied: `sop roles` lists the people in force (their pinned name and NIP),
    and warns that the file differs."""
    db, definitions, _ = _two_applies(tmp_path)
    path = definitions / "roles.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("Ir. Asmawi Alie, MT", "Nama Baru")
                    .replace("19641222 198903 1 009", "111"), encoding="utf-8")
    sop = Sop(db, definitions, FORMS)
    listed = {p["login"]: p for p in sop.json("roles")}
    assert listed["kadis"] == {"login": "kadis", "name": "Ir. Asmawi Alie, MT", "nip": "19641222 198903 1 009",
                               "lanes": ["Kepala Dinas"], "operator": False}
    text = sop("roles")
    assert text.exit_code == 0 and "Nama Baru" not in text.stdout
    assert "differs from the roles version" in text.stderr


def test_unreadable_pinned_roles_name_who_applied_them_and_when(tmp_path: Path) -> None:
    """The roles in force made unreadable: the refusal names the version, who applied it and when (office time)."""
    db, definitions, _ = _two_applies(tmp_path)
    _rewrite(db, "UPDATE roles_events SET people = 'rusak' WHERE seq = 2")
    version = str(_roles_rows(db)[1][3])
    sop = Sop(db, definitions, FORMS)
    before = sop.dump()
    refused = sop("roles")
    assert refused.exit_code == 1 and "internal error" not in refused.output
    assert refused.stderr.startswith(f"Error: The pinned roles of the roles version {version[:12]} pinned in the store "
                                     f"(applied by {ME} at 2026-11-02 12:00:00 WIB) are not readable; the store was "
                                     "altered behind the program's back: run `sop verify`, then `sop roles apply` a "
                                     "good roles file")
    assert sop.dump() == before


def _at_paraf(tmp_path: Path, *, kabid_jabatan: bool) -> tuple[Sop, str, dict[str, object]]:
    """The SOP's instance at the Kepala Bidang's paraf, roles pinned (the clerk an operator; the Kepala Bidang with
    or without a jabatan in the roles applied)."""
    from conftest import EXAMPLES

    definitions, forms = copy_definitions(tmp_path, roles=True)
    people = yaml.safe_load((definitions / "roles.yaml").read_text(encoding="utf-8"))
    people[ME] = {"name": "Petugas TU", "nip": "0", "lanes": ["OPD"], "operator": True}
    if not kabid_jabatan:
        people["kabid.egov"].pop("jabatan")
    (definitions / "roles.yaml").write_text(yaml.safe_dump(people, allow_unicode=True), encoding="utf-8")
    sop = Sop(tmp_path / "s.db", definitions, forms)
    assert sop("roles", "apply").exit_code == 0
    instance = str(sop.start())
    scenario = yaml.safe_load((EXAMPLES / "tunda.scenario.yaml").read_text(encoding="utf-8"))
    for step in scenario["steps"][:6]:
        done = sop("complete", instance, step["task"], "--data", str(EXAMPLES / step["data"]), "--as", step["as"])
        assert done.exit_code == 0, done.output
    return sop, instance, people["kabid.egov"]


def test_a_paraf_left_without_jabatan_takes_it_from_the_pinned_roles(tmp_path: Path) -> None:
    """The paraf's signer name, NIP and jabatan left out are filled from the Kepala Bidang's entry in the roles
    in force (pinned by `sop roles apply`)."""
    sop, instance, kabid = _at_paraf(tmp_path, kabid_jabatan=True)
    done = sop("complete", instance, "ParafKabid", "--set", "tanggal=2026-12-03", "--set", "diparaf=true",
               "--as", "kabid.egov")
    assert done.exit_code == 0, done.output
    [event] = [e for e in sop.json("history", instance) if e["task"] == "ParafKabid"]
    assert event["data"]["pemaraf"] == {"nama": kabid["name"], "nip": kabid["nip"], "jabatan": kabid["jabatan"]}


def test_a_paraf_whose_signer_has_no_jabatan_in_force_asks_for_it(tmp_path: Path) -> None:
    """The Kepala Bidang's pinned entry has no jabatan: a paraf left without one is refused, naming the field, and
    nothing is saved; given, it completes."""
    sop, instance, _ = _at_paraf(tmp_path, kabid_jabatan=False)
    before = sop.dump()
    refused = sop("complete", instance, "ParafKabid", "--set", "tanggal=2026-12-03", "--set", "diparaf=true",
                  "--as", "kabid.egov")
    assert refused.exit_code == 1 and "Jabatan (pemaraf.jabatan): is required; fill it in" in refused.stderr
    assert sop.dump() == before
    done = sop("complete", instance, "ParafKabid", "--set", "tanggal=2026-12-03", "--set", "diparaf=true",
               "--set", "pemaraf.jabatan=Plt. Kepala Bidang", "--as", "kabid.egov")
    assert done.exit_code == 0, done.output


def test_the_roles_version_is_the_hash_of_the_people_as_the_file_gives_them(tmp_path: Path) -> None:
    """The version `sop roles apply` pins is sha256 of the canonical JSON of every person's name, NIP, lanes,
    operator flag and jabatan (left out when the file gives none): an auditor recomputes it from the file alone."""
    import hashlib

    db, definitions, _ = _two_applies(tmp_path)
    people = yaml.safe_load((definitions / "roles.yaml").read_text(encoding="utf-8"))
    expected = {login: {"name": str(p.get("name", login)), "nip": str(p.get("nip", "")), "lanes": p["lanes"],
                        "operator": bool(p.get("operator", False)), **({"jabatan": p["jabatan"]} if p.get("jabatan")
                                                                        else {})}
                for login, p in people.items()}
    text = json.dumps(expected, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert str(_roles_rows(db)[1][3]) == hashlib.sha256(text.encode("utf-8")).hexdigest()
    assert "jabatan" not in expected[ME] and "jabatan" in expected["kadis"]
