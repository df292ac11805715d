"""The SOP AP sheet as a workbook: `sop compile FILE.xlsx`, `sop decompile --xlsx`, and every refusal at its cell."""

from __future__ import annotations

import importlib.util
import io
import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from conftest import DEFINITIONS, EXAMPLES, FORMS, ROOT, Sop
from hypothesis import HealthCheck, given, settings
from test_sop_properties import tables

from engine.ops.scenarios import load_scenario, run_scenario
from engine.service.facade import Engine
from engine.table.sop_xlsx import read_workbook, workbook_document
from engine.table.sop_yaml import read_table

TABLE = EXAMPLES / "tabel" / "interkoneksi_data_baru.sop.yaml"
SHIPPED = EXAMPLES / "tabel" / "interkoneksi_data_baru.xlsx"
TEMPLATE = ROOT / "examples" / "templat_sop_ap.xlsx"

LANES = ["Pemohon", "Kepala Seksi", "Kepala Bidang", "Sekretaris"]
FLOW_HEAD = ["No", "Uraian Kegiatan", *LANES, "Kelengkapan", "Waktu", "Output", "Keterangan"]
# A new SOP: a request, a check that sends it back (Perbaiki) or on (Setuju), two parafs at the same time, the end.
FLOW = [
    [1, "Ajukan permohonan", "X", None, None, None, "Permohonan (isian.schema.json)", "30 menit", "Surat", None],
    [2, "Periksa berkas", None, "X", None, None, "Hasil periksa (periksa.schema.json)", "1 jam", "Hasil",
     "Berkas diperiksa\nLengkap? Setuju: ke 4; Perbaiki: ke 3"],
    [3, "Perbaiki berkas", "X", None, None, None, "isian.schema.json", "2 hari", None, "ke 2"],
    ["4a", "Paraf Kepala Bidang", None, None, "X", None, "isian.schema.json", "30 menit", None, None],
    ["4b", "Paraf Sekretaris", None, None, None, "X", "isian.schema.json", "30 menit", None, None],
    [5, "Terbitkan surat", None, "X", None, None, "isian.schema.json", "1 jam", "Surat keterangan",
     "Selesai: Surat terbit"],
]
IDENTITY = [["Kolom", "Isi"], ["Id SOP", "surat_keterangan"], ["Nama SOP", "Penerbitan Surat Keterangan"],
            ["Dinas", "Dinas Contoh"], ["Tanggal Efektif", "2 Februari 2026"],
            ["Dasar Hukum", "1. UU 23/2014 tentang Pemerintahan Daerah\n2. Permen PANRB 35/2012"],
            [None, "Peraturan Bupati 60/2016"], ["Disahkan oleh (nama)", "Nama Kepala Dinas"]]
PERIKSA = {"$schema": "https://json-schema.org/draft/2020-12/schema", "title": "Hasil periksa", "type": "object",
           "required": ["keputusan"],
           "properties": {"keputusan": {"title": "Keputusan", "enum": ["Setuju", "Perbaiki"]},
                          "catatan": {"title": "Catatan", "type": "string"}}}
ISIAN = {"$schema": "https://json-schema.org/draft/2020-12/schema", "title": "Isian", "type": "object",
         "properties": {"catatan": {"title": "Catatan", "type": "string"}}}


def _book(flow: list[list[Any]] | None = None, *, head: list[str] | None = None,
          identity: list[list[Any]] | None = None, extra: Callable[[Any], None] | None = None) -> bytes:
    """A workbook as an office would type it (one header row), with openpyxl."""
    book = openpyxl.Workbook()
    book.active.title = "Identitas"
    for row in identity or IDENTITY:
        book["Identitas"].append(row)
    sheet = book.create_sheet("Alur")
    sheet.append(head or FLOW_HEAD)
    for row in flow or FLOW:
        sheet.append(row)
    if extra:
        extra(book)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _forms(tmp_path: Path) -> Path:
    forms = tmp_path / "forms"
    forms.mkdir(exist_ok=True)
    (forms / "periksa.schema.json").write_text(json.dumps(PERIKSA))
    (forms / "isian.schema.json").write_text(json.dumps(ISIAN))
    return forms


def _refusal(data: bytes, tmp_path: Path, *, lang: str | None = None) -> str:
    """`sop compile` of the workbook: exit 1, the message on stderr, no diagram written."""
    path, out = tmp_path / "sop.xlsx", tmp_path / "out.bpmn"
    path.write_bytes(data)
    cli = Sop(tmp_path / "sop.db", DEFINITIONS, _forms(tmp_path))
    env = {"SOP_LANG": lang} if lang else {}
    result = cli.runner.invoke(__import__("runner.cli", fromlist=["cli"]).cli,
                               ["--forms", str(cli.forms), "compile", str(path), "-o", str(out)], env=env,
                               catch_exceptions=False)
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output and not out.exists()
    prefix = f"Error: {path}: " if lang is None else f"Galat: {path}: "
    assert result.stderr.startswith(prefix), result.stderr
    return result.stderr[len(prefix):].rstrip("\n")


