"""Tests for claims: one person of a lane takes a ready task, the others see who and cannot complete it; the
claimer or an operator releases it; each is an audited event that replay and verify check."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
import yaml
from conftest import DATA, DEFINITIONS, EXAMPLES, FORMS, Sop, copy_definitions

from engine import Engine, TaskStateError
from engine.common.errors import RoleError
from engine.common.identity import os_login
from engine.definitions.roles import load_roles
from engine.ops.scenarios import load_scenario

SHIPPED = load_roles(DEFINITIONS / "roles.yaml")
LETTER = load_scenario(EXAMPLES / "pasang.scenario.yaml").steps[0]["data"]
ME = os_login()


def engine_as(db: str, login: str) -> Engine:
    """An engine on one store with the shipped roles file, as if `login` ran the command (OPD lane: opd.dinkes
    and the clerk tu.umum, an operator)."""
    return Engine(db, definitions_dir=DEFINITIONS, forms_dir=FORMS, operator=login, roles=SHIPPED)


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A store of each kind with the roles pinned (not created yet for PostgreSQL's fresh database)."""
    location = str(tmp_path / "sop.db") if request.param == "sqlite" else str(request.getfixturevalue("pg_url"))
    engine_as(location, "tu.umum").people.apply_roles()
    return location


def verified(engine: Engine) -> list[str]:
    """The problems `sop verify` finds in the store (none: [])."""
    return [p.message for v in engine.audit.verify() for p in v.problems]


def test_a_claim_shows_on_the_ready_row_and_in_the_history(db: str) -> None:
    """opd.dinkes takes the letter step: the ready row says who and since when, history records it, verify passes."""
    opd = engine_as(db, "opd.dinkes")
    instance = opd.instances.start("interkoneksi_data_baru").instance
    view = opd.instance(instance).claim("AjukanPermohonan")
    assert view.claimed_by == "opd.dinkes" and view.claimed_at is not None
    assert opd.instances.tasks(instance=instance)[0].claimed_by == "opd.dinkes"
    assert opd.instances.tasks(instance=instance)[0].to_json()["claimed_at"] == view.claimed_at
    assert opd.instance(instance).claim("AjukanPermohonan") == view  # claiming again records nothing
    rows, events = opd.instance(instance).history()
    assert [e.type for e in events] == ["instance-started", "task-claimed"]
    assert rows[1].summary == "(claimed: taken by its actor)" and events[1].actor == "opd.dinkes"
    assert verified(opd) == []


def test_only_the_claimer_completes_a_claimed_task(db: str) -> None:
    """The clerk may not complete or take the step opd.dinkes claimed (told who and since when, nothing changes);
    recording it --as opd.dinkes is fine, and verify passes afterwards."""
    opd, clerk = engine_as(db, "opd.dinkes"), engine_as(db, "tu.umum")
    instance = opd.instances.start("interkoneksi_data_baru").instance
    since = opd.instance(instance).claim("AjukanPermohonan").claimed_at
    before = clerk.instance(instance).show()
    with pytest.raises(TaskStateError, match=f"is claimed by opd.dinkes since {since}: only they may complete it"):
        clerk.instance(instance).complete("AjukanPermohonan", LETTER)
    with pytest.raises(TaskStateError, match=f"is claimed by opd.dinkes since {since}; they or an operator"):
        clerk.instance(instance).claim("AjukanPermohonan")
    assert clerk.instance(instance).show() == before
    done = clerk.instance(instance).complete("AjukanPermohonan", LETTER, actor="opd.dinkes")
    assert done.instance.tasks[0].task == "DisposisiKadis" and done.instance.tasks[0].claimed_by is None
    assert verified(clerk) == []


def test_the_claimer_or_an_operator_releases(db: str) -> None:
    """kadis (not in the lane, no operator) may neither take nor release the OPD's step; the clerk releases
    opd.dinkes's claim, then takes it and completes it; verify passes."""
    opd, clerk, kadis = engine_as(db, "opd.dinkes"), engine_as(db, "tu.umum"), engine_as(db, "kadis")
    instance = opd.instances.start("interkoneksi_data_baru").instance
    with pytest.raises(RoleError, match="is in lane 'OPD', and kadis"):
        kadis.instance(instance).claim("AjukanPermohonan")
    with pytest.raises(TaskStateError, match="is not claimed by anyone"):
        opd.instance(instance).release("AjukanPermohonan")
    opd.instance(instance).claim("AjukanPermohonan")
    with pytest.raises(RoleError, match=r"'kadis' may not release .*only they or an operator may"):
        kadis.instance(instance).release("AjukanPermohonan")
    assert clerk.instance(instance).release("AjukanPermohonan").claimed_by is None
    assert clerk.instance(instance).claim("AjukanPermohonan").claimed_by == "tu.umum"
    clerk.instance(instance).complete("AjukanPermohonan", LETTER)
    types = [e.type for e in clerk.instance(instance).history()[1]]
    assert types == ["instance-started", "task-claimed", "task-released", "task-claimed", "task-completed"]
    assert verified(clerk) == []


