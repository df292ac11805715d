"""The process's umask, read without setting it (a server's threads must never create a file under a borrowed
umask)."""

from __future__ import annotations

import os


def current_umask() -> int:
    """The process's umask, read without changing it where the system says it (Linux: /proc/self/status), so
    that no thread of a server creates a file under a borrowed umask; else set and put back at once."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o077)
    os.umask(mask)
    return mask
