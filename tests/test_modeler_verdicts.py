"""One verdict per diagram: what modelers draw either runs end to end or is refused by lint and load alike."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import ROOT, Sop

VERDICT = ROOT / "tests" / "data" / "verdict"
FORMS = VERDICT / "forms"
BPMN = VERDICT / "definitions" / "surat_verdict.bpmn"
BERULANG = ROOT / "tests" / "data" / "berulang"
CONDITION = '<bpmn:conditionExpression>Telaah["keputusan"] == "setuju"</bpmn:conditionExpression>'
PROCESS_TAG = '<bpmn:process id="surat_verdict" name="Surat dengan langkah tanpa artefak" isExecutable="true">'


def declare(names: str) -> Callable[[str], str]:
    """A change that declares start data on the process, as a spiffworkflow property."""
    return lambda text: text.replace(PROCESS_TAG, PROCESS_TAG + '<bpmn:extensionElements><spiffworkflow:properties>'
                                     f'<spiffworkflow:property name="startData" value="{names}" />'
                                     "</spiffworkflow:properties></bpmn:extensionElements>")


def _sop(tmp_path: Path, *changes: Callable[[str], str], source: Path = BPMN, forms: Path = FORMS) -> Sop:
    definitions, copied = tmp_path / "definitions", tmp_path / "forms"
    definitions.mkdir(parents=True)
    shutil.copytree(forms, copied)
    text = source.read_text(encoding="utf-8")
    for change in changes:
        changed = change(text)
        assert changed != text
        text = changed
    (definitions / source.name).write_text(text, encoding="utf-8")
    return Sop(tmp_path / "s.db", definitions, copied)


def _line(sop: Sop, needle: str) -> int:
    path = next(sop.definitions.glob("*.bpmn"))
    return next(n for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if needle in line)


def _lint(sop: Sop) -> list[dict[str, object]]:
    result = sop("lint", str(sop.definitions), "--json")
    assert result.exit_code in (0, 1), result.output
    found: list[dict[str, object]] = json.loads(result.stdout)
    return found


def _refused(sop: Sop, rule: str, message: str, *args: str) -> None:
    """Lint names the rule and message; `sop start` refuses with the same, and writes no store."""
    errors = [p for p in _lint(sop) if p["severity"] == "error"]
    assert [p["rule"] for p in errors][:1] == [rule], errors
    assert message in str(errors[0]["message"]), errors[0]
    started = sop("start", *args)
    assert started.exit_code == 1
    assert started.stderr.startswith("Error: ") and message in started.stderr and f"rule {rule}" in started.stderr
    assert "internal error" not in started.output and not sop.db.exists()


def test_plain_and_manual_tasks_are_steps_with_no_artefact(tmp_path: Path) -> None:
    """A plain Task and a manualTask without a form are steps in their lane that record who and when, take no
    data, and never end in an internal error."""
    sop = _sop(tmp_path)
    assert sop("lint", str(sop.definitions)).exit_code == 0
    instance = str(sop.start("surat_verdict"))
    assert sop("complete", instance, "Telaah", "--set", "keputusan=setuju").exit_code == 0
    (task,) = sop.json("tasks")
    assert (task["task"], task["lane"], task["form"]) == ("Arsipkan", "Arsiparis", None)
    template = sop("form", instance, "Arsipkan", "--template")
    assert template.exit_code == 0
    assert f"# sop complete {instance} Arsipkan   (a step with no artefact: it takes no data)" in template.stdout
    assert "#   Simpan surat di lemari arsip." in template.stdout
    assert json.loads(sop("form", instance, "Arsipkan").stdout)["additionalProperties"] is False
    before = sop.dump()
    refused = sop("complete", instance, "Arsipkan", "--set", "catatan=x")
    assert refused.exit_code == 1 and "is a step with no artefact" in refused.stderr, refused.output
    assert sop.dump() == before
    assert sop("complete", instance, "Arsipkan").exit_code == 0
    shown = sop.json("show", instance)
    assert shown["status"] == "completed" and shown["data"]["Arsipkan"] == {}
    assert sop("verify").exit_code == 0


def test_a_step_with_no_artefact_is_held_to_its_lane(tmp_path: Path) -> None:
    """With a roles file, only a person of the plain task's lane may complete it; the event records who."""
    from engine.common.identity import os_login

    me = os_login()
    sop = _sop(tmp_path)
    roles = sop.definitions / "roles.yaml"
    roles.write_text(f"{me}: {{name: Penguji, lanes: [Kepala Seksi]}}\narsip.umum: {{name: Arsiparis, lanes: "
                     "[Arsiparis]}\n", encoding="utf-8")
    instance = str(sop.start("surat_verdict"))
    assert sop("complete", instance, "Telaah", "--set", "keputusan=setuju").exit_code == 0
    before = sop.dump()
    refused = sop("complete", instance, "Arsipkan")
    assert refused.exit_code == 1 and "is in lane 'Arsiparis'" in refused.stderr, refused.output
    assert sop.dump() == before
    roles.write_text(f"{me}: {{name: Penguji, lanes: [Kepala Seksi, Arsiparis]}}\n", encoding="utf-8")
    assert sop("complete", instance, "Arsipkan").exit_code == 0
    events = sop.json("history", instance)
    assert [(e["task"], e["actor"]) for e in events if e["type"] == "task-completed"][-1] == ("Arsipkan", me)


