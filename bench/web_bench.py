"""(l) The web tasklist under load: a real `sop serve` (gunicorn, the CLI's own) on a store of 10,000 running
instances, SQLite and PostgreSQL, with 1, 8 and 32 logged-in clients at once, against the same completions made
in-process through the engine API.

Every instance waits at the Kepala Dinas's disposition (DisposisiKadis), so the Kepala Dinas's tasklist holds all
10,000 (the page lists the oldest 200 and the count). Each client is one session of the Kepala Dinas (logged in
over HTTP with the password set through the engine API) on a keep-alive HTTP/1.1 connection in a thread of this
process. Measured: (1) GET / (the tasklist); (2) a completion as a person makes it: GET the task page (its form and
CSRF token), then POST the form; its latency figures are the POST alone (the completion itself), its rate counts
whole completions (GET + POST) per second. Each client completes instances of its own, so no two clients contend
for one task. In-process: Engine.complete of the same artefact on the same kind of store, by one Engine kept open
(as a long-running caller keeps it), and by a new Engine per completion sharing the kept one's caches (as
`sop serve` makes one per request). Server, database and clients share this machine's cores; the CPU each used per
request is read from /proc (the server's process tree, PostgreSQL's, the machine's: the rest is other work).
Run (l) alone: python bench/web_bench.py [--quick] (see --help).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from cpu_use import CpuMeter, postmaster_pid  # noqa: E402
from web_clients import COUNT, Client, Server, csrf_of  # noqa: E402
from web_store import FORMS, OFFICIAL, PASSWORD, TASK, build, definitions_copy, step_data  # noqa: E402

CLIENTS = (1, 8, 32)
THREADS = 4  # gunicorn threads per `sop serve` worker (web/server.py)
Figures = dict[str, Any]


def form_fields(data: dict[str, Any]) -> dict[str, str]:
    """The artefact as the task page's inputs post it (flat form: one input per field, the text as typed)."""
    return {name: str(value) for name, value in data.items()}


def timed(samples: list[float]) -> Figures:
    """p50 and p99 (milliseconds) of latencies in seconds."""
    ordered = sorted(samples)
    return {"p50_ms": round(statistics.median(ordered) * 1000, 2),
            "p99_ms": round(ordered[min(len(ordered) - 1, math.ceil(0.99 * len(ordered)) - 1)] * 1000, 2)}


class Numbers:
    """The store's instances still waiting at TASK, handed out newest first so no two users get one."""

    def __init__(self, instances: int) -> None:
        self.next = instances
        self.lock = threading.Lock()

    def take(self, count: int) -> list[int]:
        with self.lock:
            if self.next - count < 1:
                raise RuntimeError(f"the store has too few instances left for {count} more completions: give "
                                   "--instances more")
            taken = list(range(self.next, self.next - count, -1))
            self.next -= count
        return taken


def in_process(url: str, definitions: Path, numbers: Numbers, count: int) -> Figures:
    """Engine.complete of the disposition on `count` instances by one Engine kept open (after one unmeasured
    warm-up completion), interleaved with `count` more each by a new Engine made and closed around it that shares
    the kept one's pinned versions and warm workflows, as `sop serve` makes one per request (web/access.py)."""
    from engine import Engine

    data, roles = step_data(), str(definitions / "roles.yaml")
    kept = Engine(url, definitions_dir=definitions, forms_dir=FORMS, operator=OFFICIAL, roles=roles)
    kept.instance(numbers.take(1)[0]).complete(TASK, data)
    warm: list[float] = []
    fresh: list[float] = []
    for instance, other in zip(numbers.take(count), numbers.take(count), strict=True):
        began = time.perf_counter()
        kept.instance(instance).complete(TASK, data)
        warm.append(time.perf_counter() - began)
        began = time.perf_counter()
        engine = Engine(url, definitions_dir=definitions, forms_dir=FORMS, operator=OFFICIAL, roles=roles)
        engine.context.pinned, engine.context.warm = kept.context.pinned, kept.context.warm
        engine.instance(other).complete(TASK, data)
        engine.close()
        fresh.append(time.perf_counter() - began)
    kept.close()
    return {"kept": {**timed(warm), "per_s": round(len(warm) / sum(warm), 1)},
            "fresh": {**timed(fresh), "per_s": round(len(fresh) / sum(fresh), 1)}}


