"""What a newcomer reads: times in the office's zone (WIB), a mistyped store or filter as an error, errors as JSON
for scripts, a lane refusal naming who holds the lane."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import yaml
from conftest import DATA, ROOT, Sop, copy_definitions

from engine.common.identity import os_login


def _wib(utc: str) -> str:
    """A stored UTC time as the office reads it (Asia/Jakarta is UTC+7 all year)."""
    return (datetime.fromisoformat(utc) + timedelta(hours=7)).strftime("%Y-%m-%d %H:%M")


def test_tables_show_times_in_wib_while_json_keeps_utc(sop: Sop) -> None:
    """`tasks`, `show`, `instances` and `history` print local times with the zone's name; --json keeps UTC."""
    instance = sop.start()
    [task] = sop.json("tasks")
    assert task["due"].endswith("Z") and task["since"].endswith("Z")
    table = sop("tasks").stdout
    assert f"{_wib(task['since'])} WIB" in table and f"{_wib(task['due'])} WIB" in table
    assert task["due"][:16].replace("T", " ") not in table  # the UTC reading is not shown to people
    shown = sop("show", str(instance)).stdout
    started = sop.json("show", str(instance))["started"]
    assert f"started   {_wib(started)}" in shown and " WIB by " in shown
    assert f"{_wib(started)} WIB" in sop("instances").stdout
    history = sop("history", str(instance)).stdout
    assert f"{_wib(started)}:" in history and " WIB " in history


def test_the_diagram_tags_a_ready_step_with_local_times(sop: Sop, tmp_path: Path) -> None:
    """The ready step's tag on the picture reads `since ... WIB · due ... WIB`."""
    instance = sop.start()
    [task] = sop.json("tasks")
    out = tmp_path / "i.svg"
    assert sop("diagram", str(instance), "-o", str(out)).exit_code == 0
    svg = out.read_text(encoding="utf-8")
    assert f"since {_wib(task['since'])} WIB" in svg and f"due {_wib(task['due'])} WIB" in svg


@pytest.mark.parametrize("command", [["tasks"], ["show", "1"], ["instances"], ["history", "1"], ["verify"],
                                     ["report", "sla"], ["tick"], ["complete", "1", "AjukanPermohonan", "--set",
                                                                    "perihal=x"]])
def test_a_mistyped_store_path_is_an_error_not_an_empty_store(tmp_path: Path, command: list[str]) -> None:
    """A read (or complete) on a store file that does not exist names the path, exits 1 and creates nothing."""
    sop = Sop(tmp_path / "sopp.db")
    result = sop(*command)
    assert result.exit_code == 1, result.output
    assert f"No store at '{sop.db}': the file does not exist. Check --db (or SOP_DB)" in result.stderr
    assert not sop.db.exists()


def test_start_still_creates_the_store(tmp_path: Path) -> None:
    """`sop start` on a new path creates the store, as before."""
    sop = Sop(tmp_path / "baru.db")
    assert sop.start() == 1 and sop.db.exists()


def test_an_unknown_lane_or_process_filter_names_the_known_ones(sop: Sop) -> None:
    """`--lane Kabid` is a usage error listing the lanes; a known lane with nothing ready is an empty listing."""
    sop.start()
    refused = sop("tasks", "--lane", "Kabid")
    assert refused.exit_code == 2
    assert "'Kabid' is no lane of this folder or store" in refused.stderr
    assert "'Kepala Bidang'" in refused.stderr and "'OPD'" in refused.stderr
    near = sop("tasks", "--lane", "Kepala Bidan")
    assert near.exit_code == 2 and "did you mean 'Kepala Bidang'?" in near.stderr
    empty = sop("tasks", "--lane", "kepala  dinas")
    assert empty.exit_code == 0 and "No ready tasks." in empty.stderr
    assert sop.json("tasks", "--lane", "Sekretaris") == []
    process = sop("instances", "--process", "interkoneksi")
    assert process.exit_code == 2 and "Known: 'interkoneksi_data_baru'" in process.stderr
    report = sop("report", "sla", "--process", "cuti")
    assert report.exit_code == 2 and "'cuti' is no process" in report.stderr


