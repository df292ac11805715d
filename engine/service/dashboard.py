"""The office's dashboard (`/ringkasan`, `sop report summary`) and the heat of a process's steps
(`sop diagram --heat`): figures read by SQL from the derived tables, in periods of the office's calendar.

Who may see them is decided here: operators and auditors see every process; the people of a process's lanes
other than its start lane see the processes they are in; anyone else is refused (RoleError)."""

from __future__ import annotations

import os
import threading
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any, NamedTuple

from engine.common.models import TaskView
from engine.common.work_calendar import format_time, parse_time

if TYPE_CHECKING:
    from engine.service.context import EngineContext

MONTHS_SHOWN = 7  # this month and the six before it
WEEKS_SHOWN = 12
TOP = 10  # the longest lists (people, overdue tasks, lanes) are cut to their first rows


class Waiting(NamedTuple):
    """Ready tasks now in one lane of a process (or claimed by one person: process and lane empty)."""

    process: str
    lane: str
    login: str
    waiting: int
    overdue: int


class Share(NamedTuple):
    """Steps completed in one period: how many, how many had a due time, how many were done by it."""

    completed: int
    measured: int
    on_time: int

    @property
    def share(self) -> float | None:
        """The on-time share of the steps with a due time, or None without any."""
        return self.on_time / self.measured if self.measured else None


class ShareRow(NamedTuple):
    """On-time shares per month of a whole SOP (step empty) or of one of its steps."""

    process: str
    step: str
    name: str
    months: tuple[Share, ...]


class InstanceMedian(NamedTuple):
    """Completed instances of a SOP over the months shown: median working time against the median sum of their
    steps' Mutu Baku."""

    process: str
    name: str
    completed: int
    within: int
    median_seconds: float
    budget_seconds: float


class WeekCount(NamedTuple):
    """Instances started and completed in one week (Monday to Sunday, office time)."""

    week: str  # its Monday, ISO
    started: int
    completed: int


class Summary(NamedTuple):
    """Everything the dashboard shows."""

    now: str
    months: tuple[str, ...]  # the first day of each month shown, ISO, oldest first
    lanes: tuple[Waiting, ...]
    people: tuple[Waiting, ...]
    overdue: int
    overdue_tasks: tuple[TaskView, ...]  # the longest overdue first
    sops: tuple[ShareRow, ...]
    steps: tuple[ShareRow, ...]
    instances: tuple[InstanceMedian, ...]
    weeks: tuple[WeekCount, ...]
    names: dict[str, str]  # process id -> name
    processes: tuple[str, ...] = ()  # the processes shown, by name

    def to_json(self) -> dict[str, Any]:
        """The documented JSON of `sop report summary --json`."""
        def shares(rows: tuple[ShareRow, ...]) -> list[dict[str, Any]]:
            return [{"process": r.process, **({"step": r.step} if r.step else {}), "name": r.name,
                     "months": [{"month": m[:7], **s._asdict(), "share": s.share}
                                for m, s in zip(self.months, r.months, strict=True)]} for r in rows]

        return {
            "now": self.now,
            "waiting_by_lane": [{"process": w.process, "lane": w.lane, "waiting": w.waiting, "overdue": w.overdue}
                                for w in self.lanes],
            "waiting_by_person": [{"login": w.login, "waiting": w.waiting, "overdue": w.overdue}
                                  for w in self.people],
            "overdue": self.overdue,
            "overdue_tasks": [t.to_json() for t in self.overdue_tasks],
            "on_time_by_sop": shares(self.sops),
            "on_time_by_step": shares(self.steps),
            "instance_times": [i._asdict() for i in self.instances],
            "weeks": [w._asdict() for w in self.weeks],
        }


class StepHeat(NamedTuple):
    """One step of a process over a window: its working times against its Mutu Baku, and what waits on it now."""

    step: str
    name: str
    lane: str | None
    sla: str | None
    sla_seconds: float
    completed: int
    median_seconds: float
    p90_seconds: float
    waiting: int
    overdue: int

    @property
    def heat(self) -> str:
        """good: even the p90 is within the Mutu Baku; some: the median is, the p90 is not; late: the median is
        over; none: no completed step or no Mutu Baku."""
        if not self.completed or not self.sla_seconds:
            return "none"
        if self.p90_seconds <= self.sla_seconds:
            return "good"
        return "some" if self.median_seconds <= self.sla_seconds else "late"


