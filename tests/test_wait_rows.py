"""A wait row of the SOP table (`tunggu: 14 hari kerja`): it compiles to a timer catch event in its lane, reads back
from a diagram as the same row, runs (lint, start, tick), prints on the SOP AP sheet with its own symbol and a
legend, and travels through the workbook; a wait with an artefact, a time or a check is refused at its line."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest
from conftest import DEFINITIONS, ROOT, Sop
from conftest import HandClock as Clock
from picture_tools import SVG, need, need_weasyprint

from engine import Engine, lint_paths
from engine.common.errors import DefinitionError
from engine.common.identity import os_login
from engine.table.sop_bpmn import compile_table
from engine.table.sop_decompile import table_from_bpmn
from engine.table.sop_yaml import check_table, read_table, write_table

FORMS = ROOT / "tests" / "data" / "tenggat" / "forms"
TUNGGU = ROOT / "tests" / "data" / "tunggu" / "definitions" / "tunggu_balasan.bpmn"
MONDAY = "2026-11-02T01:00:00.000Z"  # Monday 2 November 2026, 08:00 WIB
TABLE = """sop:
  id: minta_data
  nama: Permintaan data ke OPD
pelaksana: [Staf, Kepala Seksi]
langkah:
  - id: KirimSurat
    kegiatan: Kirim surat permintaan data
    pelaksana: Staf
    kelengkapan: isian.schema.json
    waktu: 1 jam
  - id: TungguBalasan
    kegiatan: Tunggu balasan OPD
    pelaksana: Staf
    tunggu: 14 hari kerja
  - id: CatatBalasan
    kegiatan: Catat balasan
    pelaksana: Kepala Seksi
    kelengkapan: isian.schema.json
    waktu: 30 menit
"""


def _wait_step(table: Any) -> Any:
    return next(s for _, s in table.steps() if s.id == "TungguBalasan")


def test_a_wait_row_compiles_to_a_timer_in_its_lane_and_reads_back_the_same() -> None:
    """`tunggu: 14 hari kerja` becomes an intermediate timer catch event (P14D) in the Staf lane, drawn as a 36x36
    event; the diagram read back is the same table, and written out says `tunggu: 14 hari kerja` again."""
    table, doc = read_table(TABLE, "minta_data.sop.yaml", forms_dir=FORMS)
    assert _wait_step(table).tunggu == "P14D" and _wait_step(table).menunggu
    bpmn = compile_table(table, "minta_data.sop.yaml", document=doc)
    event = bpmn[bpmn.index('<bpmn:intermediateCatchEvent id="TungguBalasan"'):]
    event = event[:event.index("</bpmn:intermediateCatchEvent>")]
    assert 'name="Tunggu balasan OPD"' in event
    assert "<bpmn:timeDuration>P14D</bpmn:timeDuration>" in event
    lane = bpmn[bpmn.index('name="Staf"'):]
    assert "<bpmn:flowNodeRef>TungguBalasan</bpmn:flowNodeRef>" in lane[:lane.index("</bpmn:lane>")]
    shape = bpmn[bpmn.index('bpmnElement="TungguBalasan"'):]
    assert 'width="36" height="36"' in shape[:shape.index("</bpmndi:BPMNShape>")]
    back = table_from_bpmn(bpmn, "minta_data.bpmn")
    assert back == table
    written = write_table(back)
    assert "tunggu: 14 hari kerja" in written and "P14D" not in written
    assert read_table(written, "again.sop.yaml", forms_dir=FORMS)[0] == table


@pytest.mark.parametrize("written", ["P14D", "14 hari", "14 hari kerja", "14  Hari Kerja"])
def test_a_wait_is_written_in_words_or_iso(written: str) -> None:
    """The wait's time is read by the same parser as waktu: words (with or without 'kerja') or ISO-8601."""
    table, _ = read_table(TABLE.replace("tunggu: 14 hari kerja", f"tunggu: {written}"), "t.sop.yaml")
    assert _wait_step(table).tunggu == "P14D"