def test_errors_are_json_on_stderr_when_json_is_asked(sop: Sop) -> None:
    """With --json a refusal is one JSON object on stderr: error, code, exit (and the form's problems)."""
    instance = sop.start()
    missing = sop("show", "99", "--json")
    assert missing.exit_code == 1 and missing.stdout == ""
    body = json.loads(missing.stderr)
    assert body == {"error": f"No instance 99 in store '{sop.db}'; list them with `sop instances`",
                    "code": "not-found", "exit": 1, "refusal": "NoInstanceError",
                    "fields": {"instance": 99, "db": str(sop.db)}}
    invalid = sop("complete", str(instance), "AjukanPermohonan", "--set", "sifat=kilat", "--json")
    body = json.loads(invalid.stderr)
    assert invalid.exit_code == 1 and body["code"] == "invalid-data" and body["exit"] == 1
    assert 'Sifat (sifat): expected one of: "sangat segera", "segera", "biasa", "rahasia"; given "kilat"' in \
        body["problems"]
    usage = sop("tasks", "--lane", "Kabid", "--json")
    body = json.loads(usage.stderr.splitlines()[-1])
    assert usage.exit_code == 2 and body["code"] == "usage" and "'Kabid' is no lane" in body["error"]
    plain = sop("show", "99")
    assert plain.stderr.startswith("Error: No instance 99")


def test_a_lane_refusal_names_who_holds_the_lane(tmp_path: Path) -> None:
    """Completing a step outside one's lanes says which people hold that lane."""
    definitions, forms = copy_definitions(tmp_path, roles=True)
    people = {os_login(): {"name": "Staf Uji", "nip": "1", "lanes": ["Kepala Dinas"]},
              "opd.dinkes": {"name": "Rina, S.Kom", "nip": "2", "lanes": ["OPD"]},
              "opd.bappeda": {"name": "Andi", "nip": "3", "lanes": ["opd"]}}
    (definitions / "roles.yaml").write_text(yaml.safe_dump(people, sort_keys=False), encoding="utf-8")
    sop = Sop(tmp_path / "s.db", definitions, forms)
    instance = sop.start()
    before = sop.dump()
    refused = sop("complete", str(instance), "AjukanPermohonan", "--data", str(DATA / "01_surat_permohonan.yaml"))
    assert refused.exit_code == 1
    assert "Lane 'OPD' is held by opd.dinkes (Rina, S.Kom), opd.bappeda (Andi)" in refused.stderr
    assert sop.dump() == before


def test_data_can_be_prepared_for_a_step_that_is_not_ready(sop: Sop) -> None:
    """`sop form --process P STEP --template` gives any step's skeleton before the step is reached."""
    template = sop("form", "--process", "interkoneksi_data_baru", "DisposisiKadis", "--template")
    assert template.exit_code == 0, template.output
    assert template.stdout.startswith("# sop complete INSTANCE DisposisiKadis --data FILE")
    assert "# Lembar Disposisi" in template.stdout
    schema = json.loads(sop("form", "--process", "interkoneksi_data_baru", "DisposisiKadis").stdout)
    assert schema["title"] == "Lembar Disposisi"
    unknown = sop("form", "--process", "interkoneksi_data_baru", "Disposisi")
    assert unknown.exit_code == 1 and "has no step 'Disposisi'; its steps: AjukanPermohonan, DisposisiKadis" in \
        unknown.stderr
    assert sop("form", "--process", "interkoneksi_data_baru", "1", "DisposisiKadis").exit_code == 2
    assert sop("form", "DisposisiKadis").exit_code == 2


