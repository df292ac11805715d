"""Kelengkapan written as fields in an SOP table (`isian`): each kind's checks, the table's mistakes, the generated
files, their words (never a regex) in the template, the errors and the web form, and decompile giving them back."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT, Sop

from engine import translate
from engine.common.errors import DefinitionError
from engine.definitions.catalog import scan
from engine.definitions.forms import CompiledForm, form_template, parse_form
from engine.table.sop_yaml import read_table
from engine.table.table_forms import form_texts
from web.form_fields import FormFields

EXAMPLE = ROOT / "examples" / "permohonan_subdomain" / "permohonan_subdomain.sop.yaml"
REGEX = re.compile(r"\^|\$|\[0-9\]|\{18\}")  # what a pattern's regex looks like on a page

TABLE = """\
sop:
  id: uji_isian
  nama: Uji Isian
pelaksana: [Pemohon, Petugas]
langkah:
  - nomor: 1
    id: Ajukan
    kegiatan: Ajukan permohonan
    pelaksana: Pemohon
    kelengkapan:
      nama: Permohonan
      isian:
{isian}
  - nomor: 2
    id: Periksa
    kegiatan: Periksa permohonan
    pelaksana: Petugas
    kelengkapan: {{nama: Hasil, isian: [{{judul: Catatan, jenis: teks, wajib: tidak}}]}}
"""

PDF = {"name": "surat.pdf", "media_type": "application/pdf", "size": 1000, "sha256": "0" * 64}
# (jenis, a value it accepts, a value it refuses, the Indonesian words of the refusal)
KINDS: list[tuple[str, Any, Any, str]] = [
    ("teks", "Situs dinas kesehatan", "", "tidak boleh kosong"),
    ("teks panjang", "a" * 4000, "a" * 5001, "paling banyak 5000 karakter"),
    ("angka", 12.5, "dua belas", "seharusnya angka"),
    ("tanggal", "2026-12-03", "3 Desember 2026", "tanggal dengan format YYYY-MM-DD"),
    ("waktu", "09:30", "9.30", "terdiri dari jam dan menit sebagai JJ:MM, mis. 09:30"),
    ("pilihan: Setuju / Perbaiki", "Perbaiki", "Tolak", 'salah satu dari: "Setuju", "Perbaiki"'),
    ("ya/tidak", True, "mungkin", "ya atau tidak"),
    ("NIP", "196412221989031009", "19641222 198903 1 009", "terdiri dari 18 angka"),
    ("NIK", "1901010101900001", "19010101", "terdiri dari 16 angka"),
    ("nomor surat", "800/123/UMUM/2026", "surat satu", "terdiri dari bagian-bagian yang dipisah /"),
    ("e-mail", "tu@bangka.go.id", "tu.bangka.go.id", "alamat surel"),
    ("telepon", "0812 3456 7890", "nomor kantor", "terdiri dari angka, spasi atau -"),
    ("berkas PDF 5 MB", PDF, {**PDF, "media_type": "image/png"}, '"application/pdf"'),
    ("berkas gambar 2 MB", {**PDF, "media_type": "image/png"}, {**PDF, "media_type": "image/png", "size": 2_000_001},
     "paling besar 2000000"),
    ("daftar teks", ["satu", "dua"], [], "paling sedikit 1 butir"),
    ("daftar NIP", ["196412221989031009"], ["123"], "Isian uji (isian_uji.0): harus terdiri dari 18 angka"),
]


def _table(*items: str) -> str:
    return TABLE.format(isian="\n".join(f"        - {item}" for item in items))


def _form(jenis: str) -> dict[str, Any]:
    table, _ = read_table(_table(f'{{judul: Isian uji, jenis: "{jenis}"}}'), "uji.sop.yaml")
    return json.loads(form_texts(table)["uji_isian.Ajukan.schema.json"])


@pytest.mark.parametrize(("jenis", "good", "bad", "words"), KINDS, ids=[k[0] for k in KINDS])
def test_each_kind_accepts_a_good_value_and_refuses_a_bad_one_in_words(
        jenis: str, good: Any, bad: Any, words: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The generated form is a valid form; a good value passes; a bad one is refused in Indonesian words, no regex."""
    monkeypatch.setenv("SOP_LANG", "id")
    schema = parse_form(json.dumps(_form(jenis)), "uji")
    form = CompiledForm(schema)
    assert form.problems({"isian_uji": good}) == []
    said = [translate(p) for p in form.problems({"isian_uji": bad})]
    assert len(said) == 1 and words in said[0], said
    assert not REGEX.search(said[0])


