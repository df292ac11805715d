"""`sop import`: another modeler's diagram rewritten into one sop lints clean and runs, refusals change nothing."""

from __future__ import annotations

import json
from pathlib import Path

import corpus_run
import pytest
from click.testing import CliRunner
from corpus_import import judge_imported

from runner.cli import cli

CORPUS = corpus_run.CORPUS
# Real diagrams from five modelers' public repositories that sop refused before and runs after import.
IMPORTED_RUN = [
    "camunda-examples/usertask-task-camunda-forms__invoiceApproval.bpmn",
    "camunda-examples/servicetask-rest-service__invokeRestService.bpmn",
    "bpmn-js-examples/modeling-api__editingElements.bpmn",
    "spiffworkflow/non-executable-process.bpmn",
    "spiffworkflow/service_task.bpmn",
    "activiti/taskforms__VacationRequest.bpmn",
    "activiti/conformance__basic-exclusive-gateway.bpmn",
    "flowable/usertask__FinancialReportProcess.bpmn",
    "jbpm/checklist__expenses.bpmn",
    "miwg/reference__A.2.1.bpmn",  # conditional flows out of tasks, a gateway with an unconditioned way out
    "bpmnlint/docs-examples__no-implicit-split-incorrect.bpmn",  # a task starting two flows at once
]
PERIKSA = """<?xml version="1.0" encoding="{encoding}"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC"
  xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d1" targetNamespace="http://example.org">
  <bpmn:collaboration id="c1"><bpmn:participant id="p1" name="Seksi Layanan" processRef="proses_berkas"/>
  </bpmn:collaboration>
  <bpmn:process id="proses_berkas" name="Proses berkas" isExecutable="false">
    <bpmn:startEvent id="sid-1A"><bpmn:outgoing>sid-f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="sid-2B" name="Periksa berkas" camunda:candidateGroups="verifikator, admin"
                   camunda:dueDate="P2D"><bpmn:incoming>sid-f1</bpmn:incoming>
      <bpmn:outgoing>sid-f2</bpmn:outgoing></bpmn:userTask>
    <bpmn:exclusiveGateway id="_3" default="sid-f4"><bpmn:incoming>sid-f2</bpmn:incoming>
      <bpmn:outgoing>sid-f3</bpmn:outgoing><bpmn:outgoing>sid-f4</bpmn:outgoing></bpmn:exclusiveGateway>
    <bpmn:scriptTask id="4f0c8a1e-5b6d-4c1a-9e2f-0a1b2c3d4e5f" name="Hitung biaya" scriptFormat="javascript">
      <bpmn:incoming>sid-f3</bpmn:incoming><bpmn:outgoing>sid-f5</bpmn:outgoing>
      <bpmn:script>biaya = jumlah * 1000</bpmn:script></bpmn:scriptTask>
    <bpmn:dataObjectReference id="sid-do" dataObjectRef="sid-data"/><bpmn:dataObject id="sid-data"/>
    <bpmn:endEvent id="sid-end1"><bpmn:incoming>sid-f4</bpmn:incoming><bpmn:incoming>sid-f5</bpmn:incoming>
    </bpmn:endEvent>
    <bpmn:sequenceFlow id="sid-f1" sourceRef="sid-1A" targetRef="sid-2B"/>
    <bpmn:sequenceFlow id="sid-f2" sourceRef="sid-2B" targetRef="_3"/>
    <bpmn:sequenceFlow id="sid-f3" sourceRef="_3" targetRef="4f0c8a1e-5b6d-4c1a-9e2f-0a1b2c3d4e5f">
      <bpmn:conditionExpression>${{lengkap == true &amp;&amp; !(jumlah &lt; 3)}}</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="sid-f4" sourceRef="_3" targetRef="sid-end1"/>
    <bpmn:sequenceFlow id="sid-f5" sourceRef="4f0c8a1e-5b6d-4c1a-9e2f-0a1b2c3d4e5f" targetRef="sid-end1"/>
  </bpmn:process>
  <bpmndi:BPMNDiagram id="dg"><bpmndi:BPMNPlane id="pl" bpmnElement="c1">
    <bpmndi:BPMNShape id="s1" bpmnElement="sid-1A"><dc:Bounds x="100" y="100" width="36" height="36"/>
    </bpmndi:BPMNShape>
    <bpmndi:BPMNShape id="s2" bpmnElement="sid-2B"><dc:Bounds x="200" y="80" width="100" height="80"/>
    </bpmndi:BPMNShape>
    <bpmndi:BPMNShape id="s3" bpmnElement="_3"><dc:Bounds x="350" y="95" width="50" height="50"/>
    </bpmndi:BPMNShape>
    <bpmndi:BPMNShape id="s4" bpmnElement="4f0c8a1e-5b6d-4c1a-9e2f-0a1b2c3d4e5f">
      <dc:Bounds x="450" y="200" width="100" height="80"/></bpmndi:BPMNShape>
    <bpmndi:BPMNShape id="s5" bpmnElement="sid-end1"><dc:Bounds x="600" y="100" width="36" height="36"/>
    </bpmndi:BPMNShape>
    <bpmndi:BPMNShape id="s6" bpmnElement="sid-do"><dc:Bounds x="200" y="300" width="36" height="50"/>
    </bpmndi:BPMNShape>
  </bpmndi:BPMNPlane></bpmndi:BPMNDiagram>
</bpmn:definitions>
"""


