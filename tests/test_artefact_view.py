"""Documents in the forms' words: the instance page, the task page's artefacts so far, the history and `sop show` /
`sop history` draw each artefact through its form (titles in form order, Ya/Tidak, "2 November 2026", files by
name, type and size, people by name); keys, hashes and logins only in the audit view; PDFs and pictures open in
the browser, other files download."""

from __future__ import annotations

import json
import re
import shutil
from html import unescape
from pathlib import Path
from typing import Any

import pytest
from conftest import EXAMPLES, FORMS
from web_fixtures import engine_as, logged_in, make_app, office, os_account_audits, started

PDF = EXAMPLES / "berkas" / "surat-permohonan-dinkes.pdf"
PNG = EXAMPLES / "berkas" / "topologi-dinkes.png"
KEYS = ("pindaian_surat", "alamat_lokasi", "sudah_diparaf", "media_type", "sha256", "interkoneksi_data_baru",
        "opd.dinkes", "kabid.egov", "AjukanPermohonan", "PT30M", "PT1H")


@pytest.fixture
def paths(tmp_path: Path) -> dict[str, str]:
    return office(tmp_path)


def _visible(html: str) -> str:
    """The text a person reads in the page's main part: no tags, no audit fold-out, no page heading (the list
    engineer's title), entities decoded, whitespace collapsed."""
    main = html.split("<main", 1)[-1]
    main = re.sub(r'<details class="audit".*?</details>', " ", main, flags=re.S)
    main = re.sub(r"<h1.*?</h1>", " ", main, flags=re.S)
    main = re.sub(r"<(script|style)\b.*?</\1>", " ", main, flags=re.S)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", main)).split())


def _audit(html: str) -> str:
    found = re.search(r'<details class="audit".*?</details>', html, flags=re.S)
    assert found, "the page has no audit view"
    return found.group(0)


def _in_order(text: str, *parts: str) -> None:
    at = -1
    for part in parts:
        found = text.find(part, at + 1)
        assert found > at, f"{part!r} is missing or out of order in {text[:3000]!r}"
        at = found