def test_groups_and_text_annotations_are_only_drawn(tmp_path: Path) -> None:
    """bpmn-js's group (with its category) and a text annotation are artifacts, not flow: the diagram lints
    clean and runs."""
    artifacts = ('<bpmn:group id="Group_1" categoryValueRef="CV_1" /><bpmn:textAnnotation id="TA_1"><bpmn:text>'
                 'catatan</bpmn:text></bpmn:textAnnotation><bpmn:association id="A_1" sourceRef="Telaah" '
                 'targetRef="TA_1" />')
    sop = _sop(tmp_path, lambda t: t.replace("  </bpmn:process>", artifacts + "</bpmn:process>").replace(
        "</bpmn:definitions>", '<bpmn:category id="Cat_1"><bpmn:categoryValue id="CV_1" value="Arsip" />'
        "</bpmn:category></bpmn:definitions>"))
    assert sop("lint", str(sop.definitions)).exit_code == 0
    instance = str(sop.start("surat_verdict"))
    assert sop("complete", instance, "Telaah", "--set", "keputusan=tolak").exit_code == 0
    assert sop("complete", instance, "Kembalikan").exit_code == 0
    assert sop.json("show", instance)["status"] == "completed"


def test_a_plain_intermediate_event_is_a_milestone_that_runs(tmp_path: Path) -> None:
    """bpmn-js's default intermediate event (no event definition) passes; one that throws a message is refused."""
    milestone = ('<bpmn:intermediateThrowEvent id="Diarsipkan" name="Surat diarsipkan"><bpmn:incoming>F3'
                 '</bpmn:incoming><bpmn:outgoing>F3b</bpmn:outgoing></bpmn:intermediateThrowEvent>'
                 '<bpmn:sequenceFlow id="F3b" sourceRef="Diarsipkan" targetRef="EndEvent_Arsip" />')

    def drawn(text: str) -> str:
        return (text.replace('<bpmn:sequenceFlow id="F3" sourceRef="Arsipkan" targetRef="EndEvent_Arsip" />',
                             '<bpmn:sequenceFlow id="F3" sourceRef="Arsipkan" targetRef="Diarsipkan" />' + milestone)
                .replace('<bpmn:incoming>F3</bpmn:incoming></bpmn:endEvent>', '<bpmn:incoming>F3b</bpmn:incoming>'
                         "</bpmn:endEvent>")
                .replace("<bpmn:flowNodeRef>EndEvent_Arsip</bpmn:flowNodeRef>",
                         "<bpmn:flowNodeRef>EndEvent_Arsip</bpmn:flowNodeRef><bpmn:flowNodeRef>Diarsipkan"
                         "</bpmn:flowNodeRef>"))

    sop = _sop(tmp_path, drawn)
    assert sop("lint", str(sop.definitions)).exit_code == 0
    instance = str(sop.start("surat_verdict"))
    assert sop("complete", instance, "Telaah", "--set", "keputusan=setuju").exit_code == 0
    assert sop("complete", instance, "Arsipkan").exit_code == 0
    assert sop.json("show", instance)["status"] == "completed"
    throwing = _sop(tmp_path / "pesan", drawn, lambda t: t.replace(
        '<bpmn:outgoing>F3b</bpmn:outgoing></bpmn:intermediateThrowEvent>',
        '<bpmn:outgoing>F3b</bpmn:outgoing><bpmn:messageEventDefinition id="Pesan_1" /></bpmn:intermediateThrowEvent>'))
    _refused(throwing, "element-unsupported", "intermediateThrowEvent 'Diarsipkan' (messageEventDefinition) is refused",
             "surat_verdict")


