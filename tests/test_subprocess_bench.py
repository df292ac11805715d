"""(m) The subprocess bench at tiny sizes: it generates its diagrams, loads them, runs both to their end and prints
its lines (the 200-step run is quoted in docs/measured.md)."""

from __future__ import annotations

import json
import subprocess
import sys

from conftest import ROOT


def test_subprocess_bench_loads_and_runs_both_diagrams() -> None:
    """Ten steps in two subprocesses and at the top level: both load, both run to their end, every figure
    positive and each ratio the quotient of its two figures."""
    result = subprocess.run([sys.executable, str(ROOT / "bench" / "subprocess_bench.py"), "--quick", "--json"],
                            capture_output=True, text=True, timeout=300, check=True)
    lines = result.stdout.strip().splitlines()
    got = json.loads(lines[-1])
    assert got["m_steps"] == 10 and lines[0].startswith("(m) a 10-step diagram in subprocesses loads in")
    for key in ("m_load_nested_s", "m_load_flat_s", "m_step_flat_ms", "m_step_nested_ms"):
        assert got[key] > 0, key
    assert abs(got["m_load_ratio"] - got["m_load_nested_s"] / got["m_load_flat_s"]) < 0.1
    assert abs(got["m_step_ratio"] - got["m_step_nested_ms"] / got["m_step_flat_ms"]) < 0.1
