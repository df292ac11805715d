"""The `sop` CLI as an operator uses it: both SOP paths end to end, the JSON contract, forms and templates."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from conftest import DATA, EXAMPLES, ROOT, Sop

from engine.common.yamlio import parse_yaml
from engine.ops.scenarios import load_scenario

LANES = {"OPD", "Kepala Dinas", "Kepala Bidang", "Kepala Seksi", "Tim Teknis Jaringan", "Sekretaris"}


def _walk(sop: Sop, scenario_file: str) -> tuple[int, list[str]]:
    """Take one instance through a scenario with `sop tasks` and `sop complete`, one CLI call (fresh load) each."""
    scenario = load_scenario(EXAMPLES / scenario_file)
    instance = sop.start()
    seen_lanes = []
    for step in scenario.steps:
        ready = sop.json("tasks", "--instance", str(instance))
        assert [t["task"] for t in ready] == [step["task"]], f"expected {step['task']} to be the one ready task"
        seen_lanes.append(ready[0]["lane"])
        files = [arg for field, path in step["attach"] for arg in ("--attach", f"{field}={path}")]
        result = sop("complete", str(instance), step["task"], "--data", "-", "--as", step["as"], *files,
                     input=json.dumps(step["data"]))
        assert result.exit_code == 0, result.output
    return instance, seen_lanes


def test_install_path_runs_every_step_in_order(sop: Sop) -> None:
    """The install path visits the 13 steps in the SOP's order and ends completed with every artefact stored."""
    instance, lanes = _walk(sop, "pasang.scenario.yaml")
    shown = sop.json("show", str(instance))
    assert shown["status"] == "completed"
    assert shown["tasks"] == []
    assert list(shown["data"]) == [s["task"] for s in load_scenario(EXAMPLES / "pasang.scenario.yaml").steps]
    assert shown["data"]["AnalisaTopologi"]["keputusan"] == "pasang"
    assert shown["data"]["PemasanganJaringan"]["hasil_uji"] == "berhasil"
    assert set(lanes) == LANES
    assert shown["events"] == 15  # started + 13 steps + completed


def test_postpone_path_skips_specification_topology_and_installation(sop: Sop) -> None:
    """Deciding 'tunda' goes straight to the report and ends with a signed postponement letter."""
    instance, _ = _walk(sop, "tunda.scenario.yaml")
    shown = sop.json("show", str(instance))
    assert shown["status"] == "completed"
    assert not {"DraftSpesifikasi", "DraftTopologi", "PemasanganJaringan"} & set(shown["data"])
    assert shown["data"]["TandaTanganKadis"]["jenis_surat"] == "penundaan"


def test_start_json_contract(sop: Sop) -> None:
    """`sop start --json` gives the instance id, running status and the first ready task."""
    started = sop.json("start", "interkoneksi_data_baru")
    assert started["instance"] == 1
    assert started["status"] == "running"
    assert [t["task"] for t in started["tasks"]] == ["AjukanPermohonan"]


def test_start_prints_the_instance_id(sop: Sop) -> None:
    """Plain `sop start` prints only the new id on stdout, so scripts can capture it."""
    assert sop("start", "interkoneksi_data_baru").stdout.strip() == "1"
    assert sop("start", "interkoneksi_data_baru").stdout.strip() == "2"


def test_tasks_json_has_the_documented_keys(sop: Sop) -> None:
    """Each task in `sop tasks --json` carries instance, task, id, name, lane, form (and sla, since)."""
    sop.start()
    [task] = sop.json("tasks")
    assert {"instance", "task", "id", "name", "lane", "form", "sla", "since", "process"} <= set(task)
    assert task == {**task, "instance": 1, "task": "AjukanPermohonan", "lane": "OPD",
                    "form": "surat_permohonan.schema.json", "sla": "PT30M"}
    assert len(task["id"]) == 36


def test_tasks_filter_by_lane(sop: Sop) -> None:
    """`--lane` keeps only that actor's tasks."""
    first, second = sop.start(), sop.start()
    sop("complete", str(first), "AjukanPermohonan", "--data", str(DATA / "01_surat_permohonan.yaml"))
    kadis = sop.json("tasks", "--lane", "Kepala Dinas")
    assert [(t["instance"], t["task"]) for t in kadis] == [(first, "DisposisiKadis")]
    opd = sop.json("tasks", "--lane", "OPD")
    assert [(t["instance"], t["task"]) for t in opd] == [(second, "AjukanPermohonan")]


