"""Tests for lanes per unit: two SOPs of two Bidang share the lane name "Kepala Bidang"; one roles file gives it to
one official in each unit, and each sees and completes only their own unit's tasks."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import DATA, EXAMPLES, Sop, copy_definitions
from tests_sop_fixtures import SURAT, with_forms

from engine.common.errors import NotFoundError, RoleError
from engine.common.identity import os_login
from engine.definitions.roles import load_roles
from engine.ops.scenarios import load_scenario
from engine.service.facade import Engine

ME = os_login()
PASANG = load_scenario(EXAMPLES / "pasang.scenario.yaml")
EGOV = "Kepala Bidang (Bidang E-Government)"
DIKDAS = "Kepala Bidang (Bidang Pendidikan Dasar)"
SARI = {"name": "Sari Wulandari, S.Pd", "nip": "19810305 200604 2 010", "jabatan": "Kepala Bidang Pendidikan Dasar",
        "lanes": ["Kepala Bidang"], "unit": "Bidang Pendidikan Dasar"}
GURU = {"name": "Ahmad Fauzi, S.Pd", "nip": "19880101 201101 1 003", "jabatan": "Guru SD Negeri 1",
        "lanes": ["Pemohon"]}
CLERK = {"name": "Rina, A.Md", "jabatan": "Tata Usaha Bidang Pendidikan Dasar", "lanes": ["Tata Usaha"]}


def two_bidang(tmp_path: Path, *, sari: str = "kabid.dikdas", units: bool = True) -> tuple[Path, Path]:
    """The shipped definitions and roles plus a second SOP (the Bidang Pendidikan Dasar's Penerbitan Surat Tugas,
    a table) whose Kepala Bidang is the Bidang Pendidikan Dasar's; the Interkoneksi page puts its Kepala Bidang in
    Bidang E-Government, the roles give Rudi that lane in E-Government and Sari (login `sari`) in Pendidikan Dasar.
    units=False: neither SOP names a unit (as before lanes per unit)."""
    definitions, forms = copy_definitions(tmp_path, roles=True)
    table = with_forms(SURAT, forms)
    if units:
        table = table.replace("Kepala Bidang", DIKDAS)
        page = definitions / "interkoneksi_data_baru.yaml"
        page.write_text(page.read_text(encoding="utf-8") + "unit_kerja:\n  Kepala Bidang: Bidang E-Government\n",
                        encoding="utf-8")
    (definitions / "surat_tugas.sop.yaml").write_text(table, encoding="utf-8")
    people: dict[str, Any] = yaml.safe_load((definitions / "roles.yaml").read_text(encoding="utf-8"))
    people["kabid.egov"]["unit"] = "Bidang E-Government"
    people[sari] = SARI
    people["guru.sd"] = GURU
    people["tu.dikdas"] = CLERK
    (definitions / "roles.yaml").write_text(yaml.safe_dump(people, allow_unicode=True), encoding="utf-8")
    return definitions, forms


def both_waiting_at_kepala_bidang(definitions: Path, forms: Path, db: Path) -> None:
    """Instance 1 (Interkoneksi) waits at AnalisaKabid, instance 2 (Surat Tugas) at Telaah, recorded by the clerk."""
    clerk = Engine(str(db), definitions_dir=definitions, forms_dir=forms, operator="tu.umum",
                   roles=str(definitions / "roles.yaml"))
    try:
        first = clerk.instances.start("interkoneksi_data_baru", actor="opd.dinkes").instance
        for step in PASANG.steps[:2]:
            clerk.instance(first).complete(step["task"], step["data"], actor=step["as"], attach=step["attach"] or None)
        second = clerk.instances.start("penerbitan_surat_tugas", actor="guru.sd").instance
        clerk.instance(second).complete("AjukanNota", {}, actor="guru.sd")
        assert [(t.task, t.lane) for t in clerk.instances.tasks()] == [("AnalisaKabid", EGOV), ("Telaah", DIKDAS)]
    finally:
        clerk.close()


def test_each_kepala_bidang_sees_only_their_units_tasks_in_sop_tasks(tmp_path: Path) -> None:
    """Sari (this account) lists only the Surat Tugas's Telaah with `sop tasks` and `--mine`; Rudi only the
    Interkoneksi's AnalisaKabid; the lanes read with their units."""
    definitions, forms = two_bidang(tmp_path, sari=ME)
    both_waiting_at_kepala_bidang(definitions, forms, tmp_path / "sop.db")
    sop = Sop(tmp_path / "sop.db", definitions, forms)
    for listing in (sop.json("tasks"), sop.json("tasks", "--mine")):
        assert [(t["task"], t["lane"]) for t in listing] == [("Telaah", DIKDAS)]
    text = sop("tasks").stdout
    assert "Telaah permohonan" in text and DIKDAS in text and "Analisa teknis" not in text
    rudi = Engine(str(tmp_path / "sop.db"), definitions_dir=definitions, forms_dir=forms, operator="kabid.egov",
                  roles=str(definitions / "roles.yaml"))
    try:
        assert [(t.task, t.lane) for t in rudi.instances.tasks(lanes=rudi.people.my_lanes())] == [
            ("AnalisaKabid", EGOV)]
    finally:
        rudi.close()


