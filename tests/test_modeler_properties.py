"""What process owners set in Camunda Modeler (camunda:property, zeebe:property, sop's element templates) is read
as spiffworkflow:property; a diagram saved by bpmn.io is refused saying what to set and how."""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT, Sop
from missing_tool import missing

MODELERS = ROOT / "tests" / "data" / "modelers"
FORMS = MODELERS / "forms"
C7 = MODELERS / "camunda7" / "permohonan_c7.bpmn"
C8 = MODELERS / "camunda8" / "rekomendasi_c8.bpmn"
BPMN_IO = MODELERS / "bpmn-io" / "surat_bpmnio.bpmn"
TEMPLATES = ROOT / "examples" / "modelers"
TEMPLATE_FILES = {"camunda:property": TEMPLATES / "sop-langkah.camunda7.json",
                  "zeebe:property": TEMPLATES / "sop-langkah.zeebe.json"}
SCHEMAS = ROOT / "tools" / "element-templates" / "node_modules" / "@camunda"
OFFICIAL = {"camunda:property": SCHEMAS / "element-templates-json-schema" / "resources" / "schema.json",
            "zeebe:property": SCHEMAS / "zeebe-element-templates-json-schema" / "resources" / "schema.json"}
SOP_READS = {"formJsonSchemaFilename", "sla", "output", "kelengkapan", "nomor", "instructionsForEndUser"}
PERMOHONAN = ("--set", "nomor_surat=123/A", "--set", "perihal=Jaringan baru")


def _sop(tmp_path: Path, source: Path, text: str | None = None) -> Sop:
    """A store and a definitions folder holding one diagram (its text changed when given) and the forms."""
    definitions = tmp_path / "definitions"
    definitions.mkdir()
    (definitions / source.name).write_text(source.read_text(encoding="utf-8") if text is None else text,
                                           encoding="utf-8")
    return Sop(tmp_path / "sop.db", definitions, FORMS)


def _lint(sop: Sop) -> list[dict[str, Any]]:
    result = sop("lint", str(sop.definitions), "--json")
    assert result.exit_code in (0, 1), result.output
    found: list[dict[str, Any]] = json.loads(result.stdout)
    return found


def _minutes(task: dict[str, Any]) -> float:
    """The minutes between a ready task's since and due (no calendar in the folder: wall-clock time)."""
    since, due = (datetime.fromisoformat(task[k].replace("Z", "+00:00")) for k in ("since", "due"))
    return (due - since).total_seconds() / 60


def _ready(sop: Sop) -> dict[str, dict[str, Any]]:
    return {t["task"]: t for t in sop.json("tasks")}


def test_camunda7_diagram_lints_clean_and_runs_with_its_forms_and_times(tmp_path: Path) -> None:
    """The Camunda 7 diagram (template applied, camunda:property) lints clean; each step is ready with the form
    and Mutu Baku time the Modeler wrote, bad data is refused by that form, and both paths run to their end."""
    sop = _sop(tmp_path, C7)
    linted = sop("lint", str(sop.definitions))
    assert (linted.exit_code, linted.stdout, linted.stderr.strip()) == (0, "", "No problems found.")
    first = str(sop.start("permohonan_c7"))
    ajukan = _ready(sop)["Ajukan"]
    assert (ajukan["form"], ajukan["sla"], ajukan["lane"], _minutes(ajukan)) == (
        "permohonan.schema.json", "PT30M", "OPD", 30)
    before = sop.dump()
    refused = sop("complete", first, "Ajukan", "--set", "nomor_surat=X")
    assert refused.exit_code == 1
    assert "Nomor surat (nomor_surat): needs at least 3 characters" in refused.stderr
    assert "Perihal (perihal): is required" in refused.stderr
    assert sop.dump() == before
    assert sop("complete", first, "Ajukan", *PERMOHONAN).exit_code == 0
    telaah = _ready(sop)["Telaah"]
    assert (telaah["form"], telaah["sla"], telaah["lane"], _minutes(telaah)) == (
        "telaah.schema.json", "PT1H", "Kepala Seksi", 60)
    template = sop("form", first, "Telaah", "--template").stdout
    assert "# Instructions:\n#   Baca surat, lalu pilih **setuju** atau **tolak**.\n" in template
    assert sop("complete", first, "Telaah", "--set", "keputusan=setuju").exit_code == 0
    arsipkan = _ready(sop)["Arsipkan"]
    assert (arsipkan["form"], arsipkan["sla"], _minutes(arsipkan)) == ("arsip.schema.json", "P1D", 24 * 60)
    assert sop("complete", first, "Arsipkan", "--set", "lokasi=Lemari 2").exit_code == 0
    assert sop.json("show", first)["status"] == "completed"
    second = str(sop.start("permohonan_c7"))
    assert sop("complete", second, "Ajukan", *PERMOHONAN).exit_code == 0
    assert sop("complete", second, "Telaah", "--set", "keputusan=tolak").exit_code == 0
    assert sop.json("show", second)["status"] == "completed"


