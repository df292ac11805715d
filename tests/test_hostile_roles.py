"""Every step has one lane and who may act is part of the record: lane-less steps are refused by lint and load
alike, the roles in force are pinned in the store by `sop roles apply`, and verify checks each completion's lane."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import pytest
from conftest import BEFORE_SCHEMA_6, DATA, FORMS, Sop, copy_definitions

from engine.common.errors import RoleError
from engine.common.identity import os_login
from engine.definitions.roles import Person, Roles, load_roles
from engine.definitions.roles_pinning import roles_version, sealed_roles_event
from engine.service.facade import Engine
from engine.store.protocol import RolesEventRow

BPMN = "interkoneksi_data_baru.bpmn"
REF = "<bpmn:flowNodeRef>DisposisiKadis</bpmn:flowNodeRef>"
ME = os_login()
T0 = "2026-11-02T01:00:00.000Z"


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: str = T0) -> None:
        self.now = now

    def __call__(self) -> str:
        return self.now


@pytest.mark.parametrize("ref", ["", "<bpmn:flowNodeRef>Disposisi<!-- x -->Kadis</bpmn:flowNodeRef>",
                                 "<bpmn:flowNodeRef><!-- x -->DisposisiKadis</bpmn:flowNodeRef>",
                                 "<bpmn:flowNodeRef>Disposisi<?x y?>Kadis</bpmn:flowNodeRef>"],
                         ids=["left-out", "comment-inside", "comment-first", "instruction-inside"])
def test_a_lane_less_step_is_refused_by_lint_and_load_alike(tmp_path: Path, ref: str) -> None:
    """A user task in no lane is a lint error and a load refusal, with the same rule and line; nothing is saved."""
    definitions, forms = copy_definitions(tmp_path)
    path = definitions / BPMN
    path.write_text(path.read_text(encoding="utf-8").replace(REF, ref), encoding="utf-8")
    sop = Sop(tmp_path / "sop.db", definitions, forms)
    linted = sop("lint", str(definitions))
    assert linted.exit_code == 1
    found = re.search(rf"{BPMN}:(\d+): error \[lane-missing\] DisposisiKadis: user task 'DisposisiKadis' is in no "
                      "lane", linted.stdout)
    assert found, linted.stdout
    started = sop("start", "interkoneksi_data_baru")
    assert started.exit_code == 1
    assert started.stderr.startswith("Error: ") and "internal error" not in started.output
    assert f"{BPMN}:{found.group(1)}: user task 'DisposisiKadis' is in no lane" in started.stderr
    assert "(rule lane-missing" in started.stderr
    if "<" in ref.removeprefix("<bpmn:flowNodeRef>")[:-len("</bpmn:flowNodeRef>")]:
        assert "has a comment or other markup inside the id" in linted.stdout
    assert not sop.db.exists()


def _roles_definitions(tmp_path: Path, extra: str = "") -> tuple[Path, Path]:
    """The real definitions with their roles file, and the OS account running the tests as the clerk."""
    definitions, forms = copy_definitions(tmp_path, roles=True)
    roles = definitions / "roles.yaml"
    roles.write_text(roles.read_text(encoding="utf-8") + f"{ME}:\n  lanes: [OPD]\n  operator: true\n" + extra,
                     encoding="utf-8")
    return definitions, forms


def test_roles_apply_pins_the_file_and_a_second_apply_changes_nothing(tmp_path: Path) -> None:
    """`sop roles apply` appends one event naming who applied which version; unchanged content is a no-op."""
    definitions, forms = _roles_definitions(tmp_path)
    sop = Sop(tmp_path / "sop.db", definitions, forms)
    listed = sop("roles")
    assert listed.exit_code == 0 and "not pinned in the store yet" in listed.stderr
    first = sop.json("roles", "apply")
    assert first["changed"] is True and first["seq"] == 1 and first["actor"] == ME
    assert first["version"] == roles_version(load_roles(definitions / "roles.yaml"))
    assert set(first) == {"version", "seq", "changed", "people", "source", "actor", "time", "hash"}
    again = sop("roles", "apply")
    assert again.exit_code == 0 and "is already in force" in again.stdout and "nothing was changed" in again.stdout
    listed = sop("roles")
    assert f"Enforced: the roles version {first['version'][:12]} pinned in the store" in listed.stderr
    assert sop.json("roles")[0]["login"] == "kabid.egov"  # the listing's JSON keeps its keys
    assert "Warning" not in listed.stderr


def test_the_pinned_roles_are_enforced_until_the_changed_file_is_applied(tmp_path: Path) -> None:
    """Once pinned, a changed roles file is not what is enforced: commands say so, and apply enforces it."""
    definitions, forms = _roles_definitions(tmp_path)
    sop = Sop(tmp_path / "sop.db", definitions, forms)
    assert sop("roles", "apply").exit_code == 0
    instance = str(sop.start())
    assert sop("complete", instance, "AjukanPermohonan", "--data", str(DATA / "01_surat_permohonan.yaml"),
               "--as", "opd.dinkes").exit_code == 0
    roles = definitions / "roles.yaml"
    roles.write_text(roles.read_text(encoding="utf-8") + "pengganti:\n  lanes: [Kepala Dinas]\n", encoding="utf-8")
    listed = sop("roles")
    assert "differs from the roles version" in listed.stderr and "run `sop roles apply`" in listed.stderr
    before = sop.dump()
    data = str(DATA / "02_disposisi_kadis.yaml")
    refused = sop("complete", instance, "DisposisiKadis", "--data", data, "--as", "pengganti")
    assert refused.exit_code == 1 and refused.stderr.startswith("Error: ")
    assert "'pengganti' is not in the roles version " in refused.stderr and "pinned in the store" in refused.stderr
    assert sop.dump() == before
    applied = sop.json("roles", "apply")
    assert applied["changed"] is True and applied["seq"] == 2
    done = sop("complete", instance, "DisposisiKadis", "--data", data, "--as", "pengganti")
    assert done.exit_code == 0, done.output
    assert "Warning" not in done.stderr
    assert sop("verify").exit_code == 0


def test_only_an_operator_of_the_roles_in_force_may_change_them(tmp_path: Path) -> None:
    """Someone who is no operator in the pinned version cannot apply another; the store is unchanged."""
    definitions, forms = copy_definitions(tmp_path, roles=True)
    sop = Sop(tmp_path / "sop.db", definitions, forms)
    Engine(str(sop.db), definitions_dir=definitions, forms_dir=forms, operator="tu.umum",  # the file's operator
           roles=definitions / "roles.yaml").people.apply_roles()
    roles = definitions / "roles.yaml"
    roles.write_text(roles.read_text(encoding="utf-8") + f"{ME}:\n  lanes: [Kepala Dinas]\n  operator: true\n",
                     encoding="utf-8")
    before = sop.dump()
    refused = sop("roles", "apply")
    assert refused.exit_code == 1
    assert refused.stderr.startswith(f"Error: '{ME}' may not change the roles in force")
    assert "only an operator of that version may (tu.umum)" in refused.stderr
    assert sop.dump() == before


def test_apply_warns_about_lanes_no_diagram_has(tmp_path: Path) -> None:
    """Applying a roles file that names a lane no process has pins it, with the same warning `sop roles` gives."""
    definitions, forms = _roles_definitions(tmp_path, "baru:\n  lanes: [Kepala Dnas]\n")
    result = Sop(tmp_path / "sop.db", definitions, forms)("roles", "apply")
    assert result.exit_code == 0 and "Applied roles version" in result.stdout
    assert "names lane 'Kepala Dnas', which no process in the definitions has" in result.stderr


def test_apply_without_a_roles_file_is_refused(tmp_path: Path) -> None:
    """Single-user definitions have nothing to apply: a clear error, and no store is created."""
    sop = Sop(tmp_path / "sop.db")
    result = sop("roles", "apply")
    assert result.exit_code == 1 and result.stderr.startswith("Error: No roles file to apply")
    assert not sop.db.exists()


def _pinned_store(tmp_path: Path) -> tuple[Path, Path, Path, Clock]:
    """A store with roles pinned at T0 and an instance whose first two steps were recorded by the clerk."""
    definitions, _ = _roles_definitions(tmp_path)
    db, clock = tmp_path / "sop.db", Clock()
    eng = Engine(
        str(db),
        definitions_dir=definitions,
        forms_dir=FORMS,
        clock=clock,
        operator=ME,
        roles=definitions / "roles.yaml",
    )
    eng.people.apply_roles()
    clock.now = "2026-11-02T02:00:00.000Z"
    instance = eng.instances.start("interkoneksi_data_baru").instance
    clock.now = "2026-11-02T03:00:00.000Z"
    eng.instance(instance).complete("AjukanPermohonan", _yaml("01_surat_permohonan.yaml"), actor="opd.dinkes")
    clock.now = "2026-11-02T04:00:00.000Z"
    eng.instance(instance).complete("DisposisiKadis", _yaml("02_disposisi_kadis.yaml"), actor="kadis")
    eng.close()
    return db, definitions, FORMS, clock


def _yaml(name: str) -> dict[str, object]:
    import yaml

    data: dict[str, object] = yaml.safe_load((DATA / name).read_text(encoding="utf-8"))
    return data


def test_verify_checks_each_completion_against_the_roles_then_in_force(tmp_path: Path) -> None:
    """A roles version chained in behind the program's back that takes kadis's lane makes his completion fail."""
    db, definitions, forms, _ = _pinned_store(tmp_path)
    sop = Sop(db, definitions, forms)
    assert sop("verify").exit_code == 0
    conn = sqlite3.connect(db)
    first = RolesEventRow(*conn.execute("SELECT * FROM roles_events").fetchone())
    people = load_roles(definitions / "roles.yaml").people
    people["kadis"] = people["kadis"]._replace(lanes=("OPD",))
    forged = sealed_roles_event(first, Roles("forged.yaml", people), "2026-11-02T03:30:00.000Z", ME)
    conn.execute("INSERT INTO roles_events VALUES (?, ?, ?, ?, ?, ?, ?)", tuple(forged))
    conn.commit()
    conn.close()
    result = sop("verify", "--json")
    assert result.exit_code == 1
    [verdict] = json.loads(result.stdout)
    assert verdict["problems"] == [{"event": 3, "problem": (
        "event 3 (task-completed DisposisiKadis at 2026-11-02T04:00:00.000Z): 'kadis' completed a step of lane "
        f"'Kepala Dinas' holding only OPD under roles version {forged.version[:12]} then in force")}]


def _rewrite_roles_log(db: Path, update: str) -> None:
    """Change the store's roles log behind the program's back (its no-update trigger dropped first)."""
    conn = sqlite3.connect(db)
    conn.execute("DROP TRIGGER roles_events_no_update")
    conn.execute(update)
    conn.commit()
    conn.close()


def test_an_altered_roles_log_is_named(tmp_path: Path) -> None:
    """People edited in the pinned roles (triggers dropped) break its content hash and chain: verify says so."""
    db, definitions, forms, _ = _pinned_store(tmp_path)
    _rewrite_roles_log(db, "UPDATE roles_events SET people = replace(people, '\"OPD\"', '\"Kepala Dinas\"')")
    result = Sop(db, definitions, forms)("verify")
    assert result.exit_code == 1
    assert "store: FAILED: the store's roles log: roles event 1" in result.stdout
    assert "(altered)" in result.stdout


def test_a_roles_event_rewritten_consistently_is_caught_by_its_chain(tmp_path: Path) -> None:
    """Who applied the roles rewritten (the people, and so their content hash, left as they were): only the chain's
    hash can tell, and verify names the mismatch (the planted bug "the roles log's chain-hash check switched off"
    fails here)."""
    db, definitions, forms, _ = _pinned_store(tmp_path)
    _rewrite_roles_log(db, "UPDATE roles_events SET actor = 'kadis' WHERE seq = 1")
    result = Sop(db, definitions, forms)("verify")
    assert result.exit_code == 1
    assert "roles event 1 (version" in result.stdout and "by kadis" in result.stdout
    assert "hash mismatch — the roles event was altered, or one before it removed" in result.stdout
    assert "(altered)" not in result.stdout


def test_unreadable_pinned_roles_are_refused_and_repaired_by_apply(tmp_path: Path) -> None:
    """Pinned people that are no longer JSON stop role checks with a clear error; applying a good file repairs."""
    db, definitions, forms, _ = _pinned_store(tmp_path)
    _rewrite_roles_log(db, "UPDATE roles_events SET people = 'rusak'")
    sop = Sop(db, definitions, forms)
    listed = sop("roles")
    assert listed.exit_code == 1 and "internal error" not in listed.output
    assert listed.stderr.startswith("Error: The pinned roles of the roles version")
    assert sop.json("roles", "apply")["seq"] == 2
    assert sop("roles").exit_code == 0
    result = sop("verify")
    assert result.exit_code == 1 and "store: FAILED: the store's roles log: roles event 1" in result.stdout


def test_a_lane_less_step_needs_an_operator() -> None:
    """A step in no lane (a version pinned before the lane rule) is refused unless an operator records it."""
    clerk = Person("tu", "TU", "", ("OPD",), operator=True)
    kadis = Person("kadis", "Kadis", "", ("Kepala Dinas",))
    roles = Roles("roles.yaml", {"tu": clerk, "kadis": kadis})
    with pytest.raises(RoleError, match=r"in no lane in its pinned diagram.*An operator of the roles file roles.yaml"):
        roles.check_lane(kadis, None, "Instance 1 task 'Lama'", kadis)
    roles.check_lane(kadis, None, "Instance 1 task 'Lama'", clerk)
    from engine.audit.lane_audit import completion_problem

    assert completion_problem(roles, "kadis", "kadis", None).startswith("the step is in no lane")
    assert completion_problem(roles, "kadis", "tu", None) == ""
    assert completion_problem(roles, "kadis", "kadis", "Kepala Dinas") == ""
    assert "without being an operator" in completion_problem(roles, "tu", "kadis", "OPD")
    assert "is in no one's entry" in completion_problem(roles, "orang", "tu", "OPD")


def test_postgresql_pins_and_enforces_roles_the_same(tmp_path: Path, pg_url: str) -> None:
    """On PostgreSQL, apply pins a version once, a lane outside it is refused unchanged, and verify checks lanes."""
    definitions, forms = _roles_definitions(tmp_path)
    pg = Sop(pg_url, definitions, forms)  # type: ignore[arg-type]
    assert pg.json("roles", "apply")["changed"] is True
    assert pg.json("roles", "apply")["changed"] is False
    instance = str(pg.start())
    refused = pg("complete", instance, "AjukanPermohonan", "--data", str(DATA / "01_surat_permohonan.yaml"),
                 "--as", "kadis")
    assert refused.exit_code == 1 and "is in lane 'OPD'" in refused.stderr
    assert pg("complete", instance, "AjukanPermohonan", "--data", str(DATA / "01_surat_permohonan.yaml"),
              "--as", "opd.dinkes").exit_code == 0
    assert pg("verify").exit_code == 0
    import psycopg

    with psycopg.connect(pg_url, autocommit=True) as conn, pytest.raises(psycopg.Error, match="append-only"):
        conn.execute("UPDATE roles_events SET people = '{}'")


def test_an_older_postgresql_store_gains_the_roles_log_on_apply(tmp_path: Path, pg_url: str) -> None:
    """A PostgreSQL store at schema 1 keeps working for reads and gets the roles log when roles are applied."""
    import psycopg

    from engine.store.pg_schema import MIGRATIONS

    with psycopg.connect(pg_url, autocommit=True) as conn:
        for statement in MIGRATIONS[0]:
            conn.execute(statement)
        conn.execute("UPDATE sop_schema SET version = 1")
    definitions, forms = _roles_definitions(tmp_path)
    pg = Sop(pg_url, definitions, forms)  # type: ignore[arg-type]
    assert pg("roles").exit_code == 0 and pg("verify").exit_code == 0
    assert pg.json("roles", "apply")["seq"] == 1
    with psycopg.connect(pg_url) as conn:
        assert conn.execute("SELECT version FROM sop_schema").fetchone() == (len(MIGRATIONS),)


def test_a_store_from_before_the_roles_log_keeps_working(tmp_path: Path) -> None:
    """A schema-3 SQLite store (no roles log) is upgraded on open: its instances verify and roles can be applied."""
    from engine.store.sqlite_schema import SCHEMA_VERSION

    definitions, forms = _roles_definitions(tmp_path)
    sop = Sop(tmp_path / "sop.db", definitions, forms)
    instance = str(sop.start())
    assert sop("complete", instance, "AjukanPermohonan", "--data", str(DATA / "01_surat_permohonan.yaml"),
               "--as", "opd.dinkes").exit_code == 0
    conn = sqlite3.connect(sop.db)
    conn.executescript(BEFORE_SCHEMA_6)
    for statement in ("DROP TRIGGER roles_events_no_update", "DROP TRIGGER roles_events_no_delete",
                      "DROP TABLE roles_events", "PRAGMA user_version = 3"):
        conn.execute(statement)
    conn.commit()
    conn.close()
    assert sop("verify").exit_code == 0
    conn = sqlite3.connect(sop.db)
    assert conn.execute("PRAGMA user_version").fetchone() == (SCHEMA_VERSION,)
    conn.close()
    assert sop.json("roles", "apply")["seq"] == 1
    assert sop("verify").exit_code == 0
