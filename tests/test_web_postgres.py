"""`sop serve` with several worker processes on a PostgreSQL store: officials sign in and complete steps over HTTP,
two submit the same step at once and exactly one wins (the other is told who did), and the store verifies."""

from __future__ import annotations

import http.cookiejar
import re
import subprocess
import threading
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from conftest import ROOT
from test_web_tasks import SURVEY
from web_browser_tools import served, sop_command, sop_env
from web_fixtures import PASSWORD, office, started

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None  # the test reads the 303 itself


class Browserless:
    """An HTTP client with its own cookies: one official's session against the real server."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()),
                                                  _NoRedirect())

    def get(self, path: str) -> tuple[int, str]:
        return self._send(urllib.request.Request(self.base + path))

    def post(self, path: str, fields: dict[str, str], token_from: str) -> tuple[int, str]:
        _, page = self.get(token_from)
        token = _CSRF.search(page)
        assert token, page[:500]
        body = urllib.parse.urlencode({**fields, "csrf_token": token.group(1)}).encode()
        return self._send(urllib.request.Request(self.base + path, data=body, method="POST"))

    def _send(self, request: urllib.request.Request) -> tuple[int, str]:
        try:
            with self.opener.open(request, timeout=60) as answer:
                return answer.status, answer.read().decode()
        except urllib.error.HTTPError as refused:
            return refused.code, refused.read().decode()

    def log_in(self, login: str) -> None:
        status, _ = self.post("/login", {"login": login, "password": PASSWORD}, "/login")
        assert status == 303


def test_several_workers_on_postgresql_one_submission_wins(tmp_path: Path, pg_url: str) -> None:
    """Two Tim Teknis members post the same survey at the same moment to a 3-worker server: one 303, one 409."""
    from engine import copy_store

    paths = office(tmp_path)
    started(paths, "SurveyTeknis")
    assert copy_store(paths["db"], pg_url).problems == ()
    paths = {**paths, "db": pg_url}
    with served(paths, tmp_path / "serve.log", workers=3) as base:
        fajar, dedi = Browserless(base), Browserless(base)
        fajar.log_in("tim.jaringan")
        dedi.log_in("dedi.jaringan")
        page = "/instances/1/tasks/SurveyTeknis"
        assert fajar.get("/")[1].count("SurveyTeknis") >= 1
        results: dict[str, tuple[int, str]] = {}
        tokens = {name: client.get(page)[1] for name, client in (("fajar", fajar), ("dedi", dedi))}
        assert all(_CSRF.search(t) for t in tokens.values())
        gate = threading.Barrier(2)

        def submit(name: str, client: Browserless) -> None:
            gate.wait()
            results[name] = client.post(page, SURVEY, page)

        threads = [threading.Thread(target=submit, args=pair) for pair in (("fajar", fajar), ("dedi", dedi))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        statuses = sorted(status for status, _ in results.values())
        assert statuses == [303, 409], {k: (s, t[:300]) for k, (s, t) in results.items()}
        loser = next(text for status, text in results.values() if status == 409)
        assert "tim.jaringan" in loser or "dedi.jaringan" in loser
    verify = subprocess.run(sop_command(paths, "verify"), cwd=ROOT, env=sop_env(), capture_output=True, text=True)
    assert verify.returncode == 0, verify.stdout + verify.stderr


def test_a_restarted_postgresql_costs_each_thread_one_refused_request_then_pages_work_again(
        tmp_path: Path, pg_url: str, pg_server: object) -> None:
    """Each server thread keeps its store connection between requests; when PostgreSQL restarts, a thread's next
    request is refused with 503 (never a 500 or a trace) and the one after it connects anew: pages and
    completions work again, and the store verifies."""
    from engine import copy_store

    paths = office(tmp_path)
    started(paths, "SurveyTeknis")
    assert copy_store(paths["db"], pg_url).problems == ()
    paths = {**paths, "db": pg_url}
    with served(paths, tmp_path / "serve.log", workers=1) as base:  # one process of 4 threads
        fajar = Browserless(base)
        fajar.log_in("tim.jaringan")
        for _ in range(8):  # every thread opens its connection
            assert fajar.get("/")[0] == 200
        pg_server.restart()  # type: ignore[attr-defined]
        statuses: list[int] = []
        while statuses[-5:] != [200] * 5 and len(statuses) < 30:
            status, page = fajar.get("/")
            statuses.append(status)
            assert status in (200, 503) and "Traceback" not in page, page[:500]
        assert statuses[-5:] == [200] * 5 and statuses.count(503) <= 4, statuses
        page = "/instances/1/tasks/SurveyTeknis"
        assert fajar.post(page, SURVEY, page)[0] == 303
    verify = subprocess.run(sop_command(paths, "verify"), cwd=ROOT, env=sop_env(), capture_output=True, text=True)
    assert verify.returncode == 0, verify.stdout + verify.stderr
