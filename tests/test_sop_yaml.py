"""Reading NAME.sop.yaml: the shipped JSON Schema first, then every mistake named with its line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import FORMS, ROOT
from tests_sop_fixtures import SURAT

from engine.common.errors import DefinitionError, EngineError
from engine.table.sop_table import END
from engine.table.sop_yaml import SCHEMA_FILE, parse_waktu, read_table, write_table

TABLE = ROOT / "examples" / "interkoneksi_data_baru" / "tabel" / "interkoneksi_data_baru.sop.yaml"
GOOD = SURAT


def _problems(text: str, forms: Path | None = None) -> str:
    with pytest.raises(DefinitionError) as info:
        read_table(text, "surat.sop.yaml", forms_dir=forms)
    return str(info.value)


def test_shipped_schema_is_a_valid_json_schema() -> None:
    """The format ships as a JSON Schema 2020-12 document that editors can use."""
    from jsonschema import Draft202012Validator

    Draft202012Validator.check_schema(json.loads(SCHEMA_FILE.read_text(encoding="utf-8")))


def test_issue_example_reads_as_rows() -> None:
    """The issue's example reads as five rows with a decision, a parallel pair, an end and a loop back."""
    table, _ = read_table(GOOD, "surat.sop.yaml")
    assert [r.id for r in table.rows] == ["AjukanNota", "Telaah", "Bersamaan_3", "Terbitkan", "Perbaiki"]
    assert table.rows[0].steps[0].waktu == "PT30M"
    assert table.rows[0].lanjut == "Telaah"
    assert table.rows[1].keputusan is not None and (table.rows[1].keputusan.ya, table.rows[1].keputusan.tidak) == (
        "Bersamaan_3", "Perbaiki")
    assert [s.id for s in table.rows[2].steps] == ["ParafA", "ParafB"]
    assert table.rows[2].steps[1].waktu == "PT1H30M"
    assert (table.rows[3].lanjut, table.rows[4].lanjut) == (END, "Telaah")


def test_no_and_off_stay_text() -> None:
    """`no`, `off` and dates are text, as in every file sop reads."""
    text = GOOD.replace("kegiatan: Ajukan nota permohonan", "kegiatan: no").replace("output: Nota Permohonan",
                                                                                   "output: off")
    step = read_table(text, "surat.sop.yaml")[0].rows[0].steps[0]
    assert (step.kegiatan, step.output) == ("no", "off")


@pytest.mark.parametrize(("text", "expected"), [
    ("PT30M", "PT30M"), ("30 menit", "PT30M"), ("1 jam", "PT1H"), ("3 jam", "PT3H"), ("2 hari", "P2D"),
    ("1 hari 2 jam", "P1DT2H"), ("setengah jam", None), ("30", None), ("3 hours", None),
])
def test_waktu_forms(text: str, expected: str | None) -> None:
    """waktu is ISO-8601 or Indonesian units; anything else is not a time."""
    assert parse_waktu(text) == expected


def test_every_mistake_is_named_with_its_line() -> None:
    """Unknown pelaksana, a bad waktu, a missing form, a non-identifier id and a missing target, all at once."""
    text = GOOD.replace("pelaksana: Pemohon\n    waktu: 30 menit", "pelaksana: Pemohonn\n    waktu: sebentar\n"
                        "    kelengkapan: nota.schema.json").replace("id: Telaah\n", "id: 2Telaah\n").replace(
        "tidak: 5", "tidak: 9").replace("lanjut: Telaah", "lanjut: Telah")
    message = _problems(text, FORMS)
    assert "the SOP table has 7 problems" in message
    assert "surat.sop.yaml:9: row 1 (AjukanNota), pelaksana: step 'AjukanNota' has pelaksana 'Pemohonn', which is " \
           "not one of the pelaksana (Pemohon, Kepala Bidang, Tata Usaha)" in message
    assert "surat.sop.yaml:10: row 1 (AjukanNota), waktu: step 'AjukanNota' has waktu 'sebentar', which is not a " \
           "time" in message
    assert "surat.sop.yaml:11: row 1 (AjukanNota), kelengkapan: step 'AjukanNota' has form 'nota.schema.json', " \
           "which is not in the forms folder" in message
    assert "surat.sop.yaml:14: row 2 (2Telaah), id: id '2Telaah' is not an identifier" in message
    assert "surat.sop.yaml:20: row 2 (2Telaah), keputusan.syarat: expression 'Telaah[\"keputusan\"] == " \
           "\"setuju\"' reads 'Telaah'" in message  # the id was refused, so the condition names no step
    assert "surat.sop.yaml:22: row 2 (2Telaah), keputusan.tidak: 9 names no row; the rows are numbered 1, 2, 3, 4, 5" \
        in message
    assert "surat.sop.yaml:36: row 5 (Perbaiki), lanjut: 'Telah' names no row" in message