def test_the_kinds_carry_the_checks_people_expect() -> None:
    """NIP 18 digits, NIK 16, a date a date, a choice its words, a file its types and size, a list its items; a field
    is required unless wajib: tidak; the key is the title in snake_case unless kunci gives one."""
    table, _ = read_table(_table("{judul: NIP pegawai, jenis: NIP, kunci: nip}",
                                 "{judul: Tanggal surat, jenis: tanggal}",
                                 '{judul: Keputusan, jenis: "Pilihan: Setuju/ Perbaiki"}',
                                 "{judul: Lampiran, jenis: berkas PDF/gambar 10 MB, wajib: tidak}",
                                 "{judul: Tembusan, jenis: daftar teks, bantuan: Satu jabatan per baris}"),
                          "uji.sop.yaml")
    schema = json.loads(form_texts(table)["uji_isian.Ajukan.schema.json"])
    props = schema["properties"]
    assert list(props) == ["nip", "tanggal_surat", "keputusan", "lampiran", "tembusan"]
    assert schema["required"] == ["nip", "tanggal_surat", "keputusan", "tembusan"]
    assert props["nip"]["pattern"] == "^[0-9]{18}$" and props["nip"]["x-sop-pattern-words"] == "18 digits"
    assert props["tanggal_surat"]["format"] == "date"
    assert props["keputusan"]["enum"] == ["Setuju", "Perbaiki"]
    assert props["keputusan"]["x-sop-jenis"] == "pilihan: Setuju / Perbaiki"  # the canonical spelling
    assert props["lampiran"]["x-sop-file"] == {"accept": ["application/pdf", "image/jpeg", "image/png"],
                                               "max_size": 10_000_000}
    assert props["lampiran"]["contentMediaType"] == "application/pdf"
    assert props["tembusan"]["type"] == "array" and props["tembusan"]["minItems"] == 1
    assert props["tembusan"]["description"] == "Satu jabatan per baris"
    assert schema["x-sop-generated"] is True and schema["title"] == "Permohonan"


@pytest.mark.parametrize(("item", "said"), [
    ("{judul: NIP, jenis: NIPP}", "row 1 (Ajukan), kelengkapan.isian[2]: isian 2 'NIP': unknown jenis 'NIPP'; "
     "did you mean 'NIP'? The kinds are: teks, teks panjang, angka, tanggal, waktu, pilihan: a / b / c, ya/tidak, "
     "NIP, NIK"),
    ("{judul: Jam, jenis: wktu}", "unknown jenis 'wktu'; did you mean 'waktu'?"),
    ("{judul: Apa, jenis: gambar}", "unknown jenis 'gambar'; the kinds are: teks"),
    ('{judul: Keputusan, jenis: "pilihan: Setuju"}', "pilihan needs at least 2 values separated by /"),
    ('{judul: Keputusan, jenis: "pilihan: Ya / Ya"}', "pilihan lists 'Ya' twice"),
    ("{judul: Keputusan, jenis: pilihan Setuju / Perbaiki}", "pilihan lists its values after a colon"),
    ("{judul: Surat, jenis: berkas PDF}", "berkas PDF needs its largest size, e.g. 'berkas PDF 5 MB'"),
    ("{judul: Surat, jenis: berkas PDF 5000 MB}", "berkas PDF 5000 MB: the size must be from 1 to 2000 MB"),
    ("{judul: Surat, jenis: berkas Word 5 MB}", "berkas needs its type and largest size"),
    ("{judul: Surat, jenis: daftar daftar teks}", "a daftar of a daftar is not a kind"),
    ("{judul: 2 Nomor, jenis: teks}", "the key '2_nomor' is not a name of letters, digits and _"),
    ("{judul: Nomor, jenis: teks, wajib: mungkin}", "'mungkin' is not one of"),
])
def test_a_mistaken_field_is_refused_at_its_line_naming_row_field_and_fix(item: str, said: str, sop: Sop,
                                                                         tmp_path: Path) -> None:
    """`sop compile` refuses the table (exit 1) with the field's line and words; no form and no diagram is written."""
    table, forms = tmp_path / "uji.sop.yaml", tmp_path / "forms"
    forms.mkdir()
    table.write_text(_table("{judul: Perihal, jenis: teks}", item))
    result = sop("--forms", str(forms), "compile", str(table), "-o", str(tmp_path / "uji.bpmn"))
    assert result.exit_code == 1
    assert f"Error: {table}:14: " in result.stderr and said in result.stderr, result.stderr
    assert "Traceback" not in result.output
    assert list(forms.iterdir()) == [] and not (tmp_path / "uji.bpmn").exists()