# --- the shipped workbooks --------------------------------------------------------------------------------------


def test_shipped_workbook_reads_as_the_shipped_table() -> None:
    """examples/…/interkoneksi_data_baru.xlsx is the YAML table row for row, with the identity page in `sop:`."""
    table, doc = read_workbook(SHIPPED.read_bytes(), str(SHIPPED), forms_dir=FORMS)
    expected, _ = read_table(TABLE.read_text(encoding="utf-8"), str(TABLE), forms_dir=FORMS)
    assert table == expected
    sop = doc["sop"]
    assert sop["disahkan_oleh"] == {"jabatan": "Kepala Dinas Komunikasi, Informatika dan Statistik",
                                    "nama": "Ir. Asmawi Alie, MT", "nip": "19641222 198903 1 009"}
    assert (sop["tanggal_pembuatan"], sop["tanggal_efektif"]) == ("2018-09-04", "2018-09-05")
    assert len(sop["dasar_hukum"]) == 7 and sop["dasar_hukum"][0].startswith("Undang-Undang Nomor 28 Tahun 1959")
    assert doc["pelaksana"]["Kepala Seksi"] == "Kepala Seksi Infrastruktur & Teknologi"


def _runs(definitions: Path, tmp_path: Path, name: str) -> list[list[tuple[str, str]]]:
    """Both example scenarios through the engine: each completed step's task id and lane, in order."""
    engine = Engine(str(tmp_path / f"{name}.db"), definitions_dir=definitions, forms_dir=FORMS, operator="uji")
    runs = []
    try:
        for scenario_file in ("pasang.scenario.yaml", "tunda.scenario.yaml"):
            steps: list[tuple[str, str]] = []
            view = run_scenario(engine, load_scenario(EXAMPLES / scenario_file), on_step=lambda kind, detail: (
                steps.append((detail["task"], detail["lane"])) if kind == "completed" else None))
            assert view.status == "completed"
            runs.append(steps)
    finally:
        engine.close()
    return runs


def test_shipped_workbook_compiles_to_a_diagram_that_runs_like_the_hand_drawn_one(sop: Sop, tmp_path: Path) -> None:
    """`sop compile` of the shipped workbook gives a diagram whose runs complete the same steps in the same lanes as
    definitions/interkoneksi_data_baru.bpmn, on both paths."""
    folder = tmp_path / "definitions"
    folder.mkdir()
    result = sop("compile", str(SHIPPED), "-o", str(folder / "interkoneksi_data_baru.bpmn"))
    assert result.exit_code == 0, result.output
    assert "Wrote process interkoneksi_data_baru (13 steps in 6 lanes)" in result.stderr
    from_workbook = _runs(folder, tmp_path, "xlsx")
    assert from_workbook == _runs(DEFINITIONS, tmp_path, "gambar")
    assert [task for task, _ in from_workbook[1]][4:6] == ["AnalisaTopologi", "LaporanKabid"]


