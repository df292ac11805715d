"""The process owner's pages ("Kelola SOP"): the SOPs a person owns (`pemilik_proses` in the roles; operators own
every one), a page per SOP to type or upload its table (or workbook), see lint's problems under their rows, preview
the diagram and the sheet, publish the new version into the definitions folder, and move the running requests
onto it once the plan shown in words is confirmed. Anyone else finds no such page (404)."""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from . import owner_draft, owner_plan
from .access import engine, login_required, me
from .owner_draft import DraftRefusedError, Target
from .security import PAGE_POLICY
from .words import N_, translate

if TYPE_CHECKING:
    from engine import Engine

owner = Blueprint("owner", __name__)
log = logging.getLogger("sop.web")
_PROCESS_ID = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]{0,199}")
# The edit page shows the draft's diagram as a picture inside the page (a data: image: no request, no script).
EDIT_POLICY = PAGE_POLICY + "; img-src 'self' data:"


def _owned(process: str) -> None:
    """Only the process's owner (or an operator) finds its pages: for anyone else they do not exist."""
    if not _PROCESS_ID.fullmatch(process) or not me().owns_process(process):
        abort(404)


def _paths() -> tuple[Path, Path, Path | None]:
    """The served definitions and forms folders, and the roles file lint checks lanes against."""
    config = current_app.config
    definitions = Path(config["SOP_DEFINITIONS"])
    roles = config["SOP_ROLES"] or (str(definitions / "roles.yaml") if (definitions / "roles.yaml").is_file() else None)
    return definitions, Path(config["SOP_FORMS"]), Path(roles) if roles else None


@owner.get("/manage")
@login_required
def index() -> str:
    """The SOPs the person owns (an operator: every runnable one), each with its page."""
    person = me()
    if not person.owns_any:
        abort(404)
    infos, _ = engine().processes.runnable()
    names = {p.id: p.name for p in infos}
    ids = list(dict.fromkeys([*(names if person.operator else ()), *person.owned_processes]))
    listed = [(process, names.get(process)) for process in ids]
    return render_template("owner_list.html", processes=listed)


@owner.get("/manage/<process>")
@login_required
def edit(process: str) -> BaseResponse:
    """The SOP's table in the editor, as the definitions folder holds it now."""
    from engine import EngineError

    _owned(process)
    e = engine()
    definitions, _, _ = _paths()
    target = owner_draft.target_of(e, definitions, process)
    try:
        text = owner_draft.current_text(e, target, process)
    except (EngineError, OSError, UnicodeDecodeError) as exc:  # a file broken behind the page: write it anew
        problem = translate(exc) if isinstance(exc, EngineError) else str(exc)
        return _edit_page(e, process, target, text=owner_draft.starter(process), refusal=translate(N_(
            "The SOP in force cannot be shown as a table ({problem}); the editor starts from a first table: "
            "publishing it replaces the SOP", problem=problem)))
    return _edit_page(e, process, target, text=text)


@owner.post("/manage/<process>/check")
@login_required
def check(process: str) -> BaseResponse:
    """Lint the draft and show its problems under their rows, with its diagram; nothing is written."""
    sent = _sent_draft(process)
    if isinstance(sent, BaseResponse):
        return sent
    e, _, forms, roles, target, text = sent
    checked = owner_draft.check(text, process, target=target, forms=forms, roles=roles)
    return _edit_page(e, process, target, text=text, checked=checked)


@owner.post("/manage/<process>/sheet")
@login_required
def sheet(process: str) -> BaseResponse:
    """The draft's SOP AP sheet, as it will print once published (a draft lint refuses shows its problems)."""
    sent = _sent_draft(process)
    if isinstance(sent, BaseResponse):
        return sent
    e, _, forms, roles, target, text = sent
    checked = owner_draft.check(text, process, target=target, forms=forms, roles=roles)
    if checked.errors:
        return _edit_page(e, process, target, text=text, checked=checked, status=422,
                          refusal=translate(N_("The sheet cannot be drawn until the table's errors are fixed")))
    from .instance_views import SHEET_POLICY, sheet_page

    drawn = owner_draft.sheet(text, process, target=target, forms=forms)
    response = Response(sheet_page(drawn, draft=True), mimetype="text/html")
    response.headers["Content-Security-Policy"] = SHEET_POLICY
    return response


