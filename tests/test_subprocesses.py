"""Embedded subprocesses: the steps inside one keep their own lanes, forms and due times; they are completed from
the CLI and the web like any step; a boundary timer on the subprocess ends it and takes the escalation path; history,
replay, verify and the picture know them; lint refuses what cannot run inside one, naming the rule."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from conftest import DEFINITIONS, ROOT, Sop
from conftest import HandClock as Clock
from picture_tools import element_states
from web_fixtures import csrf_of, logged_in, make_app

from engine import Engine, EngineError, lint_paths
from engine.common.identity import os_login

SUBPROSES = ROOT / "tests" / "data" / "subproses" / "definitions"
DIAGRAM = SUBPROSES / "survei_lapangan.bpmn"
FORMS = ROOT / "tests" / "data" / "tenggat" / "forms"
MONDAY = "2026-11-02T01:00:00.000Z"  # Monday 2 November 2026, 08:00 WIB
PASSWORD = "rahasia-kantor-2026"
ROLES = """tu.op: {name: Petugas TU, lanes: [], operator: true}
staf.satu: {name: Sari Staf, jabatan: Pengelola Surat, lanes: [Staf]}
kasi.satu: {name: Budi Santoso, jabatan: Kepala Seksi Infrastruktur, lanes: [Kepala Seksi]}
"""


@pytest.fixture(params=["sqlite", "postgresql"])
def folder(request: pytest.FixtureRequest, tmp_path: Path) -> dict[str, str]:
    """The subprocess diagram with the Dinas calendar and a roles file (two lanes), and a store of each kind."""
    definitions = tmp_path / "definitions"
    shutil.copytree(SUBPROSES, definitions)
    shutil.copy(DEFINITIONS / "calendar.yaml", definitions)
    me = f"{os_login()}: {{name: Petugas Uji, jabatan: Pengelola Surat, lanes: [Staf]}}\n"  # who runs `sop` here
    (definitions / "roles.yaml").write_text(ROLES + me, encoding="utf-8")
    db = str(tmp_path / "t.db") if request.param == "sqlite" else str(request.getfixturevalue("pg_url"))
    paths = {"db": db, "definitions": str(definitions), "forms": str(FORMS), "roles": str(definitions / "roles.yaml")}
    operator = engine(paths, Clock("2026-11-01T01:00:00.000Z"), "tu.op")
    operator.context.store(create=True)
    operator.people.apply_roles()
    operator.close()
    return paths


def engine(paths: dict[str, str], clock: Clock, login: str = "staf.satu") -> Engine:
    """An engine acting as a login, at the test's clock."""
    return Engine(paths["db"], definitions_dir=paths["definitions"], forms_dir=paths["forms"], clock=clock,
                  operator=login, roles=paths["roles"])


def ready(eng: Engine) -> list[tuple[str, str | None, str | None, str | None]]:
    """The ready steps of instance 1: id, lane, form and due time."""
    return [(t.task, t.lane, t.form, t.due) for t in eng.instance(1).show().tasks]


def _element(svg: str, element: str) -> str:
    """The SVG group of one diagram element."""
    start = svg.index(f'data-element-id="{element}"')
    return svg[svg.rindex("<g", 0, start):svg.index("</g>", start)]