def test_duplicate_keys_and_formulir_beside_isian_are_refused(tmp_path: Path) -> None:
    """Two fields with one key, and a kelengkapan naming a form and fields at once, are named with their lines."""
    text = _table("{judul: Nomor surat, jenis: nomor surat}", "{judul: Nomor  Surat, jenis: teks}").replace(
        "      nama: Permohonan\n", "      nama: Permohonan\n      formulir: surat.schema.json\n")
    with pytest.raises(DefinitionError) as caught:
        read_table(text, "uji.sop.yaml")
    assert caught.value.table_problems == [  # type: ignore[attr-defined]
        (12, "row 1 (Ajukan), kelengkapan.formulir: step 'Ajukan' has both formulir and isian under kelengkapan; "
             "keep isian to have sop write the form, or formulir to name a form of the forms folder"),
        (15, "row 1 (Ajukan), kelengkapan.isian[2]: isian 2 'Nomor Surat': the key 'nomor_surat' is also the key of "
             "isian 1; give one of them another judul or a kunci")]


def test_the_table_mistakes_read_in_indonesian(sop: Sop, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Under SOP_LANG=id the field's problem is Indonesian, its did-you-mean and the kinds kept as written."""
    monkeypatch.setenv("SOP_LANG", "id")
    table = tmp_path / "uji.sop.yaml"
    table.write_text(_table("{judul: NIP, jenis: NIPP}"))
    result = sop("--forms", str(tmp_path), "compile", str(table))
    assert result.exit_code == 1
    assert ("baris 1 (Ajukan), kelengkapan.isian[1]: isian 1 'NIP': jenis 'NIPP' tidak dikenal; maksudnya 'NIP'? "
            "Jenis yang ada: teks, teks panjang") in result.stderr


def test_compile_writes_the_named_forms_once_and_refuses_to_replace_a_hand_written_one(sop: Sop,
                                                                                          tmp_path: Path) -> None:
    """<process>.<step>.schema.json and .uischema.json go to --forms, named by the diagram; an unchanged table
    rewrites nothing; a hand-written file of that name is refused and nothing is written."""
    table, forms, bpmn = tmp_path / "uji.sop.yaml", tmp_path / "forms", tmp_path / "uji.bpmn"
    forms.mkdir()
    table.write_text(_table("{judul: NIP, jenis: NIP}"))
    first = sop("--forms", str(forms), "compile", str(table), "-o", str(bpmn))
    assert first.exit_code == 0, first.output
    assert f"Wrote 4 generated form file(s) to the forms folder {forms}." in first.stderr
    names = sorted(p.name for p in forms.iterdir())
    assert names == ["uji_isian.Ajukan.schema.json", "uji_isian.Ajukan.uischema.json",
                     "uji_isian.Periksa.schema.json", "uji_isian.Periksa.uischema.json"]
    diagram = bpmn.read_text(encoding="utf-8")
    assert '<spiffworkflow:property name="formJsonSchemaFilename" value="uji_isian.Ajukan.schema.json" />' in diagram
    assert '<spiffworkflow:property name="formUiSchemaFilename" value="uji_isian.Ajukan.uischema.json" />' in diagram
    before = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in forms.iterdir()}
    again = sop("--forms", str(forms), "compile", str(table), "-o", str(bpmn))
    assert again.exit_code == 0 and "form file" not in again.stderr
    assert {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in forms.iterdir()} == before
    assert bpmn.read_text(encoding="utf-8") == diagram
    hand = forms / "uji_isian.Ajukan.schema.json"
    hand.write_text('{"type": "object"}\n')
    table.write_text(_table("{judul: NIK, jenis: NIK}"))
    refused = sop("--forms", str(forms), "compile", str(table), "-o", str(tmp_path / "other.bpmn"))
    assert refused.exit_code == 1
    assert ("The forms folder already has uji_isian.Ajukan.schema.json, a form that sop compile did not make from a "
            "table; nothing was written.") in refused.stderr
    assert hand.read_text() == '{"type": "object"}\n' and not (tmp_path / "other.bpmn").exists()


