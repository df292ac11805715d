"""`sop diagram` draws a process or an instance from its BPMN DI, with each element's state readable."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import zlib
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from conftest import DATA, DEFINITIONS, EXAMPLES, ROOT, Sop
from picture_tools import SVG, element_states, ink_fraction, render_png

from engine.bpmn.bpmn_di import BPMN, parse_diagram
from engine.common.models import TaskView
from engine.common.yamlio import parse_data
from engine.pictures.diagram_states import bare_states, instance_states
from engine.pictures.svg_diagram import STYLES, render_svg

GAMBAR = ROOT / "tests" / "data" / "gambar"
ULANG = ROOT / "tests" / "data" / "ulang"
SOP_BPMN = DEFINITIONS / "interkoneksi_data_baru.bpmn"
NOT_FLOW_NODES = {"sequenceFlow", "laneSet", "extensionElements", "documentation", "textAnnotation", "association"}


def _flow_ids(bpmn: Path) -> tuple[list[str], list[str]]:
    """The flow nodes and the sequence flows a BPMN file's processes hold."""
    root = ElementTree.parse(bpmn).getroot()
    nodes, flows = [], []
    for process in root.iter(f"{BPMN}process"):
        for child in process:
            tag = child.tag.rsplit("}", 1)[-1]
            if tag == "sequenceFlow":
                flows.append(child.get("id") or "")
            elif tag not in NOT_FLOW_NODES:
                nodes.append(child.get("id") or "")
    return nodes, flows


def _steps(scenario: str) -> list[tuple[str, list[str]]]:
    """Each step's task and the `sop complete` options of its sample data and files."""
    steps = parse_data((EXAMPLES / f"{scenario}.scenario.yaml").read_text(), scenario)["steps"]
    return [(s["task"], ["--data", str(EXAMPLES / s["data"]),
                         *[arg for field, name in (s.get("attach") or {}).items()
                           for arg in ("--attach", f"{field}={EXAMPLES / name}")]]) for s in steps]


def _diagram(sop: Sop, *args: str) -> str:
    result = sop("diagram", *args)
    assert result.exit_code == 0, result.output
    return result.stdout


def test_bare_diagram_has_a_shape_for_every_flow_node(sop: Sop) -> None:
    """The shipped SOP's diagram parses as SVG and every flow node and sequence flow is drawn with its id."""
    svg = _diagram(sop, "--process", "interkoneksi_data_baru")
    root = ElementTree.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    drawn = element_states(svg)
    nodes, flows = _flow_ids(SOP_BPMN)
    assert len(nodes) == 17 and len(flows) == 17
    for element in [*nodes, *flows]:
        assert drawn.get(element) == "plain", element
    texts = " ".join("".join(t.itertext()) for t in root.iter(f"{SVG}text"))
    for lane in ("OPD", "Kepala Dinas", "Kepala Bidang", "Kepala Seksi", "Tim Teknis Jaringan", "Sekretaris"):
        assert lane in texts
    assert "Dipasang?" in texts and "Pasang" in texts and "Tunda" in texts
    assert "Ajukan surat" in texts and "Kebutuhan" in texts


def test_each_arrowhead_has_the_colour_of_its_line(sop: Sop, tmp_path: Path) -> None:
    """Arrowheads come from one marker per colour, each filled with the colour of the lines that use it."""
    instance = sop.start()
    for task, data in _steps("tunda")[:5]:
        assert sop("complete", str(instance), task, *data).exit_code == 0
    root = ElementTree.fromstring(_diagram(sop, str(instance)))
    markers = {m.get("id"): m.find(f"{SVG}path") for m in root.iter(f"{SVG}marker")}
    assert {"arrow-taken", "arrow-not-taken", "arrow-future"} <= set(markers)
    used = 0
    for line in root.iter(f"{SVG}polyline"):
        ref = line.get("marker-end", "")[5:-1]
        path = markers[ref]
        assert path is not None and path.get("fill") == line.get("stroke"), ref
        used += 1
    assert used == 17
    assert "<style" not in ElementTree.tostring(root, encoding="unicode")


