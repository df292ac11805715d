"""Tests for engine.definitions: loading a definitions folder, hashing versions, reporting bad diagrams clearly."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import DEFINITIONS, FORMS, copy_definitions

from engine.common.durations import is_duration
from engine.common.errors import DefinitionError, NotFoundError
from engine.definitions.catalog import scan
from engine.runtime.workflow import build_spec, new_workflow, ready_user_tasks

PROCESS = "interkoneksi_data_baru"
LANES = ["OPD", "Kepala Dinas", "Kepala Bidang", "Kepala Seksi", "Tim Teknis Jaringan", "Sekretaris"]

FORM_TEXT = """{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "title": "Catatan",
  "type": "object",
  "required": ["isi"],
  "properties": {"isi": {"type": "string", "minLength": 1}}
}
"""


def minimal_bpmn(
    process_id: str = "uji_proses",
    start_id: str = "StartEvent_1",
    task_id: str = "IsiCatatan",
    form: str = "catatan.schema.json",
    sla: str = "PT1H",
    extra: str = "",
) -> str:
    """A minimal valid BPMN: one lane, start, one user task with spiffworkflow properties, end."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" \
xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" \
xmlns:di="http://www.omg.org/spec/DD/20100524/DI" xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" \
id="Definitions_Uji" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="{process_id}" name="Proses uji" isExecutable="true">
    <bpmn:laneSet id="LaneSet_1">
      <bpmn:lane id="Lane_1" name="Petugas">
        <bpmn:flowNodeRef>{start_id}</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>{task_id}</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>EndEvent_1</bpmn:flowNodeRef>
      </bpmn:lane>
    </bpmn:laneSet>
    <bpmn:startEvent id="{start_id}">
      <bpmn:outgoing>Flow_1</bpmn:outgoing>
    </bpmn:startEvent>
    <bpmn:userTask id="{task_id}" name="Isi catatan">
      <bpmn:extensionElements>
        <spiffworkflow:properties>
          <spiffworkflow:property name="formJsonSchemaFilename" value="{form}" />
          <spiffworkflow:property name="sla" value="{sla}" />
          <spiffworkflow:property name="output" value="Catatan" />
        </spiffworkflow:properties>
      </bpmn:extensionElements>
      <bpmn:incoming>Flow_1</bpmn:incoming>
      <bpmn:outgoing>Flow_2</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:endEvent id="EndEvent_1">
      <bpmn:incoming>Flow_2</bpmn:incoming>
    </bpmn:endEvent>
    <bpmn:sequenceFlow id="Flow_1" sourceRef="{start_id}" targetRef="{task_id}" />
    <bpmn:sequenceFlow id="Flow_2" sourceRef="{task_id}" targetRef="EndEvent_1" />{extra}
  </bpmn:process>