def test_help_examples_name_what_the_shipped_sop_has() -> None:
    """Every `Example:` in the help names a process, task and file of the definitions folder at hand (here the
    shipped SOP), filled in when the help is shown: runner/ itself names no SOP."""
    from click.testing import CliRunner

    from runner.cli import LAZY_COMMANDS, cli

    steps = {"AjukanPermohonan", "DisposisiKadis", "AnalisaKabid", "SurveyTeknis", "AnalisaTopologi",
             "DraftSpesifikasi", "DraftTopologi", "PemasanganJaringan", "LaporanKabid", "ParafKabid",
             "ParafSekretaris", "TandaTanganKadis", "TindakLanjut"}
    folder = ["--definitions", str(ROOT / "definitions")]
    texts = [CliRunner().invoke(cli, [*folder, "--help"]).stdout]
    texts += [CliRunner().invoke(cli, [*folder, name, "--help"]).stdout for name in
              ["processes", "start", "tasks", "form", "complete", "show", "instances", "demo", *LAZY_COMMANDS]]
    assert "{process}" not in " ".join(texts) and "PROCESS --json" not in " ".join(texts)
    examples = " ".join(" ".join(t.split()) for t in texts)
    assert examples.count("Example") >= 15
    for process in re.findall(r"sop (?:start|sheet|form --process|report sla --process) ([a-z_]+)", examples):
        assert process == "interkoneksi_data_baru", process
    for task in re.findall(r"sop (?:complete|form) \d+ ([A-Za-z]+)", examples):
        assert task in steps, task
    for path in re.findall(r"((?:examples|definitions)/[\w./-]+\.(?:yaml|bpmn))", examples):
        assert (ROOT / path).is_file(), path


def test_tables_fit_the_terminal_cutting_names_never_ids(sop: Sop, monkeypatch: pytest.MonkeyPatch) -> None:
    """With a 120-column terminal the task table fits by cutting the step name and form, keeping ids and times;
    piped (no terminal) it prints whole rows."""
    sop.start()
    [task] = sop.json("tasks")
    whole = sop("tasks").stdout.splitlines()
    assert any(len(line) > 120 for line in whole) and task["name"] in whole[1]
    monkeypatch.setenv("COLUMNS", "120")
    cut = sop("tasks").stdout.splitlines()
    assert all(len(line) <= 120 for line in cut), cut
    row = cut[1]
    assert task["task"] in row and task["id"][:8] in row and row.endswith(" WIB")
    assert task["name"] not in row and "…" in row


def test_the_sheet_numbers_its_pages_within_the_whole_document(sop: Sop) -> None:
    """The flowchart pages count the identity page too: the last one reads `halaman N dari N`."""
    html = sop("sheet", "interkoneksi_data_baru").stdout
    pages = html.count('<div class="page ')
    numbers = re.findall(r"\(halaman (\d+) dari (\d+)\)", html)
    assert pages >= 2 and len(numbers) == pages - 1
    assert [int(n) for n, _ in numbers] == list(range(2, pages + 1))
    assert {int(total) for _, total in numbers} == {pages}


def test_paraf_fields_are_filled_from_the_roles_entry_of_the_person_acting(tmp_path: Path) -> None:
    """The paraf form declares its signer's name, NIP and jabatan as taken from the roles file: left out, they are
    filled from the entry of the official the clerk records for; given, the given value stays; the template says so."""
    from conftest import EXAMPLES

    definitions, forms = copy_definitions(tmp_path, roles=True)
    people = yaml.safe_load((definitions / "roles.yaml").read_text(encoding="utf-8"))
    people[os_login()] = {"name": "Petugas TU", "nip": "0", "lanes": ["OPD"], "operator": True}
    (definitions / "roles.yaml").write_text(yaml.safe_dump(people, allow_unicode=True), encoding="utf-8")
    sop = Sop(tmp_path / "s.db", definitions, forms)
    instance = str(sop.start())
    scenario = yaml.safe_load((EXAMPLES / "tunda.scenario.yaml").read_text(encoding="utf-8"))
    for step in scenario["steps"][:6]:
        done = sop("complete", instance, step["task"], "--data", str(EXAMPLES / step["data"]), "--as", step["as"])
        assert done.exit_code == 0, done.output
    template = sop("form", instance, "ParafKabid", "--template").stdout
    assert "filled from your entry in the roles file (person.nip) when left out" in template
    assert "\n  # nip: " in template  # commented out: the roles file gives it
    done = sop("complete", instance, "ParafKabid", "--set", "tanggal=2026-12-03", "--set", "diparaf=true",
               "--set", "pemaraf.jabatan=Plt. Kepala Bidang E-Government", "--as", "kabid.egov")
    assert done.exit_code == 0, done.output
    kabid = people["kabid.egov"]
    [event] = [e for e in sop.json("history", instance) if e["task"] == "ParafKabid"]
    assert event["data"]["pemaraf"] == {"nama": kabid["name"], "nip": kabid["nip"],
                                        "jabatan": "Plt. Kepala Bidang E-Government"}


