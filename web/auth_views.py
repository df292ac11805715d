"""Logging in and out: the password checked by the engine (Argon2, rate limited per login and address)."""

from __future__ import annotations

from flask import Blueprint, current_app, g, redirect, render_template, request, session, url_for
from werkzeug.wrappers import Response

from .access import engine
from .security import client_address, new_session

auth = Blueprint("auth", __name__)


def _local(target: str | None) -> str:
    """A `next` address only when it is a path of this site (never another site's), judged after what a browser
    does to it: tabs and line breaks dropped, backslashes read as slashes, %-escapes decoded."""
    from urllib.parse import unquote, urlsplit

    home = url_for("tasks.tasklist")
    if not target or len(target) > 2000:
        return home
    kept = "".join(ch for ch in target if ch not in "\t\r\n")
    for seen in (kept, unquote(kept)):
        if any(ord(ch) < 32 or ord(ch) == 127 for ch in seen) or "\\" in seen:
            return home
        parts = urlsplit(seen)
        if parts.scheme or parts.netloc or not seen.startswith("/") or seen.startswith("//"):
            return home
    return kept


@auth.get("/login")
def login() -> str | Response:
    """The login form (fields login, password and the hidden csrf_token)."""
    if g.get("sop_person") is not None:
        return redirect(_local(request.args.get("next")))
    return render_template("login.html", login="", problem=None, next=request.args.get("next", ""))


@auth.post("/login")
def login_post() -> tuple[str, int] | Response:
    """Check the login and password; one message whatever was wrong (a login's existence is never revealed)."""
    from engine import LoginError

    name = request.form.get("login", "").strip()[:128]
    password = request.form.get("password", "")
    target = request.form.get("next", "")
    try:
        person = engine().people.check_login(name, password, address=client_address(current_app, request))
    except LoginError as exc:  # one answer whatever was wrong, in the page's words (no command to type)
        from .page_words import page_message

        return render_template("login.html", login=name, problem=page_message(exc), next=target), 401
    new_session({"login": person.login})
    return redirect(_local(target), 303)


@auth.post("/logout")
def logout() -> Response:
    """End this login's sessions everywhere (a stolen cookie is worth nothing after it), then this one."""
    login = g.get("sop_login")
    if isinstance(login, str) and not g.get("sop_signed_by_proxy"):
        engine().people.end_sessions(login)
    session.clear()
    return redirect(url_for("auth.login"), 303)