@owner.post("/manage/<process>/publish")
@login_required
def publish(process: str) -> BaseResponse:
    """Write the draft as the SOP's new version when lint finds no error and nobody published another since the
    page was opened; then the plan for the running requests."""
    from engine import EngineError

    sent = _sent_draft(process)
    if isinstance(sent, BaseResponse):
        return sent
    e, definitions, forms, roles, target, text = sent
    now = owner_draft.file_text(target)
    if request.form.get("base", "") != owner_draft.fingerprint(now):
        return _edit_page(e, process, target, text=text, status=409, refusal=translate(N_(
            "Someone published another version of this SOP after you opened this page; nothing was written. Your "
            "table is kept below: open the page again in another tab to see theirs, or publish yours over it")))
    checked = owner_draft.check(text, process, target=target, forms=forms, roles=roles)
    if checked.errors:
        return _edit_page(e, process, target, text=text, checked=checked, status=422, refusal=translate(N_(
            "Not published: lint found {count} errors in the table; fix them (each is under its row) and publish "
            "again", count=checked.errors)))
    if owner_draft.unchanged(e, text, target, process):
        flash(translate(N_("The table is the version in force already; nothing was written")))
        return redirect(url_for("owner.plan_page", process=process), 303)
    try:
        before = owner_draft.publish(text, process, target=target, forms=forms)
    except EngineError as exc:  # the folder is not writable by the server: said without its path
        log.error("process %s: the new version cannot be written: %s", process, exc)
        return _edit_page(e, process, target, text=text, status=503, refusal=translate(N_(
            "The new version cannot be written into the definitions folder; nothing was changed. Ask the operator "
            "to let the web server write there")))
    name, problem = _loads(e, process, definitions)
    if problem is not None:
        owner_draft.undo(target, before)
        return _edit_page(e, process, target, text=text, checked=checked, status=422, refusal=problem)
    log.info("process %s: a new version published by %s into %s", process, me().login, target.path)
    flash(translate(N_("The new version of {name} is published; it is used by requests started from now on",
                       name=name)))
    return redirect(url_for("owner.plan_page", process=process), 303)


def _sent_draft(process: str) -> tuple[Engine, Path, Path, Path | None, Any, str] | BaseResponse:
    """The draft a POST sends for a process the person owns (typed, or a file): the Engine, the definitions, forms
    and roles in force, the SOP's file and the draft's text; or the edit page saying why the draft is refused."""
    _owned(process)
    e = engine()
    definitions, forms, roles = _paths()
    target = owner_draft.target_of(e, definitions, process)
    try:
        text = owner_draft.sent_text(request.form, request.files.get("file"), forms)
    except DraftRefusedError as exc:
        return _edit_page(e, process, target, text=request.form.get("table", ""), refusal=str(exc), status=422)
    return e, definitions, forms, roles, target, text


def _loads(e: Engine, process: str, definitions: Path) -> tuple[str, str | None]:
    """The process's name when the definitions folder loads it now, else what the folder says (in words, without
    paths)."""
    infos, problems = e.processes.runnable()
    found = next((p for p in infos if p.id == process), None)
    if found is not None:
        return found.name, None
    said = "; ".join(translate(p) for p in problems).replace(str(definitions) + "/", "")
    return process, translate(N_("The definitions folder did not load the new version ({problems}); it was put "
                                 "back as it was", problems=said or process))


@owner.get("/manage/<process>/plan")
@login_required
def plan_page(process: str) -> BaseResponse:
    """The plan in words for the running requests on an earlier version, with the button that carries it out."""
    _owned(process)
    return _plan_page(owner_plan.plan(engine(), process))


@owner.post("/manage/<process>/move")
@login_required
def move(process: str) -> BaseResponse:
    """Carry out the plan confirmed, if it is still the plan: else the new plan, nothing moved."""
    _owned(process)
    e = engine()
    fresh = owner_plan.plan(e, process)
    if request.form.get("token", "") != fresh.token:
        return _plan_page(fresh, status=409, changed=True)
    done = owner_plan.carry_out(e, fresh)
    if done.moved:
        flash(translate(N_("{count} requests moved to the new version; their history records the move by {person}",
                           count=len(done.moved), person=me().name)))
    for instance, why in done.refused:
        flash(translate(N_("Request {instance} was not moved: {why}", instance=instance, why=why)))
    return redirect(url_for("owner.plan_page", process=process), 303)


def _plan_page(shown: owner_plan.MovePlan, *, status: int = 200, changed: bool = False) -> BaseResponse:
    page = render_template("owner_plan.html", plan=shown, changed=changed)
    return Response(page, status=status, mimetype="text/html")


def _edit_page(e: Engine, process: str, target: Target, *, text: str, checked: owner_draft.Checked | None = None,
               refusal: str | None = None, status: int = 200) -> BaseResponse:
    """The edit page: the editor with the text as sent (nothing typed is lost), the refusal or lint's findings by
    row, the draft's diagram."""
    import base64

    from .instance_views import diagram_size

    diagram: Any = None
    if checked is not None and checked.diagram:
        size = diagram_size(checked.diagram, zoom="read")
        diagram = (base64.b64encode(checked.diagram.encode("utf-8")).decode("ascii"), size)
    infos, _ = e.processes.runnable()
    loaded = next((p for p in infos if p.id == process), None)
    page = render_template("owner_edit.html", process=process, name=loaded.name if loaded else None,
                           loaded=loaded is not None, drawn=not target.table and target.exists, text=text,
                           base=owner_draft.fingerprint(owner_draft.file_text(target)), checked=checked,
                           refusal=refusal, diagram=diagram, limit=owner_draft.size_words(owner_draft.TABLE_MAX))
    response = Response(page, status=status, mimetype="text/html")
    response.headers["Content-Security-Policy"] = EDIT_POLICY
    return response
