"""The sheet reads every decision a modeler draws: two conditions, more than two exits, and timers on steps."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT

from engine.common.errors import DefinitionError
from engine.pictures.sheet_rows import sheet_rows
from engine.table.sop_decompile import table_from_bpmn

GAMBAR = ROOT / "tests" / "data" / "gambar"
TENGGAT = ROOT / "tests" / "data" / "tenggat"
UJI = (GAMBAR / "definitions" / "uji_gambar.bpmn").read_text(encoding="utf-8")
YA_FLOW = '<bpmn:sequenceFlow id="F8" sourceRef="Setuju" targetRef="Arsip">'
NO_FLOW = '<bpmn:sequenceFlow id="F9" name="Tolak" sourceRef="Setuju" targetRef="Selesai_Tolak" />'


def _two_conditions(text: str, no_name: bool = False) -> str:
    """The test diagram with its decision's default flow given a condition instead (and no label if asked)."""
    name = "" if no_name else ' name="Tolak"'
    return text.replace(' default="F9"', "").replace(NO_FLOW, (
        f'<bpmn:sequenceFlow id="F9"{name} sourceRef="Setuju" targetRef="Selesai_Tolak">'
        '<bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">Periksa["setuju"] != True'
        "</bpmn:conditionExpression></bpmn:sequenceFlow>"))


def _keterangan(text: str) -> dict[int, str]:
    table = table_from_bpmn(text, "uji_gambar.bpmn", for_sheet=True)
    return {r.nomor: r.keterangan for r in sheet_rows(table, {})}


@pytest.mark.parametrize("no_name", [False, True])
def test_two_conditions_print_as_ya_and_tidak(no_name: bool) -> None:
    """A decision whose two flows both carry a condition is Ya/Tidak: the flow labelled "Tolak" (or, unlabelled,
    the one whose condition is a negation) is Tidak, wherever it stands in the document."""
    for text in (_two_conditions(UJI, no_name), _swap_flows(_two_conditions(UJI, no_name))):
        table = table_from_bpmn(text, "uji_gambar.bpmn")
        decision = next(r.keputusan for r in table.rows if r.keputusan is not None)
        assert decision.syarat == 'Periksa["setuju"] == True'
        assert decision.ya == "Arsip" and decision.tidak == "selesai"
        rows = sheet_rows(table_from_bpmn(text, "uji_gambar.bpmn", for_sheet=True), {})
        decided = next(r for r in rows if r.symbol == "decision")
        assert [e.label for e in decided.exits] == ["Ya", "Tidak"]


def _swap_flows(text: str) -> str:
    """The same diagram with the decision's two flows in the other document order."""
    ya = re.search(re.escape(YA_FLOW) + r".*?</bpmn:sequenceFlow>", text, re.S)
    no = re.search(r'<bpmn:sequenceFlow id="F9".*?</bpmn:sequenceFlow>', text, re.S)
    assert ya is not None and no is not None
    return text.replace(ya.group(0), "@@YA@@").replace(no.group(0), ya.group(0)).replace("@@YA@@", no.group(0))


THIRD = ('<bpmn:sequenceFlow id="F11" name="Isi ulang" sourceRef="Setuju" targetRef="Isi">'
         '<bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">Periksa["setuju"] is None'
         "</bpmn:conditionExpression></bpmn:sequenceFlow>")


def test_more_than_two_exits_are_listed_in_keterangan() -> None:
    """A third way out of a decision is no Ya/Tidak: every exit is listed with its label and target row."""
    text = UJI.replace(NO_FLOW, NO_FLOW + THIRD)
    with pytest.raises(DefinitionError, match="two outgoing flows"):
        table_from_bpmn(text, "uji_gambar.bpmn")  # a table (sop table decompile) still has two ways out
    rows = sheet_rows(table_from_bpmn(text, "uji_gambar.bpmn", for_sheet=True), {})
    decided = next(r for r in rows if r.symbol == "decision")
    assert len(decided.exits) == 3
    note = decided.keterangan
    assert "Setuju?" in note and "Tolak: selesai" in note and "Isi ulang: ke 1" in note
    assert 'Periksa["setuju"] == True: ke 3' in note


def test_boundary_timer_prints_as_a_note_on_its_step() -> None:
    """A timer on a step is a note in the step's Keterangan (its duration and where it leads) and an exit."""
    text = (TENGGAT / "definitions" / "surat_tenggat.bpmn").read_text(encoding="utf-8")
    with pytest.raises(DefinitionError, match="boundaryEvent"):
        table_from_bpmn(text, "surat_tenggat.bpmn")
    rows = {r.step_ids[0]: r for r in sheet_rows(table_from_bpmn(text, "surat_tenggat.bpmn", for_sheet=True), {})}
    number = {step: r.nomor for step, r in rows.items()}
    konsep, teken = rows["Konsep"], rows["Teken"]
    assert f"Batas waktu 3 jam: Tenggat 3 jam: ke {number['Eskalasi']}" in konsep.keterangan
    assert "Waktu habis" in [e.label for e in konsep.exits]
    assert "langkah tetap berjalan" in teken.keterangan and f"ke {number['Ingatkan']}" in teken.keterangan


