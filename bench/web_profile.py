"""Where a request of (l) spends its time: the web app in this process (Flask's test client: no HTTP, no gunicorn),
logged in as the Kepala Dinas on a store like (l)'s, each request kind timed alone, then profiled (cProfile) to
split it by the parts of the request path: session, roles lookup, definitions scan, form compilation, spec
restore, the ready-task query, rendering, the engine's completion.

A part's milliseconds are its share of the profiled time times the unprofiled time per request; parts nest (the
completion's form compilation is inside the completion), so their sum is not the whole.
Run: python bench/web_profile.py [--instances N] [--requests N] [--postgres]
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from web_bench import Numbers, form_fields, stores  # noqa: E402
from web_clients import CSRF  # noqa: E402
from web_store import FORMS, OFFICIAL, PASSWORD, TASK, build, definitions_copy, step_data  # noqa: E402

# (label, file the function is in, function name): the parts of the request path, outermost first
PARTS = (
    ("session cookie: open (itsdangerous)", "flask/sessions.py", "open_session"),
    ("session cookie: save", "flask/sessions.py", "save_session"),
    ("CSRF check", "web/security.py", "check_csrf"),
    ("find_person (Engine made, roles in force read)", "web/access.py", "find_person"),
    ("  Engine.store_roles (the first store use: opens it; reads the roles log)", "service/roles_methods.py",
     "store_roles"),
    ("open the store (connect, schema check)", "store/opening.py", "open_store"),
    ("Engine.close (per request; SQLite: the last connection checkpoints the WAL)", "service/facade.py", "close"),
    ("Engine.known_processes (filter list)", "service/facade.py", "known_processes"),
    ("  Engine.catalog (scan + lint the definitions folder)", "service/facade.py", "catalog"),
    ("Engine.my_lanes", "service/facade.py", "my_lanes"),
    ("Engine.tasks (every ready row of the lanes)", "service/facade.py", "tasks"),
    ("task_refs (which ids are ambiguous: one count)", "web/task_views.py", "task_refs"),
    ("task_form.load (task, form, UI schema, instructions)", "web/task_form.py", "load"),
    ("  Engine.form", "service/facade.py", "form"),
    ("  PinnedVersions.form (compile_form: check_schema + registry)", "service/pinned.py", "form"),
    ("  PinnedVersions.spec (spec restored from its text)", "service/pinned.py", "spec"),
    ("  PinnedVersions.bundle (the pinned bundle's JSON parsed)", "service/pinned.py", "bundle"),
    ("  Engine.ui_schema", "service/form_methods.py", "ui_schema"),
    ("  Engine.instructions", "service/form_methods.py", "instructions"),
    ("task_form.draft_values (the saved draft)", "web/task_form.py", "draft_values"),
    ("Engine.artefacts + attachments (task page)", "service/facade.py", "artefacts"),
    ("task_form.typed_data (data_from_assignments)", "web/task_form.py", "typed_data"),
    ("Engine.complete", "service/facade.py", "complete"),
    ("  locked_ready_step (lock, state restore)", "service/ready_step.py", "locked_ready_step"),
    ("  advance (state, ready rows, event, steps)", "service/transition.py", "advance"),
    ("  transaction begin + commit (SQLite synchronous=FULL: fsync)", "store/sqlite_store.py", "transaction"),
    ("  transaction begin + commit", "store/pg_store.py", "transaction"),
    ("  Engine.work_clock (calendar.yaml read + days off, per Engine)", "service/facade.py", "work_clock"),
    ("render_template (Jinja2)", "flask/templating.py", "render_template"),
    ("  page words (web/words.py words)", "web/words.py", "words"),
    ("  local_time (per shown time)", "web/app.py", "_local_time"),
)


class Office:
    """The web app on a store like (l)'s, with a test client logged in as the Kepala Dinas."""

    def __init__(self, url: str, definitions: Path, instances: int) -> None:
        from web.app import WebSettings, create_app

        build(url, definitions, instances)
        self.numbers = Numbers(instances)
        self.app = create_app(WebSettings(url, str(definitions), str(FORMS), str(definitions / "roles.yaml"),
                                          secret_key="profile" * 8))
        self.client = self.app.test_client()
        token = self._token("/login")
        answer = self.client.post("/login", data={"login": OFFICIAL, "password": PASSWORD, "csrf_token": token})
        assert answer.status_code == 303, answer.get_data(as_text=True)[:300]
        self.fields = form_fields(step_data())
        self.ready: list[tuple[int, str]] = []

    def _token(self, path: str) -> str:
        answer = self.client.get(path)
        found = CSRF.search(answer.get_data(as_text=True))
        assert answer.status_code == 200 and found, answer.get_data(as_text=True)[:300]
        return found.group(1)

    def tasklist(self) -> None:
        answer = self.client.get("/")
        assert answer.status_code == 200

    def task_page(self) -> None:
        instance = self.numbers.take(1)[0]
        self.ready.append((instance, self._token(f"/instances/{instance}/tasks/{TASK}")))

    def completion(self) -> None:
        instance, token = self.ready.pop()
        answer = self.client.post(f"/instances/{instance}/tasks/{TASK}",
                                  data={**self.fields, "csrf_token": token, "_action": "complete"})
        assert answer.status_code == 303, answer.get_data(as_text=True)[:300]


