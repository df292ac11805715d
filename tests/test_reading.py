"""Who may read which request: one rule in the engine, asked by the web and the CLI. Every cell of the README's
table is checked here: operators, auditors, the people who started or acted on a request and the people of the
other lanes read it; another OPD (the start lane only) is told it does not exist (404, exit 1), in pages, files,
diagrams, histories, exports and lists."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from conftest import DATA, FORMS, Sop
from web_fixtures import PASSWORD, engine_as, logged_in, make_app, office, post, started

from engine import RoleError
from engine.common.identity import os_login

ME = os_login()
EXTRA = """opd.lain:
  name: Rina Marlina, S.Pd
  nip: "19870203 201001 2 007"
  jabatan: Pengelola Data, Dinas Pendidikan (OPD pemohon)
  lanes: [OPD]
pemeriksa:
  name: Budi Santoso, S.E., Ak
  nip: "19750812 200003 1 002"
  jabatan: Auditor, Inspektorat Daerah
  auditor: true
"""
# The rule's table: who reads a request opd.dinkes sent (True) and who is told it does not exist (False).
READS = {"tu.umum": True, "pemeriksa": True, "opd.dinkes": True, "kadis": True, "sekretaris": True,
         "opd.lain": False}


@pytest.fixture
def paths(tmp_path: Path) -> dict[str, str]:
    """The web test office with another OPD's clerk and an auditor added to the pinned roles."""
    paths = office(tmp_path)
    roles = Path(paths["roles"])
    roles.write_text(roles.read_text(encoding="utf-8") + EXTRA, encoding="utf-8")
    clerk = engine_as(paths, "tu.umum")
    clerk.people.apply_roles()
    for login in ("opd.lain", "pemeriksa"):
        clerk.people.set_password(login, PASSWORD)
    clerk.close()
    return paths


def _addresses(paths: dict[str, str], instance: int) -> list[str]:
    [scan] = engine_as(paths, "tu.umum").instance(instance).attachments()
    return [f"/instances/{instance}", f"/instances/{instance}/diagram.svg",
            f"/instances/{instance}/tasks/DisposisiKadis",
            f"/instances/{instance}/files/{scan.seq}/{scan.field}/{scan.position}"]


def test_every_cell_of_the_read_rule_through_the_web(paths: dict[str, str]) -> None:
    """Each person opens the request's page, diagram, task page and file: 200 for those the rule lets read, 404
    (the page of a missing request, no title or data of it) for another OPD."""
    instance = started(paths, "DisposisiKadis")
    title = engine_as(paths, "tu.umum").instance(instance).show().title
    app = make_app(paths)
    for login, reads in READS.items():
        client = logged_in(app, login)
        for address in _addresses(paths, instance):
            answer = client.get(address)
            assert answer.status_code == (200 if reads else 404), (login, address)
            if not reads:
                page = answer.get_data(as_text=True)
                assert title not in page and "555/214/DINKES/2026" not in page, (login, address)
        missing = client.get(f"/instances/{instance + 1}")
        assert missing.status_code == 404  # the refusal is the same as for a request that does not exist


def test_lists_show_only_what_the_person_may_read(paths: dict[str, str]) -> None:
    """The request list and the tasklist hold another OPD's requests for nobody of the start lane: opd.lain sees
    neither request, opd.dinkes both, the Kepala Dinas and the auditor the list of all."""
    first = started(paths, "DisposisiKadis")
    second = engine_as(paths, "tu.umum").instances.start("interkoneksi_data_baru", actor="opd.dinkes").instance
    app = make_app(paths)
    for login, sees in (("opd.lain", ()), ("opd.dinkes", (first, second)), ("kadis", (first, second)),
                        ("pemeriksa", (first, second)), ("tu.umum", (first, second))):
        client = logged_in(app, login)
        listing = client.get("/instances?view=all").get_data(as_text=True)
        assert {n for n in (first, second) if f'data-instance="{n}"' in listing} == set(sees), login
        exported = client.get("/instances?view=all&format=csv").get_data(as_text=True).splitlines()
        assert len(exported) == 1 + len(sees), login
    tasks = logged_in(app, "opd.lain").get("/").get_data(as_text=True)
    assert 'data-count="0"' in tasks and "AjukanPermohonan" not in tasks
    mine = logged_in(app, "opd.dinkes").get("/").get_data(as_text=True)
    assert 'data-count="1"' in mine and f'data-instance="{second}"' in mine


