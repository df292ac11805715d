"""Bad input gets a clear `Error:` line naming the thing and the fix, exit 1 (2 for usage), and changes nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import DATA, Sop, copy_definitions

from runner.cli import cli


@pytest.fixture
def started(sop: Sop) -> Sop:
    """A store with one instance waiting at its first step."""
    sop.start()
    return sop


def _refused(sop: Sop, *args: str, input: str | None = None, code: int = 1) -> str:
    """Run a command that must be refused; return stderr after checking the store did not change."""
    before = sop.dump()
    result = sop(*args, input=input)
    assert result.exit_code == code, result.output
    assert sop.dump() == before, "a refused command changed the store"
    assert "Traceback" not in result.output
    return result.stderr


def test_missing_data_file(started: Sop) -> None:
    """A data file that does not exist is named, with the fix."""
    err = _refused(started, "complete", "1", "AjukanPermohonan", "--data", "no-such-file.yaml")
    assert "Error: Data file 'no-such-file.yaml' does not exist; give the path of a JSON or YAML file" in err


def test_data_file_that_is_not_json_or_yaml(started: Sop, tmp_path: Path) -> None:
    """Broken YAML and broken JSON are reported with the file and line."""
    bad_yaml = tmp_path / "surat.yaml"
    bad_yaml.write_text("nomor: 1\nperihal: [tidak ditutup\n")
    err = _refused(started, "complete", "1", "AjukanPermohonan", "--data", str(bad_yaml))
    assert f"Error: {bad_yaml}:" in err and "not valid YAML" in err
    bad_json = tmp_path / "surat.json"
    bad_json.write_text('{"nomor": "1",\n "perihal": }')
    err = _refused(started, "complete", "1", "AjukanPermohonan", "--data", str(bad_json))
    assert f"Error: {bad_json}:2: not valid JSON" in err


def test_data_that_is_not_an_object(started: Sop) -> None:
    """A list, a scalar or an empty document is refused with a hint to the template."""
    for text, kind in (("- a\n- b\n", "a list"), ("hanya teks\n", "a str")):
        err = _refused(started, "complete", "1", "AjukanPermohonan", "--data", "-", input=text)
        assert f"the data must be an object of field: value pairs, but it is {kind}" in err
        assert "sop form INSTANCE TASK --template" in err
    err = _refused(started, "complete", "1", "AjukanPermohonan", "--data", "-", input="")
    assert "the data is empty; write field: value pairs" in err and "sop form INSTANCE TASK --template" in err


def test_every_schema_violation_is_listed_at_once(started: Sop) -> None:
    """Missing required, wrong type, bad enum, bad pattern and bad format are all reported in one go."""
    data = json.loads(json.dumps(_sample("01_surat_permohonan.yaml")))
    del data["perihal"]
    data["lampiran"] = 3
    data["sifat"] = "kilat"
    data["nomor"] = "/salah"
    data["tanggal"] = "2026-13-45"
    data["kontak"]["email"] = "bukan-email"
    err = _refused(started, "complete", "1", "AjukanPermohonan", "--data", "-", input=json.dumps(data))
    assert "(6 problems); nothing was saved" in err
    for line in (
        "  - Perihal (perihal): is required; fill it in",
        "  - Lampiran (lampiran): expected text; given 3",
        '  - Sifat (sifat): expected one of: "sangat segera", "segera", "biasa", "rahasia"; given "kilat"',
        "  - Nomor surat (nomor): does not have the expected form",
        '  - Tanggal surat (tanggal): expected a date as YYYY-MM-DD, e.g. 2026-12-03; given "2026-13-45"',
        '  - Email (kontak.email): expected an e-mail address, e.g. nama@bangka.go.id; given "bukan-email"',
    ):
        assert line in err


def test_unknown_instance(started: Sop) -> None:
    """An instance id that does not exist is refused for every command that takes one."""
    for args in (("complete", "99", "AjukanPermohonan", "--set", "a=b"), ("show", "99"), ("form", "99", "X"),
                 ("tasks", "--instance", "99")):
        err = _refused(started, *args)
        assert "Error: No instance 99 in store" in err and "sop instances" in err


def test_unknown_task_and_task_not_ready(started: Sop) -> None:
    """A task the process does not have, and one that is not ready yet, get different messages."""
    err = _refused(started, "complete", "1", "TidakAda", "--data", str(DATA / "01_surat_permohonan.yaml"))
    assert "Error: Process interkoneksi_data_baru has no task 'TidakAda'; " in err
    assert "ready in instance 1: 'AjukanPermohonan'" in err
    err = _refused(started, "complete", "1", "DisposisiKadis", "--data", str(DATA / "02_disposisi_kadis.yaml"))
    assert "Error: Task 'DisposisiKadis' of instance 1 is not ready yet; ready: 'AjukanPermohonan'" in err


def test_task_already_completed(started: Sop) -> None:
    """Completing a step twice says it was already completed, by whom and when."""
    started("complete", "1", "AjukanPermohonan", "--data", str(DATA / "01_surat_permohonan.yaml"), "--as", "opd")
    err = _refused(started, "complete", "1", "AjukanPermohonan", "--data", str(DATA / "01_surat_permohonan.yaml"))
    assert "Error: Task 'AjukanPermohonan' of instance 1 was already completed (event 2 by opd at" in err


def test_completing_a_task_of_a_completed_instance(sop: Sop) -> None:
    """Once an instance is completed, no task of it can be completed: its last step names who completed it."""
    assert sop("demo", "--keep", str(sop.db)).exit_code == 0
    err = _refused(sop, "complete", "1", "TindakLanjut", "--data", str(DATA / "13_tindak_lanjut.yaml"))
    assert "Error: Task 'TindakLanjut' of instance 1 was already completed (event 14 by kabid.egov at" in err
    err = _refused(sop, "complete", "2", "DraftSpesifikasi", "--data", str(DATA / "06_draft_spesifikasi.yaml"))
    assert "Error: Instance 2 is completed; its tasks cannot be completed any more" in err


def test_complete_without_data_is_a_usage_error(started: Sop) -> None:
    """Neither --data nor --set is a usage error (exit 2) pointing at the template."""
    err = _refused(started, "complete", "1", "AjukanPermohonan", code=2)
    assert "--data FILE or --set KEY=VALUE" in err and "sop form 1 AjukanPermohonan --template" in err


def test_set_without_equals_is_a_usage_error(started: Sop) -> None:
    """A --set value without '=' is a usage error."""
    err = _refused(started, "complete", "1", "AjukanPermohonan", "--set", "perihal", code=2)
    assert "is not KEY=VALUE" in err


def test_unknown_process(sop: Sop) -> None:
    """Starting a process that is not defined lists the known ones and creates no store."""
    err = _refused(sop, "start", "tidak_ada")
    assert "Error: No process 'tidak_ada' in the definitions; known: interkoneksi_data_baru" in err
    assert not sop.db.exists()


def test_malformed_bpmn_is_named_with_its_line(sop: Sop, tmp_path: Path) -> None:
    """A BPMN that is not well-formed XML is reported with file and line; starting it is refused."""
    definitions, forms = copy_definitions(tmp_path)
    bpmn = definitions / "interkoneksi_data_baru.bpmn"
    lines = bpmn.read_text().splitlines()
    lines[40] = lines[40].replace(">", "", 1)
    bpmn.write_text("\n".join(lines))
    broken = Sop(sop.db, definitions, forms)
    result = broken("processes")
    assert result.exit_code == 1
    assert f"Error: {bpmn}:4" in result.stderr and "not well-formed XML" in result.stderr
    err = _refused(broken, "start", "interkoneksi_data_baru")
    assert "not well-formed XML" in err


def test_missing_form_file_is_named(sop: Sop, tmp_path: Path) -> None:
    """A BPMN that binds a form file the forms folder lacks names the task, the file and the fix."""
    definitions, forms = copy_definitions(tmp_path)
    (forms / "disposisi.schema.json").unlink()
    broken = Sop(sop.db, definitions, forms)
    err = _refused(broken, "start", "interkoneksi_data_baru")
    assert "task 'DisposisiKadis' binds form 'disposisi.schema.json', which is not in the forms folder" in err
    assert "add the file or fix formJsonSchemaFilename" in err


def test_form_that_is_not_valid_json_schema(sop: Sop, tmp_path: Path) -> None:
    """A form that is not valid JSON Schema is named with the offending place."""
    definitions, forms = copy_definitions(tmp_path)
    (forms / "paraf.schema.json").write_text('{"type": "object", "properties": {"nama": {"type": "teks"}}}')
    broken = Sop(sop.db, definitions, forms)
    err = _refused(broken, "start", "interkoneksi_data_baru")
    assert "paraf.schema.json: not a valid JSON Schema 2020-12 at 'properties/nama/type'" in err


def test_db_that_is_not_a_sqlite_database(tmp_path: Path) -> None:
    """A --db file that is not SQLite is refused and left as it was."""
    db = tmp_path / "notes.txt"
    db.write_text("catatan rapat, bukan database\n" * 50)
    sop = Sop(db)
    for args in (("tasks",), ("start", "interkoneksi_data_baru"), ("instances",)):
        result = sop(*args)
        assert result.exit_code == 1
        assert f"Error: '{db}' is not a sop store" in result.stderr
    assert db.read_text() == "catatan rapat, bukan database\n" * 50


def test_unexpected_errors_print_no_traceback(started: Sop, monkeypatch: pytest.MonkeyPatch) -> None:
    """A bug inside the engine is reported as one Error line, never a traceback (SOP_DEBUG=1 shows one)."""
    from engine import InstanceHandle

    def boom(self: InstanceHandle, *args: object) -> None:
        raise RuntimeError("simulated bug")

    monkeypatch.setattr(InstanceHandle, "show", boom)
    result = started("show", "1")
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: internal error: RuntimeError: simulated bug")
    assert "Traceback" not in result.output


def _sample(name: str) -> dict[str, object]:
    from engine.common.yamlio import read_data_file

    return read_data_file(str(DATA / name))


def test_complete_on_a_missing_store_creates_nothing(tmp_path: Path) -> None:
    """Completing a task against a store that does not exist is refused and leaves no file behind."""
    sop = Sop(tmp_path / "belum-ada.db")
    result = sop("complete", "1", "AjukanPermohonan", "--data", str(DATA / "01_surat_permohonan.yaml"))
    assert result.exit_code == 1
    assert f"No store at '{sop.db}': the file does not exist" in result.stderr
    assert not sop.db.exists()


def test_empty_db_path_is_refused(tmp_path: Path) -> None:
    """`--db ""` would be a throwaway in-memory store; it is refused."""
    sop = Sop(tmp_path / "unused.db")
    argv = ["--db", "", "--definitions", str(sop.definitions), "start", "interkoneksi_data_baru"]
    result = sop.runner.invoke(cli, argv)
    assert result.exit_code == 1
    assert "--db is empty" in result.stderr


def test_db_in_a_missing_folder_is_named(tmp_path: Path) -> None:
    """A store path whose folder does not exist says so, rather than 'not a sop store'."""
    result = Sop(tmp_path / "tidak" / "ada" / "sop.db")("start", "interkoneksi_data_baru")
    assert result.exit_code == 1
    assert "does not exist; create it or fix --db" in result.stderr


def test_data_file_that_is_a_folder(started: Sop, tmp_path: Path) -> None:
    """A folder given as the data file is named as a folder."""
    err = _refused(started, "complete", "1", "AjukanPermohonan", "--data", str(tmp_path))
    assert "is a folder; give the path of a JSON or YAML file" in err


def test_instance_id_out_of_range_is_a_usage_error(started: Sop) -> None:
    """An instance id beyond any store's range is a usage error, not a crash."""
    err = _refused(started, "show", "99999999999999999999999", code=2)
    assert "99999999999999999999999" in err
