"""Working time: due times and time taken counted on the office calendar (hours per weekday, holidays)."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from pathlib import Path
from typing import Any

from engine.common.errors import DefinitionError, EngineError

CALENDAR_FILE = "calendar.yaml"
_TOP_FIELDS = {"time_zone", "working_hours", "holidays"}
_HOLIDAY_FIELDS = {"country", "subdivision", "add", "remove"}
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
HARI = ("senin", "selasa", "rabu", "kamis", "jumat", "sabtu", "minggu")
_SPAN = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")
_HORIZON_DAYS = 3660  # a duration that finds no working time within ten years is a broken calendar


def parse_time(text: str) -> datetime:
    """An ISO 8601 time as the store writes it (UTC, trailing Z) as an aware datetime."""
    return datetime.fromisoformat(text)


def format_time(moment: datetime) -> str:
    """An aware datetime as the store writes times: UTC, milliseconds, Z."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def split_duration(text: str) -> tuple[int, int]:
    """An ISO-8601 duration as (working days, seconds): W counts five working days, D one."""
    from engine.common.durations import duration_parts

    try:
        parts = duration_parts(text)
    except ValueError as exc:
        raise EngineError(str(exc)) from None
    days = parts.get("weeks", 0) * 5 + parts.get("days", 0)
    seconds = parts.get("hours", 0) * 3600 + parts.get("minutes", 0) * 60 + parts.get("seconds", 0)
    return days, seconds


class WallClock:
    """No calendar: every hour counts, a day is 24 hours; days are the office's (WIB)."""

    day_seconds = 86400.0

    def __init__(self) -> None:
        from engine.common.office_zone import default_zone

        self.zone = default_zone()

    def due(self, start: str, duration: str) -> str:
        """The moment a duration after start ends."""
        days, seconds = split_duration(duration)
        return format_time(parse_time(start) + timedelta(days=days, seconds=seconds))

    def worked(self, start: str, end: str) -> float:
        """Seconds between two moments."""
        return (parse_time(end) - parse_time(start)).total_seconds()


