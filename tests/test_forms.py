"""Tests for engine.forms: checking forms, validating artefacts against them, typing --set values, templates."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from engine.common.errors import DefinitionError, ValidationError
from engine.common.yamlio import parse_yaml, read_data_file
from engine.definitions.catalog import scan
from engine.definitions.form_errors import field_path
from engine.definitions.forms import (
    coerce_assignments,
    compile_form,
    form_template,
    parse_form,
    validate,
    validation_problems,
)

ROOT = Path(__file__).resolve().parent.parent
FORMS = ROOT / "forms"
EXAMPLES = ROOT / "examples" / "interkoneksi_data_baru"
FORM_FILES = sorted(FORMS.glob("*.schema.json"))


def _form(name: str) -> dict[str, Any]:
    return parse_form((FORMS / name).read_text(encoding="utf-8"), name)


def _surat() -> dict[str, Any]:
    """A complete, valid Surat Permohonan."""
    return {
        "nomor": "555/214/DINKES/2026",
        "tanggal": "2026-11-02",
        "sifat": "segera",
        "lampiran": "1 (satu) berkas",
        "perihal": "Permohonan pemasangan jaringan komunikasi data",
        "pengirim": {"instansi": "Dinas Kesehatan", "nama": "dr. Andi Wijaya", "jabatan": "Kepala Dinas"},
        "alamat_lokasi": "Jl. Ahmad Yani No. 12, Sungailiat",
        "kebutuhan": "Koneksi ke jaringan intra pemerintah",
        "kontak": {"nama": "Rina Marlina", "telepon": "0812 7788 9900", "email": "rina@dinkes.bangka.go.id"},
    }


# parse_form


def test_every_shipped_form_parses() -> None:
    """Every form in forms/ is a JSON object and a valid JSON Schema 2020-12 with a title and properties."""
    assert len(FORM_FILES) >= 12
    for path in FORM_FILES:
        schema = parse_form(path.read_text(encoding="utf-8"), str(path))
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema", path.name
        assert schema["type"] == "object", path.name
        assert schema["title"], path.name
        assert set(schema["required"]) <= set(schema["properties"]), path.name


def test_parse_form_refuses_non_json_with_file_and_line() -> None:
    """A form that is not JSON is refused naming the file and the line of the mistake."""
    text = '{\n  "type": "object",\n  "properties": {\n    "a": {"type": "string"},\n  }\n}\n'
    with pytest.raises(DefinitionError) as info:
        parse_form(text, "forms/rusak.schema.json")
    assert str(info.value).startswith("Form forms/rusak.schema.json:5: not valid JSON (")
    assert str(info.value).endswith("; fix the file")


@pytest.mark.parametrize("text", ['["type", "object"]', '"object"', "12", "null"])
def test_parse_form_refuses_non_object(text: str) -> None:
    """A form whose JSON is not an object is refused naming the file."""
    with pytest.raises(DefinitionError) as info:
        parse_form(text, "forms/daftar.schema.json")
    assert str(info.value) == "Form forms/daftar.schema.json: a JSON Schema must be an object; fix the file"


def test_parse_form_refuses_invalid_schema_naming_the_place() -> None:
    """{"type": 12} is JSON but not a JSON Schema: refused naming the file and the faulty keyword."""
    with pytest.raises(DefinitionError) as info:
        parse_form('{"type": 12}', "forms/salah.schema.json")
    message = str(info.value)
    assert message.startswith("Form forms/salah.schema.json: not a valid JSON Schema 2020-12 at 'type': 12 ")
    assert message.endswith("; fix the form")


def test_parse_form_invalid_nested_keyword_names_its_path() -> None:
    """A misspelt type deep in a form is reported with the path to it."""
    text = json.dumps({"type": "object", "properties": {"pengirim": {"type": "object", "required": "nama"}}})
    with pytest.raises(DefinitionError, match=r"at 'properties/pengirim/required': 'nama' is not of type 'array'"):
        parse_form(text, "forms/x.schema.json")


# validation_problems / validate


def test_valid_data_has_no_problems() -> None:
    """A complete Surat Permohonan satisfies its form and validate() returns quietly."""
    schema = _form("surat_permohonan.schema.json")
    assert validation_problems(schema, _surat()) == []
    validate(schema, _surat(), "AjukanPermohonan")


def test_all_violations_are_reported_at_once_with_field_paths() -> None:
    """Every violation is listed at once in words, each with its field's title and path, sorted by path: what was
    expected (a date as YYYY-MM-DD, the choices, the field's description for a pattern) and what was given."""
    schema = _form("surat_permohonan.schema.json")
    data = _surat()
    del data["kebutuhan"]
    del data["pengirim"]["instansi"]
    data["lampiran"] = 1
    data["sifat"] = "kilat"
    data["nomor"] = "#555"
    data["tanggal"] = "2026-13-45"
    data["kontak"]["email"] = "rina"
    assert validation_problems(schema, data) == [
        "Kebutuhan (kebutuhan): is required; fill it in",
        'Email (kontak.email): expected an e-mail address, e.g. nama@bangka.go.id; given "rina"',
        "Lampiran (lampiran): expected text; given 1",
        'Nomor surat (nomor): does not have the expected form (Nomor surat/dokumen, mis. 555/123/DISKOMINFO/2026); '
        'given "#555"',
        "Instansi (OPD) (pengirim.instansi): is required; fill it in",
        'Sifat (sifat): expected one of: "sangat segera", "segera", "biasa", "rahasia"; given "kilat"',
        'Tanggal surat (tanggal): expected a date as YYYY-MM-DD, e.g. 2026-12-03; given "2026-13-45"',
    ]


def test_validate_raises_one_error_listing_every_problem() -> None:
    """validate() raises one ValidationError naming the step, the count and every problem, saying nothing was saved."""
    schema = _form("surat_permohonan.schema.json")
    data = _surat()
    del data["perihal"]
    data["kontak"]["telepon"] = "telepon saya"
    with pytest.raises(ValidationError) as info:
        validate(schema, data, "Step AjukanPermohonan")
    error = info.value
    assert error.problems == [
        'Telepon (kontak.telepon): does not have the expected form (Nomor telepon/HP, mis. 0812 3456 7890); '
        'given "telepon saya"',
        "Perihal (perihal): is required; fill it in",
    ]
    assert str(error).splitlines() == [
        "Step AjukanPermohonan: the data does not satisfy the form (2 problems); nothing was saved. "
        "Fix these fields and try again:",
        '  - Telepon (kontak.telepon): does not have the expected form (Nomor telepon/HP, mis. 0812 3456 7890); '
        'given "telepon saya"',
        "  - Perihal (perihal): is required; fill it in",
    ]


def test_compiled_form_reports_the_same_problems() -> None:
    """A compiled form reports the same problems and raises the same error as the schema-level functions."""
    path = FORMS / "surat_permohonan.schema.json"
    compiled = compile_form(path.read_text(encoding="utf-8"), str(path))
    data = _surat()
    del data["pengirim"]["nama"]
    data["sifat"] = "kilat"
    assert compiled.problems(_surat()) == []
    assert compiled.problems(data) == validation_problems(compiled.schema, data)
    assert compiled.problems(data)[0] == "Nama penandatangan (pengirim.nama): is required; fill it in"
    with pytest.raises(ValidationError) as info:
        compiled.validate(data, "AjukanPermohonan")
    assert str(info.value).startswith("AjukanPermohonan: the data does not satisfy the form (2 problems)")
    with pytest.raises(DefinitionError, match=r"^Form x\.json: not a valid JSON Schema"):
        compile_form('{"type": 12}', "x.json")


def test_validate_singular_problem_wording() -> None:
    """One problem is counted as '1 problem', not '1 problems'."""
    schema = _form("disposisi.schema.json")
    with pytest.raises(ValidationError, match=r"\(1 problem\); nothing was saved"):
        validate(schema, {"dari": "Kadis", "kepada": "Kabid", "isi": "Tindak lanjuti", "sifat": "biasa"}, "Disposisi")


def test_unknown_field_and_array_item_paths() -> None:
    """An extra field is named with the form's fields (or the closest one), and an array item's field as
    name.index.field, the way --set takes it."""
    schema = _form("berita_acara_pemasangan.schema.json")
    data = read_data_file(str(EXAMPLES / "data" / "08_berita_acara_pemasangan.yaml"))
    data["peralatan"][1]["jumlah"] = 0
    data["petugas"] = []
    data["catatan_tambahan"] = "x"
    problems = validation_problems(schema, data)
    assert problems == [
        "catatan_tambahan: is not a field of this form; the fields here are: nomor_berita_acara, "
        "tanggal_pemasangan, lokasi, petugas, peralatan, hasil_uji, kecepatan_terukur_mbps, ip_address, diterima_oleh, "
        "pindaian_berita_acara, foto_pemasangan",
        "Jumlah (peralatan.1.jumlah): must be at least 1; given 0",
        "Petugas (petugas): needs at least 1 item(s); given 0",
    ]
    data.pop("catatan_tambahan")
    data["lokasii"] = "x"
    assert "lokasii: is not a field of this form; did you mean 'lokasi'?" in validation_problems(schema, data)


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("2026-11-02T10:00:00+07:00", True),
        ("2026-11-02T03:00:00Z", True),
        ("2026-11-02T10:00:00", False),
        ("2026-11-02", False),
        ("kemarin sore", False),
    ],
)
def test_date_time_is_checked_with_time_zone(value: str, ok: bool) -> None:
    """A date-time field needs an RFC 3339 date-time with a time zone; other text is reported."""
    schema = {"type": "object", "properties": {"waktu": {"type": "string", "format": "date-time"}}}
    expected = [] if ok else [f'waktu: expected a date and time as YYYY-MM-DDTHH:MM:SS+07:00, e.g. '
                              f'2026-12-03T09:30:00+07:00; given "{value}"']
    assert validation_problems(schema, {"waktu": value}) == expected