def _script() -> Any:
    spec = importlib.util.spec_from_file_location("sop_workbooks", ROOT / "tools" / "sop_workbooks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_shipped_workbooks_are_what_the_script_writes() -> None:
    """tools/sop_workbooks.py writes the two workbooks in examples/ byte for byte (rerun it after a change)."""
    script = _script()
    for path, data in ((TEMPLATE, script.template_bytes()), (SHIPPED, script.shipped_bytes())):
        assert path.read_bytes() == data
        shipped = openpyxl.load_workbook(path)
        assert shipped.sheetnames == ["Petunjuk", "Identitas", "Pelaksana", "Alur", "Kelengkapan"]
        guide = [row[0] for row in shipped["Petunjuk"].iter_rows(values_only=True) if row[0]]
        assert guide[0] == "Petunjuk pengisian lembar SOP AP (Permen PANRB 35/2012) untuk sop"
        assert any("'Ya: ke 4; Tidak: ke 8'" in line for line in guide)


def test_template_reads_as_the_shared_format_with_fields_and_a_derived_condition() -> None:
    """The template's Kelengkapan sheet becomes each step's `isian`; its Setuju/Perbaiki decision gets its condition
    from the pilihan field, its loop back and its parafs done at the same time read as the table says."""
    doc, _ = workbook_document(TEMPLATE.read_bytes(), str(TEMPLATE))
    assert doc["sop"]["id"] == "penerbitan_surat_keterangan"
    first, check, fix, parafs, last = doc["langkah"]
    assert first["kelengkapan"] == {"nama": "Surat Permohonan", "isian": [
        {"judul": "Nomor surat", "jenis": "nomor surat"}, {"judul": "Perihal", "jenis": "teks"},
        {"judul": "Berkas surat", "jenis": "berkas PDF 5 MB", "bantuan": "Pindaian surat bertanda tangan"}]}
    assert check["keputusan"] == {"pertanyaan": "Lengkap?", "syarat": 'Langkah_2["keputusan"] == "Setuju"',
                                  "ya": 4, "tidak": 3, "label_ya": "Setuju", "label_tidak": "Perbaiki"}
    assert check["kelengkapan"]["isian"][1] == {"judul": "Catatan", "jenis": "teks panjang", "wajib": "tidak",
                                                "bantuan": "Apa yang harus diperbaiki pemohon"}
    assert fix["lanjut"] == 2
    assert [s["pelaksana"] for s in parafs["bersamaan"]] == ["Kepala Bidang", "Sekretaris"]
    assert last["selesai"] == "Surat keterangan diterbitkan"


# --- compile, lint, run, round trip -----------------------------------------------------------------------------


def test_new_sop_workbook_compiles_lints_clean_and_runs_both_paths(make_sop: Callable[..., Sop],
                                                                   tmp_path: Path) -> None:
    """A workbook typed in the test (decision, loop back, parallel pair) compiles, `sop lint`s clean and runs on the
    Setuju path and on the Perbaiki path (back to the applicant, then Setuju)."""
    forms = _forms(tmp_path)
    folder = tmp_path / "defs"
    folder.mkdir()
    (tmp_path / "surat.xlsx").write_bytes(_book())
    cli = make_sop(folder, forms)
    result = cli("compile", str(tmp_path / "surat.xlsx"), "-o", str(folder / "surat_keterangan.bpmn"))
    assert result.exit_code == 0, result.output
    assert "Wrote process surat_keterangan (6 steps in 4 lanes)" in result.stderr
    assert cli.json("lint", str(folder)) == []

    def run(answers: list[str]) -> list[str]:
        started = cli.json("start", "surat_keterangan")
        instance, done = str(started["instance"]), []
        tasks = [t["task"] for t in started["tasks"]]
        while tasks:
            task = tasks[0]
            data = ["--set", f"keputusan={answers.pop(0)}"] if task == "Langkah_2" else ["--set", "catatan=ok"]
            step = cli.json("complete", instance, task, *data)
            done.append(task)
            tasks = [t["task"] for t in step["tasks"]]
        return done

    assert run(["Setuju"]) == ["Langkah_1", "Langkah_2", "Langkah_4_1", "Langkah_4_2", "Langkah_5"]
    assert run(["Perbaiki", "Setuju"]) == ["Langkah_1", "Langkah_2", "Langkah_3", "Langkah_2", "Langkah_4_1",
                                           "Langkah_4_2", "Langkah_5"]


def test_x_in_two_columns_is_a_pair_done_at_the_same_time(tmp_path: Path) -> None:
    """One row with X under two Pelaksana is the same as rows 4a and 4b: one step per Pelaksana, together."""
    flow = [*FLOW[:3], ["4", "Paraf draft surat", None, None, "X", "X", "isian.schema.json", "30 menit", None, None],
            FLOW[5]]
    one_row, _ = read_workbook(_book(flow), "a.xlsx", forms_dir=_forms(tmp_path))
    two_rows, _ = read_workbook(_book(), "b.xlsx", forms_dir=_forms(tmp_path))
    assert [(s.id, s.pelaksana) for s in one_row.rows[3].steps] == [("Langkah_4_1", "Kepala Bidang"),
                                                                    ("Langkah_4_2", "Sekretaris")]
    assert [len(r.steps) for r in one_row.rows] == [len(r.steps) for r in two_rows.rows] == [1, 1, 1, 2, 1]


def test_inserted_row_renumbers_without_changing_where_jumps_go(tmp_path: Path) -> None:
    """A row inserted after row 1 with an empty No: 'Setuju: ke 4', 'Perbaiki: ke 3' and 'ke 2' still reach the
    same steps, now numbered one further down."""
    forms = _forms(tmp_path)
    before, _ = read_workbook(_book(), "a.xlsx", forms_dir=forms)
    inserted = [FLOW[0], [None, "Catat permohonan", None, "X", None, None, "isian.schema.json", "15 menit", None,
                          None], *FLOW[1:]]
    after, _ = read_workbook(_book(inserted), "b.xlsx", forms_dir=forms)

    def jumps(table: Any) -> list[tuple[str, str, str]]:
        kegiatan = {r.id: r.steps[0].kegiatan for r in table.rows}
        out = []
        for row in table.rows:
            if row.keputusan:
                out += [(row.steps[0].kegiatan, "ya", kegiatan[row.keputusan.ya]),
                        (row.steps[0].kegiatan, "tidak", kegiatan[row.keputusan.tidak])]
            elif row.lanjut not in (None, "selesai") and row.lanjut != _next(table, row):
                out.append((row.steps[0].kegiatan, "lanjut", kegiatan[row.lanjut]))
        return out

    assert jumps(after) == jumps(before) == [("Periksa berkas", "ya", "Paraf Kepala Bidang"),
                                             ("Periksa berkas", "tidak", "Perbaiki berkas"),
                                             ("Perbaiki berkas", "lanjut", "Periksa berkas")]
    assert [r.nomor for r in after.rows] == [1, 2, 3, 4, 5, 6]
    assert after.rows[2].keputusan.syarat == 'Langkah_3["keputusan"] == "Setuju"'  # the step's own number


def _next(table: Any, row: Any) -> str | None:
    index = table.rows.index(row)
    return table.rows[index + 1].id if index + 1 < len(table.rows) else None


def test_decompile_to_a_workbook_and_back_gives_the_same_table(sop: Sop, tmp_path: Path) -> None:
    """decompile --xlsx of the diagram, of the YAML table and of a workbook all compile to the diagram's bytes; a
    workbook decompiles to the YAML table."""
    bpmn = tmp_path / "ik.bpmn"
    assert sop("compile", str(TABLE), "-o", str(bpmn)).exit_code == 0
    for source in (DEFINITIONS / "interkoneksi_data_baru.bpmn", TABLE, SHIPPED):
        out = tmp_path / f"{source.name}.xlsx"
        result = sop("decompile", str(source), "--xlsx", str(out))
        assert result.exit_code == 0, result.output
        assert f"Wrote the SOP AP sheet of interkoneksi_data_baru (13 rows) to {out}." in result.stderr
        page = re.compile(r'<bpmn:documentation textFormat="text/x-yaml">.*?</bpmn:documentation>', re.S)
        from_book = sop("compile", str(out)).stdout
        if source == TABLE:
            assert from_book == bpmn.read_text(encoding="utf-8")
        else:  # the pages beside the diagram (identity, lanes' descriptions) are richer than the YAML table's
            docs = re.compile(r"<bpmn:documentation[^>]*>.*?</bpmn:documentation>", re.S)
            assert docs.sub("", from_book) == docs.sub("", bpmn.read_text(encoding="utf-8"))
            kept = page.search(from_book)
            assert kept and "tanggal_pembuatan: '2018-09-04'" in kept.group(0)
            assert "Nomor 28 Tahun 1959" in kept.group(0)
    from_diagram, _ = read_workbook((tmp_path / "interkoneksi_data_baru.bpmn.xlsx").read_bytes(), "x", forms_dir=FORMS)
    assert from_diagram.rows[4].keputusan.syarat == 'AnalisaTopologi["keputusan"] == "pasang"'
    table = sop("decompile", str(SHIPPED))
    assert table.exit_code == 0 and "  dasar_hukum:\n    - Undang-Undang Nomor 28 Tahun 1959" in table.stdout
    assert "    keputusan:\n      pertanyaan: Dipasang?\n" in table.stdout
    both = sop("decompile", str(SHIPPED), "-o", str(tmp_path / "a.sop.yaml"), "--xlsx", str(tmp_path / "a.xlsx"))
    assert both.exit_code == 2 and "not both" in both.stderr


def test_typed_syarat_and_ids_round_trip(tmp_path: Path) -> None:
    """A condition the fields cannot give (column Syarat) and step ids (column Id) are written back and read again."""
    forms = _forms(tmp_path)
    head = [*FLOW_HEAD, "Id", "Syarat"]
    flow = [[*row, None, None] for row in FLOW]
    flow[1][-2:] = ["Periksa", 'Periksa["keputusan"] != "Perbaiki"']
    flow[2][-1:] = [None]
    table, _ = read_workbook(_book(flow, head=head), "a.xlsx", forms_dir=forms)
    assert table.rows[1].steps[0].id == "Periksa"
    assert table.rows[1].keputusan.syarat == 'Periksa["keputusan"] != "Perbaiki"'
    from engine.table.sop_xlsx_write import workbook_bytes

    again, _ = read_workbook(workbook_bytes(table, forms_dir=forms), "b.xlsx", forms_dir=forms)
    assert again == table


# --- refusals, each at its sheet, row and column ----------------------------------------------------------------


def _with_row(index: int, **cells: Any) -> list[list[Any]]:
    flow = [list(row) for row in FLOW]
    for name, value in cells.items():
        flow[index][FLOW_HEAD.index(name.replace("_", " "))] = value
    return flow


@pytest.mark.parametrize(("flow", "expected"), [
    (_with_row(2, Waktu="2 harii"), "Alur, row 4, column Waktu: '2 harii' is not a length of time; write '2 hari'"),
    (_with_row(2, Waktu="sebentar"), "Alur, row 4, column Waktu: 'sebentar' is not a length of time; write it as "
                                     "'30 menit', '1 jam' or '2 hari'"),
    (_with_row(2, Keterangan="ke 12"), "Alur, row 4, column Keterangan: 'ke 12' names no row; the rows are numbered "
                                       "1, 2, 3, 4, 5"),
    (_with_row(1, Keterangan="Setuju: ke 4a; Perbaiki: ke 3"), "Alur, row 3, column Keterangan: 'ke 4a' goes into "
     "one of the steps done at the same time; go to the row: 'ke 4'"),
    (_with_row(2, No=1), "the workbook has 2 problems; fix them and try again:\n"
                         "  - Alur, row 3, column Keterangan: 'ke 3' names no row; the rows are numbered 1, 2, 4, 5\n"
                         "  - Alur, row 4, column No: No 1 is also on row 2; give each row its own number (a new row "
                         "may have an empty No)"),
    (_with_row(2, Pemohon="ok"), "Alur, row 4, column Pemohon: 'ok' is not a mark; put X in the column of who does "
                                 "the step and leave the others empty"),
    (_with_row(2, Pemohon=None), "Alur, row 4: no Pelaksana is marked; put X in the column of who does the step"),
    (_with_row(1, Keterangan="Ya: ke 4; Tidak: ke 3"), "Alur, row 3, column Keterangan: cannot tell when to answer "
     "'Ya': the Kelengkapan needs one ya/tidak or pilihan field whose values are the answers (Ya / Tidak); add it, "
     "or write the condition in column Syarat"),
    (_with_row(1, Keterangan="Setuju: ke 4"), "Alur, row 3, column Keterangan: a decision has two answers, e.g. 'Ya: "
                                              "ke 4; Tidak: ke 8'; this row has 1"),
    (_with_row(1, Keterangan="Diperiksa, Setuju: ke 4; Perbaiki: ke 3"), "Alur, row 3, column Keterangan: "
     "'Diperiksa, Setuju: ke 4; Perbaiki: ke 3' reads like a way on mixed with other words; write it on its own "
     "line, e.g. 'Ya: ke 4; Tidak: ke 8'"),
    ([*FLOW[:3], [4, "Catat", "X", None, None, None, None, None, None, None], *FLOW[3:]],
     "Alur, row 6, column No: No 4 is also on row 5; give each row its own number (a new row may have an empty No)"),
    (_with_row(2, Uraian_Kegiatan=None), "Alur, row 4, column Uraian Kegiatan: the row has no Uraian Kegiatan; write "
                                         "what is done"),
])
def test_a_mistake_in_the_flow_is_named_at_its_cell(flow: list[list[Any]], expected: str, tmp_path: Path) -> None:
    """Each mistake of the flow sheet: exit 1, its sheet, row and column, what to write instead; nothing written."""
    assert _refusal(_book(flow), tmp_path) == expected


def test_every_mistake_is_reported_at_once_and_translated(tmp_path: Path) -> None:
    """Three mistakes on two sheets come in one message, in sheet and row order; in Indonesian under SOP_LANG=id."""
    identity = [*IDENTITY, ["Tanggal Revisi", "kemarin"], ["Dasar hukm", "x"]]
    data = _book(_with_row(2, Waktu="2 harii"), identity=identity)
    assert _refusal(data, tmp_path) == (
        "the workbook has 3 problems; fix them and try again:\n"
        "  - Identitas, row 9, column Isi: Tanggal Revisi 'kemarin' is not a date; write it as 4 September 2018 or "
        "2018-09-04\n"
        "  - Identitas, row 10, column Kolom: 'Dasar hukm' is not a field of the identity page; did you mean "
        "'Dasar Hukum'?\n"
        "  - Alur, row 4, column Waktu: '2 harii' is not a length of time; write '2 hari'")
    said = _refusal(data, tmp_path, lang="id")
    assert said.startswith("buku kerja memiliki 3 masalah; perbaiki lalu coba lagi:\n")
    assert "  - Alur, baris 4, kolom Waktu: '2 harii' bukan lama waktu; tulis '2 hari'" in said
    assert "  - Identitas, baris 10, kolom Kolom: 'Dasar hukm' bukan isian halaman identitas; maksud Anda " \
           "'Dasar Hukum'?" in said


def test_a_mistake_of_meaning_is_named_at_its_row(tmp_path: Path) -> None:
    """What only the whole table shows (a loop with no way out) is named at the row of the flow sheet."""
    flow = _with_row(5, Keterangan="ke 1")
    said = _refusal(_book(flow), tmp_path)
    assert said == ("Alur, row 2: rows 1, 2, 3, 4, 5 form a loop with no way out: none of them leads to the end; give "
                    "one of them a keputusan that leaves the loop, or a selesai")


def _sheet_edit(edit: Callable[[Any], None]) -> bytes:
    return _book(extra=edit)


def _formula(book: Any) -> None:
    book["Alur"]["H3"] = "=1+1"


def _merged(book: Any) -> None:
    book["Alur"].merge_cells("F3:F4")


def _far(book: Any) -> None:
    book["Alur"].cell(row=1200, column=2, value="lupa")


def _kinds(book: Any) -> None:
    sheet = book.create_sheet("Kelengkapan")
    sheet.append(["No", "Kelengkapan", "Isian", "Jenis", "Wajib"])
    sheet.append([1, "Permohonan", "Nomor surat", "nomor surt", "ya"])
    sheet.append([9, "Permohonan", "Perihal", "teks", "mungkin"])


def _lane_sheet(book: Any) -> None:
    sheet = book.create_sheet("Pelaksana")
    sheet.append(["Nama", "Uraian"])
    for lane in ["Pemohon", "Kepala Seksi", "Kepala Bidang", "Sekretariss"]:
        sheet.append([lane, "jabatan"])


@pytest.mark.parametrize(("edit", "expected"), [
    (_formula, "Alur, row 3: cell H3 holds a formula (=1+1); type the value itself"),
    (_merged, "Alur, row 3: cells F3:F4 are merged; unmerge them and type the value in each cell"),
    (_far, "Alur: sop reads at most 1000 rows and 60 columns of a sheet, and there is text beyond them (B1200); move "
           "it into the table or delete it"),
    (lambda book: setattr(book["Alur"], "title", "Alr"),
     "the workbook has 2 problems; fix them and try again:\n  - sheet 'Alr' is not a sheet sop reads; did you mean "
     "'Alur'?\n  - the workbook has no sheet 'Alur'; sheets: Identitas, Alr. Add it (see the template workbook)"),
    (_kinds, "the workbook has 4 problems; fix them and try again:\n"
             "  - Alur, row 2, column Kelengkapan: the row names a form file and also has fields on sheet Kelengkapan; "
             "keep one\n"
             "  - Kelengkapan, row 2, column Jenis: unknown jenis 'nomor surt'; did you mean 'nomor surat'? The kinds "
             "are: teks, teks panjang, angka, tanggal, waktu, pilihan: a / b / c, ya/tidak, NIP, NIK, nomor surat, "
             "e-mail, telepon, berkas PDF 5 MB, berkas gambar 5 MB, berkas PDF/gambar 5 MB, daftar <jenis>\n"
             "  - Kelengkapan, row 3, column Wajib: 'mungkin' is neither ya nor tidak\n"
             "  - Kelengkapan, row 3, column No: No 9 names no row of sheet Alur"),
    (_lane_sheet, "the workbook has 3 problems; fix them and try again:\n"
                  "  - Pelaksana: Pelaksana 'Sekretariss' has no column on sheet Alur; add the column or remove the "
                  "Pelaksana\n"
                  "  - Alur, row 1, column Sekretaris: 'Sekretaris' is neither a column of the sheet nor a Pelaksana; "
                  "did you mean 'Sekretariss'?\n"
                  "  - Alur, row 6: no Pelaksana is marked; put X in the column of who does the step"),
])
def test_a_mistake_in_the_workbook_is_named_at_its_sheet(edit: Callable[[Any], None], expected: str,
                                                         tmp_path: Path) -> None:
    """Formulas, merged cells, text beyond the bounds, a misspelt sheet, fields and Pelaksana: named, refused."""
    assert _refusal(_sheet_edit(edit), tmp_path) == expected


def test_a_file_that_is_no_workbook_is_refused_in_words(tmp_path: Path) -> None:
    """A text file, a password-protected (or .xls) file and a damaged one are refused without a traceback."""
    assert _refusal(b"No;Uraian Kegiatan\n1;Ajukan\n", tmp_path) == (
        "the file is not an Excel workbook (.xlsx); save the sheet as .xlsx (in Excel or LibreOffice: Save As, Excel "
        "Workbook)")
    assert _refusal(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), tmp_path) == (
        "the workbook is protected with a password or saved in the old .xls format; remove the password and save it "
        "as an Excel workbook (.xlsx)")
    assert _refusal(_book()[:3000], tmp_path) == (
        "the workbook is damaged and cannot be read; open it in Excel or LibreOffice and save it again as .xlsx")
    missing = Sop(tmp_path / "x.db", DEFINITIONS, FORMS)("compile", str(tmp_path / "nope.xlsx"))
    assert missing.exit_code == 1 and "does not exist" in missing.stderr


