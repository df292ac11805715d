"""`sop lint` of an SOP table: format, meaning and compiled diagram in one pass, at the table's rows and keys, in the
author's language; renumbering keeps every jump on its step."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from conftest import FORMS
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_sop_properties import tables
from tests_sop_fixtures import ISIAN

from engine.table.sop_table import SopTable
from runner.cli import cli

TABLE = """\
sop: {id: surat, nama: Surat, tanggal_efektf: "2026-01-02"}
pelaksana: [Pemohon, Kepala]
langkah:
  - id: Ajukan
    kegiatan: Ajukan
    pelaksana: Pemohon
    kelengkapan: isian.schema.json
    ouput: Surat
  - id: Telaah
    kegiatan: Telaah
    pelaksana: Kepala
    kelengkapan: isian.schema.json
    keputusan: {syarat: 'keputusan == "setuju"', ya: 3, tidak: 1}
  - id: Terbit
    kegiatan: Terbit
    pelaksana: Kepala
    kelengkapan: {formulir: isian.schema.json, nama: Surat, tanggal}
"""


def _lint(tmp_path: Path, text: str, lang: str, *extra: str) -> Result:
    folder = tmp_path / "definitions"
    folder.mkdir(exist_ok=True)
    forms = tmp_path / "forms"
    forms.mkdir(exist_ok=True)
    (forms / "isian.schema.json").write_text(ISIAN, encoding="utf-8")
    (folder / "surat.sop.yaml").write_text(text, encoding="utf-8")
    return CliRunner(env={"SOP_LANG": lang}).invoke(
        cli, ["--db", str(tmp_path / "sop.db"), "--definitions", str(folder), "--forms", str(forms), "lint",
              str(folder), *extra],
        catch_exceptions=False)


def test_every_kind_of_problem_at_once_at_its_row_and_key(tmp_path: Path) -> None:
    """A misspelt key, a comma that split a text, a near-miss identity key and a bare-name syarat (a check of the
    compiled diagram) are reported in one run, each at its line, row and key."""
    result = _lint(tmp_path, TABLE, "en", "--json")
    assert result.exit_code == 1
    found = {(p["line"], p["severity"], p["rule"], p["element"], p["message"]) for p in json.loads(result.stdout)}
    assert (8, "error", "table-invalid", "Ajukan",
            "row 1 (Ajukan), ouput: unknown key 'ouput'; did you mean 'output'?") in found
    assert any(line == 17 and rule == "table-invalid" and message.startswith(
        "row 3 (Terbit), kelengkapan.tanggal: 'tanggal' is read as a key of its own because an unquoted comma")
        and "put the whole text in quotes" in message for line, _, rule, _, message in found)
    assert (1, "warning", "table-key-unknown", None,
            "sop.tanggal_efektf: unknown key 'tanggal_efektf'; did you mean 'tanggal_efektif'?") in found
    bare = ("row 2 (Telaah), keputusan.syarat: the condition 'keputusan == \"setuju\"' reads 'keputusan' on its own, "
            "which is no step id; write the field of the step meant: Ajukan[\"keputusan\"] / Telaah[\"keputusan\"]")
    assert (13, "error", "condition-unknown-name", "Telaah", bare) in found
    assert not any("Flow_" in message or "Keputusan_" in message for *_, message in found)


def test_in_indonesian_nothing_is_english(tmp_path: Path) -> None:
    """Under SOP_LANG=id the same problems read in Indonesian, the did-you-mean included."""
    result = _lint(tmp_path, TABLE, "id")
    assert result.exit_code == 1
    out = result.stdout
    assert "galat [table-invalid] baris 1 (Ajukan), ouput: kunci 'ouput' tidak dikenal; maksud Anda 'output'?" in out
    assert "peringatan [table-key-unknown] sop.tanggal_efektf: kunci 'tanggal_efektf' tidak dikenal; maksud Anda " \
           "'tanggal_efektif'?" in out
    assert "baris 3 (Terbit), kelengkapan.tanggal: 'tanggal' terbaca sebagai kunci tersendiri karena koma" in out
    assert "baris 2 (Telaah), keputusan.syarat: syarat 'keputusan == \"setuju\"' membaca 'keputusan' saja" in out
    assert "tulis isian langkah yang dimaksud: Ajukan[\"keputusan\"] / Telaah[\"keputusan\"]" in out
    for english in ("unknown key", "did you mean", "row ", " error ", "warning", "the condition", "which is"):
        assert english not in out, english
    assert "3 galat, 1 peringatan." in result.stderr


@pytest.mark.parametrize(("jump", "message"), [
    ("tidak: 9", "row 2 (Telaah), keputusan.tidak: 9 names no row; the rows are numbered 1, 2, 3"),
    ("tidak: Telah", "row 2 (Telaah), keputusan.tidak: 'Telah' names no row; give a row's nomor or id, or 'selesai'"),
])
def test_a_jump_to_no_row_names_the_row(tmp_path: Path, jump: str, message: str) -> None:
    """A ya/tidak/lanjut to a number or id no row has is an error at the row's key."""
    text = TABLE.replace("    ouput: Surat\n", "").replace(", tanggal}", "}").replace(
        "keputusan == \"setuju\"", "Telaah[\"keputusan\"] == \"setuju\"").replace("tidak: 1", jump)
    result = _lint(tmp_path, text, "en", "--json")
    assert result.exit_code == 1
    assert [p["message"] for p in json.loads(result.stdout) if p["severity"] == "error"] == [message]


