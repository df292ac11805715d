"""The note audits read when the roles were recovered by the store file's owner (`sop roles apply --recover`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .render import message
from .words import N_

if TYPE_CHECKING:
    from engine import Engine


def tell_recoveries(engine: Engine, since: str = "") -> None:
    """Say (stderr) which roles events since a time were recoveries by the store file's owner (audits read it)."""
    for row in engine.people.recoveries():
        if row.time >= since:
            message(N_("Note: roles event {seq} was a recovery: {actor}, the owner of the store file, pinned {source} "
                       "at {time}.", seq=row.seq, actor=row.actor,
                       source=row.source.removeprefix("recovery: "), time=row.time))