def test_states_follow_the_sop_instance_after_each_step(sop: Sop) -> None:
    """After every step of the pasang path the picture shows exactly the completed steps and the ready one."""
    instance = sop.start()
    done = {"StartEvent_Permohonan"}
    for task, data in _steps("pasang"):
        states = element_states(_diagram(sop, str(instance)))
        assert states[task] == "ready"
        assert {k for k, v in states.items() if v == "completed"} - {"Gateway_Keputusan", "Gateway_Gabung"} == done
        assert ("not-taken" in states.values()) == ("AnalisaTopologi" in done)
        result = sop.json("complete", str(instance), task, *data)
        done.add(task)
        ready = {t["task"] for t in result["tasks"]}
        assert {k for k, v in element_states(_diagram(sop, str(instance))).items() if v == "ready"} == ready
    states = element_states(_diagram(sop, str(instance)))
    assert states["EndEvent_Selesai"] == "completed" and "ready" not in states.values()
    assert states["Flow_Pasang"] == "taken" and states["Flow_Tunda"] == "not-taken"
    assert all(states[f] == "taken" for f in _flow_ids(SOP_BPMN)[1] if f != "Flow_Tunda")


def test_branch_not_taken_is_greyed_once_the_decision_is_made(sop: Sop) -> None:
    """On the tunda path the installation branch is drawn not taken as soon as the gateway has chosen."""
    instance = sop.start()
    for task, data in _steps("tunda")[:5]:
        assert sop("complete", str(instance), task, *data).exit_code == 0
    states = element_states(_diagram(sop, str(instance)))
    for element in ("DraftSpesifikasi", "DraftTopologi", "PemasanganJaringan", "Flow_Pasang", "Flow_07",
                    "Flow_08", "Flow_09"):
        assert states[element] == "not-taken", element
    assert states["Gateway_Keputusan"] == "completed" and states["Flow_Tunda"] == "taken"
    assert states["LaporanKabid"] == "ready" and states["ParafKabid"] == "future"
    assert states["Flow_11"] == "future"


def test_own_diagram_parallel_join_and_rejected_branch(make_sop: Any) -> None:
    """A diagram of the tests' own: both parallel branches ready, the join waiting, then the rejection path."""
    sop = make_sop(GAMBAR / "definitions", GAMBAR / "forms")
    nodes, flows = _flow_ids(GAMBAR / "definitions" / "uji_gambar.bpmn")
    instance = sop.start("uji_gambar")
    states = element_states(_diagram(sop, str(instance)))
    assert set(states) >= {*nodes, *flows}
    assert states["Isi"] == "ready" and states["Mulai"] == "completed" and states["F1"] == "taken"
    assert states["Arsip"] == "future" and states["Selesai_Tolak"] == "future"
    assert sop("complete", str(instance), "Isi", "--set", "catatan=lengkap").exit_code == 0
    states = element_states(_diagram(sop, str(instance)))
    assert states["Catat"] == states["Periksa"] == "ready" and states["Cabang"] == "completed"
    assert sop("complete", str(instance), "Catat", "--set", "catatan=dicatat").exit_code == 0
    states = element_states(_diagram(sop, str(instance)))
    assert states["Gabung"] == "waiting" and states["F5"] == "taken" and states["F6"] == "future"
    assert sop("complete", str(instance), "Periksa", "--set", "setuju=false").exit_code == 0
    states = element_states(_diagram(sop, str(instance)))
    assert states["Selesai_Tolak"] == "completed" and states["F9"] == "taken"
    assert states["Arsip"] == states["Selesai_Arsip"] == states["F8"] == states["F10"] == "not-taken"
    assert states["Gabung"] == "completed" and states["F6"] == "taken"


