"""Tests for `sop lint`: each rule fails on a broken fixture and passes on the clean one, with file, line, element."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.conftest import DEFINITIONS, FORMS, ROOT, Sop

LINT = ROOT / "tests" / "data" / "lint"
BPMN = "cuti_lint.bpmn"
COND_TOLAK = '<bpmn:conditionExpression>Telaah["keputusan"] == "tolak"</bpmn:conditionExpression>'
COND_SETUJU = '<bpmn:conditionExpression>Telaah["keputusan"] == "setuju"</bpmn:conditionExpression>'
AJUKAN_FORM = '<spiffworkflow:property name="formJsonSchemaFilename" value="ajukan.schema.json" />'
START = '<bpmn:startEvent id="StartEvent_1">'


def _copy(tmp_path: Path, old: str = "", new: str = "") -> tuple[Path, Path, str]:
    definitions, forms = tmp_path / "definitions", tmp_path / "forms"
    shutil.copytree(LINT / "definitions", definitions)
    shutil.copytree(LINT / "forms", forms)
    text = (definitions / BPMN).read_text()
    if old:
        assert old in text
        text = text.replace(old, new, 1)
        (definitions / BPMN).write_text(text)
    return definitions, forms, text


def _lint(definitions: Path, forms: Path, *args: str) -> tuple[int, list[dict[str, object]]]:
    result = Sop(definitions.parent / "unused.db", definitions, forms)("lint", *args, "--json")
    return result.exit_code, json.loads(result.stdout)


def _line(text: str, marker: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if marker in line)


def test_clean_fixture_has_no_problems(tmp_path: Path) -> None:
    """The passing fixture (lanes, forms, roles, an enum gateway covered by its conditions) lints clean, exit 0."""
    definitions, forms, _ = _copy(tmp_path)
    assert _lint(definitions, forms) == (0, [])


def test_shipped_sop_lints_clean(sop: Sop) -> None:
    """The SOP in definitions/ has no lint problem at all."""
    result = sop("lint")
    assert result.exit_code == 0, result.output
    assert result.stdout == "" and "No problems found." in result.stderr
    assert Sop(sop.db, DEFINITIONS, FORMS).json("lint", str(DEFINITIONS)) == []


CASES = [
    # rule, element, text replaced, replacement, marker of the reported line
    ("xsd", "Gateway_Keputusan", 'name="Disetujui?">', 'name="Disetujui?" bogus="1">', 'id="Gateway_Keputusan"'),
    ("process-unparsable", "F_Tolak", COND_TOLAK, "", 'id="F_Tolak"'),
    ("lane-missing", "Ajukan", "<bpmn:flowNodeRef>Ajukan</bpmn:flowNodeRef>", "", 'id="Ajukan"'),
    ("form-missing", "Ajukan", AJUKAN_FORM, "", 'id="Ajukan"'),
    ("form-file-missing", "Ajukan", 'value="ajukan.schema.json"', 'value="tidak_ada.schema.json"', 'id="Ajukan"'),
    ("sla-invalid", "Ajukan", 'value="PT1H"', 'value="1 jam"', 'id="Ajukan"'),
    ("task-id-invalid", "Ajukan-Cuti", 'id="Ajukan"', 'id="Ajukan-Cuti"', 'id="Ajukan-Cuti"'),
    ("id-reserved", "Start", 'id="StartEvent_1"', 'id="Start"', 'id="Start"'),
    ("condition-invalid", "F_Setuju", COND_SETUJU,
     "<bpmn:conditionExpression>Telaah.keputusan == 1</bpmn:conditionExpression>", "Telaah.keputusan"),
    ("condition-invalid", "F_Setuju", COND_SETUJU,
     "<bpmn:conditionExpression>().__class__.__base__.__subclasses__()</bpmn:conditionExpression>", "__subclasses__"),
    ("condition-unknown-step", "F_Setuju", COND_SETUJU,
     '<bpmn:conditionExpression>Lain["keputusan"] == "setuju"</bpmn:conditionExpression>', 'Lain["keputusan"]'),
    ("condition-unknown-step", "Ajukan", AJUKAN_FORM,
     AJUKAN_FORM + '<spiffworkflow:property name="check" value="Telaah[&quot;keputusan&quot;] == 1" />',
     'name="check" value="Telaah'),
    ("condition-unknown-field", "F_Setuju", COND_SETUJU,
     '<bpmn:conditionExpression>Telaah["keputusn"] == "setuju"</bpmn:conditionExpression>', 'Telaah["keputusn"]'),
    ("gateway-uncovered", "Gateway_Keputusan", COND_TOLAK,
     '<bpmn:conditionExpression>Telaah["keputusan"] == "tunda"</bpmn:conditionExpression>', 'id="Gateway_Keputusan"'),
    ("unreachable", "EndEvent_Yatim", START, '<bpmn:endEvent id="EndEvent_Yatim" />' + START, 'id="EndEvent_Yatim"'),
    ("dead-end", "Buntu", START,
     '<bpmn:task id="Buntu" /><bpmn:sequenceFlow id="F_B" sourceRef="Ajukan" targetRef="Buntu" />' + START,
     'id="Buntu"'),
    ("element-unsupported", "Kirim", START,
     '<bpmn:serviceTask id="Kirim"><bpmn:outgoing>F_K</bpmn:outgoing></bpmn:serviceTask>'
     '<bpmn:sequenceFlow id="F_K" sourceRef="Kirim" targetRef="EndEvent_Tolak" />' + START, 'id="Kirim"'),
    ("script-refused", "Hitung", START, '<bpmn:scriptTask id="Hitung"><bpmn:script>import os</bpmn:script>'
     '</bpmn:scriptTask>' + START, 'id="Hitung"'),
    ("flow-dangling", "F2", 'id="F2" sourceRef="Ajukan" targetRef="Telaah"',
     'id="F2" sourceRef="Ajukan" targetRef="Tela"', 'id="F2"'),
]


@pytest.mark.parametrize(("rule", "element", "old", "new", "marker"), CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_each_rule_reports_file_line_and_element(tmp_path: Path, rule: str, element: str, old: str, new: str,
                                                 marker: str) -> None:
    """A fixture breaking one rule gets an error of that rule naming the file, the element and its line; exit 1."""
    definitions, forms, text = _copy(tmp_path, old, new)
    code, problems = _lint(definitions, forms)
    assert code == 1
    found = [p for p in problems if p["rule"] == rule]
    assert found, problems
    expected = {"severity": "error", "file": str(definitions / BPMN), "line": _line(text, marker), "element": element,
                "rule": rule}
    assert any({k: p[k] for k in expected} == expected for p in found), found


def test_invalid_form_schema_is_reported(tmp_path: Path) -> None:
    """A bound form that is not valid JSON Schema is an error on the task that binds it."""
    definitions, forms, text = _copy(tmp_path)
    (forms / "ajukan.schema.json").write_text('{"type": 5}')
    code, problems = _lint(definitions, forms)
    assert code == 1
    found = [(p["rule"], p["element"], p["line"]) for p in problems]
    assert found == [("form-invalid", "Ajukan", _line(text, 'id="Ajukan"'))]


def test_malformed_xml_is_reported_with_its_line(tmp_path: Path) -> None:
    """XML that is not well formed is one error at the line where parsing stopped."""
    definitions, forms, _ = _copy(tmp_path, "</bpmn:userTask>", "</bpmn:userTsk>")
    code, problems = _lint(definitions, forms)
    assert code == 1
    assert [(p["rule"], p["line"]) for p in problems] == [("xml-malformed", 23)]


def test_duplicate_process_and_broken_page_are_reported(tmp_path: Path) -> None:
    """Two files defining one process id, and a YAML page that does not parse, are errors with their files."""
    definitions, forms, _ = _copy(tmp_path)
    shutil.copy(definitions / BPMN, definitions / "salinan.bpmn")
    (definitions / "cuti_lint.yaml").write_text("process: cuti_lint\nnama_sop: [tidak ditutup\n")
    code, problems = _lint(definitions, forms)
    assert code == 1
    rules = {(p["rule"], Path(str(p["file"])).name) for p in problems}
    assert ("process-duplicate", "salinan.bpmn") in rules
    assert ("page-invalid", "cuti_lint.yaml") in rules


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    """Several broken rules in one file are all listed in one run, sorted by line."""
    definitions, forms, text = _copy(tmp_path, 'value="PT1H"', 'value="sejam"')
    text = text.replace("<bpmn:flowNodeRef>Telaah</bpmn:flowNodeRef>", "").replace('Telaah["keputusan"] == "tolak"',
                                                                                  'Telaah["keputusan"] == "tunda"')
    (definitions / BPMN).write_text(text)
    code, problems = _lint(definitions, forms)
    assert code == 1
    assert [p["rule"] for p in problems] == ["sla-invalid", "lane-missing", "gateway-uncovered"]
    lines = [p["line"] for p in problems]
    assert lines == sorted(lines)


def test_warnings_alone_exit_zero(tmp_path: Path) -> None:
    """A lane nobody in the roles file has, and a gateway reading free text without a default, warn with exit 0."""
    definitions, forms, text = _copy(tmp_path, COND_TOLAK,
                                     '<bpmn:conditionExpression>Telaah["catatan"] != ""</bpmn:conditionExpression>')
    (definitions / "roles.yaml").write_text("ani:\n  lanes: [Pegawai]\n")
    code, problems = _lint(definitions, forms)
    assert code == 0
    assert [(p["severity"], p["rule"], p["element"]) for p in problems] == [
        ("warning", "lane-unknown-role", "Lane_Atasan"), ("warning", "gateway-no-default", "Gateway_Keputusan")]
    assert problems[0]["line"] == _line(text, 'id="Lane_Atasan"')


def test_roles_option_and_absent_roles_file(tmp_path: Path) -> None:
    """--roles names the roles file; with no roles file at all, the lane rule is silent."""
    definitions, forms, _ = _copy(tmp_path)
    other = tmp_path / "peran.yaml"
    other.write_text("ani:\n  lanes: [Atasan]\n")
    code, problems = _lint(definitions, forms, "--roles", str(other))
    assert code == 0 and [p["element"] for p in problems] == ["Lane_Pegawai"]
    (definitions / "roles.yaml").unlink()
    assert _lint(definitions, forms) == (0, [])


def test_text_output_names_file_line_rule_and_element(tmp_path: Path) -> None:
    """Without --json each problem is one `file:line: severity [rule] element: message` line; a count on stderr."""
    definitions, forms, text = _copy(tmp_path, 'value="PT1H"', 'value="sejam"')
    result = Sop(tmp_path / "x.db", definitions, forms)("lint", str(definitions / BPMN))
    assert result.exit_code == 1
    line = _line(text, 'id="Ajukan"')
    assert result.stdout.startswith(f"{definitions / BPMN}:{line}: error [sla-invalid] Ajukan: task 'Ajukan' has sla=")
    assert "1 error(s), 0 warning(s)." in result.stderr


TABLE = ROOT / "examples" / "interkoneksi_data_baru" / "tabel" / "interkoneksi_data_baru.sop.yaml"


def test_sop_tables_are_linted_with_their_lines(tmp_path: Path) -> None:
    """A NAME.sop.yaml in the folder is checked too: every mistake of the table with its line; a good one is clean."""
    folder = tmp_path / "definitions"
    folder.mkdir()
    shutil.copy(TABLE, folder / TABLE.name)
    code, problems = _lint(folder, FORMS)
    assert (code, problems) == (0, [])
    text = TABLE.read_text()
    broken = text.replace("pelaksana: OPD\n", "pelaksana: OPDX\n", 1).replace("waktu: 30 menit", "waktu: sebentar", 1)
    assert broken.count("OPDX") == 1 and "sebentar" in broken
    (folder / TABLE.name).write_text(broken)
    code, problems = _lint(folder, FORMS)
    assert code == 1
    lines = broken.splitlines()
    found = {(p["line"], p["rule"]) for p in problems}
    assert (next(n for n, line in enumerate(lines, 1) if "OPDX" in line), "table-invalid") in found
    assert (next(n for n, line in enumerate(lines, 1) if "sebentar" in line), "table-invalid") in found
    assert all(p["file"] == str(folder / TABLE.name) for p in problems)