def visible_processes(context: EngineContext) -> tuple[str, ...] | None:
    """The processes whose figures the context's person may see: None for all (no roles, operators, auditors);
    RoleError for a person who holds no lane of any process besides its start lane."""
    from engine.service.reading import staff_processes

    roles = context.roles
    if roles is None:
        return None
    person = roles.people.get(context.operator)
    if person is not None and (person.operator or person.auditor):
        return None
    found = staff_processes(context, person) if person is not None else set()
    if not found:
        from engine.common.errors import RoleError

        raise RoleError("'{login}' may not see the office's figures: they are for operators, auditors and the "
                        "people of a process's lanes other than its start lane", login=context.operator)
    return tuple(sorted(found))


def narrowed(context: EngineContext, process: str | None) -> tuple[str, ...] | None:
    """The visible processes, narrowed to one when asked (one not visible, or unknown, is refused as unknown)."""
    visible = visible_processes(context)
    if process is None:
        return visible
    from engine.service.reading import process_facts

    known = set(process_facts(context)) | {v.process_id for v in context.store().list_versions()}
    if (visible is not None and process not in visible) or process not in known:
        from engine.common.errors import NoProcessError

        raise NoProcessError("No process '{process}' among those whose figures you may see", process=process)
    return (process,)


def month_starts(now: str, zone: Any, count: int) -> list[date]:
    """The first day of this month (office time) and of the count - 1 months before it, and of the next month."""
    today = parse_time(now).astimezone(zone).date()
    months = []
    year, month = today.year, today.month
    for _ in range(count):
        months.append(date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    months.reverse()
    nxt = date(today.year + (today.month == 12), today.month % 12 + 1, 1)
    return [*months, nxt]


def week_starts(now: str, zone: Any, count: int) -> list[date]:
    """The Monday of this week (office time) and of the count - 1 weeks before it, and of the next week."""
    today = parse_time(now).astimezone(zone).date()
    monday = today - timedelta(days=today.weekday())
    return [monday - timedelta(weeks=count - 1 - k) for k in range(count + 1)]


def bounds_of(days: list[date], zone: Any) -> tuple[str, ...]:
    """Days as store times at their midnight in the office's zone."""
    return tuple(format_time(datetime.combine(d, time(0), zone)) for d in days)


def build_summary(context: EngineContext, *, process: str | None = None) -> Summary:
    """The dashboard's figures for the processes the person may see (or one of them)."""
    from engine.service.reading import process_facts

    scope = narrowed(context, process)
    store = context.store()
    now = context.clock()
    zone = context.local_times().zone
    months = month_starts(now, zone, MONTHS_SHOWN)
    facts = process_facts(context)
    names = {p: f.name for p, f in facts.items()}
    lanes = tuple(Waiting(p, k or "", "", n, o) for p, k, n, o in
                  store.waiting_counts(now, by="lane", processes=scope, limit=TOP * 5))
    people = tuple(Waiting("", "", k or "", n, o) for _, k, n, o in
                   store.waiting_counts(now, by="person", processes=scope, limit=TOP))
    overdue_rows, overdue = store.overdue_tasks(now, processes=scope, limit=TOP)
    sops, steps = _shares(on_time_rows(store, bounds_of(months, zone), scope), facts, len(months) - 1)
    whole = bounds_of([months[0], months[-1]], zone)
    instances = tuple(InstanceMedian(p, names.get(p, p), n, w, m, b)
                      for p, _, n, w, m, b in store.instance_medians(whole, processes=scope))
    weeks_at = week_starts(now, zone, WEEKS_SHOWN)
    weeks = tuple(WeekCount(weeks_at[k].isoformat(), s, f)
                  for k, s, f in store.started_finished(bounds_of(weeks_at, zone), processes=scope))
    for process_id in (*(w.process for w in lanes), *(i.process for i in instances)):
        names.setdefault(process_id, process_id)
    shown = sorted(set(scope) if scope is not None else set(facts), key=lambda p: (names.get(p, p), p))
    return Summary(now, tuple(m.isoformat() for m in months[:-1]), lanes, people, overdue, tuple(overdue_rows),
                   sops, steps, instances, weeks, names, tuple(shown))


def _shares(rows: list[tuple[str, str, int, int, int, int]], facts: dict[str, Any],
            periods: int) -> tuple[tuple[ShareRow, ...], tuple[ShareRow, ...]]:
    """Per-step rows of the store summed per SOP; steps in the diagram's order, SOPs by name."""
    by_step: dict[tuple[str, str], list[Share]] = {}
    by_sop: dict[str, list[list[int]]] = {}
    for process, step, k, n, measured, on_time in rows:
        cells = by_step.setdefault((process, step), [Share(0, 0, 0)] * periods)
        cells[k] = Share(n, measured, on_time)
        sums = by_sop.setdefault(process, [[0, 0, 0] for _ in range(periods)])
        sums[k] = [sums[k][0] + n, sums[k][1] + measured, sums[k][2] + on_time]

    def name_of(process: str) -> str:
        found = facts.get(process)
        return found.name if found is not None else process

    def step_order(key: tuple[str, str]) -> tuple[str, int, str]:
        found = facts.get(key[0])
        ids = [s for s, _ in found.steps] if found is not None else []
        return (name_of(key[0]), ids.index(key[1]) if key[1] in ids else len(ids), key[1])

    def step_name(process: str, step: str) -> str:
        found = facts.get(process)
        return dict(found.steps).get(step, step) if found is not None else step

    sops = tuple(ShareRow(p, "", name_of(p), tuple(Share(*s) for s in sums))
                 for p, sums in sorted(by_sop.items(), key=lambda item: name_of(item[0])))
    steps = tuple(ShareRow(p, s, step_name(p, s), tuple(cells))
                  for (p, s), cells in sorted(by_step.items(), key=lambda item: step_order(item[0])))
    return sops, steps


def build_heat(context: EngineContext, process: str, *, since: str | None = None,
               until: str | None = None) -> list[StepHeat]:
    """Each step of the process's newest definition: p50 and p90 working time of the steps completed in
    [since, until) against its Mutu Baku, and what waits on it now."""
    from engine.common.work_calendar import sla_seconds
    from engine.service.heat_times import StepTimes, step_times
    from engine.service.sla_report import step_figures

    narrowed(context, process)
    definition = newest_definition(context, process)
    store = context.store()
    zone = context.local_times().zone
    this_month = bounds_of(month_starts(context.clock(), zone, 1)[:1], zone)[0]
    figures = step_times(context, process, since, until, this_month)
    if figures is None:  # some step recorded before the store kept its time: computed here
        figures = {f.task: StepTimes(f.completed, f.median_seconds, f.p90_seconds)
                   for f in step_figures(store, context.work_clock, process=process, since=since, until=until)}
    waiting = {k: (n, o) for _, k, n, o in store.waiting_counts(context.clock(), by="step", processes=(process,),
                                                                  limit=1000)}
    clock = context.work_clock()
    out = []
    for step in definition.steps:
        found = figures.get(step.bpmn_id)
        n, late = waiting.get(step.bpmn_id, (0, 0))
        out.append(StepHeat(step.bpmn_id, step.name, step.lane, step.sla, sla_seconds(clock, step.sla) if step.sla
                            else 0.0, found.completed if found else 0, found.median_seconds if found else 0.0,
                            found.p90_seconds if found else 0.0, n, late))
    return out


def seconds_words(context: EngineContext, seconds: float) -> str:
    """Working seconds in words, in two units at most: "1 hari kerja 2 jam kerja", "45 menit"."""
    from engine.definitions.artefact_view import duration_words

    working = context.on_calendar()
    day = context.work_clock().day_seconds if working else 86400.0
    minutes = round(seconds / 60)
    days, rest = divmod(minutes, round(day / 60))
    hours, minutes = divmod(rest, 60)
    if not (days or hours or minutes):
        from engine.common.i18n import N_, translate

        return translate(N_("{count} minutes", count=0))
    return duration_words(f"P{days}DT{hours}H" if days else f"PT{hours}H{minutes}M", working=working)


def heat_picture(context: EngineContext, process: str, *, since: str | None = None, until: str | None = None,
                 html: bool = False) -> str:
    """The process's newest diagram with each step coloured by its heat, its figures written above it and a
    legend: SVG text, or an HTML page."""
    from engine.bpmn.bpmn_di import parse_diagram
    from engine.common.i18n import N_, translate
    from engine.pictures.diagram_states import PictureStates
    from engine.pictures.svg_diagram import render_svg

    heat = build_heat(context, process, since=since, until=until)
    definition = newest_definition(context, process)
    diagram = parse_diagram(definition.bundle["bpmn"]["text"], definition.file)
    marks = {"good": "✓", "some": "!", "late": "✗", "none": "–"}
    notes: dict[str, tuple[str, ...]] = {}
    for step in heat:
        said: tuple[str, ...] = (translate(N_("{mark} p50 {p50} · p90 {p90}", mark=marks[step.heat],
                                                  p50=seconds_words(context, step.median_seconds),
                                                  p90=seconds_words(context, step.p90_seconds)))
                                  if step.completed else translate(N_("{mark} no step completed",
                                                                      mark=marks[step.heat])),)
        if step.sla:
            said += (translate(N_("Mutu Baku {sla}", sla=seconds_words(context, step.sla_seconds))),)
        said += (translate(N_("{done} done · {waiting} waiting now", done=step.completed, waiting=step.waiting)),)
        notes[step.step] = said
    states = PictureStates({s.step: f"heat-{s.heat}" for s in heat}, {}, "heat", notes,
                           ("heat-good", "heat-some", "heat-late", "heat-none"))
    title = translate(N_("{name}: working time against the Mutu Baku", name=definition.name))
    svg = render_svg(diagram, states, title)
    if not html:
        return svg
    from engine.pictures.diagram_html import render_page

    return render_page(title, svg, None, None)


# The newest definition of each process of a definitions folder, kept while its files do not change (a scan costs
# 0.1-0.2 s: the heat figures would cost that on every call).
_DEFINITIONS: dict[tuple[str, str], tuple[tuple[object, ...], Any]] = {}
_DEFINITIONS_LOCK = threading.Lock()


def newest_definition(context: EngineContext, process: str) -> Any:
    """The process's definition in the definitions folder (NoProcessError when it has none), scanned again only
    when a file of the folder changed."""
    folder = str(context.definitions_dir)
    try:
        names = sorted(os.listdir(folder))
        stamp: tuple[object, ...] = tuple((n, os.stat(os.path.join(folder, n)).st_mtime_ns) for n in names)
    except OSError:
        stamp = ()
    with _DEFINITIONS_LOCK:
        kept = _DEFINITIONS.get((folder, process))
    if kept is not None and kept[0] == stamp and stamp:
        return kept[1]
    definition = context.catalog().get(process)
    with _DEFINITIONS_LOCK:
        _DEFINITIONS[(folder, process)] = (stamp, definition)
    return definition


# The on-time figures of months that have ended, per store, processes and months: a completed step's times never
# change, so a request reads only the current month's steps (the seven months' 700,000 steps of a Kabupaten's
# year take a second to read). A store restored from a backup under a running server shows its ended months'
# figures after a restart.
_ENDED: dict[tuple[str, tuple[str, ...] | None, tuple[str, ...]], list[tuple[str, str, int, int, int, int]]] = {}
_ENDED_LOCK = threading.Lock()
_ENDED_KEPT = 64


def on_time_rows(store: Any, bounds: tuple[str, ...], scope: tuple[str, ...] | None
                 ) -> list[tuple[str, str, int, int, int, int]]:
    """The store's on-time figures per step and period; those of the periods before the last, kept once read."""
    key = (store.location, scope, bounds[:-1])
    with _ENDED_LOCK:
        ended = _ENDED.get(key)
    if ended is None:
        ended = store.on_time_by_period(bounds[:-1], processes=scope) if len(bounds) > 2 else []
        with _ENDED_LOCK:
            if len(_ENDED) >= _ENDED_KEPT:
                _ENDED.clear()
            _ENDED[key] = ended
    last = len(bounds) - 2
    current = [(p, t, last, n, d, w) for p, t, _, n, d, w in store.on_time_by_period(bounds[-2:], processes=scope)]
    return sorted([*ended, *current])
