"""Tests for drafts: a person's unfinished form of a ready task, kept per person, dropped when the step completes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from conftest import DEFINITIONS, EXAMPLES, FORMS, Sop, copy_definitions

from engine import Engine, TaskStateError, ValidationError
from engine.common.errors import RoleError
from engine.common.identity import os_login
from engine.definitions.roles import load_roles
from engine.ops.scenarios import load_scenario

SHIPPED = load_roles(DEFINITIONS / "roles.yaml")
PASANG = load_scenario(EXAMPLES / "pasang.scenario.yaml")
HALF = {"perihal": "Permohonan interkoneksi", "nomor_surat": "005/123"}
ME = os_login()


def engine_as(tmp_path: Path, login: str) -> Engine:
    """An engine on one store with the shipped roles file, as if `login` ran the command."""
    return Engine(str(tmp_path / "sop.db"), definitions_dir=DEFINITIONS, forms_dir=FORMS, operator=login, roles=SHIPPED)


@pytest.fixture
def instance(tmp_path: Path) -> int:
    """A new Interkoneksi instance waiting on the OPD's letter (AjukanPermohonan)."""
    return engine_as(tmp_path, "tu.umum").instances.start(PASANG.process, actor="opd.dinkes").instance


def test_a_draft_is_kept_per_person_and_task(tmp_path: Path, instance: int) -> None:
    """opd.dinkes saves half a form and reads it back; the clerk (same lane) has none of their own; saving again
    replaces it; no event is written."""
    opd = engine_as(tmp_path, "opd.dinkes")
    events = opd.instance(instance).show().events
    saved_at = opd.instance(instance).save_draft("AjukanPermohonan", HALF)
    assert saved_at.endswith("Z") and opd.instance(instance).draft("AjukanPermohonan") == HALF
    assert engine_as(tmp_path, "tu.umum").instance(instance).draft("AjukanPermohonan") is None
    assert engine_as(tmp_path, "tu.umum").instance(instance).draft("AjukanPermohonan", actor="opd.dinkes") == HALF
    opd.instance(instance).save_draft("AjukanPermohonan", {"perihal": "lain"})
    assert opd.instance(instance).draft("AjukanPermohonan") == {"perihal": "lain"}
    assert opd.instance(instance).show().events == events and all(v.ok for v in opd.audit.verify(instances=[instance]))


def test_completing_the_step_discards_its_drafts(tmp_path: Path, instance: int) -> None:
    """Once AjukanPermohonan completes, its drafts are gone and asking for one names who completed the step."""
    opd = engine_as(tmp_path, "opd.dinkes")
    opd.instance(instance).save_draft("AjukanPermohonan", HALF)
    engine_as(tmp_path, "tu.umum").instance(instance).save_draft("AjukanPermohonan", HALF)
    opd.instance(instance).complete("AjukanPermohonan", PASANG.steps[0]["data"])
    assert opd.context.store().draft(instance, opd.instance(instance).show().tasks[0].id, "opd.dinkes") is None
    assert opd.context.store().table_rows("drafts", ("instance_id", "task_uuid")) == []
    with pytest.raises(TaskStateError, match=r"already completed .*by opd.dinkes"):
        opd.instance(instance).draft("AjukanPermohonan")


def test_a_draft_for_someone_else_or_too_big_is_refused(tmp_path: Path, instance: int) -> None:
    """kadis may not save a draft as the OPD (only an operator records for others); a draft over 256 KiB or not
    an object is refused; nothing is kept."""
    with pytest.raises(RoleError, match=r"'kadis' may not act on behalf of 'opd.dinkes'"):
        engine_as(tmp_path, "kadis").instance(instance).save_draft("AjukanPermohonan", HALF, actor="opd.dinkes")
    opd = engine_as(tmp_path, "opd.dinkes")
    with pytest.raises(ValidationError, match=r"over 256 KiB"):
        opd.instance(instance).save_draft("AjukanPermohonan", {"isi": "x" * 300_000})
    with pytest.raises(ValidationError, match=r"must be an object"):
        opd.instance(instance).save_draft("AjukanPermohonan", ["x"])  # type: ignore[arg-type]
    assert opd.context.store().table_rows("drafts", ("instance_id", "task_uuid")) == []


def test_a_draft_outside_ones_lane_is_kept_for_that_person_alone(tmp_path: Path, instance: int) -> None:
    """What kadis typed into the OPD's step before its refusal is kept as kadis's own draft; the OPD sees none."""
    kadis = engine_as(tmp_path, "kadis")
    kadis.instance(instance).save_draft("AjukanPermohonan", HALF)
    assert kadis.instance(instance).draft("AjukanPermohonan") == HALF
    assert engine_as(tmp_path, "opd.dinkes").instance(instance).draft("AjukanPermohonan") is None


def test_a_draft_of_a_step_not_ready_is_refused(tmp_path: Path, instance: int) -> None:
    """A step that is not ready yet has no draft: the refusal says so and lists what is ready."""
    with pytest.raises(TaskStateError, match=r"'DisposisiKadis' of instance .* is not ready yet"):
        engine_as(tmp_path, "kadis").instance(instance).save_draft("DisposisiKadis", HALF)


def test_sop_form_draft_prints_ones_own_draft(tmp_path: Path) -> None:
    """`sop form 1 TASK --draft` prints the saved draft as JSON; with none it is refused (exit 1); --as without
    --draft is a usage error; another person's draft needs an operator."""
    definitions, forms = copy_definitions(tmp_path, roles=True)
    people = yaml.safe_load((definitions / "roles.yaml").read_text(encoding="utf-8"))
    people[ME] = {"name": "Penguji", "lanes": ["OPD"]}
    (definitions / "roles.yaml").write_text(yaml.safe_dump(people, allow_unicode=True), encoding="utf-8")
    sop = Sop(tmp_path / "sop.db", definitions, forms)
    instance = str(sop.start())
    none = sop("form", instance, "AjukanPermohonan", "--draft")
    assert none.exit_code == 1 and f"{ME} saved no draft of instance {instance} task 'AjukanPermohonan'" in none.stderr
    Engine(str(sop.db), definitions_dir=definitions, forms_dir=forms).instance(int(instance)).save_draft(
        "AjukanPermohonan", HALF
    )
    printed = sop("form", instance, "AjukanPermohonan", "--draft")
    assert printed.exit_code == 0 and json.loads(printed.stdout) == HALF
    assert sop("form", instance, "AjukanPermohonan", "--as", ME).exit_code == 2
    other = sop("form", instance, "AjukanPermohonan", "--draft", "--as", "opd.dinkes")
    assert other.exit_code == 1 and "may not act on behalf of 'opd.dinkes'" in other.stderr