def test_decision_without_syarat_names_its_line() -> None:
    """A keputusan without syarat is refused by the schema at the keputusan's line."""
    text = GOOD.replace("      syarat: 'Telaah[\"keputusan\"] == \"setuju\"'\n", "")
    assert _problems(text) == "surat.sop.yaml:17: row 2 (Telaah), keputusan: 'syarat' is missing; add it"


def test_unknown_key_is_named_at_its_line() -> None:
    """A misspelt key (pelaksna) is named where it is written, with the key meant; the rest is read as meant."""
    text = GOOD.replace("    pelaksana: Tata Usaha\n    selesai", "    pelaksna: Tata Usaha\n    selesai")
    message = _problems(text)
    assert message == ("surat.sop.yaml:29: row 4 (Terbitkan), pelaksna: unknown key 'pelaksna'; did you mean "
                       "'pelaksana'?")


def test_duplicate_ids_name_both_lines() -> None:
    """Two steps with one id are refused; the message gives both lines."""
    message = _problems(GOOD.replace("id: Perbaiki", "id: ParafA"))
    assert "surat.sop.yaml:31: row 5 (ParafA): id 'ParafA' is used twice (also on line 24)" in message


def test_loop_with_no_way_out_is_refused() -> None:
    """Rows that only lead to each other are named as a loop with no way out."""
    text = GOOD.replace("      ya: 3\n      tidak: 5", "      ya: 5\n      tidak: 5").replace(
        "keputusan:\n      pertanyaan: Disetujui?\n      syarat: 'Telaah[\"keputusan\"] == \"setuju\"'\n"
        "      ya: 5\n      tidak: 5", "lanjut: 5")
    message = _problems(text)
    assert "surat.sop.yaml:6: row 1 (AjukanNota): rows 1, 2, 5 form a loop with no way out" in message
    assert "row 3 ('Bersamaan_3') is never reached" in message


def test_jump_into_a_parallel_step_is_refused() -> None:
    """A lanjut to one of the steps done at the same time names the row to go to instead."""
    message = _problems(GOOD.replace("lanjut: Telaah", "lanjut: ParafB"))
    assert message == ("surat.sop.yaml:35: row 5 (Perbaiki), lanjut: 'ParafB' is a step of the bersamaan row 3; go "
                       "to the row (nomor 3)")


def test_nomor_out_of_order_and_duplicate_key() -> None:
    """Rows out of order are read (a warning of lint, not a refusal); a key written twice is refused rather than
    silently dropped."""
    table, _ = read_table(GOOD.replace("nomor: 4", "nomor: 6"), "surat.sop.yaml")
    assert [r.nomor for r in table.rows] == [1, 2, 3, 4, 5]
    with pytest.raises(EngineError, match=r"surat.sop.yaml:11: key 'kegiatan' is written twice"):
        read_table(GOOD.replace("    output: Nota Permohonan", "    kegiatan: lagi"), "surat.sop.yaml")


def test_condition_reading_an_unknown_step_is_refused() -> None:
    """A syarat naming no step is caught at its line, before anyone reaches the decision."""
    message = _problems(GOOD.replace('Telaah["keputusan"]', 'Telah["keputusan"]'))
    assert message.startswith("surat.sop.yaml:19: row 2 (Telaah), keputusan.syarat: expression "
                              "'Telah[\"keputusan\"] == \"setuju\"' reads 'Telah', which is no step")


def test_written_table_reads_back_the_same() -> None:
    """write_table gives YAML that reads back as the same table, and the same bytes every time."""
    table, _ = read_table(TABLE.read_text(encoding="utf-8"), str(TABLE), forms_dir=FORMS)
    text = write_table(table)
    assert read_table(text, "again.sop.yaml", forms_dir=FORMS)[0] == table
    assert write_table(table) == text
