"""`sop serve`'s production server: gunicorn run from Python, several worker processes of threads (gthread), the app
loaded once in the master before the workers fork (preload), so they share its generated session secret.

Slow clients: gthread gives a connection a thread once its first bytes arrive and then reads the request with
blocking calls, with no time limit of its own (its keepalive timeout covers idle connections only). Here each
request must arrive at a minimum pace: anything within READ_GRACE_S of its first byte, and after that at least
MIN_BYTES_PER_S on average (headers and body alike). A client slower than that (one byte every two seconds) has its
connection closed, so it holds a thread for seconds, not for ever; each worker has THREADS threads (cheap while
they wait on a socket) and takes a new connection only while one is free, so a few dozen such clients never stop
the others' pages.

A companion (`sop serve --notify`: `sop notify --follow`) is one process the master starts once the server is ready
and stops (SIGTERM, then SIGKILL after COMPANION_STOP_S) when it exits: one sender however many workers there are,
and none of them forked with a sender's thread inside."""

from __future__ import annotations

import logging
import socket
import subprocess
import time
from typing import Any

from gunicorn.app.base import BaseApplication
from gunicorn.workers.gthread import ThreadWorker

from .app import WebSettings, create_app

READ_GRACE_S = 10.0  # any pace is fine for the first seconds of a request (headers, a small form)
MIN_BYTES_PER_S = 8 * 1024  # then at least this much on average: a 20 MB scan may take 40 minutes
THREADS = 16  # per worker process
COMPANION_STOP_S = 30  # how long the companion has to finish the notice in hand when the server stops


class PacedSocket:
    """A client socket whose reads fail once the current request arrives slower than the minimum pace (its
    connection is then closed as if the client had hung up); everything else is the socket's own."""

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock
        self._since = time.monotonic()
        self._got = 0

    def start_request(self) -> None:
        """A new request begins on this connection: its pace counts from now."""
        self._since = time.monotonic()
        self._got = 0

    def _deadline(self) -> float:
        return self._since + READ_GRACE_S + self._got / MIN_BYTES_PER_S

    def recv(self, size: int, *flags: int) -> bytes:
        """Read as the socket does, but wait no longer than the pace allows; b"" (a hang-up) when too slow."""
        left = self._deadline() - time.monotonic()
        if left <= 0:
            return self._too_slow()
        self._sock.settimeout(left)
        try:
            data = self._sock.recv(size, *flags)
        except TimeoutError:
            return self._too_slow()
        finally:
            self._sock.settimeout(None)  # responses are written without the reading deadline
        self._got += len(data)
        return data

    def _too_slow(self) -> bytes:
        logging.getLogger("sop.web").info("closing a connection that sent its request too slowly")
        try:
            self._sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass  # already gone
        return b""

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sock, name)


class PacedThreadWorker(ThreadWorker):  # type: ignore[misc]  # gunicorn has no type hints
    """gthread whose plain-HTTP client sockets read at a minimum pace (PacedSocket), and which accepts a new
    connection only while one of its threads is free (gthread accepts up to worker_connections and queues them
    behind busy threads, so a request could wait behind slow clients in one worker while the other idles)."""

    @property
    def worker_connections(self) -> int:
        """How many connections it may hold: one per thread, besides those idle between requests."""
        return int(self.cfg.threads) + len(self.keepalived_conns) + len(getattr(self, "pending_conns", ()))

    @worker_connections.setter
    def worker_connections(self, _: int) -> None:
        """gthread sets it from the configuration; the property above decides."""

    def handle(self, conn: Any) -> Any:
        if not self.cfg.is_ssl:
            if not isinstance(conn.sock, PacedSocket):
                conn.sock = PacedSocket(conn.sock)  # a new connection: its first request's pace counts from now
            elif conn.initialized:
                conn.sock.start_request()  # the next request of a kept-alive connection
            # else: a connection gthread handed back to its poller before reading (no data yet) keeps its clock,
            # so a client that sends a byte now and then is not granted a fresh grace each time
        return super().handle(conn)


class SopServer(BaseApplication):  # type: ignore[misc]  # gunicorn has no type hints
    """Gunicorn with its options given here rather than read from a command line or a config file."""

    def __init__(self, app: Any, options: dict[str, Any]) -> None:
        self.application = app
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            if key in self.cfg.settings:  # settings newer than gunicorn 22 (control_socket_disable) are skipped
                self.cfg.set(key, value)

    def load(self) -> Any:
        return self.application


class Companion:
    """A command the master runs beside the workers, from the server's start to its end."""

    def __init__(self, command: list[str]) -> None:
        self.command = command
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, _arbiter: Any = None) -> None:
        """Start the command (gunicorn's when_ready: the master, listening, before the workers)."""
        logging.getLogger("sop.web").info("starting the notices sender beside the server")
        self.process = subprocess.Popen(self.command)

    def stop(self, _arbiter: Any = None) -> None:
        """Stop the command and wait for it (gunicorn's on_exit: the master, after its workers)."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(COMPANION_STOP_S)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def serve(settings: WebSettings, host: str, port: int, workers: int, threads: int = THREADS, *,
          companion: list[str] | None = None) -> None:
    """Serve the app until interrupted; only the trusted proxies' X-Forwarded-* headers are believed; the companion
    command (if any) runs beside it in one process."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s [%(process)d] %(levelname)s %(name)s: %(message)s")
    app = create_app(settings)
    options = {
        "bind": f"[{host}]:{port}" if ":" in host else f"{host}:{port}",
        "workers": workers,
        "worker_class": "web.server.PacedThreadWorker",
        "threads": threads,
        "preload_app": True,
        "forwarded_allow_ips": ",".join(settings.trusted_proxies) or "127.0.0.2",  # none: an address never used
        "accesslog": "-",
        "errorlog": "-",
        "timeout": 120,
        "graceful_timeout": 20,
        "limit_request_line": 8190,
        "proc_name": "sop-serve",
        "control_socket_disable": True,  # gunicorn 24+: no gunicornc socket in the user's home
    }
    if companion:
        beside = Companion(companion)
        options.update(when_ready=beside.start, on_exit=beside.stop)
    SopServer(app, options).run()