def test_tasks_table_is_readable_and_limited(sop: Sop) -> None:
    """The human table has a header and one line per task; a long list is cut with a note on stderr."""
    for _ in range(3):
        sop.start()
    full = sop("tasks")
    lines = full.stdout.strip().splitlines()
    assert lines[0].split()[:3] == ["INSTANCE", "TASK", "ID"]
    assert len(lines) == 4
    limited = sop("tasks", "--limit", "2")
    assert len(limited.stdout.strip().splitlines()) == 3
    assert "Showing the 2 oldest of 3 ready tasks" in limited.stderr
    assert len(sop.json("tasks", "--limit", "0")) == 3


def test_tasks_on_an_empty_store_says_so(sop: Sop) -> None:
    """With nothing ready (a store whose only instance has finished its work here: none), the table is empty and
    stderr says so; JSON is an empty list."""
    from engine.store.opening import open_store

    open_store(str(sop.db), create=True).close()
    result = sop("tasks")
    assert result.exit_code == 0
    assert result.stdout == ""
    assert "No ready tasks" in result.stderr
    assert sop.json("tasks") == []


def test_form_prints_the_pinned_json_schema(sop: Sop) -> None:
    """`sop form` prints the step's JSON Schema."""
    instance = sop.start()
    schema = json.loads(sop("form", str(instance), "AjukanPermohonan").stdout)
    assert schema["title"] == "Surat Permohonan Pemasangan Jaringan"
    assert "pengirim" in schema["required"]


def test_form_template_fills_in_to_a_valid_artefact(sop: Sop) -> None:
    """A template filled with real values (keeping its keys and comments) is accepted by `sop complete`."""
    instance = sop.start()
    template = sop("form", str(instance), "AjukanPermohonan", "--template").stdout
    sifat = "# Sifat - Sifat surat atau disposisi - choices: sangat segera | segera | biasa | rahasia - required"
    assert sifat in template
    skeleton = parse_yaml(template, "template")
    sample = parse_yaml((DATA / "01_surat_permohonan.yaml").read_text(), "sample")
    assert set(skeleton) == {k for k in sample if k != "lampiran"} | {"lampiran"}
    filled = template
    for key, value in sample.items():
        if not isinstance(value, dict):
            filled = filled.replace(f'\n{key}: ""', f"\n{key}: {json.dumps(value)}")
    for key in ("pengirim", "kontak"):
        for sub, value in sample[key].items():
            filled = filled.replace(f'\n  {sub}: ""', f"\n  {sub}: {json.dumps(value)}", 1)
            filled = filled.replace(f'\n  # {sub}: ""', f"\n  {sub}: {json.dumps(value)}", 1)
    result = sop("complete", str(instance), "AjukanPermohonan", "--data", "-", input=filled)
    assert result.exit_code == 0, result.output


def test_complete_with_set_types_values_by_the_form(sop: Sop) -> None:
    """`--set` fills fields, nests dotted keys and keeps a numeric-looking text field as text."""
    instance = sop.start()
    sop("complete", str(instance), "AjukanPermohonan", "--data", str(DATA / "01_surat_permohonan.yaml"))
    result = sop("complete", str(instance), "DisposisiKadis", "--set", "dari=Kepala Dinas",
                 "--set", "kepada=Kepala Bidang E-Government", "--set", "isi=Segera telaah",
                 "--set", "sifat=sangat segera", "--set", "tanggal=2026-11-03", "--set", "nomor_agenda=0042")
    assert result.exit_code == 0, result.output
    stored = sop.json("show", str(instance))["data"]["DisposisiKadis"]
    assert stored["nomor_agenda"] == "0042"
    assert stored["sifat"] == "sangat segera"


def test_set_changes_one_item_of_a_files_list_and_keeps_the_others(sop: Sop) -> None:
    """`--data FILE --set list.0.field=...` changes that item's field only; the file's other items stay."""
    instance = sop.start()
    for task, name in [("AjukanPermohonan", "01_surat_permohonan.yaml"), ("DisposisiKadis", "02_disposisi_kadis.yaml"),
                       ("AnalisaKabid", "03_analisa_kabid.yaml"), ("SurveyTeknis", "04_survey_teknis.yaml")]:
        assert sop("complete", str(instance), task, "--data", str(DATA / name)).exit_code == 0
    result = sop("complete", str(instance), "AnalisaTopologi", "--data", str(DATA / "05_analisa_topologi_pasang.yaml"),
                 "--set", "kebutuhan_perangkat.0.jumlah=5", "--set", "kebutuhan_perangkat.2.jumlah=3")
    assert result.exit_code == 0, result.output
    devices = sop.json("show", str(instance))["data"]["AnalisaTopologi"]["kebutuhan_perangkat"]
    assert [d["jumlah"] for d in devices] == [5, 2, 3]
    assert [d["nama"] for d in devices] == ["Kabel fiber optik single mode (meter)", "Media converter",
                                            "Switch manageable 24 port"]


