"""The office's dashboard ("Ringkasan"): what waits and what is late now, on-time shares per SOP and step, working
time per request against the Mutu Baku, requests per week, and each SOP's bottlenecks on its diagram; charts drawn
by the engine (SVG, no script), each with its figures in a table beside it. Who may see it the engine decides."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, Response, render_template, request
from markupsafe import Markup

from .access import engine, login_required
from .security import DOCUMENT_POLICY
from .words import N_

dashboard = Blueprint("dashboard", __name__)
HEAT_WORDS = {"good": N_("✓ p90 within the Mutu Baku"), "some": N_("! median within, p90 over"),
              "late": N_("✗ median over the Mutu Baku"), "none": N_("– no figures")}


@dashboard.app_context_processor
def _bar_link() -> dict[str, Any]:
    """The bar links the dashboard for those the engine lets see it."""
    def may_see_summary() -> bool:
        from flask import g

        return g.get("sop_person") is not None and engine().time.may_see_summary()

    return {"may_see_summary": may_see_summary}


@dashboard.get("/ringkasan")
@login_required
def summary_page() -> str:
    """The dashboard of the processes the person may see; ?proses= picks the SOP whose bottlenecks are drawn."""
    e = engine()
    figures = e.time.summary()
    # The engine draws the charts and escapes every text it writes into them (engine/pictures/svg_charts.py).
    charts = {key: Markup(svg) for key, svg in e.pictures.summary_charts(figures).items()}  # noqa: S704
    people = {w.login: e.people.person(w.login) for w in figures.people}
    chosen = request.args.get("proses")
    if chosen not in figures.processes:
        chosen = figures.processes[0] if figures.processes else None
    heat = e.time.heat(chosen, since=date.fromisoformat(figures.months[0])) if chosen else []
    return render_template("summary.html", figures=figures, charts=charts, people=people, chosen=chosen,
                           heat=heat, heat_words=HEAT_WORDS, seconds=e.time.seconds_words,
                           month=e.time.month_words, moment=e.time.moment_words, day=e.time.day_words,
                           since=e.time.month_words(figures.months[0]))


@dashboard.get("/ringkasan/<process>/diagram.svg")
@login_required
def heat_diagram(process: str) -> Response:
    """A SOP's diagram with each step coloured by its working time against its Mutu Baku over the months the
    dashboard shows, and what waits on it now."""
    e = engine()
    months = e.time.summary_months()
    response = Response(e.pictures.heat(process, since=date.fromisoformat(months[0])), mimetype="image/svg+xml")
    response.headers["Content-Security-Policy"] = DOCUMENT_POLICY
    return response