def test_loop_shows_the_step_ready_again_and_the_way_back_taken(make_sop: Any) -> None:
    """In a loop, a step done before and ready again is drawn ready, and the flow back is on the path taken."""
    sop = make_sop(ULANG / "definitions", ULANG / "forms")
    instance = sop.start("periksa_berulang")
    for _ in range(2):
        assert sop("complete", str(instance), "Periksa", "--set", "lagi=true").exit_code == 0
    states = element_states(_diagram(sop, str(instance)))
    assert states["Periksa"] == "ready" and states["F_Lagi"] == "taken" and states["F_Cukup"] == "future"
    assert states["Selesai"] == "future"


def test_ready_task_past_its_due_time_is_overdue(sop: Sop) -> None:
    """A ready task whose due time has passed is drawn overdue, with its due time on its tag (due set by hand)."""
    sop.start()
    conn = sqlite3.connect(sop.db)
    state = zlib.decompress(conn.execute("SELECT state FROM instances").fetchone()[0]).decode()
    spec = conn.execute("SELECT spec FROM definition_versions").fetchone()[0]
    conn.close()
    diagram = parse_diagram(SOP_BPMN.read_text())
    row = TaskView(1, "AjukanPermohonan", "x", "Ajukan", "OPD", None, "PT30M", "2026-11-02T08:00:00.000Z", "p",
                  "2026-11-02T08:30:00.000Z")
    late = instance_states(diagram, state, spec, [row], "running", now="2026-11-02T09:00:00.000Z")
    assert late.states["AjukanPermohonan"] == "overdue"
    svg = render_svg(diagram, late, "t")
    assert element_states(svg)["AjukanPermohonan"] == "overdue"
    assert "OVERDUE · OPD · since 2026-11-02T08:00:00.000Z · due 2026-11-02T08:30:00.000Z" in svg  # as given
    assert STYLES["overdue"].legend in svg
    on_time = instance_states(diagram, state, spec, [row], "running", now="2026-11-02T08:10:00.000Z")
    assert on_time.states["AjukanPermohonan"] == "ready"


def test_html_page_has_the_picture_and_the_history(sop: Sop, tmp_path: Path) -> None:
    """The .html holds the SVG inline, what is waiting now, and every event with who did it and a summary."""
    instance = sop.start()
    assert sop("complete", str(instance), "AjukanPermohonan", "--data", str(DATA / "01_surat_permohonan.yaml"),
               "--as", "opd.dinkes").exit_code == 0
    out = tmp_path / "instance.html"
    result = sop("diagram", str(instance), "-o", str(out))
    assert result.exit_code == 0 and f"Wrote the diagram of instance {instance}" in result.stderr
    page = out.read_text()
    assert page.startswith("<!DOCTYPE html>") and "http" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert page.count("<svg") == 1 and 'data-element-id="DisposisiKadis"' in page
    assert "Waiting now" in page and "Kepala Dinas" in page
    assert "(instance started)" in page and "opd.dinkes" in page and "alamat_lokasi=Jl. Ahmad Yani" in page
    assert element_states(page[page.index("<svg"):page.index("</svg>") + 6])["DisposisiKadis"] == "ready"


def test_rendered_pngs_are_not_blank(sop: Sop, tmp_path: Path) -> None:
    """rsvg-convert renders the bare and the mid-instance diagrams into PNGs with real drawing on them."""
    bare = tmp_path / "bare.svg"
    assert sop("diagram", "--process", "interkoneksi_data_baru", "-o", str(bare)).exit_code == 0
    instance = sop.start()
    assert sop("complete", str(instance), "AjukanPermohonan", "--data",
               str(DATA / "01_surat_permohonan.yaml")).exit_code == 0
    mid = tmp_path / "mid.svg"
    assert sop("diagram", str(instance), "-o", str(mid)).exit_code == 0
    for svg in (bare, mid):
        assert 0.02 < ink_fraction(render_png(svg)) < 0.6, svg