@dataclass
class WorkCalendar:
    """Office hours per weekday in one time zone, minus national holidays and local days off."""

    source: str
    zone: tzinfo
    hours: tuple[tuple[tuple[time, time], ...], ...]  # per weekday, Monday first
    country: str | None = None
    subdivision: str | None = None
    added: dict[date, str] = field(default_factory=dict)
    removed: frozenset[date] = frozenset()
    key: str = ""  # the calendar text and the holidays package version, hashed: names cached days off
    legacy: bool = False  # the due-time rules before office time (verify recomputes older stores with them)
    _years: dict[int, frozenset[date]] = field(default_factory=dict)
    _fresh: set[int] = field(default_factory=set)

    def remember(self, years: dict[int, list[str]]) -> None:
        """Days off computed before (kept in the store under this calendar's key): no holidays import needed."""
        for year, days in years.items():
            self._years.setdefault(year, frozenset(date.fromisoformat(d) for d in days))

    def take_fresh(self) -> list[tuple[int, list[str]]]:
        """The years computed by this process, to be kept for the next one."""
        fresh = [(year, sorted(d.isoformat() for d in self._years[year])) for year in sorted(self._fresh)]
        self._fresh.clear()
        return fresh

    @property
    def day_seconds(self) -> float:
        """The length of a typical working day (the median over the weekdays with office hours)."""
        lengths = sorted(sum((datetime.combine(date.min, b) - datetime.combine(date.min, a)).total_seconds()
                             for a, b in spans) for spans in self.hours if spans)
        return lengths[len(lengths) // 2]

    def is_working_day(self, day: date) -> bool:
        """True when the day has office hours and is no holiday."""
        return bool(self.hours[day.weekday()]) and day not in self._days_off(day.year)

    def _days_off(self, year: int) -> frozenset[date]:
        off = self._years.get(year)
        if off is None:
            national: set[date] = set()
            if self.country:
                import holidays  # ~0.2 s to import: only commands that compute due times pay it

                try:
                    national = set(holidays.country_holidays(self.country, subdiv=self.subdivision, years=year))
                except NotImplementedError as exc:
                    raise DefinitionError("{source}: holidays: {exc}; use a country code such as ID",
                                          source=self.source, exc=exc) from None
            off = self._years[year] = frozenset((national | {d for d in self.added if d.year == year})
                                                - self.removed)
            self._fresh.add(year)
        return off

    def holidays_in(self, year: int) -> list[date]:
        """The days off of a year (national holidays plus local ones, minus removed ones), sorted."""
        return sorted(self._days_off(year))

    def due(self, start: str, duration: str) -> str:
        """The moment a duration of working time after start ends. Days (a week is five) count from the first
        office moment at or after start (a step ready in the evening starts at the next opening) and end on the
        Nth working day after at the same clock time, kept within that day's hours (after closing: its closing; in
        a break: the close before it; at or before its opening: the close of the working day before). Hours and
        minutes then count only office hours. `legacy`: the rule before office time (days at the same clock time
        of the next working days, wherever that falls), kept to verify stores computed with it."""
        days, seconds = split_duration(duration)
        moment = parse_time(start).astimezone(self.zone)
        if days and self.legacy:
            moment = self._legacy_days(moment, days)
        elif days:
            moment = self._add_days(self._opening(moment), days)
        if seconds:
            moment = self._add_seconds(moment, seconds)
        return format_time(moment)

    def _legacy_days(self, moment: datetime, days: int) -> datetime:
        for _ in range(days):
            moment = datetime.combine(self._next_working_day(moment.date()), moment.timetz())
        return moment

    def _next_working_day(self, day: date) -> date:
        """The first working day after day."""
        day += timedelta(days=1)
        for _ in range(_HORIZON_DAYS):
            if self.is_working_day(day):
                return day
            day += timedelta(days=1)
        raise DefinitionError("{source}: no working time within ten years; give office hours", source=self.source)

    def _spans(self, day: date) -> list[tuple[datetime, datetime]]:
        return [(datetime.combine(day, a, self.zone), datetime.combine(day, b, self.zone))
                for a, b in self.hours[day.weekday()]] if self.is_working_day(day) else []

    def _opening(self, moment: datetime) -> datetime:
        """The first office moment at or after moment: itself within hours, else the next opening."""
        day = moment.date()
        for _ in range(_HORIZON_DAYS):
            for begin, end in self._spans(day):
                if moment < end:
                    return max(moment, begin)
            day += timedelta(days=1)
        raise DefinitionError("{source}: no working time within ten years; give office hours", source=self.source)

    def _add_days(self, moment: datetime, days: int) -> datetime:
        """The Nth working day after an office moment, at its clock time kept within that day's hours."""
        day = moment.date()
        previous = day
        for _ in range(days):
            previous, day = day, self._next_working_day(day)
        spans = self._spans(day)
        target = datetime.combine(day, moment.timetz())
        if target <= spans[0][0]:  # at or before the opening: the day before, worked to its close
            return self._spans(previous)[-1][1]
        kept = spans[0][1]
        for begin, end in spans:  # within a span: the time itself; in a break or after closing: the close before
            if target < begin:
                break
            kept = min(target, end)
        return kept

    def _add_seconds(self, moment: datetime, seconds: float) -> datetime:
        remaining = seconds
        day = moment.date()
        for _ in range(_HORIZON_DAYS):
            if self.is_working_day(day):
                for begin_t, end_t in self.hours[day.weekday()]:
                    begin = datetime.combine(day, begin_t, self.zone)
                    end = datetime.combine(day, end_t, self.zone)
                    if moment >= end:
                        continue
                    begin = max(moment, begin)
                    available = (end - begin).total_seconds()
                    if remaining <= available:
                        return begin + timedelta(seconds=remaining)
                    remaining -= available
            day += timedelta(days=1)
            moment = datetime.combine(day, time(0), self.zone)
        raise DefinitionError("{source}: no working time within ten years; give office hours", source=self.source)

    def worked(self, start: str, end: str) -> float:
        """Seconds of office time between two moments."""
        a, b = parse_time(start).astimezone(self.zone), parse_time(end).astimezone(self.zone)
        total = 0.0
        day = a.date()
        while day <= b.date():
            if self.is_working_day(day):
                for begin_t, end_t in self.hours[day.weekday()]:
                    lo = max(a, datetime.combine(day, begin_t, self.zone))
                    hi = min(b, datetime.combine(day, end_t, self.zone))
                    if hi > lo:
                        total += (hi - lo).total_seconds()
            day += timedelta(days=1)
        return total


Clock = WallClock | WorkCalendar


def sla_seconds(clock: Clock, sla: str | None) -> float:
    """A Mutu Baku as seconds of working time (a working day counts as the calendar's typical day)."""
    if not sla:
        return 0.0
    days, seconds = split_duration(sla)
    return days * clock.day_seconds + seconds


def find_calendar(definitions_dir: str | Path) -> Path | None:
    """calendar.yaml in the definitions folder, when there is one."""
    path = Path(definitions_dir) / CALENDAR_FILE
    return path if path.is_file() else None


def load_calendar(path: str | Path) -> WorkCalendar:
    """Read a calendar YAML: time_zone, working_hours per weekday, holidays (country, add, remove)."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    from engine.common.office_zone import SYSTEM_ZONE, system_zone
    from engine.common.yamlio import parse_yaml

    source = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
        raw = parse_yaml(text, source)
    except (OSError, UnicodeDecodeError) as exc:
        raise DefinitionError("Calendar '{source}' cannot be read ({exc}); it must be UTF-8 YAML",
                              source=source, exc=exc) from None
    if not isinstance(raw, dict):
        raise DefinitionError("{source}: a calendar needs time_zone, working_hours and holidays", source=source)
    zone_name = raw.get("time_zone")
    try:
        zone = system_zone() if zone_name == SYSTEM_ZONE else ZoneInfo(str(zone_name))
    except (ZoneInfoNotFoundError, ValueError):
        raise DefinitionError("{source}: time_zone {zone_name!r} is not a time zone; use e.g. Asia/Jakarta "
                              "(WIB), Asia/Makassar (WITA), Asia/Jayapura (WIT) or system (this machine's zone)",
                              source=source, zone_name=zone_name) from None
    unknown = sorted(set(map(str, raw)) - _TOP_FIELDS)
    if unknown:
        raise DefinitionError("{source}: unknown field(s) {unknown}; a calendar has "
                              "{top_fields}",
                              source=source, unknown=', '.join(unknown), top_fields=', '.join(sorted(_TOP_FIELDS)))
    hours = _hours(raw.get("working_hours"), source)
    extra = raw.get("holidays") or {}
    if not isinstance(extra, dict):
        raise DefinitionError("{source}: holidays must be a mapping with country, add and remove", source=source)
    unknown = sorted(set(map(str, extra)) - _HOLIDAY_FIELDS)
    if unknown:
        raise DefinitionError("{source}: holidays: unknown field(s) {unknown}; allowed: "
                              "{holiday_fields}",
                              source=source, unknown=', '.join(unknown),
                              holiday_fields=', '.join(sorted(_HOLIDAY_FIELDS)))
    add, remove = extra.get("add") or {}, extra.get("remove") or []
    if not isinstance(add, dict):
        raise DefinitionError("{source}: holidays.add must map dates to names, e.g. {{2026-12-24: Cuti bersama}}",
                              source=source)
    if not isinstance(remove, list):
        raise DefinitionError("{source}: holidays.remove must be a list of dates, e.g. [2026-08-17]", source=source)
    added = {_date(k, source, "holidays.add"): str(v) for k, v in add.items()}
    removed = frozenset(_date(k, source, "holidays.remove") for k in remove)
    country, subdivision = _country(extra.get("country"), extra.get("subdivision"), source)
    import hashlib

    key = hashlib.sha256((text + "\0" + _holidays_version()).encode("utf-8")).hexdigest()[:32]
    return WorkCalendar(source, zone, hours, str(country) if country else None,
                        str(subdivision) if subdivision else None, added, removed, key)


def _country(country: Any, subdivision: Any, source: str) -> tuple[str | None, str | None]:
    """holidays.country and holidays.subdivision checked against the holidays package: a code it does not know
    would otherwise fail every due time later."""
    if country is None or country == "":
        if subdivision not in (None, ""):
            raise DefinitionError("{source}: holidays.subdivision {subdivision!r} needs holidays.country (e.g. ID)",
                                  source=source, subdivision=subdivision)
        return None, None
    code = str(country)
    known = _country_codes()
    if code not in known:
        hint = f"write it in capitals: {code.upper()}" if code.upper() in known else "use a code such as ID"
        raise DefinitionError("{source}: holidays.country {country!r} is no country the holidays package knows; "
                              "{hint}", source=source, country=country, hint=hint)
    if subdivision in (None, ""):
        return code, None
    import holidays  # only a calendar naming a subdivision pays this import at load

    subdivisions = holidays.list_supported_countries().get(code, [])
    if str(subdivision) not in subdivisions:
        raise DefinitionError("{source}: holidays.subdivision {subdivision!r} is no subdivision of {code}; "
                              "use one of: {subdivisions}",
                              source=source, subdivision=subdivision, code=code,
                              subdivisions=', '.join(subdivisions) or 'none (remove the field)')
    return code, str(subdivision)


def _country_codes() -> frozenset[str]:
    """The country codes (alpha-2 and alpha-3) of the holidays package, read from its registry file without
    importing the package (0.2 s); imported only when that file cannot be read."""
    import importlib.util

    spec = importlib.util.find_spec("holidays")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        registry = Path(folder) / "registry.py"
        if registry.is_file():
            text = registry.read_text(encoding="utf-8")
            block = text[text.find("COUNTRIES"):text.find("FINANCIAL")]
            codes = re.findall(r'\(\s*"\w+",\s*"([A-Z]{2})",\s*"([A-Z]{3})"', block)
            if codes:
                return frozenset(c for pair in codes for c in pair)
    import holidays

    return frozenset(holidays.list_supported_countries())


def _holidays_version() -> str:
    """The holidays package's version file, read without importing the package (0.2 s)."""
    import importlib.util

    spec = importlib.util.find_spec("holidays")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        version = Path(folder) / "version.py"
        if version.is_file():
            return version.read_text(encoding="utf-8")
    return ""


def _hours(value: Any, source: str) -> tuple[tuple[tuple[time, time], ...], ...]:
    if not isinstance(value, dict):
        raise DefinitionError("{source}: working_hours must map weekdays to spans such as ['07:30-12:00']",
                              source=source)
    days: list[tuple[tuple[time, time], ...]] = [() for _ in WEEKDAYS]
    for key, spans in value.items():
        name = str(key).strip().lower()
        if name in WEEKDAYS:
            index = WEEKDAYS.index(name)
        elif name in HARI:
            index = HARI.index(name)
        else:
            raise DefinitionError("{source}: working_hours: {key!r} is no weekday (monday..sunday or senin..minggu)",
                                  source=source, key=key)
        if isinstance(spans, str):
            spans = [spans]
        parsed = []
        for span in spans or []:
            match = _SPAN.match(str(span))
            if not match:
                raise DefinitionError("{source}: working_hours.{key}: {span!r} is not a span such as '07:30-12:00'",
                                      source=source, key=key, span=span)
            h1, m1, h2, m2 = map(int, match.groups())
            if not (h1 < 24 and m1 < 60 and h2 <= 24 and m2 < 60) or (h1, m1) >= (h2, m2):
                raise DefinitionError("{source}: working_hours.{key}: {span!r} must end after it starts",
                                      source=source, key=key, span=span)
            end = time(23, 59, 59, 999999) if h2 == 24 else time(h2, m2)
            parsed.append((time(h1, m1), end))
        parsed.sort()
        for (_, end), (begin, _) in itertools.pairwise(parsed):
            if begin < end:
                raise DefinitionError("{source}: working_hours.{key}: spans overlap; list them apart",
                                      source=source, key=key)
        days[index] = tuple(parsed)
    if not any(days):
        raise DefinitionError("{source}: working_hours gives no office hours on any day", source=source)
    return tuple(days)


def _date(value: Any, source: str, where: str) -> date:
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise DefinitionError("{source}: {where}: {value!r} is not a date such as 2026-12-24",
                              source=source, where=where, value=value) from None
