"""The bench docs/measured.md quotes still runs and prints every figure (small sizes here; `make bench` for real)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from conftest import ROOT
from pg_server import find_bin


def test_bench_prints_every_ratio() -> None:
    """A tiny run prints the (a) to (i) lines and a JSON line with every ratio."""
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "run.py"), "--instances", "30", "--rounds", "1", "--repeat", "1",
         "--audit-sizes", "5,20", "--load-instances", "6", "--load-per-worker", "4",
         "--load-runs", "2", "--web-options", "--quick --clients 1,2 --no-postgres"],
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
    assert [line for line in lines if line.startswith("(l) SQLite,  2 clients: GET /")]
    assert figures["l_sqlite_http_to_in_process"] > 0 and figures["l_sqlite_2_to_1"] > 0


def test_web_bench_completes_every_step_it_posts_over_http() -> None:
    """(l) at tiny sizes serves a real `sop serve` to 1, 8 and 32 logged-in clients: every POST it counts was a
    completion (the dispositions left are the store's instances minus the completions made), on SQLite and, where
    a private server can start, PostgreSQL; every figure is a positive number and the server logged no error."""
    result = subprocess.run([sys.executable, str(ROOT / "bench" / "web_bench.py"), "--quick", "--json"],
                            capture_output=True, text=True, timeout=400, check=True)
    lines = result.stdout.strip().splitlines()
    figures = json.loads(lines[-1])
    kinds = ["sqlite"] + (["postgresql"] if find_bin() is not None else [])
    assert figures["l_cpus"] == os.cpu_count() and figures["l_clients"] == [1, 8, 32]
    for kind in kinds:
        got = figures[f"l_{kind}"]
        assert got["server_errors"] == []
        assert got["ready_left"] == figures["l_instances"] - got["completed"]
        for clients in (1, 8, 32):
            listed, done = got[str(clients)]["tasklist"], got[str(clients)]["completion"]
            assert listed["requests"] >= clients and done["completions"] >= clients  # each client did its part
            for figure in (listed["per_s"], listed["p50_ms"], done["per_s"], done["p50_ms"], done["page"]["p50_ms"]):
                assert figure > 0
            assert listed["p99_ms"] >= listed["p50_ms"] and done["p99_ms"] >= done["p50_ms"]
            if os.path.exists("/proc/stat"):  # who used the cores: the server, PostgreSQL's processes, the machine
                assert done["server_ms"] > 0 and done["cores_busy"] > 0
                assert (done["database_ms"] or 0) > 0 if kind == "postgresql" else done["database_ms"] is None
        assert got["in_process"]["kept"]["p50_ms"] > 0 and got["in_process"]["fresh"]["p50_ms"] > 0
        assert figures[f"l_{kind}_http_to_in_process"] > 0 and figures[f"l_{kind}_32_to_1"] > 0
    assert [line for line in lines if line.startswith("(l) SQLite: HTTP completion (POST p50) / in-process")]


def test_search_bench_serves_the_list_and_the_tasklist_pages() -> None:
    """(s) at tiny sizes: `sop serve` answers the request list's searches and the tasklist for 1 and 4 clients,
    every figure a positive number and the server logged no error (the 100,000-instance run is `make bench`'s)."""
    result = subprocess.run([sys.executable, str(ROOT / "bench" / "web_search.py"), "--quick", "--no-postgres",
                             "--json"], capture_output=True, text=True, timeout=400, check=True)
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    got = figures["s_sqlite"]
    assert figures["s_instances"] == 300 and got["server_errors"] == []
    for name in ("search_selective", "search_broad", "tasklist"):
        for clients in (1, 4):
            measured = got[f"{name}_{clients}"]
            assert 0 < measured["p50_ms"] <= measured["p95_ms"] and measured["requests"] >= 4
