"""Lane names as sop compares them everywhere (roles file, lint, store filters): case-folded, spaces collapsed;
a lane may name its unit in parentheses: `Kepala Bagian (Bidang Pendidikan Dasar)`."""

from __future__ import annotations

import re

_UNIT = re.compile(r"^(?P<lane>.*?\S)\s*\((?P<unit>[^()]*?\S[^()]*?)\)\s*$")


def lane_key(lane: str) -> str:
    """A lane name as compared: case-folded, inner spaces collapsed."""
    return " ".join(lane.split()).casefold()


def split_unit(lane: str) -> tuple[str, str | None]:
    """A lane's name and the unit it names in closing parentheses (None when it names none)."""
    found = _UNIT.match(lane)
    if found is None:
        return " ".join(lane.split()), None
    return " ".join(found["lane"].split()), " ".join(found["unit"].split())


def with_unit(lane: str, unit: str | None) -> str:
    """A lane within a unit: `Kepala Bagian (Bidang Pendidikan Dasar)`; a lane that names its unit already, or no
    unit, leaves it as written."""
    if not unit or split_unit(lane)[1] is not None:
        return lane
    return f"{' '.join(lane.split())} ({' '.join(unit.split())})"
