"""The office's time zone when nothing names one, and the machine's zone when a calendar asks for it."""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo

# The office's zone when the definitions folder has no calendar: the Dinas works in WIB whatever the machine's
# clock is set to (a server in UTC included); a calendar's `time_zone` says WITA or WIT.
DEFAULT_ZONE_NAME = "Asia/Jakarta"
# calendar.yaml's `time_zone: system`: this machine's zone, only when asked for.
SYSTEM_ZONE = "system"


def default_zone() -> tzinfo:
    """The office zone without a calendar: Asia/Jakarta (WIB)."""
    from zoneinfo import ZoneInfo

    return ZoneInfo(DEFAULT_ZONE_NAME)


def system_zone() -> tzinfo:
    """This machine's zone (calendar.yaml's `time_zone: system`)."""
    return datetime.now(UTC).astimezone().tzinfo or UTC