def test_complete_json_contract_and_actor(sop: Sop) -> None:
    """`sop complete --json` gives instance, status and the next tasks; --as is recorded as the actor."""
    instance = sop.start()
    out = sop.json("complete", str(instance), "AjukanPermohonan", "--data", str(DATA / "01_surat_permohonan.yaml"),
                   "--as", "opd.dinkes")
    assert out["instance"] == instance
    assert out["status"] == "running"
    assert [t["task"] for t in out["tasks"]] == ["DisposisiKadis"]
    assert out["completed"]["task"] == "AjukanPermohonan"
    rows = sop.dump()["events"]
    assert rows[-1][6] == "opd.dinkes"


def test_complete_by_uuid_prefix(sop: Sop) -> None:
    """A task can be named by a unique prefix of its UUID."""
    instance = sop.start()
    [task] = sop.json("tasks")
    result = sop("complete", str(instance), task["id"][:8], "--data", str(DATA / "01_surat_permohonan.yaml"))
    assert result.exit_code == 0, result.output
    assert "Completed 'AjukanPermohonan'" in result.stderr


def test_show_human_output(sop: Sop) -> None:
    """`sop show` names the process by name, its status, the ready task and the documents in the forms' words;
    --audit adds the ids and the data by key."""
    instance = sop.start()
    sop("complete", str(instance), "AjukanPermohonan", "--data", str(DATA / "01_surat_permohonan.yaml"))
    out = sop("show", str(instance)).stdout
    assert "Instance 1: Pelaksanaan Interkoneksi Data Baru (running)" in out
    assert "  Telaah dan disposisi ke Kepala Bidang - Kepala Dinas - ready since " in out
    assert "time allowed 30 minutes" in out and "PT30M" not in out and "DisposisiKadis" not in out
    assert "    Pengirim:\n        Instansi (OPD): Dinas Kesehatan Kabupaten Bangka\n" in out
    assert "instansi:" not in out and "interkoneksi_data_baru" not in out
    audit = sop("show", str(instance), "--audit").stdout
    assert "AjukanPermohonan:" in audit and "instansi: Dinas Kesehatan Kabupaten Bangka" in audit
    assert "process   interkoneksi_data_baru" in audit and "DisposisiKadis" in audit


def test_show_json_contract(sop: Sop) -> None:
    """`sop show --json` has the documented keys."""
    instance = sop.start()
    shown = sop.json("show", str(instance))
    assert {"instance", "process", "version", "status", "started", "tasks", "data"} <= set(shown)
    assert shown["process"] == "interkoneksi_data_baru"
    assert len(shown["version"]) == 64


def test_instances_lists_and_filters_by_status(sop: Sop) -> None:
    """`sop instances --status` separates running from completed instances."""
    _walk(sop, "tunda.scenario.yaml")
    sop.start()
    assert [i["instance"] for i in sop.json("instances")] == [1, 2]
    assert [i["instance"] for i in sop.json("instances", "--status", "completed")] == [1]
    assert [i["instance"] for i in sop.json("instances", "--status", "running")] == [2]
    assert "interkoneksi_data_baru" in sop("instances").stdout


def test_processes_lists_the_sop_with_its_version(sop: Sop) -> None:
    """`sop processes --json` lists id, name, file and the content hash version."""
    [process] = sop.json("processes")
    assert process["id"] == "interkoneksi_data_baru"
    assert process["name"] == "Pelaksanaan Interkoneksi Data Baru"
    assert process["file"].endswith("interkoneksi_data_baru.bpmn")
    assert len(process["version"]) == 64


def test_demo_runs_both_paths(sop: Sop) -> None:
    """`sop demo` runs every example scenario end to end and says so."""
    result = sop("demo", "--examples", str(EXAMPLES))
    assert result.exit_code == 0, result.output
    assert result.stdout.count("is completed") == 2
    assert "13. TindakLanjut" in result.stdout
    assert "10. TindakLanjut" in result.stdout
    assert not sop.db.exists()


