"""A real `sop serve` on 127.0.0.1 against hostile clients: sixteen connections trickling their requests one byte
every two seconds neither stop a normal page from answering nor hold their threads for long, and a 200 MB
url-encoded sign-in (with a length, or chunked) is answered 413 while the worker's memory stays near idle."""

from __future__ import annotations

import select
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from conftest import ROOT
from web_browser_tools import free_port, server_process, sop_command, sop_env
from web_fixtures import office

pytest.importorskip("gunicorn")
BIG = 200 * 1024 * 1024
CHUNK = 1024 * 1024


@contextmanager
def serving(tmp_path: Path, workers: int) -> Iterator[tuple[int, subprocess.Popen[bytes]]]:
    """`sop serve --workers N` on a free port of 127.0.0.1: (port, the master process); no traceback in its log."""
    paths = office(tmp_path)
    port = free_port()
    log = tmp_path / "serve.log"
    command = sop_command(paths, "serve", "--port", str(port), "--workers", str(workers))
    with server_process(command, port, log, cwd=ROOT, env=sop_env()) as server:
        deadline = time.monotonic() + 30  # the port is bound before the workers serve: wait for a page
        while _status(port, "GET /login") != 200:
            if server.poll() is not None or time.monotonic() > deadline:
                raise AssertionError("sop serve did not answer:\n" + log.read_text())
            time.sleep(0.2)
        yield port, server
    assert "Traceback" not in log.read_text(), log.read_text()


def _status(port: int, line: str, timeout: float = 2.0) -> int | None:
    """The status of one request (`GET /path`), or None when the server did not answer within timeout."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as conn:
            conn.sendall(f"{line} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode())
            head = conn.recv(64)
    except OSError:
        return None
    return int(head.split()[1]) if head.startswith(b"HTTP/1.1 ") else None


def _readable(conn: socket.socket, timeout: float) -> bool:
    """True when the server sent something (or hung up) within timeout; poll, not select: the test process may
    hold more than 1024 descriptors by now (select refuses those above FD_SETSIZE)."""
    poller = select.poll()
    poller.register(conn, select.POLLIN | select.POLLHUP | select.POLLERR)
    return bool(poller.poll(timeout * 1000))


def _trickle(port: int, head: bytes, stop: threading.Event, closed: list[float]) -> None:
    """Send head one byte every two seconds (then a body the same way) until the server closes the connection;
    note when it did."""
    begun = time.monotonic()
    with socket.create_connection(("127.0.0.1", port)) as conn:
        for byte in head + b"a" * 1000:
            if stop.is_set():
                return
            try:
                conn.sendall(bytes([byte]))
            except OSError:
                break
            if _readable(conn, 2.0):
                try:
                    while conn.recv(4096):
                        pass
                except OSError:
                    pass
                break
    closed.append(time.monotonic() - begun)


def test_sixteen_trickling_clients_neither_stop_a_page_nor_hold_their_threads(tmp_path: Path) -> None:
    """Eight clients trickle their headers and eight a 1 MB form one byte every 2 s: the sign-in page keeps
    answering within 3 s (a loaded test machine's margin), and each trickler is cut off within the 10 s grace
    (plus a pause), not after minutes."""
    body_head = (b"POST /login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                 b"Content-Length: 1000000\r\n\r\n")
    header_head = b"GET /login HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + b"b" * 200
    with serving(tmp_path, workers=2) as (port, _):
        stop, closed = threading.Event(), []
        threads = [threading.Thread(target=_trickle, args=(port, head, stop, closed), daemon=True)
                   for head in [body_head] * 8 + [header_head] * 8]
        for thread in threads:
            thread.start()
        time.sleep(1)  # every trickler has its connection and a thread reading from it
        for _ in range(5):
            begun = time.monotonic()
            assert _status(port, "GET /login", timeout=3) == 200
            assert time.monotonic() - begun < 3
            time.sleep(1)
        for thread in threads:
            thread.join(timeout=20)
        stop.set()
        assert len(closed) == 16 and max(closed) < 16, closed


def _worker_pid(master: int) -> int:
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    assert len(children) == 1, children
    return int(children[0])


def _rss_mb(pid: int) -> float:
    line = next(x for x in Path(f"/proc/{pid}/status").read_text().splitlines() if x.startswith("VmRSS:"))
    return int(line.split()[1]) / 1024


def _send_until_answered(port: int, head: bytes, chunked: bool) -> tuple[int | None, int]:
    """Stream a 200 MB body after head until the server answers (or hangs up); its status and the bytes sent."""
    sent = 0
    piece = b"x=" + b"a" * (CHUNK - 2)
    with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
        conn.sendall(head)
        while sent < BIG:
            readable = _readable(conn, 0)
            if readable:
                break
            try:
                conn.sendall(f"{len(piece):x}\r\n".encode() + piece + b"\r\n" if chunked else piece)
            except OSError:
                break
            sent += len(piece)
        try:
            answer = conn.recv(64)
        except OSError:
            answer = b""
    return (int(answer.split()[1]) if answer.startswith(b"HTTP/1.1 ") else None), sent


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_a_200_mb_sign_in_is_413_and_the_worker_stays_near_idle_memory(tmp_path: Path, chunked: bool) -> None:
    """A 200 MB url-encoded POST to /login, streamed in 1 MB pieces: 413 long before the end (refused by its length,
    or after the 1 MiB bound when chunked), the worker's RSS within 64 MB of idle, and the server still serving."""
    head = (b"POST /login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
            + (b"Transfer-Encoding: chunked\r\n" if chunked else f"Content-Length: {BIG}\r\n".encode()) + b"\r\n")
    with serving(tmp_path, workers=1) as (port, server):
        worker = _worker_pid(server.pid)
        assert _status(port, "GET /login") == 200
        idle = _rss_mb(worker)
        begun = time.monotonic()
        status, sent = _send_until_answered(port, head, chunked)
        assert status == 413 and sent < BIG // 4 and time.monotonic() - begun < 20
        assert _rss_mb(worker) - idle < 64, (idle, _rss_mb(worker))
        assert _worker_pid(server.pid) == worker and _status(port, "GET /login") == 200
