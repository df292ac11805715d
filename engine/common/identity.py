"""Who acts and when: the OS account of the running process (from its user id), and the time now in UTC."""

from __future__ import annotations

import os


def os_login() -> str:
    """The login name of this process's real user id (not $USER, which anyone can set)."""
    try:
        import pwd

        return pwd.getpwuid(os.getuid()).pw_name
    except (ImportError, KeyError):
        return f"uid-{os.getuid()}" if hasattr(os, "getuid") else "unknown"


def utc_now() -> str:
    """Now in UTC, ISO 8601 with milliseconds and a Z (by the time module: `sop tasks` needs no datetime)."""
    import time

    now = time.time()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now)) + f".{int(now % 1 * 1000):03d}Z"


def check_login(login: str, where: str) -> None:
    """Refuse a login that is empty, over 200 characters, or holds control characters (it would forge output)."""
    from engine.common.errors import ValidationError

    if not login.strip() or len(login) > 200 or any(ord(c) < 32 or 127 <= ord(c) < 160 for c in login):
        shown = login.encode("unicode_escape").decode("ascii")[:60]
        raise ValidationError("{where} '{shown}': a login is a name such as kasi.infra (no control characters, "
                              "at most 200 characters); nothing was changed", where=where, shown=shown)
