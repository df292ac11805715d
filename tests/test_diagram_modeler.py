"""Diagrams draw as the modeler drew them: annotations, markers, task icons, titles and label widths."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from conftest import ROOT
from picture_tools import SVG, element_states

from engine.bpmn.bpmn_di import parse_diagram
from engine.pictures.diagram_states import bare_states
from engine.pictures.svg_diagram import render_svg
from engine.pictures.text_metrics import text_width, wrap_as_modeler

GAMBAR = ROOT / "tests" / "data" / "gambar"
PEMODEL = GAMBAR / "pemodel" / "pemodel.bpmn"


def _picture(title: str = "Pemodel") -> tuple[ElementTree.Element, dict[str, ElementTree.Element],
                                               dict[str, ElementTree.Element]]:
    diagram = parse_diagram(PEMODEL.read_text(encoding="utf-8"))
    root = ElementTree.fromstring(render_svg(diagram, bare_states(diagram), title))
    groups = {g.get("data-element-id") or "": g for g in root.iter(f"{SVG}g") if "element" in (g.get("class") or "")}
    labels = {g.get("data-element-id") or "": g for g in root.iter(f"{SVG}g") if "label" in (g.get("class") or "")}
    return root, groups, labels


def _texts(group: ElementTree.Element) -> list[str]:
    return [t.text or "" for t in group.iter(f"{SVG}text")]


def test_text_annotation_shows_its_text_and_association() -> None:
    """A text annotation is an open bracket with its text, line breaks kept; its association a dotted line."""
    _, groups, _ = _picture()
    note = groups["Catatan"]
    assert note.find(f"{SVG}rect") is None and note.find(f"{SVG}path") is not None
    lines = _texts(note)
    assert lines[0] == "Berkas asli dibawa" and " ".join(lines[1:]) == "ke loket layanan pada jam kerja"
    assert all(text_width(line, 11) <= 150 - 12 for line in lines)
    link = groups["Assoc_1"].find(f"{SVG}polyline")
    assert link is not None and link.get("stroke-dasharray") and not link.get("marker-end")


def test_loop_and_multi_instance_markers() -> None:
    """Parallel multi-instance (three bars up), sequential (three across) and loop markers sit at the bottom."""
    _, groups, _ = _picture()

    def marker(element: str) -> str:
        paths = [p.get("d") or "" for p in groups[element].iter(f"{SVG}path")]
        return paths[-1]

    assert marker("Tiap_Berkas").count("v12") == 3 and marker("Berurutan").count("h12") == 3
    assert " A5.5,5.5 " in "".join(p.get("d") or "" for p in groups["Ulangi"].iter(f"{SVG}path"))
    assert "v12" not in "".join(p.get("d") or "" for p in groups["Antar"].iter(f"{SVG}path"))


def test_each_task_type_has_its_own_icon() -> None:
    """Manual, service, script, send, receive and business-rule tasks each draw a different icon."""
    _, groups, _ = _picture()
    kinds = ("Antar", "Kirim_Email", "Hitung", "Kirim", "Terima", "Aturan")
    drawn = {k: ElementTree.tostring(groups[k]).decode().split("/>", 1)[1] for k in kinds}
    assert all(drawn.values()) and len(set(drawn.values())) == len(kinds)
    assert 'fill="#263238"' in drawn["Kirim"] and 'fill="#263238"' not in drawn["Terima"].split("path")[0]


def test_a_long_title_widens_the_picture() -> None:
    """A title wider than the diagram is never cut: the picture is as wide as the title needs."""
    title = "Prosedur pelaksanaan interkoneksi data baru untuk seluruh perangkat daerah kabupaten · instance 12"
    root, _, _ = _picture(title)
    width = float(root.get("width") or 0)
    assert width >= text_width(title, 15, bold=True) + 40


def test_labels_wrap_in_bpmn_js_box_widths() -> None:
    """A gateway label whose DI bounds bpmn-js measured narrow ("Disetujui?") stays on one line, centred on them."""
    _, _, labels = _picture()
    texts = list(labels["Disetujui"].iter(f"{SVG}text"))
    assert [t.text for t in texts] == ["Disetujui?"]
    assert float(texts[0].get("x") or 0) == 330 + 51 / 2
    assert _texts(labels["F_Tidak"]) == ["Tidak"]


def test_flows_into_a_parallel_join_stay_taken(make_sop: Any, tmp_path: Path) -> None:
    """After a parallel join fires, the flow from the branch that arrived first is still drawn as taken."""
    sop = make_sop(GAMBAR / "definitions", GAMBAR / "forms")
    instance = sop.start("uji_gambar")
    for task, value in (("Isi", "catatan=lengkap"), ("Catat", "catatan=dicatat"), ("Periksa", "setuju=false")):
        assert sop("complete", str(instance), task, "--set", value).exit_code == 0
    result = sop("diagram", str(instance))
    assert result.exit_code == 0, result.output
    states = element_states(result.stdout)
    assert states["Gabung"] == "completed" and states["F5"] == states["F6"] == "taken"
    assert states["Catat"] == states["Periksa"] == "completed"


def test_names_break_where_bpmn_js_breaks_them() -> None:
    """Lines break as bpmn-js's text layout breaks them (a share of the characters, cut at a space)."""
    assert wrap_as_modeler("Pack for holiday", 86, 12) == ["Pack for", "holiday"]
    assert wrap_as_modeler("Pack for work", 86, 12) == ["Pack for work"]
    assert wrap_as_modeler("Paraf surat oleh Kepala Bidang", 96, 12) == ["Paraf surat", "oleh Kepala", "Bidang"]
    assert wrap_as_modeler("Disetujui?", 90, 11) == ["Disetujui?"]
    assert len(wrap_as_modeler("x" * 20_000, 90, 11)) > 100  # long texts take the linear way
