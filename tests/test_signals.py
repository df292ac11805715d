"""Signals within one request: a path that throws "Berkas siap" lets a waiting path go on and interrupts a step
watching for it (a boundary signal); on SQLite and PostgreSQL with replay, verify and the picture; lint accepts them
where they run and refuses a signal that would start another request."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import ROOT
from picture_tools import element_states

from engine import Engine, lint_paths

SINYAL = ROOT / "tests" / "data" / "sinyal" / "definitions"
FORMS = ROOT / "tests" / "data" / "tenggat" / "forms"


@pytest.fixture(params=["sqlite", "postgresql"])
def eng(request: pytest.FixtureRequest, tmp_path: Path) -> Engine:
    """An engine on the signals' definitions, on a store of each kind."""
    db = str(tmp_path / "s.db") if request.param == "sqlite" else str(request.getfixturevalue("pg_url"))
    engine = Engine(db, definitions_dir=SINYAL, forms_dir=FORMS, clock=lambda: "2026-11-02T01:00:00.000Z",
                    operator="penguji")
    request.addfinalizer(engine.close)
    return engine


def ready(eng: Engine) -> list[str]:
    """The ready steps of instance 1, sorted."""
    return sorted(t.task for t in eng.instance(1).show().tasks)



def test_a_signal_lets_the_waiting_path_go_on_and_interrupts_the_watching_step(eng: Engine) -> None:
    """Started: 'Siapkan berkas' and 'Pantau penyiapan' are ready, the catch waits; completing 'Siapkan' throws
    "Berkas siap": 'Periksa berkas' becomes ready and 'Pantau' is interrupted ('Catat pemantauan selesai' ready);
    the request then completes; replay and verify agree."""
    eng.instances.start("berkas_bersinyal")
    assert ready(eng) == ["Pantau", "Siapkan"]
    before = eng.instance(1).diagram()
    assert (element_states(before)["TungguSiap"], element_states(before)["Periksa"]) == ("waiting", "future")
    eng.instance(1).complete("Siapkan", {"catatan": "berkas lengkap"})
    assert ready(eng) == ["Hentikan", "Periksa"]
    after = eng.instance(1).diagram()
    assert (element_states(after)["TungguSiap"], element_states(after)["Periksa"]) == ("completed", "ready")
    eng.instance(1).complete("Periksa", {"catatan": "sesuai"})
    done = eng.instance(1).complete("Hentikan", {"catatan": "pemantauan selesai"})
    assert done.instance.status == "completed"
    rows, _ = eng.instance(1).history()
    assert [r.task for r in rows if r.type == "task-completed"] == ["Siapkan", "Periksa", "Hentikan"]
    assert eng.instance(1).replay().divergence is None
    assert [v.problems for v in eng.audit.verify()] == [[]]


def test_lint_refuses_a_signal_that_would_start_another_request(tmp_path: Path) -> None:
    """The diagram lints clean; a signal start event is refused at its line (it would start another request)."""
    diagram = SINYAL / "berkas_bersinyal.bpmn"
    assert [p for p in lint_paths([diagram], forms_dir=FORMS) if p.severity == "error"] == []
    text = diagram.read_text(encoding="utf-8").replace(
        '<bpmn:startEvent id="Mulai"><bpmn:outgoing>F1</bpmn:outgoing></bpmn:startEvent>',
        '<bpmn:startEvent id="Mulai"><bpmn:outgoing>F1</bpmn:outgoing>'
        '<bpmn:signalEventDefinition id="SD0" signalRef="Sinyal_Siap" /></bpmn:startEvent>')
    broken = tmp_path / "berkas_bersinyal.bpmn"
    broken.write_text(text, encoding="utf-8")
    found = [p for p in lint_paths([broken], forms_dir=FORMS) if p.severity == "error"]
    assert [(p.rule, p.element) for p in found] == [("element-unsupported", "Mulai")], found
    assert "startEvent 'Mulai' has a signalEventDefinition, which sop cannot run yet" in found[0].message


def test_a_request_left_waiting_for_a_signal_nobody_throws_is_refused(tmp_path: Path) -> None:
    """Without the throw ('Siapkan' ends at once), completing the last ready steps would leave the request
    waiting for a signal nobody can send: refused, nothing saved."""
    from engine import EngineError

    definitions = tmp_path / "definitions"
    definitions.mkdir()
    text = (SINYAL / "berkas_bersinyal.bpmn").read_text(encoding="utf-8").replace(
        '<bpmn:signalEventDefinition id="SD1" signalRef="Sinyal_Siap" />', "")
    (definitions / "berkas_bersinyal.bpmn").write_text(text, encoding="utf-8")
    eng = Engine(str(tmp_path / "s.db"), definitions_dir=definitions, forms_dir=FORMS,
                 clock=lambda: "2026-11-02T01:00:00.000Z", operator="penguji")
    try:
        eng.instances.start("berkas_bersinyal")
        eng.instance(1).complete("Siapkan", {"catatan": "siap"})
        with pytest.raises(EngineError, match="would leave instance 1 running with no step ready"):
            eng.instance(1).complete("Pantau", {"catatan": "selesai"})
        assert sorted(t.task for t in eng.instance(1).show().tasks) == ["Pantau"]
    finally:
        eng.close()