def test_recording_for_the_wrong_units_kepala_bidang_is_refused_naming_the_unit(tmp_path: Path) -> None:
    """The clerk (this account, an operator) recording the Interkoneksi's AnalisaKabid (Bidang E-Government) for
    Sari is refused, exit 1, naming the lane with its unit, her lane and who holds it; nothing changes. Recording
    her own unit's Telaah for her succeeds."""
    definitions, forms = two_bidang(tmp_path)
    roles = definitions / "roles.yaml"
    people = yaml.safe_load(roles.read_text(encoding="utf-8"))
    people[ME] = {"name": "Petugas Uji", "lanes": ["OPD"], "operator": True}
    roles.write_text(yaml.safe_dump(people, allow_unicode=True), encoding="utf-8")
    both_waiting_at_kepala_bidang(definitions, forms, tmp_path / "sop.db")
    sop = Sop(tmp_path / "sop.db", definitions, forms)
    before = sop.dump()
    refused = sop("complete", "1", "AnalisaKabid", "--as", "kabid.dikdas", "--data",
                  str(DATA / "03_analisa_kabid.yaml"))
    assert refused.exit_code == 1
    assert (f"is in lane '{EGOV}', and kabid.dikdas (Sari Wulandari, S.Pd) acts in: {DIKDAS}; nothing was "
            f"changed. Lane '{EGOV}' is held by kabid.egov (Rudi Hartono, S.Kom)") in refused.stderr
    assert "Traceback" not in refused.output
    assert sop.dump() == before
    done = sop("complete", "2", "Telaah", "--as", "kabid.dikdas", "--set", "keputusan=setuju")
    assert done.exit_code == 0, done.output


def test_an_official_cannot_reach_another_units_request(tmp_path: Path) -> None:
    """Rudi (Bidang E-Government) completing the Pendidikan Dasar's Telaah, and Sari the Interkoneksi's
    AnalisaKabid, are refused as if the request were not there (neither may read it); nothing changes."""
    definitions, forms = two_bidang(tmp_path)
    db = tmp_path / "sop.db"
    both_waiting_at_kepala_bidang(definitions, forms, db)
    sop = Sop(db, definitions, forms)
    before = sop.dump()
    for login, instance, task in (("kabid.egov", 2, "Telaah"), ("kabid.dikdas", 1, "AnalisaKabid")):
        official = Engine(str(db), definitions_dir=definitions, forms_dir=forms, operator=login,
                          roles=str(definitions / "roles.yaml"))
        try:
            with pytest.raises(NotFoundError, match=f"No instance {instance} in store"):
                official.instance(instance).complete(task, {"keputusan": "setuju"})
        finally:
            official.close()
    assert sop.dump() == before


def test_the_web_tasklist_shows_each_official_their_units_tasks(tmp_path: Path) -> None:
    """On "Tugas saya", Sari sees the Telaah of the Surat Tugas and not the Interkoneksi's analysis; Rudi the
    reverse; Sari opening Rudi's task page cannot submit it."""
    from web_fixtures import PASSWORD, logged_in, make_app

    definitions, forms = two_bidang(tmp_path)
    db = tmp_path / "sop.db"
    both_waiting_at_kepala_bidang(definitions, forms, db)
    admin = Engine(str(db), definitions_dir=definitions, forms_dir=forms, operator="tu.umum",
                   roles=str(definitions / "roles.yaml"))
    try:
        admin.people.apply_roles()
        for login in ("kabid.dikdas", "kabid.egov"):
            admin.people.set_password(login, PASSWORD)
    finally:
        admin.close()
    app = make_app({"db": str(db), "definitions": str(definitions), "forms": str(forms),
                    "roles": str(definitions / "roles.yaml")})
    sari = logged_in(app, "kabid.dikdas").get("/", headers={"Accept-Language": "id"}).get_data(as_text=True)
    assert "Telaah permohonan" in sari and "Analisa teknis permintaan" not in sari
    rudi = logged_in(app, "kabid.egov").get("/").get_data(as_text=True)
    assert "Analisa teknis permintaan" in rudi and "Telaah permohonan" not in rudi