def test_a_drawn_wait_reads_as_a_wait_row() -> None:
    """The timer diagram drawn in Camunda Modeler reads as a table whose second row waits three working days."""
    table = table_from_bpmn(TUNGGU.read_text(encoding="utf-8"), "tunggu_balasan.bpmn")
    assert [(r.nomor, r.steps[0].id, r.steps[0].tunggu) for r in table.rows] == [
        (1, "KirimSurat", None), (2, "TungguBalasan", "P3D"), (3, "CatatBalasan", None)]
    assert "tunggu: 3 hari kerja" in write_table(table)


def test_a_wait_given_as_a_date_is_no_table_row() -> None:
    """A wait until a date cannot be a table row: the reading names the event, its line and what a row needs."""
    text = TUNGGU.read_text(encoding="utf-8").replace("<bpmn:timeDuration>P3D</bpmn:timeDuration>",
                                                      "<bpmn:timeDate>2026-12-01</bpmn:timeDate>")
    with pytest.raises(DefinitionError) as caught:
        table_from_bpmn(text, "tunggu_balasan.bpmn")
    assert str(caught.value) == (
        "tunggu_balasan.bpmn:21: wait 'TungguBalasan' gives timeDate 2026-12-01; a table's tunggu is a duration such "
        "as P14D (14 hari kerja); the diagram cannot be read as a table")


@pytest.mark.parametrize(("extra", "key"), [
    ("    kelengkapan: isian.schema.json\n", "kelengkapan"),
    ("    kelengkapan:\n      nama: Balasan\n      isian:\n        - judul: Catatan\n", "kelengkapan"),
    ("    waktu: 1 jam\n", "waktu"),
    ("    periksa:\n      syarat: 'True'\n", "periksa"),
    ("    dapat_dikembalikan: false\n", "dapat_dikembalikan"),
])
def test_a_wait_with_work_is_refused_at_its_line(extra: str, key: str) -> None:
    """A wait row with an artefact, a Mutu Baku time, a check or dapat_dikembalikan is refused at that key's line,
    saying what a wait is and how to fix it."""
    text = TABLE.replace("    tunggu: 14 hari kerja\n", "    tunggu: 14 hari kerja\n" + extra)
    line = text.splitlines().index("    tunggu: 14 hari kerja") + 2  # the line after tunggu
    checked = check_table(text, "t.sop.yaml", forms_dir=FORMS)
    assert [(p.line, p.text()) for p in checked.errors] == [(line, (
        f"row 2 (TungguBalasan), {key}: step 'TungguBalasan' waits (tunggu) and also has {key}; nobody works during "
        f"a wait, so it has no kelengkapan, waktu, periksa or dapat_dikembalikan: move {key} to the step before or "
        f"after it, or remove it"))]
    with pytest.raises(DefinitionError):
        read_table(text, "t.sop.yaml", forms_dir=FORMS)


def test_a_wait_that_is_no_time_or_is_done_at_the_same_time_is_refused() -> None:
    """`tunggu: sampai dibalas` is no length of time; a wait under bersamaan is told to be a row of its own."""
    bad = check_table(TABLE.replace("tunggu: 14 hari kerja", "tunggu: sampai dibalas"), "t.sop.yaml")
    assert [p.text() for p in bad.errors] == [
        "row 2 (TungguBalasan), tunggu: step 'TungguBalasan' has tunggu 'sampai dibalas', which is not a length of "
        "time; write '14 hari kerja', '3 hari', '2 jam' or P14D"]
    together = TABLE.replace("""  - id: TungguBalasan
    kegiatan: Tunggu balasan OPD
    pelaksana: Staf
    tunggu: 14 hari kerja
""", """  - bersamaan:
      - id: TungguBalasan
        kegiatan: Tunggu balasan OPD
        pelaksana: Staf
        tunggu: 14 hari kerja
      - id: Arsipkan
        kegiatan: Arsipkan surat
        pelaksana: Staf
""")
    texts = [p.text() for p in check_table(together, "t.sop.yaml").errors]
    assert any("waits (tunggu) inside bersamaan; a wait is a row of its own" in t for t in texts), texts


