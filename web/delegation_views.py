"""Delegations (Plh./Plt.) on the web: the ones in force and planned, a form to add one and a button to end one;
operators for anyone, a person for their own lanes (the engine decides; a refusal keeps what was typed)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from .access import engine, login_required, me
from .page_words import page_message
from .words import N_, fixed_text, translate

if TYPE_CHECKING:
    from engine import Delegation, Engine

delegations = Blueprint("delegations", __name__)
MONTH_NAMES = (N_("January"), N_("February"), N_("March"), N_("April"), N_("May"), N_("June"), N_("July"),
               N_("August"), N_("September"), N_("October"), N_("November"), N_("December"))
KIND_WORDS = {"plh": N_("Plh. (Pelaksana Harian: a short absence)"), "plt": N_("Plt. (Pelaksana Tugas: a longer one)")}
FIELDS = ("giver", "taker", "start", "until", "kind", "lane", "process")


@delegations.get("/delegations")
@login_required
def delegation_page() -> str:
    """The delegations in force and planned that the person may see, and the form to add one."""
    return _page({"kind": "plh", "giver": "" if me().operator else me().login}, None)


@delegations.post("/delegations")
@login_required
def add_delegation() -> tuple[str, int] | Response:
    """Record a delegation from the form; a refusal shows the page again with what was typed and why."""
    from engine import EngineError

    typed = {name: request.form.get(name, "").strip()[:200] for name in FIELDS}
    try:
        made = engine().people.delegate(typed["giver"], typed["taker"], start=typed["start"], until=typed["until"],
                                        kind=typed["kind"] or "plh", lane=typed["lane"] or None,
                                        process=typed["process"] or None)
    except EngineError as exc:
        return _page(typed, _page_words(engine(), page_message(exc))), 400
    flash(translate(N_("{taker} acts for {giver} from {start} until {until}.", taker=_person(engine(), made.taker),
                       giver=_person(engine(), made.giver), start=_when(engine(), made.start),
                       until=_when(engine(), made.until, end=True))))
    return redirect(url_for("delegations.delegation_page"), 303)


@delegations.post("/delegations/end")
@login_required
def end_delegation() -> tuple[str, int] | Response:
    """End a delegation now (its giver, or an operator)."""
    from engine import EngineError

    try:
        seq = int(request.form.get("delegation", ""))
        ended = engine().people.end_delegation(seq)
    except ValueError:
        return _page({"kind": "plh"}, translate(N_("Choose a delegation to end; nothing was changed"))), 400
    except EngineError as exc:
        return _page({"kind": "plh"}, _page_words(engine(), page_message(exc))), 400
    flash(translate(N_("{taker} no longer acts for {giver}.", taker=_person(engine(), ended.taker),
                       giver=_person(engine(), ended.giver))))
    return redirect(url_for("delegations.delegation_page"), 303)


def _page(typed: dict[str, str], problem: str | None) -> str:
    e = engine()
    roles = e.people.roles
    people = sorted(roles.people.values(), key=lambda p: p.name) if roles is not None else []
    mine = me()
    shown = [d for d in e.people.delegations() if mine.operator or mine.login in (d.giver, d.taker)]
    givers = [p for p in people if p.lanes and (mine.operator or p.login == mine.login)]
    processes, _ = e.processes.runnable()
    rows = [{"id": d.seq, "title": d.title, "giver": _person(e, d.giver), "taker": _person(e, d.taker),
             "start": _when(e, d.start), "until": _when(e, d.stop, end=True),
             "limits": _limits(d, {p.id: p.name for p in processes}),
             "may_end": mine.operator or mine.login == d.giver} for d in shown]
    return render_template("delegations.html", rows=rows, typed=typed, problem=problem,
                           givers=[(p.login, _words(p)) for p in givers],
                           takers=[(p.login, _words(p)) for p in people if p.lanes or p.operator],
                           lanes=sorted({lane for p in givers for lane in p.lanes}),
                           processes=[(p.id, p.name) for p in processes], kinds=KIND_WORDS)


def _limits(delegation: Delegation, names: dict[str, str]) -> str:
    parts = []
    if delegation.lane:
        parts.append(translate(N_("lane {lane}", lane=delegation.lane)))
    if delegation.process:
        parts.append(names.get(delegation.process, delegation.process))
    return ", ".join(parts) or fixed_text("all lanes, every process")


def _words(person: Any) -> str:
    return f"{person.name} ({person.jabatan})" if person.jabatan else person.name


def _person(e: Engine, login: str) -> str:
    roles = e.people.roles
    person = roles.people.get(login) if roles is not None else None
    return _words(person) if person is not None else login


def _when(e: Engine, moment: str, *, end: bool = False) -> str:
    """A stored time as a date in words in the office's zone ("24 Desember 2026", with the time when it is not
    the day's start); an end at a day's start reads as the day before (the period runs to its end)."""
    local = datetime.fromisoformat(moment).astimezone(e.time.local_times().zone)
    whole_day = (local.hour, local.minute) == (0, 0)
    if whole_day and end:
        local -= timedelta(days=1)
    day = f"{local.day} {fixed_text(MONTH_NAMES[local.month - 1])} {local.year}"
    return day if whole_day else f"{day} {local:%H:%M} {local.tzname()}"


def _page_words(e: Engine, text: str) -> str:
    """A refusal without logins or stored times: each login as the person's name, each time in the office's zone."""
    import re

    roles = e.people.roles
    for login, person in (roles.people.items() if roles is not None else ()):
        text = text.replace(f"'{login}'", person.name)
    return re.sub(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z", lambda m: _when(e, m.group()), text)