def test_the_shell_completes_processes_instances_and_ready_tasks(sop: Sop) -> None:
    """With click's completion protocol (what `eval "$(_SOP_COMPLETE=bash_source sop)"` installs), `sop start <TAB>`
    offers the process ids, `sop show <TAB>` the instances, `sop complete 1 <TAB>` the ready task ids."""
    import os
    import subprocess
    import sys

    instance = sop.start()
    executable = str(Path(sys.executable).with_name("sop"))
    options = ["--db", str(sop.db), "--definitions", str(sop.definitions), "--forms", str(sop.forms)]

    def offered(*words: str) -> list[str]:
        line = ["sop", *options, *words, ""]
        env = {**os.environ, "_SOP_COMPLETE": "bash_complete", "COMP_WORDS": " ".join(line),
               "COMP_CWORD": str(len(line) - 1)}
        done = subprocess.run([executable], env=env, capture_output=True, text=True, timeout=60)
        return [item.split(",", 1)[1] for item in done.stdout.splitlines() if "," in item]

    assert "interkoneksi_data_baru" in offered("start")
    assert str(instance) in offered("show")
    assert offered("complete", str(instance)) == ["AjukanPermohonan"]
    script = subprocess.run([executable], env={**os.environ, "_SOP_COMPLETE": "bash_source"}, capture_output=True,
                            text=True, timeout=60).stdout
    assert "_sop_completion" in script and "complete " in script


@pytest.mark.parametrize(("line", "name"), [("time_zone: Asia/Makassar  # WITA", "WITA"),
                                            ('time_zone: "Asia/Jayapura"', "WIT"),
                                            ("time_zone:\n  Asia/Jakarta", "WIB")])
def test_the_office_zone_is_read_from_the_calendar_however_it_is_written(tmp_path: Path, line: str,
                                                                          name: str) -> None:
    """The quick read of calendar.yaml's time_zone line, and the calendar loader for other spellings, agree."""
    from engine.common.local_time import office_times

    shipped = (ROOT / "definitions" / "calendar.yaml").read_text(encoding="utf-8")
    (tmp_path / "calendar.yaml").write_text(shipped.replace("time_zone: Asia/Jakarta          # WIB", line),
                                            encoding="utf-8")
    assert office_times(tmp_path).text("2026-11-30T01:30:00.000Z").endswith(f" {name}")


def test_a_broken_calendar_zone_is_named(tmp_path: Path) -> None:
    """A time_zone that is no zone is a definition error naming the file and the fix."""
    from engine.common.errors import DefinitionError
    from engine.common.local_time import office_times

    shipped = (ROOT / "definitions" / "calendar.yaml").read_text(encoding="utf-8")
    (tmp_path / "calendar.yaml").write_text(shipped.replace("Asia/Jakarta ", "Asia/Bangka "), encoding="utf-8")
    with pytest.raises(DefinitionError, match=r"time_zone 'Asia/Bangka' is not a time zone; use e.g. Asia/Jakarta"):
        office_times(tmp_path)