@pytest.fixture
def folder(tmp_path: Path) -> dict[str, str]:
    """The table itself in a definitions folder (tables run directly), the Dinas calendar, roles and a store."""
    definitions = tmp_path / "definitions"
    definitions.mkdir()
    (definitions / "minta_data.sop.yaml").write_text(TABLE, encoding="utf-8")
    shutil.copy(DEFINITIONS / "calendar.yaml", definitions)
    roles = ("tu.op: {name: Petugas TU, lanes: [], operator: true}\n"
             "staf.satu: {name: Sari Staf, jabatan: Pengelola Surat, lanes: [Staf, Kepala Seksi]}\n"
             f"{os_login()}: {{name: Petugas Uji, jabatan: Pengelola Surat, lanes: [Staf, Kepala Seksi]}}\n")
    (definitions / "roles.yaml").write_text(roles, encoding="utf-8")
    paths = {"db": str(tmp_path / "t.db"), "definitions": str(definitions), "forms": str(FORMS),
             "roles": str(definitions / "roles.yaml")}
    operator = _engine(paths, Clock("2026-11-01T01:00:00.000Z"), "tu.op")
    operator.context.store(create=True)
    operator.people.apply_roles()
    operator.close()
    return paths


def _engine(paths: dict[str, str], clock: Clock, login: str = "staf.satu") -> Engine:
    return Engine(paths["db"], definitions_dir=paths["definitions"], forms_dir=paths["forms"], clock=clock,
                  operator=login, roles=paths["roles"])


def test_the_compiled_wait_lints_clean_runs_and_fires(folder: dict[str, str], tmp_path: Path) -> None:
    """The table lints clean (as a table and compiled); started, its letter sent Monday 09:00 WIB, the request
    waits 14 working days (to Friday 20 November 09:00 WIB); a tick then fires the wait and 'Catat balasan' is
    ready; the return for revision offers the letter, never the wait; replay and verify agree."""
    table_file = Path(folder["definitions"]) / "minta_data.sop.yaml"
    assert [p for p in lint_paths([table_file], forms_dir=FORMS) if p.severity == "error"] == []
    table, doc = read_table(TABLE, "minta_data.sop.yaml")
    compiled = tmp_path / "minta_data.bpmn"
    compiled.write_text(compile_table(table, document=doc), encoding="utf-8")
    assert [p for p in lint_paths([compiled], forms_dir=FORMS) if p.severity == "error"] == []
    clock = Clock()
    eng = _engine(folder, clock)
    try:
        eng.instances.start("minta_data")
        clock.now = "2026-11-02T02:00:00.000Z"
        eng.instance(1).complete("KirimSurat", {"catatan": "surat dikirim"})
        view = eng.instance(1).show()
        assert view.tasks == ()
        assert [(w.timer, w.name, w.due) for w in view.waiting] == [
            ("TungguBalasan", "Tunggu balasan OPD", "2026-11-20T02:00:00.000Z")]
        clock.now = "2026-11-20T01:59:00.000Z"
        assert eng.time.tick().fired == ()
        clock.now = "2026-11-20T02:00:00.000Z"
        assert [(f.timer, f.tasks) for f in eng.time.tick().fired] == [("TungguBalasan", ("CatatBalasan",))]
        assert [c.task for c in eng.instance(1).return_choices("CatatBalasan")] == ["KirimSurat"]
        done = eng.instance(1).complete("CatatBalasan", {"catatan": "balasan diterima"})
        assert done.instance.status == "completed"
        assert eng.instance(1).replay().divergence is None
        assert [v.problems for v in eng.audit.verify(instances=[1])] == [[]]
    finally:
        eng.close()


def test_sop_compile_and_decompile_keep_the_wait(tmp_path: Path, make_sop: Any) -> None:
    """`sop compile` writes the wait as a timer event; `sop decompile` of that diagram writes the wait row back."""
    source = tmp_path / "minta_data.sop.yaml"
    source.write_text(TABLE, encoding="utf-8")
    sop: Sop = make_sop(tmp_path, FORMS)
    compiled = sop("compile", str(source))
    assert compiled.exit_code == 0, compiled.output
    assert "<bpmn:timeDuration>P14D</bpmn:timeDuration>" in compiled.stdout
    bpmn = tmp_path / "minta_data.bpmn"
    bpmn.write_text(compiled.stdout, encoding="utf-8")
    back = sop("decompile", str(bpmn))
    assert back.exit_code == 0, back.output
    assert "    tunggu: 14 hari kerja\n" in back.stdout


