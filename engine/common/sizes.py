"""File sizes as people read them: 512 B, 12.3 KB, 4.5 MB (powers of 1000, as file managers show them)."""

from __future__ import annotations


def size_text(size: int) -> str:
    """A byte count in B, KB, MB or GB with one decimal."""
    if size < 1000:
        return f"{size} B"
    value = float(size)
    for unit in ("KB", "MB", "GB"):
        value /= 1000
        if value < 1000 or unit == "GB":
            return f"{value:.1f} {unit}"
    return f"{size} B"  # not reached
