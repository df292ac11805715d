"""Tests for people and lanes: only the right person completes a step; the clerk records for officials."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from conftest import DATA, DEFINITIONS, EXAMPLES, FORMS, Sop, copy_definitions

from engine.common.errors import RoleError
from engine.common.identity import os_login
from engine.definitions.roles import load_roles
from engine.ops.scenarios import load_scenario
from engine.service.facade import Engine

SHIPPED = load_roles(DEFINITIONS / "roles.yaml")
PASANG = load_scenario(EXAMPLES / "pasang.scenario.yaml")
ME = os_login()


def roles_sop(tmp_path: Path, me: dict[str, object] | None) -> Sop:
    """A CLI on the real definitions whose roles file is the shipped one plus an entry for this OS account."""
    definitions, forms = copy_definitions(tmp_path, roles=True)
    if me is not None:
        people = yaml.safe_load((definitions / "roles.yaml").read_text(encoding="utf-8"))
        people[ME] = me
        (definitions / "roles.yaml").write_text(yaml.safe_dump(people, allow_unicode=True), encoding="utf-8")
    return Sop(tmp_path / "sop.db", definitions, forms)


def engine_as(tmp_path: Path, login: str) -> Engine:
    """An engine on one store with the shipped roles file, as if `login` ran the command."""
    return Engine(str(tmp_path / "sop.db"), definitions_dir=DEFINITIONS, forms_dir=FORMS, operator=login, roles=SHIPPED)


def test_the_shipped_roles_file_covers_every_lane_of_the_sop() -> None:
    """Each lane of the SOP has a person in the shipped roles file, and one clerk is an operator."""
    lanes = {"OPD", "Kepala Dinas", "Kepala Bidang", "Kepala Seksi", "Tim Teknis Jaringan", "Sekretaris"}
    assert {lane for p in SHIPPED.people.values() for lane in p.lanes} == lanes
    assert [p.login for p in SHIPPED.people.values() if p.operator] == ["tu.umum"]


def test_each_person_completes_only_the_steps_of_their_lanes(tmp_path: Path) -> None:
    """Along the whole installation path, every person outside a step's lane is refused with nothing changed,
    and the person of the lane completes it."""
    clerk = engine_as(tmp_path, "tu.umum")
    instance = clerk.instances.start(PASANG.process, actor="opd.dinkes").instance
    refusals = 0
    for step in PASANG.steps:
        lane = next(t.lane for t in clerk.instance(instance).show().tasks if t.task == step["task"])
        for person in SHIPPED.people.values():
            if person.holds(lane):
                continue
            engine = engine_as(tmp_path, person.login)
            before = engine.instance(instance).show()
            with pytest.raises(RoleError, match=f"is in lane '{lane}', and {person.login} "):
                engine.instance(instance).complete(step["task"], step["data"])
            assert engine.instance(instance).show() == before
            engine.close()
            refusals += 1
        doer = engine_as(tmp_path, step["as"])
        doer.instance(instance).complete(step["task"], step["data"], attach=step["attach"] or None)
        doer.close()
    assert clerk.instance(instance).show().status == "completed"
    assert refusals > 13 * 4


def test_wrong_lane_is_refused_naming_the_lane_and_the_persons_lanes(tmp_path: Path) -> None:
    """`sop complete` by a Kepala Seksi on the OPD's step exits 1 naming lane OPD and 'Kepala Seksi'."""
    sop = roles_sop(tmp_path, {"name": "Penguji", "lanes": ["Kepala Seksi"]})
    instance = sop.start()
    before = sop.dump()
    result = sop("complete", str(instance), "AjukanPermohonan", "--data", str(DATA / "01_surat_permohonan.yaml"))
    assert result.exit_code == 1
    assert f"is in lane 'OPD', and {ME} (Penguji) acts in: Kepala Seksi; nothing was changed" in result.stderr
    assert sop.dump() == before


def test_as_someone_else_needs_operator_rights(tmp_path: Path) -> None:
    """`--as kadis` by an account without `operator: true` is refused and changes nothing."""
    sop = roles_sop(tmp_path, {"name": "Penguji", "lanes": ["OPD"]})
    instance = sop.start()
    sop("complete", str(instance), "AjukanPermohonan", "--data", str(DATA / "01_surat_permohonan.yaml"))
    before = sop.dump()
    result = sop("complete", str(instance), "DisposisiKadis", "--data", str(DATA / "02_disposisi_kadis.yaml"),
                 "--as", "kadis")
    assert result.exit_code == 1
    assert f"'{ME}' may not act on behalf of 'kadis': only a person with `operator: true`" in result.stderr
    assert sop.dump() == before


def test_the_clerk_records_for_an_official_and_the_history_shows_both(tmp_path: Path) -> None:
    """The clerk's `--as kadis` completes the Kepala Dinas's step; the event names kadis as actor and the clerk
    as operator; `--as` still holds the official to their own lanes."""
    sop = roles_sop(tmp_path, {"name": "Petugas", "lanes": ["OPD"], "operator": True})
    instance = sop.start()
    assert sop("complete", str(instance), "AjukanPermohonan", "--data",
               str(DATA / "01_surat_permohonan.yaml")).exit_code == 0
    wrong = sop("complete", str(instance), "DisposisiKadis", "--data", str(DATA / "02_disposisi_kadis.yaml"),
                "--as", "kasi.infra")
    assert wrong.exit_code == 1
    assert "is in lane 'Kepala Dinas', and kasi.infra" in wrong.stderr
    done = sop("complete", str(instance), "DisposisiKadis", "--data", str(DATA / "02_disposisi_kadis.yaml"),
               "--as", "kadis")
    assert done.exit_code == 0, done.output
    history = json.loads(sop("history", str(instance), "--json").stdout)
    assert [(e["task"], e["actor"], e["operator"]) for e in history if e["type"] == "task-completed"] == [
        ("AjukanPermohonan", ME, ME), ("DisposisiKadis", "kadis", ME)]
    table = sop("history", str(instance)).stdout
    assert "kadis" in table and ME in table