def _sheet_svgs(html: str) -> list[ElementTree.Element]:
    return [ElementTree.fromstring(m) for m in re.findall(r"<svg.*?</svg>", html, flags=re.S)]


def _said(element: ElementTree.Element) -> str:
    return " ".join(" ".join(" ".join(t.itertext()) for t in element.iter(f"{SVG}text")).split())


def test_the_sheet_prints_the_wait_as_a_row_with_its_symbol_and_a_legend(make_sop: Any) -> None:
    """`sop sheet` of the drawn wait: row 2 says 'Tunggu balasan 3 hari kerja', its symbol (a rectangle with a
    clock) stands in the Staf column, Kelengkapan and Output '-', Waktu '3 Hari Kerja'; a legend line under the
    flowchart explains the symbol; the steps keep their own symbols."""
    sop: Sop = make_sop(TUNGGU.parent, FORMS)
    result = sop("sheet", "tunggu_balasan")
    assert result.exit_code == 0, result.output
    (page,) = _sheet_svgs(result.stdout)
    rows = {g.get("data-row"): g for g in page.iter(f"{SVG}g") if g.get("class") == "sheet-row"}
    cells = {c.get("class"): _said(c) for c in rows["2"] if c.tag == f"{SVG}g"}
    assert cells == {"uraian": "Tunggu balasan 3 hari kerja", "kelengkapan": "-", "waktu": "3 Hari Kerja",
                     "output": "-", "keterangan": ""}
    symbols = {g.get("data-step"): g for g in page.iter(f"{SVG}g") if "symbol" in (g.get("class") or "").split()}
    wait = symbols["TungguBalasan"]
    assert wait.get("class") == "symbol symbol-wait" and wait.get("data-row") == "2" and wait.get("data-lane") == "0"
    assert [child.tag.removeprefix(SVG) for child in wait] == ["rect", "circle", "line", "line"]  # the clock
    assert [symbols[s].get("class") for s in ("KirimSurat", "CatatBalasan")] == ["symbol symbol-start",
                                                                                 "symbol symbol-end"]
    (legend,) = [g for g in page.iter(f"{SVG}g") if g.get("class") == "legend"]
    assert _said(legend) == ("Tunggu: permohonan menunggu selama Mutu Baku Waktu (hari kerja), tanpa ada yang "
                             "dikerjakan, lalu berjalan sendiri ke langkah berikutnya")
    assert any(c.tag == f"{SVG}circle" for c in legend)
    grid_bottom = max(float(line.get("y1") or 0) for line in page.iter(f"{SVG}line")
                      if line.get("y1") == line.get("y2") and float(line.get("x2") or 0) > 1000)
    assert min(float(t.get("y") or 0) for t in legend.iter(f"{SVG}text")) > grid_bottom  # under the flowchart


def test_a_sheet_without_a_wait_has_no_legend(make_sop: Any) -> None:
    """The legend is there only for the wait: the shipped SOP's sheet has none."""
    sop: Sop = make_sop(DEFINITIONS, ROOT / "forms")
    result = sop("sheet", "interkoneksi_data_baru")
    assert result.exit_code == 0, result.output
    assert 'class="legend"' not in result.stdout and "symbol-wait" not in result.stdout


def test_the_sheet_of_a_compiled_table_prints_its_wait_in_working_days(make_sop: Any, tmp_path: Path) -> None:
    """The table run directly from the definitions folder prints its wait row: '14 Hari Kerja' in Waktu."""
    definitions = tmp_path / "definitions"
    definitions.mkdir()
    (definitions / "minta_data.sop.yaml").write_text(TABLE, encoding="utf-8")
    sop: Sop = make_sop(definitions, FORMS)
    result = sop("sheet", "minta_data")
    assert result.exit_code == 0, result.output
    (page,) = _sheet_svgs(result.stdout)
    row = next(g for g in page.iter(f"{SVG}g") if g.get("class") == "sheet-row" and g.get("data-row") == "2")
    assert {c.get("class"): _said(c) for c in row if c.tag == f"{SVG}g"}["waktu"] == "14 Hari Kerja"


