"""Measures attached files, all in one run: `sop complete --attach` of a 20 MB scan against `cp` and `cp` + `sync`
of it (as whole processes, and in one process where start-up noise does not drown the difference), what hashing
and the fsync alone cost, the memory of storing a 200 MB file against a completion without one, and `sop verify`
time per MB attached.

Run: .venv/bin/python bench/attach_bench.py [--big] (or SOP_BENCH_BIG=1; `make bench` runs it too): the 200 MB
memory part only runs when asked, so a quick run stays quick. Every figure is a ratio of two things measured
here, now, on this machine.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOP = str(Path(sys.executable).with_name("sop"))
DATA = ROOT / "examples" / "interkoneksi_data_baru" / "data" / "01_surat_permohonan.yaml"
TASK, FIELD = "AjukanPermohonan", "pindaian_surat"
MB = 1000 * 1000


def _folders(tmp: Path) -> tuple[Path, Path]:
    """The repo's definitions without roles (single-user) and forms whose scan field takes up to 2 GiB."""
    definitions, forms = tmp / "definitions", tmp / "forms"
    shutil.copytree(ROOT / "definitions", definitions, ignore=shutil.ignore_patterns("roles.yaml"))
    shutil.copytree(ROOT / "forms", forms)
    form = forms / "surat_permohonan.schema.json"
    schema = json.loads(form.read_text(encoding="utf-8"))
    schema["properties"][FIELD]["x-sop-file"]["max_size"] = 2 * 1024**3
    form.write_text(json.dumps(schema, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return definitions, forms


def _scan(path: Path, size: int) -> None:
    """A PDF-looking file of random bytes (scans are compressed already: nothing to gain by compressing)."""
    with open(path, "wb") as out:
        out.write(b"%PDF-1.7\n")
        left = size - 9
        while left > 0:
            piece = min(left, 4 * 1024 * 1024)
            out.write(os.urandom(piece))
            left -= piece


class Cli:
    """`sop` as a separate process against one store, timed; peak memory (max RSS) of each run from wait4."""

    def __init__(self, db: Path, definitions: Path, forms: Path) -> None:
        self.base = [SOP, "--db", str(db), "--definitions", str(definitions), "--forms", str(forms)]

    def run(self, *args: str) -> tuple[float, int]:
        """Seconds and peak kilobytes of one command; fails on a non-zero exit."""
        started = time.perf_counter()
        child = subprocess.Popen([*self.base, *args], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(child.pid, 0)
        elapsed = time.perf_counter() - started
        child.returncode = os.waitstatus_to_exitcode(status)
        err = child.stderr.read().decode() if child.stderr else ""
        if child.returncode != 0:
            raise SystemExit(f"sop {' '.join(args)} failed: {err}")
        return elapsed, int(usage.ru_maxrss)

    def started(self) -> str:
        out = subprocess.run([*self.base, "start", "interkoneksi_data_baru"], capture_output=True, check=True)
        return out.stdout.decode().strip()


def _cp(source: Path, target: Path, sync: bool = False) -> float:
    """`cp` of the file (sync: then `sync` of the copy, as the store's commit makes it durable)."""
    os.sync()
    started = time.perf_counter()
    subprocess.run(["cp", str(source), str(target)], check=True)
    if sync:
        subprocess.run(["sync", str(target)], check=True)
    return time.perf_counter() - started


def _complete_in_process(db: Path, definitions: Path, forms: Path, scan: Path, rounds: int) -> dict[str, float]:
    """Seconds of a completion with the 20 MB file and of one without, and of `cp` and `cp` + `sync` of it, each
    round interleaved, in one long-lived process (as `sop serve` completes): medians over the rounds. No process
    start-up in the difference, whose noise (tens of ms) is as large as the file's cost."""
    sys.path.insert(0, str(ROOT))
    import yaml

    from engine.service.facade import Engine

    cli = Cli(db, definitions, forms)
    instances = [int(cli.started()) for _ in range(2 * rounds)]
    data = yaml.safe_load(DATA.read_text(encoding="utf-8"))
    engine = Engine(str(db), definitions_dir=definitions, forms_dir=forms)
    times: dict[str, list[float]] = {"with": [], "without": [], "cp": [], "cp_sync": [], "hash": []}
    for n in range(rounds):
        _scan(scan, 20 * MB)
        # Before each timed step everything earlier is on disk (os.sync): no write-back of the last step's 20 MB
        # (an unsynced cp's copy) under the next one.
        os.sync()
        started = time.perf_counter()
        engine.instance(instances[2 * n]).complete(TASK, dict(data))
        times["without"].append(time.perf_counter() - started)
        os.sync()
        started = time.perf_counter()
        engine.instance(instances[2 * n + 1]).complete(TASK, dict(data), attach=[(FIELD, str(scan))])
        times["with"].append(time.perf_counter() - started)
        times["cp"].append(_cp(scan, db.with_name(f"inproc-copy{n}.pdf")))
        times["cp_sync"].append(_cp(scan, db.with_name(f"inproc-synced{n}.pdf"), sync=True))
        times["hash"].append(_sha256_time(scan))
    engine.close()
    return {key: statistics.median(values) for key, values in times.items()}


def _sha256_time(path: Path) -> float:
    """Seconds to read and SHA-256 the file, nothing else: what any store that keys files by hash must spend."""
    import hashlib

    started = time.perf_counter()
    digest = hashlib.sha256()
    with open(path, "rb", buffering=0) as stream:
        while piece := stream.read(1024 * 1024):
            digest.update(piece)
    return time.perf_counter() - started


def _verify_in_process(db: Path, definitions: Path, forms: Path, attached: int, plain: int) -> float:
    """Milliseconds `verify` of the instance with the file takes over the one without, in one process (median of
    five interleaved runs each: the difference between two whole processes is lost in their noise)."""
    sys.path.insert(0, str(ROOT))
    from engine.service.facade import Engine

    engine = Engine(str(db), definitions_dir=definitions, forms_dir=forms)
    times: dict[int, list[float]] = {attached: [], plain: []}
    for _ in range(5):
        for instance in (attached, plain):
            started = time.perf_counter()
            assert all(v.ok for v in engine.audit.verify(instances=[instance]))
            times[instance].append(time.perf_counter() - started)
    engine.close()
    return 1000 * (statistics.median(times[attached]) - statistics.median(times[plain]))


def measure(rounds: int, big: bool) -> dict[str, float]:
    """The figures; big: also the 200 MB memory part."""
    results: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="sop-attach-bench-") as name:
        tmp = Path(name)
        definitions, forms = _folders(tmp)
        scan = tmp / "scan.pdf"
        if big:  # first: a child's peak memory starts from this process's own at fork, before anything is imported
            cli = Cli(tmp / "big.db", definitions, forms)
            plain, attached = cli.started(), cli.started()
            _scan(scan, 200 * MB)
            base_kb = cli.run("complete", plain, TASK, "--data", str(DATA))[1]
            big_kb = cli.run("complete", attached, TASK, "--data", str(DATA), "--attach", f"{FIELD}={scan}")[1]
            results["rss_plain_mb"] = base_kb / 1024
            results["rss_200mb_file_mb"] = big_kb / 1024
            results["rss_extra_mb"] = (big_kb - base_kb) / 1024
            results["verify_ms_per_mb_200"] = _verify_in_process(tmp / "big.db", definitions, forms, int(attached),
                                                                 int(plain)) / 200
        inproc = _complete_in_process(tmp / "inproc.db", definitions, forms, scan, rounds)
        cost = inproc["with"] - inproc["without"]
        results.update(inproc_with_s=inproc["with"], inproc_without_s=inproc["without"], inproc_cp_s=inproc["cp"],
                       inproc_cp_sync_s=inproc["cp_sync"], inproc_cost_vs_cp=cost / inproc["cp"],
                       inproc_cost_vs_cp_sync=cost / inproc["cp_sync"], hash_20mb_s=inproc["hash"],
                       hash_vs_cp=inproc["hash"] / inproc["cp"],
                       fsync_vs_cp=(inproc["cp_sync"] - inproc["cp"]) / inproc["cp"])
        _scan(scan, 20 * MB)
        with_file, without, copies, synced, verify_with, verify_without = [], [], [], [], [], []
        for n in range(rounds):
            cli = Cli(tmp / f"s{n}.db", definitions, forms)
            plain, attached = cli.started(), cli.started()
            os.sync()  # before each timed step, as in _complete_in_process
            without.append(cli.run("complete", plain, TASK, "--data", str(DATA))[0])
            _scan(scan, 20 * MB)  # new bytes each round: nothing deduplicated
            os.sync()
            with_file.append(cli.run("complete", attached, TASK, "--data", str(DATA), "--attach",
                                     f"{FIELD}={scan}")[0])
            copies.append(_cp(scan, tmp / f"copy{n}.pdf"))
            synced.append(_cp(scan, tmp / f"synced{n}.pdf", sync=True))
            verify_without.append(cli.run("verify", plain)[0])
            verify_with.append(cli.run("verify", attached)[0])
        cp = statistics.median(copies)
        results["complete_20mb_s"] = statistics.median(with_file)
        results["complete_plain_s"] = statistics.median(without)
        results["cp_20mb_s"] = cp
        results["cp_sync_20mb_s"] = statistics.median(synced)
        results["attach_cost_vs_cp_sync"] = (results["complete_20mb_s"] - results["complete_plain_s"]) / \
            results["cp_sync_20mb_s"]
        results["attach_cost_vs_cp"] = (results["complete_20mb_s"] - results["complete_plain_s"]) / cp
        results["complete_20mb_vs_cp"] = results["complete_20mb_s"] / cp
        # The fastest of each (other work on the machine only ever adds time): steadier than the medians'
        # difference, which moves by tens of ms with the start-up of two ~250 ms processes.
        fastest = min(with_file) - min(without)
        results["fastest_cost_vs_cp"] = fastest / min(copies)
        results["fastest_cost_vs_cp_sync"] = fastest / min(synced)
        results["verify_ms_per_mb"] = 1000 * (statistics.median(verify_with) - statistics.median(verify_without)) / 20
        results["verify_inproc_ms_per_mb"] = _verify_in_process(tmp / f"s{rounds - 1}.db", definitions, forms,
                                                                int(attached), int(plain)) / 20
    return results


def main() -> None:
    """Print the figures of one run."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--big", action="store_true", default=os.environ.get("SOP_BENCH_BIG") == "1",
                        help="also store a 200 MB file and compare peak memory (SOP_BENCH_BIG=1)")
    parser.add_argument("--json", action="store_true", help="also print the figures as one JSON line, last")
    args = parser.parse_args()
    r = measure(args.rounds, args.big)
    print(f"sop complete --attach 20 MB scan: {r['complete_20mb_s'] * 1000:.0f} ms; without the file "
          f"{r['complete_plain_s'] * 1000:.0f} ms; cp of the file {r['cp_20mb_s'] * 1000:.0f} ms")
    print(f"  storing the file costs {r['attach_cost_vs_cp']:.2f}x cp (target <= 2x), "
          f"{r['attach_cost_vs_cp_sync']:.2f}x cp + sync ({r['cp_sync_20mb_s'] * 1000:.0f} ms); the whole completion "
          f"{r['complete_20mb_vs_cp']:.2f}x cp")
    print(f"  fastest of each: {r['fastest_cost_vs_cp']:.2f}x cp, {r['fastest_cost_vs_cp_sync']:.2f}x cp + sync")
    cost_ms = (r["inproc_with_s"] - r["inproc_without_s"]) * 1000
    print(f"in one process (as `sop serve`): the file costs {cost_ms:.0f} ms over the completion's "
          f"{r['inproc_without_s'] * 1000:.0f} ms: {r['inproc_cost_vs_cp']:.2f}x cp "
          f"({r['inproc_cp_s'] * 1000:.0f} ms), {r['inproc_cost_vs_cp_sync']:.2f}x cp + sync "
          f"({r['inproc_cp_sync_s'] * 1000:.0f} ms)")
    print(f"  what any store keyed by hash and durable on commit spends: reading + SHA-256 of the file alone "
          f"{r['hash_20mb_s'] * 1000:.0f} ms ({r['hash_vs_cp']:.2f}x cp); the fsync of a 20 MB copy alone (cp + sync "
          f"- cp) {(r['inproc_cp_sync_s'] - r['inproc_cp_s']) * 1000:.0f} ms ({r['fsync_vs_cp']:.2f}x cp)")
    print(f"sop verify: {r['verify_inproc_ms_per_mb']:.1f} ms per MB attached (rehashing the stored chunks of a "
          f"20 MB file, in one process; as two whole processes {r['verify_ms_per_mb']:.1f} ms, within their noise)")
    if "verify_ms_per_mb_200" in r:
        print(f"sop verify of the 200 MB file: {r['verify_ms_per_mb_200']:.1f} ms per MB")
    if "rss_extra_mb" in r:
        print(f"peak memory storing a 200 MB file: {r['rss_200mb_file_mb']:.1f} MB, without a file "
              f"{r['rss_plain_mb']:.1f} MB: {r['rss_extra_mb']:.1f} MB more (target < 64 MB)")
    else:
        print("(the 200 MB memory part runs with --big or SOP_BENCH_BIG=1)")
    if args.json:
        print(json.dumps({key: round(value, 4) for key, value in r.items()}))


if __name__ == "__main__":
    main()
