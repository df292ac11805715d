"""`sop compile`'s output: a runnable, laid-out collaboration that follows the hand-drawn diagram's conventions."""

from __future__ import annotations

import shutil
from pathlib import Path

from conftest import DEFINITIONS, EXAMPLES, FORMS, ROOT
from diagram_geometry import edges_through_shapes, overlapping_shapes, read_di, shapes_outside_lanes
from lxml import etree
from tests_sop_fixtures import SURAT, with_forms

from engine.ops.scenarios import load_scenario, run_scenario
from engine.runtime.workflow import build_spec, complete_task, new_workflow, ready_user_tasks
from engine.service.facade import Engine
from engine.table.sop_bpmn import compile_table
from engine.table.sop_yaml import read_table

TABLE = ROOT / "examples" / "interkoneksi_data_baru" / "tabel" / "interkoneksi_data_baru.sop.yaml"
NS = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL", "s": "http://spiffworkflow.org/bpmn/schema/1.0/core"}


def _compiled() -> str:
    table, _ = read_table(TABLE.read_text(encoding="utf-8"), str(TABLE), forms_dir=FORMS)
    return compile_table(table, str(TABLE))


def _runs(definitions: Path, tmp_path: Path, name: str) -> list[list[tuple[str, str]]]:
    """Both example scenarios through the engine: each step's task id and lane, in order."""
    engine = Engine(str(tmp_path / f"{name}.db"), definitions_dir=definitions, forms_dir=FORMS, operator="uji")
    runs = []
    try:
        for scenario_file in ("pasang.scenario.yaml", "tunda.scenario.yaml"):
            steps: list[tuple[str, str]] = []
            view = run_scenario(
                engine,
                load_scenario(EXAMPLES / scenario_file),
                on_step=lambda kind, detail: (
                    steps.append((detail["task"], detail["lane"])) if kind == "completed" else None
                ),
            )
            assert view.status == "completed"
            runs.append(steps)
    finally:
        engine.close()
    return runs


def test_table_runs_both_paths_like_the_hand_drawn_diagram(tmp_path: Path) -> None:
    """The Interkoneksi table, dropped alone in a definitions folder, runs both scenarios through the same user
    tasks in the same lanes as definitions/interkoneksi_data_baru.bpmn."""
    folder = tmp_path / "definitions"
    folder.mkdir()
    shutil.copy(TABLE, folder)
    from_table = _runs(folder, tmp_path, "tabel")
    hand_drawn = _runs(DEFINITIONS, tmp_path, "gambar")
    assert from_table == hand_drawn
    assert [task for task, _ in from_table[1]][4:6] == ["AnalisaTopologi", "LaporanKabid"]  # tunda skips 6-8


def test_compiled_diagram_is_a_collaboration_with_lanes_and_properties() -> None:
    """Participant, lanes in the table's order, user tasks with nomor/form/sla/kelengkapan/output/check."""
    root = etree.fromstring(_compiled().encode())
    participant = root.find(".//bpmn:participant", NS)
    assert participant.get("processRef") == "interkoneksi_data_baru"
    assert [lane.get("name") for lane in root.iterfind(".//bpmn:lane", NS)] == [
        "OPD", "Kepala Dinas", "Kepala Bidang", "Kepala Seksi", "Tim Teknis Jaringan", "Sekretaris"]
    task = root.find(".//bpmn:userTask[@id='LaporanKabid']", NS)
    props = {p.get("name"): p.get("value") for p in task.iterfind(".//s:property", NS)}
    assert props["nomor"] == "9" and props["formJsonSchemaFilename"] == "laporan.schema.json"
    assert (props["sla"], props["kelengkapan"], props["output"]) == ("PT1H", "Draft Laporan", "Surat Rekomendasi")
    assert props["check"].startswith('LaporanKabid["jenis_surat"] == ')
    assert props["keterangan"].startswith("Kepala Bidang menyerahkan laporan")  # the sheet's Keterangan


def test_decision_has_condition_default_and_labels_and_merge_gateway() -> None:
    """The decision's ya flow carries the condition, tidak is the default; both are labelled; a merge joins them."""
    root = etree.fromstring(_compiled().encode())
    gateway = root.find(".//bpmn:exclusiveGateway[@id='Keputusan_AnalisaTopologi']", NS)
    assert gateway.get("name") == "Dipasang?"
    flows = {f.get("id"): f for f in root.iterfind(".//bpmn:sequenceFlow", NS)}
    ya = flows["Flow_Keputusan_AnalisaTopologi_DraftSpesifikasi"]
    tidak = flows["Flow_Keputusan_AnalisaTopologi_Gabung_LaporanKabid"]
    assert ya.findtext("bpmn:conditionExpression", namespaces=NS) == 'AnalisaTopologi["keputusan"] == "pasang"'
    assert gateway.get("default") == tidak.get("id")
    assert (ya.get("name"), tidak.get("name")) == ("Pasang", "Tunda")
    merge = root.find(".//bpmn:exclusiveGateway[@id='Gabung_LaporanKabid']", NS)
    assert len(merge.findall("bpmn:incoming", NS)) == 2
    end = root.find(".//bpmn:endEvent", NS)
    assert end.get("name") == "Permohonan selesai ditindaklanjuti"


