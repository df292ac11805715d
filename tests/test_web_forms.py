"""The web form of a step: fields drawn from the pinned JSON Schema and UI schema, named by their `--set` paths, and
a posted form read back (rows added and removed, typed values kept) into the pairs the engine types."""

from __future__ import annotations

import json
from typing import Any

from conftest import FORMS
from werkzeug.datastructures import MultiDict

from web.form_fields import Field, FormFields, flatten
from web.form_posting import add_row, assignments, field_problems, read_posted, remove_row

SCHEMA: dict[str, Any] = {
    "type": "object", "required": ["nama", "titik", "tanggal"],
    "properties": {
        "nama": {"type": "string", "title": "Nama", "description": "Nama lengkap"},
        "tanggal": {"type": "string", "format": "date", "title": "Tanggal"},
        "sifat": {"type": "string", "enum": ["segera", "biasa"], "title": "Sifat"},
        "setuju": {"type": "boolean", "title": "Setuju"},
        "jumlah": {"type": "integer", "title": "Jumlah"},
        "kontak": {"type": "object", "title": "Kontak", "required": ["email"],
                   "properties": {"email": {"type": "string", "format": "email", "title": "Email"},
                                  "telepon": {"type": "string"}}},
        "titik": {"type": "array", "title": "Titik", "minItems": 1,
                  "items": {"type": "object", "required": ["lokasi"],
                            "properties": {"lokasi": {"type": "string", "title": "Lokasi"},
                                           "ip": {"type": "string", "format": "ipv4"}}}},
        "petugas": {"type": "array", "items": {"type": "string", "title": "Petugas"}},
        "scan": {"contentMediaType": "application/pdf",
                 "x-sop-file": {"accept": ["application/pdf", "image/png"], "max_size": 1000}},
    },
}


def _by_path(fields: tuple[Field, ...]) -> dict[str, Field]:
    out: dict[str, Field] = {}
    for item in fields:
        out[item.path] = item
        out.update(_by_path(item.children))
    return out


def test_every_kind_of_field_is_drawn_with_its_set_path_as_name() -> None:
    """Objects become fieldsets, arrays rows, enums choices, booleans checkboxes, dates date inputs, files file inputs;
    titles are labels, descriptions help, required fields marked; names are the dotted `--set` paths."""
    fields = _by_path(FormFields(SCHEMA).fields({}, {}))
    assert fields["nama"].kind == "text" and fields["nama"].label == "Nama" and fields["nama"].help == "Nama lengkap"
    assert fields["nama"].required and not fields["sifat"].required
    assert fields["tanggal"].kind == "date"
    assert fields["sifat"].kind == "select" and fields["sifat"].choices == (("segera", "segera"), ("biasa", "biasa"))
    assert fields["setuju"].kind == "checkbox"
    assert fields["jumlah"].kind == "number"
    assert fields["kontak"].kind == "object" and fields["kontak.email"].kind == "email"
    assert fields["kontak.email"].required and not fields["kontak.telepon"].required
    assert fields["titik"].kind == "array" and [r.path for r in fields["titik"].children] == ["titik.0"]
    assert fields["titik.0.lokasi"].required and fields["titik.0.ip"].kind == "text"
    assert fields["petugas"].children == ()  # an optional list starts with no row
    assert fields["scan"].kind == "file" and fields["scan"].accept == "application/pdf,image/png"


def test_the_ui_schema_orders_fields_and_adds_widgets_help_and_placeholders() -> None:
    """ui:order (with *), ui:widget textarea/radio, ui:help and ui:placeholder shape the fields (RJSF conventions)."""
    ui = {"ui:order": ["sifat", "*", "nama"], "nama": {"ui:widget": "textarea", "ui:placeholder": "mis. Budi"},
          "sifat": {"ui:widget": "radio", "ui:help": "Pilih satu"}}
    fields = FormFields(SCHEMA, ui).fields({}, {})
    assert fields[0].path == "sifat" and fields[-1].path == "nama"
    assert fields[0].kind == "radio" and fields[0].help == "Pilih satu"
    assert fields[-1].kind == "textarea" and fields[-1].placeholder == "mis. Budi"


