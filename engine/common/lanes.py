"""Lane names as sop compares them everywhere (roles file, lint, store filters): case-folded, spaces collapsed."""

from __future__ import annotations


def lane_key(lane: str) -> str:
    """A lane name as compared: case-folded, inner spaces collapsed."""
    return " ".join(lane.split()).casefold()
