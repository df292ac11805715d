"""(d) The dashboard's bench at tiny sizes: it builds its store, times the figures and prints its line (the
100,000-instance run is quoted in docs/measured.md)."""

from __future__ import annotations

import json
import subprocess
import sys

from conftest import ROOT


def test_dashboard_bench_times_the_figures_on_a_built_store() -> None:
    """500 instances over a year: the seven months shown hold steps, some wait now, every figure positive."""
    result = subprocess.run([sys.executable, str(ROOT / "bench" / "dashboard_figures.py"), "--quick", "--no-postgres",
                             "--json"], capture_output=True, text=True, timeout=400, check=True)
    lines = result.stdout.strip().splitlines()
    figures = json.loads(lines[-1])
    got = figures["d_sqlite"]
    assert figures["d_instances"] == 500 and got["steps_in_window"] > 2000 and got["waiting"] == 25
    for name in ("summary", "heat"):
        assert 0 < got[name]["p50_ms"] <= got[name]["p95_ms"] and got[name]["calls"] == 3
    assert lines[0].startswith("(d) SQLite, 500 instances over a year")