def test_verify_names_a_tampered_claim(tmp_path: Path) -> None:
    """A claimed_by written behind the program's back is named by verify, table and column, with both values."""
    db = str(tmp_path / "sop.db")
    engine_as(db, "tu.umum").people.apply_roles()
    opd = engine_as(db, "opd.dinkes")
    instance = opd.instances.start("interkoneksi_data_baru").instance
    opd.instance(instance).claim("AjukanPermohonan")
    conn = sqlite3.connect(db)
    conn.execute("UPDATE ready_tasks SET claimed_by = 'kadis'")
    conn.commit()
    conn.close()
    assert any("table ready_tasks, column claimed_by of 'AjukanPermohonan'" in p and "expected 'opd.dinkes', found "
               "'kadis'" in p for p in verified(opd))


@pytest.mark.parametrize(("claims", "forged", "actor", "says"), [
    ((), "task-released", "tu.umum", "replay: event 2 (task-released AjukanPermohonan): nobody had claimed the task"),
    (("opd.dinkes",), "task-claimed", "tu.umum",
     "replay: event 3 (task-claimed AjukanPermohonan): opd.dinkes had claimed the task already"),
    ((), "task-claimed", "kadis", "'kadis' claimed a step of lane 'OPD' holding only Kepala Dinas"),
])
def test_verify_refuses_a_claim_that_could_not_happen(tmp_path: Path, claims: tuple[str, ...], forged: str,
                                                      actor: str, says: str) -> None:
    """An event appended with a valid hash but impossible (releasing an unclaimed task, taking a taken one, a claim
    outside the claimer's lane) is named by verify at that event."""
    from engine.audit.chain import sealed
    from engine.store.protocol import EventRow

    db = str(tmp_path / "sop.db")
    engine_as(db, "tu.umum").people.apply_roles()
    opd = engine_as(db, "opd.dinkes")
    instance = opd.instances.start("interkoneksi_data_baru").instance
    for login in claims:
        engine_as(db, login).instance(instance).claim("AjukanPermohonan")
    row = opd.instance(instance).row()
    task = opd.instances.tasks(instance=instance)[0]
    event = sealed(row.last_hash, EventRow(instance, row.last_seq + 1, forged, "2027-01-01T00:00:00.000Z",
                                           task.task, task.id, actor, actor, row.version, "", ""), {})
    conn = sqlite3.connect(db)
    conn.execute("INSERT INTO events VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", tuple(event))
    conn.execute("UPDATE instances SET last_seq = ?, last_hash = ? WHERE id = ?", (event.seq, event.hash, instance))
    conn.commit()
    conn.close()
    assert any(says in p for p in verified(opd))


def roles_sop(tmp_path: Path) -> Sop:
    """A CLI on the real definitions whose roles file adds this OS account to the OPD lane, pinned in the store."""
    definitions, forms = copy_definitions(tmp_path, roles=True)
    people = yaml.safe_load((definitions / "roles.yaml").read_text(encoding="utf-8"))
    people[ME] = {"name": "Penguji", "lanes": ["OPD"]}
    (definitions / "roles.yaml").write_text(yaml.safe_dump(people, allow_unicode=True), encoding="utf-8")
    sop = Sop(tmp_path / "sop.db", definitions, forms)
    Engine(str(sop.db), definitions_dir=definitions, forms_dir=forms, operator="tu.umum",  # its operator applies
           roles=definitions / "roles.yaml").people.apply_roles()
    return sop