def together(clients: list[Client], work: Callable[[int, Client], Any]) -> tuple[float, float, list[Any]]:
    """Run work(i, client) in one thread per client, all released at once; wall seconds from the release to the
    last one done, this process's CPU seconds meanwhile (the clients' share of the machine), and the results."""
    results: list[Any] = [None] * len(clients)
    barrier = threading.Barrier(len(clients) + 1)

    def one(i: int) -> None:
        barrier.wait()
        try:
            results[i] = work(i, clients[i])
        except Exception as exc:  # reported below, with the others' results
            results[i] = exc

    threads = [threading.Thread(target=one, args=(i,)) for i in range(len(clients))]
    for thread in threads:
        thread.start()
    cpu = time.process_time()
    barrier.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    wall, cpu = time.perf_counter() - began, time.process_time() - cpu
    failed = [r for r in results if isinstance(r, Exception)]
    if failed:
        raise RuntimeError(f"{len(failed)} of {len(clients)} clients failed; the first: {failed[0]}") from failed[0]
    return wall, cpu, results


def tasklist_work(requests: int, seconds: float) -> Callable[[int, Client], dict[str, list[float]]]:
    """Each client GETs / `requests` times, or as many as it begins within `seconds`; every page must be the
    tasklist with its count."""

    def work(_: int, client: Client) -> dict[str, list[float]]:
        latencies: list[float] = []
        stop = time.perf_counter() + seconds
        for _ in range(requests):
            if latencies and time.perf_counter() > stop:
                break
            began = time.perf_counter()
            status, page, _cookie = client.request("GET", "/")
            latencies.append(time.perf_counter() - began)
            if status != 200 or COUNT.search(page) is None:
                raise RuntimeError(f"GET / answered {status}: {page[:300]}")
        return {"latencies": latencies}

    return work


def completion_work(own: list[list[int]], fields: dict[str, str],
                    seconds: float = math.inf) -> Callable[[int, Client], dict[str, list[float]]]:
    """Client i completes the disposition of its own instances own[i] (as many as it begins within `seconds`): GET
    the task page (its CSRF token), POST the form; each POST must answer 303 (completed)."""

    def work(i: int, client: Client) -> dict[str, list[float]]:
        pages: list[float] = []
        posts: list[float] = []
        stop = time.perf_counter() + seconds
        for instance in own[i]:
            if posts and time.perf_counter() > stop:
                break
            path = f"/instances/{instance}/tasks/{TASK}"
            began = time.perf_counter()
            status, page, _cookie = client.request("GET", path)
            token = csrf_of(page, status, path)
            posted = time.perf_counter()
            status, page, _cookie = client.request("POST", path, {**fields, "csrf_token": token,
                                                                  "_action": "complete"})
            posts.append(time.perf_counter() - posted)
            pages.append(posted - began)
            if status != 303:
                raise RuntimeError(f"POST {path} answered {status}: {page[:300]}")
        return {"latencies": posts, "pages": pages}

    return work


def per_client(total: int, clients: int) -> int:
    """Requests each of `clients` makes for about `total` in all (at least 3 each: a p99 needs a few)."""
    return max(3, math.ceil(total / clients))


def cpu_figures(used: dict[str, float | None], client_cpu: float, wall: float, count: int) -> Figures:
    """Who used the cores during a run, in CPU ms per request: the server (gunicorn and its workers), the database
    (PostgreSQL's processes), the clients (this process), everything else on the machine (other work); and how
    many cores were busy in all."""
    def per(seconds: float | None) -> float | None:
        return None if seconds is None else round(1000 * seconds / count, 2)

    ours = sum(x for x in (used["server"], used["database"], client_cpu) if x is not None)
    machine = used["machine"]
    return {"server_ms": per(used["server"]), "database_ms": per(used["database"]), "client_ms": per(client_cpu),
            "other_ms": None if machine is None else per(max(0.0, machine - ours)),
            "cores_busy": None if machine is None else round(machine / wall, 2),
            "client_cpu_share": round(client_cpu / wall, 2)}