def test_the_instance_page_reads_as_the_offices_documents(paths: dict[str, str],
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """In Indonesian: the letter's fields by title in the form's order, its date as "2 November 2026", the scan as
    "PDF, 629 B", a paraf as "Ya", people by name and jabatan, the history line in words; no key, hash or login."""
    monkeypatch.setenv("SOP_LANG", "id")
    instance = started(paths, "ParafSekretaris")
    page = logged_in(make_app(paths), "kasi.infra").get(f"/instances/{instance}").get_data(as_text=True)
    text = _visible(page)
    _in_order(text, "Nomor surat 555/214/DINKES/2026", "Tanggal surat 2 November 2026", "Sifat segera",
              "Perihal", "Pengirim Instansi (OPD) Dinas Kesehatan Kabupaten Bangka", "Alamat lokasi pemasangan",
              "Pindaian surat permohonan surat-permohonan-dinkes.pdf (PDF, 629 B)")
    assert "topologi-dinkes.png (Gambar PNG, 130 B)" in text
    assert "Sudah diparaf Ya" in text and "true" not in text
    assert "Siti Aminah, S.KM (Pengelola Data, Dinas Kesehatan (OPD pemohon))" in text
    assert ("Surat Permohonan Pemasangan Jaringan — Nomor surat: 555/214/DINKES/2026; Tanggal surat: "
            "2 November 2026") in text
    assert "Waktu 30 menit" in text  # the ready step's time in words, not PT30M
    for key in KEYS:
        assert key not in text, key
    assert not re.search(r"\b[0-9a-f]{64}\b", text)
    audit = _audit(page)
    assert "opd.dinkes" in audit and re.search(r"\b[0-9a-f]{64}\b", audit) and "interkoneksi_data_baru" in audit
    assert '<details class="audit" id="audit">' in page  # folded until asked
    opened = logged_in(make_app(paths), "kasi.infra").get(f"/instances/{instance}?audit=1").get_data(as_text=True)
    assert '<details class="audit" id="audit" open>' in opened


def test_the_instance_page_in_english(paths: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    """In English: Yes, "PNG image, 130 B", the same date with the English month, "30 minutes"."""
    monkeypatch.setenv("SOP_LANG", "en")
    instance = started(paths, "ParafSekretaris")
    text = _visible(logged_in(make_app(paths), "kasi.infra").get(f"/instances/{instance}").get_data(as_text=True))
    assert "Tanggal surat 2 November 2026" in text and "Disposisi ke Kepala Seksi" in text
    assert "topologi-dinkes.png (PNG image, 130 B)" in text and "(PDF, 629 B)" in text
    assert "Sudah diparaf Yes" in text and "Time allowed 30 minutes" in text
    for key in KEYS:
        assert key not in text, key


def test_the_task_page_shows_the_artefacts_so_far_as_documents(paths: dict[str, str],
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """The Kepala Bidang's report step lists the earlier documents by title, lists as numbered rows, no key."""
    monkeypatch.setenv("SOP_LANG", "id")
    instance = started(paths, "LaporanKabid")
    page = logged_in(make_app(paths), "kabid.egov").get(f"/instances/{instance}/tasks/LaporanKabid")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    block = html[html.index('<section class="artefacts">'):html.index('<section class="step-form">')]
    text = _visible(block)
    assert text.startswith("Kelengkapan sejauh ini")
    _in_order(text, "Ajukan surat permohonan pemasangan jaringan", "Nomor surat", "Telaah dan disposisi",
              "Buat rancangan topologi jaringan", "Titik koneksi Titik koneksi 1 Nama titik Core Diskominfo",
              "Titik koneksi 2", "Gambar topologi topologi-dinkes.png (Gambar PNG, 130 B)")
    assert "Kecepatan terukur (Mbps) 94,5" in text  # a decimal comma in Indonesian
    for key in (*KEYS, "titik_koneksi", "gambar_topologi", "nama_titik"):
        assert key not in text, key
    meta = _visible(html[html.index('<p class="meta">'):html.index("</p>", html.index('<p class="meta">'))])
    assert meta.startswith("Pelaksanaan Interkoneksi Data Baru - Instans")  # the process by name, not its id
    assert "PT" not in meta and "interkoneksi_data_baru" not in meta, meta


def test_the_confirmation_after_completing_says_what_was_recorded(paths: dict[str, str],
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """After the Kepala Dinas completes the disposition, the tasklist confirms it by its form's title and first
    fields, in Indonesian."""
    from web_fixtures import post

    monkeypatch.setenv("SOP_LANG", "id")
    instance = started(paths, "DisposisiKadis")
    client = logged_in(make_app(paths), "kadis")
    fields = {"dari": "Kepala Dinas", "kepada": "Kepala Bidang E-Government", "isi": "Telaah",
              "sifat": "segera", "tanggal": "2026-11-03", "nomor_agenda": "1187"}
    answer = post(client, f"/instances/{instance}/tasks/DisposisiKadis", fields)
    assert answer.status_code == 303, answer.get_data(as_text=True)
    shown = _visible(client.get("/").get_data(as_text=True))
    assert ("'Telaah dan disposisi ke Kepala Bidang' instans 1 selesai: Lembar Disposisi — Dari: Kepala Dinas; "
            "Kepada: Kepala Bidang E-Government. Instans berjalan.") in shown
    assert "DisposisiKadis" not in shown and "running" not in shown


def _download(client: Any, page: str, name: str) -> Any:
    link = re.search(r'href="(/instances/\d+/files/[^"]+)">' + re.escape(name) + "<", page)
    assert link, page
    return client.get(link.group(1))


def test_pdfs_and_pictures_open_in_the_browser_by_their_content(paths: dict[str, str]) -> None:
    """The scan (a PDF) and the topology (a PNG) are sent inline with the type their bytes show, nosniff, no
    script allowed; the picture sandboxed."""
    instance = started(paths, "PemasanganJaringan")
    client = logged_in(make_app(paths), "kasi.infra")
    page = client.get(f"/instances/{instance}").get_data(as_text=True)
    pdf = _download(client, page, "surat-permohonan-dinkes.pdf")
    assert pdf.status_code == 200 and pdf.data == PDF.read_bytes()
    assert pdf.mimetype == "application/pdf"
    assert pdf.headers["Content-Disposition"] == "inline; filename=surat-permohonan-dinkes.pdf"
    assert pdf.headers["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'none'" in pdf.headers["Content-Security-Policy"]
    assert "script-src" not in pdf.headers["Content-Security-Policy"]
    png = _download(client, page, "topologi-dinkes.png")
    assert png.mimetype == "image/png" and png.data == PNG.read_bytes()
    assert png.headers["Content-Disposition"].startswith("inline;")
    assert png.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"


def test_a_file_of_another_type_downloads_whatever_its_name(tmp_path: Path) -> None:
    """A plain-text file attached under the name "surat.pdf" (a form that accepts text) is sent as a download
    of unknown bytes, sandboxed: its name does not make it a PDF."""
    paths = office(tmp_path)
    forms = tmp_path / "forms"
    shutil.copytree(FORMS, forms)
    letter = forms / "surat_permohonan.schema.json"
    schema = json.loads(letter.read_text(encoding="utf-8"))
    schema["properties"]["pindaian_surat"]["x-sop-file"]["accept"].append("text/plain")
    letter.write_text(json.dumps(schema, ensure_ascii=False, indent=2), encoding="utf-8")
    paths["forms"] = str(forms)
    text = tmp_path / "surat.pdf"
    text.write_text("bukan PDF, hanya teks\n", encoding="utf-8")
    engine = engine_as(paths, "tu.umum")
    instance = engine.instances.start("interkoneksi_data_baru").instance
    from engine import read_data_file

    data = read_data_file(str(EXAMPLES / "data" / "01_surat_permohonan.yaml"))
    engine.instance(instance).complete("AjukanPermohonan", data, actor="opd.dinkes",
                                       attach=[("pindaian_surat", str(text))])
    engine.close()
    client = logged_in(make_app(paths), "kadis")
    page = client.get(f"/instances/{instance}").get_data(as_text=True)
    assert "surat.pdf (Berkas teks, 22 B)" in _visible(page) or "surat.pdf (Text file, 22 B)" in _visible(page)
    download = _download(client, page, "surat.pdf")
    assert download.status_code == 200 and download.data == text.read_bytes()
    assert download.mimetype == "application/octet-stream"
    assert download.headers["Content-Disposition"] == "attachment; filename=surat.pdf"
    assert download.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert download.headers["X-Content-Type-Options"] == "nosniff"


def test_only_pdfs_and_script_free_pictures_are_shown_inline() -> None:
    """The type comes from the bytes: a PDF and a PNG are shown, an SVG (it may hold script), a ZIP, text and
    unknown bytes are not."""
    from engine import inline_media_type

    assert inline_media_type(PDF.read_bytes()) == "application/pdf"
    assert inline_media_type(PNG.read_bytes()) == "image/png"
    assert inline_media_type(b"<svg xmlns='http://www.w3.org/2000/svg'><script>x()</script></svg>") is None
    assert inline_media_type(b"PK\x03\x04" + b"\x00" * 40) is None
    assert inline_media_type(b"hello, a plain text") is None
    assert inline_media_type(b"\x00\x01\x02") is None


def _cli(paths: dict[str, str], lang: str, *args: str) -> str:
    from click.testing import CliRunner

    from runner.cli import cli

    os_account_audits(paths)  # the OS account reads every instance (the read rule)
    env = {"SOP_DB": paths["db"], "SOP_DEFINITIONS": paths["definitions"], "SOP_FORMS": paths["forms"],
           "SOP_LANG": lang, "COLUMNS": "400"}
    result = CliRunner().invoke(cli, ["--roles", paths["roles"], *args], env=env)
    assert result.exit_code == 0, result.output
    return str(result.stdout)


@pytest.mark.parametrize(("lang", "words"), [
    ("id", ("Instans 1: Pelaksanaan Interkoneksi Data Baru", "dimulai", "Dokumen sejauh ini:", "Gambar PNG, 130 B",
            "Sudah diparaf: Ya")),
    ("en", ("Instance 1: Pelaksanaan Interkoneksi Data Baru", "started", "Documents so far:", "PNG image, 130 B",
            "Sudah diparaf: Yes")),
])
def test_sop_show_prints_the_documents_in_words(paths: dict[str, str], lang: str, words: tuple[str, ...]) -> None:
    """`sop show`: the process by name, the documents by field title in form order with files in words and
    people by name; --audit adds the keys and hashes; --json keeps its keys."""
    instance = started(paths, "ParafSekretaris")
    out = _cli(paths, lang, "show", str(instance))
    for word in words:
        assert word in out, (word, out[:2000])
    _in_order(out, "      Nomor surat: 555/214/DINKES/2026\n      Tanggal surat: 2 November 2026\n",
              "      Pengirim:\n        Instansi (OPD): Dinas Kesehatan Kabupaten Bangka\n",
              "Pindaian surat permohonan: surat-permohonan-dinkes.pdf (PDF, 629 B)")
    assert "Siti Aminah, S.KM" in out
    documents = out[out.index(words[2]):]
    for key in ("pindaian_surat", "sha256", "opd.dinkes", "true"):
        assert key not in documents, key
    assert "sha256" not in out and "interkoneksi_data_baru" not in out
    audit = _cli(paths, lang, "show", str(instance), "--audit")
    assert "pindaian_surat:" in audit and "interkoneksi_data_baru" in audit
    shown = json.loads(_cli(paths, lang, "show", str(instance), "--json"))
    assert {"instance", "process", "version", "status", "started", "updated", "started_by", "tasks", "data",
            "events", "head_hash", "attachments"} <= set(shown)
    assert shown["process"] == "interkoneksi_data_baru" and shown["started_by"] == "opd.dinkes"


@pytest.mark.parametrize(("lang", "by"), [("id", "Ir. Asmawi Alie, MT"), ("en", "Ir. Asmawi Alie, MT")])
def test_sop_history_summarises_each_step_in_words(paths: dict[str, str], lang: str, by: str) -> None:
    """`sop history`: a completion reads as its form's title and first two fields by title, its actor by name and
    jabatan; --audit keeps the logins and `key=value`; --json keeps its keys."""
    instance = started(paths, "ParafSekretaris")
    out = _cli(paths, lang, "history", str(instance))
    assert "Surat Permohonan Pemasangan Jaringan — Nomor surat: 555/214/DINKES/2026; Tanggal surat: 2 November 2026" \
        in out
    yes = "Ya" if lang == "id" else "Yes"
    assert f"Paraf Surat — Tanggal paraf: 14 November 2026; Sudah diparaf: {yes}" in out  # a block is not a line
    assert by + " (Kepala Dinas Komunikasi, Informatika dan Statistik)" in out
    for key in ("pindaian_surat=", "nomor=", "opd.dinkes", "kadis ", "diparaf=true"):
        assert key not in out, key
    audit = _cli(paths, lang, "history", str(instance), "--audit")
    assert "pindaian_surat=surat-permohonan-dinkes.pdf" in audit and "opd.dinkes" in audit
    events = json.loads(_cli(paths, lang, "history", str(instance), "--json"))
    assert {"seq", "type", "task", "actor", "operator", "data", "hash", "name", "lane", "after_seconds"} <= set(
        events[1])


def test_durations_read_in_words_on_the_offices_calendar(paths: dict[str, str], tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """A step's time in words: working hours and days on the calendar, plain ones on a wall clock; English too."""
    from engine import Engine

    monkeypatch.setenv("SOP_LANG", "id")
    office_engine = engine_as(paths, "tu.umum")
    words = office_engine.time.duration_words
    assert [words(d) for d in ("PT30M", "PT3H", "P2D", "P1DT4H", None)] == [
        "30 menit", "3 jam kerja", "2 hari kerja", "1 hari kerja 4 jam kerja", "-"]
    bare = tmp_path / "bare"
    bare.mkdir()
    wall = Engine(str(tmp_path / "wall.db"), definitions_dir=bare, forms_dir=paths["forms"])
    assert [wall.time.duration_words(d) for d in ("PT3H", "P2D", "PT1M")] == ["3 jam", "2 hari", "1 menit"]
    monkeypatch.setenv("SOP_LANG", "en")
    assert [words(d) for d in ("PT30M", "PT1H", "P2D")] == ["30 minutes", "1 working hour", "2 working days"]
    assert wall.time.duration_words("PT1H") == "1 hour"


def test_a_forms_choices_read_by_their_titles_in_the_forms_order(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """A form whose `sifat` is a `oneOf` of const + title and whose properties list `perihal` first: the page shows
    "Segera (paling lambat 2 hari)" and the subject before the number."""
    monkeypatch.setenv("SOP_LANG", "id")
    paths = office(tmp_path)
    forms = tmp_path / "forms"
    shutil.copytree(FORMS, forms)
    letter = forms / "surat_permohonan.schema.json"
    schema = json.loads(letter.read_text(encoding="utf-8"))
    props = schema["properties"]
    sifat = props["sifat"]
    del sifat["enum"]
    sifat["oneOf"] = [{"const": "segera", "title": "Segera (paling lambat 2 hari)"},
                      {"const": "biasa", "title": "Biasa"}, {"const": "sangat segera", "title": "Sangat segera"},
                      {"const": "rahasia", "title": "Rahasia"}]
    schema["properties"] = {"perihal": props.pop("perihal"), **props}
    letter.write_text(json.dumps(schema, ensure_ascii=False, indent=2), encoding="utf-8")
    paths["forms"] = str(forms)
    instance = started(paths, "DisposisiKadis")
    text = _visible(logged_in(make_app(paths), "kadis").get(f"/instances/{instance}").get_data(as_text=True))
    _in_order(text, "Perihal Permohonan pemasangan jaringan komunikasi data", "Nomor surat 555/214/DINKES/2026",
              "Sifat Segera (paling lambat 2 hari)")


def test_the_reader_follows_the_ui_schema_refs_and_the_office_zone(monkeypatch: pytest.MonkeyPatch) -> None:
    """`ui:order` (with `*`), `ui:title`, `ui:enumNames`, a `$ref` to the form's `$defs`, a date-time in WIB, a
    false boolean as Tidak, a list of plain values as numbered rows, an empty field left out."""
    from zoneinfo import ZoneInfo

    from engine.definitions.artefact_view import ArtefactReader, WordsOf

    monkeypatch.setenv("SOP_LANG", "id")
    schema = {"type": "object", "$defs": {"orang": {"type": "object", "title": "Orang",
                                                     "properties": {"nama": {"type": "string", "title": "Nama"}}}},
              "properties": {"a": {"type": "string", "title": "A"}, "waktu": {"type": "string", "format": "date-time",
                                                                           "title": "Waktu"},
                             "setuju": {"type": "boolean", "title": "Setuju"},
                             "nilai": {"type": "string", "enum": ["x", "y"], "title": "Nilai"},
                             "saksi": {"$ref": "#/$defs/orang"}, "catatan": {"type": "string", "title": "Catatan"},
                             "kata": {"type": "array", "title": "Kata", "items": {"type": "string"}}}}
    ui = {"ui:order": ["setuju", "*", "a"], "nilai": {"ui:enumNames": ["Ex", "Ye"]}, "a": {"ui:title": "Huruf"}}
    reader = ArtefactReader(schema, ui, words=WordsOf(ZoneInfo("Asia/Jakarta")))
    fields = reader.fields({"a": "q", "waktu": "2026-11-03T01:30:00Z", "setuju": False, "nilai": "y",
                            "saksi": {"nama": "Rina"}, "catatan": "", "kata": ["satu", "dua"]})
    assert [(f.title, f.text) for f in fields] == [
        ("Setuju", "Tidak"), ("Waktu", "3 November 2026 08:30 WIB"), ("Nilai", "Ye"), ("Orang", ""), ("Kata", ""),
        ("Huruf", "q")]
    assert [(c.title, c.text) for c in fields[3].children] == [("Nama", "Rina")]
    assert [(c.title, c.text) for c in fields[4].children] == [("Kata 1", "satu"), ("Kata 2", "dua")]
