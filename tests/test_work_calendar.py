"""Tests for working time: due times on the Dinas calendar across breaks, weekends and holidays."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import DEFINITIONS

from engine.common.errors import DefinitionError
from engine.common.work_calendar import WallClock, load_calendar

CALENDAR = load_calendar(DEFINITIONS / "calendar.yaml")


def wib(text: str) -> str:
    """A Jakarta wall-clock time (WIB, UTC+7) as the store writes times (UTC, Z)."""
    from datetime import datetime, timedelta

    moment = datetime.fromisoformat(text) - timedelta(hours=7)
    return moment.isoformat(timespec="milliseconds") + "Z"


def test_due_within_one_working_morning() -> None:
    """PT30M from Monday 08:00 WIB is due at 08:30 WIB."""
    assert CALENDAR.due(wib("2026-11-02T08:00:00"), "PT30M") == wib("2026-11-02T08:30:00")


def test_due_skips_the_lunch_break() -> None:
    """PT1H from Monday 11:30 WIB counts 30 minutes before the 12:00 break and 30 after 13:00."""
    assert CALENDAR.due(wib("2026-11-02T11:30:00"), "PT1H") == wib("2026-11-02T13:30:00")


def test_due_across_a_weekend() -> None:
    """PT1H from Friday 16:00 WIB: 30 minutes until 16:30, then Monday 07:30 + 30 minutes."""
    assert CALENDAR.due(wib("2026-11-06T16:00:00"), "PT1H") == wib("2026-11-09T08:00:00")


def test_due_across_a_local_day_off_a_national_holiday_and_a_weekend() -> None:
    """PT1H from Wednesday 23 December 15:30: cuti bersama on the 24th (calendar YAML), Christmas on the 25th
    (holidays package), then the weekend: due Monday 28 December 08:00 WIB."""
    assert CALENDAR.due(wib("2026-12-23T15:30:00"), "PT1H") == wib("2026-12-28T08:00:00")


def test_ready_outside_office_hours_counts_from_the_next_opening() -> None:
    """A task ready Saturday evening with PT3H is due Monday 10:30 WIB."""
    assert CALENDAR.due(wib("2026-11-07T19:00:00"), "PT3H") == wib("2026-11-09T10:30:00")


def test_a_day_is_the_next_working_day_at_the_same_time() -> None:
    """P1D from Friday 10:00 WIB is Monday 10:00 WIB; from the eve of Idulfitri it skips the holidays."""
    assert CALENDAR.due(wib("2026-11-06T10:00:00"), "P1D") == wib("2026-11-09T10:00:00")
    # 18 March 2026: 19 is Nyepi, 20, 23, 24 cuti bersama, 21-22 Idulfitri (a weekend too): next working day the 25th.
    assert CALENDAR.due(wib("2026-03-18T10:00:00"), "P1D") == wib("2026-03-25T10:00:00")
    # Ready on Nyepi itself: counting starts at the 25th's opening, one working day ends at its close.
    assert CALENDAR.due(wib("2026-03-19T10:00:00"), "P1D") == wib("2026-03-25T16:00:00")


def test_worked_counts_only_office_hours() -> None:
    """From Friday 16:00 to Monday 08:00 WIB is one working hour."""
    assert CALENDAR.worked(wib("2026-11-06T16:00:00"), wib("2026-11-09T08:00:00")) == 3600


def test_without_a_calendar_every_hour_counts() -> None:
    """Without a calendar PT1H after Friday 16:00 is Friday 17:00, and P1D is 24 hours."""
    clock = WallClock()
    assert clock.due("2026-11-06T09:00:00.000Z", "PT1H") == "2026-11-06T10:00:00.000Z"
    assert clock.due("2026-11-06T09:00:00.000Z", "P1D") == "2026-11-07T09:00:00.000Z"


def test_a_removed_holiday_is_a_working_day(tmp_path: Path) -> None:
    """A national holiday listed under holidays.remove is worked: Christmas 2026 then has office hours."""
    text = (DEFINITIONS / "calendar.yaml").read_text(encoding="utf-8").replace("remove: []", "remove: [2026-12-25]")
    path = tmp_path / "calendar.yaml"
    path.write_text(text, encoding="utf-8")
    calendar = load_calendar(path)
    assert calendar.due(wib("2026-12-23T15:30:00"), "PT1H") == wib("2026-12-25T08:00:00")


@pytest.mark.parametrize(("old", "new", "message"), [
    ("time_zone: Asia/Jakarta", "time_zone: Asia/Bangka", "is not a time zone"),
    ('senin: ["07:30-12:00", "13:00-16:00"]', 'senin: ["07:30-12:00", "11:00-16:00"]', "spans overlap"),
    ('senin: ["07:30-12:00", "13:00-16:00"]', 'senin: ["16:00-07:30"]', "must end after it starts"),
    ("  sabtu: []", "  sabtuu: []", "is no weekday"),
    ("2026-12-24: Cuti bersama Natal", "24-12-2026: Cuti bersama Natal", "is not a date"),
])
def test_a_broken_calendar_is_refused_naming_the_field(tmp_path: Path, old: str, new: str, message: str) -> None:
    """A calendar with a bad time zone, overlapping or reversed hours, an unknown day or a bad date is refused."""
    text = (DEFINITIONS / "calendar.yaml").read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "calendar.yaml"
    path.write_text(text.replace(old, new), encoding="utf-8")
    with pytest.raises(DefinitionError, match=message):
        load_calendar(path)
