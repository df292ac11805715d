"""CSV cells a spreadsheet may open safely (the web's export; the same rule as the CLI's `--csv`): text that would
start a formula gets a leading quote (OWASP's advice), control characters are shown as escapes, numbers stay
numbers."""

from __future__ import annotations

import re

_FORMULA = ("=", "+", "-", "@", "\t", "\r")
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def spreadsheet_cell(value: object) -> object:
    """A CSV cell as spreadsheets may open it safely."""
    if not isinstance(value, str):
        return value
    text = _CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), value)
    return "'" + text if text.startswith(_FORMULA) else text
