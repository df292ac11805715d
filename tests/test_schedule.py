"""Tests for due times of ready tasks: set when a task becomes ready, listed and marked overdue by `sop tasks`."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from conftest import DATA, FORMS, Sop

from engine.service.facade import Engine


def engine_at(sop: Sop, now: str) -> Engine:
    """An engine on the test's store whose clock stands at `now`."""
    return Engine(str(sop.db), definitions_dir=sop.definitions, forms_dir=FORMS, clock=lambda: now, operator="penguji")


def test_due_is_ready_time_plus_mutu_baku_in_working_time(sop: Sop) -> None:
    """A request started Friday 16:15 WIB (PT30M) gets 15 minutes before closing and is due Monday 07:45 WIB;
    the disposition it readies on completion Monday 08:00 WIB is due at 08:30 WIB."""
    engine = engine_at(sop, "2026-11-06T09:15:00.000Z")
    [task] = engine.instances.start("interkoneksi_data_baru").tasks
    assert (task.since, task.due) == ("2026-11-06T09:15:00.000Z", "2026-11-09T00:45:00.000Z")
    engine = engine_at(sop, "2026-11-09T01:00:00.000Z")
    from engine.common.yamlio import read_data_file

    view = (
        engine.instance(1).complete("AjukanPermohonan", read_data_file(str(DATA / "01_surat_permohonan.yaml"))).instance
    )
    assert [(t.task, t.since, t.due) for t in view.tasks] == [
        ("DisposisiKadis", "2026-11-09T01:00:00.000Z", "2026-11-09T01:30:00.000Z")]


def test_tasks_marks_overdue_ones_and_lists_only_them_with_overdue(sop: Sop) -> None:
    """Of a task started in January 2026 and one started in 2099, `sop tasks` marks the first OVERDUE,
    `--overdue` lists only it, and `--json` carries due and overdue."""
    engine_at(sop, "2026-01-05T01:00:00.000Z").instances.start("interkoneksi_data_baru")
    engine_at(sop, "2099-01-05T01:00:00.000Z").instances.start("interkoneksi_data_baru")
    table = sop("tasks").stdout.splitlines()
    assert table[0].split()[-1] == "DUE"
    assert table[1].endswith("2026-01-05 08:30 WIB OVERDUE")  # 01:30 UTC, read in the calendar's zone
    assert table[2].endswith("2099-01-05 08:30 WIB")
    listed = sop.json("tasks")
    assert [(t["instance"], t["due"], t["overdue"]) for t in listed] == [
        (1, "2026-01-05T01:30:00.000Z", True), (2, "2099-01-05T01:30:00.000Z", False)]
    assert [t["instance"] for t in sop.json("tasks", "--overdue")] == [1]
    rows = sop("tasks", "--overdue").stdout.splitlines()[1:]
    assert [row.split()[0] for row in rows] == ["1"]


def test_no_overdue_tasks_says_so(sop: Sop) -> None:
    """`sop tasks --overdue` with nothing late says so on stderr and prints nothing."""
    engine_at(sop, "2099-01-05T01:00:00.000Z").instances.start("interkoneksi_data_baru")
    result = sop("tasks", "--overdue")
    assert result.exit_code == 0
    assert result.stdout == ""
    assert "No overdue tasks." in result.stderr


def test_a_new_store_is_group_writable_and_closed_to_others(sop: Sop, tmp_path: Path) -> None:
    """The store file (and so the -wal and -shm SQLite gives the same mode), its file folder and each stored file
    are read-write for their group and closed to other accounts (the store holds password hashes and scans)."""
    from conftest import DATA

    scan = tmp_path / "surat.pdf"
    scan.write_bytes(b"%PDF-1.7\n" + b"0" * 2048)
    old = os.umask(0o022)
    try:
        instance = sop.start()
        done = sop("complete", str(instance), "AjukanPermohonan", "--data", str(DATA / "01_surat_permohonan.yaml"),
                   "--attach", f"pindaian_surat={scan}")
        assert done.exit_code == 0, done.output
    finally:
        os.umask(old)
    folder = Path(str(sop.db) + "-files")
    stored = [p for p in folder.rglob("*") if p.is_file()]
    assert stored
    for path in [Path(str(sop.db) + suffix) for suffix in ("", "-wal", "-shm")] + [folder] + stored:
        if path.exists():
            mode = stat.S_IMODE(path.stat().st_mode)
            wanted = 0o070 if path.is_dir() else 0o060
            assert mode & wanted == wanted and mode & 0o007 == 0, (path, oct(mode))


def test_days_off_are_kept_so_later_commands_skip_the_holidays_import(sop: Sop) -> None:
    """The first command that needs the calendar keeps the year's days off in the store; the next `sop start`
    reads them there and never imports the holidays package (0.2 s)."""
    import subprocess
    import sys

    from conftest import ROOT

    sop.start()
    code = (
        "import sys\nfrom runner.cli import cli\n"
        f"cli(['--db', {str(sop.db)!r}, '--definitions', {str(sop.definitions)!r}, 'start', 'interkoneksi_data_baru'],"
        " standalone_mode=False)\n"
        "print('HOLIDAYS', 'holidays' in sys.modules, file=sys.stderr)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert "HOLIDAYS False" in result.stderr, result.stderr
    assert [t["instance"] for t in sop.json("tasks")] == [1, 2]


def test_a_migrated_instance_keeps_its_due_time(tmp_path: Path) -> None:
    """Moving an instance to a version with an added step keeps the waiting task's since and due; the new step,
    once ready, gets its own due time."""
    from conftest import copy_definitions
    from test_versions import BPMN, _add_step_after_disposisi

    definitions, forms = copy_definitions(tmp_path)
    sop = Sop(tmp_path / "s.db", definitions, forms)
    engine = Engine(
        str(sop.db),
        definitions_dir=definitions,
        forms_dir=forms,
        clock=lambda: "2026-11-02T01:00:00.000Z",
        operator="penguji",
    )
    engine.instances.start("interkoneksi_data_baru")
    from engine.common.yamlio import read_data_file

    engine.instance(1).complete("AjukanPermohonan", read_data_file(str(DATA / "01_surat_permohonan.yaml")))
    engine.close()
    before = sop.json("tasks")
    _add_step_after_disposisi(definitions / BPMN)
    assert sop("migrate", "1").exit_code == 0
    after = sop.json("tasks")
    assert [(t["task"], t["since"], t["due"]) for t in after] == [(t["task"], t["since"], t["due"]) for t in before]
    assert before[0]["due"] == "2026-11-02T01:30:00.000Z"
    done = sop("complete", "1", "DisposisiKadis", "--data", str(DATA / "02_disposisi_kadis.yaml"))
    assert done.exit_code == 0, done.output
    [added] = sop.json("tasks")
    assert added["task"] == "CatatAgenda" and added["due"] is not None