def test_an_unknown_person_is_refused(tmp_path: Path) -> None:
    """An OS account missing from the roles file cannot start or complete anything."""
    sop = roles_sop(tmp_path, None)
    result = sop("start", "interkoneksi_data_baru")
    assert result.exit_code == 1
    assert f"'{ME}' is not in the roles file" in result.stderr
    assert not sop.db.exists()


def test_tasks_mine_lists_the_ready_tasks_of_my_lanes(tmp_path: Path) -> None:
    """`sop tasks --mine` lists only tasks in the OS account's lanes, and nothing in single-user mode is hidden."""
    sop = roles_sop(tmp_path, {"name": "Petugas", "lanes": ["OPD"], "operator": True})
    first, second = sop.start(), sop.start()
    sop("complete", str(first), "AjukanPermohonan", "--data", str(DATA / "01_surat_permohonan.yaml"))
    mine = sop.json("tasks", "--mine")
    assert [(t["instance"], t["task"]) for t in mine] == [(second, "AjukanPermohonan")]
    assert len(sop.json("tasks")) == 2
    result = sop("tasks")
    assert "Single-user mode" not in result.stderr


def test_single_user_mode_lets_anyone_complete_anything_and_says_so(sop: Sop) -> None:
    """Without a roles file any account completes any step, and `sop tasks` says so on stderr in one line."""
    instance = sop.start()
    done = sop("complete", str(instance), "AjukanPermohonan", "--data", str(DATA / "01_surat_permohonan.yaml"),
               "--as", "siapa.saja")
    assert done.exit_code == 0, done.output
    result = sop("tasks")
    notes = [line for line in result.stderr.splitlines() if "Single-user mode" in line]
    assert len(notes) == 1


def test_a_malformed_roles_file_is_an_error_naming_the_line(tmp_path: Path) -> None:
    """A person whose lanes are not a list is refused with the file and the line of that person."""
    sop = roles_sop(tmp_path, None)
    path = sop.definitions / "roles.yaml"
    path.write_text("kadis:\n  name: Kadis\n  lanes: [Kepala Dinas]\nbudi:\n  name: Budi\n  lanes: 3\n",
                    encoding="utf-8")
    result = sop("tasks", "--mine")
    assert result.exit_code == 1
    assert f"{path}:4: 'budi' lanes must be a list of lane names" in result.stderr


def test_a_roles_file_with_bad_yaml_names_the_line(tmp_path: Path) -> None:
    """A YAML syntax error in the roles file is reported with its line."""
    path = tmp_path / "roles.yaml"
    path.write_text("kadis:\n  name: Kadis\n  lanes: [Kepala Dinas\n", encoding="utf-8")
    with pytest.raises(RoleError, match=r"roles.yaml:\d+: not valid YAML"):
        load_roles(path)


def test_a_lane_no_process_has_is_a_warning(tmp_path: Path) -> None:
    """`sop processes` and `sop roles` warn about a lane the roles file names that no diagram has."""
    sop = roles_sop(tmp_path, {"name": "Penguji", "lanes": ["Kepala Sub Bagian"]})
    for command in ("processes", "roles"):
        result = sop(command)
        assert result.exit_code == 0, result.output
        assert "Warning: " in result.stderr and "names lane 'Kepala Sub Bagian'" in result.stderr


def test_roles_json_lists_people(tmp_path: Path) -> None:
    """`sop roles --json` lists each person with name, NIP, lanes and operator flag."""
    sop = roles_sop(tmp_path, None)
    people = {p["login"]: p for p in json.loads(sop("roles", "--json").stdout)}
    assert people["kadis"]["lanes"] == ["Kepala Dinas"]
    assert people["tu.umum"]["operator"] is True


def test_roles_option_points_at_another_file(tmp_path: Path) -> None:
    """`--roles FILE` replaces the definitions folder's roles file; a missing one is refused."""
    sop = Sop(tmp_path / "sop.db")
    path = tmp_path / "orang.yaml"
    path.write_text(f"{ME}: {{name: Saya, lanes: [Kepala Dinas]}}\n", encoding="utf-8")
    assert sop("--roles", str(path), "start", "interkoneksi_data_baru").exit_code == 0
    refused = sop("--roles", str(path), "complete", "1", "AjukanPermohonan", "--data",
                  str(DATA / "01_surat_permohonan.yaml"))
    assert refused.exit_code == 1 and "is in lane 'OPD'" in refused.stderr
    missing = sop("--roles", str(tmp_path / "tidak.yaml"), "tasks")
    assert missing.exit_code == 1 and "does not exist; fix --roles" in missing.stderr


def test_demo_with_the_shipped_roles_file_holds_every_step_to_its_lane(tmp_path: Path) -> None:
    """`sop demo` with the shipped roles file runs both paths: each scenario step is done by a person of its lane."""
    sop = roles_sop(tmp_path, None)
    result = sop("demo", "--examples", str(EXAMPLES))
    assert result.exit_code == 0, result.output
    assert result.stdout.count("is completed") == 2