def test_the_template_has_the_sop_ap_header(tmp_path: Path) -> None:
    """The template has the SOP AP's two-row header (Pelaksana and Mutu Baku merged over their columns, No and
    Uraian Kegiatan over both rows); merges in the header are read, and a row added under it compiles."""
    book = openpyxl.load_workbook(TEMPLATE)
    assert {"C1:G1", "H1:J1", "A1:A2", "K1:K2"} <= {str(r) for r in book["Alur"].merged_cells.ranges}
    assert book["Alur"]["C1"].value == "Pelaksana" and book["Alur"]["H1"].value == "Mutu Baku"


def test_identity_sheet_reads_lists_dates_and_the_approver(tmp_path: Path) -> None:
    """Identitas: a numbered list in one cell continued on a row without Kolom, a date in words and an Excel date,
    the approver's parts: all under `sop:` with the identity page's keys; a missing Id is made from the name."""
    import datetime as dt

    identity = [row for row in IDENTITY if row[0] != "Id SOP"] + [["Tanggal Pembuatan", dt.datetime(2026, 1, 5)],
                                                                  ["Disahkan oleh (NIP)", "19700101 199503 1 001"]]
    doc, _ = workbook_document(_book(identity=identity), "a.xlsx", forms_dir=_forms(tmp_path))
    assert doc["sop"] == {
        "id": "penerbitan_surat_keterangan", "nama": "Penerbitan Surat Keterangan", "dinas": "Dinas Contoh",
        "tanggal_efektif": "2026-02-02", "tanggal_pembuatan": "2026-01-05",
        "dasar_hukum": ["UU 23/2014 tentang Pemerintahan Daerah", "Permen PANRB 35/2012", "Peraturan Bupati 60/2016"],
        "disahkan_oleh": {"nama": "Nama Kepala Dinas", "nip": "19700101 199503 1 001"}}
    assert doc["pelaksana"] == LANES
    assert doc["langkah"][1]["keputusan"] == {"pertanyaan": "Lengkap?", "syarat": 'Langkah_2["keputusan"] == "Setuju"',
                                              "ya": 4, "tidak": 3, "label_ya": "Setuju", "label_tidak": "Perbaiki"}
    assert doc["langkah"][1]["keterangan"] == "Berkas diperiksa"


