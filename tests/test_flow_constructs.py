"""BPMN that SOPs use: a looping step (a standard loop with its condition and cap), an inclusive gateway (each
branch whose condition holds, else the default; the join waits for the branches taken) and a terminate end event (it
ends the request, cancelling the branches still ready). Each runs to its end on SQLite and PostgreSQL with replay and
verify, and the picture draws it. (The SOP sheet cannot draw the last two yet: it reads a diagram as the SOP table's
rows, where parallel steps must meet again and decisions are exclusive; issue 28 asks for it.)"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import ROOT
from picture_tools import element_states

from engine import Engine

KONSTRUKSI = ROOT / "tests" / "data" / "konstruksi" / "definitions"
FORMS = ROOT / "tests" / "data" / "tenggat" / "forms"
T0 = "2026-11-02T01:00:00.000Z"  # Monday 08:00 WIB


@pytest.fixture(params=["sqlite", "postgresql"])
def eng(request: pytest.FixtureRequest, tmp_path: Path) -> Engine:
    """An engine on the constructs' definitions, on a store of each kind (no roles: one office account)."""
    db = str(tmp_path / "k.db") if request.param == "sqlite" else str(request.getfixturevalue("pg_url"))
    engine = Engine(db, definitions_dir=KONSTRUKSI, forms_dir=FORMS, clock=lambda: T0, operator="penguji")
    request.addfinalizer(engine.close)
    return engine


def ready(eng: Engine, instance: int) -> list[str]:
    """The BPMN ids of an instance's ready steps, sorted."""
    return sorted(t.task for t in eng.instance(instance).show().tasks)



def audited(eng: Engine, instance: int) -> None:
    """Replay reproduces the stored state and verify finds nothing."""
    replayed = eng.instance(instance).replay()
    assert replayed.divergence is None, replayed.divergence
    assert [v.problems for v in eng.audit.verify(instances=[instance])] == [[]]


def test_an_inclusive_gateway_takes_every_branch_whose_condition_holds(eng: Engine) -> None:
    """'a dan b': both bidang A and B review (not the default), the join waits for both, then the archive; a
    replay and verify agree, and the picture shows the default branch not taken."""
    number = eng.instances.start("tinjau_inklusif").instance
    eng.instance(number).complete("Ajukan", {"catatan": "untuk a dan b"})
    assert ready(eng, number) == ["TinjauA", "TinjauB"]
    eng.instance(number).complete("TinjauA", {"catatan": "setuju"})
    assert ready(eng, number) == ["TinjauB"]  # the join waits for the other branch taken
    eng.instance(number).complete("TinjauB", {"catatan": "setuju"})
    assert ready(eng, number) == ["Arsip"]
    done = eng.instance(number).complete("Arsip", {"catatan": "diarsipkan"})
    assert done.instance.status == "completed"
    audited(eng, number)
    picture = eng.instance(number).diagram()
    states = element_states(picture)
    assert [states[e] for e in ("TinjauA", "TinjauB", "TinjauUmum", "Arsip")] == [
        "completed", "completed", "not-taken", "completed"]


def test_an_inclusive_gateway_with_no_condition_holding_takes_its_default(eng: Engine) -> None:
    """Neither condition holds: only the default branch (Telaah umum) runs, and the join lets it through."""
    number = eng.instances.start("tinjau_inklusif").instance
    eng.instance(number).complete("Ajukan", {"catatan": "umum"})  # neither "a" nor "b" in it
    assert ready(eng, number) == ["TinjauUmum"]
    eng.instance(number).complete("TinjauUmum", {"catatan": "cukup"})
    assert ready(eng, number) == ["Arsip"]
    audited(eng, number)


def test_a_terminate_end_event_ends_the_request_and_cancels_what_is_still_ready(eng: Engine) -> None:
    """Two parallel steps; the one leading to 'Berkas ditolak' (terminate) completes first: the request is
    completed at once, the other step is no longer ready or listed, and replay and verify agree."""
    number = eng.instances.start("kerja_berhenti").instance
    assert ready(eng, number) == ["KerjaA", "KerjaB"]
    done = eng.instance(number).complete("KerjaA", {"catatan": "berkas tidak lengkap"})
    assert done.instance.status == "completed" and done.instance.tasks == ()
    assert [t.task for t in eng.instances.tasks()] == []
    rows, _ = eng.instance(number).history()
    assert [r.type for r in rows][-2:] == ["task-completed", "instance-completed"]
    audited(eng, number)


