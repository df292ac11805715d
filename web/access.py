"""Who is asking and the engine that answers: one Engine per request acting as the logged-in person, the login a
page needs, and the one place where the engine's refusals become HTTP statuses (the web adds no rule of its own)."""

from __future__ import annotations

import functools
import logging
import secrets
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar, cast

from flask import Flask, current_app, g, redirect, render_template, request, session, url_for
from werkzeug.exceptions import HTTPException

from .security import header_login, session_expired

if TYPE_CHECKING:
    from engine import Engine, Person

log = logging.getLogger("sop.web")
View = TypeVar("View", bound=Callable[..., Any])


def engine_for(login: str | None) -> Engine:
    """An Engine on the served store and definitions, acting as login (the history records it): made from this
    thread's kept Engine, so it shares its store connection, pinned versions and warm workflows (each checks
    itself against the store before use), while roles and calendar are read afresh for each request."""
    from engine import Engine

    config = current_app.config
    kept = _kept()
    base = kept.get(config["SOP_DB"])
    if base is None:
        base = kept[config["SOP_DB"]] = Engine(config["SOP_DB"], definitions_dir=config["SOP_DEFINITIONS"],
                                               forms_dir=config["SOP_FORMS"], operator="-", roles=config["SOP_ROLES"])
        base.open(create=True)  # opened as a writer once, so no request's Engine reopens the shared connection
    return base.acting_as(login or "-")


def _kept() -> dict[str, Engine]:
    """This worker thread's kept Engines by store, held by the app (an app dropped, as tests drop theirs, drops
    its Engines and their store connections with it, rather than leaving them to the thread)."""
    local = current_app.extensions.setdefault("sop_engines", threading.local())
    return cast("dict[str, Engine]", local.__dict__.setdefault("engines", {}))


def engine() -> Engine:
    """This request's Engine, acting as the logged-in person (made on first use)."""
    if "sop_engine" not in g:
        g.sop_engine = engine_for(g.get("sop_login"))
    return cast("Engine", g.sop_engine)


def close_engine(_: BaseException | None = None) -> None:
    """After a request: its Engine is dropped; the thread's store connection stays open for the next request,
    unless the request met a store failure (a broken connection is made anew by the next request)."""
    g.pop("sop_engine", None)
    if g.pop("sop_store_failed", False):
        forget_store()


def forget_store() -> None:
    """Close and drop this thread's kept Engine (its connection may be broken: the server restarted)."""
    base = _kept().pop(current_app.config["SOP_DB"], None)
    if base is not None:
        base.close()


def me() -> Person:
    """The logged-in person (pages that need one are wrapped in login_required)."""
    return cast("Person", g.sop_person)


def find_person() -> None:
    """Before each request: the person of the session's login (or of the trusted proxy's header), when they are
    still in the roles in force."""
    g.sop_login = None
    g.sop_person = None
    vouched = header_login(current_app, request)
    g.sop_signed_by_proxy = vouched is not None  # single sign-on: the proxy, not this site, signs people out
    login = vouched or session.get("login")
    if not isinstance(login, str) or request.endpoint == "static":
        return
    if vouched is None and session_expired(current_app):  # too long since sign-in, or idle too long
        session.clear()
        return
    g.sop_login = login
    person = engine().people.person(login)
    if person is None or (vouched is None and _ended_since_sign_in(login)):  # out of the roles, or signed out
        g.pop("sop_engine", None)
        g.sop_login = None
        session.clear()
        return
    g.sop_person = person


def _ended_since_sign_in(login: str) -> bool:
    """True when the login's sessions were ended (sign-out elsewhere, a new password, removal from the roles, an
    operator) at or after this session's sign-in."""
    from datetime import datetime

    ended = engine().people.sessions_ended(login)
    if ended is None:
        return False
    ended_at = datetime.fromisoformat(ended.replace("Z", "+00:00")).timestamp()
    since = session.get("since")
    return not isinstance(since, int | float) or since <= ended_at


def login_required(view: View) -> View:
    """Send a visitor without a login to the login page (and back here after it)."""

    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if g.get("sop_person") is None:
            back = request.full_path.rstrip("?") if request.method == "GET" else None
            return redirect(url_for("auth.login", next=back))
        return view(*args, **kwargs)

    return cast("View", wrapped)


def status_of(error: Exception) -> int:
    """The HTTP status of an engine refusal: not found 404, not yours 403, no longer possible 409, bad data 422."""
    from engine import DataFileError, NotFoundError, RoleError, StoreError, TaskStateError, ValidationError

    for kind, status in ((NotFoundError, 404), (RoleError, 403), (TaskStateError, 409), (ValidationError, 422),
                         (DataFileError, 422), (StoreError, 503)):
        if isinstance(error, kind):
            return status
    return 400


def refused(error: Exception) -> tuple[str, int]:
    """An engine refusal as its page: the engine's message in the reader's language, with its status."""
    status = status_of(error)
    if status == 503:
        g.sop_store_failed = True
    from .page_words import page_message

    return render_template("error.html", status=status, message=page_message(error)), status


def http_error(error: HTTPException) -> tuple[str, int]:
    """A 403/404/405/413 of the web layer itself as a page in the reader's language."""
    status = error.code or 500
    return render_template("error.html", status=status, message=None), status


def server_error(error: Exception) -> tuple[str, int]:
    """Anything unexpected: a page with an incident id; the details only in the server's log."""
    incident = secrets.token_hex(6)
    original = getattr(error, "original_exception", None) or error
    log.error("incident %s: %s %s", incident, request.method, request.path,
              exc_info=(type(original), original, original.__traceback__))
    g.sop_store_failed = True  # whatever broke, the next request starts from a new connection
    return render_template("500.html", incident=incident), 500


def install(app: Flask) -> None:
    """Find the person before each request, close the engine after it, map errors to pages."""
    from engine import EngineError

    app.before_request(find_person)
    app.teardown_request(close_engine)
    app.register_error_handler(EngineError, refused)
    app.register_error_handler(HTTPException, http_error)
    app.register_error_handler(500, server_error)
