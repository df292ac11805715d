"""What `sop monev` and the monitoring page call: the form of one SOP and semester built from the store's derived
tables (the step figures of the SLA report, the returns and overdue counts), the notes and evaluations written to
the monitoring log, and the form as HTML or PDF."""

from __future__ import annotations

import json
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from engine.common.errors import ValidationError
from engine.common.i18n import N_
from engine.common.monev_values import CRITERIA, MonevAnswer, MonevEvaluation, MonevForm, MonevNote, MonevStep
from engine.service.monev import (
    MonevSource,
    Semester,
    check_may_fill,
    checked_text,
    may_fill,
    parse_semester,
    source_of,
    verdict,
)
from engine.store.monev_rows import EVALUATION as EVALUATION_KIND
from engine.store.monev_rows import NOTE as NOTE_KIND

if TYPE_CHECKING:
    from engine.service.context import EngineContext
    from engine.store.protocol import MonevEventRow


class MonevService:
    """The monitoring form of an SOP for a semester, its notes and its evaluation."""

    def __init__(self, context: EngineContext) -> None:
        self._context = context

    def form(self, process: str, semester: str) -> MonevForm:
        """The monitoring form of a process for a semester (`2026-2`), filled from the record."""
        period = parse_semester(semester)
        return build_form(self._context, process, period, source_of(self._context, process))

    def note(self, process: str, semester: str, *, step: str, catatan: str | None = None,
             tindakan: str | None = None, paraf: bool = False) -> MonevForm:
        """Write the Catatan / Tindakan of a step's row (what is not given stays as written), initialled by the
        writer when paraf; one chained event of the monitoring log."""
        context = self._context
        period = parse_semester(semester)
        source = source_of(context, process)
        known = [s.id for _, s in source.table.steps() if not s.menunggu]
        if step not in known:
            raise ValidationError("Process {process} has no step '{step}'; its steps: {known}; nothing was changed",
                                  process=process, step=step, known=", ".join(known))
        login = check_may_fill(context, process, source)
        current = latest_notes(context.store().monev_events(process), period.text).get(step) or {}
        unchanged = catatan is None and tindakan is None  # only initialled: the initials stay with the same words
        data = {"catatan": current.get("catatan", "") if catatan is None else checked_text(catatan, N_("The Catatan")),
                "tindakan": current.get("tindakan", "") if tindakan is None else checked_text(tindakan,
                                                                                           N_("The Tindakan")),
                "paraf": bool(paraf or (unchanged and current.get("paraf")))}
        _append(context, NOTE_KIND, process=process, period=period, item=step, login=login, data=data)
        return build_form(context, process, period, source)

    def evaluate(self, process: str, semester: str, *, answers: dict[str, tuple[bool, str]]) -> MonevForm:
        """Write the evaluation of a semester: Ya/Tidak and a note for each of the seven criteria (by key, or by
        number 1-7); one chained event of the monitoring log."""
        context = self._context
        period = parse_semester(semester)
        source = source_of(context, process)
        keys = [key for key, _ in CRITERIA]
        given = {keys[int(k) - 1] if k.isdigit() and 1 <= int(k) <= len(keys) else k: v for k, v in answers.items()}
        unknown = sorted(set(given) - set(keys))
        missing = [str(i) for i, key in enumerate(keys, 1) if key not in given]
        if unknown or missing:
            raise ValidationError("The evaluation needs Ya or Tidak for each of the seven criteria (1-7); unknown: "
                                  "{unknown}; missing: {missing}; nothing was changed",
                                  unknown=", ".join(unknown) or "-", missing=", ".join(missing) or "-")
        login = check_may_fill(context, process, source)
        data = {key: {"ya": bool(given[key][0]), "catatan": checked_text(given[key][1], N_("The note of criterion "
                                                                                           "{number}", number=i))}
                for i, key in enumerate(keys, 1)}
        _append(context, EVALUATION_KIND, process=process, period=period, item="", login=login, data=data)
        return build_form(context, process, period, source)

    def current_semester(self) -> str:
        """The semester the engine's clock is in, in the office's zone (`2026-2`)."""
        now = datetime.fromisoformat(self._context.clock().replace("Z", "+00:00")).astimezone(
            self._context.local_times().zone)
        return f"{now.year}-{1 if now.month <= 6 else 2}"

    @staticmethod
    def semester_before(semester: str) -> str:
        """The semester before one (`2026-2` -> `2026-1`, `2026-1` -> `2025-2`)."""
        return parse_semester(semester).before().text

    @property
    def criteria(self) -> tuple[tuple[str, str], ...]:
        """The seven criteria of the evaluation in the form's order: (key, words to translate)."""
        return CRITERIA

    @staticmethod
    def figures_words(form: MonevForm) -> str:
        """The semester's figures in one sentence, as the evaluation shows them."""
        from engine.pictures.monev_html import figures_words

        return figures_words(form)

    def time_words(self, seconds: float | None) -> str:
        """A median or p90 of the form in words ("2 jam kerja 30 menit"), counted on the working calendar."""
        from engine.pictures.monev_html import seconds_words

        return seconds_words(seconds, self._context.on_calendar())

    def html(self, process: str, semester: str, *, pdf: str | None = None) -> str:
        """The monitoring form as one printable HTML page; with pdf, also printed to that PDF file."""
        from engine.pictures.monev_html import render_monev
        from engine.service.drawing import write_pdf

        form = self.form(process, semester)
        html = render_monev(form, zone=self._context.local_times().zone, working=self._context.on_calendar())
        if pdf:
            write_pdf(html, pdf)
        return html


