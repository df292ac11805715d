"""Nobody retypes what the record holds: a form field takes its default from an earlier step's artefact
(`x-sop-default: {from: STEP.FIELD}`, checked by lint and loading), shown on the web page and in `sop form
--template`; dates typed the Indonesian way are taken; a date field may start at today; the shipped samples agree
with the shipped roles."""

from __future__ import annotations

import json
import shutil
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from conftest import DEFINITIONS, EXAMPLES, FORMS, Sop
from test_web_tasks import SURVEY
from web_fixtures import engine_as, logged_in, make_app, office, post, started

from engine import Engine, load_roles, load_scenarios, read_data_file


@pytest.fixture
def paths(tmp_path: Path) -> dict[str, str]:
    return office(tmp_path)


def _text(answer: Any) -> str:
    return str(answer.get_data(as_text=True))


def _forms_copy(tmp_path: Path, form: str, field: str, default: Any) -> Path:
    """A copy of the shipped forms with one top-level field's x-sop-default changed."""
    forms = tmp_path / "forms"
    shutil.copytree(FORMS, forms)
    schema = json.loads((forms / form).read_text(encoding="utf-8"))
    schema["properties"][field]["x-sop-default"] = default
    (forms / form).write_text(json.dumps(schema), encoding="utf-8")
    return forms


def test_the_kepala_dinas_finds_the_letter_fields_of_the_kabids_report_filled_in(paths: dict[str, str]) -> None:
    """The signature form starts with the subject and kind of letter of the Kepala Bidang's report; what is not in
    the record (the letter's number) starts empty."""
    instance = started(paths, "TandaTanganKadis")
    page = _text(logged_in(make_app(paths), "kadis").get(f"/instances/{instance}/tasks/TandaTanganKadis"))
    assert 'name="perihal" value="Rekomendasi pemanfaatan jaringan komunikasi data"' in page
    assert '<option value="rekomendasi" selected>' in page
    assert 'name="nomor_surat" value=""' in page


def test_the_template_of_sop_form_holds_the_values_from_the_record(tmp_path: Path) -> None:
    """`sop form N TandaTanganKadis --template` fills the subject from the report, ready to keep or change."""
    sop = Sop(tmp_path / "sop.db")  # single-user: the real definitions without their roles
    instance = sop.start()
    scenario = next(s for s in load_scenarios(EXAMPLES) if s.file.endswith("pasang.scenario.yaml"))
    engine = Engine(str(sop.db), definitions_dir=sop.definitions, forms_dir=FORMS)
    for step in scenario.steps:
        if step["task"] == "TandaTanganKadis":
            break
        engine.instance(instance).complete(step["task"], step["data"], attach=step["attach"] or None)
    result = sop("form", str(instance), "TandaTanganKadis", "--template")
    assert result.exit_code == 0, result.output
    assert '\nperihal: "Rekomendasi pemanfaatan jaringan komunikasi data"\n' in result.stdout
    assert '\njenis_surat: "rekomendasi"\n' in result.stdout


@pytest.mark.parametrize(("default", "says"), [
    ({"from": "LaporanKabid.draft_surat.judul"}, "the form of 'LaporanKabid' has no field 'draft_surat.judul'"),
    ({"from": "LaporanKepala.perihal"}, "'LaporanKepala' is not another step of this process"),
    ({"from": "perihal"}, "is not one of person.name"),
])
def test_lint_and_loading_refuse_a_default_that_names_no_field(tmp_path: Path, default: Any, says: str) -> None:
    """A default from a step or field that does not exist is a lint error naming the form, the field and the
    path; starting an instance on such definitions is refused with the same words, nothing stored."""
    forms = _forms_copy(tmp_path, "tanda_tangan.schema.json", "perihal", default)
    sop = Sop(tmp_path / "sop.db", DEFINITIONS, forms)
    linted = sop("lint", str(DEFINITIONS))
    assert linted.exit_code == 1 and says in linted.output
    assert "tanda_tangan.schema.json" in linted.output and ("field 'perihal'" in linted.output
                                                            or "/properties/perihal" in linted.output)
    started_anyway = sop("start", "interkoneksi_data_baru")
    assert started_anyway.exit_code == 1 and says in started_anyway.output
    assert not sop.db.exists() or sop.dump().get("instances", []) == []


def test_a_date_typed_the_indonesian_way_is_taken(paths: dict[str, str]) -> None:
    """"5 November 2026" typed in the survey's date is stored as the date the picker would send."""
    instance = started(paths, "SurveyTeknis")
    client = logged_in(make_app(paths), "tim.jaringan")
    done = post(client, f"/instances/{instance}/tasks/SurveyTeknis", {**SURVEY, "tanggal_survey": "5 November 2026"})
    assert done.status_code == 303, _text(done)
    assert engine_as(paths, "tu.umum").instance(instance).artefacts()["SurveyTeknis"]["tanggal_survey"] == "2026-11-05"


def test_date_fields_speak_in_words_and_a_ui_schema_starts_one_at_today(paths: dict[str, str]) -> None:
    """A date field says how to give it, in words (no format code); the shipped UI schema's `ui:default:
    "today"` starts the survey's date at the office's date (WIB)."""
    instance = started(paths, "SurveyTeknis")
    page = _text(logged_in(make_app(paths), "tim.jaringan").get(f"/instances/{instance}/tasks/SurveyTeknis"))
    today = datetime.now(ZoneInfo("Asia/Jakarta")).date().isoformat()
    assert f'type="date" id="f-tanggal_survey" name="tanggal_survey" value="{today}"' in page
    assert "3 November 2026" in page and "YYYY" not in page and "Harus true" not in page


def test_the_shipped_samples_sign_as_the_people_the_roles_name() -> None:
    """Every field a form fills from the acting person's roles entry holds, in the example data, exactly what
    roles.yaml says of the person the scenario acts as (the Kabid's paraf is Rudi Hartono's, the Sekretaris's
    Hendra Saputra's)."""
    roles = load_roles(str(DEFINITIONS / "roles.yaml"))
    checked = 0
    for scenario in load_scenarios(EXAMPLES):
        for step in scenario.steps:
            person = roles.people[step["as"]]
            for key, group in step["data"].items():
                if key in ("pemaraf", "penandatangan"):  # the groups the forms fill from the roles
                    assert (group["nama"], group["jabatan"], group["nip"]) == (person.name, person.jabatan,
                                                                                person.nip), step["task"]
                    checked += 1
            if "dari" in step["data"]:
                assert step["data"]["dari"] == person.jabatan
    assert checked >= 6
    paraf = read_data_file(str(EXAMPLES / "data" / "10_paraf_kabid.yaml"))
    assert paraf["pemaraf"]["nama"] == roles.people["kabid.egov"].name