def test_decompile_refuses_to_write_over_its_input(sop: Sop, tmp_path: Path) -> None:
    """--xlsx naming the workbook being read is refused before anything is written."""
    path = tmp_path / "a.xlsx"
    shutil.copy(SHIPPED, path)
    result = sop("decompile", str(path), "--xlsx", str(path))
    assert result.exit_code == 1 and "would replace it" in result.stderr
    assert path.read_bytes() == SHIPPED.read_bytes()


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables())
def test_random_tables_round_trip_through_a_workbook(table: Any) -> None:
    """Every generated table (decisions, jumps, loops, rows done at the same time, ids) written as a workbook reads
    back as the same table; only a parallel row's own id, which the sheet has no cell for, becomes Bersamaan_<n>."""
    from dataclasses import replace

    from engine.table.sop_xlsx_write import workbook_bytes

    rename = {r.id: f"Bersamaan_{r.nomor}" for r in table.rows if r.bersamaan}

    def moved(target: str | None) -> str | None:
        return rename.get(target, target) if target else target

    expected = replace(table, rows=tuple(replace(
        r, id=rename.get(r.id, r.id), lanjut=moved(r.lanjut),
        keputusan=replace(r.keputusan, ya=moved(r.keputusan.ya), tidak=moved(r.keputusan.tidak)) if r.keputusan
        else None) for r in table.rows))
    back, _ = read_workbook(workbook_bytes(table), "acak.xlsx")
    assert back == expected


