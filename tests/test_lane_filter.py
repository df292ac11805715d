"""Tests that `sop tasks --lane` matches lanes as the roles file does: case and extra spaces ignored."""

from __future__ import annotations

from conftest import DATA, Sop


def test_lane_filter_ignores_case_and_extra_spaces(sop: Sop) -> None:
    """--lane 'kepala  DINAS' lists the task of lane 'Kepala Dinas'; another lane still lists nothing."""
    instance = sop.start()
    done = sop("complete", str(instance), "AjukanPermohonan", "--data", str(DATA / "01_surat_permohonan.yaml"))
    assert done.exit_code == 0, done.output
    for written in ("Kepala Dinas", "kepala  DINAS", " Kepala Dinas "):
        assert [(t["task"], t["lane"]) for t in sop.json("tasks", "--lane", written)] == [
            ("DisposisiKadis", "Kepala Dinas")]
    assert sop.json("tasks", "--lane", "kepala bidang") == []
