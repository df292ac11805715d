"""Tests for delegations (Plh./Plt.): while an official is away another acts in their lanes, only inside the period,
signed as such in the history, the documents and the bundle; every refusal changes nothing; verify sees an edit."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml
from conftest import DATA, DEFINITIONS, EXAMPLES, FORMS, Sop, copy_definitions

from engine import Engine, EngineError, Person, RoleError, ValidationError, verify_bundle
from engine.common.identity import os_login
from engine.definitions.roles import load_roles
from engine.ops.scenarios import load_scenario

SHIPPED = load_roles(DEFINITIONS / "roles.yaml")
PASANG = load_scenario(EXAMPLES / "pasang.scenario.yaml")
LETTER, DISPOSISI = PASANG.steps[0], PASANG.steps[1]  # the OPD's letter, then the Kepala Dinas's disposition
ME = os_login()
WIB = ZoneInfo("Asia/Jakarta")
KADIS = "Plh. Kepala Dinas Komunikasi, Informatika dan Statistik"


class Clock:
    """A clock the test moves (the engine's clock override), in the store's time format."""

    def __init__(self, now: str) -> None:
        self.now = now

    def __call__(self) -> str:
        return self.now


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A store of each kind with the shipped roles pinned by the clerk."""
    location = str(tmp_path / "sop.db") if request.param == "sqlite" else str(request.getfixturevalue("pg_url"))
    # pinned before every moment the tests set their clocks to (a roles event is never dated before the last one)
    Engine(location, definitions_dir=DEFINITIONS, forms_dir=FORMS, operator="tu.umum", roles=SHIPPED,
           clock=Clock("2026-11-01T00:00:00.000Z")).people.apply_roles()
    return location


def engine_as(db: str, login: str, clock: Clock) -> Engine:
    """An engine as `login` ran the command, on the test's clock."""
    return Engine(db, definitions_dir=DEFINITIONS, forms_dir=FORMS, operator=login, roles=SHIPPED, clock=clock)


def at_disposition(db: str, clock: Clock) -> int:
    """An instance whose ready step is the Kepala Dinas's disposition (lane Kepala Dinas)."""
    clerk = engine_as(db, "tu.umum", clock)
    instance = clerk.instances.start(PASANG.process, actor="opd.dinkes").instance
    clerk.instance(instance).complete(LETTER["task"], LETTER["data"], actor="opd.dinkes")
    return instance


def problems(engine: Engine) -> list[str]:
    """What `sop verify` finds in the whole store."""
    return [p.message for v in engine.audit.verify() for p in v.problems]


def test_the_taker_acts_only_inside_the_period_exact_on_the_office_clock(db: str) -> None:
    """kadis hands the lanes to the Sekretaris for 9-10 December (WIB): on 8 December 23:59 WIB and from 11 December
    00:00 WIB the Sekretaris is refused, nothing changing; at 9 December 00:00 WIB the disposition is theirs."""
    clock = Clock("2026-12-08T01:00:00.000Z")
    instance = at_disposition(db, clock)
    made = engine_as(db, "kadis", clock).people.delegate("kadis", "sekretaris", start="2026-12-09",
                                                         until="2026-12-10")
    assert (made.start, made.until) == ("2026-12-08T17:00:00.000Z", "2026-12-10T17:00:00.000Z")
    sekretaris = engine_as(db, "sekretaris", clock)
    for moment in ("2026-12-08T16:59:59.999Z", "2026-12-10T17:00:00.000Z"):
        clock.now = moment
        before = sekretaris.instance(instance).show()
        with pytest.raises(RoleError, match="is in lane 'Kepala Dinas', and sekretaris"):
            sekretaris.instance(instance).complete(DISPOSISI["task"], DISPOSISI["data"])
        assert sekretaris.instance(instance).show() == before
        assert engine_as(db, "sekretaris", clock).people.my_lanes() == ()
    clock.now = "2026-12-08T17:00:00.000Z"
    assert engine_as(db, "sekretaris", clock).people.my_lanes() == ("Kepala Dinas",)
    assert engine_as(db, "sekretaris", clock).instance(instance).acting_choices(DISPOSISI["task"]) == ("sekretaris",)
    done = engine_as(db, "sekretaris", clock).instance(instance).complete(DISPOSISI["task"], DISPOSISI["data"])
    assert done.completed_task == DISPOSISI["task"]
    rows, _ = sekretaris.instance(instance).history()
    assert [(r.actor, r.acting_as) for r in rows if r.type == "task-completed"] == \
        [("opd.dinkes", ""), ("sekretaris", KADIS)]
    assert problems(sekretaris) == []


def test_an_early_end_stops_it_and_the_list_shows_what_is_in_force(db: str) -> None:
    """The list shows a delegation in force and one planned; ended early, the first is gone from the list and
    its taker is refused from that moment."""
    clock = Clock("2026-12-08T01:00:00.000Z")
    instance = at_disposition(db, clock)
    clerk = engine_as(db, "tu.umum", clock)
    first = clerk.people.delegate("kadis", "sekretaris", start="2026-12-08", until="2026-12-09", kind="plt")
    later = clerk.people.delegate("kabid.egov", "kasi.infra", start="2026-12-20", until="2026-12-21")
    assert [d.seq for d in clerk.people.delegations()] == [first.seq, later.seq]
    clock.now = "2026-12-08T02:00:00.000Z"
    ended = engine_as(db, "kadis", clock).people.end_delegation(first.seq)
    assert ended.ended == "2026-12-08T02:00:00.000Z" and ended.ended_by == "kadis"
    assert [d.seq for d in clerk.people.delegations()] == [later.seq]
    with pytest.raises(RoleError, match="is in lane 'Kepala Dinas', and sekretaris"):
        engine_as(db, "sekretaris", clock).instance(instance).complete(DISPOSISI["task"], DISPOSISI["data"])
    with pytest.raises(RoleError, match="is over already"):
        clerk.people.end_delegation(first.seq)


REFUSALS = [
    ("tu.umum", ("kadis", "kadis"), {}, "cannot delegate to themself"),
    ("tu.umum", ("kadis", "nobody"), {}, "'nobody' is not in"),
    ("tu.umum", ("kadis", "pemeriksa"), {}, "'pemeriksa' is an auditor"),
    ("sekretaris", ("kadis", "kabid.egov"), {}, "only an operator delegates for someone else"),
    ("tu.umum", ("kabid.egov", "kadis"), {}, "this would be a cycle"),
    ("tu.umum", ("kadis", "kasi.infra"), {}, "a lane goes to one person at a time"),
    ("tu.umum", ("kadis", "kasi.infra"), {"start": "2026-12-01", "until": "2026-12-07"}, "lies in the past"),
    ("tu.umum", ("kadis", "kasi.infra"), {"start": "2026-12-07", "until": "2026-12-09"}, "lies in the past"),
    ("tu.umum", ("kasi.infra", "kadis"), {"start": "2026-12-12", "until": "2026-12-11"}, "end .* before it starts"),
    ("tu.umum", ("kasi.infra", "kadis"), {"start": "12/12/2026"}, "is not a date"),
    ("tu.umum", ("kasi.infra", "kadis"), {"lane": "Kepala Dinas"}, "does not hold lane 'Kepala Dinas'"),
    ("tu.umum", ("kasi.infra", "kadis"), {"process": "tidak_ada"}, "'tidak_ada' is no process of the definitions"),
]


@pytest.mark.parametrize(("who", "people", "given", "refusal"), REFUSALS)
def test_each_refusal_names_the_reason_and_changes_nothing(tmp_path: Path, who: str, people: tuple[str, str],
                                                           given: dict[str, str], refusal: str) -> None:
    """With kadis -> kabid.egov in force 8-10 December: oneself, an unknown login, someone else's lanes without
    being an operator, the reverse (a cycle), kadis's lane to a second person, a past period, an end before the
    start, a date that is none and a lane the giver lacks are refused, and the store is unchanged."""
    db = str(tmp_path / "sop.db")
    clock = Clock("2026-12-08T01:00:00.000Z")
    roles = SHIPPED._replace(people={**SHIPPED.people, "pemeriksa": Person("pemeriksa", "Inspektur", "", (),
                                                                           auditor=True)})
    clerk = Engine(db, definitions_dir=DEFINITIONS, forms_dir=FORMS, operator="tu.umum", roles=roles, clock=clock)
    clerk.people.apply_roles()
    clerk.people.delegate("kadis", "kabid.egov", start="2026-12-08", until="2026-12-10")
    before = Sop(tmp_path / "sop.db").dump()
    options = {"start": "2026-12-09", "until": "2026-12-09", **given}
    with pytest.raises((RoleError, ValidationError), match=refusal):
        Engine(db, definitions_dir=DEFINITIONS, forms_dir=FORMS, operator=who, roles=roles, clock=clock).people \
            .delegate(*people, **options)
    assert Sop(tmp_path / "sop.db").dump() == before


def test_a_lane_limited_delegation_leaves_the_other_lanes_and_a_process_limit_other_processes(tmp_path: Path) -> None:
    """Two delegations of kadis's only lane in one period but different processes are not a clash; a delegation
    limited to another process does not let the taker complete this one."""
    definitions, forms = copy_definitions(tmp_path)
    other = (definitions / "interkoneksi_data_baru.bpmn").read_text(encoding="utf-8")
    (definitions / "lain.bpmn").write_text(other.replace('id="interkoneksi_data_baru"', 'id="lain"'), encoding="utf-8")
    db = str(tmp_path / "sop.db")
    clock = Clock("2026-12-08T01:00:00.000Z")
    instance = at_disposition_fresh(db, clock)
    clerk = Engine(db, definitions_dir=definitions, forms_dir=forms, operator="tu.umum", roles=SHIPPED, clock=clock)
    clerk.people.delegate("kadis", "sekretaris", start="2026-12-08", until="2026-12-08", process="lain")
    clerk.people.delegate("kadis", "kabid.egov", start="2026-12-08", until="2026-12-08", process=PASANG.process,
                          lane="Kepala Dinas")
    with pytest.raises(RoleError, match="is in lane 'Kepala Dinas', and sekretaris"):
        engine_as(db, "sekretaris", clock).instance(instance).complete(DISPOSISI["task"], DISPOSISI["data"])
    engine_as(db, "kabid.egov", clock).instance(instance).complete(DISPOSISI["task"], DISPOSISI["data"])


def at_disposition_fresh(db: str, clock: Clock) -> int:
    """A SQLite store with the roles pinned and an instance at the disposition."""
    engine_as(db, "tu.umum", clock).people.apply_roles()
    return at_disposition(db, clock)


def test_verify_fails_after_a_delegation_row_is_edited(tmp_path: Path) -> None:
    """Widening a delegation behind the program's back (its until moved on in the store) is a hash mismatch of
    the roles log, and the edited bundle of an act done under it fails `sop verify --bundle`."""
    db = str(tmp_path / "sop.db")
    clock = Clock("2026-12-08T01:00:00.000Z")
    instance = at_disposition_fresh(db, clock)
    made = engine_as(db, "tu.umum", clock).people.delegate("kadis", "sekretaris", start="2026-12-08",
                                                           until="2026-12-08")
    engine_as(db, "sekretaris", clock).instance(instance).complete(DISPOSISI["task"], DISPOSISI["data"])
    bundle = tmp_path / "bundle.json"
    engine_as(db, "tu.umum", clock).instance(instance).export(str(bundle))
    exported = json.loads(bundle.read_text(encoding="utf-8"))
    assert exported["delegations"]["acts"] == [{"event": 3, "delegation": made.seq, "acting_as": KADIS}]
    assert verify_bundle(str(bundle)).problems == []
    exported["delegations"]["roles_events"][0]["source"] = exported["delegations"]["roles_events"][0]["source"] \
        .replace(made.until, "2027-12-08T17:00:00.000Z")
    bundle.write_text(json.dumps(exported), encoding="utf-8")
    assert any("the delegation was altered" in p.message for p in verify_bundle(str(bundle)).problems)
    assert problems(engine_as(db, "tu.umum", clock)) == []
    with sqlite3.connect(db) as conn:
        conn.execute("DROP TRIGGER roles_events_no_update")
        conn.execute("UPDATE roles_events SET source = replace(source, ?, '2027-12-08T17:00:00.000Z') WHERE seq = ?",
                     (made.until, made.seq))
    found = problems(engine_as(db, "tu.umum", clock))
    assert any(f"roles event {made.seq} " in p and "hash mismatch" in p for p in found), found


def test_an_unreadable_delegation_row_is_named_by_verify(tmp_path: Path) -> None:
    """A delegation row whose facts were garbled (and its hash made to match) is named, not silently skipped."""
    from engine.common.canonical import chain_hash
    from engine.definitions.roles_pinning import roles_body
    from engine.store.protocol import RolesEventRow

    db = str(tmp_path / "sop.db")
    clock = Clock("2026-12-08T01:00:00.000Z")
    engine_as(db, "tu.umum", clock).people.apply_roles()
    made = engine_as(db, "tu.umum", clock).people.delegate("kadis", "sekretaris", start="2026-12-08",
                                                           until="2026-12-08")
    with sqlite3.connect(db) as conn:
        first = RolesEventRow(*conn.execute("SELECT seq, time, actor, version, source, people, hash FROM "
                                            "roles_events WHERE seq = 1").fetchone())
        row = RolesEventRow(*conn.execute("SELECT seq, time, actor, version, source, people, hash FROM roles_events "
                                          "WHERE seq = ?", (made.seq,)).fetchone())
        row = row._replace(source="delegation: {\"from\": \"kadis\"}")
        row = row._replace(hash=chain_hash(first.hash, roles_body(row, json.loads(row.people))))
        conn.execute("DROP TRIGGER roles_events_no_update")
        conn.execute("UPDATE roles_events SET source = ?, hash = ? WHERE seq = ?", (row.source, row.hash, row.seq))
    assert any("its delegation is not readable" in p for p in problems(engine_as(db, "tu.umum", clock)))


def roles_sop(tmp_path: Path) -> Sop:
    """A CLI on the real definitions with this OS account added as an operator, the roles pinned."""
    definitions, forms = copy_definitions(tmp_path, roles=True)
    people = yaml.safe_load((definitions / "roles.yaml").read_text(encoding="utf-8"))
    people[ME] = {"name": "Petugas Uji", "lanes": [], "operator": True}
    (definitions / "roles.yaml").write_text(yaml.safe_dump(people, allow_unicode=True), encoding="utf-8")
    sop = Sop(tmp_path / "sop.db", definitions, forms)
    assert sop("roles", "apply").exit_code == 0
    return sop


def test_the_cli_delegates_then_the_taker_completes_and_the_history_says_plh(tmp_path: Path,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """`sop delegate` (today to tomorrow, office time), `--list --json`; the Sekretaris then completes the
    disposition and `sop history` and the instance picture say "Plh. Kepala Dinas ..."; `--end` ends it."""
    monkeypatch.setenv("SOP_LANG", "id")
    sop = roles_sop(tmp_path)
    today = datetime.now(WIB).date()
    tomorrow = today + timedelta(days=1)
    said = sop("delegate", "kadis", "sekretaris", "--from", today.isoformat(), "--until", tomorrow.isoformat())
    assert said.exit_code == 0, said.output
    assert "Hendra Saputra, S.Sos, M.Si (sekretaris)" in said.stderr
    listed = sop.json("delegate", "--list")
    assert [(d["from"], d["to"], d["kind"], d["process"], d["lane"]) for d in listed] == \
        [("kadis", "sekretaris", "plh", "", "")]
    instance = sop.start()
    assert sop("complete", str(instance), LETTER["task"], "--as", "opd.dinkes", "--data",
               str(DATA / "01_surat_permohonan.yaml")).exit_code == 0
    done = sop("complete", str(instance), DISPOSISI["task"], "--as", "sekretaris", "--data",
               str(DATA / "02_disposisi_kadis.yaml"))
    assert done.exit_code == 0, done.output
    history = sop("history", str(instance))
    assert f"{KADIS}: Hendra Saputra, S.Sos, M.Si (Sekretaris Dinas)" in history.stdout
    assert [e["acting_as"] for e in sop.json("history", str(instance))][-1] == KADIS
    assert sop("diagram", str(instance), "-o", str(tmp_path / "picture.html")).exit_code == 0
    assert f"{KADIS}: sekretaris" in (tmp_path / "picture.html").read_text(encoding="utf-8")
    ended = sop("delegate", "--end", str(listed[0]["id"]))
    assert ended.exit_code == 0 and sop.json("delegate", "--list") == []
    assert sop("verify").exit_code == 0


def test_the_cli_refuses_with_the_reason_and_changes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A delegation to oneself, and a period in the past, are refused with exit 1 and the reason; nothing changes;
    --json carries the refusal."""
    monkeypatch.setenv("SOP_LANG", "en")
    sop = roles_sop(tmp_path)
    before = sop.dump()
    today = datetime.now(WIB).date().isoformat()
    refused = sop("delegate", "kadis", "kadis", "--from", today, "--until", today)
    assert refused.exit_code == 1 and "'kadis' cannot delegate to themself" in refused.stderr
    past = sop("delegate", "kadis", "sekretaris", "--from", "2020-01-01", "--until", "2020-01-02", "--json")
    assert past.exit_code == 1 and "lies in the past" in past.output and '"refusal"' in past.output
    usage = sop("delegate", "--list", "kadis")
    assert usage.exit_code == 2 and "--list and --end take no FROM" in usage.output
    assert sop.dump() == before


def test_the_task_page_signs_the_earlier_step_done_under_a_delegation(tmp_path: Path) -> None:
    """The Kepala Bidang's task page shows the disposition the Sekretaris made as Plh. of the Kepala Dinas."""
    from web_fixtures import engine_as as web_engine
    from web_fixtures import logged_in, make_app, office

    paths = office(tmp_path)
    clerk = web_engine(paths, "tu.umum")
    today = datetime.now(WIB).date().isoformat()
    clerk.people.delegate("kadis", "sekretaris", start=today, until=today)
    instance = clerk.instances.start(PASANG.process, actor="opd.dinkes").instance
    clerk.instance(instance).complete(LETTER["task"], LETTER["data"], actor="opd.dinkes")
    acting = logged_in(make_app(paths), "sekretaris")
    assert f'data-task="{DISPOSISI["task"]}" data-instance="{instance}"' in acting.get("/").get_data(as_text=True)
    form = acting.get(f"/instances/{instance}/tasks/{DISPOSISI['task']}").get_data(as_text=True)
    assert 'id="complete"' in form  # the step is theirs to complete: the form opens editable
    other = logged_in(make_app(paths), "kasi.infra").get(f"/instances/{instance}/tasks/{DISPOSISI['task']}")
    assert 'id="complete"' not in other.get_data(as_text=True)  # not for someone with no delegation
    web_engine(paths, "sekretaris").instance(instance).complete(DISPOSISI["task"], DISPOSISI["data"])
    next_task = clerk.instance(instance).show().tasks[0].task
    client = logged_in(make_app(paths), "kabid.egov")
    page = client.get(f"/instances/{instance}/tasks/{next_task}").get_data(as_text=True)
    assert f"{KADIS}: Hendra Saputra, S.Sos, M.Si (Sekretaris Dinas)" in page
    history = client.get(f"/instances/{instance}").get_data(as_text=True)
    assert f"{KADIS}: Hendra Saputra, S.Sos, M.Si (Sekretaris Dinas)" in history


def test_a_store_without_delegations_verifies_as_before(db: str) -> None:
    """Roles applied twice, no delegation: the roles log verifies and the version in force is the applied one."""
    clock = Clock("2026-12-08T01:00:00.000Z")
    clerk = engine_as(db, "tu.umum", clock)
    assert clerk.people.delegations() == ()
    made = clerk.people.delegate("kadis", "sekretaris", start="2026-12-08", until="2026-12-08")
    applied = clerk.people.apply_roles()
    assert not applied.changed and applied.event.seq == made.seq  # the people in force are unchanged by it
    assert problems(clerk) == []


def test_only_a_store_with_pinned_roles_takes_a_delegation(tmp_path: Path) -> None:
    """Before `sop roles apply` there is no roles log to record a delegation in: refused, saying what to do."""
    clock = Clock("2026-12-08T01:00:00.000Z")
    engine = engine_as(str(tmp_path / "sop.db"), "tu.umum", clock)
    engine.context.store(create=True)
    with pytest.raises(EngineError, match="pin the roles file first"):
        engine.people.delegate("kadis", "sekretaris", start="2026-12-08", until="2026-12-08")


@pytest.mark.parametrize("language", ["id", "en"])
def test_the_web_page_adds_lists_and_ends_a_delegation(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                       language: str) -> None:
    """The clerk (an operator) hands kadis's lanes to the Sekretaris from the page: it is listed by name and jabatan
    with dates in words; a refusal (to oneself) keeps what was typed and changes nothing; "End now" ends it."""
    from web_fixtures import logged_in, make_app, office, post

    monkeypatch.setenv("SOP_LANG", language)
    paths = office(tmp_path)
    client = logged_in(make_app(paths), "tu.umum")
    today = datetime.now(WIB).date()
    page = client.get("/delegations").get_data(as_text=True)
    assert ("Tidak ada pelimpahan" if language == "id" else "No delegation is in force or planned.") in page
    refused = post(client, "/delegations", {"giver": "kadis", "taker": "kadis", "start": today.isoformat(),
                                            "until": today.isoformat(), "kind": "plt", "lane": "", "process": ""})
    text = refused.get_data(as_text=True)
    assert refused.status_code == 400 and 'id="delegation-problem"' in text
    assert f'value="{today.isoformat()}"' in text and 'value="plt" checked' in text and "'kadis'" not in text
    assert client.get("/delegations").get_data(as_text=True).count("data-delegation=") == 0
    added = post(client, "/delegations", {"giver": "kadis", "taker": "sekretaris", "start": today.isoformat(),
                                          "until": today.isoformat(), "kind": "plh", "lane": "", "process": ""})
    assert added.status_code == 303
    listed = client.get("/delegations").get_data(as_text=True)
    month = ("Januari Februari Maret April Mei Juni Juli Agustus September Oktober November Desember"
             if language == "id" else
             "January February March April May June July August September October November December").split()
    assert "Hendra Saputra, S.Sos, M.Si (Sekretaris Dinas)" in listed and "Ir. Asmawi Alie, MT" in listed
    assert f"{today.day} {month[today.month - 1]} {today.year}" in listed and "sekretaris<" not in listed
    seq = int(listed.split('data-delegation="')[1].split('"')[0])
    assert post(client, "/delegations/end", {"delegation": str(seq)}).status_code == 303
    assert client.get("/delegations").get_data(as_text=True).count("data-delegation=") == 0


def test_a_person_delegates_only_their_own_lanes_on_the_web(tmp_path: Path) -> None:
    """kadis is offered only themself as the person away; posting someone else's lanes is refused by the engine."""
    from web_fixtures import logged_in, make_app, office, post

    paths = office(tmp_path)
    client = logged_in(make_app(paths), "kadis")
    page = client.get("/delegations").get_data(as_text=True)
    assert 'value="kadis"' in page.split('id="giver"')[1].split("</select>")[0]
    assert 'value="sekretaris"' not in page.split('id="giver"')[1].split("</select>")[0]
    today = datetime.now(WIB).date().isoformat()
    refused = post(client, "/delegations", {"giver": "sekretaris", "taker": "kabid.egov", "start": today,
                                            "until": today, "kind": "plh"})
    assert refused.status_code == 400
    assert client.get("/delegations").get_data(as_text=True).count("data-delegation=") == 0


def test_a_copied_store_keeps_its_delegations_in_force(tmp_path: Path, pg_url: str) -> None:
    """`sop db copy` of a SQLite store with a delegation into PostgreSQL: the same delegation is listed there, its
    taker completes the step there, and the copy verifies (the rows are the roles log's: nothing to migrate)."""
    from engine import copy_store

    db = str(tmp_path / "sop.db")
    clock = Clock("2026-12-08T01:00:00.000Z")
    instance = at_disposition_fresh(db, clock)
    made = engine_as(db, "tu.umum", clock).people.delegate("kadis", "sekretaris", start="2026-12-08",
                                                           until="2026-12-09")
    copy_store(db, pg_url)
    assert engine_as(pg_url, "tu.umum", clock).people.delegations() == (made,)
    engine_as(pg_url, "sekretaris", clock).instance(instance).complete(DISPOSISI["task"], DISPOSISI["data"])
    rows, _ = engine_as(pg_url, "tu.umum", clock).instance(instance).history()
    assert rows[-1].acting_as == KADIS
    assert problems(engine_as(pg_url, "tu.umum", clock)) == []


def test_a_plh_signs_the_letter_as_plh_of_the_kepala_dinas(tmp_path: Path) -> None:
    """The letter's signer block (filled from the person) reads the Sekretaris's name and "Plh. Kepala Dinas ..."
    as jabatan when they sign under the delegation; verify passes."""
    db = str(tmp_path / "sop.db")
    clock = Clock("2026-12-08T01:00:00.000Z")
    engine_as(db, "tu.umum", clock).people.apply_roles()
    clerk = engine_as(db, "tu.umum", clock)
    instance = clerk.instances.start(PASANG.process, actor="opd.dinkes").instance
    signing = next(s for s in PASANG.steps if s["task"] == "TandaTanganKadis")
    for step in PASANG.steps[:PASANG.steps.index(signing)]:
        clerk.instance(instance).complete(step["task"], step["data"], actor=step["as"], attach=step["attach"] or None)
    clerk.people.delegate("kadis", "sekretaris", start="2026-12-08", until="2026-12-08")
    data = {k: v for k, v in signing["data"].items() if k != "penandatangan"}
    engine_as(db, "sekretaris", clock).instance(instance).complete(signing["task"], data)
    _, events = clerk.instance(instance).history()
    signed = json.loads(events[-1].data)["penandatangan"]
    assert signed == {"nama": "Hendra Saputra, S.Sos, M.Si", "jabatan": KADIS, "nip": "19700315 199503 1 004"}
    assert problems(clerk) == []
