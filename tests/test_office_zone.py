"""Tests that people read the office's time without configuration: WIB when the definitions folder has no
calendar, the calendar's zone when it names one, the machine's zone only when the calendar says `system`."""

from __future__ import annotations

import re
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from conftest import DEFINITIONS, FORMS, Sop


@pytest.fixture
def machine_in_new_york(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The machine's clock set to a zone no Indonesian office is in (TZ read again by the C library)."""
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def _definitions(tmp_path: Path, zone_line: str | None) -> Path:
    """The shipped definitions without roles; without a calendar (zone_line None) or with its time_zone line
    replaced."""
    folder = tmp_path / "definitions"
    shutil.copytree(DEFINITIONS, folder, ignore=shutil.ignore_patterns("roles.yaml"))
    calendar = folder / "calendar.yaml"
    if zone_line is None:
        calendar.unlink()
    else:
        text = calendar.read_text(encoding="utf-8")
        calendar.write_text(text.replace("time_zone: Asia/Jakarta          # WIB", zone_line), encoding="utf-8")
    return folder


def _started_time(sop: Sop) -> str:
    """The start time `sop history` prints for a new instance (date, time and zone name)."""
    instance = sop.start()
    history = sop("history", str(instance))
    assert history.exit_code == 0, history.output
    found = re.search(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}(?::\d{2})? ([A-Z]+|[+-]\d+)", history.stdout)
    assert found, history.stdout
    return found.group(1)


@pytest.mark.parametrize(("zone_line", "name"), [
    (None, "WIB"), ("time_zone: Asia/Makassar", "WITA"), ("time_zone: Asia/Jayapura", "WIT"),
    ("time_zone: system", "EST"), ("time_zone: 'system'  # the machine's", "EST")])
def test_times_are_read_in_the_office_zone_whatever_the_machine_zone(
    make_sop: Callable[..., Sop], tmp_path: Path, machine_in_new_york: None, zone_line: str | None, name: str,
) -> None:
    """On a machine set to New York, history prints WIB without a calendar, WITA/WIT as the calendar says, and the
    machine's zone (EST in December) only for `time_zone: system`."""
    sop = make_sop(_definitions(tmp_path, zone_line), FORMS)
    expected = {"EST", "EDT"} if name == "EST" else {name}  # New York's name depends on the day the test runs
    assert _started_time(sop) in expected


def test_without_a_calendar_a_day_of_the_sla_report_is_a_wib_day(make_sop: Callable[..., Sop], tmp_path: Path,
                                                                 machine_in_new_york: None) -> None:
    """`report sla --since` reads its dates as days in WIB without a calendar (not UTC, not the machine's)."""
    from engine.common.work_calendar import WallClock
    from engine.service.sla_report import day_window

    assert day_window(WallClock(), date_of("2026-11-30"), None)[0] == "2026-11-29T17:00:00.000Z"


def date_of(text: str) -> object:
    """A date from ISO text."""
    from datetime import date

    return date.fromisoformat(text)


def test_a_time_zone_that_is_no_zone_names_the_choices(make_sop: Callable[..., Sop], tmp_path: Path) -> None:
    """A misspelt time_zone refuses the command, naming the file, the value and the zones to choose from."""
    sop = make_sop(_definitions(tmp_path, "time_zone: Asia/Bangka"), FORMS)
    result = sop("start", "interkoneksi_data_baru")
    assert result.exit_code == 1
    assert "time_zone 'Asia/Bangka' is not a time zone" in result.stderr
    assert "Asia/Makassar (WITA)" in result.stderr and "system" in result.stderr
    assert sop.dump().get("instances", []) == []