def test_an_id_that_is_no_identifier_is_named_with_one_that_is(tmp_path: Path) -> None:
    """Id SOP with a space is refused at its cell, suggesting the id made from it."""
    identity = [row if row[0] != "Id SOP" else ["Id SOP", "surat keterangan"] for row in IDENTITY]
    assert _refusal(_book(identity=identity), tmp_path) == (
        "Identitas, row 2, column Isi: Id SOP 'surat keterangan' is not an id; use letters, digits and _ only, not "
        "starting with a digit (e.g. surat_keterangan), or leave it empty")


def test_an_enormous_workbook_is_refused_before_it_is_unpacked(tmp_path: Path) -> None:
    """A file over 10 MB, or a small one whose parts unpack to more than 60 MB, is refused by its size alone."""
    import zipfile

    assert _refusal(b"PK\x03\x04" + bytes(11 * 1024 * 1024), tmp_path) == (
        "the workbook is 11 MB; sop reads workbooks of at most 10 MB (an SOP fits in far less: delete pictures and "
        "other sheets)")
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", bytes(61 * 1024 * 1024))
    assert len(bomb.getvalue()) < 1024 * 1024
    assert _refusal(bomb.getvalue(), tmp_path) == (
        "the workbook unpacks to more than 60 MB; an SOP fits in far less: delete pictures and other sheets")