@pytest.mark.parametrize("value", ["20261102T100000+0700", "2026-W45-1T10:00:00+07:00"])
def test_date_time_refuses_non_rfc3339_iso_forms(value: str) -> None:
    """ISO 8601 forms that are not RFC 3339 (basic format, week dates) are not accepted as a date-time."""
    schema = {"type": "object", "properties": {"waktu": {"type": "string", "format": "date-time"}}}
    assert validation_problems(schema, {"waktu": value})[0].startswith("waktu: expected a date and time")


def test_date_format_refuses_compact_and_impossible_dates() -> None:
    """A date field needs YYYY-MM-DD and a real calendar day."""
    schema = _form("disposisi.schema.json")
    base = {"dari": "Kadis", "kepada": "Kabid", "isi": "Tindak lanjuti", "sifat": "biasa"}
    assert validation_problems(schema, {**base, "tanggal": "2026-11-02"}) == []
    for typed in ("20261102", "2026-02-30"):
        assert validation_problems(schema, {**base, "tanggal": typed}) == [
            f'Tanggal disposisi (tanggal): expected a date as YYYY-MM-DD, e.g. 2026-12-03; given "{typed}"']


def test_field_path_formats() -> None:
    """Field paths read as `--set` takes them: dots for objects and list items, (top) for the whole."""
    assert field_path(["pengirim", "instansi"]) == "pengirim.instansi"
    assert field_path(["peralatan", 0, "nama"]) == "peralatan.0.nama"
    assert field_path([]) == "(top)"