def test_a_manual_task_on_the_other_branch_completes_too(tmp_path: Path) -> None:
    """The manualTask of the default branch is ready in its lane and completes with no data."""
    sop = _sop(tmp_path)
    instance = str(sop.start("surat_verdict"))
    assert sop("complete", instance, "Telaah", "--set", "keputusan=tolak").exit_code == 0
    assert [(t["task"], t["lane"]) for t in sop.json("tasks")] == [("Kembalikan", "Arsiparis")]
    assert sop("complete", instance, "Kembalikan").exit_code == 0
    assert sop.json("show", instance)["status"] == "completed"


@pytest.mark.parametrize("kind", ["task", "manualTask"])
def test_a_task_that_keeps_its_form_runs_as_a_user_task(kind: str, tmp_path: Path) -> None:
    """bpmn-js's replace menu keeps the properties: a plain or manual task with a form is a user task with that
    form (a lint warning says so), its form pinned; `sop form` and `sop complete` work and validate."""
    sop = _sop(tmp_path, lambda t: t.replace('<bpmn:userTask id="Telaah"', f'<bpmn:{kind} id="Telaah"')
               .replace("</bpmn:userTask>", f"</bpmn:{kind}>"))
    linted = _lint(sop)
    assert [p["severity"] for p in linted] == ["warning"]
    assert linted[0]["rule"] == "task-type-form" and "runs it as a user task" in str(linted[0]["message"])
    instance = str(sop.start("surat_verdict"))
    assert json.loads(sop("form", instance, "Telaah").stdout)["title"] == "Telaah"
    bad = sop("complete", instance, "Telaah", "--set", "keputusan=mungkin")
    assert bad.exit_code == 1 and bad.stderr.startswith("Error:") and "internal error" not in bad.output
    assert sop("complete", instance, "Telaah", "--set", "keputusan=setuju").exit_code == 0
    assert [t["task"] for t in sop.json("tasks")] == ["Arsipkan"]


def test_a_version_pinned_without_its_task_form_is_refused_cleanly(tmp_path: Path) -> None:
    """A version pinned before plain tasks' forms were pinned (its bundle lacks the form) gives an Error line
    naming the form and the fix, never an internal error, and changes nothing."""
    import sqlite3

    sop = _sop(tmp_path, lambda t: t.replace('<bpmn:userTask id="Telaah"', '<bpmn:task id="Telaah"')
               .replace("</bpmn:userTask>", "</bpmn:task>"))
    instance = str(sop.start("surat_verdict"))
    conn = sqlite3.connect(sop.db)
    (bundle,) = conn.execute("SELECT bundle FROM definition_versions").fetchone()
    old = json.loads(bundle)
    old["forms"].pop("telaah.schema.json")
    conn.execute("UPDATE definition_versions SET bundle = ?", (json.dumps(old),))
    conn.commit()
    conn.close()
    before = sop.dump()
    for args in (("form", instance, "Telaah"), ("complete", instance, "Telaah", "--set", "keputusan=setuju")):
        result = sop(*args)
        assert result.exit_code == 1, result.output
        assert result.stderr.startswith("Error: Form 'telaah.schema.json' is not pinned with version"), result.output
        assert "sop migrate" in result.stderr and "internal error" not in result.output
    assert sop.dump() == before


