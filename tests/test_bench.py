"""The bench the README quotes still runs and prints every figure (small sizes here; `make bench` for real)."""

from __future__ import annotations

import json
import subprocess
import sys

from conftest import ROOT


def test_bench_prints_all_ratios() -> None:
    """A tiny run prints the (a), (b), (c), (d) lines and a JSON line with every ratio."""
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "run.py"), "--instances", "30", "--rounds", "1", "--repeat", "1"],
        capture_output=True, text=True, timeout=300, check=True,
    )
    lines = result.stdout.strip().splitlines()
    assert [line[:3] for line in lines[:4]] == ["(a)", "(b)", "(c)", "(d)"]
    figures = json.loads(lines[-1])
    for key in ("a_step_ratio_sync_full", "b_tasks_ratio", "c_bytes_ratio", "d_compile_ratio_to_1s"):
        assert figures[key] > 0
    assert figures["instances"] == 30
