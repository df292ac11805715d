"""Tests that a broken calendar.yaml is refused naming the field, instead of leaving every due time empty."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import Sop, copy_definitions

from engine.common.errors import EngineError
from engine.common.work_calendar import WallClock
from engine.service.schedule import due_of

T0 = "2026-11-02T01:00:00.000Z"


@pytest.mark.parametrize(("old", "new", "message"), [
    ("country: ID", "country: id", "holidays.country 'id' is no country the holidays package knows; write it in "
     "capitals: ID"),
    ("country: ID", "country: XX", "holidays.country 'XX' is no country the holidays package knows; use a code"),
    ("country: ID", "country: ID\n  subdivision: ZZ", "holidays.subdivision 'ZZ' is no subdivision of ID; use one"),
    ("holidays:\n", "holiday:\n", "unknown field(s) holiday; a calendar has holidays, time_zone, working_hours"),
    ("remove: []", "removed: []", "holidays: unknown field(s) removed; allowed: add, country, remove, subdivision"),
    ("remove: []", "remove: 2026-08-17", "holidays.remove must be a list of dates"),
])
def test_a_calendar_mistake_refuses_start_naming_the_field(make_sop: Callable[..., Sop], tmp_path: Path, old: str,
                                                          new: str, message: str) -> None:
    """start with a mistyped calendar exits 1 naming calendar.yaml and the field, and starts nothing."""
    definitions, forms = copy_definitions(tmp_path)
    calendar = definitions / "calendar.yaml"
    text = calendar.read_text(encoding="utf-8")
    assert old in text
    calendar.write_text(text.replace(old, new, 1), encoding="utf-8")
    sop = make_sop(definitions, forms)
    result = sop("start", "interkoneksi_data_baru")
    assert result.exit_code == 1
    assert f"calendar.yaml: {message}" in result.output
    assert "internal error" not in result.output
    assert sop.dump().get("instances", []) == []


def test_a_correct_calendar_still_gives_due_times(sop: Sop) -> None:
    """The shipped calendar (country ID) loads and the first step gets a due time."""
    sop.start()
    assert sop.json("tasks")[0]["due"] is not None


def test_a_due_time_that_cannot_be_computed_names_the_step_and_value() -> None:
    """due_of refuses an sla it cannot count instead of returning no due time."""
    with pytest.raises(EngineError, match=r"Instance 7 step 'Telaah' has sla 'P400D', whose due time cannot be "
                                          r"computed: 'P400D' is longer than 366 days"):
        due_of(WallClock(), T0, "P400D", "Instance 7 step 'Telaah'")
