"""A real `sop serve` (the CLI's gunicorn, on a free port) and the clients (l) drives it with: keep-alive HTTP/1.1
connections (http.client), each with the session cookie of its own login, as a browser keeps them."""

from __future__ import annotations

import http.client
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
COUNT = re.compile(r'data-count="(\d+)"')
PROBLEM = re.compile(r"\bERROR\b|\bCRITICAL\b|Traceback|WORKER TIMEOUT")  # the app's log and gunicorn's


def free_port() -> int:
    """A loopback port nobody listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """`sop --db URL --definitions D --forms F serve --port P --workers N` in a process of its own (its log in a
    temporary file), ready once it accepts connections; stopped with SIGTERM (gunicorn's graceful stop)."""

    def __init__(self, url: str, definitions: Path, forms: Path, workers: int) -> None:
        sop = shutil.which("sop", path=str(Path(sys.executable).parent)) or "sop"
        self.port = free_port()
        self.log = tempfile.TemporaryFile("w+")
        env = {k: v for k, v in os.environ.items() if not k.startswith("SOP_")}
        env["SOP_SECRET_KEY"] = "bench-" + "k" * 40
        # this checkout's engine, runner and web, like the bench itself (not an older installed copy)
        env["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [env.get("PYTHONPATH")])])
        self.argv = [sop, "--db", url, "--definitions", str(definitions), "--forms", str(forms), "serve",
                     "--host", "127.0.0.1", "--port", str(self.port), "--workers", str(workers)]
        self.proc = subprocess.Popen(self.argv, stdout=self.log, stderr=subprocess.STDOUT, env=env)
        self.workers = workers

    def wait_ready(self, timeout: float = 60) -> None:
        """Until the server answers GET /login (every worker has forked once one answers: gunicorn preloads)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"sop serve exited ({self.proc.returncode}): {self.output()}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                conn.request("GET", "/login")
                if conn.getresponse().status == 200:
                    conn.close()
                    return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"sop serve did not answer within {timeout} s: {self.output()}")

    def output(self) -> str:
        """What the server has logged so far (its last 4,000 characters)."""
        self.log.seek(0)
        return self.log.read()[-4000:]

    def errors(self) -> list[str]:
        """The log lines of server errors (incidents, tracebacks, worker timeouts)."""
        self.log.seek(0)
        return [line.strip() for line in self.log if PROBLEM.search(line)]

    def stop(self) -> None:
        """Stop gunicorn (TERM: workers finish their requests) and wait for it."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


class Client:
    """One person's browser: a keep-alive connection and the session cookie its login got (kept as it was at
    login: later Set-Cookie headers only refresh its expiry and carry flashed confirmations, which this client,
    not following the 303 to the tasklist, never reads)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        self.cookie = ""

    def request(self, method: str, path: str, fields: dict[str, str] | None = None) -> tuple[int, str, str]:
        """One request on the kept connection (reconnecting once if the server closed it); status, body and the
        session cookie the response set (or "")."""
        headers = {"Cookie": self.cookie} if self.cookie else {}
        body = None
        if fields is not None:
            body = urllib.parse.urlencode(fields)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        for attempt in (1, 2):
            try:
                self.conn.request(method, path, body, headers)
                answer = self.conn.getresponse()
                text = answer.read().decode("utf-8", "replace")
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
                if attempt == 2:
                    raise
        cookie = ""
        for name, value in answer.getheaders():
            if name.lower() == "set-cookie" and value.startswith("sop_session="):
                cookie = value.split(";", 1)[0]
        return answer.status, text, cookie

    def login(self, login: str, password: str) -> None:
        """GET /login for the form's CSRF token (and the anonymous session), POST it; keeps the new session."""
        status, page, self.cookie = self.request("GET", "/login")
        token = csrf_of(page, status, "/login")
        status, page, cookie = self.request("POST", "/login", {"login": login, "password": password,
                                                              "csrf_token": token, "next": ""})
        if status != 303 or not cookie:
            raise RuntimeError(f"login of {login} answered {status}: {page[:300]}")
        self.cookie = cookie

    def close(self) -> None:
        self.conn.close()


def csrf_of(page: str, status: int, path: str) -> str:
    """The CSRF token of a page's form; a clear error when the page is not what was asked for."""
    found = CSRF.search(page)
    if status != 200 or found is None:
        raise RuntimeError(f"GET {path} answered {status} without a form: {page[:300]}")
    return found.group(1)
