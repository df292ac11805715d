"""Who is at the keyboard: the OS account of the running process, from its user id."""

from __future__ import annotations

import os


def os_login() -> str:
    """The login name of this process's real user id (not $USER, which anyone can set)."""
    try:
        import pwd

        return pwd.getpwuid(os.getuid()).pw_name
    except (ImportError, KeyError):
        return f"uid-{os.getuid()}" if hasattr(os, "getuid") else "unknown"