def test_help_has_an_example_for_every_command(sop: Sop) -> None:
    """Every command's one-line help carries an example."""
    for command in ("processes", "start", "tasks", "form", "complete", "show", "instances", "demo", "passwd", "claim",
                    "release", "comment"):
        result = sop(command, "--help")
        assert result.exit_code == 0
        assert "Example: sop " in " ".join(result.stdout.split()), command


def test_examples_are_valid_yaml_scenarios() -> None:
    """Every example data file is a YAML object (so operators can copy them)."""
    for path in DATA.glob("*.yaml"):
        assert isinstance(yaml.safe_load(path.read_text()), dict), path


def test_yaml_numbers_keep_their_text_in_text_fields(sop: Sop) -> None:
    """Unquoted 0042 in a text field stays '0042'; 010 in a number field is ten, not octal eight."""
    instance = sop.start()
    sop("complete", str(instance), "AjukanPermohonan", "--data", str(DATA / "01_surat_permohonan.yaml"))
    text = (DATA / "02_disposisi_kadis.yaml").read_text().replace('nomor_agenda: "1187"', "nomor_agenda: 0042")
    assert sop("complete", str(instance), "DisposisiKadis", "--data", "-", input=text).exit_code == 0
    assert sop.json("show", str(instance))["data"]["DisposisiKadis"]["nomor_agenda"] == "0042"
    for task, name in (("AnalisaKabid", "03_analisa_kabid"), ("SurveyTeknis", "04_survey_teknis"),
                       ("AnalisaTopologi", "05_analisa_topologi_pasang")):
        assert sop("complete", str(instance), task, "--data", str(DATA / f"{name}.yaml")).exit_code == 0
    spec = (DATA / "06_draft_spesifikasi.yaml").read_text().replace("vlan_id: 214", "vlan_id: 010")
    assert sop("complete", str(instance), "DraftSpesifikasi", "--data", "-", input=spec).exit_code == 0
    assert sop.json("show", str(instance))["data"]["DraftSpesifikasi"]["vlan_id"] == 10