def _append(context: EngineContext, kind: str, *, process: str, period: Semester, item: str, login: str,
            data: dict[str, Any]) -> None:
    """One event of the monitoring log, in its own transaction."""
    from engine.store.protocol import MonevEventRow

    store = context.store()
    with store.transaction() as tx:
        tx.monev_log.append(MonevEventRow(0, context.clock(), kind, process, period.text, item, login, "", ""), data)


def semester_window(context: EngineContext, period: Semester) -> tuple[str, str]:
    """The semester as store times: from its first day's midnight to the next semester's, in the office's zone."""
    from engine.common.work_calendar import format_time

    zone = context.local_times().zone
    first, last = period.days
    return (format_time(datetime.combine(first, time(0), zone)),
            format_time(datetime.combine(last + timedelta(days=1), time(0), zone)))


def latest_notes(rows: list[MonevEventRow], period: str) -> dict[str, dict[str, Any]]:
    """The last note written on each step's row in a period, with who wrote it and when."""
    found: dict[str, dict[str, Any]] = {}
    for row in rows:
        if row.kind == NOTE_KIND and row.period == period:
            found[row.item] = {**_data(row), "by": row.actor, "time": row.time}
    return found


def latest_evaluation(rows: list[MonevEventRow], period: str) -> tuple[dict[str, Any], str, str] | None:
    """The last evaluation of a period: its answers, who wrote it and when."""
    found = None
    for row in rows:
        if row.kind == EVALUATION_KIND and row.period == period:
            found = (_data(row), row.actor, row.time)
    return found


def _data(row: MonevEventRow) -> dict[str, Any]:
    try:
        data = json.loads(row.data)
    except ValueError:
        return {}  # `sop verify` names an unreadable event
    return data if isinstance(data, dict) else {}


def build_form(context: EngineContext, process: str, period: Semester, source: MonevSource) -> MonevForm:
    """The form from the store: the step figures over the semester (the SLA report's SQL), the returns and the
    tasks overdue now, and the last notes and evaluations of the monitoring log."""
    from engine.service.sla_report import build_report

    store = context.store(optional=True)
    since, until = semester_window(context, period)
    now = context.clock()
    figures = {s.task: s for s in build_report(store, context.work_clock, process=process, since=since,
                                                until=until).steps if s.process == process}
    counts = store.monitoring_counts(process, since, until, now) if store.schema_version() else {}
    events = store.monev_events(process)
    notes = latest_notes(events, period.text)
    names = _people(context)
    steps = []
    for row, step in source.table.steps():
        if step.menunggu:  # a wait: nobody carries it out, there is nothing to judge
            continue
        suffix = "" if len(row.steps) == 1 else chr(97 + row.steps.index(step))
        found = figures.get(step.id)
        done = found.completed if found else 0
        share = found.within_share if found and done else None
        on_time = round(share * done) if share is not None else 0
        returned, overdue = counts.get(step.id, (0, 0))
        note = notes.get(step.id)
        steps.append(MonevStep(
            f"{row.nomor}{suffix}", step.id, step.kegiatan, step.pelaksana, step.waktu, done, on_time,
            done - on_time if share is not None else 0, share, found.median_seconds if found and done else None,
            found.p90_seconds if found and done else None, returned, overdue,
            verdict(share if step.waktu else None, source.threshold), _note(note, names)))
    first, last = period.days
    return MonevForm(process, source.table.nama, period.text, first.isoformat(), last.isoformat(), source.threshold,
                     _identity(source), tuple(steps), _evaluation(events, period.text, names),
                     _evaluation(events, period.before().text, names),
                     may_fill(context.roles, context.operator, source.head), now)


def _identity(source: MonevSource) -> dict[str, Any]:
    sop = source.page.get("sop")
    return dict(sop) if isinstance(sop, dict) else {}


def _people(context: EngineContext) -> dict[str, str]:
    """Each login's name and jabatan as the form writes it."""
    roles = context.roles
    if roles is None:
        return {}
    return {login: f"{p.name}, {p.jabatan}" if p.jabatan else p.name for login, p in roles.people.items()}


def _note(found: dict[str, Any] | None, names: dict[str, str]) -> MonevNote | None:
    if found is None:
        return None
    by = names.get(str(found["by"]), str(found["by"]))
    return MonevNote(str(found.get("catatan", "")), str(found.get("tindakan", "")),
                     by if found.get("paraf") else "", by, str(found["time"]))


def _evaluation(rows: list[MonevEventRow], period: str, names: dict[str, str]) -> MonevEvaluation | None:
    found = latest_evaluation(rows, period)
    if found is None:
        return None
    data, by, at = found
    answers = []
    for key, words in CRITERIA:
        given = data.get(key)
        answer: dict[str, Any] = given if isinstance(given, dict) else {}
        answers.append(MonevAnswer(key, words, bool(answer.get("ya")), str(answer.get("catatan", ""))))
    return MonevEvaluation(period, tuple(answers), names.get(by, by), at)