def test_a_looping_step_repeats_while_its_condition_holds(eng: Engine) -> None:
    """'Perbaiki konsep' loops while its catatan is not 'selesai': ready again (a new task each time) after 'kurang'
    and 'kurang lagi', then the flow goes on; each completion is in the history; replay and verify agree."""
    number = eng.instances.start("perbaikan_berulang").instance
    seen = []
    for note in ("kurang", "kurang lagi", "selesai"):
        (task,) = eng.instance(number).show().tasks
        assert task.task == "Perbaiki"
        seen.append(task.id)
        eng.instance(number).complete("Perbaiki", {"catatan": note})
    assert len(set(seen)) == 3 and ready(eng, number) == ["Arsip"]
    rows, _ = eng.instance(number).history()
    assert [r.task for r in rows if r.type == "task-completed"] == ["Perbaiki"] * 3
    audited(eng, number)


@pytest.mark.parametrize("eng", ["sqlite"], indirect=True)
def test_a_loop_ends_at_its_cap(eng: Engine) -> None:
    """A condition that keeps holding still ends at loopMaximum (3)."""
    number = eng.instances.start("perbaikan_berulang").instance
    for _ in range(3):
        eng.instance(number).complete("Perbaiki", {"catatan": "kurang"})
    assert ready(eng, number) == ["Arsip"]
    audited(eng, number)


def test_lint_wants_a_loops_cap_and_condition(tmp_path: Path) -> None:
    """No loopMaximum, a loopMaximum of 0, no loopCondition, and code in the condition are each
    refused at the loop's line with the rule named."""
    from engine import lint_paths

    source = (KONSTRUKSI / "perbaikan_berulang.bpmn").read_text(encoding="utf-8")
    condition = '<bpmn:loopCondition xsi:type="bpmn:tFormalExpression">Perbaiki["catatan"] != "selesai"' \
                '</bpmn:loopCondition>'
    for old, new, rules in (('loopMaximum="3"', "", ["loop-invalid"]),
                            ('loopMaximum="3"', 'loopMaximum="0"', ["loop-invalid"]),
                            (condition, "", ["loop-invalid"]),
                            (condition, condition.replace('Perbaiki["catatan"]', "__import__('os')"),
                             ["condition-invalid"])):
        assert old in source
        path = tmp_path / f"{len(list(tmp_path.iterdir()))}.bpmn"
        path.write_text(source.replace(old, new), encoding="utf-8")
        found = [p for p in lint_paths([path], forms_dir=FORMS) if p.severity == "error"]
        assert [p.rule for p in found] == rules, found
        assert all(p.line in (19, 20) for p in found), found  # the loop and its condition


def test_lint_warns_of_an_inclusive_gateway_that_may_leave_no_way_out(tmp_path: Path) -> None:
    """Its default flow given a condition too, the inclusive gateway's conditions read free text: lint warns that sop
    cannot tell whether every case has a way out (as for an exclusive gateway)."""
    from engine import lint_paths

    text = (KONSTRUKSI / "tinjau_inklusif.bpmn").read_text(encoding="utf-8").replace(' default="F_umum"', "").replace(
        '<bpmn:sequenceFlow id="F_umum" sourceRef="Pilah" targetRef="TinjauUmum" />',
        '<bpmn:sequenceFlow id="F_umum" sourceRef="Pilah" targetRef="TinjauUmum"><bpmn:conditionExpression>'
        '"c" in Ajukan["catatan"]</bpmn:conditionExpression></bpmn:sequenceFlow>')
    assert "F_umum\" sourceRef=\"Pilah\" targetRef=\"TinjauUmum\"><bpmn:conditionExpression>" in text
    path = tmp_path / "tinjau_inklusif.bpmn"
    path.write_text(text, encoding="utf-8")
    found = [p for p in lint_paths([path], forms_dir=FORMS) if p.rule == "gateway-no-default"]
    assert [(p.severity, p.element) for p in found] == [("warning", "Pilah")], found
    assert found[0].message.startswith("inclusive gateway 'Pilah' has no default flow and its conditions do not "
                                       "read only choice fields")
