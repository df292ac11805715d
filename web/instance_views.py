"""Processes and instances: start one, an instance's diagram with its states, history and due times, its attached
files, and a process's SOP AP sheet (the same pictures as `sop diagram` and `sop sheet`)."""

from __future__ import annotations

from typing import Any, NamedTuple

from flask import Blueprint, Response, flash, redirect, render_template, request, stream_with_context, url_for
from werkzeug.wrappers import Response as BaseResponse

from .access import engine, login_required, me, server_error
from .security import DOCUMENT_POLICY
from .words import N_, fixed_text, translate

instances = Blueprint("instances", __name__)
CLAIM_EVENTS = ("task-claimed", "task-released", "task-returned")  # summaries in the engine's words, no artefact
LEGIBLE_PX = 12  # the smallest label of a diagram is drawn at least this large (CSS pixels) unless fitted
ZOOMS = {"fit": N_("Whole diagram"), "read": N_("Readable"), "large": N_("Large")}
ZOOM_SCALES = {"read": 1.0, "large": 1.5}
# The sheet is the engine's document (its styles inline, no script of its own) under the site's bar and print button.
SHEET_POLICY = ("default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; "
                "script-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")


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
    mine = [t for t in view.tasks if me().operator or me().holds(t.lane) or me().login in {
        login for login, _ in e.people.lane_people(t.lane, process=view.process)}]  # a Plh./Plt. too
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
    """An instance: its diagram with states, ready tasks with due times, its history in local time, its documents
    in the forms' words; keys, hashes and logins only in the audit view (a fold-out, open with `?audit=1`)."""
    from flask import request

    e = engine()
    handle = e.instance(instance)
    view = handle.show()
    rows, events = handle.history()
    document = handle.document(events=events)
    said = document.summaries()
    history = [(r, *_event_name(r, said)) for r in rows]
    now = e.time.now()
    ready = [(t, bool(t.due and t.due < now), e.time.duration_words(t.sla)) for t in view.tasks]
    from .comments import comment_section

    comments = comment_section(handle, url_for("comments.instance_comment", instance=instance))
    commented = {c.seq for c in comments.items}  # a comment's file is listed with the comment
    return render_template("instance.html", view=view, history=history, ready=ready, files=view.attachments,
                           artefact_files=[a for a in view.attachments if a.seq not in commented],
                           document=document, audit=request.args.get("audit") == "1",
                           diagram=diagram_size(handle.diagram(), zoom="read"), title=view.title, comments=comments)


@instances.get("/instances/<int:instance>/diagram.svg")
@login_required
def diagram(instance: int) -> Response:
    """The instance drawn on its pinned diagram: the SVG `sop diagram` writes."""
    return _document(engine().instance(instance).diagram(), "image/svg+xml")


@instances.get("/instances/<int:instance>/diagram")
@login_required
def diagram_page(instance: int) -> str:
    """The instance's diagram alone, with the navigation bar, at the size chosen by a link (no script): the whole
    diagram in the page's width, readable, or large."""
    handle = engine().instance(instance)
    view = handle.show()
    zoom = request.args.get("zoom", "read")
    size = diagram_size(handle.diagram(), zoom=zoom if zoom in ZOOMS else "read", page=True)
    zooms = [(level, translate(label)) for level, label in ZOOMS.items()]
    return render_template("diagram.html", view=view, diagram=size, zooms=zooms)


@instances.get("/processes/<process>/sheet")
@login_required
def sheet(process: str) -> Response:
    """The SOP AP document of a process (the HTML `sop sheet` writes) under the navigation bar, with a print button;
    printed, the bar is left out and the pages are those of `sop sheet`."""
    response = Response(sheet_page(engine().pictures.sheet(process)), mimetype="text/html")
    response.headers["Content-Security-Policy"] = SHEET_POLICY
    return response


def sheet_page(document: str, *, draft: bool = False) -> str:
    """An SOP AP document the engine wrote, under the navigation bar with a print button (served under
    SHEET_POLICY); a draft's says it is not published."""
    import html
    import re

    head = render_template("_sheet_head.html")
    title = re.search(r"<title>(.*?)</title>", document, re.S)  # the document's own title, escaped again below
    top = render_template("_bar.html") + render_template("_sheet_tools.html", draft=draft,
                                                         title=html.unescape(title.group(1)) if title else "")
    page = document.replace("</head>", head + "</head>", 1)
    page = page.replace("<body>", "<body>" + top + '<main id="main" class="sheet" tabindex="0">', 1)
    return page[::-1].replace("</body>"[::-1], "</main></body>"[::-1], 1)[::-1]


def _document(body: str, mimetype: str) -> Response:
    """A document the engine drew (its own styles, no script), served under the documents' policy."""
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Security-Policy"] = DOCUMENT_POLICY
    return response