def _import(tmp_path: Path, source: Path, *extra: str, lang: str = "en") -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["import", str(source), "-o", str(tmp_path / "definitions"), "--forms",
                                      str(tmp_path / "forms"), *extra], env={"SOP_LANG": lang})
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr


def _runs(tmp_path: Path, diagram: Path) -> dict[str, object]:
    """The corpus runner's verdict on an imported diagram, with its generated forms."""
    saved = corpus_run.FORMS
    corpus_run.FORMS = tmp_path / "forms"
    try:
        return corpus_run.judge(diagram)
    finally:
        corpus_run.FORMS = saved


def test_more_corpus_diagrams_run_after_import_than_before(tmp_path: Path) -> None:
    """Over one source's diagrams (Activiti's), import turns refusals into runs and breaks none that ran."""
    files = sorted((CORPUS / "activiti").glob("*.bpmn"))
    before = after = 0
    for number, path in enumerate(files):
        ran = corpus_run.judge(path)["outcome"] == "runs"
        verdict = judge_imported(path, tmp_path / str(number))
        assert verdict["outcome"] in ("runs", "refused"), (path, verdict)  # refused: by a rule lint names
        assert not ran or verdict["outcome"] == "runs", path
        before, after = before + ran, after + (verdict["outcome"] == "runs")
    assert (before, after) == (0, 11)


@pytest.mark.parametrize("name", IMPORTED_RUN)
def test_a_corpus_diagram_refused_before_runs_to_its_end_after_import(tmp_path: Path, name: str) -> None:
    """A public diagram sop refused is imported, lints clean of errors and runs to its end with generated data."""
    source = CORPUS / name
    assert corpus_run.judge(source)["outcome"] == "refused"
    code, out, err = _import(tmp_path, source)
    assert code == 0, out + err
    written = tmp_path / "definitions" / source.name
    assert written.is_file() and "Changed:" in out
    verdict = _runs(tmp_path, written)
    assert verdict["lint"] == [] and verdict["outcome"] == "runs", verdict


def _periksa(tmp_path: Path, encoding: str = "UTF-8") -> Path:
    source = tmp_path / "periksa.bpmn"
    source.write_text(PERIKSA.format(encoding=encoding), encoding="utf-8")
    return source


def test_ids_lanes_conditions_code_and_data_are_rewritten_and_each_change_said(tmp_path: Path) -> None:
    """Ids from names with references rewritten, a lane from the candidate group, the JUEL condition reading the
    review step's generated form, the script a manual step, the data object gone, and every change in the report."""
    code, out, err = _import(tmp_path, _periksa(tmp_path), "--json")
    assert code == 0, out + err
    report = json.loads(out)
    text = (tmp_path / "definitions" / "periksa.bpmn").read_text(encoding="utf-8")
    assert 'isExecutable="true"' in text and 'id="PeriksaBerkas"' in text and "sid-2B" not in text.replace(
        'value="sid-2B"', "")
    assert '<spiffworkflow:property name="id_asal" value="sid-2B"/>' in text
    assert 'targetRef="PeriksaBerkas"' in text and 'bpmnElement="PeriksaBerkas"' in text
    assert 'default="sid-f4"' in text and 'id="ExclusiveGateway"' in text
    assert 'PeriksaBerkas["lengkap"] == True and (not PeriksaBerkas["jumlah"] &lt; 3)' in text
    assert 'name="Hitung biaya (was a script: biaya = jumlah * 1000)"' in text and "<bpmn:script>" not in text
    assert "dataObject" not in text and "camunda:" not in text and "sid-do" not in text
    assert 'name="verifikator"' in text  # the candidate group names the lane
    form = json.loads((tmp_path / "forms" / "periksa-PeriksaBerkas.schema.json").read_text(encoding="utf-8"))
    assert form["properties"] == {"lengkap": {"type": "boolean", "title": "Lengkap"},
                                  "jumlah": {"type": "number", "title": "Jumlah"}}
    assert form["required"] == ["lengkap", "jumlah"]
    assert sorted(report) == ["changes", "left", "lint", "written"]
    said = " ".join(c["message"] for c in report["changes"])
    assert "made executable" in said and "(was sid-2B)" in said and "put in lane 'verifikator'" in said
    assert "2 dataObject" not in said and "dataObject removed" in said
    left = " ".join(c["message"] for c in report["left"])
    assert "due at 'P2D'" in left and "ran code" in left
    assert not [p for p in report["lint"] if p["severity"] == "error"]
    assert _runs(tmp_path, tmp_path / "definitions" / "periksa.bpmn")["outcome"] == "runs"