def test_an_auditor_reads_everything_and_acts_on_nothing(paths: dict[str, str]) -> None:
    """The auditor opens every request but may not complete, claim or start: refused, nothing changed."""
    instance = started(paths, "DisposisiKadis")
    auditor = engine_as(paths, "pemeriksa")
    before = auditor.instance(instance).show()
    for act in (lambda: auditor.instance(instance).complete("DisposisiKadis", {}),
                lambda: auditor.instance(instance).claim("DisposisiKadis"),
                lambda: auditor.processes.check_start_lane("interkoneksi_data_baru")):
        with pytest.raises(RoleError):
            act()
    assert auditor.instance(instance).show() == before
    client = logged_in(make_app(paths), "pemeriksa")
    refused = post(client, f"/instances/{instance}/tasks/DisposisiKadis/claim")
    assert refused.status_code == 403 and auditor.instance(instance).show() == before


def test_another_opd_cannot_act_on_a_request_it_may_not_read(paths: dict[str, str]) -> None:
    """A request of opd.dinkes waiting in the OPD lane does not exist for opd.lain: its claim and its letter are
    refused as for a missing request (404), nothing changed."""
    instance = engine_as(paths, "tu.umum").instances.start("interkoneksi_data_baru", actor="opd.dinkes").instance
    before = engine_as(paths, "tu.umum").instance(instance).show()
    client = logged_in(make_app(paths), "opd.lain")
    assert post(client, f"/instances/{instance}/tasks/AjukanPermohonan/claim").status_code == 404
    assert post(client, f"/instances/{instance}/tasks/AjukanPermohonan", {"perihal": "x"}).status_code == 404
    assert engine_as(paths, "tu.umum").instance(instance).show() == before


# -- the CLI, for the OS account in force ------------------------------------------------------------

ROLE_OF_ME = {  # the OS account's entry in the roles file, and whether it reads opd.dinkes's request
    "operator": ({"lanes": ["OPD"], "operator": True}, True),
    "auditor": ({"auditor": True}, True),
    "other lane": ({"lanes": ["Kepala Dinas"]}, True),
    "start lane only": ({"lanes": ["OPD"]}, False),
}


def _cli_office(tmp_path: Path, entry: dict[str, Any]) -> tuple[Sop, int]:
    """A definitions copy whose roles file gives the OS account this entry, and a request opd.dinkes sent."""
    from conftest import DEFINITIONS

    from engine import Engine

    definitions = tmp_path / "definitions"
    shutil.copytree(DEFINITIONS, definitions)
    roles = definitions / "roles.yaml"
    roles.write_text(roles.read_text(encoding="utf-8") + f"{ME}:\n" + "".join(
        f"  {k}: {json.dumps(v)}\n" for k, v in {"name": "Akun Uji", "nip": "1", **entry}.items()), encoding="utf-8")
    sop = Sop(tmp_path / "sop.db", definitions, FORMS)
    opd = Engine(str(sop.db), definitions_dir=definitions, forms_dir=FORMS, operator="opd.dinkes", roles=str(roles))
    instance = opd.instances.start("interkoneksi_data_baru").instance
    from engine import read_data_file

    scan = str(DATA.parent / "berkas" / "surat-permohonan-dinkes.pdf")
    opd.instance(instance).complete("AjukanPermohonan", read_data_file(str(DATA / "01_surat_permohonan.yaml")),
                                    attach=[("pindaian_surat", scan)])
    opd.close()
    return sop, instance


@pytest.mark.parametrize("role", list(ROLE_OF_ME))
def test_every_cell_of_the_read_rule_through_the_cli(tmp_path: Path, role: str) -> None:
    """`sop show`, `history`, `attachment`, `export` and `diagram` for the OS account: they answer for those the
    rule lets read; for another OPD they exit 1 saying there is no such instance, and write nothing. The lists
    (`sop instances`, `sop tasks`) hold the request only for those who may read it."""
    entry, reads = ROLE_OF_ME[role]
    sop, instance = _cli_office(tmp_path, entry)
    number = str(instance)
    out = tmp_path / "out"
    out.mkdir()
    for command in (["show", number], ["history", number], ["attachment", number],
                    ["export", number, "-o", str(out / "bundle.json")], ["diagram", number, "-o", str(out / "d.svg")]):
        result = sop(*command)
        if reads:
            assert result.exit_code == 0, (role, command, result.output)
        else:
            assert result.exit_code == 1 and f"No instance {instance} in store" in result.stderr, (role, command)
            assert "555/214/DINKES/2026" not in result.stdout
    assert bool(list(out.iterdir())) == reads
    listed = [i["instance"] for i in sop.json("instances")]
    assert listed == ([instance] if reads else [])
    searched = [i["instance"] for i in sop.json("instances", "--search", "kesehatan")]
    assert searched == ([instance] if reads else [])
    tasks = [t["instance"] for t in sop.json("tasks")]
    assert tasks == ([instance] if reads else [])
