"""Errors and escalations thrown inside an embedded subprocess and caught on its boundary: "Berkas ditolak" (an error
end event) ends the whole check and takes the return path; "Perlu atasan" (an escalation, not interrupting) tells the
superior while the check goes on. On SQLite and PostgreSQL with replay, verify and the picture; lint refuses what
nothing would catch."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import ROOT
from picture_tools import element_states

from engine import Engine, lint_paths

GALAT = ROOT / "tests" / "data" / "galat" / "definitions"
FORMS = ROOT / "tests" / "data" / "tenggat" / "forms"


@pytest.fixture(params=["sqlite", "postgresql"])
def eng(request: pytest.FixtureRequest, tmp_path: Path) -> Engine:
    """An engine on the diagram, on a store of each kind."""
    db = str(tmp_path / "g.db") if request.param == "sqlite" else str(request.getfixturevalue("pg_url"))
    engine = Engine(db, definitions_dir=GALAT, forms_dir=FORMS, clock=lambda: "2026-11-02T01:00:00.000Z",
                    operator="penguji")
    request.addfinalizer(engine.close)
    return engine


def ready(eng: Engine, number: int) -> list[str]:
    """The ready steps of an instance, sorted."""
    return sorted(t.task for t in eng.instance(number).show().tasks)



def run_out(eng: Engine, number: int) -> list[str]:
    """Complete whatever is ready, first by id, until nothing is; the steps completed in order."""
    done = []
    while ready(eng, number):
        task = ready(eng, number)[0]
        eng.instance(number).complete(task, {"catatan": "selesai"})
        done.append(task)
    return done


def audited(eng: Engine, number: int) -> None:
    """Completed, and replay and verify agree."""
    assert eng.instance(number).show().status == "completed"
    assert eng.instance(number).replay().divergence is None
    assert [v.problems for v in eng.audit.verify(instances=[number])] == [[]]


def test_an_error_inside_ends_the_subprocess_and_takes_the_boundarys_path(eng: Engine) -> None:
    """'tolak': the error end event ends the check; 'Kembalikan berkas ke pemohon' is ready and the archive never
    comes; the picture shows the return path taken and the archive not."""
    number = eng.instances.start("berkas_berjenjang").instance
    eng.instance(number).complete("Periksa", {"catatan": "tolak"})
    assert ready(eng, number) == ["Kembalikan"]
    picture = eng.instance(number).diagram()
    states = element_states(picture)
    assert states["Kembalikan"] == "ready" and states["Setujui"] in ("not-taken", "future")
    assert run_out(eng, number) == ["Kembalikan"]
    audited(eng, number)
    assert element_states(eng.instance(number).diagram())["Arsip"] == "not-taken"


def test_an_escalation_tells_the_superior_while_the_check_goes_on(eng: Engine) -> None:
    """'lapor': the escalation is caught without interrupting: 'Beritahu atasan' and 'Setujui berkas' are both
    ready, and the request completes through the archive."""
    number = eng.instances.start("berkas_berjenjang").instance
    eng.instance(number).complete("Periksa", {"catatan": "lapor"})
    assert ready(eng, number) == ["Beritahu", "Setujui"]
    assert run_out(eng, number) == ["Beritahu", "Setujui", "Arsip"]
    audited(eng, number)


def test_without_an_error_the_check_ends_normally(eng: Engine) -> None:
    """'ok': neither boundary fires; approval, then the archive."""
    number = eng.instances.start("berkas_berjenjang").instance
    eng.instance(number).complete("Periksa", {"catatan": "ok"})
    assert run_out(eng, number) == ["Setujui", "Arsip"]
    audited(eng, number)


def test_lint_refuses_an_error_or_escalation_nothing_catches(tmp_path: Path) -> None:
    """The diagram lints clean; without its error boundary the error end event is refused naming the subprocess
    to attach one to; without the escalation boundary the escalation throw is; an error boundary on a step (which
    never throws) is refused."""
    source = (GALAT / "berkas_berjenjang.bpmn").read_text(encoding="utf-8")
    assert [p for p in lint_paths([GALAT / "berkas_berjenjang.bpmn"], forms_dir=FORMS) if p.severity == "error"] == []

    def errors(text: str) -> list[tuple[str, str | None, str]]:
        path = tmp_path / f"{len(list(tmp_path.iterdir()))}.bpmn"
        path.write_text(text, encoding="utf-8")
        return [(p.rule, p.element, p.message) for p in lint_paths([path], forms_dir=FORMS) if p.severity == "error"]

    no_catch = errors(source.replace('<bpmn:errorEventDefinition id="ED2" errorRef="Err_Tolak" />',
                                     '<bpmn:errorEventDefinition id="ED2" errorRef="Err_Lain" />').replace(
        '<bpmn:error id="Err_Tolak" name="Berkas ditolak" errorCode="TOLAK" />',
        '<bpmn:error id="Err_Tolak" name="Berkas ditolak" errorCode="TOLAK" /><bpmn:error id="Err_Lain" />'))
    assert [(r, e) for r, e, _ in no_catch] == [("element-unsupported", "Tolak")], no_catch
    assert "endEvent 'Tolak' throws an error nothing catches; sop runs an error thrown inside an embedded " \
           "subprocess and caught by an error boundary event on it: draw the event inside subprocess 'Sub'" \
           in no_catch[0][2]
    no_escalation = errors(source.replace('cancelActivity="false">', 'cancelActivity="false" attachedToRef="X">', 1)
                           .replace('attachedToRef="Sub" cancelActivity="false" attachedToRef="X"',
                                    'attachedToRef="Arsip" cancelActivity="false"'))
    assert sorted((r, e) for r, e, _ in no_escalation) == [("element-unsupported", "Dilaporkan"),
                                                          ("element-unsupported", "Lapor")], no_escalation