def test_the_report_is_in_indonesian_and_ends_lint_clean(tmp_path: Path) -> None:
    """Under SOP_LANG=id the report's headings and changes are Indonesian, and lint's verdict is printed."""
    code, out, err = _import(tmp_path, _periksa(tmp_path), lang="id")
    assert code == 0, out + err
    assert "Diubah:" in out and "Diserahkan kepada pemilik proses:" in out
    assert "dijadikan dapat dijalankan" in out
    assert "Changed:" not in out and "made executable" not in out
    assert "lint" in err


def test_an_ascii_file_declared_iso_8859_1_is_imported(tmp_path: Path) -> None:
    """A file declaring ISO-8859-1 whose bytes are ASCII is read and written as UTF-8."""
    code, out, err = _import(tmp_path, _periksa(tmp_path, "ISO-8859-1"))
    assert code == 0, out + err
    assert (tmp_path / "definitions" / "periksa.bpmn").read_text(encoding="utf-8").startswith(
        "<?xml version='1.0' encoding='UTF-8'?>")


def test_a_condition_it_cannot_translate_is_left_to_the_owner(tmp_path: Path) -> None:
    """An XPath-like condition is listed as left, and lint names it; exit 1 for the error left."""
    source = tmp_path / "periksa.bpmn"
    source.write_text(PERIKSA.format(encoding="UTF-8").replace(
        "${{lengkap == true &amp;&amp; !(jumlah &lt; 3)}}", "getDataObject('x')/y = 1").replace(
        "${lengkap == true &amp;&amp; !(jumlah &lt; 3)}", "getDataObject('x')/y = 1"), encoding="utf-8")
    code, out, _ = _import(tmp_path, source)
    assert "cannot be translated" in out and "getDataObject" in out
    assert code == 1 and "lint: error [condition-invalid]" in out


def test_an_existing_output_is_refused_without_force_and_nothing_changes(tmp_path: Path) -> None:
    """A second import names the file that exists and writes nothing; --force writes over it."""
    source = _periksa(tmp_path)
    assert _import(tmp_path, source)[0] == 0
    written = tmp_path / "definitions" / "periksa.bpmn"
    form = tmp_path / "forms" / "periksa-PeriksaBerkas.schema.json"
    written.write_text("punya pemilik", encoding="utf-8")
    before = form.read_text(encoding="utf-8")
    code, out, err = _import(tmp_path, source)
    assert code == 1 and str(written) in err and "--force" in err and out == ""
    assert written.read_text(encoding="utf-8") == "punya pemilik" and form.read_text(encoding="utf-8") == before
    assert _import(tmp_path, source, "--force")[0] == 0
    assert written.read_text(encoding="utf-8").startswith("<?xml")


@pytest.mark.parametrize("body", ["<html><body>bukan diagram</body></html>", "bukan xml sama sekali",
                                  '<?xml version="1.0"?><bpmn:definitions xmlns:bpmn='
                                  '"http://www.omg.org/spec/BPMN/20100524/MODEL"/>'])
def test_a_file_that_is_no_bpmn_diagram_is_refused_and_nothing_written(tmp_path: Path, body: str) -> None:
    """Not BPMN, not XML, or no process: a clear refusal naming the file, and no folder or file made."""
    source = tmp_path / "bukan.bpmn"
    source.write_text(body, encoding="utf-8")
    code, _out, err = _import(tmp_path, source)
    assert code == 1 and str(source) in err and "Traceback" not in err
    assert not (tmp_path / "definitions").exists() and not (tmp_path / "forms").exists()


def test_a_condition_reading_a_renamed_step_follows_its_new_id_and_fills_its_form(tmp_path: Path) -> None:
    """A condition already in sop's language (`Activity_0x1y2z3["lengkap"] == true`) reads the renamed step, and
    the field it reads is in that step's generated form."""
    source = tmp_path / "periksa.bpmn"
    source.write_text(PERIKSA.format(encoding="UTF-8").replace("sid-2B", "Activity_0x1y2z3").replace(
        "${lengkap == true &amp;&amp; !(jumlah &lt; 3)}", 'Activity_0x1y2z3["lengkap"] == true'), encoding="utf-8")
    code, out, err = _import(tmp_path, source)
    assert code == 0, out + err
    text = (tmp_path / "definitions" / "periksa.bpmn").read_text(encoding="utf-8")
    assert 'PeriksaBerkas["lengkap"] == true' in text and 'value="Activity_0x1y2z3"' in text
    form = json.loads((tmp_path / "forms" / "periksa-PeriksaBerkas.schema.json").read_text(encoding="utf-8"))
    assert form["properties"] == {"lengkap": {"type": "boolean", "title": "Lengkap"}}
    assert _runs(tmp_path, tmp_path / "definitions" / "periksa.bpmn")["outcome"] == "runs"