def test_the_steps_inside_run_in_their_own_lanes_to_the_end(folder: dict[str, str]) -> None:
    """After 'Terima permohonan' the step inside the subprocess is ready in the Staf lane with its own form and Mutu
    Baku (2 hours); the next one inside is the Kepala Seksi's, refused to the Staf; after the subprocess the flow
    goes on; history names every step, and replay and verify reproduce the instance."""
    clock = Clock()
    staf, kasi = engine(folder, clock), engine(folder, clock, "kasi.satu")
    try:
        staf.instances.start("survei_lapangan")
        assert ready(staf) == [("TerimaPermohonan", "Staf", "isian.schema.json", "2026-11-02T02:00:00.000Z")]
        staf.instance(1).complete("TerimaPermohonan", {"catatan": "permohonan OPD diterima"})
        assert ready(staf) == [("CatatSurvei", "Staf", "isian.schema.json", "2026-11-02T03:00:00.000Z")]
        assert [w.timer for w in staf.instance(1).show().waiting] == []  # a boundary timer is no wait of the flow
        clock.now = "2026-11-02T02:00:00.000Z"
        staf.instance(1).complete("CatatSurvei", {"catatan": "lokasi layak"})
        assert ready(staf) == [("SetujuiSurvei", "Kepala Seksi", "isian.schema.json", "2026-11-02T03:00:00.000Z")]
        with pytest.raises(EngineError, match="is in lane 'Kepala Seksi'"):
            staf.instance(1).complete("SetujuiSurvei", {"catatan": "disetujui"})
        assert [t.task for t in staf.instance(1).show().tasks] == ["SetujuiSurvei"]  # nothing changed
        kasi.instance(1).complete("SetujuiSurvei", {"catatan": "disetujui"})
        assert ready(staf) == [("ArsipkanHasil", "Staf", "isian.schema.json", "2026-11-02T03:00:00.000Z")]
        done = staf.instance(1).complete("ArsipkanHasil", {"catatan": "diarsipkan"})
        assert done.instance.status == "completed"
        rows, _ = staf.instance(1).history()
        assert [(r.task, r.name, r.lane, r.actor) for r in rows if r.type == "task-completed"] == [
            ("TerimaPermohonan", "Terima permohonan survei", "Staf", "staf.satu"),
            ("CatatSurvei", "Catat hasil survei", "Staf", "staf.satu"),
            ("SetujuiSurvei", "Setujui hasil survei", "Kepala Seksi", "kasi.satu"),
            ("ArsipkanHasil", "Arsipkan hasil survei", "Staf", "staf.satu")]
        documents = staf.instance(1).document().artefacts
        assert [(d.task, d.step, d.lane) for d in documents][1:3] == [
            ("CatatSurvei", "Catat hasil survei", "Staf"), ("SetujuiSurvei", "Setujui hasil survei", "Kepala Seksi")]
        assert staf.instance(1).artefacts()["SetujuiSurvei"] == {"catatan": "disetujui"}
        replayed = staf.instance(1).replay()
        assert replayed.divergence is None, replayed.divergence
        assert [v.problems for v in staf.audit.verify(instances=[1])] == [[]]
    finally:
        staf.close()
        kasi.close()


def test_the_boundary_timer_on_the_subprocess_ends_it_and_escalates(folder: dict[str, str]) -> None:
    """Five working days after the survey began, `sop tick` fires the subprocess's timer: the step inside is no
    longer ready, the escalation step is, and the instance ends through it; replay and verify agree."""
    clock = Clock()
    staf, kasi = engine(folder, clock), engine(folder, clock, "kasi.satu")
    try:
        staf.instances.start("survei_lapangan")
        staf.instance(1).complete("TerimaPermohonan", {"catatan": "diterima"})
        staf.instance(1).complete("CatatSurvei", {"catatan": "lokasi layak"})
        clock.now = "2026-11-09T00:59:00.000Z"  # Monday 9 November 07:59 WIB: a minute early
        assert kasi.time.tick().fired == ()
        clock.now = "2026-11-09T01:00:00.000Z"
        fired = kasi.time.tick().fired
        assert [(f.timer, f.attached_to, f.status, f.tasks) for f in fired] == [
            ("BatasSurvei", "Survei", "running", ("Eskalasi",))]
        assert ready(kasi) == [("Eskalasi", "Kepala Seksi", "isian.schema.json", "2026-11-09T02:00:00.000Z")]
        with pytest.raises(EngineError, match="SetujuiSurvei"):
            kasi.instance(1).complete("SetujuiSurvei", {"catatan": "terlambat"})
        assert kasi.instance(1).complete("Eskalasi", {"catatan": "dijadwalkan ulang"}).instance.status == "completed"
        assert [r.type for r in kasi.instance(1).history()[0]] == [
            "instance-started", "task-completed", "task-completed", "timer-fired", "task-completed",
            "instance-completed"]
        replayed = kasi.instance(1).replay()
        assert replayed.divergence is None, replayed.divergence
        assert [v.problems for v in kasi.audit.verify(instances=[1])] == [[]]
        picture = kasi.instance(1).diagram()
        states = element_states(picture)
        assert [states[e] for e in ("Survei", "CatatSurvei", "BatasSurvei", "Eskalasi", "ArsipkanHasil")] \
            == ["completed", "completed", "completed", "completed", "not-taken"]
    finally:
        staf.close()
        kasi.close()


