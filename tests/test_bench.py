"""The bench the README quotes still runs and prints every figure (small sizes here; `make bench` for real)."""

from __future__ import annotations

import json
import subprocess
import sys

from conftest import ROOT


def test_bench_prints_every_ratio() -> None:
    """A tiny run prints the (a) to (i) lines and a JSON line with every ratio."""
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "run.py"), "--instances", "30", "--rounds", "1", "--repeat", "1",
         "--audit-sizes", "5,20", "--load-instances", "6", "--load-per-worker", "4",
         "--load-runs", "2"],
        capture_output=True, text=True, timeout=300, check=True,
    )
    lines = result.stdout.strip().splitlines()
    assert [line[:3] for line in lines[:10]] == ["(a)", "(b)", "(c)", "(d)", "(d)", "   ", "(e)", "(f)", "(g)", "(h)"]
    assert lines[6].startswith("(e) `sop history` of the 22-event instance")
    assert [line for line in lines if line.startswith("(i) `sop diagram` of an instance (SVG)")]
    assert [line[:3] for line in lines if line.startswith("(j)")] == ["(j)"] * 10
    figures = json.loads(lines[-1])
    for key in ("a_step_ratio_sync_full", "b_tasks_ratio", "c_bytes_ratio", "e_history_ratio", "f_lint_ratio",
                "h_compile_ratio_to_1s"):
        assert figures[key] > 0
    assert figures["d_audit"]["20"]["replay_ratio"] > 0
    assert figures["instances"] == 30
    assert figures["i_pictures"]["diagram_ratio"] > 0 and figures["i_pictures"]["sheet_ratio"] > 0
    assert figures["j_sqlite_1_per_s"] > 0 and figures["j_postgresql_8_to_1"] > 0
