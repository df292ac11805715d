"""`sop history` as an auditor reads it, at the edges the older tests left open (the mutants of engine/audit/records.py
that survived them, `make mutants`): the time between steps in words at each unit's boundary."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from conftest import EXAMPLES, FORMS, Sop, single_user_definitions

from engine import Engine, load_scenarios
from engine.common.identity import os_login
from engine.common.work_calendar import format_time

T0 = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)
# Seconds from each step to the next, and how `sop history --audit` says each (rounded to the second; minutes from
# 60 s, hours from 60 min, days from 24 h).
GAPS = [(45.0, "45s"), (59.4, "59s"), (59.6, "1m 00s"), (61.0, "1m 01s"), (750.0, "12m 30s"), (3599.0, "59m 59s"),
        (3600.0, "1h 00m"), (7500.0, "2h 05m"), (86399.0, "23h 59m"), (86400.0, "1d 0h"), (273600.0, "3d 4h"),
        (0.4, "0s")]


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> str:
        return format_time(self.now)


@pytest.fixture
def spaced(tmp_path: Path) -> tuple[Sop, int]:
    """An instance of the Interkoneksi SOP (the pasang scenario) whose steps are GAPS apart."""
    scenario = next(s for s in load_scenarios(EXAMPLES) if s.file.endswith("pasang.scenario.yaml"))
    clock = Clock()
    engine = Engine(str(tmp_path / "sop.db"), definitions_dir=single_user_definitions(), forms_dir=FORMS,
                    clock=clock, operator=os_login())
    instance = engine.instances.start("interkoneksi_data_baru").instance
    for step, (gap, _) in zip(scenario.steps, GAPS, strict=False):
        clock.now += timedelta(seconds=gap)
        engine.instance(instance).complete(step["task"], step["data"], attach=step["attach"] or None)
    engine.close()
    return Sop(tmp_path / "sop.db"), instance


def test_history_says_the_time_between_steps_in_the_largest_units(spaced: tuple[Sop, int]) -> None:
    """Each step's "after" in `sop history --audit` is the time since the step before, rounded to the second, in
    seconds under a minute, minutes and seconds under an hour, hours and minutes under a day, else days and hours;
    the first event has none; `--json` gives the exact seconds."""
    sop, instance = spaced
    result = sop("history", str(instance), "--audit")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert re.split(r"\s{2,}", lines[0])[:8] == ["#", "TIME", "STEP", "LANE", "ACTOR", "OPERATOR", "AFTER", "SUMMARY"]
    after = [re.split(r"\s{2,}", line)[6] for line in lines[1:1 + len(GAPS) + 1]]
    assert after == ["-", *[words for _, words in GAPS]]
    seconds = [row["after_seconds"] for row in sop.json("history", str(instance))][:len(GAPS) + 1]
    assert seconds == [None, *[pytest.approx(gap, abs=0.001) for gap, _ in GAPS]]