def test_a_read_only_store_can_still_be_read(sop: Sop, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An archived store on read-only media lists and shows; writing to it is refused with a clear message."""
    import os

    sop.start()
    archive = tmp_path / "arsip"
    archive.mkdir()
    copy = archive / "sop.db"
    copy.write_bytes(sop.db.read_bytes())
    real_access = os.access

    def read_only_media(path: object, mode: int, *args: object, **kwargs: object) -> bool:
        if mode & os.W_OK and str(path).startswith(str(archive)):
            return False  # as on a read-only mount (root would otherwise ignore permission bits)
        return real_access(path, mode)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "access", read_only_media)
    reader = Sop(copy)
    before = copy.read_bytes()
    shown = reader("show", "1", "--json")
    assert shown.exit_code == 0, shown.output
    assert json.loads(shown.stdout)["status"] == "running"
    assert [t["task"] for t in reader.json("tasks")] == ["AjukanPermohonan"]
    result = reader("complete", "1", "AjukanPermohonan", "--data", str(DATA / "01_surat_permohonan.yaml"))
    assert result.exit_code == 1 and "is read-only; nothing was saved" in result.stderr
    assert copy.read_bytes() == before
    assert sorted(p.name for p in archive.iterdir()) == ["sop.db"]


def test_an_archived_store_shows_commits_still_in_its_wal(sop: Sop, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """A read-only copy taken while commits sat in the -wal file still shows them."""
    import os
    import sqlite3

    sop.start()
    keep = sqlite3.connect(sop.db)  # a second connection keeps SQLite from merging the WAL on close
    keep.execute("SELECT count(*) FROM instances").fetchone()
    sop("complete", "1", "AjukanPermohonan", "--data", str(DATA / "01_surat_permohonan.yaml"))
    archive = tmp_path / "arsip"
    archive.mkdir()
    for suffix in ("", "-wal"):
        (archive / f"sop.db{suffix}").write_bytes(Path(f"{sop.db}{suffix}").read_bytes())
    keep.close()
    assert (archive / "sop.db-wal").stat().st_size > 0
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda p, m, *a, **k: False if m & os.W_OK and str(p).startswith(str(archive))
                        else real_access(p, m))
    tasks = Sop(archive / "sop.db").json("tasks")
    assert [t["task"] for t in tasks] == ["DisposisiKadis"]


def test_piping_into_head_ends_quietly(sop: Sop) -> None:
    """When the reader of stdout has gone (`sop show 1 | head -1`), sop ends quietly instead of erroring."""
    import subprocess
    import sys

    sop.start()
    executable = Path(sys.executable).parent / "sop"
    for command in (["show", "1"], ["tasks"], ["instances", "--json"]):
        proc = subprocess.Popen([str(executable), "--db", str(sop.db), *command], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE)
        assert proc.stdout is not None and proc.stderr is not None
        proc.stdout.close()  # the reader is gone before sop writes a byte
        err = proc.stderr.read().decode()
        assert proc.wait(timeout=60) == 0, err
        assert "Error" not in err and "Traceback" not in err


def test_the_console_script_delivers_all_output_and_exit_codes(sop: Sop) -> None:
    """The installed `sop` leaves without tearing the interpreter down, yet every byte reaches a file or a pipe and
    the shell sees 0 for done, 1 for refused and 2 for a usage error."""
    import subprocess
    import sys

    for _ in range(30):
        sop.start()
    executable = str(Path(sys.executable).parent / "sop")
    out = sop.db.parent / "tasks.json"
    with out.open("w") as sink:
        done = subprocess.run([executable, "--db", str(sop.db), "tasks", "--json"], stdout=sink, stderr=subprocess.PIPE,
                              timeout=60)
    assert done.returncode == 0
    assert len(json.loads(out.read_text())) == 30
    piped = subprocess.run([executable, "--db", str(sop.db), "history", "1", "--json"], capture_output=True,
                           timeout=60)
    assert piped.returncode == 0 and json.loads(piped.stdout)
    refused = subprocess.run([executable, "--db", str(sop.db), "show", "999"], capture_output=True, text=True,
                             timeout=60)
    assert refused.returncode == 1 and refused.stderr.startswith("Error: No instance 999")
    usage = subprocess.run([executable, "--db", str(sop.db), "show", "--no-such-option"], capture_output=True,
                           text=True, timeout=60)
    assert usage.returncode == 2 and "No such option" in usage.stderr


def test_listing_commands_import_no_heavy_modules(sop: Sop) -> None:
    """`sop tasks` (also --overdue), `instances`, `show --json`, `history` and `report sla` load neither
    SpiffWorkflow, jsonschema, PyYAML nor lxml (with no roles file to read: who may read what needs the roles)."""
    import subprocess
    import sys

    sop.start()
    for command in ("tasks", "instances", "show 1 --json", "tasks --json", "history 1", "history 1 --json",
                    "tasks --overdue", "report sla"):
        code = (
            "import sys\nfrom runner.cli import cli\n"
            f"cli(['--db', {str(sop.db)!r}, '--definitions', {str(sop.definitions)!r}, *{command.split()!r}], "
            "standalone_mode=False)\n"
            "heavy = sorted({m.split('.')[0] for m in sys.modules}\n"
            "               & {'SpiffWorkflow', 'jsonschema', 'yaml', 'lxml', 'psycopg'})\n"
            "print('HEAVY', heavy, file=sys.stderr)\n"
        )
        result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=ROOT)
        assert "HEAVY []" in result.stderr, (command, result.stderr)


def test_a_command_loads_only_its_own_module(sop: Sop) -> None:
    """`sop tasks` imports none of the other commands' modules; `sop history` imports only the audit commands';
    every command is still listed by `sop --help`."""
    import subprocess
    import sys

    sop.start()
    for command, expected in (("tasks", []), ("history 1", ["runner.cli_audit"]), ("tick", ["runner.cli_time"])):
        code = (
            "import sys\nfrom runner.cli import cli\n"
            f"cli(['--db', {str(sop.db)!r}, '--definitions', {str(sop.definitions)!r}, *{command.split()!r}], "
            "standalone_mode=False)\n"
            "print('LOADED', sorted(m for m in sys.modules if m.startswith('runner.cli_')), file=sys.stderr)\n"
        )
        result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=ROOT)
        assert f"LOADED {expected}" in result.stderr, (command, result.stderr)
    listed = sop("--help").output
    for name in ("history", "verify", "lint", "migrate", "compile", "diagram", "sheet", "db", "tick", "report"):
        assert f"\n  {name} " in listed