@pytest.mark.parametrize("folder", ["sqlite"], indirect=True)  # one store is enough here
def test_claim_comment_and_return_inside_the_subprocess(folder: dict[str, str]) -> None:
    """The Kepala Seksi claims the step inside, comments on it, and sends it back to the Staf's step inside the same
    subprocess, which is ready again in its lane; the steps before the subprocess may not be chosen from inside."""
    clock = Clock()
    staf, kasi = engine(folder, clock), engine(folder, clock, "kasi.satu")
    try:
        staf.instances.start("survei_lapangan")
        staf.instance(1).complete("TerimaPermohonan", {"catatan": "diterima"})
        staf.instance(1).complete("CatatSurvei", {"catatan": "lokasi belum jelas"})
        assert kasi.instance(1).claim("SetujuiSurvei").claimed_by == "kasi.satu"
        kasi.instance(1).comment("Koordinat lokasi belum ada", task="SetujuiSurvei")
        assert [c.text for c in kasi.instance(1).comments()] == ["Koordinat lokasi belum ada"]
        assert [c.task for c in kasi.instance(1).return_choices("SetujuiSurvei")] == ["CatatSurvei"]
        kasi.instance(1).send_back("SetujuiSurvei", to="CatatSurvei", reason="Lengkapi koordinat lokasi")
        assert ready(staf) == [("CatatSurvei", "Staf", "isian.schema.json", "2026-11-02T03:00:00.000Z")]
        staf.instance(1).complete("CatatSurvei", {"catatan": "koordinat dilengkapi"})
        kasi.instance(1).complete("SetujuiSurvei", {"catatan": "disetujui"})
        staf.instance(1).complete("ArsipkanHasil", {"catatan": "diarsipkan"})
        assert staf.instance(1).show().status == "completed"
        replayed = staf.instance(1).replay()
        assert replayed.divergence is None, replayed.divergence
        assert [v.problems for v in staf.audit.verify(instances=[1])] == [[]]
    finally:
        staf.close()
        kasi.close()