def test_sop_sheet_prints_a_timer_diagram(make_sop: Any, tmp_path: Path) -> None:
    """`sop sheet` prints a diagram with boundary timers (it used to refuse it), the timer in Keterangan."""
    sop = make_sop(TENGGAT / "definitions", TENGGAT / "forms")
    result = sop("sheet", "surat_tenggat")
    assert result.exit_code == 0, result.output
    text = " ".join(re.sub(r"<[^>]+>", " ", result.stdout).split())
    assert "Lanjut ke 3; Batas waktu 3 jam: Tenggat 3 jam: ke 2" in text
    assert "Ambil alih konsep yang terlambat" in text and "(langkah tetap berjalan)" in text


def test_sop_sheet_prints_a_two_condition_decision(make_sop: Any, tmp_path: Path) -> None:
    """`sop sheet` prints a decision with two conditions and no default flow."""
    definitions = tmp_path / "definitions"
    shutil.copytree(GAMBAR / "definitions", definitions)
    (definitions / "uji_gambar.bpmn").write_text(_two_conditions(UJI), encoding="utf-8")
    sop = make_sop(definitions, GAMBAR / "forms")
    result = sop("sheet", "uji_gambar")
    assert result.exit_code == 0, result.output
    text = " ".join(re.sub(r"<[^>]+>", " ", result.stdout).split())
    assert "Setuju? Ya: ke 3; Tidak (Tolak): selesai" in text


def test_sop_sheet_prints_a_three_way_decision(make_sop: Any, tmp_path: Path) -> None:
    """`sop sheet` prints a decision with three ways out: one arrow per way, each way in Keterangan."""
    definitions = tmp_path / "definitions"
    shutil.copytree(GAMBAR / "definitions", definitions)
    (definitions / "uji_gambar.bpmn").write_text(UJI.replace(NO_FLOW, NO_FLOW + THIRD), encoding="utf-8")
    result = make_sop(definitions, GAMBAR / "forms")("sheet", "uji_gambar")
    assert result.exit_code == 0, result.output
    text = " ".join(re.sub(r"<[^>]+>", " ", result.stdout).split())
    assert "Tolak: selesai" in text and "Isi ulang: ke 1" in text
    assert "Isi ulang (selesai)" not in text and "Tolak (selesai)" in text


def test_a_steps_instructions_are_printed_in_keterangan(tmp_path: Path) -> None:
    """spiffworkflow:instructionsForEndUser (Markdown) shows in the sheet's Keterangan as plain text."""
    from conftest import Sop, copy_definitions

    definitions, forms = copy_definitions(tmp_path)
    bpmn = definitions / "interkoneksi_data_baru.bpmn"
    text = bpmn.read_text(encoding="utf-8").replace(
        '<bpmn:userTask id="AjukanPermohonan" name="Ajukan surat permohonan pemasangan jaringan">\n'
        "      <bpmn:documentation>", "<bpmn:userTask id=\"AjukanPermohonan\" name=\"Ajukan surat permohonan "
        "pemasangan jaringan\">\n      <bpmn:documentation>", 1)
    text = text.replace("<bpmn:extensionElements>\n        <spiffworkflow:properties>\n          "
                        '<spiffworkflow:property name="nomor" value="1" />',
                        "<bpmn:extensionElements>\n        <spiffworkflow:instructionsForEndUser>Lampirkan **surat "
                        "bertanda tangan** kepala OPD</spiffworkflow:instructionsForEndUser>\n"
                        "        <spiffworkflow:properties>\n          "
                        '<spiffworkflow:property name="nomor" value="1" />', 1)
    assert "instructionsForEndUser" in text
    bpmn.write_text(text, encoding="utf-8")
    sheet = Sop(tmp_path / "s.db", definitions, forms)("sheet", "interkoneksi_data_baru")
    assert sheet.exit_code == 0, sheet.output
    drawn = " ".join(re.findall(r">([^<>]*)</text>", sheet.stdout))
    assert "Petunjuk:" in drawn and "bertanda" in drawn and "**" not in drawn


def test_a_long_branch_name_is_drawn_whole_on_its_arrow(make_sop: Any, tmp_path: Path) -> None:
    """A decision's third way named at length is drawn beside its arrow in full, wrapped, not cut with "…"."""
    name = "Kembalikan untuk mengagendakan berkas ulang"
    definitions = tmp_path / "definitions"
    shutil.copytree(GAMBAR / "definitions", definitions)
    (definitions / "uji_gambar.bpmn").write_text(
        UJI.replace(NO_FLOW, NO_FLOW + THIRD.replace('name="Isi ulang"', f'name="{name}"')), encoding="utf-8")
    result = make_sop(definitions, GAMBAR / "forms")("sheet", "uji_gambar")
    assert result.exit_code == 0, result.output
    labels = re.findall(r'<text class="flow-label"[^>]*>([^<]*)</text>', result.stdout)
    assert name in " ".join(labels) and len([t for t in labels if t in name]) > 1
    assert "…" not in "".join(labels)