def test_camunda7_properties_reach_the_table_and_the_sheet(tmp_path: Path) -> None:
    """`sop decompile` reads the template's fields back as the table's kelengkapan, waktu, output and nomor, and
    the SOP AP sheet prints them; a field the Modeler wrote empty (Arsipkan's output) is not set."""
    sop = _sop(tmp_path, C7)
    table = sop("decompile", str(sop.definitions / C7.name))
    assert table.exit_code == 0, table.output
    assert ("  - nomor: 2\n    id: Telaah\n    kegiatan: Telaah permohonan\n    pelaksana: Kepala Seksi\n"
            "    kelengkapan:\n      formulir: telaah.schema.json\n      nama: Lembar telaah\n    waktu: PT1H\n"
            "    output: Keputusan\n") in table.stdout
    arsipkan = table.stdout[table.stdout.index("    id: Arsipkan"):]
    assert "waktu: P1D" in arsipkan and "output:" not in arsipkan
    sheet = tmp_path / "sheet.html"
    assert sop("sheet", "permohonan_c7", "-o", str(sheet)).exit_code == 0
    page = sheet.read_text(encoding="utf-8")
    assert all(text in page for text in ("Lembar telaah", "terkirim", "Keputusan"))  # output wraps in the box


def test_camunda8_diagram_runs_its_parallel_parafs(tmp_path: Path) -> None:
    """The Camunda 8 diagram (zeebe:property, zeebe:userTask) lints clean; both parafs are ready at once with
    their form and two-hour time, and the signature follows them."""
    sop = _sop(tmp_path, C8)
    assert sop("lint", str(sop.definitions)).exit_code == 0
    instance = str(sop.start("rekomendasi_c8"))
    assert _minutes(_ready(sop)["Ajukan"]) == 30
    assert sop("complete", instance, "Ajukan", *PERMOHONAN).exit_code == 0
    ready = _ready(sop)
    assert {(t, r["form"], r["sla"], r["lane"]) for t, r in ready.items()} == {
        ("ParafKabid", "paraf.schema.json", "PT2H", "Kepala Bidang"),
        ("ParafSekretaris", "paraf.schema.json", "PT2H", "Sekretaris")}
    assert sop("complete", instance, "ParafKabid", "--set", "paraf=true").exit_code == 0
    assert sop("complete", instance, "ParafSekretaris", "--set", "paraf=true").exit_code == 0
    ttd = _ready(sop)["TandaTangan"]
    assert (ttd["form"], ttd["sla"], _minutes(ttd)) == ("tanda_tangan.schema.json", "P1D", 24 * 60)
    refused = sop("complete", instance, "TandaTangan", "--set", "nomor_rekomendasi=A")
    assert refused.exit_code == 1 and "needs at least 3 characters" in refused.stderr
    assert sop("complete", instance, "TandaTangan", "--set", "nomor_rekomendasi=REK-01").exit_code == 0
    assert sop.json("show", instance)["status"] == "completed"