def test_claim_and_release_through_the_cli(tmp_path: Path) -> None:
    """`sop claim` and `sop release` print the task; someone else's claim refuses `sop complete` with exit 1."""
    sop = roles_sop(tmp_path)
    instance = str(sop.start())
    claimed = sop.json("claim", instance, "AjukanPermohonan")
    assert claimed["claimed_by"] == ME and claimed["task"] == "AjukanPermohonan"
    assert sop.json("tasks")[0]["claimed_by"] == ME
    assert f"'AjukanPermohonan' is claimed by {ME} since " in sop("show", instance, "--audit").stdout
    assert " - taken by Penguji" in sop("show", instance).stdout  # by name, as the roles give it
    released = sop("release", instance, "AjukanPermohonan")
    assert released.exit_code == 0 and "is released; anyone of lane 'OPD' may take it" in released.stderr
    said = sop("claim", instance, "AjukanPermohonan", "--as", "opd.dinkes")
    assert said.exit_code == 1 and "may not act on behalf of 'opd.dinkes'" in said.stderr
    assert sop("claim", instance, "AjukanPermohonan").exit_code == 0
    history = sop("history", instance)
    assert "(claimed: taken by its actor)" in history.stdout and "(claim released)" in history.stdout
    result = sop("complete", instance, "AjukanPermohonan", "--data", str(DATA / "01_surat_permohonan.yaml"))
    assert result.exit_code == 0  # the claimer completes it
    assert sop("verify").exit_code == 0
    assert sop("export", instance, "-o", str(tmp_path / "bundle.json")).exit_code == 0
    assert sop("verify", "--bundle", str(tmp_path / "bundle.json")).exit_code == 0


def test_a_step_completed_meanwhile_names_who_completed_it(db: str) -> None:
    """Two people of one lane submit the same step: the second is told who completed it and when."""
    opd, clerk = engine_as(db, "opd.dinkes"), engine_as(db, "tu.umum")
    instance = opd.instances.start("interkoneksi_data_baru").instance
    assert (
        clerk.instances.tasks(instance=instance)[0].task == "AjukanPermohonan"
    )  # the clerk's page still shows the step
    opd.instance(instance).complete("AjukanPermohonan", LETTER)
    at = opd.instance(instance).history()[1][-1].time
    with pytest.raises(TaskStateError, match=f"'AjukanPermohonan' of instance {instance} was already completed "
                                             rf"\(event 2 by opd.dinkes at {at}\)"):
        clerk.instance(instance).complete("AjukanPermohonan", LETTER)


def test_an_older_postgresql_store_reads_unclaimed_and_upgrades_on_its_first_write(pg_url: str) -> None:
    """A PostgreSQL store at schema 3 (before accounts) lists its tasks unclaimed; the first claim upgrades it."""
    import psycopg

    from engine.store.pg_schema import SCHEMA_VERSION

    engine = engine_as(pg_url, "opd.dinkes")
    instance = engine.instances.start("interkoneksi_data_baru").instance
    engine.close()
    with psycopg.connect(pg_url, autocommit=True) as conn:
        for statement in ("DROP TABLE drafts", "DROP TABLE login_failures", "DROP TABLE accounts",
                          "ALTER TABLE ready_tasks DROP COLUMN claimed_by",
                          "ALTER TABLE ready_tasks DROP COLUMN claimed_at", "UPDATE sop_schema SET version = 3"):
            conn.execute(statement)
    reader = engine_as(pg_url, "opd.dinkes")
    assert (
        reader.context.store().schema_version() == 3 and reader.instances.tasks(instance=instance)[0].claimed_by is None
    )
    assert reader.context.store().account("opd.dinkes") is None
    assert reader.instance(instance).claim("AjukanPermohonan").claimed_by == "opd.dinkes"
    assert reader.context.store().schema_version() == SCHEMA_VERSION and verified(reader) == []


def test_an_operators_own_claim_does_not_stop_them_recording_for_the_lane(db: str) -> None:
    """The clerk takes the OPD's letter and records it for opd.dinkes: completed, the OPD as actor; while the
    clerk holds it, the OPD itself is refused, naming the clerk; the engine says whom each may act as."""
    clerk, opd = engine_as(db, "tu.umum"), engine_as(db, "opd.dinkes")
    instance = clerk.instances.start("interkoneksi_data_baru", actor="opd.dinkes").instance  # for the OPD
    assert clerk.instance(instance).acting_choices("AjukanPermohonan") == ("tu.umum", "opd.dinkes")
    assert engine_as(db, "kadis").instance(instance).acting_choices("AjukanPermohonan") == ()
    clerk.instance(instance).claim("AjukanPermohonan")
    assert opd.instance(instance).acting_choices("AjukanPermohonan") == ()
    with pytest.raises(TaskStateError, match=r"claimed by tu\.umum"):
        opd.instance(instance).complete("AjukanPermohonan", LETTER)
    clerk.instance(instance).complete("AjukanPermohonan", LETTER, actor="opd.dinkes")
    rows, _ = clerk.instance(instance).history()
    assert (rows[-1].type, rows[-1].actor, rows[-1].operator) == ("task-completed", "opd.dinkes", "tu.umum")
    assert clerk.instance(instance).acting_choices("DisposisiKadis") == ("kadis",)  # the clerk is not of that lane
    assert verified(clerk) == []
