"""Named points where the crash-safety tests kill a command mid-transaction (SOP_FAILPOINT)."""

from __future__ import annotations

import os


def failpoint(name: str) -> None:
    """Kill this process at a named point when SOP_FAILPOINT says so (crash-safety tests)."""
    if os.environ.get("SOP_FAILPOINT") == name:
        import signal

        os.kill(os.getpid(), signal.SIGKILL)