def test_bpmn_io_diagram_is_refused_saying_what_to_set_and_how(tmp_path: Path, monkeypatch:
                                                                  pytest.MonkeyPatch) -> None:
    """A diagram as bpmn.io saves it is not executable, and once it is, each user task lacks a form: lint and
    `sop start` say so, naming the template, its field and the modelers that can set it, in Indonesian too."""
    sop = _sop(tmp_path, BPMN_IO)
    linted = _lint(sop)
    assert [(p["rule"], p["severity"]) for p in linted] == [("process-not-executable", "error")]
    assert "bpmn.io has none, so open the diagram in Camunda Modeler" in linted[0]["message"]
    started = sop("start", "Process_0h5c2vt")
    assert started.exit_code == 1 and "rule process-not-executable" in started.stderr
    executable = BPMN_IO.read_text(encoding="utf-8").replace('isExecutable="false"', 'isExecutable="true"')
    (sop.definitions / BPMN_IO.name).write_text(executable, encoding="utf-8")
    linted = _lint(sop)
    assert [(p["rule"], p["element"]) for p in linted] == [("form-missing", "Activity_0n3x7ka"),
                                                           ("form-missing", "Activity_1y8f2gu")]
    message = linted[0]["message"]
    assert "add the formJsonSchemaFilename property" in message
    assert "apply sop's element template 'Langkah SOP' to the task and fill its Formulir field" in message
    assert "bpmn.io has no field for it" in message and "spiff-arena's modeler" in message
    before = sop.dump()
    started = sop("start", "Process_0h5c2vt")
    assert started.exit_code == 1 and "rule form-missing" in started.stderr and "Langkah SOP" in started.stderr
    assert sop.dump() == before
    monkeypatch.setenv("SOP_LANG", "id")
    said = sop("lint", str(sop.definitions))
    assert said.exit_code == 1
    assert ("tugas pengguna 'Activity_0n3x7ka' tidak memakai formulir; tambahkan properti formJsonSchemaFilename "
            "berisi nama sebuah berkas JSON Schema di folder formulir: di Camunda Modeler, terapkan templat elemen "
            "sop 'Langkah SOP'") in said.stdout
    assert "binds no form" not in said.stdout and "bpmn.io has no field" not in said.stdout


