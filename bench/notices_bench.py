"""(n) A completion while the notices worker runs (`sop notify --follow`, sending each notice to a local webhook) vs
while none runs: the completion itself does not change (notices are made after the commit, by the worker), so this
measures what the worker's reads, claims and marks cost a completion on a shared SQLite store.

Blocks of completions alternate off / on in one run (the worker started before an "on" block and stopped after);
the figure is the ratio of the median completion times."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFINITIONS, FORMS = ROOT / "definitions", ROOT / "forms"
TUNDA = ROOT / "examples" / "interkoneksi_data_baru" / "tunda.scenario.yaml"
CONTACTS = {"kadis": "  email: kadis@bangka.go.id\n", "tu.umum": "  email: tu@bangka.go.id\n"}


class Hook(BaseHTTPRequestHandler):
    """A webhook that takes every POST."""

    received = 0

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        Hook.received += 1
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


def definitions_with_contacts(tmp: Path) -> Path:
    folder = tmp / "definitions"
    shutil.copytree(DEFINITIONS, folder)
    text = (folder / "roles.yaml").read_text(encoding="utf-8")
    for login, keys in CONTACTS.items():
        head = f"\n{login}:\n"
        start = text.index(head) + len(head)
        text = text[:start] + keys + text[start:]
    (folder / "roles.yaml").write_text(text, encoding="utf-8")
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--block", type=int, default=20, help="completions per block")
    parser.add_argument("--rounds", type=int, default=3, help="off/on pairs of blocks")
    parser.add_argument("--json", action="store_true", help="end with one JSON line of the figures")
    args = parser.parse_args()
    from engine import Engine
    from engine.ops.scenarios import load_scenario

    tmp = Path(tempfile.mkdtemp(prefix="sop-notices-bench-"))
    server = ThreadingHTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        definitions = definitions_with_contacts(tmp)
        db = str(tmp / "sop.db")
        step = load_scenario(TUNDA).steps[0]
        engine = Engine(db, definitions_dir=definitions, forms_dir=FORMS, operator="tu.umum",
                        roles=definitions / "roles.yaml")
        total = args.block * args.rounds * 2
        numbers = [engine.instances.start(load_scenario(TUNDA).process).instance for _ in range(total)]
        env = {**os.environ, "SOP_DB": db, "SOP_DEFINITIONS": str(definitions), "SOP_FORMS": str(FORMS),
               "SOP_WEBHOOK_URL": f"http://127.0.0.1:{server.server_address[1]}/hook",
               "SOP_BASE_URL": "https://sop.example"}
        env.pop("SOP_SMTP_URL", None)
        sop = str(Path(sys.executable).parent / "sop")
        subprocess.run([sop, "notify"], env=env, check=True, capture_output=True)  # the starts' notices, once
        times: dict[str, list[float]] = {"off": [], "on": []}
        for _ in range(args.rounds):
            for mode in ("off", "on"):
                worker = None
                if mode == "on":
                    worker = subprocess.Popen([sop, "notify", "--follow", "--every", "1"], env=env,
                                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                    time.sleep(2.0)  # its imports and first pass are behind it
                for _ in range(args.block):
                    number = numbers.pop()
                    began = time.perf_counter()
                    engine.instance(number).complete(step["task"], step["data"], actor=step["as"])
                    times[mode].append(time.perf_counter() - began)
                    time.sleep(0.02)  # completions arrive one at a time, as people make them
                if worker is not None:
                    worker.terminate()
                    worker.wait(30)
        engine.close()
        off, on = statistics.median(times["off"]) * 1000, statistics.median(times["on"]) * 1000
        print(f"(n) a completion while `sop notify --follow` runs vs none: {on / off:.2f} "
              f"({on:.2f} ms vs {off:.2f} ms, medians of {len(times['on'])} each; {Hook.received} notices "
              "received by the webhook)")
        if args.json:
            print(json.dumps({"n_ratio": round(on / off, 3), "n_on_ms": round(on, 3), "n_off_ms": round(off, 3),
                              "n_notices": Hook.received}))
    finally:
        server.shutdown()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
