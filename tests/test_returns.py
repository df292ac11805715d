"""Return for revision ("Kembalikan untuk perbaikan"): a ready step sends the instance back to an earlier step with a
reason; the CLI, the task page, the history, replay, verify and the export bundle all see the same return."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from audit_fixtures import tamper
from conftest import Sop
from tests_sop_fixtures import SURAT, with_forms
from web_fixtures import PASSWORD, engine_as, logged_in, make_app, office, post, started

TABLE_PROCESS = "penerbitan_surat_tugas"


@pytest.fixture
def surat(tmp_path: Path) -> Sop:
    """The small table SOP (a decision, a parallel pair, a loop) with its first step closed to returns."""
    folder = tmp_path / "definitions"
    folder.mkdir()
    table = with_forms(SURAT, folder).replace("    kegiatan: Ajukan nota permohonan\n",
                                               "    kegiatan: Ajukan nota permohonan\n    dapat_dikembalikan: false\n")
    (folder / "surat.sop.yaml").write_text(table, encoding="utf-8")
    (folder / "kosong.json").write_text("{}", encoding="utf-8")
    sop = Sop(tmp_path / "sop.db", folder, folder)
    assert sop("start", TABLE_PROCESS).exit_code == 0
    assert sop("complete", "1", "AjukanNota", "--data", str(folder / "kosong.json")).exit_code == 0
    assert sop("complete", "1", "Telaah", "--set", "keputusan=setuju").exit_code == 0
    return sop


def _ready(sop: Sop) -> dict[str, str]:
    return {t["task"]: t["id"] for t in sop.json("tasks")}


def test_a_return_reopens_the_earlier_step_and_the_flow_runs_again(surat: Sop) -> None:
    """Sent back from one branch of a parallel pair, the review is ready again (a new task), the other branch is
    withdrawn, and after the review both branches come again as new tasks; replay and verify agree."""
    before = _ready(surat)
    assert set(before) == {"ParafA", "ParafB"}
    result = surat("return", "1", "ParafA", "--to", "Telaah", "--reason", "Analisis belum lengkap", "--json")
    assert result.exit_code == 0, result.output
    reopened = json.loads(result.stdout)
    assert reopened["task"] == "Telaah"
    assert _ready(surat) == {"Telaah": reopened["id"]}
    assert surat("complete", "1", "Telaah", "--set", "keputusan=setuju").exit_code == 0
    again = _ready(surat)
    assert set(again) == {"ParafA", "ParafB"}
    assert not set(again.values()) & set(before.values())  # every occurrence has its own task
    verified = surat("verify", "1")
    assert verified.exit_code == 0, verified.output
    replayed = surat("replay", "1")
    assert replayed.exit_code == 0, replayed.output


def test_the_choices_are_the_earlier_steps_that_may_be_reopened(surat: Sop) -> None:
    """Without --to the command lists where the step may go back to: the review, not the first step (closed by
    dapat_dikembalikan: false), nor a step of the other branch."""
    listed = surat("return", "1", "ParafA")
    assert listed.exit_code == 0
    assert listed.stdout.split() == ["Telaah", "Telaah", "permohonan"]
    assert surat.json("return", "1", "ParafA") == [{"task": "Telaah", "name": "Telaah permohonan"}]


@pytest.mark.parametrize(("args", "code", "words"), [
    (("--to", "AjukanNota", "--reason", "x"), 1, "choose one of: 'Telaah'"),
    (("--to", "ParafB", "--reason", "x"), 1, "is not an earlier completed step"),
    (("--to", "Telaah", "--reason", "   "), 1, "a return needs a reason"),
    (("--to", "Telaah", "--reason", "x" * 2001), 1, "at most 2000"),
    (("--to", "Telaah", "--reason", "a\x1bb"), 1, "control characters"),
    (("--to", "Telaah"), 2, "--reason"),
])
def test_a_refused_return_says_why_and_changes_nothing(surat: Sop, args: tuple[str, ...], code: int,
                                                        words: str) -> None:
    """A step not on the path, a closed step, no reason, too long a reason: refused with the fix, nothing written."""
    before = surat.dump()
    result = surat("return", "1", "ParafA", *args)
    assert result.exit_code == code, result.output
    assert words in result.output
    assert "Traceback" not in result.output
    assert surat.dump() == before


def test_the_history_says_who_sent_it_back_from_where_and_why(surat: Sop, monkeypatch: pytest.MonkeyPatch) -> None:
    """`sop history` names the reopened step, the step it came from and the reason, in Indonesian and English;
    --json gives the event with its data."""
    assert surat("return", "1", "ParafB", "--to", "Telaah", "--reason", "Nota\nperlu dilengkapi").exit_code == 0
    monkeypatch.setenv("SOP_LANG", "id")
    text = surat("history", "1").stdout
    assert "(dikembalikan untuk perbaikan dari 'Paraf B': Nota / perlu dilengkapi)" in text
    monkeypatch.setenv("SOP_LANG", "en")
    assert "(returned for revision from 'Paraf B': Nota / perlu dilengkapi)" in surat("history", "1").stdout
    events = surat.json("history", "1")
    returned = events[-1]
    assert returned["type"] == "task-returned" and returned["task"] == "Telaah"
    assert returned["data"] == {"from": "ParafB", "from_task": returned["data"]["from_task"],
                                "reason": "Nota\nperlu dilengkapi"}


def test_verify_fails_when_a_return_is_edited_in_the_store(surat: Sop) -> None:
    """The return is a chained event: a changed reason breaks the chain, and verify says which event."""
    assert surat("return", "1", "ParafA", "--to", "Telaah", "--reason", "Analisis kurang").exit_code == 0
    tamper(surat.db, ("UPDATE events SET data = replace(data, 'kurang', 'cukup') WHERE type = 'task-returned'", ()))
    result = surat("verify", "1")
    assert result.exit_code == 1
    assert "event 4" in result.output


def test_the_export_bundle_carries_the_return_and_verifies(surat: Sop, tmp_path: Path) -> None:
    """An exported bundle holds the task-returned event and verifies on its own."""
    assert surat("return", "1", "ParafA", "--to", "Telaah", "--reason", "Analisis kurang").exit_code == 0
    bundle = tmp_path / "bundle.json"
    assert surat("export", "1", "--output", str(bundle)).exit_code == 0
    assert "task-returned" in bundle.read_text(encoding="utf-8")
    checked = surat("verify", "--bundle", str(bundle))
    assert checked.exit_code == 0, checked.output


def test_the_reopened_step_starts_from_its_last_artefact(surat: Sop) -> None:
    """The step sent back to opens with what was submitted last time, to revise rather than retype."""
    assert surat("return", "1", "ParafA", "--to", "Telaah", "--reason", "Periksa lagi").exit_code == 0
    from engine import Engine

    engine = Engine(str(surat.db), definitions_dir=surat.definitions, forms_dir=surat.forms)
    try:
        assert engine.instance(1).form_defaults("Telaah") == {"keputusan": "setuju"}
    finally:
        engine.close()


def test_the_table_keeps_dapat_dikembalikan_through_the_diagram(surat: Sop, tmp_path: Path) -> None:
    """`dapat_dikembalikan: false` compiles to the diagram's property and decompiles back to the table."""
    out = tmp_path / "surat.bpmn"
    assert surat("compile", str(surat.definitions / "surat.sop.yaml"), "--output", str(out)).exit_code == 0
    assert 'name="dapat_dikembalikan" value="false"' in out.read_text(encoding="utf-8")
    back = surat("decompile", str(out))
    assert back.exit_code == 0, back.output
    assert back.stdout.count("dapat_dikembalikan: false") == 1