def test_bpmn_io_plain_tasks_get_a_warning_saying_no_step_has_a_form(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """bpmn.io's default Task is a step with no artefact; a process drawn only with those is a warning
    (`process-without-forms`, exit 0) saying how to give its steps forms, in Indonesian too."""
    plain = BPMN_IO.read_text(encoding="utf-8").replace("bpmn:userTask", "bpmn:task").replace(
        'isExecutable="false"', 'isExecutable="true"')
    sop = _sop(tmp_path, BPMN_IO, plain)
    linted = _lint(sop)
    assert [(p["severity"], p["rule"], p["element"], p["line"]) for p in linted] == [
        ("warning", "process-without-forms", "Process_0h5c2vt", 6)]
    assert ("make each step with a Kelengkapan a user task and add its formJsonSchemaFilename property (in Camunda "
            "Modeler: apply sop's element template 'Langkah SOP'") in linted[0]["message"]
    monkeypatch.setenv("SOP_LANG", "id")
    said = sop("lint", str(sop.definitions))
    assert said.exit_code == 0
    assert "tidak ada langkah proses 'Process_0h5c2vt' yang memakai formulir" in said.stdout


def _apply_template(text: str, binding: str, values: dict[str, dict[str, str]]) -> str:
    """The diagram as Camunda Modeler writes it after applying sop's template to each task named in values (a user
    task, the modelerTemplate attributes, one property per template field in the template's order) and ticking
    Executable."""
    template = json.loads(TEMPLATE_FILES[binding].read_text(encoding="utf-8"))[0]
    prefix = binding.split(":")[0]
    namespace = {"camunda": "http://camunda.org/schema/1.0/bpmn", "zeebe": "http://camunda.org/schema/zeebe/1.0"}
    text = text.replace('xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"',
                        f'xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
                        f'xmlns:{prefix}="{namespace[prefix]}"')
    text = text.replace('isExecutable="false"', 'isExecutable="true"')
    for task, given in values.items():
        props = "".join(f'<{binding} name="{p["binding"]["name"]}" value="{given.get(p["binding"]["name"], "")}" />'
                        for p in template["properties"])
        text, count = re.subn(
            rf'<bpmn:(?:userTask|task) id="{task}" (name="[^"]*")>',
            rf'<bpmn:userTask id="{task}" \1 {prefix}:modelerTemplate="{template["id"]}" '
            rf'{prefix}:modelerTemplateVersion="{template["version"]}"><bpmn:extensionElements>'
            rf'<{prefix}:properties>{props}</{prefix}:properties></bpmn:extensionElements>', text)
        assert count == 1
        text = re.sub(rf'(<bpmn:userTask id="{task}".*?)</bpmn:task>', r"\1</bpmn:userTask>", text, flags=re.S)
    return text


@pytest.mark.parametrize("binding", sorted(TEMPLATE_FILES))
def test_the_bpmn_io_diagram_runs_once_the_template_is_applied(binding: str, tmp_path: Path) -> None:
    """The bpmn.io diagram, with each template's fields filled as Camunda Modeler writes them, lints clean and
    runs: its bindings are the names sop reads, and the fields left empty set nothing."""
    text = _apply_template(BPMN_IO.read_text(encoding="utf-8"), binding, {
        "Activity_0n3x7ka": {"formJsonSchemaFilename": "permohonan.schema.json", "sla": "PT30M", "nomor": "1",
                             "instructionsForEndUser": "Isi sesuai kop surat."},
        "Activity_1y8f2gu": {"formJsonSchemaFilename": "telaah.schema.json", "sla": "PT1H",
                             "kelengkapan": "Lembar telaah", "output": "Keputusan"},
        "Activity_0v6j1rd": {"formJsonSchemaFilename": "arsip.schema.json", "sla": "P1D"}})
    sop = _sop(tmp_path, BPMN_IO, text)
    assert _lint(sop) == []
    instance = str(sop.start("Process_0h5c2vt"))
    assert "#   Isi sesuai kop surat." in sop("form", instance, "Activity_0n3x7ka", "--template").stdout
    for task, data, sla in [("Activity_0n3x7ka", PERMOHONAN, "PT30M"),
                            ("Activity_1y8f2gu", ("--set", "keputusan=setuju"), "PT1H"),
                            ("Activity_0v6j1rd", ("--set", "lokasi=Rak 1"), "P1D")]:
        assert _ready(sop)[task]["sla"] == sla
        assert sop("complete", instance, task, *data).exit_code == 0
    assert sop.json("show", instance)["status"] == "completed"


def test_a_property_given_twice_with_different_values_is_an_error_naming_both(tmp_path: Path) -> None:
    """A spiffworkflow sla beside the template's camunda sla with another value is `property-conflict` in lint and
    at start, naming both values; the same value twice is no problem."""
    spiff = ('xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" '
             'xmlns:modeler="http://camunda.org/schema/modeler/1.0"')
    base = C7.read_text(encoding="utf-8").replace('xmlns:modeler="http://camunda.org/schema/modeler/1.0"', spiff)
    twice = '<spiffworkflow:properties><spiffworkflow:property name="sla" value="{}" /></spiffworkflow:properties>'

    def given(value: str) -> str:
        marker = "</camunda:properties>"  # the first: Ajukan's, whose camunda sla is PT30M
        return base.replace(marker, marker + twice.format(value), 1)

    sop = _sop(tmp_path, C7, given("PT2H"))
    errors = [p for p in _lint(sop) if p["severity"] == "error"]
    assert [(p["rule"], p["element"]) for p in errors] == [("property-conflict", "Ajukan")]
    assert errors[0]["message"] == ("'Ajukan' gives property 'sla' different values (spiffworkflow:property 'PT2H', "
                                    "camunda:property 'PT30M'); keep one of them and delete the others, so every "
                                    "modeler and sop read the same value")
    started = sop("start", "permohonan_c7")
    assert started.exit_code == 1 and "rule property-conflict" in started.stderr
    assert not sop.db.exists() or sop.json("instances") == []
    (sop.definitions / C7.name).write_text(given("PT30M"), encoding="utf-8")
    assert _lint(sop) == []
    sop.start("permohonan_c7")
    assert _ready(sop)["Ajukan"]["sla"] == "PT30M"


def test_camunda_and_zeebe_values_of_one_name_conflict_too(tmp_path: Path) -> None:
    """Camunda 7's and Camunda 8's properties on one task are both read; two values of one name are an error."""
    text = C7.read_text(encoding="utf-8").replace(
        'xmlns:modeler=', 'xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" xmlns:modeler=').replace(
        "</camunda:properties>\n      </bpmn:extensionElements>\n      <bpmn:incoming>Flow_1m7c3ua",
        '</camunda:properties><zeebe:properties><zeebe:property name="output" value="Surat" />'
        "</zeebe:properties>\n      </bpmn:extensionElements>\n      <bpmn:incoming>Flow_1m7c3ua", 1)
    sop = _sop(tmp_path, C7, text)
    errors = [p for p in _lint(sop) if p["severity"] == "error"]
    assert [(p["rule"], p["element"]) for p in errors] == [("property-conflict", "Telaah")]
    assert "(camunda:property 'Keputusan', zeebe:property 'Surat')" in errors[0]["message"]


def test_a_misspelt_property_gets_a_did_you_mean_warning(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`SLA` and `formJsonSchemaFile` typed by hand in Extension properties are warnings naming sop's property;
    the step then has no time and no form (form-missing says so)."""
    text = C7.read_text(encoding="utf-8").replace(
        '<camunda:property name="sla" value="PT1H" />', '<camunda:property name="SLA" value="PT1H" />').replace(
        '<camunda:property name="formJsonSchemaFilename" value="telaah.schema.json" />',
        '<camunda:property name="formJsonSchemaFile" value="telaah.schema.json" />')
    sop = _sop(tmp_path, C7, text)
    found = {(p["severity"], p["rule"], p["message"]) for p in _lint(sop) if p["element"] == "Telaah"}
    assert ("warning", "property-unknown",
            "'Telaah' has property 'SLA', which sop does not read; did you mean 'sla'?") in found
    assert ("warning", "property-unknown", "'Telaah' has property 'formJsonSchemaFile', which sop does not read; "
            "did you mean 'formJsonSchemaFilename'?") in found
    assert "form-missing" in {rule for _, rule, _ in found}
    monkeypatch.setenv("SOP_LANG", "id")
    said = sop("lint", str(sop.definitions)).stdout
    assert "'Telaah' memiliki properti 'SLA', yang tidak dibaca sop; maksud Anda 'sla'?" in said


def test_the_templates_bind_the_properties_sop_reads() -> None:
    """Each template is a list of one Camunda template for tasks, turning them into user tasks, whose fields bind
    sop's property names with the template's binding type; Waktu explains the ISO format with examples and its
    pattern takes what sop takes."""
    from engine.common.durations import is_duration

    for binding, path in TEMPLATE_FILES.items():
        templates = json.loads(path.read_text(encoding="utf-8"))
        assert isinstance(templates, list) and len(templates) == 1
        template = templates[0]
        assert {"$schema", "name", "id", "version", "appliesTo", "properties"} <= set(template)
        assert (template["name"], template["id"], template["appliesTo"], template["elementType"]) == (
            "Langkah SOP", "sop.langkah", ["bpmn:Task"], {"value": "bpmn:UserTask"})
        bindings = [p["binding"] for p in template["properties"]]
        assert {b["type"] for b in bindings} == {binding}
        assert {b["name"] for b in bindings} == SOP_READS
        groups = {g["id"] for g in template["groups"]}
        assert all(p["group"] in groups and p["label"] and p["description"] for p in template["properties"])
        sla = next(p for p in template["properties"] if p["binding"]["name"] == "sla")
        assert all(example in sla["description"] for example in ("ISO 8601", "PT30M", "PT1H", "P1D"))
        pattern = re.compile(sla["constraints"]["pattern"]["value"])
        for text in ("PT30M", "PT1H", "P1D", "P1DT2H", "P2W", "PT15M", "30 menit", "1 jam", "PT", "P", "1D"):
            assert bool(pattern.match(text)) == is_duration(text), text
        form = next(p for p in template["properties"] if p["binding"]["name"] == "formJsonSchemaFilename")
        assert form["constraints"]["notEmpty"] is True


@pytest.mark.parametrize("binding", sorted(TEMPLATE_FILES))
def test_the_templates_satisfy_camundas_element_template_schema(binding: str) -> None:
    """Each template is valid by Camunda's own JSON Schema for its engine (npm's @camunda/element-templates-json-
    schema and @camunda/zeebe-element-templates-json-schema, installed by `make bpmnjs`), which refuses a field
    whose binding lacks its name."""
    import jsonschema

    if not OFFICIAL[binding].is_file():
        missing(f"{OFFICIAL[binding].relative_to(ROOT)} is not installed (`make bpmnjs` installs it with npm)")
    validator = jsonschema.Draft7Validator(json.loads(OFFICIAL[binding].read_text(encoding="utf-8")))
    templates = json.loads(TEMPLATE_FILES[binding].read_text(encoding="utf-8"))
    assert [e.message for e in validator.iter_errors(templates)] == []
    broken = json.loads(json.dumps(templates))
    del broken[0]["properties"][0]["binding"]["name"]
    assert list(validator.iter_errors(broken))


def test_the_corpus_diagrams_carry_the_templates_id_and_version() -> None:
    """The Camunda 7 and 8 diagrams carry the templates' id and version, as the Modeler writes them when applying."""
    for path, binding in ((C7, "camunda:property"), (C8, "zeebe:property")):
        template = json.loads(TEMPLATE_FILES[binding].read_text(encoding="utf-8"))[0]
        prefix = binding.split(":")[0]
        text = path.read_text(encoding="utf-8")
        assert (f'{prefix}:modelerTemplate="{template["id"]}" {prefix}:modelerTemplateVersion='
                f'"{template["version"]}"') in text