def test_a_user_task_without_a_form_stays_refused(tmp_path: Path) -> None:
    """A user task is where a person enters an artefact: without a form it is refused by lint and load."""
    sop = _sop(tmp_path, lambda t: t.replace(
        '<spiffworkflow:property name="formJsonSchemaFilename" value="telaah.schema.json" />', ""))
    _refused(sop, "form-missing", "user task 'Telaah' binds no form", "surat_verdict")


@pytest.mark.parametrize(("condition", "hint"), [
    ('keputusan == "setuju"', 'write Telaah["keputusan"] (a field of the form of step \'Telaah\')'),
    ('Telah["keputusan"] == "setuju" or Telah == 1', "did you mean 'Telaah'?"),
    ('prioritas == "tinggi"', "declare it with a spiffworkflow:property startData (value 'prioritas')"),
])
def test_a_bare_name_in_a_condition_is_refused_with_its_fix(condition: str, hint: str, tmp_path: Path) -> None:
    """A name that is no step id, function or declared start data is an error of lint and load at the
    condition's line, suggesting the step-scoped spelling from the forms (or the declaration)."""
    sop = _sop(tmp_path, lambda t: t.replace(CONDITION, f"<bpmn:conditionExpression>{condition}"
                                                        "</bpmn:conditionExpression>"))
    line = _line(sop, "<bpmn:conditionExpression>")
    errors = [p for p in _lint(sop) if p["severity"] == "error"]
    found = [p for p in errors if p["rule"] == "condition-unknown-name"]
    assert found and found[0]["line"] == line and found[0]["element"] == "F_Setuju"
    assert hint in str(found[0]["message"]), found[0]
    started = sop("start", "surat_verdict")
    assert started.exit_code == 1 and "internal error" not in started.output
    assert f":{line}: " in started.stderr and not sop.db.exists()


def test_a_camunda_juel_condition_says_how_to_write_it(tmp_path: Path) -> None:
    """Camunda's `${...}` condition is refused by lint and load with the spelling sop reads."""
    sop = _sop(tmp_path, lambda t: t.replace(CONDITION, "<bpmn:conditionExpression>${keputusan == 'setuju'}"
                                                        "</bpmn:conditionExpression>"))
    _refused(sop, "condition-invalid", "write it without ${ } as an expression over a step's field",
             "surat_verdict")


def test_a_condition_out_of_a_task_is_refused(tmp_path: Path) -> None:
    """A conditional flow straight out of a task would be taken whatever it says: refused, naming the gateway
    to draw."""
    sop = _sop(tmp_path, lambda t: t.replace(
        '<bpmn:sequenceFlow id="F3" sourceRef="Arsipkan" targetRef="EndEvent_Arsip" />',
        '<bpmn:sequenceFlow id="F3" sourceRef="Arsipkan" targetRef="EndEvent_Arsip"><bpmn:conditionExpression>'
        'Telaah["keputusan"] == "setuju"</bpmn:conditionExpression></bpmn:sequenceFlow>'))
    _refused(sop, "condition-ignored", "sequence flow 'F3' out of task 'Arsipkan' has a condition, which is never "
             "evaluated there", "surat_verdict")


def test_declared_start_data_is_read_and_required(tmp_path: Path) -> None:
    """A condition may read a name the process declares as startData; `sop start` requires it, and the
    gateway then reads it."""
    condition = '<bpmn:conditionExpression>prioritas == "tinggi" and Telaah["keputusan"] == "setuju"'
    sop = _sop(tmp_path, declare("prioritas"), lambda t: t.replace(CONDITION[:-len("</bpmn:conditionExpression>")],
                                                                  condition))
    assert sop("lint", str(sop.definitions)).exit_code == 0
    refused = sop("start", "surat_verdict")
    assert refused.exit_code == 1
    assert "Start data lacks 'prioritas', which process surat_verdict declares in its startData" in refused.stderr
    data = tmp_path / "awal.yaml"
    data.write_text("prioritas: tinggi\n", encoding="utf-8")
    instance = str(sop.json("start", "surat_verdict", "--data", str(data))["instance"])
    assert sop("complete", instance, "Telaah", "--set", "keputusan=setuju").exit_code == 0
    assert [t["task"] for t in sop.json("tasks")] == ["Arsipkan"]