def test_event_icons_and_labels_from_the_di(tmp_path: Path) -> None:
    """Timer (boundary and intermediate), message, signal and error events get their icons; labels sit where
    the DI puts them, or below the shape when the BPMNLabel is empty."""
    diagram = parse_diagram((GAMBAR / "ikon" / "ikon.bpmn").read_text())
    svg = render_svg(diagram, bare_states(diagram), "Ikon")
    root = ElementTree.fromstring(svg)
    groups = {g.get("data-element-id"): g for g in root.iter(f"{SVG}g") if "element" in (g.get("class") or "")}
    labels = {g.get("data-element-id"): g for g in root.iter(f"{SVG}g") if "label" in (g.get("class") or "")}
    ticks = len([x for x in groups["Pengingat"].iter(f"{SVG}line")])
    assert ticks == 12 and "kind-boundaryEvent" in (groups["Pengingat"].get("class") or "")
    assert groups["Pengingat"].find(f"{SVG}circle").get("stroke-dasharray")  # type: ignore[union-attr]
    assert not groups["Batas"].find(f"{SVG}circle").get("stroke-dasharray")  # type: ignore[union-attr]
    assert len(list(groups["Tunggu"].iter(f"{SVG}line"))) == 12
    assert groups["Surat_Masuk"].find(f"{SVG}rect") is not None  # the envelope
    assert len(list(groups["Isyarat"].iter(f"{SVG}path"))) == 1 and len(list(groups["Gagal"].iter(f"{SVG}path"))) == 1
    start_label = labels["Surat_Masuk"].find(f"{SVG}text")
    assert start_label is not None and float(start_label.get("y", 0)) > 136  # below the event
    jam = [t for t in labels["Pengingat"].iter(f"{SVG}text")]
    assert float(jam[0].get("y", 0)) >= 175 and float(jam[0].get("x", 0)) == 315  # centred in its label bounds
    png = tmp_path / "ikon.svg"
    png.write_text(svg)
    assert ink_fraction(render_png(png)) > 0.02


def test_bad_requests_are_refused(sop: Sop, make_sop: Any, tmp_path: Path) -> None:
    """Neither or both of INSTANCE and --process, or an -o that is not .svg/.html, are usage errors; unknown or
    layout-less things are refused by name."""
    assert sop("diagram").exit_code == 2
    assert sop("diagram", "1", "--process", "interkoneksi_data_baru").exit_code == 2
    bad = sop("diagram", "--process", "interkoneksi_data_baru", "-o", str(tmp_path / "x.png"))
    assert bad.exit_code == 2 and ".svg or .html" in bad.output
    no_store = sop("diagram", "7")
    assert no_store.exit_code == 1 and "No store at" in no_store.stderr
    sop.start()
    missing = sop("diagram", "7")
    assert missing.exit_code == 1 and "No instance 7" in missing.stderr
    unknown = sop("diagram", "--process", "tidak_ada")
    assert unknown.exit_code == 1 and "tidak_ada" in unknown.stderr
    cuti = make_sop(ROOT / "tests" / "data" / "cuti" / "definitions", ROOT / "tests" / "data" / "cuti" / "forms")
    no_layout = cuti("diagram", "--process", "permohonan_cuti")
    assert no_layout.exit_code == 1 and "has no layout" in no_layout.stderr
    assert not list(tmp_path.glob("x.png"))


def test_instance_diagram_loads_no_workflow_engine(sop: Sop, tmp_path: Path) -> None:
    """Drawing an instance reads its stored state as JSON: neither SpiffWorkflow nor lxml is imported."""
    sop.start()
    code = (
        "import sys\nfrom runner.cli import cli\n"
        f"cli(['--db', {str(sop.db)!r}, 'diagram', '1', '-o', {str(tmp_path / 'a.html')!r}], standalone_mode=False)\n"
        "print('HEAVY', sorted({m.split('.')[0] for m in sys.modules} & {'SpiffWorkflow', 'jsonschema', 'lxml'}),"
        " file=sys.stderr)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert "HEAVY []" in result.stderr, result.stderr
    assert 'data-element-id="AjukanPermohonan"' in (tmp_path / "a.html").read_text()
