"""The list of requests (`GET /instances`): the query string read into the engine's search, the page or its CSV."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from flask import Response, render_template, url_for

from .words import N_, fixed_text, translate

if TYPE_CHECKING:
    from werkzeug.datastructures import MultiDict

    from engine import Engine, InstanceSummary

PER_PAGE = 50
SORTS = ("started", "updated", "due")
STATUSES = ("running", "completed")


def list_page(e: Engine, args: MultiDict[str, str]) -> str | Response:
    """The page (or CSV) of the requests the arguments ask for."""
    choices = e.instances.search_choices()
    asked, problems = _asked(args, choices)
    mine = _view(e, asked) == "mine"
    now = e.time.now()
    rows, total = e.instances.search(
        text=asked["q"], process=asked["process"], status=asked["status"], waiting=asked["step"],
        lane=asked["lane"], overdue_at=now if asked["overdue"] else None, started_since=asked["since"],
        started_until=asked["until"], sort=asked["sort"], page=asked["page"], per_page=PER_PAGE, mine=mine)
    names = _people(e, rows)
    process_names = {pid: name for pid, (name, _, _) in choices.items()}
    if args.get("format") == "csv":
        return _csv(e, rows, names, process_names)
    pages = max(1, -(-total // PER_PAGE))
    shown = {k: v for k, v in args.items(multi=False) if k not in ("page", "format") and v}
    shown["view"] = "mine" if mine else "all"

    def link(**changes: Any) -> str:
        return url_for("instances.instance_list", **{**shown, **changes})

    steps = dict.fromkeys(s for pid, (_, st, _) in choices.items() if asked["process"] in (None, pid) for s in st)
    lanes = dict.fromkeys(lane for pid, (_, _, ln) in choices.items() if asked["process"] in (None, pid) for lane in ln)
    return render_template(
        "instances.html", rows=[(r, r.due is not None and r.due < now) for r in rows], names=names, total=total,
        page=asked["page"], pages=pages, asked=asked, mine=mine, problems=problems, link=link,
        processes=list(process_names.items()), process_names=process_names, steps=list(steps),
        lanes=[(lane, lane) for lane in lanes],
        date_value=lambda d: d.isoformat() if d else "")


def _asked(args: MultiDict[str, str], choices: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """The search the arguments ask for, each value checked; what cannot be used is said and left out."""
    problems: list[str] = []
    process = args.get("process", "").strip() or None
    if process is not None and process not in choices:
        problems.append(translate(N_("There is no process '{process}' to filter by; all processes are shown",
                                     process=process)))
        process = None
    typed_page = args.get("page", "1").strip()
    view = args.get("view", "")
    asked: dict[str, Any] = {
        "q": args.get("q", "").strip()[:200], "process": process,
        "status": args.get("status") if args.get("status") in STATUSES else None,
        "step": args.get("step", "").strip()[:200] or None, "lane": args.get("lane", "").strip()[:200] or None,
        "overdue": args.get("overdue") == "1", "sort": args.get("sort") if args.get("sort") in SORTS else "started",
        "page": int(typed_page) if typed_page.isdigit() and len(typed_page) < 7 and int(typed_page) > 0 else 1,
        "view": view if view in ("mine", "all") else None,
    }
    for key, label in (("since", N_("Started from")), ("until", N_("Started until"))):
        typed = args.get(key, "").strip()
        try:
            asked[key] = date.fromisoformat(typed) if typed else None
        except ValueError:
            asked[key] = None
            problems.append(translate(N_("'{typed}' is not a date for {label}; pick a day from the calendar",
                                         typed=typed[:40], label=fixed_text(label))))
    return asked, problems


def _view(e: Engine, asked: dict[str, Any]) -> str:
    return asked["view"] or ("mine" if e.instances.mine_first() else "all")


def _people(e: Engine, rows: list[InstanceSummary]) -> dict[str, str]:
    """Who started each row's request, by name and jabatan (a login outside the roles as it is)."""
    names = {}
    for login in dict.fromkeys(r.started_by for r in rows):
        person = e.people.person(login)
        names[login] = (f"{person.name}, {person.jabatan}" if person.jabatan else person.name) if person else login
    return names


def _csv(e: Engine, rows: list[InstanceSummary], names: dict[str, str], processes: dict[str, str]) -> Response:
    """Exactly the rows of the page as CSV, every text cell safe to open in a spreadsheet."""
    import csv
    import io

    from engine import spreadsheet_cell

    local = e.time.local_times().text
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([fixed_text(h) for h in ("Number", "Subject", "Process", "Status", "Started", "Started by",
                                               "Last change", "Due")])
    for r in rows:
        writer.writerow([spreadsheet_cell(v) for v in (r.instance, r.title, processes.get(r.process, r.process),
                                                      fixed_text(r.status),
                                                      local(r.started), names.get(r.started_by, r.started_by),
                                                      local(r.updated), local(r.due) if r.due else "")])
    response = Response(out.getvalue(), mimetype="text/csv")
    response.headers["Content-Disposition"] = "attachment; filename=permohonan.csv"
    return response