def measure_store(kind: str, url: str, definitions: Path, sizes: argparse.Namespace,
                  database_pid: int | None = None) -> Figures:
    """Build the store, measure in-process, then serve it and measure the tasklist and completions with each
    number of clients (the server warmed up first: every worker thread has shown both pages and completed once)."""
    built = time.perf_counter()
    build(url, definitions, sizes.instances)
    numbers = Numbers(sizes.instances)
    out: Figures = {"build_s": round(time.perf_counter() - built, 1)}
    out["in_process"] = in_process(url, definitions, numbers, sizes.in_process)
    completed = 1 + 2 * sizes.in_process  # with the warm-up
    workers = sizes.pg_workers if kind == "PostgreSQL" else sizes.sqlite_workers
    server = Server(url, definitions, FORMS, workers)
    try:
        server.wait_ready()
        meter = CpuMeter(server.proc.pid, database_pid)
        clients = [Client(server.port) for _ in range(max(sizes.clients))]
        logged = time.perf_counter()
        for client in clients:  # one after the other: sign-ins of one login from one address all at once are,
            client.login(OFFICIAL, PASSWORD)  # to the throttle, parallel guesses (only three get checked)
        out["login_ms"] = round((time.perf_counter() - logged) * 1000 / len(clients), 1)
        out["workers"] = workers
        fields = form_fields(step_data())
        warm = clients[:min(len(clients), 2 * workers * THREADS)]
        together(warm, tasklist_work(1, 0))
        together(warm, completion_work([numbers.take(1) for _ in warm], fields))
        completed += len(warm)
        for n in sizes.clients:
            some = clients[:n]
            meter.start()
            wall, cpu, results = together(some, tasklist_work(per_client(sizes.requests, n), sizes.seconds))
            latencies = [x for r in results for x in r["latencies"]]
            listed = {"per_s": round(len(latencies) / wall, 1), **timed(latencies), "requests": len(latencies),
                      **cpu_figures(meter.stop(), cpu, wall, len(latencies))}
            own = [numbers.take(per_client(sizes.completions, n)) for _ in some]
            meter.start()
            wall, cpu, results = together(some, completion_work(own, fields, sizes.seconds))
            posts = [x for r in results for x in r["latencies"]]
            pages = [x for r in results for x in r["pages"]]
            done = {"per_s": round(len(posts) / wall, 1), **timed(posts), "completions": len(posts),
                    "page": timed(pages), **cpu_figures(meter.stop(), cpu, wall, len(posts))}
            out[str(n)] = {"tasklist": listed, "completion": done}
            completed += len(posts)
        for client in clients:
            client.close()
        out["server_errors"] = server.errors()[:5]
        out["completed"] = completed  # in-process and over HTTP, warm-ups included
        out["ready_left"] = _still_ready(url, definitions)  # instances - completed when every 303 was a completion
    finally:
        server.stop()
    return out


def _still_ready(url: str, definitions: Path) -> int:
    """How many dispositions are still waiting (so the run can show its completions really happened)."""
    from engine import Engine

    engine = Engine(
        url, definitions_dir=definitions, forms_dir=FORMS, operator=OFFICIAL, roles=str(definitions / "roles.yaml")
    )
    try:
        return sum(1 for t in engine.instances.tasks() if t.task == TASK)
    finally:
        engine.close()


def stores(folder: Path, skip_pg: bool) -> Iterator[tuple[str, str, Any]]:
    """("SQLite", path, None), then ("PostgreSQL", url, server) when a private server can start here."""
    yield "SQLite", str(folder / "web.db"), None
    if skip_pg:
        return
    sys.path.insert(0, str(ROOT / "tests"))
    from pg_server import PgServer, find_bin  # type: ignore[import-not-found]

    bindir = find_bin()
    try:
        import psycopg  # noqa: F401
    except ImportError:
        bindir = None
    if bindir is None:
        return
    server = PgServer(bindir)
    server.start()
    try:
        yield "PostgreSQL", server.create_database(), server
    finally:
        server.stop()


def lines(measured: dict[str, Figures], clients: tuple[int, ...], instances: int) -> tuple[list[str], Figures]:
    """The printed lines and the JSON keys (prefix l_) of every store measured, and the ratios of this run."""
    out: Figures = {"l_cpus": os.cpu_count(), "l_instances": instances, "l_clients": list(clients)}
    text: list[str] = []
    first, last = clients[0], clients[-1]
    for kind, got in measured.items():
        key = f"l_{kind.lower()}"
        out[key] = got
        kept, fresh = got["in_process"]["kept"], got["in_process"]["fresh"]
        text.append(f"(l) {kind}, {instances} instances, `sop serve --workers {got['workers']}` (gunicorn gthread, "
                    f"4 threads each; login {got['login_ms']:.0f} ms); in-process Engine.complete: kept Engine "
                    f"p50 {kept['p50_ms']:.2f} ms, p99 {kept['p99_ms']:.2f} ms; a new Engine per completion sharing "
                    f"its caches (as the server did before it kept one per thread) p50 {fresh['p50_ms']:.2f} ms")
        for n in clients:
            listed, done = got[str(n)]["tasklist"], got[str(n)]["completion"]
            who = f"{n:>2} client{'s' if n > 1 else ' '}"
            text.append(f"(l) {kind}, {who}: GET /       {listed['per_s']:6.1f}/s, p50 {listed['p50_ms']:6.1f} ms, "
                        f"p99 {listed['p99_ms']:6.1f} ms ({listed['requests']} requests) | {_cpu(listed)}")
            text.append(f"(l) {kind}, {who}: completions {done['per_s']:6.1f}/s (task page + POST), POST p50 "
                        f"{done['p50_ms']:6.1f} ms, p99 {done['p99_ms']:6.1f} ms, task page p50 "
                        f"{done['page']['p50_ms']:.1f} ms ({done['completions']}) | {_cpu(done)}")
        http_ratio = got[str(first)]["completion"]["p50_ms"] / kept["p50_ms"]
        scale = got[str(last)]["completion"]["per_s"] / got[str(first)]["completion"]["per_s"]
        scale_list = got[str(last)]["tasklist"]["per_s"] / got[str(first)]["tasklist"]["per_s"]
        out.update({f"{key}_http_to_in_process": round(http_ratio, 2),
                    f"{key}_http_to_fresh_engine": round(got[str(first)]["completion"]["p50_ms"] / fresh["p50_ms"],
                                                         2),
                    f"{key}_{last}_to_{first}": round(scale, 2), f"{key}_tasklist_{last}_to_{first}":
                    round(scale_list, 2)})
        target = " (target >= 2)" if kind == "PostgreSQL" else " (for information)"
        text.append(f"(l) {kind}: HTTP completion (POST p50) / in-process Engine.complete (kept Engine, p50) at "
                    f"{first} client -> ratio {http_ratio:.2f} (target <= 1.5; vs a new Engine sharing the caches "
                    f"{out[f'{key}_http_to_fresh_engine']:.2f}); {last} clients / {first}: completions/s -> ratio "
                    f"{scale:.2f}{target}, tasklist -> {scale_list:.2f}; {got['completed']} completions in all, "
                    f"{got['ready_left']} of {instances} dispositions left")
        if got["server_errors"]:
            text.append(f"(l) {kind}: the server logged errors: {got['server_errors']}")
    if "PostgreSQL" not in measured:
        text.append("(l) PostgreSQL: not measured (no initdb/pg_ctl or psycopg installed)")
    text.append(f"(l) {os.cpu_count()} CPUs shared by the server and the clients (load average "
                f"{os.getloadavg()[0]:.1f} at the end)")
    return text, out