def test_the_start_event_form_declares_and_validates_start_data(tmp_path: Path) -> None:
    """A start event's form declares its fields as start data (conditions may read them bare) and validates what
    `sop start --data` gives; the form is pinned with the version."""
    start = '<bpmn:startEvent id="StartEvent_1"><bpmn:outgoing>F1</bpmn:outgoing></bpmn:startEvent>'
    with_form = ('<bpmn:startEvent id="StartEvent_1"><bpmn:extensionElements><spiffworkflow:properties>'
                 '<spiffworkflow:property name="formJsonSchemaFilename" value="awal.schema.json" />'
                 "</spiffworkflow:properties></bpmn:extensionElements><bpmn:outgoing>F1</bpmn:outgoing>"
                 "</bpmn:startEvent>")
    condition = '<bpmn:conditionExpression>prioritas == "tinggi" and Telaah["keputusan"] == "setuju"'
    sop = _sop(tmp_path, lambda t: t.replace(start, with_form),
               lambda t: t.replace(CONDITION[:-len("</bpmn:conditionExpression>")], condition))
    assert sop("lint", str(sop.definitions)).exit_code == 0
    refused = sop("start", "surat_verdict")
    assert refused.exit_code == 1 and "Start data (form awal.schema.json)" in refused.stderr, refused.output
    assert "prioritas" in refused.stderr and not sop.db.exists()
    data = tmp_path / "awal.yaml"
    data.write_text("prioritas: segera\n", encoding="utf-8")
    assert sop("start", "surat_verdict", "--data", str(data)).exit_code == 1
    data.write_text("prioritas: tinggi\n", encoding="utf-8")
    instance = str(sop.json("start", "surat_verdict", "--data", str(data))["instance"])
    assert sop("complete", instance, "Telaah", "--set", "keputusan=setuju").exit_code == 0
    assert [t["task"] for t in sop.json("tasks")] == ["Arsipkan"]
    (before,) = sop.json("processes")
    form = sop.forms / "awal.schema.json"
    form.write_text(form.read_text(encoding="utf-8").replace('"Data awal"', '"Data awal surat"'), encoding="utf-8")
    (after,) = sop.json("processes")
    assert before["version"] != after["version"]


def test_a_start_data_name_that_is_a_step_id_is_refused(tmp_path: Path) -> None:
    """startData names are data keys of their own: a step id there is an error naming the property."""
    sop = _sop(tmp_path, declare("Telaah, prioritas"))
    _refused(sop, "start-data-invalid", "startData name 'Telaah' of process 'surat_verdict' is the id of a step",
             "surat_verdict")


def test_data_objects_and_their_associations_are_refused(tmp_path: Path) -> None:
    """A data object, its reference and a task's association to it are each named, with what to change."""
    sop = _sop(tmp_path, source=VERDICT / "modeler" / "data_object.bpmn")
    errors = [p for p in _lint(sop) if p["severity"] == "error"]
    assert [(p["rule"], p["element"]) for p in errors] == [
        ("data-unsupported", "DataObject_Surat"), ("data-unsupported", "Ref_Surat"),
        ("data-unsupported", "Assoc_Surat")]
    assert "never reads or writes data objects or stores; delete it" in str(errors[0]["message"])
    _refused(sop, "data-unsupported", "dataObject 'DataObject_Surat' is refused", "surat_data")


def _periksa(tmp_path: Path, loop: str, *changes: Callable[[str], str]) -> Sop:
    cardinality = '<bpmn:loopCardinality>Isi["jumlah"]</bpmn:loopCardinality>'
    return _sop(tmp_path, lambda t: t.replace(cardinality, loop), *changes,
                source=BERULANG / "definitions" / "ulang_periksa.bpmn", forms=BERULANG / "forms")


