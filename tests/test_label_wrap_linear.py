"""Label wrapping takes linear time: a 20,000-character word renders in seconds, ordinary labels wrap as before."""

from __future__ import annotations

import re
import time
from pathlib import Path
from xml.etree import ElementTree

from conftest import Sop, copy_definitions
from picture_tools import SVG

from engine.pictures.text_metrics import text_width, wrap

LONG_WORD = "Permohonan" * 2000  # 20,000 characters, no space to break at


def _long_label_sop(tmp_path: Path) -> Sop:
    definitions, forms = copy_definitions(tmp_path)
    bpmn = definitions / "interkoneksi_data_baru.bpmn"
    text = bpmn.read_text(encoding="utf-8")
    old = 'name="Koordinasi dan survey teknis ke OPD"'
    assert old in text
    doc = "<bpmn:documentation>Kepala Seksi bersama"
    assert doc in text
    text = text.replace(old, f'name="Koordinasi {LONG_WORD} ke OPD"').replace(doc, f"{doc} {LONG_WORD}")
    bpmn.write_text(text, encoding="utf-8")
    return Sop(tmp_path / "sop.db", definitions, forms)


def test_diagram_with_a_20000_character_word_renders_in_seconds(tmp_path: Path) -> None:
    """`sop diagram --process` draws a task whose name holds a 20,000-character word in a couple of seconds."""
    sop = _long_label_sop(tmp_path)
    began = time.monotonic()
    result = sop("diagram", "--process", "interkoneksi_data_baru")
    assert result.exit_code == 0, result.output
    assert time.monotonic() - began < 5
    assert "Permohonan" in result.stdout


def test_sheet_with_a_20000_character_word_renders_in_seconds(tmp_path: Path) -> None:
    """`sop sheet` lays out a step whose Uraian (its documentation) holds a 20,000-character word, all of it, fast."""
    sop = _long_label_sop(tmp_path)
    began = time.monotonic()
    result = sop("sheet", "interkoneksi_data_baru")
    assert result.exit_code == 0, result.output
    assert time.monotonic() - began < 5
    drawn = "".join(re.findall(r">([^<>]*)</text>", result.stdout))
    assert LONG_WORD in drawn.replace("-", "")  # the word is cut into hyphenated lines, no character dropped


def test_long_word_is_cut_into_lines_that_fit() -> None:
    """A word longer than a line is cut into pieces no wider than the line, each but the last ending in a hyphen,
    keeping every character in order."""
    lines = wrap("ab " + LONG_WORD + " cd", 90, 10)
    assert lines[0] == "ab" and lines[-1] == "cd" and all(line.endswith("-") for line in lines[1:-2])
    assert "".join(line.removesuffix("-") for line in lines[1:]).replace(" ", "") == LONG_WORD + "cd"
    assert all(text_width(line, 10) <= 90 for line in lines)


def test_ordinary_labels_wrap_as_before() -> None:
    """Ordinary labels break at the same places as the original prefix-measuring algorithm did."""
    assert wrap("Koordinasi dan survey teknis ke OPD", 90, 10) == ["Koordinasi dan", "survey teknis ke", "OPD"]
    assert wrap("Ajukan surat permohonan pemasangan jaringan", 110, 10, bold=True) == [
        "Ajukan surat", "permohonan", "pemasangan", "jaringan"]
    assert wrap("Supercalifragilistic", 30, 10) == ["Supe-", "rcalif-", "ragili-", "stic"]  # hyphen included
    assert wrap("E-Government-Bangka", 60, 10) == ["E-Governm-", "ent-Bangka"]
    assert wrap("E-Government-Bangka", 45, 10) == ["E-Gover-", "nment-", "Bangka"]  # its own hyphen where it can
    assert wrap("W", 1, 10) == ["W"]
    assert wrap("WW", 1, 10) == ["W-", "W"]
    assert wrap("", 50, 10) == []


