"""A private PostgreSQL server for the tests: initdb into a temporary folder, pg_ctl start on a free loopback
port with its own socket folder (as the postgres OS user when running as root), stopped and removed at the end."""

from __future__ import annotations

import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

from missing_tool import missing

# Debian and Ubuntu keep each major version's server binaries here; the highest installed version wins.
PG_BIN_GLOB = "/usr/lib/postgresql/*/bin"


def _version(folder: Path) -> tuple[int, ...]:
    """The version in a /usr/lib/postgresql/<version>/bin path, as numbers (15, 9.6 -> (9, 6))."""
    return tuple(int(part) for part in re.findall(r"\d+", folder.parent.name))


def _has_server(folder: Path) -> bool:
    return (folder / "initdb").is_file() and (folder / "pg_ctl").is_file()


def find_bin() -> Path | None:
    """The folder holding initdb and pg_ctl: PG_BIN, else the one on PATH, else the highest version under
    /usr/lib/postgresql; None where PostgreSQL's server binaries are not installed."""
    candidates = [Path(os.environ["PG_BIN"])] if os.environ.get("PG_BIN") else []
    found = shutil.which("initdb")
    if found:
        candidates.append(Path(found).resolve().parent)
    candidates += sorted((Path(p) for p in Path("/").glob(PG_BIN_GLOB.lstrip("/"))), key=_version, reverse=True)
    return next((folder for folder in candidates if _has_server(folder)), None)


def unavailable(reason: str) -> None:
    """Skip a PostgreSQL test saying why; under CI=true fail it instead, so CI cannot pass by skipping."""
    missing(f"{reason} (the PostgreSQL tests cannot run)")


def session_server() -> Iterator[PgServer]:
    """A started private server for a test session, stopped at the end (skipped or, in CI, failed without one)."""
    bindir = find_bin()
    if bindir is None:
        unavailable("PostgreSQL server binaries (initdb, pg_ctl) are not installed: apt-get install postgresql")
        return
    try:
        import psycopg  # noqa: F401
    except ImportError:
        unavailable("psycopg is not installed: pip install -e '.[postgres]'")
        return
    server = PgServer(bindir)
    server.start()
    try:
        yield server
    finally:
        server.stop()


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