def test_the_pdf_sheet_says_the_wait_and_its_legend(make_sop: Any, tmp_path: Path) -> None:
    """The PDF's text (pdftotext) holds the wait row, its time in working days and the legend line."""
    need_weasyprint()
    pdftotext = need("pdftotext", "poppler-utils")
    sop: Sop = make_sop(TUNGGU.parent, FORMS)
    out = tmp_path / "tunggu.pdf"
    result = sop("sheet", "tunggu_balasan", "-o", str(out))
    assert result.exit_code == 0, result.output
    flat = " ".join(subprocess.run([pdftotext, "-layout", str(out), "-"], capture_output=True, text=True,
                                   check=True).stdout.split())
    for fragment in ("Tunggu balasan 3 hari kerja", "3 Hari", "Kerja", "Tunggu: permohonan menunggu selama Mutu Baku "
                     "Waktu (hari kerja), tanpa ada yang dikerjakan, lalu berjalan sendiri ke langkah berikutnya"):
        assert fragment in flat, fragment


def test_the_workbook_carries_the_wait_both_ways(tmp_path: Path, make_sop: Any) -> None:
    """Written as the SOP AP workbook, the wait's Waktu cell says 'tunggu 14 hari kerja' (no Kelengkapan); read
    back, the workbook is the same table; `sop decompile --xlsx` and `sop compile` of the workbook keep it."""
    import io

    import openpyxl

    from engine.table.sop_xlsx import read_workbook
    from engine.table.sop_xlsx_write import workbook_bytes

    table, _ = read_table(TABLE, "minta_data.sop.yaml", forms_dir=FORMS)
    data = workbook_bytes(table, forms_dir=FORMS)
    flow = openpyxl.load_workbook(io.BytesIO(data))["Alur"]
    rows = [[c.value for c in row] for row in flow.iter_rows(min_row=1)]
    head = [low or top for top, low in zip(rows[0], rows[1], strict=True)]  # two header rows, as the sheet has
    wait = next(r for r in rows if r[head.index("Uraian Kegiatan")] == "Tunggu balasan OPD")
    assert wait[head.index("Waktu")] == "tunggu 14 hari kerja"
    assert wait[head.index("Kelengkapan")] is None and wait[head.index("Staf")] == "X"
    back, _ = read_workbook(data, "minta_data.xlsx", forms_dir=FORMS)
    assert back == table
    source, book = tmp_path / "minta_data.sop.yaml", tmp_path / "minta_data.xlsx"
    source.write_text(TABLE, encoding="utf-8")
    sop: Sop = make_sop(tmp_path, FORMS)
    written = sop("decompile", str(source), "--xlsx", str(book))
    assert written.exit_code == 0, written.output
    compiled = sop("compile", str(book))
    assert compiled.exit_code == 0, compiled.output
    assert compiled.stdout == sop("compile", str(source)).stdout
    assert "<bpmn:timeDuration>P14D</bpmn:timeDuration>" in compiled.stdout


def test_a_workbook_wait_with_a_form_or_no_time_is_refused_at_its_row(tmp_path: Path) -> None:
    """A wait row typed with a Kelengkapan is refused at its sheet row, saying a wait has none; 'tunggu' alone says
    how to write the time; a wait of no time says what to write."""
    import io

    import openpyxl

    from engine.table.sop_xlsx import read_workbook
    from engine.table.sop_xlsx_write import workbook_bytes

    table, _ = read_table(TABLE, "minta_data.sop.yaml", forms_dir=FORMS)

    def edited(**cells: str) -> bytes:
        book = openpyxl.load_workbook(io.BytesIO(workbook_bytes(table, forms_dir=FORMS)))
        sheet = book["Alur"]
        head = [low.value or top.value for top, low in zip(sheet[1], sheet[2], strict=True)]
        for name, value in cells.items():
            sheet.cell(row=4, column=head.index(name) + 1, value=value)
        out = io.BytesIO()
        book.save(out)
        return out.getvalue()

    for cells, said in (
            ({"Kelengkapan": "isian.schema.json"}, "Alur, row 4: step 'TungguBalasan' waits (tunggu) and also has "
             "kelengkapan; nobody works during a wait, so it has no kelengkapan, waktu, periksa or "
             "dapat_dikembalikan: move kelengkapan to the step before or after it, or remove it"),
            ({"Waktu": "Tunggu"}, "Alur, row 4, column Waktu: 'Tunggu' does not say how long to wait; write e.g. "
             "'tunggu 14 hari kerja'"),
            ({"Waktu": "tunggu sampai dibalas"}, "Alur, row 4: step 'TungguBalasan' has tunggu 'sampai dibalas', "
             "which is not a length of time; write '14 hari kerja', '3 hari', '2 jam' or P14D")):
        with pytest.raises(DefinitionError) as caught:
            read_workbook(edited(**cells), "minta_data.xlsx", forms_dir=FORMS)
        assert str(caught.value) == f"minta_data.xlsx: {said}"