</bpmn:definitions>
"""


@pytest.fixture
def folders(tmp_path: Path) -> tuple[Path, Path]:
    """An empty definitions folder and a forms folder holding catatan.schema.json."""
    definitions, forms = tmp_path / "definitions", tmp_path / "forms"
    definitions.mkdir()
    forms.mkdir()
    (forms / "catatan.schema.json").write_text(FORM_TEXT, encoding="utf-8")
    return definitions, forms


@pytest.fixture
def copied(tmp_path: Path) -> tuple[Path, Path]:
    """A copy of the real definitions and forms folders that a test may edit."""
    return copy_definitions(tmp_path)


def _only_problem(definitions: Path, forms: Path) -> str:
    catalog = scan(definitions, forms)
    assert catalog.definitions == ()
    assert len(catalog.problems) == 1, catalog.problems
    return catalog.problems[0]


# the real definitions


def test_real_definitions_load_without_problems() -> None:
    """The shipped folder loads process interkoneksi_data_baru with its name, 13 steps and no problems."""
    catalog = scan(DEFINITIONS, FORMS)
    assert catalog.problems == ()
    definition = catalog.get(PROCESS)
    assert definition.name == "Pelaksanaan Interkoneksi Data Baru"
    assert len(definition.steps) == 13
    assert [s.properties["nomor"] for s in definition.steps] == [str(n) for n in range(1, 14)]
    assert definition.steps[0].bpmn_id == "AjukanPermohonan"
    assert definition.steps[-1].bpmn_id == "TindakLanjut"


def test_every_real_step_has_lane_form_sla_and_output() -> None:
    """Every user task has a lane, a form that is bundled, an ISO-8601 sla and an output (its Mutu Baku)."""
    definition = scan(DEFINITIONS, FORMS).get(PROCESS)
    for step in definition.steps:
        assert step.lane in LANES, step.bpmn_id
        assert step.form and step.form in definition.bundle["forms"], step.bpmn_id
        assert step.sla and is_duration(step.sla), step.bpmn_id
        assert step.output, step.bpmn_id
        assert definition.form_schema(step.form)["type"] == "object"
    assert definition.step("DisposisiKadis") is not None
    assert definition.step("DisposisiKadis").sla == "PT30M"  # type: ignore[union-attr]
    assert definition.step("TidakAda") is None


def test_real_lanes_are_the_six_actors() -> None:
    """The lanes used by the steps are exactly the six actors of the SOP."""
    definition = scan(DEFINITIONS, FORMS).get(PROCESS)
    assert sorted({s.lane for s in definition.steps}) == sorted(LANES)  # type: ignore[type-var]
    assert definition.step("ParafSekretaris").lane == "Sekretaris"  # type: ignore[union-attr]
    assert definition.step("PemasanganJaringan").lane == "Tim Teknis Jaringan"  # type: ignore[union-attr]


def test_identity_page_is_attached() -> None:
    """The YAML identity page is attached to the process: SOP name and the seven dasar hukum."""
    definition = scan(DEFINITIONS, FORMS).get(PROCESS)
    assert definition.identity["sop"]["nama"] == "Pelaksanaan Interkoneksi Data Baru"
    assert len(definition.identity["dasar_hukum"]) == 7
    assert definition.bundle["yaml"]["file"] == "interkoneksi_data_baru.yaml"


def test_unknown_process_lists_known_ones() -> None:
    """Asking for a process that is not there names it and lists the processes that are."""
    with pytest.raises(NotFoundError) as info:
        scan(DEFINITIONS, FORMS).get("tidak_ada")
    assert str(info.value) == "No process 'tidak_ada' in the definitions; known: interkoneksi_data_baru"


def test_missing_definitions_folder_is_refused(tmp_path: Path) -> None:
    """A definitions folder that does not exist is refused with the setting that fixes it."""
    with pytest.raises(DefinitionError, match=r"does not exist; pass --definitions DIR or set SOP_DEFINITIONS"):
        scan(tmp_path / "hilang", FORMS)


# versions


def test_version_is_stable_for_identical_files(copied: tuple[Path, Path]) -> None:
    """The version hash is the same for the same files, wherever they are, and unrelated forms do not change it."""
    original = scan(DEFINITIONS, FORMS).get(PROCESS).version
    assert re.fullmatch(r"[0-9a-f]{64}", original)
    definitions, forms = copied
    assert scan(definitions, forms).get(PROCESS).version == original
    (forms / "tidak_dipakai.schema.json").write_text(FORM_TEXT, encoding="utf-8")
    assert scan(definitions, forms).get(PROCESS).version == original


def test_version_changes_when_a_form_changes(copied: tuple[Path, Path]) -> None:
    """Editing the text of a bound form gives the process a new version."""
    original = scan(DEFINITIONS, FORMS).get(PROCESS).version
    definitions, forms = copied
    form = forms / "paraf.schema.json"
    text = form.read_text(encoding="utf-8")
    form.write_text(text.replace('"title": "Paraf Surat"', '"title": "Paraf Surat (revisi)"', 1), encoding="utf-8")
    changed = scan(definitions, forms).get(PROCESS)
    assert changed.version != original
    assert changed.form_schema("paraf.schema.json")["title"] == "Paraf Surat (revisi)"


def test_version_changes_when_the_diagram_or_page_changes(copied: tuple[Path, Path]) -> None:
    """Editing the BPMN or the YAML identity page gives the process a new version."""
    original = scan(DEFINITIONS, FORMS).get(PROCESS).version
    definitions, forms = copied
    page = definitions / "interkoneksi_data_baru.yaml"
    page.write_text(page.read_text(encoding="utf-8") + "\n# catatan baru\n", encoding="utf-8")
    after_page = scan(definitions, forms).get(PROCESS).version
    assert after_page != original
    bpmn = definitions / "interkoneksi_data_baru.bpmn"
    bpmn.write_text(bpmn.read_text(encoding="utf-8").replace('value="PT3H"', 'value="PT4H"', 1), encoding="utf-8")
    assert scan(definitions, forms).get(PROCESS).version not in (original, after_page)


# bad diagrams


def test_minimal_fixture_loads(folders: tuple[Path, Path]) -> None:
    """The minimal fixture diagram loads, so the failures below are caused by the one thing each test changes."""
    definitions, forms = folders
    (definitions / "uji.bpmn").write_text(minimal_bpmn(), encoding="utf-8")
    catalog = scan(definitions, forms)
    assert catalog.problems == ()
    (step,) = catalog.get("uji_proses").steps
    assert (step.bpmn_id, step.lane, step.form, step.sla, step.output) == (
        "IsiCatatan", "Petugas", "catatan.schema.json", "PT1H", "Catatan"
    )


def test_truncated_bpmn_is_reported_and_good_one_still_loads(folders: tuple[Path, Path]) -> None:
    """A truncated BPMN is reported with its file and a line number, while a good BPMN beside it still loads."""
    definitions, forms = folders
    text = minimal_bpmn(process_id="rusak")
    lines = text.splitlines(keepends=True)
    (definitions / "a_rusak.bpmn").write_text("".join(lines[:20]), encoding="utf-8")
    (definitions / "b_baik.bpmn").write_text(minimal_bpmn(), encoding="utf-8")
    catalog = scan(definitions, forms)
    assert [d.process_id for d in catalog.definitions] == ["uji_proses"]
    (problem,) = catalog.problems
    match = re.match(rf"^{re.escape(str(definitions / 'a_rusak.bpmn'))}:(\d+): not well-formed XML \(", problem)
    assert match, problem
    assert 1 <= int(match.group(1)) <= 21
    assert problem.endswith("; fix the diagram (rule xml-malformed)")


def test_non_bpmn_xml_is_reported(folders: tuple[Path, Path]) -> None:
    """A well-formed XML file that is not BPMN is reported as such."""
    definitions, forms = folders
    (definitions / "lain.bpmn").write_text('<?xml version="1.0"?>\n<catatan/>\n', encoding="utf-8")
    problem = _only_problem(definitions, forms)
    assert problem == (f"{definitions / 'lain.bpmn'}:2: not a BPMN 2.0 file (root element catatan); save it as BPMN "
                       "2.0 (rule xsd)")


def test_missing_form_file_is_reported(folders: tuple[Path, Path]) -> None:
    """A user task binding a form that is not in the forms folder is reported with file, line, task and form."""
    definitions, forms = folders
    (definitions / "uji.bpmn").write_text(minimal_bpmn(form="hilang.schema.json"), encoding="utf-8")
    problem = _only_problem(definitions, forms)
    assert re.match(rf"^{re.escape(str(definitions / 'uji.bpmn'))}:\d+: ", problem), problem
    assert "task 'IsiCatatan' binds form 'hilang.schema.json', which is not in the forms folder" in problem
    assert "add the file or fix formJsonSchemaFilename" in problem


def test_form_path_outside_forms_folder_is_refused(folders: tuple[Path, Path]) -> None:
    """A form binding that is a path rather than a plain file name is refused."""
    definitions, forms = folders
    (definitions / "uji.bpmn").write_text(minimal_bpmn(form="../rahasia.json"), encoding="utf-8")
    problem = _only_problem(definitions, forms)
    assert "task 'IsiCatatan' has formJsonSchemaFilename='../rahasia.json'; give a plain file name" in problem


def test_invalid_form_schema_is_reported(folders: tuple[Path, Path]) -> None:
    """A bound form that is not a valid JSON Schema is reported naming the form file and the faulty keyword."""
    definitions, forms = folders
    (forms / "salah.schema.json").write_text('{"type": 12}', encoding="utf-8")
    (definitions / "uji.bpmn").write_text(minimal_bpmn(form="salah.schema.json"), encoding="utf-8")
    problem = _only_problem(definitions, forms)
    assert (f"task 'IsiCatatan' binds an unusable form: Form {forms / 'salah.schema.json'}: not a valid JSON Schema "
            "2020-12 at 'type'") in problem
    assert problem.endswith("(rule form-invalid)")


def test_form_that_is_not_utf8_is_reported(folders: tuple[Path, Path]) -> None:
    """A bound form saved in Latin-1 is reported as a problem of that file, and the scan carries on."""
    definitions, forms = folders
    (forms / "latin1.schema.json").write_bytes('{"title": "Café"}'.encode("latin-1"))
    (definitions / "a_uji.bpmn").write_text(minimal_bpmn(process_id="a", form="latin1.schema.json"), encoding="utf-8")
    (definitions / "b_uji.bpmn").write_text(minimal_bpmn(process_id="b"), encoding="utf-8")
    catalog = scan(definitions, forms)
    assert [d.process_id for d in catalog.definitions] == ["b"]
    assert len(catalog.problems) == 1
    assert "latin1.schema.json" in catalog.problems[0]


def test_yaml_page_that_is_not_utf8_is_reported(folders: tuple[Path, Path]) -> None:
    """A diagram whose own YAML page (same name) is unreadable is refused, naming the page; others still load."""
    definitions, forms = folders
    (definitions / "uji.bpmn").write_text(minimal_bpmn(), encoding="utf-8")
    (definitions / "uji.yaml").write_bytes("process: uji_proses\nnama: Café\n".encode("latin-1"))
    (definitions / "lain.bpmn").write_text(minimal_bpmn(process_id="lain"), encoding="utf-8")
    (definitions / "catatan.yaml").write_text("process: [tidak ditutup\n", encoding="utf-8")
    catalog = scan(definitions, forms)
    assert [d.process_id for d in catalog.definitions] == ["lain"]
    assert len(catalog.problems) == 2
    assert "uji.yaml: cannot be read as UTF-8" in catalog.problems[0]
    assert "(the SOP page of uji.bpmn)" in catalog.problems[0]
    assert "catatan.yaml:" in catalog.problems[1] and "not valid YAML" in catalog.problems[1]


def test_start_event_named_start_is_reported(folders: tuple[Path, Path]) -> None:
    """A start event with id 'Start' (SpiffWorkflow's internal name) is reported with the fix."""
    definitions, forms = folders
    (definitions / "uji.bpmn").write_text(minimal_bpmn(start_id="Start"), encoding="utf-8")
    problem = _only_problem(definitions, forms)
    assert re.match(rf"^{re.escape(str(definitions / 'uji.bpmn'))}:\d+: element id 'Start' collides", problem)
    assert "rename it (for example StartEvent_1)" in problem


def test_script_task_is_reported(folders: tuple[Path, Path]) -> None:
    """A scriptTask is refused because diagrams may not run code."""
    definitions, forms = folders
    script = """
    <bpmn:scriptTask id="Skrip_1" scriptFormat="python">
      <bpmn:script>import os</bpmn:script>
    </bpmn:scriptTask>"""
    (definitions / "uji.bpmn").write_text(minimal_bpmn(extra=script), encoding="utf-8")
    problem = _only_problem(definitions, forms)
    assert re.match(rf"^{re.escape(str(definitions / 'uji.bpmn'))}:\d+: scriptTask 'Skrip_1' is refused", problem)
    assert "diagrams are data and may not run code" in problem


def test_pre_script_on_user_task_is_reported(folders: tuple[Path, Path]) -> None:
    """A spiffworkflow:preScript on a user task is refused because diagrams may not run code."""
    definitions, forms = folders
    pre_script = "<spiffworkflow:preScript>x = 1</spiffworkflow:preScript>"
    text = minimal_bpmn().replace("</spiffworkflow:properties>", "</spiffworkflow:properties>" + pre_script)
    (definitions / "uji.bpmn").write_text(text, encoding="utf-8")
    problem = _only_problem(definitions, forms)
    assert "task 'IsiCatatan' has a preScript; diagrams may not run code" in problem


def test_user_task_id_not_identifier_is_reported(folders: tuple[Path, Path]) -> None:
    """A user task id that cannot be a data key (here with a hyphen) is reported with an example of a good id."""
    definitions, forms = folders
    (definitions / "uji.bpmn").write_text(minimal_bpmn(task_id="Isi-Catatan"), encoding="utf-8")
    problem = _only_problem(definitions, forms)
    assert re.match(rf"^{re.escape(str(definitions / 'uji.bpmn'))}:\d+: user task id 'Isi-Catatan' ", problem)
    assert "use letters, digits and _ only" in problem


@pytest.mark.parametrize("sla", ["30 minutes", "PT", "P", "1H", "pt1h"])
def test_sla_not_iso_duration_is_reported(folders: tuple[Path, Path], sla: str) -> None:
    """An sla that is not an ISO-8601 duration is reported with the task and examples of good ones."""
    definitions, forms = folders
    (definitions / "uji.bpmn").write_text(minimal_bpmn(sla=sla), encoding="utf-8")
    problem = _only_problem(definitions, forms)
    assert re.match(rf"^{re.escape(str(definitions / 'uji.bpmn'))}:\d+: task 'IsiCatatan' has sla=", problem)
    assert f"sla={sla!r}, not an ISO-8601 duration; write it as PT30M, PT1H or P1D" in problem


def test_same_process_in_two_files_is_reported(folders: tuple[Path, Path]) -> None:
    """Two files defining the same process id: neither runs (which would be a guess), both are named."""
    definitions, forms = folders
    (definitions / "a.bpmn").write_text(minimal_bpmn(), encoding="utf-8")
    (definitions / "b.bpmn").write_text(minimal_bpmn(), encoding="utf-8")
    catalog = scan(definitions, forms)
    assert catalog.definitions == ()
    both = f"{definitions / 'a.bpmn'}, {definitions / 'b.bpmn'}"
    assert catalog.problems == (f"process 'uji_proses' is defined in several files ({both}); give each its own id",)
    with pytest.raises(DefinitionError, match=r"Process 'uji_proses' is defined in several files \("):
        catalog.get("uji_proses")


def test_no_executable_process_is_reported(folders: tuple[Path, Path]) -> None:
    """A BPMN file whose only process is not executable is reported."""
    definitions, forms = folders
    text = minimal_bpmn().replace('isExecutable="true"', 'isExecutable="false"')
    (definitions / "uji.bpmn").write_text(text, encoding="utf-8")
    problem = _only_problem(definitions, forms)
    assert problem == (f'{definitions / "uji.bpmn"}:3: process \'uji_proses\' has isExecutable="false", so sop does '
                       'not run it; set isExecutable="true" on the process (in Camunda Modeler: select the process or '
                       "its pool and tick Executable in the properties panel) (rule process-not-executable)")


# build_spec


def test_build_spec_of_real_process_runs_to_first_step() -> None:
    """SpiffWorkflow accepts the shipped diagram and its first ready step is AjukanPermohonan in lane OPD."""
    definition = scan(DEFINITIONS, FORMS).get(PROCESS)
    spec = build_spec(definition.bundle["bpmn"]["text"], PROCESS, definition.file)
    (task,) = ready_user_tasks(new_workflow(spec))
    assert (task.task_spec.bpmn_id, task.task_spec.lane) == ("AjukanPermohonan", "OPD")


def test_build_spec_gateway_flow_to_missing_element_is_definition_error() -> None:
    """A gateway flow whose target does not exist is a DefinitionError naming the file, process and missing id."""
    gateway = """
    <bpmn:exclusiveGateway id="Gateway_1">
      <bpmn:incoming>Flow_2</bpmn:incoming>
      <bpmn:outgoing>Flow_3</bpmn:outgoing>
    </bpmn:exclusiveGateway>
    <bpmn:sequenceFlow id="Flow_3" sourceRef="Gateway_1" targetRef="Tugas_Hilang">
      <bpmn:conditionExpression>True</bpmn:conditionExpression>
    </bpmn:sequenceFlow>"""
    text = minimal_bpmn(extra=gateway).replace(
        '<bpmn:sequenceFlow id="Flow_2" sourceRef="IsiCatatan" targetRef="EndEvent_1" />',
        '<bpmn:sequenceFlow id="Flow_2" sourceRef="IsiCatatan" targetRef="Gateway_1" />',
    )
    with pytest.raises(DefinitionError) as info:
        build_spec(text, "uji_proses", "uji.bpmn")
    message = str(info.value)
    assert message == ("uji.bpmn:30: exclusiveGateway 'Gateway_1' has a flow to 'Tugas_Hilang', which is no element "
                       "of process 'uji_proses'; reconnect the flow (rule process-unparsable)")


def test_build_spec_xsd_violation_is_definition_error_with_line() -> None:
    """An element the BPMN schema does not know is a DefinitionError naming file, line and element."""
    text = minimal_bpmn(extra='\n    <bpmn:tugasAneh id="Aneh_1" />')
    with pytest.raises(DefinitionError) as info:
        build_spec(text, "uji_proses", "uji.bpmn")
    assert re.match(r"^uji\.bpmn:\d+: not BPMN 2.0 by the XSD: ", str(info.value))
    assert "tugasAneh" in str(info.value) and str(info.value).endswith("(rule xsd)")


def test_build_spec_unknown_process_and_bad_xml() -> None:
    """An unknown process id and truncated XML are DefinitionErrors that say what is wrong."""
    with pytest.raises(DefinitionError, match=r"^uji\.bpmn: SpiffWorkflow cannot use process 'lain': .*not found"):
        build_spec(minimal_bpmn(), "lain", "uji.bpmn")
    with pytest.raises(DefinitionError, match=r"^uji\.bpmn:\d+: not well-formed XML"):
        build_spec(minimal_bpmn()[:500], "uji_proses", "uji.bpmn")


def test_unsupported_elements_are_refused_at_load(folders: tuple[Path, Path]) -> None:
    """A message event or a service task would leave instances waiting forever, so the diagram is refused."""
    definitions, forms = folders
    for extra, expected in (
        ('\n    <bpmn:intermediateCatchEvent id="Tunggu"><bpmn:messageEventDefinition id="M1" />'
         "</bpmn:intermediateCatchEvent>",
         "intermediateCatchEvent 'Tunggu' (messageEventDefinition) is refused: sop waits on timers (a "
         "timerEventDefinition with a timeDuration or timeDate) and signals of the same request, but has no message"),
        ('\n    <bpmn:serviceTask id="Panggil" />', "serviceTask 'Panggil' is refused: sop does not call services"),
    ):
        (definitions / "uji.bpmn").write_text(minimal_bpmn(extra=extra), encoding="utf-8")
        assert expected in _only_problem(definitions, forms)


def test_manual_task_is_a_step_with_its_form(folders: tuple[Path, Path]) -> None:
    """A manualTask binds its form like a user task, so it can be completed with a validated artefact."""
    definitions, forms = folders
    text = minimal_bpmn().replace("bpmn:userTask", "bpmn:manualTask")
    (definitions / "uji.bpmn").write_text(text, encoding="utf-8")
    definition = scan(definitions, forms).get("uji_proses")
    assert [(s.bpmn_id, s.form, s.lane) for s in definition.steps] == [
        ("IsiCatatan", "catatan.schema.json", "Petugas")
    ]
    assert "catatan.schema.json" in definition.bundle["forms"]


def test_a_loop_without_its_cap_is_refused_at_load(folders: tuple[Path, Path]) -> None:
    """A looping task (standardLoopCharacteristics) with neither cap nor condition could loop for ever or never: the
    diagram is refused naming the cap first (tests/test_flow_constructs.py runs a loop that gives both)."""
    definitions, forms = folders
    text = minimal_bpmn().replace(
        "      <bpmn:incoming>Flow_1</bpmn:incoming>",
        "      <bpmn:incoming>Flow_1</bpmn:incoming>\n      <bpmn:standardLoopCharacteristics />",
    )
    (definitions / "uji.bpmn").write_text(text, encoding="utf-8")
    assert "step 'IsiCatatan' loops with no loopMaximum; give the most times it may repeat" in _only_problem(
        definitions, forms)