@pytest.mark.parametrize("name", [
    "bpmnlint/docs-examples__superfluous-gateway-incorrect.bpmn", "spiff-samples/lanes__lanes.bpmn",
    "spiff-arena/timer_intermediate_catch_event__timer_intermediate_catch_event.bpmn",
    "spiff-samples/status-employee-onboarding__onboarding.bpmn", "spiffworkflow/no-tasks.bpmn"])
def test_a_diagram_that_ran_still_runs_after_import(tmp_path: Path, name: str) -> None:
    """Import changes nothing that matters in a diagram sop already ran: it lints clean and runs to its end."""
    assert corpus_run.judge(CORPUS / name)["outcome"] == "runs"
    verdict = judge_imported(CORPUS / name, tmp_path)
    assert verdict["lint"] == [] and verdict["outcome"] == "runs", verdict


def test_a_new_lane_fills_its_pool_in_the_drawing(tmp_path: Path) -> None:
    """The lane made for a pool's lane-less steps is drawn over the pool, beside its name band, and named after it."""
    code, out, err = _import(tmp_path, CORPUS / "miwg" / "camunda-eclipse__A.4.0-export.bpmn")
    assert code == 0, out + err
    assert "put in lane 'Pool': Task 1, Task 2" in out
    text = (tmp_path / "definitions" / "camunda-eclipse__A.4.0-export.bpmn").read_text(encoding="utf-8")
    pool = text.index('bpmnElement="_Participant_8"')
    lane = text.index('bpmnElement="LanePool"')
    assert pool < lane and '<dc:Bounds x="30" y="0" width="1135" height="215"/>' in text[lane:lane + 200]


def test_a_vendor_form_becomes_the_steps_generated_form(tmp_path: Path) -> None:
    """Activiti's formProperty list (labels, long, date, enum, required) is the generated JSON Schema form, and the
    condition reading a field of it reads that field."""
    code, out, err = _import(tmp_path, CORPUS / "activiti" / "taskforms__VacationRequest.bpmn")
    assert code == 0, out + err
    forms = tmp_path / "forms"
    adjust = json.loads((forms / "taskforms__VacationRequest-adjustVacationRequestTask.schema.json").read_text(
        encoding="utf-8"))
    assert adjust["properties"]["numberOfDays"] == {"type": "integer", "title": "Number of days"}
    assert adjust["properties"]["startDate"] == {"type": "string", "format": "date",
                                                 "title": "First day of holiday (dd-MM-yyy)"}
    assert adjust["properties"]["resendRequest"]["enum"] == ["true", "false"]
    assert adjust["required"] == ["numberOfDays", "startDate", "resendRequest"]
    text = (tmp_path / "definitions" / "taskforms__VacationRequest.bpmn").read_text(encoding="utf-8")
    assert 'adjustVacationRequestTask["resendRequest"] == "true"' in text and "activiti:" not in text


def test_an_output_folder_that_is_a_file_is_refused_and_nothing_written(tmp_path: Path) -> None:
    """-o naming a file: a usage error names it (the engine refuses it too), and nothing is written."""
    from engine import DataFileError, import_diagram

    blocker = tmp_path / "definitions"
    blocker.write_text("bukan folder", encoding="utf-8")
    code, out, err = _import(tmp_path, _periksa(tmp_path))
    assert code == 2 and "definitions" in err and "is a file" in err and out == ""
    with pytest.raises(DataFileError, match="is a file, not a folder"):
        import_diagram(_periksa(tmp_path), definitions_dir=blocker, forms_dir=tmp_path / "forms")
    assert blocker.read_text(encoding="utf-8") == "bukan folder" and not (tmp_path / "forms").exists()


def test_a_step_that_ran_code_is_named_in_the_officials_language(tmp_path: Path) -> None:
    """Imported under SOP_LANG=id (the office's language), the manual step that replaces the script says so in
    Indonesian in its name, the name officials read in their tasklist."""
    code, out, err = _import(tmp_path, _periksa(tmp_path), lang="id")
    assert code == 0, out + err
    text = (tmp_path / "definitions" / "periksa.bpmn").read_text(encoding="utf-8")
    assert 'name="Hitung biaya (semula skrip: biaya = jumlah * 1000)"' in text and "was a script" not in text