def test_parallel_rows_compile_to_split_and_join() -> None:
    """A bersamaan row becomes a parallel split and join; both steps are ready together and the run finishes."""
    table, _ = read_table(SURAT, "surat.sop.yaml")
    bpmn = compile_table(table)
    root = etree.fromstring(bpmn.encode())
    gateways = [g.get("id") for g in root.iterfind(".//bpmn:parallelGateway", NS)]
    assert gateways == ["Bagi_Bersamaan_3", "Temu_Bersamaan_3"]
    workflow = new_workflow(build_spec(bpmn, table.process_id, "surat.bpmn"))
    order = []
    data = {"Telaah": [{"keputusan": "tolak"}, {"keputusan": "setuju"}]}
    while not workflow.completed:
        ready = ready_user_tasks(workflow)
        order.append(sorted(t.task_spec.bpmn_id for t in ready))
        task = ready[0]
        complete_task(workflow, task, data[task.task_spec.bpmn_id].pop(0) if task.task_spec.bpmn_id in data else {})
    assert order == [["AjukanNota"], ["Telaah"], ["Perbaiki"], ["Telaah"], ["ParafA", "ParafB"], ["ParafB"],
                     ["Terbitkan"]]


def test_layout_keeps_shapes_apart_and_edges_clear() -> None:
    """No two shapes overlap, no edge crosses a shape, every shape sits in its lane, every edge is orthogonal."""
    shapes, lanes, edges, lane_of = read_di(_compiled())
    assert len(shapes) == 17 and len(edges) == 17
    assert overlapping_shapes(shapes) == []
    assert edges_through_shapes(shapes, edges) == []
    assert shapes_outside_lanes(shapes, lanes, lane_of) == []


def test_compiling_is_byte_stable_and_local() -> None:
    """The same table gives the same bytes; changing one step's text changes only that step's lines."""
    first = _compiled()
    assert _compiled() == first
    text = TABLE.read_text(encoding="utf-8").replace("Buat rancangan topologi jaringan", "Rancang topologi jaringan")
    table, _ = read_table(text, "t.sop.yaml", forms_dir=FORMS)
    changed = compile_table(table).splitlines()
    diff = [(a, b) for a, b in zip(first.splitlines(), changed, strict=True) if a != b]
    assert diff == [('    <bpmn:userTask id="DraftTopologi" name="Buat rancangan topologi jaringan">',
                     '    <bpmn:userTask id="DraftTopologi" name="Rancang topologi jaringan">')]


LOOP = """\
sop: {id: paraf_ulang, nama: Paraf ulang}
pelaksana: [Staf, Kepala]
langkah:
  - {id: Ajukan, kegiatan: Ajukan, pelaksana: Staf}
  - bersamaan:
      - {id: ParafA, kegiatan: Paraf A, pelaksana: Kepala}
      - {id: ParafB, kegiatan: Paraf B, pelaksana: Staf}
    keputusan: {syarat: 'ParafA["ok"] == "ya"', ya: 3, tidak: 2}
  - {id: Arsipkan, kegiatan: Arsipkan, pelaksana: Staf}
"""


def test_decision_after_parallel_steps_in_a_loop_reads_this_turns_artefact(tmp_path: Path) -> None:
    """Looping back over parallel steps, the decision reads the artefact just entered, whichever branch ends last."""
    folder, forms = tmp_path / "definitions", tmp_path / "forms"
    folder.mkdir()
    forms.mkdir()
    (folder / "paraf_ulang.sop.yaml").write_text(with_forms(LOOP, forms))
    engine = Engine(str(tmp_path / "loop.db"), definitions_dir=folder, forms_dir=forms, operator="uji")
    try:
        instance = engine.instances.start("paraf_ulang").instance
        engine.instance(instance).complete("Ajukan", {})
        engine.instance(instance).complete("ParafA", {"ok": "tidak"})
        engine.instance(instance).complete("ParafB", {})
        engine.instance(instance).complete("ParafA", {"ok": "ya"})  # ParafB still holds the first turn's ParafA
        view = engine.instance(instance).complete("ParafB", {}).instance
        assert [t.task for t in view.tasks] == ["Arsipkan"]
    finally:
        engine.close()