def test_long_lane_flow_and_process_names_render_in_seconds(tmp_path: Path) -> None:
    """A lane, a sequence flow and the process named by a 20,000-character word: both pictures stay fast."""
    definitions, forms = copy_definitions(tmp_path)
    bpmn = definitions / "interkoneksi_data_baru.bpmn"
    text = bpmn.read_text(encoding="utf-8")
    flow = re.search(r'<bpmn:sequenceFlow id="([^"]+)" name="[^"]*"', text)
    assert flow is not None and '<bpmn:lane id="Lane_1" name="OPD">' in text
    text = text.replace(flow.group(0), f'<bpmn:sequenceFlow id="{flow.group(1)}" name="{LONG_WORD}"', 1)
    text = text.replace('<bpmn:lane id="Lane_1" name="OPD">', f'<bpmn:lane id="Lane_1" name="OPD {LONG_WORD}">')
    text = text.replace('name="Pelaksanaan Interkoneksi Data Baru"', f'name="Pelaksanaan {LONG_WORD}"')
    bpmn.write_text(text, encoding="utf-8")
    sop = Sop(tmp_path / "sop.db", definitions, forms)
    for args in (("diagram", "--process", "interkoneksi_data_baru"), ("sheet", "interkoneksi_data_baru")):
        began = time.monotonic()
        result = sop(*args)
        assert result.exit_code == 0, result.output
        assert time.monotonic() - began < 5, args


LONG_NAME = "Mengagendakan berkas permohonan dan meneruskan ke Kepala Dinas untuk disposisi lanjutan segera"


def _task_label(sop: Sop, step: str) -> tuple[list[tuple[str, float]], tuple[float, float, float, float]]:
    """The lines (text, font size) drawn as a task's name, and the task's box, in `sop diagram --process`."""
    result = sop("diagram", "--process", "interkoneksi_data_baru")
    assert result.exit_code == 0, result.output
    root = ElementTree.fromstring(result.stdout)
    groups = [g for g in root.iter(f"{SVG}g") if g.get("data-element-id") == step]
    label = next(g for g in groups if "label" in (g.get("class") or "").split())
    rect = next(r for g in groups for r in g.iter(f"{SVG}rect"))
    box = tuple(float(rect.get(k) or 0) for k in ("x", "y", "width", "height"))
    return [("".join(t.itertext()), float(t.get("font-size") or 0)) for t in label.iter(f"{SVG}text")], box  # type: ignore[return-value]


def _renamed(tmp_path: Path, name: str) -> Sop:
    definitions, forms = copy_definitions(tmp_path)
    bpmn = definitions / "interkoneksi_data_baru.bpmn"
    old = 'name="Koordinasi dan survey teknis ke OPD"'
    bpmn.write_text(bpmn.read_text(encoding="utf-8").replace(old, f'name="{name}"'), encoding="utf-8")
    return Sop(tmp_path / "sop.db", definitions, forms)


def test_a_long_task_name_is_set_smaller_to_fit_its_box(tmp_path: Path) -> None:
    """A task name longer than its box holds ("Mengagendakan berkas ...") is not cut ("mengagenda kan be…"): it is
    set in a smaller type, no smaller than 8, every word drawn in order, every line inside the box."""
    lines, (_, _, width, height) = _task_label(_renamed(tmp_path, LONG_NAME), "SurveyTeknis")
    assert " ".join(text for text, _ in lines).split() == LONG_NAME.split()
    assert "…" not in "".join(text for text, _ in lines)
    sizes = {size for _, size in lines}
    assert len(sizes) == 1 and 8 <= sizes.pop() < 11
    assert all(text_width(text, size) <= width - 10 for text, size in lines)
    assert len(lines) * 13 * lines[0][1] / 11 <= height - 10
    ordinary, _ = _task_label(Sop(tmp_path / "plain.db", *copy_definitions(tmp_path / "plain")), "SurveyTeknis")
    assert {size for _, size in ordinary} == {11}  # a name that fits keeps the ordinary size


def test_a_name_too_long_for_any_size_keeps_every_word(tmp_path: Path) -> None:
    """A name too long even at the smallest type keeps every word (it runs past the box, as in bpmn-js)."""
    name = " ".join([LONG_NAME] * 3)
    lines, _ = _task_label(_renamed(tmp_path, name), "SurveyTeknis")
    assert " ".join(text for text, _ in lines).split() == name.split()
    assert {size for _, size in lines} == {8}