RENUMBER = """\
sop: {id: surat, nama: Surat}
pelaksana: [Pemohon, Kepala]
langkah:
  - id: Ajukan   # baris pertama
    kegiatan: Ajukan
    pelaksana: Pemohon
    kelengkapan: isian.schema.json
  - nomor: 3
    id: Telaah
    kegiatan: Telaah
    pelaksana: Kepala
    kelengkapan: isian.schema.json
    keputusan: {syarat: 'Telaah["keputusan"] == "setuju"', ya: 5, tidak: 8}
  - nomor: 4
    kegiatan: Verifikasi
    pelaksana: Kepala
    kelengkapan: isian.schema.json
    lanjut: 3
  - {nomor: 5, id: Terbit, kegiatan: Terbit, pelaksana: Kepala, kelengkapan: isian.schema.json, selesai: true}
  - {nomor: 8, id: Tolak, kegiatan: Tolak, pelaksana: Pemohon, kelengkapan: isian.schema.json, lanjut: 4}
"""


def test_numbers_out_of_order_warn_and_renumbering_keeps_every_jump(tmp_path: Path) -> None:
    """Jumps by number go to the row carrying that number; lint warns the numbers are not 1..n; compile --renumber
    rewrites numbers and jumps (comments kept) and the compiled diagram is the same as before."""
    linted = _lint(tmp_path, RENUMBER, "en", "--json")
    assert linted.exit_code == 0
    assert [(p["rule"], p["line"]) for p in json.loads(linted.stdout)] == [("table-numbering", 8)]
    table = tmp_path / "definitions" / "surat.sop.yaml"
    runner = CliRunner(env={"SOP_LANG": "en"})
    base = ["--forms", str(tmp_path / "forms"), "compile"]
    before = runner.invoke(cli, [*base, str(table)], catch_exceptions=False)
    assert before.exit_code == 0 and table.read_text() == RENUMBER
    after = runner.invoke(cli, [*base, "--renumber", str(table)], catch_exceptions=False)
    assert after.exit_code == 0, after.output
    assert "Numbered the rows of" in after.stderr
    assert table.read_text() == (RENUMBER.replace("nomor: 3", "nomor: 2").replace("ya: 5, tidak: 8", "ya: 4, tidak: 5")
                                 .replace("nomor: 4", "nomor: 3").replace("lanjut: 3", "lanjut: 2")
                                 .replace("{nomor: 5,", "{nomor: 4,").replace("{nomor: 8,", "{nomor: 5,")
                                 .replace("lanjut: 4}", "lanjut: 3}"))
    assert after.stdout == before.stdout  # the same diagram: every jump still goes to the same step
    assert json.loads(_lint(tmp_path, table.read_text(), "en", "--json").stdout) == []


def test_a_number_two_rows_carry_is_refused(tmp_path: Path) -> None:
    """A row inserted with a number another row has makes a jump to that number ambiguous: an error naming both."""
    text = RENUMBER.replace("  - nomor: 4\n", "  - nomor: 5\n")
    result = _lint(tmp_path, text, "en", "--json")
    errors = [p["message"] for p in json.loads(result.stdout) if p["severity"] == "error"]
    assert result.exit_code == 1
    assert errors == ["row 2 (Telaah), keputusan.ya: 5 is the nomor of 2 rows ('Langkah_3', 'Terbit'); give the "
                      "row's id instead, or renumber the rows",
                      "row 5 (Tolak), lanjut: 4 names no row; the rows are numbered -, 3, 5, 5, 8"]


