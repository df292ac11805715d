"""ISO-8601 durations (PT30M, PT1H, P1DT2H) as used by a step's `sla` and a timer's timeDuration.

One rule for every duration sop reads: at most MAX_DAYS days long (counting every day and hour, as a wall clock
does), so a typo of many digits is refused where it is written instead of overflowing a date later."""

from __future__ import annotations

import re
from datetime import timedelta

from engine.common.i18n import N_

MAX_DAYS = 366
DURATION_SHAPE = re.compile(
    r"^P(?!$)(?:(?P<weeks>\d+)W)?(?:(?P<days>\d+)D)?"
    r"(?:T(?=\d)(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+)S)?)?$"
)
_SECONDS = {"weeks": 7 * 86400, "days": 86400, "hours": 3600, "minutes": 60, "seconds": 1}


def duration_parts(text: str) -> dict[str, int]:
    """The weeks, days, hours, minutes and seconds of a duration; ValueError saying why when it is not one
    or is longer than MAX_DAYS days."""
    match = DURATION_SHAPE.match(text.strip())
    if not match or text.strip().endswith("T"):
        raise ValueError(f"'{text}' is not an ISO-8601 duration such as PT30M, PT1H or P1D")
    parts = {k: int(v) for k, v in match.groupdict().items() if v}
    if sum(n * _SECONDS[k] for k, n in parts.items()) > MAX_DAYS * 86400:
        raise ValueError(f"'{text}' is longer than {MAX_DAYS} days, the longest duration sop accepts; "
                         "check the number")
    return parts


def parse_duration(text: str) -> timedelta:
    """Parse an ISO-8601 duration of weeks, days, hours, minutes, seconds; ValueError otherwise."""
    return timedelta(**duration_parts(text))


def duration_problem(text: str) -> str | None:
    """Why text is no duration sop accepts, to follow "has sla='...', " (None when it is one)."""
    try:
        duration_parts(text)
    except ValueError:
        if DURATION_SHAPE.match(text.strip()):
            return N_("longer than {max_days} days, the longest duration sop accepts; check the number",
                      max_days=MAX_DAYS)
        return N_("not an ISO-8601 duration; write it as PT30M, PT1H or P1D")
    return None


def is_duration(text: str) -> bool:
    """True when text is an ISO-8601 duration parse_duration accepts."""
    return duration_problem(text) is None


def bare_moment(text: str) -> bool:
    """True for an ISO-8601 date or date and time (quoted or not), as a timeDate gives it."""
    from datetime import datetime

    bare = text.strip().strip("\"'")
    if not bare[:4].isdigit():
        return False
    try:
        datetime.fromisoformat(bare)
    except ValueError:
        return False
    return True