def test_a_posted_form_becomes_set_pairs_with_empty_inputs_and_empty_rows_left_out() -> None:
    """What was typed becomes KEY=VALUE pairs by path; empty inputs are not sent; an empty row is dropped and the
    rows after it renumbered; an unchecked optional box is left out, a checked one is `true`."""
    posted = MultiDict([("nama", "Budi"), ("tanggal", ""), ("setuju", "true"), ("kontak.email", "b@x.go.id"),
                        ("_rows.titik", "3"), ("titik.0.lokasi", "A"), ("titik.1.lokasi", ""), ("titik.1.ip", ""),
                        ("titik.2.lokasi", "C"), ("titik.2.ip", "10.0.0.1"), ("unknown", "x"), ("_rows.petugas", "0")])
    typed = read_posted(SCHEMA, None, posted)
    assert "unknown" not in typed.values
    pairs, renumbered = assignments(SCHEMA, typed)
    assert pairs == [("nama", "Budi"), ("setuju", "true"), ("kontak.email", "b@x.go.id"), ("titik.0.lokasi", "A"),
                     ("titik.1.lokasi", "C"), ("titik.1.ip", "10.0.0.1")]
    assert renumbered.rows["titik"] == 2 and renumbered.values["titik.1.lokasi"] == "C"


def test_rows_are_added_and_removed_keeping_what_was_typed() -> None:
    """"Tambah baris" adds an empty row at the end; "Hapus" removes one and moves the later rows up."""
    typed = read_posted(SCHEMA, None, MultiDict([("nama", "Budi"), ("_rows.titik", "2"), ("titik.0.lokasi", "A"),
                                                 ("titik.1.lokasi", "B")]))
    more = add_row(typed, "titik")
    assert more.rows["titik"] == 3 and more.values["titik.1.lokasi"] == "B" and more.values["nama"] == "Budi"
    fewer = remove_row(typed, "titik.0")
    assert fewer.rows["titik"] == 1 and fewer.values["titik.0.lokasi"] == "B" and "titik.1.lokasi" not in fewer.values
    fields = _by_path(FormFields(SCHEMA).fields(more.values, more.rows))
    assert [r.path for r in fields["titik"].children] == ["titik.0", "titik.1", "titik.2"]
    assert fields["titik.1.lokasi"].value == "B"


def test_a_draft_fills_the_inputs_back() -> None:
    """Stored data (a draft) gives each input its text and each array its rows."""
    values, rows = flatten(SCHEMA, {"nama": "Budi", "jumlah": 3, "setuju": False, "titik": [{"lokasi": "A"}],
                                    "petugas": ["X", "Y"], "kontak": {"email": "b@x.go.id"}})
    assert values == {"nama": "Budi", "jumlah": "3", "setuju": "false", "titik.0.lokasi": "A", "petugas.0": "X",
                      "petugas.1": "Y", "kontak.email": "b@x.go.id"}
    assert rows == {"titik": 1, "petugas": 2}


def test_each_problem_goes_next_to_the_field_its_path_names() -> None:
    """`Title (path): sentence` and `path: sentence` lines are put with their field; others stay general."""
    typed = read_posted(SCHEMA, None, MultiDict([("_rows.titik", "1")]))
    by_field, general = field_problems(
        ["Nama (nama): is required; fill it in", "Lokasi (titik.0.lokasi): is required; fill it in",
         "Email (kontak.email): expected an e-mail address", "(top): something else"], FormFields(SCHEMA), typed)
    assert set(by_field) == {"nama", "titik.0.lokasi", "kontak.email"}
    assert general == ["(top): something else"]


def test_the_real_forms_all_draw() -> None:
    """Every form of the Interkoneksi SOP draws every top-level property of its schema, in the schema's order, each
    under its own path, with the schema's title as its label, marked required exactly where the schema says so,
    and an enum as its choices."""
    for path in sorted(FORMS.glob("*.schema.json")):
        schema = json.loads(path.read_text(encoding="utf-8"))
        drawn = FormFields(schema).fields({}, {})
        fields = _by_path(drawn)
        properties = schema.get("properties", {})
        assert [f.path for f in drawn] == [p for p in properties if fields.get(p) is not None], path.name
        assert set(properties) == {f.path for f in drawn}, path.name
        required = set(schema.get("required", []))
        for name, prop in properties.items():
            field = fields[name]
            assert field.label == prop.get("title", name), (path.name, name, field.label)
            assert field.required == (name in required), (path.name, name)
            if "enum" in prop and field.kind in ("select", "radio"):
                assert [value for value, _ in field.choices if value] == [str(v) for v in prop["enum"]], name
        assert all(" " not in name for name in fields)
