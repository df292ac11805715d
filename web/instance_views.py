"""Processes and instances: start one, an instance's diagram with its states, history and due times, its attached
files, and a process's SOP AP sheet (the same pictures as `sop diagram` and `sop sheet`)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, flash, redirect, render_template, request, stream_with_context, url_for
from werkzeug.wrappers import Response as BaseResponse

from .access import engine, login_required, me, server_error
from .security import DOCUMENT_POLICY
from .words import N_, translate

instances = Blueprint("instances", __name__)
CLAIM_EVENTS = ("task-claimed", "task-released")  # their summaries are the engine's words, not an artefact's


@instances.get("/processes")
@login_required
def processes() -> str:
    """The runnable processes: start one (people of its start lane, operators), read its sheet."""
    from engine import RoleError

    e = engine()
    found, problems = e.processes.runnable()
    refusals: dict[str, str] = {}
    for process in found:  # the engine says who may start each; the button shows only for them
        try:
            e.processes.check_start_lane(process.id)
        except RoleError as exc:
            refusals[process.id] = translate(str(exc))
    return render_template("processes.html", processes=found, problems=[translate(p) for p in problems],
                           refusals=refusals)


@instances.post("/processes/<process>/start")
@login_required
def start(process: str) -> BaseResponse:
    """Start an instance (the engine refuses people outside the start event's lane) and open its first task."""
    e = engine()
    e.processes.check_start_lane(process)
    view = e.instances.start(process)
    flash(translate(N_("Started instance {instance} of {process}", instance=view.instance, process=view.process)))
    mine = [t for t in view.tasks if me().operator or me().holds(t.lane)]
    if len(mine) == 1:
        return redirect(url_for("tasks.task_page", instance=view.instance, task=mine[0].task), 303)
    return redirect(url_for("instances.instance_page", instance=view.instance), 303)


@instances.get("/instances")
@login_required
def instance_list() -> str | Response:
    """The requests the person may read ("Daftar permohonan"): search, filters, order, a page of 50 at a time, and
    the same rows as CSV; "my requests" first for the people who start them (the engine says who)."""
    from .instance_list import list_page

    return list_page(engine(), request.args)


@instances.get("/instances/<int:instance>")
@login_required
def instance_page(instance: int) -> str:
    """An instance: its diagram with states, ready tasks with due times, its history in local time, its files."""
    e = engine()
    handle = e.instance(instance)
    view = handle.show()
    rows, _ = handle.history()
    history = [(r, *_event_name(r)) for r in rows]
    now = e.time.now()
    ready = [(t, bool(t.due and t.due < now)) for t in view.tasks]
    names = {r.task: r.name for r in rows if r.task}
    return render_template("instance.html", view=view, history=history, ready=ready, files=view.attachments,
                           names=names, title=view.title)


@instances.get("/instances/<int:instance>/diagram.svg")
@login_required
def diagram(instance: int) -> Response:
    """The instance drawn on its pinned diagram: the SVG `sop diagram` writes."""
    return _document(engine().instance(instance).diagram(), "image/svg+xml")


@instances.get("/processes/<process>/sheet")
@login_required
def sheet(process: str) -> Response:
    """The SOP AP document of a process (the HTML `sop sheet` writes), printable from the browser."""
    return _document(engine().pictures.sheet(process), "text/html")


def _document(body: str, mimetype: str) -> Response:
    """A document the engine drew (its own styles, no script), served under the documents' policy."""
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Security-Policy"] = DOCUMENT_POLICY
    return response


@instances.get("/instances/<int:instance>/files/<int:seq>/<field>/<int:position>")
@login_required
def attachment(instance: int, seq: int, field: str, position: int) -> Response | tuple[str, int]:
    """One attached file, downloaded (never shown inline: its content is whatever was uploaded)."""
    handle = engine().instance(instance)
    found = [a for a in handle.attachments() if a.seq == seq and a.field == field and a.position == position]
    if not found:
        from engine import NotFoundError

        raise NotFoundError("Instance {instance} has no file {seq}/{field}/{position}; see its page for its files",
                            instance=instance, seq=seq, field=field, position=position)
    item = found[0]
    from engine import StoreError

    try:  # checked against its hash before anything is sent
        chunks = handle.attachment_bytes(task=item.task, field=field, seq=seq, position=position)
    except StoreError as exc:  # an altered file: nothing of it sent; an incident page, the details in the log
        return server_error(exc)
    response = Response(stream_with_context(_streamed(chunks)), mimetype="application/octet-stream")
    response.headers["Content-Length"] = str(item.size)
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Content-Disposition"] = _download_as(item.name or item.sha256)
    return response


def _download_as(name: str) -> str:
    """Content-Disposition for a stored file's name: ASCII as it is, any other name also in RFC 5987 form."""
    from urllib.parse import quote

    from werkzeug.http import dump_options_header
    from werkzeug.utils import secure_filename

    plain = secure_filename(name) or "file"
    if plain == name:
        return dump_options_header("attachment", {"filename": name})
    return dump_options_header("attachment", {"filename": plain}) + f"; filename*=UTF-8''{quote(name, safe='')}"


def _streamed(chunks: Any) -> Any:
    yield from chunks


def _event_name(row: Any) -> tuple[str, str]:
    """A history row's step (or the engine's words for an event of the instance) and its summary, as people read
    them."""
    name = str(row.name) if row.task else translate(str(row.name))
    summary = translate(str(row.summary)) if row.type in CLAIM_EVENTS else str(row.summary)
    return name, summary
