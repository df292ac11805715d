"""(s) Finding requests at scale: `GET /instances?q=...` (the request list's search) and `GET /` (the tasklist, a
page of 50) served by a real `sop serve` on a store of 100,000 instances, SQLite and PostgreSQL, with 1 and 32
logged-in clients at once.

The store is bench/web_store.py's (every instance waits at the Kepala Dinas's disposition; the Kepala Dinas reads
them all), its requests spread over 20 senders (the title and search words of instance n name "Kesehatan" and
"opdK" with K = n mod 20). Searched: a word 1 request in 20 holds ("opd7": 5% of the store), and a word every
request holds ("jaringan": the whole store matches; the page still shows 50, the count says how many). What carries
the search: SQLite's FTS5 index over the search words (instance_words), PostgreSQL's GIN index over their tsvector
('simple' configuration); the pages read 50 rows by an index on the last change (instances_updated) or the ready
tasks' (since) index. Figures: p50 and p95 of each request's latency, milliseconds.
Run: python bench/web_search.py [--instances 100000] [--quick] [--no-postgres] [--json]
"""

from __future__ import annotations

import argparse
import json
import math
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from web_bench import stores, together  # noqa: E402
from web_clients import Client, Server  # noqa: E402
from web_store import FORMS, OFFICIAL, PASSWORD, build, definitions_copy  # noqa: E402

Figures = dict[str, Any]
SENDERS = 20
QUERIES = {"search_selective": "/instances?view=all&q=opd7", "search_broad": "/instances?view=all&q=jaringan",
           "tasklist": "/"}


def p50_p95(samples: list[float]) -> Figures:
    """p50 and p95 (milliseconds) of latencies in seconds."""
    ordered = sorted(samples)
    return {"p50_ms": round(statistics.median(ordered) * 1000, 1),
            "p95_ms": round(ordered[min(len(ordered) - 1, math.ceil(0.95 * len(ordered)) - 1)] * 1000, 1),
            "requests": len(ordered)}


def spread_senders(url: str) -> None:
    """Give the copied requests 20 different senders in their titles and search words (they were all one)."""
    statement = ("UPDATE instance_titles SET title = title || ' opd' || CAST(instance_id % 20 AS TEXT), "
                 "search = search || ' opd' || CAST(instance_id % 20 AS TEXT)")
    if url.startswith("postgresql://"):
        import psycopg

        with psycopg.connect(url) as conn:
            conn.execute(statement)
            conn.execute("ANALYZE")
        return
    import sqlite3

    lite = sqlite3.connect(url)
    try:
        with lite:
            lite.execute(statement)
        lite.execute("ANALYZE")
    finally:
        lite.close()


def get_work(path: str, requests: int) -> Any:
    """Each client GETs path `requests` times; every answer must be 200 with rows."""

    def work(_: int, client: Client) -> dict[str, list[float]]:
        latencies = []
        for _ in range(requests):
            began = time.perf_counter()
            status, page, _cookie = client.request("GET", path)
            latencies.append(time.perf_counter() - began)
            if status != 200 or 'data-count="' not in page:
                raise RuntimeError(f"GET {path} answered {status}: {page[:300]}")
        return {"latencies": latencies}

    return work


def measure(url: str, definitions: Path, sizes: argparse.Namespace) -> Figures:
    """Build the store, serve it, then time each page with one client and with many."""
    began = time.perf_counter()
    build(url, definitions, sizes.instances)
    spread_senders(url)
    out: Figures = {"build_s": round(time.perf_counter() - began, 1)}
    server = Server(url, definitions, FORMS, sizes.workers)
    try:
        server.wait_ready()
        clients = [Client(server.port) for _ in range(max(sizes.clients))]
        for client in clients:  # one after the other (the sign-in throttle)
            client.login(OFFICIAL, PASSWORD)
        together(clients, get_work("/instances?view=all&q=kesehatan", 1))  # warm: every thread has served once
        for n in sizes.clients:
            for name, path in QUERIES.items():
                _wall, _cpu, results = together(clients[:n], get_work(path, max(1, sizes.requests // n)))
                out[f"{name}_{n}"] = p50_p95([x for r in results for x in r["latencies"]])
        for client in clients:
            client.close()
        out["server_errors"] = server.errors()[:5]
    finally:
        server.stop()
    return out


def run(sizes: argparse.Namespace) -> tuple[list[str], Figures]:
    """Measure each store; the printed lines and the JSON figures (prefix s_)."""
    folder = Path(tempfile.mkdtemp(prefix="sop-searchbench-"))
    figures: Figures = {"s_instances": sizes.instances, "s_clients": list(sizes.clients),
                        "s_date": time.strftime("%Y-%m-%d", time.gmtime())}
    text = []
    try:
        for kind, url, _server in stores(folder, sizes.no_postgres):
            got = measure(url, definitions_copy(), sizes)
            figures[f"s_{kind.lower()}"] = got
            for n in sizes.clients:
                parts = [f"{name} p50 {got[f'{name}_{n}']['p50_ms']} ms, p95 {got[f'{name}_{n}']['p95_ms']} ms"
                         for name in QUERIES]
                text.append(f"(s) {kind}, {sizes.instances} instances, {n} client(s): " + "; ".join(parts))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return text, figures


def options(argv: list[str] | None = None) -> argparse.Namespace:
    """The sizes of a run."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--instances", type=int, default=100_000, help="Instances in each store.")
    parser.add_argument("--requests", type=int, default=96, help="GETs of each page per run (split over clients).")
    parser.add_argument("--clients", default="1,32", help="Numbers of clients at once, comma-separated.")
    parser.add_argument("--workers", type=int, default=2, help="`sop serve --workers`.")
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only.")
    parser.add_argument("--quick", action="store_true", help="Tiny sizes (for the tests): 300 instances.")
    parser.add_argument("--json", action="store_true", help="Also print the figures as one JSON line.")
    args = parser.parse_args(argv)
    args.clients = tuple(int(n) for n in str(args.clients).split(","))
    if args.quick:
        args.instances, args.requests, args.clients = 300, 8, (1, 4)
    return args


def main() -> None:
    """Run (s) and print its lines (and, with --json, a JSON line)."""
    args = options()
    text, out = run(args)
    print("\n".join(text))
    if args.json:
        print(json.dumps(out))


if __name__ == "__main__":
    main()