def test_an_old_roles_file_reads_as_before() -> None:
    """A roles file without units keeps its lanes as written; a unit makes each lane read `Lane (Unit)`, a lane
    that names its own unit stays as written."""
    from conftest import DEFINITIONS

    shipped = load_roles(DEFINITIONS / "roles.yaml")
    assert shipped.people["kabid.egov"].lanes == ("Kepala Bidang",)


def test_a_unit_qualifies_the_lanes_of_a_person(tmp_path: Path) -> None:
    """`unit: Bidang Pendidikan Dasar` gives `Kepala Bidang (Bidang Pendidikan Dasar)`; a lane written with its unit
    keeps it; a unit that is not text is refused naming the person."""
    roles = tmp_path / "roles.yaml"
    roles.write_text("sari:\n  name: Sari\n  unit: Bidang Pendidikan Dasar\n"
                     "  lanes: [Kepala Bidang, 'Penilai (Bidang SMP)']\n", encoding="utf-8")
    assert load_roles(roles).people["sari"].lanes == (DIKDAS, "Penilai (Bidang SMP)")
    roles.write_text("sari:\n  name: Sari\n  unit_kerja: [1, 2]\n  lanes: [Kepala Bidang]\n", encoding="utf-8")
    with pytest.raises(RoleError, match=r"roles.yaml:1: 'sari' unit_kerja must be the name of a unit"):
        load_roles(roles)


def test_lint_warns_when_two_sops_share_a_lane_the_roles_give_in_two_units(tmp_path: Path) -> None:
    """With neither SOP naming its unit, `sop lint` warns on both files that 'Kepala Bidang' is shared while the
    roles give it in two units (naming the officials), and still exits 0; with units named (the page's unit_kerja,
    the table's lane name), lint finds nothing: each lane is held in its unit."""
    definitions, forms = two_bidang(tmp_path / "plain", units=False)
    sop = Sop(tmp_path / "plain.db", definitions, forms)
    result = sop("lint", str(definitions), "--json")
    assert result.exit_code == 0, result.output
    shared = [p for p in yaml.safe_load(result.stdout) if p["rule"] == "lane-unit-shared"]
    assert sorted(Path(p["file"]).name for p in shared) == ["interkoneksi_data_baru.bpmn", "surat_tugas.sop.yaml"]
    assert all(p["severity"] == "warning" for p in shared)
    assert ("names no unit and is shared with penerbitan_surat_tugas, while the roles give it in several units: "
            "Rudi Hartono, S.Kom (Bidang E-Government); Sari Wulandari, S.Pd (Bidang Pendidikan Dasar)"
            ) in shared[0]["message"]
    named, named_forms = two_bidang(tmp_path / "units")
    clean = Sop(tmp_path / "units.db", named, named_forms)("lint", str(named), "--json")
    assert clean.exit_code == 0 and yaml.safe_load(clean.stdout) == []


def test_a_page_unit_that_is_no_text_is_refused_by_lint_and_loading(tmp_path: Path) -> None:
    """`unit_kerja: [1]` in the SOP page: lint reports page-invalid naming the field, `sop start` refuses; nothing
    is written."""
    definitions, forms = copy_definitions(tmp_path)
    page = definitions / "interkoneksi_data_baru.yaml"
    page.write_text(page.read_text(encoding="utf-8") + "unit_kerja: [1]\n", encoding="utf-8")
    sop = Sop(tmp_path / "sop.db", definitions, forms)
    linted = sop("lint", str(definitions))
    assert linted.exit_code == 1
    assert "[page-invalid]" in linted.stdout and "unit_kerja is [1]; give the unit of every lane" in linted.stdout
    started = sop("start", "interkoneksi_data_baru")
    assert started.exit_code == 1 and "unit_kerja is [1]" in started.stderr
    assert not (tmp_path / "sop.db").exists() or sop.dump().get("instances") == []
