"""Tests for engine.yamlio: people's YAML/JSON data files, typed as people expect, with errors naming file and line."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from engine.common.errors import DataFileError
from engine.common.yamlio import parse_data, parse_yaml, read_data_file


def test_unquoted_date_stays_a_string() -> None:
    """An unquoted date such as tanggal: 2026-11-02 is kept as the text the operator typed, not a date object."""
    data = parse_data("tanggal: 2026-11-02\nwaktu: 2026-11-02T10:00:00+07:00\n", "surat.yaml")
    assert data == {"tanggal": "2026-11-02", "waktu": "2026-11-02T10:00:00+07:00"}


def test_yes_no_on_off_stay_strings() -> None:
    """YAML 1.1 booleans (no, yes, off, on, y, n) stay text, so a field answered 'no' is not turned into False."""
    data = parse_data("a: no\nb: yes\nc: off\nd: on\ne: y\nf: n\ng: No\n", "jawaban.yaml")
    assert data == {"a": "no", "b": "yes", "c": "off", "d": "on", "e": "y", "f": "n", "g": "No"}


def test_true_false_are_booleans() -> None:
    """true and false (in any of YAML's spellings) are booleans, as in JSON."""
    data = parse_data("a: true\nb: false\nc: True\nd: FALSE\n", "paraf.yaml")
    assert data == {"a": True, "b": False, "c": True, "d": False}
    assert all(isinstance(v, bool) for v in data.values())


def test_numbers_and_null_keep_their_types() -> None:
    """Integers, decimals and null still get their natural types, so number fields validate."""
    data = parse_data("jumlah: 3\nbandwidth: 100.5\ncatatan: null\nkosong: ~\n", "spek.yaml")
    assert data == {"jumlah": 3, "bandwidth": 100.5, "catatan": None, "kosong": None}
    assert isinstance(data["jumlah"], int)


def test_clock_time_stays_a_string() -> None:
    """A clock time such as jam: 10:30 stays the text '10:30' (YAML 1.1 would read it as the base-60 number 630)."""
    data = parse_data("jam: 10:30\n", "survey.yaml")
    assert data == {"jam": "10:30"}


def test_json_object_input_works() -> None:
    """A JSON object is accepted as data, with its own types."""
    data = parse_data('{"nomor": "005", "jumlah": 2, "diparaf": true, "tanggal": "2026-11-02"}', "paraf.json")
    assert data == {"nomor": "005", "jumlah": 2, "diparaf": True, "tanggal": "2026-11-02"}


def test_json_syntax_error_names_source_and_line() -> None:
    """Broken JSON is refused with the source and the line of the mistake."""
    with pytest.raises(DataFileError) as info:
        parse_data('{\n  "nomor": "005",\n  "jumlah": \n}\n', "paraf.json")
    assert str(info.value).startswith("paraf.json:4: not valid JSON")


def test_yaml_syntax_error_names_source_and_line() -> None:
    """A YAML syntax error is reported as source:line and column, in a sentence of the catalog (not PyYAML's)."""
    text = "nomor: 555/1/2026\nperihal: Permohonan\npengirim: [Dinas Kesehatan\nkebutuhan: LAN\n"
    with pytest.raises(DataFileError) as info:
        parse_data(text, "data/surat.yaml")
    assert str(info.value) == ("data/surat.yaml:4: not valid YAML at column 10 (a list in brackets [ ] is not closed); "
                               "fix the file and try again")


def test_parse_yaml_bad_indentation_names_line() -> None:
    """parse_yaml names the line of a mapping with broken indentation."""
    with pytest.raises(DataFileError) as info:
        parse_yaml("a: 1\nb:\n  c: 2\n d: 3\n", "halaman.yaml")
    assert str(info.value).startswith("halaman.yaml:4: not valid YAML at column 2 (a line that does not fit")


def test_a_yaml_problem_reads_indonesian_with_its_line_and_column(monkeypatch: pytest.MonkeyPatch) -> None:
    """Under SOP_LANG=id the YAML reader's problem (PyYAML's words are English) is an Indonesian sentence."""
    from engine.common.i18n import translate

    monkeypatch.setenv("SOP_LANG", "id")
    for text in ("a: [1, 2\n", "a: b: c\n", "a:\n  - b\n c: d\n", "a: \"x\n", "a: @b\n", "a: *x\n", "\tx: 1\n",
                 "x: - y\n - ]\n", "a: !!binary eA==\n"):
        with pytest.raises(DataFileError) as info:
            parse_yaml(text, "d.yaml")
        said = translate(info.value)
        assert said.startswith("d.yaml:") and "kolom" in said and "YAML" in said, said
        for english in ("expected", "found", "not ", "the ", "column", "mapping", "node"):
            assert english not in said, (text, said)


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("- satu\n- dua\n", "a list"),
        ("[1, 2]", "a list"),
        ("hanya teks\n", "a str"),
        ("42\n", "a int"),
        ("", "empty"),
        ("# hanya komentar\n", "empty"),
    ],
)
def test_non_object_document_is_refused(text: str, kind: str) -> None:
    """A list, a scalar or an empty document is refused with a message saying what it is and what is wanted."""
    with pytest.raises(DataFileError) as info:
        parse_data(text, "isian.yaml")
    message = str(info.value)
    if kind == "empty":
        assert message.startswith("isian.yaml: the data is empty; write field: value pairs")
        return
    assert message.startswith("isian.yaml: the data must be an object of field: value pairs")
    assert f"but it is {kind};" in message
    assert "--template" in message