def _cpu(figures: Figures) -> str:
    """CPU ms per request by whom, and the cores busy, as one phrase."""
    parts = [f"{label} {figures[key]:.1f}" for label, key in (("server", "server_ms"), ("database", "database_ms"),
                                                              ("clients", "client_ms"), ("other work", "other_ms"))
             if figures.get(key) is not None]
    busy = f"; {figures['cores_busy']:.2f} cores busy" if figures.get("cores_busy") is not None else ""
    return f"CPU ms each: {', '.join(parts)}{busy}"


def run(sizes: argparse.Namespace) -> tuple[list[str], Figures]:
    """(l) on SQLite, then on PostgreSQL when a private server can start; the lines and the JSON figures."""
    folder = Path(tempfile.mkdtemp(prefix="sop-webbench-"))
    definitions = definitions_copy()
    measured: dict[str, Figures] = {}
    try:
        for kind, url, server in stores(folder, sizes.no_postgres):
            database = None if server is None else postmaster_pid(server.data)
            measured[kind] = measure_store(kind, url, definitions, sizes, database)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        shutil.rmtree(definitions.parent, ignore_errors=True)
    return lines(measured, sizes.clients, sizes.instances)


def options(argv: list[str] | None = None) -> argparse.Namespace:
    """The sizes: defaults for `make bench`; --quick for the tests (tiny store, few requests)."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--instances", type=int, default=10_000, help="Running instances in each store.")
    parser.add_argument("--requests", type=int, default=128,
                        help="GET / requests per number of clients (split among the clients, at least 3 each).")
    parser.add_argument("--completions", type=int, default=128,
                        help="Completions per number of clients (split among the clients, at least 3 each).")
    parser.add_argument("--seconds", type=float, default=6.0,
                        help="At most this long per measure and number of clients (requests begun before it count).")
    parser.add_argument("--in-process", type=int, default=60, help="In-process completions of each kind.")
    parser.add_argument("--clients", default=",".join(map(str, CLIENTS)),
                        help="Numbers of concurrent clients, comma-separated.")
    parser.add_argument("--sqlite-workers", type=int, default=2, help="`sop serve --workers` on SQLite.")
    parser.add_argument("--pg-workers", type=int, default=4, help="`sop serve --workers` on PostgreSQL.")
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only.")
    parser.add_argument("--quick", action="store_true", help="Tiny sizes (for the tests): 300 instances, few requests.")
    parser.add_argument("--json", action="store_true", help="Also print the figures as one JSON line.")
    args = parser.parse_args(argv)
    if args.quick:
        args.instances, args.requests, args.completions, args.in_process, args.seconds = 300, 8, 8, 5, 1.0
    args.clients = tuple(int(n) for n in str(args.clients).split(","))
    return args


def main() -> None:
    """Run (l) alone and print its lines (and, with --json, a JSON line), as bench/run.py does for everything."""
    args = options()
    text, out = run(args)
    print("\n".join(text))
    if args.json:
        print(json.dumps(out))


if __name__ == "__main__":
    main()