TEMPLATE_DATA: dict[str, tuple[dict[str, Any], list[str]]] = {  # step -> (data, --attach pairs)
    "Langkah_1": ({"nomor_surat": "800/12/DC/2026", "perihal": "Surat keterangan pegawai"},
                  [f"berkas_surat={EXAMPLES / 'berkas' / 'surat-permohonan-dinkes.pdf'}"]),
    "Langkah_3": ({}, [f"berkas_perbaikan={EXAMPLES / 'berkas' / 'surat-permohonan-dinkes.pdf'}"]),
    "Langkah_4_1": ({"diparaf": True, "tanggal_paraf": "2026-02-03"}, []),
    "Langkah_4_2": ({"diparaf": True, "tanggal_paraf": "2026-02-03"}, []),
    "Langkah_5": ({"nomor_surat_keterangan": "800/13/DC/2026", "tanggal": "2026-02-04",
                   "nip_penanda_tangan": "197001011995031001"}, []),
}


def test_template_compiles_with_generated_forms_lints_clean_and_runs_both_paths(make_sop: Callable[..., Sop],
                                                                               tmp_path: Path) -> None:
    """The template workbook, with no hand-written JSON: compiled (its forms generated from sheet Kelengkapan),
    linted clean, and run on the Setuju path and on the Perbaiki path (back to the applicant, then Setuju) with the
    two parafs done at the same time."""
    definitions, forms = tmp_path / "definitions", tmp_path / "forms"
    definitions.mkdir()
    forms.mkdir()
    shutil.copy(DEFINITIONS / "calendar.yaml", definitions)
    cli = make_sop(definitions, forms)
    result = cli("compile", str(TEMPLATE), "-o", str(definitions / "penerbitan_surat_keterangan.bpmn"))
    assert result.exit_code == 0, result.output
    assert "Wrote process penerbitan_surat_keterangan (6 steps in 5 lanes)" in result.stderr
    assert (forms / "penerbitan_surat_keterangan.Langkah_2.schema.json").is_file()
    assert cli.json("lint", str(definitions)) == []
    bpmn = definitions / "penerbitan_surat_keterangan.bpmn"
    assert cli("decompile", str(bpmn), "--xlsx", str(tmp_path / "back.xlsx")).exit_code == 0
    back, _ = read_workbook((tmp_path / "back.xlsx").read_bytes(), "back.xlsx", forms_dir=forms)
    assert [len(s.isian) for _, s in back.steps()] == [3, 2, 1, 2, 2, 3]  # the fields, given back from the forms
    assert cli("compile", str(tmp_path / "back.xlsx")).stdout == bpmn.read_text(encoding="utf-8")

    def run(answers: list[str]) -> list[str]:
        instance = str(cli.json("start", "penerbitan_surat_keterangan")["instance"])
        done, tasks = [], ["Langkah_1"]
        while tasks:
            task = tasks[0]
            data, attach = TEMPLATE_DATA.get(task, ({"keputusan": answers.pop(0)} if task == "Langkah_2" else {},
                                                    []))
            files = [arg for pair in attach for arg in ("--attach", pair)]
            step = cli("complete", instance, task, "--data", "-", *files, "--json", input=json.dumps(data))
            assert step.exit_code == 0, step.output
            done.append(task)
            tasks = [t["task"] for t in json.loads(step.stdout)["tasks"]]
        return done

    assert run(["Setuju"]) == ["Langkah_1", "Langkah_2", "Langkah_4_1", "Langkah_4_2", "Langkah_5"]
    assert run(["Perbaiki", "Setuju"]) == ["Langkah_1", "Langkah_2", "Langkah_3", "Langkah_2", "Langkah_4_1",
                                           "Langkah_4_2", "Langkah_5"]