# -- the web -------------------------------------------------------------------------------------------------------


def test_the_task_page_sends_back_and_the_reopened_step_says_why(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """The Kepala Bidang sends the request back to the Kepala Dinas's disposition from the task page; the Kepala
    Dinas finds it in the tasks with who sent it back and why, the form filled with the last disposition."""
    monkeypatch.setenv("SOP_LANG", "id")
    paths = office(tmp_path)
    instance = started(paths, upto="AnalisaKabid")
    app = make_app(paths)
    kabid = logged_in(app, "kabid.egov", PASSWORD)
    page = kabid.get(f"/instances/{instance}/tasks/AnalisaKabid").get_data(as_text=True)
    assert "Kembalikan untuk perbaikan" in page
    assert "Telaah dan disposisi ke Kepala Bidang" in page  # the choice by its name
    answer = post(kabid, f"/instances/{instance}/tasks/AnalisaKabid/return",
                  {"to": "DisposisiKadis", "reason": "Disposisi belum menyebut tenggat"})
    assert answer.status_code == 303
    kadis = logged_in(app, "kadis", PASSWORD)
    tasks = kadis.get("/").get_data(as_text=True)
    assert "Telaah dan disposisi ke Kepala Bidang" in tasks
    reopened = kadis.get(f"/instances/{instance}/tasks/DisposisiKadis").get_data(as_text=True)
    assert "Disposisi belum menyebut tenggat" in reopened
    assert "dikembalikan untuk perbaikan oleh" in reopened.lower()
    engine = engine_as(paths, "kadis")
    try:
        last = [e for e in engine.instance(instance).history(summaries=False)[1] if e.task == "DisposisiKadis"
                and e.type == "task-completed"][-1]
        assert engine.instance(instance).form_defaults("DisposisiKadis") == json.loads(last.data)
        assert engine.instance(instance).verify().problems == []
    finally:
        engine.close()
    history = kadis.get(f"/instances/{instance}").get_data(as_text=True)
    assert "Disposisi belum menyebut tenggat" in history


def test_a_refused_return_on_the_page_keeps_the_reason_and_changes_nothing(tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """A blank reason: 422 with why, the step chosen kept; someone outside the lane: 403, no section on the page,
    and the store unchanged."""
    monkeypatch.setenv("SOP_LANG", "id")
    paths = office(tmp_path)
    instance = started(paths, upto="AnalisaKabid")
    app = make_app(paths)
    kabid = logged_in(app, "kabid.egov", PASSWORD)
    events = len(engine_as(paths, "kabid.egov").instance(instance).history()[1])
    blank = post(kabid, f"/instances/{instance}/tasks/AnalisaKabid/return", {"to": "DisposisiKadis", "reason": " "})
    assert blank.status_code == 422
    body = blank.get_data(as_text=True)
    assert "perlu alasan" in body
    assert '<option value="DisposisiKadis" selected>' in body
    other = logged_in(app, "sekretaris", PASSWORD)
    assert "Kembalikan untuk perbaikan" not in other.get(f"/instances/{instance}/tasks/AnalisaKabid").get_data(
        as_text=True)
    refused = post(other, f"/instances/{instance}/tasks/AnalisaKabid/return",
                   {"to": "DisposisiKadis", "reason": "Saya ingin mengubahnya"})
    assert refused.status_code == 403
    assert "Saya ingin mengubahnya" in refused.get_data(as_text=True)  # what they typed is still on the page
    assert len(engine_as(paths, "kabid.egov").instance(instance).history()[1]) == events


def test_a_return_inside_a_subprocess_stays_inside_it_and_the_flow_finishes() -> None:
    """In an embedded subprocess a step goes back to an earlier step of the same subprocess (it survives a save
    and load), and the step after the subprocess may go back only to the steps before it, not inside it."""
    from engine.runtime.returning import return_targets, return_to
    from engine.runtime.workflow import (
        build_spec,
        complete_task,
        new_workflow,
        ready_user_tasks,
        state_from_bytes,
        state_to_bytes,
    )

    diagram = Path(__file__).parent / "data" / "kembali" / "subproses.bpmn"
    spec = build_spec(diagram.read_text(encoding="utf-8"), "p", "subproses.bpmn")
    workflow = new_workflow(spec, {})

    def done(step: str) -> list[str]:
        task = next(t for t in ready_user_tasks(workflow) if t.task_spec.bpmn_id == step)
        complete_task(workflow, task, {})
        return [t.task_spec.bpmn_id for t in ready_user_tasks(workflow)]

    assert done("A") == ["B"] and done("B") == ["C"]
    at_c = ready_user_tasks(workflow)[0]
    assert [t.task_spec.bpmn_id for t in return_targets(at_c)] == ["B"]
    return_to(workflow, at_c, "B", 4, what="C")
    workflow = state_from_bytes(state_to_bytes(workflow), spec)
    assert done("B") == ["C"] and done("C") == ["D"]
    assert [t.task_spec.bpmn_id for t in return_targets(ready_user_tasks(workflow)[0])] == ["A"]
    assert done("D") == [] and workflow.completed