@pytest.mark.parametrize("folder", ["sqlite"], indirect=True)  # one store is enough here
def test_a_step_inside_is_completed_from_the_cli_and_the_web_page(folder: dict[str, str],
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """`sop tasks` lists the step inside in its lane and `sop complete` completes it; the Kepala Seksi opens the next
    step inside on the web, sees its name and form, and submits it; the picture then shows the steps inside as
    completed and the step after the subprocess as ready."""
    monkeypatch.setenv("SOP_LANG", "en")
    sop = Sop(Path(folder["db"]), Path(folder["definitions"]), Path(folder["forms"]))
    roles = ("--roles", folder["roles"])
    assert sop(*roles, "start", "survei_lapangan").exit_code == 0
    assert sop(*roles, "complete", "1", "TerimaPermohonan", "--set", "catatan=diterima").exit_code == 0
    listed = sop.json(*roles, "tasks", "--json")
    assert [(t["task"], t["lane"]) for t in listed] == [("CatatSurvei", "Staf")]
    done = sop(*roles, "complete", "1", "CatatSurvei", "--set", "catatan=lokasi layak")
    assert done.exit_code == 0, done.output
    assert "SetujuiSurvei" in done.output
    operator = engine(folder, Clock(), "tu.op")
    operator.people.set_password("kasi.satu", PASSWORD)
    operator.close()
    monkeypatch.setenv("SOP_LANG", "id")
    client = logged_in(make_app(folder), "kasi.satu", PASSWORD)
    page = client.get("/instances/1/tasks/SetujuiSurvei")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Setujui hasil survei" in text and "Catatan" in text
    token = csrf_of(client, "/instances/1/tasks/SetujuiSurvei")
    answer = client.post("/instances/1/tasks/SetujuiSurvei", data={"catatan": "disetujui", "csrf_token": token})
    assert answer.status_code == 303, answer.get_data(as_text=True)[:2000]
    eng = engine(folder, Clock(), "tu.op")
    try:
        assert [t.task for t in eng.instance(1).show().tasks] == ["ArsipkanHasil"]
        assert eng.instance(1).artefacts()["SetujuiSurvei"] == {"catatan": "disetujui"}
        picture = eng.instance(1).diagram()
    finally:
        eng.close()
    states = element_states(picture)
    assert [states[e] for e in ("Survei", "CatatSurvei", "SetujuiSurvei", "ArsipkanHasil", "Eskalasi")] \
        == ["completed", "completed", "completed", "ready", "not-taken"]
    assert 'stroke-dasharray' not in _element(picture, "G2")  # the flow inside was taken


@pytest.mark.parametrize("folder", ["sqlite"], indirect=True)  # one store is enough here
def test_the_picture_draws_the_open_subprocess_under_its_ready_step(folder: dict[str, str]) -> None:
    """While the step inside is ready, the picture draws the subprocess before (under) its content, with no
    collapsed-subprocess + marker, the step inside as ready with its lane, and the step after it as not reached."""
    clock = Clock()
    eng = engine(folder, clock)
    try:
        eng.instances.start("survei_lapangan")
        eng.instance(1).complete("TerimaPermohonan", {"catatan": "diterima"})
        picture = eng.instance(1).diagram()
    finally:
        eng.close()
    assert [element_states(picture)[e] for e in ("CatatSurvei", "SetujuiSurvei", "ArsipkanHasil", "BatasSurvei")] == [
        "ready", "future", "future", "waiting"]
    assert picture.index('data-element-id="Survei"') < picture.index('data-element-id="G1"')
    assert 'width="12" height="12"' not in _element(picture, "Survei")  # open: no + marker
    assert "Staf" in picture[picture.index('class="label state-ready kind-userTask"'):]


def lint_errors(tmp_path: Path, text: str) -> list[Any]:
    """The errors `sop lint` reports for the subprocess diagram changed to `text`."""
    path = tmp_path / "survei_lapangan.bpmn"
    path.write_text(text, encoding="utf-8")
    return [p for p in lint_paths([path], forms_dir=FORMS) if p.severity == "error"]


def test_lint_passes_the_diagram_and_refuses_what_cannot_run_inside(tmp_path: Path) -> None:
    """The diagram lints clean; a step inside in no lane, an id used twice, a flow across the subprocess's border and
    an event subprocess are refused at their line with the rule and a fix, and loading refuses each alike."""
    source = DIAGRAM.read_text(encoding="utf-8")
    assert lint_errors(tmp_path, source) == []
    cases = {
        "lane-missing": (source.replace("<bpmn:flowNodeRef>SetujuiSurvei</bpmn:flowNodeRef>", ""),
                         "user task 'SetujuiSurvei' is in no lane; put it in its actor's lane"),
        "id-duplicate": (source.replace('id="CatatSurvei" name', 'id="TerimaPermohonan" name').replace(
            'targetRef="CatatSurvei"', 'targetRef="TerimaPermohonan"').replace(
            'sourceRef="CatatSurvei"', 'sourceRef="TerimaPermohonan"'),
            "userTask id 'TerimaPermohonan' is also the id of the userTask on line 23; ids must be unique in the "
            "whole process, subprocesses included"),
        "flow-crosses-subprocess": (source.replace('sourceRef="SetujuiSurvei" targetRef="SelesaiSurvei"',
                                                   'sourceRef="SetujuiSurvei" targetRef="ArsipkanHasil"'),
                                    "sequence flow 'G3' is drawn in subprocess 'Survei' but its targetRef "
                                    "'ArsipkanHasil' is not in it: a flow may not cross a subprocess's border"),
        "element-unsupported": (source.replace('<bpmn:subProcess id="Survei" name="Survei lokasi">',
                                               '<bpmn:subProcess id="Survei" name="Survei lokasi" '
                                               'triggeredByEvent="true">'),
                                "event subprocess 'Survei' (triggeredByEvent) is refused"),
        "subprocess-invalid": (source.replace(
            '<bpmn:startEvent id="MulaiSurvei"><bpmn:outgoing>G1</bpmn:outgoing></bpmn:startEvent>',
            '<bpmn:startEvent id="MulaiSurvei"><bpmn:outgoing>G1</bpmn:outgoing><bpmn:timerEventDefinition id="T">'
            '<bpmn:timeDuration>PT1H</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:startEvent>'),
            "start event 'MulaiSurvei' of subprocess 'Survei' has an event definition"),
    }
    for rule, (text, message) in cases.items():
        found = [p for p in lint_errors(tmp_path, text) if p.rule == rule]
        assert len(found) == 1 and message in found[0].message, (rule, lint_errors(tmp_path, text))
        if rule in ("lane-missing", "subprocess-invalid", "element-unsupported"):
            assert len(lint_errors(tmp_path, text)) == 1  # one message for the one problem
        definitions = tmp_path / rule
        definitions.mkdir()
        (definitions / "survei_lapangan.bpmn").write_text(text, encoding="utf-8")
        eng = Engine(str(tmp_path / f"{rule}.db"), definitions_dir=str(definitions), forms_dir=str(FORMS),
                     operator="tu.op")
        try:
            with pytest.raises(EngineError, match=r"survei_lapangan\.bpmn:\d+: .*\(rule "):
                eng.instances.start("survei_lapangan")
        finally:
            eng.close()


def test_conditions_read_the_steps_inside_from_after_the_subprocess(tmp_path: Path) -> None:
    """A check after the subprocess may read a step inside it, and a step inside may read the step before the
    subprocess; a step before it may not read a step inside, which never comes before it."""
    source = DIAGRAM.read_text(encoding="utf-8")

    def with_check(step: str, check: str) -> str:
        anchor = f'<bpmn:userTask id="{step}"'
        head, tail = source.split(anchor)
        props = '<spiffworkflow:property name="formJsonSchemaFilename" value="isian.schema.json" />'
        return head + anchor + tail.replace(props, props + f"<spiffworkflow:property name=\"check\" value='{check}' />",
                                            1)

    assert lint_errors(tmp_path, with_check("ArsipkanHasil", 'SetujuiSurvei["catatan"] != ""')) == []
    assert lint_errors(tmp_path, with_check("SetujuiSurvei", 'TerimaPermohonan["catatan"] != ""')) == []
    found = lint_errors(tmp_path, with_check("TerimaPermohonan", 'SetujuiSurvei["catatan"] != ""'))
    assert [p.rule for p in found] == ["condition-unknown-step"]
    assert "reads step 'SetujuiSurvei', which never comes before it" in found[0].message


def test_a_store_keeps_subprocess_task_ids_stable_across_loads(tmp_path: Path) -> None:
    """The UUID of a step inside the subprocess derives from the instance's root, so two runs of the same events
    give the same ids (what replay relies on)."""
    from engine.runtime.workflow import build_spec, complete_task, new_workflow, ready_user_tasks

    spec = build_spec(DIAGRAM.read_text(encoding="utf-8"), "survei_lapangan", "survei_lapangan.bpmn")
    ids = []
    for _ in range(2):
        workflow = new_workflow(spec, {}, root_id="5c3c9a39-1d52-4c5e-9a8e-7b9b7f0e2a11")
        complete_task(workflow, ready_user_tasks(workflow)[0], {"catatan": "x"})
        ids.append([str(t.id) for t in ready_user_tasks(workflow)])
    assert ids[0] == ids[1] and len(ids[0]) == 1


@pytest.mark.parametrize("folder", ["sqlite"], indirect=True)  # one store is enough here
def test_the_sheet_flattens_the_subprocess_into_its_rows(folder: dict[str, str]) -> None:
    """`sop sheet` draws the steps inside the subprocess as rows of their own lanes, in the order they run, each
    with the subprocess's time limit as an exit to the escalation step."""
    sop = Sop(Path(folder["db"]), Path(folder["definitions"]), Path(folder["forms"]))
    sheet = sop("--roles", folder["roles"], "sheet", "survei_lapangan")
    assert sheet.exit_code == 0, sheet.output
    names = ["Terima permohonan survei", "Catat hasil survei", "Setujui hasil survei", "Arsipkan hasil survei",
             "Tindak lanjuti survei terlambat"]
    assert all(name in sheet.stdout for name in names)
    assert sorted(names, key=sheet.stdout.index) == names
    assert sheet.stdout.count("Batas waktu 5 hari:") == 2  # the exit of both steps inside (the label wrapped)


def collapsed(tmp_path: Path) -> dict[str, str]:
    """The subprocess diagram drawn collapsed (one box, its steps in no shape of this diagram), with a store."""
    definitions = tmp_path / "collapsed"
    shutil.copytree(SUBPROSES, definitions)
    shutil.copy(DEFINITIONS / "calendar.yaml", definitions)
    (definitions / "roles.yaml").write_text(ROLES, encoding="utf-8")
    diagram = definitions / "survei_lapangan.bpmn"
    lines = diagram.read_text(encoding="utf-8").splitlines(keepends=True)
    inner = ('"MulaiSurvei"', '"CatatSurvei"', '"SetujuiSurvei"', '"SelesaiSurvei"', '"G1"', '"G2"', '"G3"')
    text = "".join(line for line in lines if not ("bpmndi:" in line and any(f"bpmnElement={i}" in line
                                                                             for i in inner)))
    text = text.replace('isExpanded="true"><dc:Bounds x="400" y="90" width="380" height="400" />',
                        'isExpanded="false"><dc:Bounds x="400" y="140" width="100" height="80" />').replace(
        '<di:waypoint x="780" y="180" />', '<di:waypoint x="500" y="180" />').replace(
        '<dc:Bounds x="562" y="472" width="36" height="36" />', '<dc:Bounds x="462" y="202" width="36" height="36" />'
    ).replace('<di:waypoint x="580" y="508" /><di:waypoint x="580" y="540" />',
              '<di:waypoint x="480" y="238" /><di:waypoint x="480" y="540" />')
    diagram.write_text(text, encoding="utf-8")
    paths = {"db": str(tmp_path / "c.db"), "definitions": str(definitions), "forms": str(FORMS),
             "roles": str(definitions / "roles.yaml")}
    operator = engine(paths, Clock(), "tu.op")
    operator.context.store(create=True)
    operator.people.apply_roles()
    operator.close()
    return paths


def test_a_collapsed_subprocess_is_one_box_with_its_state_and_ready_step(tmp_path: Path) -> None:
    """Drawn collapsed, the subprocess is one box with the + marker: ready, labelled with the lane and time of the
    step ready inside it, while that step waits; completed once the flow has left it."""
    paths = collapsed(tmp_path)
    clock = Clock()
    staf, kasi = engine(paths, clock), engine(paths, clock, "kasi.satu")
    try:
        staf.instances.start("survei_lapangan")
        staf.instance(1).complete("TerimaPermohonan", {"catatan": "diterima"})
        staf.instance(1).complete("CatatSurvei", {"catatan": "lokasi layak"})
        picture = staf.instance(1).diagram()
        assert 'data-element-id="CatatSurvei"' not in picture
        box = _element(picture, "Survei")
        assert element_states(picture)["Survei"] == "ready" and 'width="12" height="12"' in box  # the + marker
        label = picture[picture.index('class="label state-ready kind-subProcess"'):]
        assert "Kepala Seksi" in label[:label.index("</g>")]  # who must act inside: the approval's lane
        kasi.instance(1).complete("SetujuiSurvei", {"catatan": "disetujui"})
        picture = staf.instance(1).diagram()
        assert [element_states(picture)[e] for e in ("Survei", "ArsipkanHasil")] == ["completed", "ready"]
    finally:
        staf.close()
        kasi.close()


def test_a_wait_inside_and_a_timer_that_does_not_interrupt(tmp_path: Path) -> None:
    """A wait drawn inside the subprocess holds it a working day, named in `show`, and `tick` ends it; a
    non-interrupting timer on the subprocess adds the escalation step while the step inside stays ready; both
    complete, and replay and verify agree."""
    text = DIAGRAM.read_text(encoding="utf-8").replace(
        '<bpmn:sequenceFlow id="G2" sourceRef="CatatSurvei" targetRef="SetujuiSurvei" />',
        '<bpmn:sequenceFlow id="G2" sourceRef="CatatSurvei" targetRef="TungguDalam" />'
        '<bpmn:intermediateCatchEvent id="TungguDalam" name="Tunggu 1 hari"><bpmn:incoming>G2</bpmn:incoming>'
        '<bpmn:outgoing>G4</bpmn:outgoing><bpmn:timerEventDefinition id="TimerDef_Dalam"><bpmn:timeDuration>P1D'
        '</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>'
        '<bpmn:sequenceFlow id="G4" sourceRef="TungguDalam" targetRef="SetujuiSurvei" />').replace(
        '<bpmn:incoming>G2</bpmn:incoming><bpmn:outgoing>G3</bpmn:outgoing>',
        '<bpmn:incoming>G4</bpmn:incoming><bpmn:outgoing>G3</bpmn:outgoing>').replace(
        'attachedToRef="Survei">', 'attachedToRef="Survei" cancelActivity="false">')
    paths = collapsed(tmp_path)  # a folder and store; the diagram is replaced by the one with the wait
    Path(paths["definitions"], "survei_lapangan.bpmn").write_text(text, encoding="utf-8")
    assert [p for p in lint_paths([Path(paths["definitions"])], forms_dir=FORMS) if p.severity == "error"] == []
    clock = Clock()
    staf, kasi = engine(paths, clock), engine(paths, clock, "kasi.satu")
    try:
        staf.instances.start("survei_lapangan")
        staf.instance(1).complete("TerimaPermohonan", {"catatan": "diterima"})
        staf.instance(1).complete("CatatSurvei", {"catatan": "lokasi layak"})
        view = staf.instance(1).show()
        assert view.tasks == () and [(w.timer, w.name, w.due) for w in view.waiting] == [
            ("TungguDalam", "Tunggu 1 hari", "2026-11-03T01:00:00.000Z")]
        clock.now = "2026-11-03T01:00:00.000Z"
        assert [f.tasks for f in kasi.time.tick().fired] == [("SetujuiSurvei",)]
        clock.now = "2026-11-09T01:00:00.000Z"
        assert [(f.timer, f.tasks) for f in kasi.time.tick().fired] == [("BatasSurvei", ("SetujuiSurvei", "Eskalasi"))]
        kasi.instance(1).complete("Eskalasi", {"catatan": "diingatkan"})
        kasi.instance(1).complete("SetujuiSurvei", {"catatan": "disetujui"})
        staf.instance(1).complete("ArsipkanHasil", {"catatan": "diarsipkan"})
        assert staf.instance(1).show().status == "completed"
        assert staf.instance(1).replay().divergence is None
        assert [v.problems for v in staf.audit.verify(instances=[1])] == [[]]
    finally:
        staf.close()
        kasi.close()
