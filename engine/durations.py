"""ISO-8601 durations (PT30M, PT1H, P1DT2H) as used by a step's `sla` property."""

from __future__ import annotations

import re
from datetime import timedelta

_DURATION = re.compile(
    r"^P(?!$)(?:(?P<weeks>\d+)W)?(?:(?P<days>\d+)D)?"
    r"(?:T(?=\d)(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+)S)?)?$"
)


def parse_duration(text: str) -> timedelta:
    """Parse an ISO-8601 duration of weeks, days, hours, minutes, seconds; ValueError otherwise."""
    match = _DURATION.match(text.strip())
    if not match or text.strip().endswith("T"):
        raise ValueError(f"'{text}' is not an ISO-8601 duration such as PT30M, PT1H or P1D")
    parts = {k: int(v) for k, v in match.groupdict().items() if v}
    return timedelta(**parts)


def is_duration(text: str) -> bool:
    """True when text is an ISO-8601 duration parse_duration accepts."""
    try:
        parse_duration(text)
    except ValueError:
        return False
    return True