def parts_of(stats: pstats.Stats, requests: int, per_request_ms: float, total: float) -> list[tuple[str, float, int]]:
    """(label, estimated ms per request, calls per request) of each part the profile saw."""
    found: list[tuple[str, float, int]] = []
    table: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]  # pstats keeps its table here
    for label, file, name in PARTS:
        cum, calls = 0.0, 0
        for (path, _line, function), (_cc, nc, _tt, ct, _callers) in table.items():
            if _matches(path, function, file, name):
                cum += ct
                calls += nc
        if calls:
            found.append((label, per_request_ms * cum / total, round(calls / requests)))
    return found


def _matches(path: str, function: str, file: str, name: str) -> bool:
    """A profile entry is the part's function: by the file it is in and its name."""
    return function == name and path.replace(os.sep, "/").endswith(file)


def profile(office: Office, kind: str, action: Callable[[], None], requests: int,
            before: Callable[[], None] | None = None) -> tuple[float, list[tuple[str, float, int]]]:
    """Time `requests` runs of action alone (median ms), then profile as many more; the parts."""
    times = []
    for _ in range(requests):
        if before is not None:
            before()
        began = time.perf_counter()
        action()
        times.append(time.perf_counter() - began)
    median = statistics.median(times) * 1000
    profiler = cProfile.Profile()
    for _ in range(requests):
        if before is not None:
            before()
        profiler.enable()
        action()
        profiler.disable()
    stats = pstats.Stats(profiler)
    total = sum(ct for (_cc, _nc, _tt, ct, _c) in [v for k, v in stats.stats.items()  # type: ignore[attr-defined]
                                                      if k[2] == "wsgi_app"])
    return median, parts_of(stats, requests, median, total)


def run(url: str, definitions: Path, instances: int, requests: int) -> list[str]:
    """The lines: each request kind's time per request and its parts."""
    office = Office(url, definitions, instances)
    office.tasklist()
    office.task_page()
    office.completion()  # warm-up: templates compiled, imports done
    lines = []
    for kind, action, before in (("GET / (tasklist)", office.tasklist, None),
                                 ("GET task page", office.task_page, None),
                                 ("POST completion", office.completion, office.task_page)):
        median, parts = profile(office, kind, action, requests, before)
        lines.append(f"{kind}: {median:.1f} ms per request (in-process test client, median of {requests})")
        lines += [f"    {label:<78} {ms:7.2f} ms  x{calls}" for label, ms, calls in parts]
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--instances", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--postgres", action="store_true", help="Profile on PostgreSQL (a private server) too.")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="sop-webprof-"))
    definitions = definitions_copy()
    try:
        for kind, url, _server in stores(folder, not args.postgres):
            print(f"== {kind}, {args.instances} instances")
            print("\n".join(run(url, definitions, args.instances, args.requests)))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        shutil.rmtree(definitions.parent, ignore_errors=True)


if __name__ == "__main__":
    main()
