"""Reading a diagram back as the SOP table: the hand-drawn Interkoneksi diagram gives the shipped table."""

from __future__ import annotations

import re

import pytest
from conftest import CUTI, DEFINITIONS, FORMS, ROOT

from engine.common.errors import DefinitionError
from engine.table.sop_bpmn import compile_table
from engine.table.sop_decompile import table_from_bpmn
from engine.table.sop_table import END, canonical_order
from engine.table.sop_yaml import read_table

TABLE = ROOT / "examples" / "interkoneksi_data_baru" / "tabel" / "interkoneksi_data_baru.sop.yaml"
HAND = (DEFINITIONS / "interkoneksi_data_baru.bpmn").read_text(encoding="utf-8")


def test_hand_drawn_diagram_reads_as_the_shipped_table() -> None:
    """definitions/interkoneksi_data_baru.bpmn decompiles to exactly the table in examples/…/tabel."""
    shipped, _ = read_table(TABLE.read_text(encoding="utf-8"), str(TABLE), forms_dir=FORMS)
    assert table_from_bpmn(HAND, "interkoneksi_data_baru.bpmn") == shipped


def test_without_nomor_rows_are_numbered_in_flow_order() -> None:
    """With the nomor properties removed, rows come out in the sheet's order: ya branch first, then the merge."""
    stripped = re.sub(r'\s*<spiffworkflow:property name="nomor" value="\d+" />', "", HAND)
    table = table_from_bpmn(stripped, "x.bpmn")
    assert [r.id for r in table.rows] == [
        "AjukanPermohonan", "DisposisiKadis", "AnalisaKabid", "SurveyTeknis", "AnalisaTopologi", "DraftSpesifikasi",
        "DraftTopologi", "PemasanganJaringan", "LaporanKabid", "ParafKabid", "ParafSekretaris", "TandaTanganKadis",
        "TindakLanjut"]
    assert [r.nomor for r in table.rows] == list(range(1, 14))


def test_canonical_order_puts_branches_after_their_decision() -> None:
    """ya branch, then tidak branch, then where they meet; a loop back does not pull a row forward."""
    targets = {"A": ["D"], "D": ["Y1", "T1"], "Y1": ["Y2"], "Y2": ["M"], "T1": ["M"], "M": ["A", END]}
    assert canonical_order("A", targets) == ["A", "D", "Y1", "Y2", "T1", "M"]


def test_parallel_branches_and_decision_to_an_end_read_back() -> None:
    """The leave-request fixture (a parallel pair, a rejection that ends) reads as three rows and compiles back."""
    table = table_from_bpmn((CUTI / "definitions" / "permohonan_cuti.bpmn").read_text(), "cuti.bpmn")
    assert [r.id for r in table.rows] == ["AjukanCuti", "Telaah", "Bersamaan_3"]
    decision = table.rows[1].keputusan
    assert decision is not None and (decision.ya, decision.tidak) == ("Bersamaan_3", END)
    assert [s.id for s in table.rows[2].steps] == ["ParafAtasan", "CatatCuti"]
    assert table_from_bpmn(compile_table(table), "again.bpmn") == table


@pytest.mark.parametrize(("edit", "message"), [
    (lambda t: t.replace('<bpmn:exclusiveGateway id="Gateway_Keputusan"',
                         '<bpmn:inclusiveGateway id="Gateway_Keputusan"')
     .replace("</bpmn:exclusiveGateway>\n    <bpmn:userTask id=\"DraftSpesifikasi\"",
              "</bpmn:inclusiveGateway>\n    <bpmn:userTask id=\"DraftSpesifikasi\""),
     r"x.bpmn:\d+: inclusiveGateway 'Gateway_Keputusan' has no place in an SOP table"),
    (lambda t: t.replace(' default="Flow_Tunda"', ""),
     r"x.bpmn:\d+: decision 'Gateway_Keputusan' needs a default flow \(tidak\)"),
    (lambda t: t.replace('<bpmn:flowNodeRef>DraftTopologi</bpmn:flowNodeRef>', ""),
     r"x.bpmn:\d+: step 'DraftTopologi' is in no lane"),
])
def test_what_a_table_cannot_say_is_named_with_its_line(edit: object, message: str) -> None:
    """An inclusive gateway, a decision with one condition and no default, a step in no lane: refused with the
    element's line."""
    assert callable(edit)
    with pytest.raises(DefinitionError, match=message):
        table_from_bpmn(edit(HAND), "x.bpmn")