def test_compile_refuses_a_bad_table_in_indonesian_and_changes_nothing(tmp_path: Path) -> None:
    """sop compile --renumber of a table with an error writes nothing and says why in Indonesian."""
    _lint(tmp_path, RENUMBER, "en")
    table = tmp_path / "definitions" / "surat.sop.yaml"
    table.write_text(RENUMBER.replace("ya: 5", "ya: 7"))
    result = CliRunner(env={"SOP_LANG": "id"}).invoke(
        cli, ["--forms", str(tmp_path / "forms"), "compile", "--renumber", str(table)], catch_exceptions=False)
    assert result.exit_code == 1
    assert "baris 2 (Telaah), keputusan.ya: 7 tidak menunjuk baris mana pun; nomor barisnya -, 3, 4, 5, 8" \
        in result.stderr
    assert table.read_text() == RENUMBER.replace("ya: 5", "ya: 7")


def test_the_shipped_forms_folder_is_untouched(tmp_path: Path) -> None:
    """The shipped table lints clean with the shipped forms (no warning either)."""
    from conftest import ROOT

    table = ROOT / "examples" / "interkoneksi_data_baru" / "tabel"
    result = CliRunner().invoke(cli, ["--forms", str(FORMS), "lint", str(table), "--json"], catch_exceptions=False)
    assert (result.exit_code, json.loads(result.stdout)) == (0, [])


def test_rows_and_keys_in_json_and_a_lane_nobody_holds(tmp_path: Path) -> None:
    """--json gives each table problem's row and key; a lane nobody in the roles file holds is warned at its
    pelaksana entry, not at a generated lane id."""
    _lint(tmp_path, RENUMBER, "en")
    (tmp_path / "definitions" / "roles.yaml").write_text("budi:\n  name: Budi\n  lanes: [Pemohon]\n")
    result = _lint(tmp_path, RENUMBER, "en", "--json")
    found = [(p["severity"], p["rule"], p["line"], p["row"], p["key"], p["element"])
             for p in json.loads(result.stdout)]
    assert found == [("warning", "lane-unknown-role", 2, None, "pelaksana.Kepala", None),
                     ("warning", "table-numbering", 8, 2, "nomor", "Telaah")]
    broken = _lint(tmp_path, RENUMBER.replace("ya: 5", "ya: 7"), "en", "--json")
    assert [(p["rule"], p["line"], p["row"], p["key"]) for p in json.loads(broken.stdout)] == [
        ("table-numbering", 8, 2, "nomor"), ("table-invalid", 13, 2, "keputusan.ya")]


@pytest.mark.parametrize("value", [None, 7, "x", [1], {"a": 1}, True, "", [], {}])
def test_any_value_at_any_key_is_reported_not_a_traceback(tmp_path: Path, value: object) -> None:
    """Every key of a table given a value of the wrong shape is a table problem (exit 1 or a clean lint), never an
    internal error; the meaning of the rest is still checked."""
    import copy

    import yaml

    from engine.common.yamlio import dump_yaml

    doc = yaml.safe_load(RENUMBER)

    def paths(node: object, path: tuple = ()) -> list[tuple]:
        inner = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else []
        return [path] + [p for k, v in inner for p in paths(v, (*path, k))]

    for path in paths(doc)[1:]:
        broken = copy.deepcopy(doc)
        holder = broken
        for part in path[:-1]:
            holder = holder[part]
        holder[path[-1]] = value
        result = _lint(tmp_path, dump_yaml(broken), "id", "--json")
        assert result.exit_code in (0, 1) and "internal" not in result.output, (path, result.output)
        json.loads(result.stdout)


