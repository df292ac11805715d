"""Times as people read them: in the office's time zone with the zone's name (WIB, WITA, WIT); the store and
JSON keep ISO 8601 UTC."""

from __future__ import annotations

import os
import re
from datetime import datetime, tzinfo

# calendar.yaml's top-level `time_zone: Asia/Jakarta` line, read without parsing the whole calendar (quick
# commands need only the zone); any other spelling is read by the calendar loader, which also names mistakes.
_ZONE_LINE = re.compile(r"^time_zone:[ \t]*(['\"]?)([A-Za-z][A-Za-z0-9_+\-/]*)\1[ \t]*(?:#.*)?$", re.M)


def office_zone(definitions_dir: str | os.PathLike[str]) -> tzinfo:
    """The time zone of the definitions folder's calendar.yaml, or WIB without a calendar (pathlib and YAML stay
    unloaded: `sop tasks` needs only the zone)."""
    from engine.common.office_zone import SYSTEM_ZONE, default_zone, system_zone

    path = os.path.join(definitions_dir, "calendar.yaml")
    if not os.path.isfile(path):
        return default_zone()
    try:
        with open(path, encoding="utf-8-sig") as file:
            found = _ZONE_LINE.search(file.read())
    except (OSError, UnicodeDecodeError):
        found = None
    if found and found.group(2) == SYSTEM_ZONE:
        return system_zone()
    if found:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            return ZoneInfo(found.group(2))
        except (ZoneInfoNotFoundError, ValueError):
            pass
    from engine.common.work_calendar import load_calendar

    return load_calendar(path).zone


# A stored time inside a message, as the store writes it.
_MOMENT = re.compile(r"\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z")


class LocalTimes:
    """Writes the store's UTC times in one zone: `2026-11-30 08:30 WIB`."""

    def __init__(self, zone: tzinfo) -> None:
        self.zone = zone

    def text(self, moment: str | None, seconds: bool = False) -> str:
        """A stored time (ISO 8601, UTC) as local date, time and zone name; '-' for none."""
        if not moment:
            return "-"
        try:
            local = datetime.fromisoformat(moment).astimezone(self.zone)
        except ValueError:
            return moment
        return local.strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M") + f" {local.tzname()}"

    def in_text(self, text: str) -> str:
        """A message with every stored time inside it (`at 2026-12-04T01:49:10.304Z`) in local time."""
        if "Z" not in text:
            return text
        return _MOMENT.sub(lambda m: self.text(m.group(), seconds=True), text)


def office_times(definitions_dir: str | os.PathLike[str]) -> LocalTimes:
    """The local times of a definitions folder's office (its calendar's zone)."""
    return LocalTimes(office_zone(definitions_dir))