def _example_bindings() -> list[tuple[str, str, str, list[str]]]:
    """(data file, step, form, the fields it attaches files to) for every step of every example scenario."""
    catalog = scan(ROOT / "definitions", FORMS)
    rows = []
    for scenario in sorted(EXAMPLES.glob("*.scenario.yaml")):
        page = parse_yaml(scenario.read_text(encoding="utf-8"), str(scenario))
        definition = catalog.get(page["process"])
        for step in page["steps"]:
            bound = definition.step(step["task"])
            assert bound is not None and bound.form, f"{scenario.name}: {step['task']}"
            rows.append((step["data"], step["task"], bound.form, sorted(step.get("attach") or {})))
    return rows


def test_example_scenarios_use_every_example_data_file() -> None:
    """The two example scenarios between them use every example data file, so the next test covers them all."""
    used = {data for data, _, _, _ in _example_bindings()}
    assert used == {f"data/{p.name}" for p in (EXAMPLES / "data").glob("*.yaml")}
    assert len(used) >= 17


def test_example_data_files_satisfy_their_forms() -> None:
    """Each example data file, with the files its scenario step attaches, satisfies the form the step binds."""
    for data_file, task, form, attached in _example_bindings():
        data = read_data_file(str(EXAMPLES / data_file))
        files = {field: {"name": "berkas.png", "media_type": "image/png", "size": 1, "sha256": "0" * 64}
                 for field in attached}
        assert validation_problems(_form(form), {**data, **files}) == [], f"{data_file} ({task}, {form})"


# coerce_assignments


