"""Workflows this process wrote last, by instance, so that its next step skips restoring the state it just stored
(the idea of Temporal's sticky workflow cache); a kept workflow is used only while the stored row still holds
exactly the version, row version and state bytes it was written as."""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from engine.store.protocol import InstanceRow

KEPT = 256  # instances: a few megabytes at most; `sop serve` works on many, a CLI command on one


class WarmWorkflows:
    """The last written workflow of up to KEPT instances, oldest dropped first."""

    def __init__(self, size: int = KEPT) -> None:
        self._size = size
        self._kept: OrderedDict[int, tuple[tuple[str, int, bytes], Any]] = OrderedDict()

    def take(self, row: InstanceRow) -> Any | None:
        """The workflow written as this row, handed over (a failed step must not leave a changed one kept)."""
        entry = self._kept.pop(row.id, None)
        if entry is None or entry[0] != (row.version, row.row_version, row.state):
            return None
        return entry[1]

    def keep(self, row: InstanceRow, workflow: Any) -> None:
        """Remember the workflow a committed change wrote as this row."""
        self._kept[row.id] = ((row.version, row.row_version, row.state), workflow)
        self._kept.move_to_end(row.id)
        while len(self._kept) > self._size:
            self._kept.popitem(last=False)