@instances.get("/instances/<int:instance>/files/<int:seq>/<field>/<int:position>")
@login_required
def attachment(instance: int, seq: int, field: str, position: int) -> Response | tuple[str, int]:
    """One attached file: a PDF or a picture (its type detected from its bytes, not its name) opens in the browser,
    sandboxed; every other file is downloaded."""
    from engine import inline_media_type

    handle = engine().instance(instance)
    found = [a for a in handle.attachments() if a.seq == seq and a.field == field and a.position == position]
    if not found:
        from engine import NotFoundError

        raise NotFoundError("Instance {instance} has no such file; its page lists its files", instance=instance)
    item = found[0]
    from engine import StoreError

    try:  # checked against its hash before anything is sent
        chunks = handle.attachment_bytes(task=item.task, field=field, seq=seq, position=position)
        head, rest = _head(chunks)
    except StoreError as exc:  # an altered file: nothing of it sent; an incident page, the details in the log
        return server_error(exc)
    shown = inline_media_type(b"".join(head))
    response = Response(stream_with_context(_streamed(head, rest)), mimetype=shown or "application/octet-stream")
    response.headers["Content-Length"] = str(item.size)
    response.headers["Content-Security-Policy"] = PDF_POLICY if shown == "application/pdf" else FILE_POLICY
    response.headers["Content-Disposition"] = _download_as(item.name or item.sha256, inline=shown is not None)
    return response


HEAD = 64 * 1024  # the bytes a file's type is detected from
FILE_POLICY = "default-src 'none'; sandbox"  # a picture or a download: no script, no request, its own origin
# A PDF: Chromium's viewer refuses to run in a sandboxed document (crbug.com/41131921) and draws its page with
# inline styles; the page still runs no script of its own, and nosniff keeps the bytes a PDF.
PDF_POLICY = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; form-action 'none'"


def _head(chunks: Any) -> tuple[list[bytes], Any]:
    """The first chunks of a file (at least HEAD bytes, or all of it) and the iterator of the rest."""
    head: list[bytes] = []
    size = 0
    for chunk in chunks:
        head.append(chunk)
        size += len(chunk)
        if size >= HEAD:
            break
    return head, chunks


def _download_as(name: str, *, inline: bool = False) -> str:
    """Content-Disposition for a stored file's name (inline: shown in the browser, else downloaded): ASCII as it is,
    any other name also in RFC 5987 form."""
    from urllib.parse import quote

    from werkzeug.http import dump_options_header
    from werkzeug.utils import secure_filename

    how = "inline" if inline else "attachment"
    plain = secure_filename(name) or "file"
    if plain == name:
        return dump_options_header(how, {"filename": name})
    return dump_options_header(how, {"filename": plain}) + f"; filename*=UTF-8''{quote(name, safe='')}"


def _streamed(head: list[bytes], rest: Any) -> Any:
    yield from head
    yield from rest


def _event_name(row: Any, said: dict[int, str]) -> tuple[str, str]:
    """A history row's step (or the engine's words for an event of the instance) and its summary in words: a
    completion's form title and first fields, a claim's engine words; nothing for the others (the audit view
    keeps every event's data)."""
    name = str(row.name) if row.task else translate(str(row.name))
    if row.type in CLAIM_EVENTS:
        return name, translate(str(row.summary))
    if row.type == "comment-added":  # the person's own words, never looked up in the catalog
        return name, f"{fixed_text('Comment')}: {row.summary}"
    return name, said.get(row.seq, "")


class DiagramSize(NamedTuple):
    """How large a page draws a diagram: its width and height in CSS pixels, the zoom level, and whether the page is
    the diagram's own (no link to itself)."""

    width: int
    height: int
    zoom: str
    page: bool = False


def diagram_size(svg: str, *, zoom: str, page: bool = False) -> DiagramSize:
    """The size at which an SVG diagram's smallest label is LEGIBLE_PX or more (times the zoom's scale); "fit" keeps
    that size as the most, the page's width shrinking it to the whole diagram."""
    import math
    import re

    root = re.search(r"<svg\b[^>]*>", svg)
    attrs = root.group(0) if root else ""
    found = {name: re.search(rf'\s{name}="([0-9.]+)"', attrs) for name in ("width", "height")}
    width, height = (float(m.group(1)) if m else 800.0 for m in (found["width"], found["height"]))
    fonts = [float(f) for f in re.findall(r'font-size="([0-9.]+)"', svg) if float(f) > 0]
    scale = max(1.0, LEGIBLE_PX / min(fonts)) if fonts else 1.0
    scale *= ZOOM_SCALES.get(zoom, 1.0)
    return DiagramSize(math.ceil(width * scale), math.ceil(height * scale), zoom, page)