def test_a_row_inserted_without_a_number_keeps_every_jump_on_its_step(tmp_path: Path) -> None:
    """The issue's case: a row is inserted in a numbered table; `tidak: 5` still goes to the row numbered 5 (not to
    the row now fifth), lint warns, and --renumber writes 6 there."""
    numbered = """\
sop: {id: surat, nama: Surat}
pelaksana: [Pemohon, Kepala]
langkah:
  - {nomor: 1, id: Ajukan, kegiatan: Ajukan, pelaksana: Pemohon, kelengkapan: isian.schema.json}
  - nomor: 2
    id: Telaah
    kegiatan: Telaah
    pelaksana: Kepala
    kelengkapan: isian.schema.json
    keputusan: {syarat: 'Telaah["keputusan"] == "setuju"', ya: 3, tidak: 5}
  - {nomor: 3, id: Verifikasi, kegiatan: Verifikasi, pelaksana: Kepala, kelengkapan: isian.schema.json}
  - {nomor: 4, id: Terbit, kegiatan: Terbit, pelaksana: Kepala, kelengkapan: isian.schema.json, selesai: true}
  - {nomor: 5, id: Tolak, kegiatan: Tolak, pelaksana: Pemohon, kelengkapan: isian.schema.json, lanjut: 2}
"""
    inserted = numbered.replace("  - {nomor: 4, id: Terbit", "  - {id: Cek, kegiatan: Cek, pelaksana: Kepala, "
                                "kelengkapan: isian.schema.json}\n  - {nomor: 4, id: Terbit")
    assert json.loads(_lint(tmp_path, numbered, "en", "--json").stdout) == []
    linted = json.loads(_lint(tmp_path, inserted, "en", "--json").stdout)
    assert [(p["rule"], p["row"], p["message"]) for p in linted] == [
        ("table-numbering", 5, "row 5 (Terbit), nomor: the rows are numbered 1, 2, 3, -, 4, 5, not 1 to 6 in order; "
         "a jump by number goes to the row that carries that number. Renumber them (compile with --renumber rewrites "
         "the numbers and every jump by number so each still goes to the same step), or leave nomor out")]
    table = tmp_path / "definitions" / "surat.sop.yaml"
    result = CliRunner().invoke(cli, ["--forms", str(tmp_path / "forms"), "compile", "--renumber", str(table)],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    text = table.read_text()
    assert "ya: 3, tidak: 6" in text and "{nomor: 5, id: Terbit" in text and "{nomor: 6, id: Tolak" in text
    assert "lanjut: 2}" in text and "{id: Cek," in text
    assert json.loads(_lint(tmp_path, text, "en", "--json").stdout) == []


def test_loading_refuses_at_the_same_row_line_and_rule_as_lint(tmp_path: Path) -> None:
    """A bare-name syarat refuses the table at load (sop start) with lint's line, row, key and rule; nothing is
    started."""
    text = TABLE.replace("    ouput: Surat\n", "").replace(", tanggal}", "}")
    linted = _lint(tmp_path, text, "en", "--json")
    [error] = [p for p in json.loads(linted.stdout) if p["severity"] == "error"]
    started = CliRunner(env={"SOP_LANG": "en"}).invoke(
        cli, ["--db", str(tmp_path / "sop.db"), "--definitions", str(tmp_path / "definitions"), "--forms",
              str(tmp_path / "forms"), "start", "surat"], catch_exceptions=False)
    assert started.exit_code == 1
    assert f"{error['file']}:{error['line']}: {error['message']} (rule {error['rule']})" in started.stderr
    assert error["line"] == 12 and error["key"] == "keputusan.syarat"
    assert not (tmp_path / "sop.db").exists()


def test_wrong_types_and_a_missing_part_in_words(tmp_path: Path) -> None:
    """A value of the wrong kind says what it is and what to write; a misspelt top-level key is a warning with the
    key meant beside the missing part's error; all in Indonesian."""
    text = TABLE.replace("pelaksana: [Pemohon, Kepala]", "pelaksna: [Pemohon, Kepala]").replace(
        "kelengkapan: isian.schema.json\n    ouput: Surat", "kelengkapan: 5")
    out = _lint(tmp_path, text, "id").stdout
    assert "surat.sop.yaml:1: galat [table-invalid] 'pelaksana' belum ada; tambahkan" in out
    assert "surat.sop.yaml:2: peringatan [table-key-unknown] pelaksna: kunci 'pelaksna' tidak dikenal; maksud Anda " \
           "'pelaksana'?" in out
    assert "baris 1 (Ajukan), kelengkapan: isinya bilangan bulat; tulis teks atau pemetaan kunci" in out


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables(), st.data())
def test_any_numbering_and_renumbering_keep_every_jump_on_its_step(table: SopTable, data: st.DataObject) -> None:
    """A random table written with arbitrary distinct row numbers and every jump by number compiles to the same
    diagram as the table itself; --renumber's rewrite does too, and leaves no numbering warning."""
    import yaml

    from engine.common.yamlio import dump_yaml
    from engine.table.sop_bpmn import compile_table
    from engine.table.sop_yaml import check_table, read_table, renumber_table, write_table

    doc = yaml.safe_load(write_table(table))
    labels = data.draw(st.lists(st.integers(1, 500), min_size=len(table.rows), max_size=len(table.rows),
                                unique=True))
    label_of = {row.id: labels[i] for i, row in enumerate(table.rows)}
    for entry, label in zip(doc["langkah"], labels, strict=True):
        entry["nomor"] = label
        for holder, key in ((entry.get("keputusan") or {}, "ya"), (entry.get("keputusan") or {}, "tidak"),
                            (entry, "lanjut")):
            if holder.get(key) in label_of:
                holder[key] = label_of[holder[key]]
    text = dump_yaml(doc)
    expected = compile_table(table)
    assert compile_table(read_table(text, "acak.sop.yaml")[0]) == expected
    renumbered = renumber_table(text, "acak.sop.yaml")
    assert compile_table(read_table(renumbered, "acak.sop.yaml")[0]) == expected
    assert [p.rule for p in check_table(renumbered, "acak.sop.yaml").problems] == []