@pytest.mark.parametrize(("lang", "said"), [
    ("en", "step 'TungguBalasan' waits (tunggu) and also has waktu; nobody works during a wait"),
    ("id", "langkah 'TungguBalasan' menunggu (tunggu) dan juga memiliki waktu; selama menunggu tidak ada yang bekerja"),
])
def test_sop_compile_refuses_a_wait_with_a_time_in_the_users_language(
        lang: str, said: str, tmp_path: Path, make_sop: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """`sop compile` of a wait row that also has waktu: exit 1, the file and line, the reason in the user's
    language, no diagram written."""
    monkeypatch.setenv("SOP_LANG", lang)
    source, out = tmp_path / "minta_data.sop.yaml", tmp_path / "out.bpmn"
    source.write_text(TABLE.replace("    tunggu: 14 hari kerja\n", "    tunggu: 14 hari kerja\n    waktu: 1 jam\n"),
                      encoding="utf-8")
    sop: Sop = make_sop(tmp_path, FORMS)
    result = sop("compile", str(source), "-o", str(out))
    assert result.exit_code == 1 and "Traceback" not in result.output and not out.exists()
    assert f"{source}:15: " in result.stderr and said in result.stderr, result.stderr


def test_a_decision_after_a_wait_reads_the_steps_before_it() -> None:
    """A keputusan after a wait may read an earlier step's artefact; reading the wait itself (it writes nothing) is
    refused at the syarat's line, listing the steps there are."""
    after = TABLE.replace("    tunggu: 14 hari kerja\n", "    tunggu: 14 hari kerja\n"
                          "    keputusan: {syarat: '{reads}[\"catatan\"] == \"ok\"', ya: 3, tidak: selesai}\n")
    table, _ = read_table(after.replace("{reads}", "KirimSurat"), "t.sop.yaml", forms_dir=FORMS)
    assert table.rows[1].keputusan is not None and table.rows[1].keputusan.ya == "CatatBalasan"
    bad = check_table(after.replace("{reads}", "TungguBalasan"), "t.sop.yaml", forms_dir=FORMS)
    assert [(p.line, p.text()) for p in bad.errors] == [(15, (
        "row 2 (TungguBalasan), keputusan.syarat: expression 'TungguBalasan[\"catatan\"] == \"ok\"' reads "
        "'TungguBalasan', which is no step of this process (steps: CatatBalasan, KirimSurat); use a step's task id"))]


def test_the_monitoring_form_leaves_the_wait_out(folder: dict[str, str]) -> None:
    """The SOP monitoring form judges the steps people carry out: the wait (nobody's work) is no row of it, and a
    note on it is refused naming the steps there are."""
    from engine import ValidationError

    eng = _engine(folder, Clock(), "tu.op")
    try:
        rows = [(s.nomor, s.task) for s in eng.monev.form("minta_data", "2026-2").steps]
        assert "TungguBalasan" not in [step for _, step in rows]
        assert [step for _, step in rows] == ["KirimSurat", "CatatBalasan"]
        with pytest.raises(ValidationError, match="has no step 'TungguBalasan'; its steps: KirimSurat, CatatBalasan"):
            eng.monev.note("minta_data", "2026-2", step="TungguBalasan", catatan="lama")
    finally:
        eng.close()