def test_an_id_used_twice_is_named_at_both_rows(tmp_path: Path) -> None:
    """Column Id giving two steps one data key is refused at the second, naming the first."""
    flow = [[*row, None] for row in FLOW]
    flow[0][-1] = flow[2][-1] = "Ajukan"
    assert _refusal(_book(flow, head=[*FLOW_HEAD, "Id"]), tmp_path) == (
        "Alur, row 4, column Id: Id Ajukan is also on row 2; give each step its own Id")


def test_lint_reads_a_workbook_in_one_pass_at_its_cells(sop: Sop, tmp_path: Path) -> None:
    """`sop lint FILE.xlsx`: the template is clean (exit 0); a mistake of the sheet is named at its sheet, row and
    column (exit 1) and one of meaning at its row, in the reader's language; a file that is no workbook is one
    problem, never a traceback."""
    clean = sop("lint", str(TEMPLATE))
    assert clean.exit_code == 0, clean.output
    book = openpyxl.load_workbook(TEMPLATE)
    flow = book["Alur"]
    for row in range(1, flow.max_row + 1):
        if flow.cell(row, 1).value == 3:
            flow.cell(row, 9).value = "2 harii"
    bad = tmp_path / "salah.xlsx"
    book.save(bad)
    result = sop("lint", str(bad), "--json")
    assert result.exit_code == 1
    assert [(p["severity"], p["message"]) for p in json.loads(result.stdout)] == [
        ("error", f"{bad}: Alur, row 5, column Waktu: '2 harii' is not a length of time; write '2 hari'")]
    (tmp_path / "bukan.xlsx").write_bytes(b"PK\x03\x04 not a workbook")
    said = sop("lint", str(tmp_path / "bukan.xlsx"))
    assert said.exit_code == 1 and "Traceback" not in said.output and "bukan.xlsx" in said.output
