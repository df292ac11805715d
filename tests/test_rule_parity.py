"""`sop lint` and loading share one rule set: loading refuses exactly the diagrams lint finds errors in, naming
lint's first error by rule and line; warnings never block."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import DEFINITIONS, FORMS, ROOT, Sop

from engine.definitions.catalog import load_file
from engine.definitions.rules import DiagramRuleError
from engine.definitions.table_load import load_table_file
from engine.lint.lint_files import ERROR, lint_paths
from engine.runtime.workflow import build_spec

DATA = ROOT / "tests" / "data"
CUTI = DATA / "cuti"
# SpiffWorkflow's own reading, which loading does after the sop rules pass (lint lists both at once).
PARSER_RULES = {"xsd", "process-unparsable", "event-ref-missing"}


def _diagrams() -> list[tuple[Path, Path]]:
    """Every diagram under tests/data and definitions/ (and the example table), with the forms folder it uses; the
    corpus of other modelers' diagrams has its own record of lint and load verdicts (tests/test_corpus.py)."""
    found = [(path, path.parent.parent / "forms") for path in sorted(DATA.glob("**/*.bpmn"))
             if path.relative_to(DATA).parts[0] != "corpus"]
    found += [(path, FORMS) for path in sorted(DEFINITIONS.glob("*.bpmn"))]
    found += [(path, FORMS) for path in sorted((ROOT / "examples").glob("**/*.sop.yaml"))]
    return found


def _without_lanes(text: str) -> str:
    return re.sub(r"<bpmn:laneSet.*?</bpmn:laneSet>", "", text, flags=re.S)


def _without_first_form(text: str) -> str:
    return re.sub(r'<spiffworkflow:property name="formJsonSchemaFilename" value="[^"]*" */>', "", text, count=1)


def _first_step_in_two_lanes(text: str) -> str:
    step = re.search(r'<bpmn:(?:userTask|manualTask) id="([^"]+)"', text)
    lanes = re.findall(r"(<bpmn:lane [^>]*>)", text)
    if step is None or len(lanes) < 2:
        return text
    return text.replace(lanes[-1], f"{lanes[-1]}<bpmn:flowNodeRef>{step.group(1)}</bpmn:flowNodeRef>", 1)


def _without_first_flow(text: str) -> str:
    return re.sub(r"<bpmn:sequenceFlow [^>]*?(/>|>.*?</bpmn:sequenceFlow>)", "", text, count=1, flags=re.S)


VARIANTS: dict[str, Callable[[str], str]] = {
    "as-is": lambda text: text, "no-lanes": _without_lanes, "no-form": _without_first_form,
    "two-lanes": _first_step_in_two_lanes, "no-flow": _without_first_flow,
}
CASES = [(path, forms, name) for path, forms in _diagrams() for name in VARIANTS
         if name == "as-is" or path.suffix == ".bpmn"]


def _load(path: Path, forms: Path) -> DiagramRuleError | None:
    """Load a diagram as `sop start` does (the catalog's checks, then SpiffWorkflow's); the refusal, if any."""
    try:
        loaded = load_table_file(path, forms) if path.name.endswith(".sop.yaml") else load_file(path, forms, {})
        for definition in loaded if isinstance(loaded, list) else [loaded]:
            build_spec(definition.bundle["bpmn"]["text"], definition.process_id, definition.file)
    except DiagramRuleError as exc:
        return exc
    return None


@pytest.mark.parametrize(("path", "forms", "variant"), CASES,
                         ids=[f"{p.relative_to(ROOT)}-{v}" for p, _, v in CASES])
def test_load_refuses_what_lint_calls_an_error(path: Path, forms: Path, variant: str, tmp_path: Path) -> None:
    """Loading refuses iff lint reports an error; it names lint's first error, and every error lint reports is
    one loading checks (SpiffWorkflow's own reading comes after the sop rules)."""
    copy = tmp_path / path.name
    copy.write_text(VARIANTS[variant](path.read_text(encoding="utf-8")), encoding="utf-8")
    errors = {(p.rule, p.line) for p in lint_paths([copy], forms) if p.severity == ERROR}
    refused = _load(copy, forms)
    if not errors:
        assert refused is None, str(refused)
        return
    assert refused is not None, f"lint reports {sorted(errors, key=str)} but the diagram loads"
    shown = re.fullmatch(rf"{re.escape(str(copy))}(?::(\d+))?: .* \(rule ([a-z-]+)(?:; \d+ more errors?: .*)?\)",
                         str(refused), flags=re.S)
    assert shown, str(refused)
    named = (shown.group(2), int(shown.group(1)) if shown.group(1) else None)
    checked = {(f.rule, f.line) for f in refused.findings}
    assert checked <= errors
    assert {rule for rule, _ in errors - checked} <= PARSER_RULES
    assert named == min(checked, key=lambda found: (found[1] or 0, found[0]))


def test_every_lint_error_rule_is_exercised(tmp_path: Path) -> None:
    """The cases above meet the rules this issue is about, so the comparison is not vacuous."""
    seen: set[str] = set()
    for number, (path, forms, variant) in enumerate(CASES):
        target = tmp_path / f"{number}_{path.name}"
        target.write_text(VARIANTS[variant](path.read_text(encoding="utf-8")), encoding="utf-8")
        seen |= {p.rule for p in lint_paths([target], forms) if p.severity == ERROR}
    assert {"lane-missing", "lane-multiple", "form-missing", "unreachable", "element-unsupported"} <= seen


