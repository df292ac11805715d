"""A private PostgreSQL server for the tests: initdb into a temporary folder, pg_ctl start on a free loopback
port with its own socket folder (as the postgres OS user when running as root), stopped and removed at the end."""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

PG_BIN_DIRS = ["/usr/lib/postgresql/17/bin", "/usr/lib/postgresql/16/bin", "/usr/lib/postgresql/15/bin"]


def find_bin() -> Path | None:
    """The folder holding initdb and pg_ctl, or None where PostgreSQL's server binaries are not installed."""
    found = shutil.which("initdb")
    candidates = ([str(Path(found).resolve().parent)] if found else []) + PG_BIN_DIRS
    for folder in candidates:
        if (Path(folder) / "initdb").exists() and (Path(folder) / "pg_ctl").exists():
            return Path(folder)
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PgServer:
    """One running server; url(name) gives a database URL, create_database() a fresh empty database."""

    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self.root = Path(tempfile.mkdtemp(prefix="sop-pg-"))
        self.data = self.root / "data"
        self.sockets = self.root / "sock"
        self.sockets.mkdir()
        self.port = _free_port()
        self.prefix: list[str] = []
        if os.geteuid() == 0:  # PostgreSQL refuses to run as root
            user = pwd.getpwnam("postgres")
            for path in (self.root, self.sockets):
                os.chown(path, user.pw_uid, user.pw_gid)
            self.prefix = ["runuser", "-u", "postgres", "--"]
        self.count = 0

    def _run(self, *args: str) -> None:
        result = subprocess.run([*self.prefix, *args], capture_output=True, text=True, timeout=120)
        if result.returncode != 0:
            raise RuntimeError(f"{args[0]} failed: {result.stdout}{result.stderr}")

    def start(self) -> None:
        """initdb (no fsync) and start on the loopback port."""
        self._run(str(self.bindir / "initdb"), "--no-sync", "-A", "trust", "-U", "postgres", "-E", "UTF8",
                  "-D", str(self.data))
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-o", self.options, "-l",
                  str(self.root / "log"), "-w", "-t", "60", "start")

    @property
    def options(self) -> str:
        """The server's command-line settings: loopback port, private socket folder, no fsync."""
        return (f"-p {self.port} -k {self.sockets} -c listen_addresses=127.0.0.1 -c fsync=off "
                "-c synchronous_commit=off -c full_page_writes=off -c max_connections=100")

    def restart(self) -> None:
        """Restart the server (fast shutdown: running commands lose their connections)."""
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-l", str(self.root / "log"),
                  "-w", "-t", "60", "restart")

    def pause(self) -> None:
        """Stop the server, keeping its data (resume() starts it again)."""
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")

    def resume(self) -> None:
        """Start a paused server."""
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-o", self.options, "-l",
                  str(self.root / "log"), "-w", "-t", "60", "start")

    def stop(self) -> None:
        """Stop the server and remove its folder."""
        try:
            self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def url(self, database: str = "postgres") -> str:
        """The URL of one database of this server."""
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self) -> str:
        """A new empty database, and its URL."""
        import psycopg

        self.count += 1
        name = f"sop_test_{self.count}"
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}")
        return self.url(name)