def test_read_data_file_reads_yaml(tmp_path: Path) -> None:
    """read_data_file returns the object of a UTF-8 YAML file, non-ASCII text intact."""
    file = tmp_path / "surat.yaml"
    file.write_text("perihal: Permohonan jaringan — Dinas Kesehatan\ntanggal: 2026-11-02\n", encoding="utf-8")
    assert read_data_file(str(file)) == {"perihal": "Permohonan jaringan — Dinas Kesehatan", "tanggal": "2026-11-02"}


def test_read_data_file_stdin() -> None:
    """The path '-' reads the given stdin text and names it <stdin> in errors."""
    assert read_data_file("-", "a: 1\n") == {"a": 1}
    with pytest.raises(DataFileError, match=r"^<stdin>: the data is empty"):
        read_data_file("-", "")


def test_read_data_file_missing_names_path(tmp_path: Path) -> None:
    """A missing data file is refused with its path and a hint."""
    missing = tmp_path / "tidak_ada.yaml"
    with pytest.raises(DataFileError) as info:
        read_data_file(str(missing))
    assert str(info.value) == f"Data file '{missing}' does not exist; give the path of a JSON or YAML file"


def test_read_data_file_not_utf8_names_path(tmp_path: Path) -> None:
    """A file that is not UTF-8 (here Latin-1) is refused with its path and the expected encoding."""
    file = tmp_path / "latin1.yaml"
    file.write_bytes("perihal: Café\n".encode("latin-1"))
    with pytest.raises(DataFileError) as info:
        read_data_file(str(file))
    message = str(info.value)
    assert message.startswith(f"Data file '{file}' cannot be read")
    assert "it must be UTF-8 JSON or YAML" in message


def test_read_data_file_syntax_error_names_path_and_line(tmp_path: Path) -> None:
    """A syntax error in a data file names the file's path and the line."""
    file = tmp_path / "rusak.yaml"
    file.write_text("a: 1\nb: [2\n", encoding="utf-8")
    with pytest.raises(DataFileError, match=rf"^{re.escape(str(file))}:3: not valid YAML"):
        read_data_file(str(file))


def test_aliases_are_refused_so_a_small_file_cannot_expand_to_gigabytes(tmp_path: Path) -> None:
    """A data file using YAML anchors and aliases (the "billion laughs") is refused, saying what to do."""
    path = tmp_path / "bom.yaml"
    path.write_text("a: &a [1, 2]\nb: &b [*a, *a]\nc: [*b, *b]\n")
    with pytest.raises(DataFileError, match=r"bom.yaml: uses a YAML alias \(\*name\) for a list or mapping"):
        read_data_file(str(path))
