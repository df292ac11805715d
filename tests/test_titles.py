"""A subject for every request: the YAML page's `judul` names the fields that make it; lint and loading refuse a
field the step's form lacks (naming the path and the step); until the step is done the title is the process's name
and number; the title is shown by `sop show`, `instances`, `tasks`, their JSON and the web's lists."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conftest import DATA, Sop, copy_definitions


def _with_title(tmp_path: Path, judul: str) -> tuple[Path, Path]:
    definitions, forms = copy_definitions(tmp_path)
    page = definitions / "interkoneksi_data_baru.yaml"
    text = page.read_text(encoding="utf-8")
    page.write_text(re.sub(r'^judul: .*$', f"judul: {json.dumps(judul)}", text, flags=re.M), encoding="utf-8")
    return definitions, forms


@pytest.mark.parametrize(("judul", "said"), [
    ("{AjukanPermohonan.pengirim.alamat}", "'alamat' is no field of step 'AjukanPermohonan''s form "
                                           "surat_permohonan.schema.json"),
    ("{AjukanSurat.perihal}", "the process has no step 'AjukanSurat'"),
    ("{AjukanPermohonan.pengirim}", "'pengirim' is no field"),
    ("tanpa isian", "judul must be text naming a step's fields"),
])
def test_lint_and_loading_refuse_a_title_field_the_form_lacks(tmp_path: Path, judul: str, said: str) -> None:
    """`sop lint` reports the page's line with rule title-invalid and the path and step; `sop start` refuses the
    process with the same words, and creates nothing."""
    definitions, forms = _with_title(tmp_path, judul)
    sop = Sop(tmp_path / "sop.db", definitions, forms)
    linted = sop("lint", "--json")
    assert linted.exit_code == 1
    [problem] = [p for p in json.loads(linted.stdout) if p["rule"] == "title-invalid"]
    assert problem["file"].endswith("interkoneksi_data_baru.yaml") and problem["line"] == 7
    assert said in problem["message"]
    started = sop("start", "interkoneksi_data_baru")
    assert started.exit_code == 1 and said in started.stderr and "title-invalid" in started.stderr
    assert not sop.db.exists()


def test_the_shipped_page_lints_clean_with_its_title(sop: Sop) -> None:
    """The shipped SOP's page names its title from the request letter, and lint finds nothing wrong."""
    page = (Path(__file__).parent.parent / "definitions" / "interkoneksi_data_baru.yaml").read_text(encoding="utf-8")
    assert 'judul: "{AjukanPermohonan.perihal} ({AjukanPermohonan.pengirim.instansi})"' in page
    assert sop("lint").exit_code == 0


def test_the_title_is_the_process_and_number_until_the_letter_then_its_subject(sop: Sop) -> None:
    """Before the letter: "<process name> no. N" (Indonesian under SOP_LANG=id); after it: the letter's subject
    and sender, in show, instances and tasks (text and JSON)."""
    instance = sop.start()
    assert sop.json("show", str(instance))["title"] == "Pelaksanaan Interkoneksi Data Baru no. 1"
    assert sop.json("instances")[0]["title"] == "Pelaksanaan Interkoneksi Data Baru no. 1"
    assert sop("complete", str(instance), "AjukanPermohonan", "--data",
               str(DATA / "01_surat_permohonan.yaml")).exit_code == 0
    subject = "Permohonan pemasangan jaringan komunikasi data (Dinas Kesehatan Kabupaten Bangka)"
    shown = sop.json("show", str(instance))
    assert shown["title"] == subject and shown["process"] == "interkoneksi_data_baru"  # existing keys kept
    [listed] = sop.json("instances")
    assert listed["title"] == subject and listed["instance"] == instance and "started_by" in listed
    [task] = sop.json("tasks")
    assert task["title"] == subject and task["task"] == "DisposisiKadis"
    assert f"title     {subject}" in sop("show", str(instance)).stdout
    assert subject in sop("instances").stdout


def test_the_title_before_the_letter_in_indonesian(sop: Sop, monkeypatch: pytest.MonkeyPatch) -> None:
    """Under SOP_LANG=id the title of a request without its letter reads "... no. 1" in Indonesian words."""
    sop.start()
    monkeypatch.setenv("SOP_LANG", "id")
    assert "judul     Pelaksanaan Interkoneksi Data Baru no. 1" in sop("show", "1").stdout


def test_a_store_from_before_titles_gets_them_from_its_events(sop: Sop) -> None:
    """Instances of a store from before titles (schema 9: what schema 10 added removed here) get their title,
    search words and people from their events when first listed."""
    import sqlite3

    instance = sop.start()
    sop("complete", str(instance), "AjukanPermohonan", "--data", str(DATA / "01_surat_permohonan.yaml"))
    with sqlite3.connect(sop.db) as conn:
        conn.executescript("DROP TABLE instance_words; DROP TABLE instance_titles; DROP TABLE instance_people; "
                           "DROP TABLE instance_untitled; PRAGMA user_version = 9;")
    assert sop.json("instances", "--search", "kesehatan")[0]["title"].startswith("Permohonan pemasangan")