def test_coerce_keeps_string_fields_as_text() -> None:
    """String fields keep what was typed, even text that looks like a number, a boolean or null."""
    schema = _form("surat_permohonan.schema.json")
    data = coerce_assignments(schema, [("nomor", "005"), ("lampiran", "1"), ("perihal", "true"), ("kebutuhan", "null")])
    assert data == {"nomor": "005", "lampiran": "1", "perihal": "true", "kebutuhan": "null"}


def test_coerce_types_numbers_booleans_and_arrays() -> None:
    """Integer, number, boolean and array fields get JSON types from the typed text."""
    berita = _form("berita_acara_pemasangan.schema.json")
    data = coerce_assignments(
        berita, [("kecepatan_terukur_mbps", "100.5"), ("petugas", '["Fajar", "Dedi"]'), ("nomor_berita_acara", "123")]
    )
    assert data == {"kecepatan_terukur_mbps": 100.5, "petugas": ["Fajar", "Dedi"], "nomor_berita_acara": "123"}
    spesifikasi = _form("draft_spesifikasi.schema.json")
    assert spesifikasi["properties"]["bandwidth_mbps"]["type"] in ("integer", "number")
    assert coerce_assignments(spesifikasi, [("bandwidth_mbps", "100")]) == {"bandwidth_mbps": 100}
    paraf = _form("paraf.schema.json")
    assert coerce_assignments(paraf, [("diparaf", "true")]) == {"diparaf": True}


def test_coerce_integer_field_becomes_int() -> None:
    """An integer field's text becomes an int; text that is not a number is kept so validation can report it."""
    schema = {"type": "object", "properties": {"jumlah": {"type": "integer"}}}
    assert coerce_assignments(schema, [("jumlah", "12")]) == {"jumlah": 12}
    kept = coerce_assignments(schema, [("jumlah", "dua belas")])
    assert kept == {"jumlah": "dua belas"}
    assert validation_problems(schema, kept) == ['jumlah: expected a whole number; given "dua belas"']


def test_coerce_dotted_keys_nest() -> None:
    """Dotted keys build nested objects, typed by the nested schema."""
    schema = _form("surat_permohonan.schema.json")
    data = coerce_assignments(
        schema,
        [
            ("pengirim.instansi", "Dinas Kesehatan"),
            ("pengirim.nip", "19750312 200312 1 004"),
            ("kontak.telepon", "0812"),
        ],
    )
    assert data == {
        "pengirim": {"instansi": "Dinas Kesehatan", "nip": "19750312 200312 1 004"},
        "kontak": {"telepon": "0812"},
    }


def test_coerce_refuses_key_under_a_value() -> None:
    """Setting a.b after a was given a value is refused, naming the key and the conflicting prefix."""
    schema = _form("surat_permohonan.schema.json")
    with pytest.raises(ValidationError) as info:
        coerce_assignments(schema, [("pengirim", "Dinas"), ("pengirim.nama", "Andi")])
    assert str(info.value) == "--set pengirim.nama: 'pengirim' is already a value, not an object"


def test_coerce_enum_without_type_keeps_choice() -> None:
    """An enum field without a type keeps a listed choice as text (so 'no' stays 'no')."""
    schema = {"type": "object", "properties": {"jawab": {"enum": ["1", "no", 2]}}}
    assert coerce_assignments(schema, [("jawab", "1")]) == {"jawab": "1"}
    assert coerce_assignments(schema, [("jawab", "2")]) == {"jawab": 2}


def test_coerce_nullable_string_keeps_digits_as_text() -> None:
    """A nullable string field (type ["string", "null"]) keeps "123" as text, as a plain string field does."""
    schema = {"type": "object", "properties": {"nomor": {"type": ["string", "null"]}}}
    data = coerce_assignments(schema, [("nomor", "123")])
    assert data == {"nomor": "123"}
    assert validation_problems(schema, data) == []


# template


@pytest.mark.parametrize("path", FORM_FILES, ids=lambda p: p.name)
def test_template_is_yaml_with_required_keys(path: Path) -> None:
    """Every shipped form's template parses as YAML and has exactly the required top-level keys uncommented (but
    those filled from the roles file and the files, which `--attach` gives)."""
    schema = parse_form(path.read_text(encoding="utf-8"), path.name)
    filled = parse_yaml(form_template(schema), path.name)
    assert isinstance(filled, dict)
    elsewhere = {name for name, prop in schema["properties"].items()
                 if isinstance(prop.get("x-sop-default"), str) or "x-sop-file" in prop}
    assert set(filled) == set(schema["required"]) - elsewhere


