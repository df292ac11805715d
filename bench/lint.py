"""(f) `sop lint` on the shipped SOP against `sop processes` on the same folder, both as whole processes."""

from __future__ import annotations

import os
import statistics
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run(sop: str, repeat: int) -> tuple[list[str], dict[str, float]]:
    """Median wall time of each command over interleaved runs; returns the lines to print and the figures."""
    folder = str(ROOT / "definitions")
    commands = {
        "lint": [sop, "--definitions", folder, "--forms", str(ROOT / "forms"), "lint", folder],
        "processes": [sop, "--definitions", folder, "--forms", str(ROOT / "forms"), "processes"],
    }
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    for argv in commands.values():  # warm caches and bytecode
        subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True, env=env)
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(repeat):
        for name, argv in commands.items():
            t0 = time.perf_counter()
            subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True, env=env)
            times[name].append(time.perf_counter() - t0)
    lint, processes = (statistics.median(times[name]) for name in ("lint", "processes"))
    line = (f"(f) `sop lint definitions/` {lint * 1000:.1f} ms vs `sop processes` {processes * 1000:.1f} ms -> "
            f"ratio {lint / processes:.2f} (target <= 2)")
    return [line], {"lint_ms": round(lint * 1000, 1), "processes_ms": round(processes * 1000, 1),
                    "f_lint_ratio": round(lint / processes, 2)}