def test_a_multi_instance_output_collection_is_refused(tmp_path: Path) -> None:
    """An output collection is never filled by sop's steps, so the task could not finish: refused."""
    sop = _periksa(tmp_path, '<bpmn:loopCardinality>2</bpmn:loopCardinality>'
                             '<bpmn:loopDataOutputRef>hasil</bpmn:loopDataOutputRef>'
                             '<bpmn:outputDataItem id="satu" name="satu" />')
    _refused(sop, "data-unsupported", "loopDataOutputRef of 'Periksa' is refused", "ulang_periksa")


def test_a_multi_instance_input_collection_must_be_declared_start_data(tmp_path: Path) -> None:
    """A loop over a collection that is not declared start data would stop at the task: refused; declared, it
    runs once per item of the list given at start."""
    loop = '<bpmn:loopDataInputRef>daftar</bpmn:loopDataInputRef><bpmn:inputDataItem id="butir" name="butir" />'
    sop = _periksa(tmp_path, loop)
    _refused(sop, "condition-unknown-name", "repeats once per item of 'daftar' (loopDataInputRef), which is no "
             "declared start data", "ulang_periksa")
    tag = '<bpmn:process id="ulang_periksa" name="Periksa berulang" isExecutable="true">'
    sop = _periksa(tmp_path / "declared", loop, lambda t: t.replace(
        tag, tag + '<bpmn:extensionElements><spiffworkflow:properties><spiffworkflow:property name="startData" '
        'value="daftar" /></spiffworkflow:properties></bpmn:extensionElements>'))
    assert sop("lint", str(sop.definitions)).exit_code == 0
    data = tmp_path / "awal.json"
    data.write_text(json.dumps({"daftar": ["a", "b"]}), encoding="utf-8")
    instance = str(sop.json("start", "ulang_periksa", "--data", str(data))["instance"])
    assert sop("complete", instance, "Isi", "--set", "jumlah=1").exit_code == 0
    periksa = [t["id"] for t in sop.json("tasks")]
    assert len(periksa) == 2
    for task in periksa:
        assert sop("complete", instance, task, "--set", "catatan=baik").exit_code == 0
    assert sop.json("show", instance)["status"] == "completed"


def test_camunda_extensions_get_warnings_naming_the_spiff_equivalent(tmp_path: Path) -> None:
    """camunda:formKey and camunda:formData are warnings (sop reads neither) that say what to write instead;
    camunda:properties are read as spiffworkflow properties, so the step runs on its form with the sla they give."""
    sop = _sop(tmp_path, source=VERDICT / "modeler" / "camunda_cuti.bpmn")
    linted = _lint(sop)
    assert {(p["severity"], p["rule"], p["element"]) for p in linted} == {("warning", "modeler-extension", "Ajukan")}
    messages = " | ".join(str(p["message"]) for p in linted)
    assert "camunda:formKey='embedded:app:forms/cuti.html', which sop does not read" in messages
    assert "with the property formJsonSchemaFilename (in Camunda Modeler: apply sop's element template" in messages
    assert "camunda:properties" not in messages
    assert "camunda:formData (alasan)" in messages
    assert "camunda:candidateGroups='pegawai', which sop does not read; put the step in its actor's lane" in messages
    assert sop.start("camunda_cuti") == 1
    assert [(t["task"], t["form"], t["sla"]) for t in sop.json("tasks")] == [("Ajukan", "telaah.schema.json", "PT1H")]


def test_a_non_executable_process_says_to_set_is_executable(tmp_path: Path) -> None:
    """bpmn-js's new-diagram template (isExecutable="false") is refused by lint and by `sop start`, saying what
    to set."""
    sop = _sop(tmp_path, lambda t: t.replace('isExecutable="true"', 'isExecutable="false"'))
    _refused(sop, "process-not-executable", 'set isExecutable="true" on the process', "surat_verdict")


