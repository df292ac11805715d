"""CPU seconds from Linux's /proc: of a process tree (its live processes and the children they have reaped, such
as PostgreSQL's per-connection backends) and of the whole machine, so (l) can say who used the cores during a
run: the server, the database, the clients, or other work. Elsewhere every figure is None."""

from __future__ import annotations

import os
from pathlib import Path

PROC = Path("/proc")


def _ticks() -> float:
    try:
        return float(os.sysconf("SC_CLK_TCK"))
    except (ValueError, OSError, AttributeError):
        return 100.0


def _stat(pid: int) -> tuple[int, float] | None:
    """(parent pid, own CPU ticks + the ticks of its reaped children) of a live process, or None."""
    try:
        text = (PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2:].split()  # after "pid (comm) ": state ppid ... utime stime cutime cstime
    return int(fields[1]), sum(float(x) for x in fields[11:15])


def tree_seconds(root: int | None) -> float | None:
    """CPU seconds used so far by the process root, its live descendants and every child they reaped."""
    if root is None or not PROC.is_dir():
        return None
    table: dict[int, tuple[int, float]] = {}
    for entry in PROC.iterdir():
        if entry.name.isdigit():
            found = _stat(int(entry.name))
            if found is not None:
                table[int(entry.name)] = found
    if root not in table:
        return None
    children: dict[int, list[int]] = {}
    for pid, (parent, _) in table.items():
        children.setdefault(parent, []).append(pid)
    total, todo = 0.0, [root]
    while todo:
        pid = todo.pop()
        total += table[pid][1]
        todo += children.get(pid, [])
    return total / _ticks()


def machine_seconds() -> float | None:
    """CPU seconds all cores have been busy since boot (everything but idle and I/O wait)."""
    try:
        first = (PROC / "stat").read_text().splitlines()[0].split()
    except (OSError, IndexError):
        return None
    values = [float(x) for x in first[1:9]]
    return (sum(values) - values[3] - values[4]) / _ticks()


def postmaster_pid(data: Path) -> int | None:
    """The PostgreSQL server's main process, from its data folder's postmaster.pid."""
    try:
        return int((data / "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


class CpuMeter:
    """CPU seconds of the server tree, the database tree and the machine between start() and stop()."""

    def __init__(self, server: int | None, database: int | None) -> None:
        self.server, self.database = server, database
        self.before: tuple[float | None, ...] = ()

    def _now(self) -> tuple[float | None, ...]:
        return tree_seconds(self.server), tree_seconds(self.database), machine_seconds()

    def start(self) -> None:
        self.before = self._now()

    def stop(self) -> dict[str, float | None]:
        """Seconds used since start(): server, database, machine (None where /proc cannot say)."""
        after = self._now()
        used = [None if a is None or b is None else max(0.0, a - b) for a, b in zip(after, self.before, strict=True)]
        return {"server": used[0], "database": used[1], "machine": used[2]}
