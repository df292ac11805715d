"""The monitoring form of an SOP for a semester (Permen PANRB 35/2012): the figures from the record, the Catatan /
Tindakan / Paraf of each step's row and the evaluation against the seven criteria, written by the people the engine
lets (others read it); and the printable form, the same document as `sop monev`."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from .access import engine, login_required, status_of
from .words import N_, translate

monev = Blueprint("monev", __name__)
VERDICTS = {"good": N_("Runs well"), "not-good": N_("Does not run well"), "not-measured": N_("Not assessed")}


@monev.get("/monev/<process>")
@login_required
def monev_now(process: str) -> BaseResponse:
    """The monitoring form of the semester we are in."""
    return redirect(url_for("monev.monev_page", process=process, semester=engine().monev.current_semester()))


@monev.get("/monev/<process>/<semester>")
@login_required
def monev_page(process: str, semester: str) -> str:
    """The form with its figures; the notes and the evaluation as forms for those who may write them."""
    return _page(process, semester, typed={})


@monev.get("/monev/<process>/<semester>/print")
@login_required
def monev_print(process: str, semester: str) -> Response:
    """The printable form (the HTML `sop monev` writes) under the navigation bar, with a print button."""
    from .instance_views import SHEET_POLICY, sheet_page

    response = Response(sheet_page(engine().monev.html(process, semester)), mimetype="text/html")
    response.headers["Content-Security-Policy"] = SHEET_POLICY
    return response


@monev.post("/monev/<process>/<semester>")
@login_required
def monev_post(process: str, semester: str) -> BaseResponse | tuple[str, int]:
    """Write a step's notes or the evaluation; a refusal shows the page again with what was typed."""
    from engine import EngineError

    form = request.form
    service = engine().monev
    try:
        if form.get("_action") == "evaluate":
            answers = _answers(service.criteria)
            service.evaluate(process, semester, answers=answers)
            flash(translate(N_("The evaluation of semester {semester} is saved.", semester=semester)))
        else:
            step = form.get("step", "")
            service.note(process, semester, step=step, catatan=form.get("catatan", ""),
                         tindakan=form.get("tindakan", ""), paraf=form.get("paraf") == "1")
            flash(translate(N_("The notes are saved.")))
    except EngineError as error:
        return _page(process, semester, typed=dict(form), problem=translate(error)), status_of(error)
    return redirect(url_for("monev.monev_page", process=process, semester=semester))


def _answers(criteria: tuple[tuple[str, str], ...]) -> dict[str, tuple[bool, str]]:
    """The evaluation as posted: each answered criterion's Ya/Tidak and note (an unanswered one is left out, and
    the engine names it)."""
    found = {}
    for key, _ in criteria:
        said = request.form.get(f"answer-{key}")
        if said in ("ya", "tidak"):
            found[key] = (said == "ya", request.form.get(f"note-{key}", ""))
    return found


def _page(process: str, semester: str, *, typed: dict[str, Any], problem: str | None = None) -> str:
    service = engine().monev
    form = service.form(process, semester)
    criteria = [(key, translate(words)) for key, words in service.criteria]
    return render_template("monev.html", form=form, typed=typed, problem=problem, criteria=criteria,
                           before=service.semester_before(form.period), figures=service.figures_words(form),
                           verdicts={k: translate(v) for k, v in VERDICTS.items()}, time_words=service.time_words,
                           duration_words=engine().time.duration_words)