def test_instructions_for_end_user_are_shown_where_the_step_is_done(tmp_path: Path) -> None:
    """spiff's instructionsForEndUser (Markdown) is a comment of the template and a section of `sop show`."""
    sop = _sop(tmp_path)
    instance = str(sop.start("surat_verdict"))
    template = sop("form", instance, "Telaah", "--template").stdout
    assert "# Instructions:\n#   ## Telaah\n#   Baca surat, lalu pilih **setuju** atau **tolak**.\n" in template
    assert "keputusan:" in template
    ahead = sop("form", "--process", "surat_verdict", "Arsipkan", "--template").stdout
    assert "#   Simpan surat di lemari arsip." in ahead and "a step with no artefact" in ahead
    shown = sop("show", instance).stdout
    assert "Instructions for Telaah surat:\n  ## Telaah\n  Baca surat" in shown  # the step by its name


def test_the_ui_schema_is_pinned_with_the_version(tmp_path: Path) -> None:
    """formUiSchemaFilename's file is part of the version's hash; a missing one is refused by lint and load."""
    sop = _sop(tmp_path)
    (before,) = sop.json("processes")
    ui = sop.forms / "telaah.uischema.json"
    ui.write_text('{"ui:order": ["catatan", "keputusan"]}', encoding="utf-8")
    (after,) = sop.json("processes")
    assert before["version"] != after["version"]
    ui.unlink()
    _refused(sop, "form-file-missing", "names UI schema 'telaah.uischema.json', which is not in", "surat_verdict")


def test_migrating_past_a_renamed_step_is_allowed(tmp_path: Path) -> None:
    """A completed step whose name, documentation and sla changed is the same step: the instance moves and
    finishes on the new version."""
    sop = _sop(tmp_path)
    instance = str(sop.start("surat_verdict"))
    assert sop("complete", instance, "Telaah", "--set", "keputusan=setuju").exit_code == 0
    path = next(sop.definitions.glob("*.bpmn"))
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('name="Telaah surat"', 'name="Telaah surat masuk"')
                    .replace("Telaah surat masuk.</bpmn:documentation>", "Telaah isi surat.</bpmn:documentation>")
                    .replace('value="PT1H"', 'value="PT2H"'), encoding="utf-8")
    moved = sop("migrate", instance)
    assert moved.exit_code == 0, moved.output
    assert sop("complete", instance, "Arsipkan").exit_code == 0
    assert sop.json("show", instance)["status"] == "completed"
    assert sop("verify").exit_code == 0


def test_migrating_past_a_step_whose_form_changed_is_refused(tmp_path: Path) -> None:
    """A completed step bound to another form file is another step: the move is refused, naming it."""
    sop = _sop(tmp_path)
    instance = str(sop.start("surat_verdict"))
    assert sop("complete", instance, "Telaah", "--set", "keputusan=setuju").exit_code == 0
    shutil.copy(sop.forms / "telaah.schema.json", sop.forms / "telaah2.schema.json")
    path = next(sop.definitions.glob("*.bpmn"))
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('value="telaah.schema.json"', 'value="telaah2.schema.json"'), encoding="utf-8")
    before = sop.dump()
    moved = sop("migrate", instance)
    assert moved.exit_code == 1 and ("step 'Telaah surat' is already done and the new version changes it: step "
                                     "'Telaah surat' records another form, with the same fields") in moved.stderr
    assert sop.dump() == before


def test_the_ui_schema_orders_and_explains_the_template(tmp_path: Path) -> None:
    """`sop form --template` follows the UI schema: fields in `ui:order`, `ui:help` and `ui:placeholder` in their
    comments, for a ready task and for any step of the process alike."""
    sop = _sop(tmp_path)
    ui = {"ui:order": ["catatan", "*"],
          "catatan": {"ui:help": "Tulis alasan singkat", "ui:placeholder": "mis. lengkap"}}
    (sop.forms / "telaah.uischema.json").write_text(json.dumps(ui), encoding="utf-8")
    (process,) = sop.json("processes")
    step = "Telaah"
    template = sop("form", "--process", process["id"], step, "--template").stdout
    lines = [line for line in template.splitlines() if not line.startswith("#")]
    assert [line.split(":")[0].lstrip("# ") for line in template.splitlines()
            if line.lstrip("# ").startswith(("catatan:", "keputusan:"))] == ["catatan", "keputusan"], template
    assert "Tulis alasan singkat" in template and "mis. lengkap" in template
    assert lines  # a fill-in skeleton, not only comments