def _broken_cuti(tmp_path: Path, change: Callable[[str], str]) -> tuple[Path, Path]:
    definitions = tmp_path / "definitions"
    definitions.mkdir()
    diagram = definitions / "permohonan_cuti.bpmn"
    text = (CUTI / "definitions" / "permohonan_cuti.bpmn").read_text(encoding="utf-8")
    changed = change(text)
    assert changed != text
    diagram.write_text(changed, encoding="utf-8")
    return definitions, diagram


def _line_of(path: Path, needle: str) -> int:
    return next(n for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if needle in line)


CLI_CASES = {
    "lane-missing": (lambda t: t.replace("<bpmn:flowNodeRef>AjukanCuti</bpmn:flowNodeRef>", ""),
                     "user task 'AjukanCuti' is in no lane; put it in its actor's lane"),
    "lane-multiple": (lambda t: t.replace('name="Atasan">', 'name="Atasan"><bpmn:flowNodeRef>AjukanCuti'
                                          '</bpmn:flowNodeRef>'),
                      "user task 'AjukanCuti' is in 2 lanes ('Pegawai', 'Atasan'); keep it in its actor's lane only"),
    "form-missing": (lambda t: t.replace('<spiffworkflow:property name="formJsonSchemaFilename" '
                                         'value="cuti.schema.json" />', ""),
                     "user task 'AjukanCuti' binds no form; add the formJsonSchemaFilename property, naming a JSON "
                     "Schema file of the forms folder: in Camunda Modeler, apply sop's element template 'Langkah SOP' "
                     "to the task and fill its Formulir field (bpmn.io has no field for it: open the diagram in "
                     "Camunda Modeler or spiff-arena's modeler; the process owners' guide, 'Opening a diagram in a "
                     "modeler', says how)"),
}


@pytest.mark.parametrize("rule", sorted(CLI_CASES))
def test_cli_lint_fails_and_start_is_refused(rule: str, make_sop: Callable[..., Sop], tmp_path: Path) -> None:
    """`sop lint` exits 1 naming the rule at the step's line; `sop start` exits 1 with the same rule, line and
    fix, and writes nothing to the store."""
    change, message = CLI_CASES[rule]
    sop = make_sop(CUTI / "definitions", CUTI / "forms")
    first = sop.start("permohonan_cuti")
    before = sop.dump()
    definitions, diagram = _broken_cuti(tmp_path, change)
    line = _line_of(diagram, '<bpmn:userTask id="AjukanCuti"')
    sop.definitions = definitions
    linted = sop("lint", str(definitions))
    assert linted.exit_code == 1
    assert f"{diagram}:{line}: error [{rule}] AjukanCuti: {message}" in linted.stdout
    started = sop("start", "permohonan_cuti")
    assert started.exit_code == 1
    assert (f"Error: Process 'permohonan_cuti' cannot be loaded: {diagram}:{line}: {message} (rule {rule})"
            in started.stderr)
    assert sop.dump() == before
    assert sop.json("show", str(first))["status"] == "running"


def test_warnings_do_not_block_loading(make_sop: Callable[..., Sop], tmp_path: Path) -> None:
    """A lane nobody in the roles file acts in is a lint warning (exit 0) and the process still starts."""
    definitions = tmp_path / "definitions"
    shutil.copytree(CUTI / "definitions", definitions)
    (definitions / "roles.yaml").write_text("uji:\n  lanes: [Pegawai]\n", encoding="utf-8")
    sop = make_sop(definitions, CUTI / "forms")
    linted = sop("lint", str(definitions))
    assert linted.exit_code == 0, linted.output
    assert "warning [lane-unknown-role]" in linted.stdout
    (definitions / "roles.yaml").unlink()
    assert sop.start("permohonan_cuti") == 1


def test_a_pinned_version_is_held_only_to_the_rules_that_keep_it_safe() -> None:
    """A version a store already runs replays though it predates the lane rule; a script in it is still refused."""
    from engine.definitions.catalog import scan
    from engine.definitions.version import definition_from_bundle

    bundle = dict(scan(CUTI / "definitions", CUTI / "forms").get("permohonan_cuti").bundle)
    text = bundle["bpmn"]["text"]
    bundle["bpmn"] = {"file": "permohonan_cuti.bpmn", "text": _without_lanes(text)}
    with pytest.raises(DiagramRuleError, match=r"is in no lane; put it in its actor's lane \(rule lane-missing;"):
        definition_from_bundle(bundle)
    assert definition_from_bundle(bundle, pinned=True).step("AjukanCuti") is not None
    script = text.replace('<bpmn:userTask id="Telaah"', '<bpmn:scriptTask id="Skrip" /><bpmn:userTask id="Telaah"')
    bundle["bpmn"] = {"file": "permohonan_cuti.bpmn", "text": script}
    with pytest.raises(DiagramRuleError, match=r"scriptTask 'Skrip' is refused: .* \(rule script-refused"):
        definition_from_bundle(bundle, pinned=True)