def test_a_table_in_the_definitions_folder_makes_its_forms_in_memory(tmp_path: Path) -> None:
    """Loading writes no file into the forms folder; the version pins the generated forms; the same table is the
    same version at every scan."""
    definitions, forms = tmp_path / "definitions", tmp_path / "forms"
    definitions.mkdir()
    forms.mkdir()
    (definitions / "uji.sop.yaml").write_text(_table("{judul: NIP, jenis: NIP}"))
    first = scan(definitions, forms).get("uji_isian")
    assert list(forms.iterdir()) == []
    assert sorted(first.bundle["forms"]) == ["uji_isian.Ajukan.schema.json", "uji_isian.Ajukan.uischema.json",
                                             "uji_isian.Periksa.schema.json", "uji_isian.Periksa.uischema.json"]
    assert first.step("Ajukan").form == "uji_isian.Ajukan.schema.json"
    assert json.loads(first.bundle["forms"]["uji_isian.Ajukan.schema.json"])["properties"]["nip"]["pattern"]
    assert scan(definitions, forms).get("uji_isian").version == first.version


def test_decompile_gives_the_fields_back_and_a_changed_form_by_name(sop: Sop, tmp_path: Path) -> None:
    """A generated, unchanged form decompiles to isian (and compiles to the same bytes); once someone edits it, the
    table names it as formulir."""
    forms, bpmn, back = tmp_path / "forms", tmp_path / "p.bpmn", tmp_path / "back.sop.yaml"
    forms.mkdir()
    assert sop("--forms", str(forms), "compile", str(EXAMPLE), "-o", str(bpmn)).exit_code == 0
    assert sop("--forms", str(forms), "decompile", str(bpmn), "-o", str(back)).exit_code == 0
    text = back.read_text(encoding="utf-8")
    assert "        - judul: NIP penanggung jawab\n          jenis: NIP\n          kunci: nip\n" in text
    assert "        - judul: Jumlah pengguna\n          jenis: angka\n          wajib: tidak\n" in text
    assert read_table(text, "back")[0] == read_table(EXAMPLE.read_text(encoding="utf-8"), "ex")[0]
    assert sop("--forms", str(forms), "compile", str(back)).stdout == bpmn.read_text(encoding="utf-8")
    edited = forms / "permohonan_subdomain.Verifikasi.schema.json"
    edited.write_text(edited.read_text().replace('"Perbaiki"', '"Perbaiki", "Tolak"'))
    again = sop("--forms", str(forms), "decompile", str(bpmn)).stdout
    assert "kelengkapan:\n      formulir: permohonan_subdomain.Verifikasi.schema.json\n      nama: Hasil Verifikasi" \
        in again


HAND_WRITTEN = {
    "type": "object", "required": ["kode", "nip"],
    "properties": {
        "kode": {"type": "string", "title": "Kode", "pattern": "^[0-9A-Za-z.-]{5,20}$"},
        "nip": {"type": "string", "title": "NIP", "description": "Nomor Induk Pegawai",
                "pattern": "^[0-9]{18}$"},
        "nik": {"type": "string", "title": "NIK", "pattern": "^[0-9]{16}$", "x-sop-pattern-words": "16 angka"},
    },
}


def test_a_hand_written_pattern_is_told_by_its_words_its_help_or_a_phrase(monkeypatch: pytest.MonkeyPatch) -> None:
    """The template and the refusals of a hand-written form show the pattern's words, the description, or a generic
    phrase: never the regex."""
    monkeypatch.setenv("SOP_LANG", "id")
    template = form_template(HAND_WRITTEN)
    assert "# Kode - dalam bentuk yang ditetapkan formulir - wajib diisi" in template
    assert "# NIP - Nomor Induk Pegawai - wajib diisi" in template
    assert "# NIK - terdiri dari 16 angka - opsional" in template
    said = [translate(p) for p in CompiledForm(HAND_WRITTEN).problems({"kode": "!", "nip": "1", "nik": "2"})]
    assert said == ['Kode (kode): tidak sesuai dengan bentuk yang diharapkan; diberikan "!"',
                    'NIK (nik): harus terdiri dari 16 angka; diberikan "2"',
                    'NIP (nip): tidak sesuai dengan bentuk yang diharapkan (Nomor Induk Pegawai); diberikan "1"']
    assert not any(REGEX.search(line) for line in [template, *said])