def test_template_surat_permohonan_shape() -> None:
    """The Surat Permohonan template shows titles, choices and patterns as comments and comments out optional fields."""
    schema = _form("surat_permohonan.schema.json")
    text = form_template(schema)
    lines = text.splitlines()
    assert lines[0] == "# Surat Permohonan Pemasangan Jaringan"
    sifat = "# Sifat - Sifat surat atau disposisi - choices: sangat segera | segera | biasa | rahasia - required"
    assert sifat in lines
    assert 'tanggal: ""  # YYYY-MM-DD' in lines
    assert '  # nip: ""' in lines
    assert '  # email: ""' in lines
    assert "  # Email - format: email - optional" in lines
    filled = parse_yaml(text, "template")
    assert filled["pengirim"] == {"instansi": "", "nama": "", "jabatan": ""}
    assert filled["kontak"] == {"nama": "", "telepon": ""}


def test_template_arrays_of_objects() -> None:
    """An array of objects shows one item with its required fields, optional ones commented out."""
    schema = _form("berita_acara_pemasangan.schema.json")
    filled = parse_yaml(form_template(schema), "template")
    assert filled["peralatan"] == [{"nama": "", "jumlah": 0}]
    assert filled["petugas"] == [""]
    assert "    # nomor_seri: \"\"" in form_template(schema).splitlines()


def test_template_defaults_and_scalar_placeholders() -> None:
    """Defaults are filled in; optional number and boolean fields appear commented with 0 and false."""
    schema = {
        "title": "Uji",
        "type": "object",
        "required": ["status", "jumlah"],
        "properties": {
            "status": {"type": "string", "enum": ["baru", "selesai"], "default": "baru"},
            "jumlah": {"type": "integer"},
            "selesai": {"type": "boolean", "title": "Selesai?"},
            "nilai": {"type": "number"},
        },
    }
    text = form_template(schema)
    assert parse_yaml(text, "template") == {"status": "baru", "jumlah": 0}
    assert "# selesai: false" in text.splitlines()
    assert "# nilai: 0" in text.splitlines()
    assert "# Selesai? - optional" in text.splitlines()


def test_template_array_of_objects_with_only_optional_fields() -> None:
    """An array whose item fields are all optional still gets a template (a list with one empty item)."""
    schema = {
        "type": "object",
        "required": ["lampiran"],
        "properties": {
            "lampiran": {"type": "array", "items": {"type": "object", "properties": {"nama": {"type": "string"}}}}
        },
    }
    filled = parse_yaml(form_template(schema), "template")
    assert isinstance(filled, dict)
    assert isinstance(filled["lampiran"], list)


def test_template_multiline_description_stays_a_comment() -> None:
    """A form description spanning lines stays inside comments, so the template is still a YAML object."""
    schema = {
        "type": "object",
        "required": ["isi"],
        "properties": {"isi": {"type": "string", "description": "Baris pertama.\nBaris kedua."}},
    }
    assert parse_yaml(form_template(schema), "template") == {"isi": ""}


def test_set_with_an_index_fills_array_items() -> None:
    """`--set peralatan.0.nama=...` builds array items typed by the item schema; a gap in the indices is refused."""
    schema = parse_form((FORMS / "analisa_topologi.schema.json").read_text(), "analisa_topologi")
    data = coerce_assignments(schema, [("kebutuhan_perangkat.0.nama", "Switch"), ("kebutuhan_perangkat.0.jumlah", "2"),
                                       ("kebutuhan_perangkat.1.nama", "Kabel"), ("kebutuhan_perangkat.1.jumlah", "30")])
    assert data == {"kebutuhan_perangkat": [{"nama": "Switch", "jumlah": 2}, {"nama": "Kabel", "jumlah": 30}]}
    survey = parse_form((FORMS / "survey_teknis.schema.json").read_text(), "survey_teknis")
    assert coerce_assignments(survey, [("petugas.0", "Fajar"), ("petugas.1", "007")]) == {"petugas": ["Fajar", "007"]}
    with pytest.raises(ValidationError, match=r"'3' must be the index of an item of 'petugas'"):
        coerce_assignments(survey, [("petugas.3", "Fajar")])
