"""The SOP-as-a-table model: flows into rows, what makes a flow unusable, the sheet's way of writing times."""

from __future__ import annotations

import pytest
from tests_sop_fixtures import SURAT

from engine.common.errors import DefinitionError
from engine.table.sop_table import END, Row, SopTable, Step, incoming, structure_problems, waktu_text
from engine.table.sop_yaml import read_table


@pytest.mark.parametrize(("iso", "text"), [
    ("PT30M", "30 menit"), ("PT1H", "1 jam"), ("PT1H30M", "1 jam 30 menit"), ("P2D", "2 hari"),
    ("P1W", "1 minggu"), ("P1DT2H", "1 hari 2 jam"),
])
def test_waktu_as_the_sheet_writes_it(iso: str, text: str) -> None:
    """An ISO-8601 duration reads back as the sheet's Indonesian time."""
    assert waktu_text(iso) == text


def test_incoming_counts_every_way_into_a_row() -> None:
    """The start, default next rows, decisions and loop-backs all count; a row entered twice gets a merge."""
    table, _ = read_table(SURAT, "surat.sop.yaml")
    assert incoming(table) == {"AjukanNota": 1, "Telaah": 2, "Bersamaan_3": 1, "Terbitkan": 1, "Perbaiki": 1}


def test_structure_problems_of_a_model_built_in_code() -> None:
    """A table built in code is checked the same way: a target that is no row, a row nobody reaches."""
    step = Step("A", "a", "L")
    table = SopTable("p", "P", ("L",), (
        Row(1, "A", (step,), lanjut="Z", line=3),
        Row(2, "B", (Step("B", "b", "L"),), lanjut=END, line=7),
    ))
    assert structure_problems(table) == [(3, "row 1 goes to 'Z', which is no row of the table")]
    fixed = SopTable("p", "P", ("L",), (Row(1, "A", (step,), lanjut=END, line=3),
                                        Row(2, "B", (Step("B", "b", "L"),), lanjut=END, line=7)))
    assert structure_problems(fixed) == [
        (7, "row 2 ('B') is never reached: no row leads to it; point a lanjut, ya or tidak at it, or remove it")]


@pytest.mark.parametrize("text", ["", "- a\n- b\n", "just text\n"])
def test_a_document_that_is_not_a_table_is_refused(text: str) -> None:
    """An empty file, a list or a bare string is named as not being an SOP table."""
    with pytest.raises(DefinitionError, match=r"surat.sop.yaml: an SOP table is a mapping with sop, pelaksana and "
                                              "langkah"):
        read_table(text, "surat.sop.yaml")