def test_the_web_form_tells_a_pattern_in_words(monkeypatch: pytest.MonkeyPatch) -> None:
    """The web form's help of a generated NIP field says '18 angka' in Indonesian, '18 digits' in English; a
    hand-written pattern without words or help gets the phrase; none shows the regex."""
    monkeypatch.setenv("SOP_LANG", "id")
    fields = {f.path: f for f in FormFields(_form("NIP")).fields({}, {})}
    assert fields["isian_uji"].help == "terdiri dari 18 angka"
    hand = {f.path: f for f in FormFields(HAND_WRITTEN).fields({}, {})}
    assert hand["kode"].help == "dalam bentuk yang ditetapkan formulir"
    assert hand["nip"].help == "Nomor Induk Pegawai"
    monkeypatch.setenv("SOP_LANG", "en")
    assert FormFields(_form("NIP")).fields({}, {})[0].help == "consists of 18 digits"


def test_the_web_task_page_of_a_generated_form_speaks_words(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """On the web task page of the example's first step the NIP field says '18 angka' (no regex); a short NIP is
    refused (422) with 'harus terdiri dari 18 angka' under its field, the typed values kept, nothing saved."""
    import shutil
    from io import BytesIO

    from web_fixtures import engine_as, logged_in, make_app, office, post

    monkeypatch.setenv("SOP_LANG", "id")
    paths = office(tmp_path)
    shutil.copy(EXAMPLE, paths["definitions"])
    engine = engine_as(paths, "tu.umum")
    try:
        instance = engine.instances.start("permohonan_subdomain", actor="opd.dinkes").instance
        client = logged_in(make_app(paths), "opd.dinkes")
        url = f"/instances/{instance}/tasks/AjukanPermohonan"
        page = client.get(url).get_data(as_text=True)
        assert "NIP penanggung jawab" in page and "terdiri dari 18 angka" in page
        assert "[0-9]{18}" not in page and "^[0-9A-Za-z]" not in page
        events = engine.instance(instance).show().events
        pdf = (ROOT / "examples" / "permohonan_subdomain" / "berkas" / "surat-permohonan-subdomain.pdf").read_bytes()
        answer = post(client, url, {"nomor_surat": "440/512/DINKES/2026", "tanggal_surat": "2026-12-03",
                                    "nama_subdomain": "dinkes", "kegunaan": "Situs layanan", "nip": "1980011720",
                                    "e_mail_pengelola": "data@dinkes.bangka.go.id",
                                    "telepon_pengelola": "0812 3456 7890",
                                    "pindaian_surat": (BytesIO(pdf), "surat.pdf")}, content_type="multipart/form-data")
        said = answer.get_data(as_text=True)
        assert answer.status_code == 422
        assert re.search(r'id="f-nip-error"[^>]*>\s*<p>[^<]*harus terdiri dari 18 angka', said), said
        assert 'value="1980011720"' in said and "[0-9]{18}" not in said
        assert engine.instance(instance).show().events == events
    finally:
        engine.close()


def test_compile_without_a_forms_folder_says_so_and_writes_nothing(sop: Sop, tmp_path: Path) -> None:
    """A --forms folder that does not exist is named with the fix; neither forms nor the diagram are written."""
    table, missing = tmp_path / "uji.sop.yaml", tmp_path / "no-forms"
    table.write_text(_table("{judul: NIP, jenis: NIP}"))
    result = sop("--forms", str(missing), "compile", str(table), "-o", str(tmp_path / "uji.bpmn"))
    assert result.exit_code == 1
    assert result.stderr == (f"Error: The forms folder '{missing}' does not exist, so the forms of the isian cannot "
                             "be written; create it or give another with --forms. Nothing was written\n")
    assert not missing.exists() and not (tmp_path / "uji.bpmn").exists()
