"""The web layer's own protections: the signed session cookie (HttpOnly, SameSite=Lax, Secure over https, 8 hours),
a CSRF token on every POST, the response headers (CSP without inline script, no framing, nosniff), and the client's
address and scheme as a trusted reverse proxy reports them."""

from __future__ import annotations

import hmac
import secrets
from typing import Any

from flask import Flask, Request, Response, abort, request, session
from flask.sessions import SecureCookieSessionInterface

CSRF_FIELD = "csrf_token"
PAGE_POLICY = "default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'"
# The SOP sheet and the diagram are the engine's own documents with their styles inline; no script runs in them.
DOCUMENT_POLICY = ("default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; "
                   "frame-ancestors 'none'; form-action 'none'; base-uri 'none'")


def from_trusted_proxy(app: Flask, req: Request) -> bool:
    """True when the request comes from one of the `--trusted-proxy` addresses."""
    return bool(req.remote_addr) and req.remote_addr in app.config["SOP_TRUSTED_PROXIES"]


def client_address(app: Flask, req: Request) -> str:
    """The browser's address: the proxy's X-Forwarded-For (its last entry) when the proxy is trusted."""
    if from_trusted_proxy(app, req):
        forwarded = req.headers.get("X-Forwarded-For", "").split(",")[-1].strip()
        if forwarded:
            return forwarded[:64]
    return req.remote_addr or "-"


def is_https(app: Flask, req: Request) -> bool:
    """True over TLS: directly, or as a trusted proxy's X-Forwarded-Proto says."""
    if req.is_secure:
        return True
    return from_trusted_proxy(app, req) and req.headers.get("X-Forwarded-Proto", "").lower() == "https"


def header_login(app: Flask, req: Request) -> str | None:
    """The login a trusted proxy vouches for in the `--trust-header` header (single sign-on), else None."""
    name = app.config["SOP_TRUST_HEADER"]
    if not name or not from_trusted_proxy(app, req):
        return None
    value = req.headers.get(name, "").strip()
    return value or None


class SessionCookies(SecureCookieSessionInterface):
    """Flask's signed cookie session, marked Secure when the request came over https (directly or through the
    trusted proxy), so the same server works on plain http in the office and behind TLS."""

    def get_cookie_secure(self, app: Flask) -> bool:
        try:
            return is_https(app, request)
        except RuntimeError:  # outside a request
            return bool(app.config.get("SESSION_COOKIE_SECURE"))


def csrf_token() -> str:
    """The session's CSRF token (made on first use), for the hidden field of every form."""
    token = session.get(CSRF_FIELD)
    if not isinstance(token, str):
        token = session[CSRF_FIELD] = secrets.token_urlsafe(32)
    return token


SMALL_BODY = 1024 * 1024  # every request body but a task form's files: sign-in, claims, drafts, starts
BIG_BODY_ENDPOINTS = frozenset({"tasks.task_post"})  # a step's form with its files (multipart), streamed to disk


def bound_body() -> None:
    """Refuse (413) a body over SMALL_BODY before anything reads it, unless it is a task form's multipart upload
    (bounded by MAX_CONTENT_LENGTH, its files streamed to disk): a large url-encoded or JSON body would be read
    into memory, before sign-in too."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    if request.endpoint in BIG_BODY_ENDPOINTS and request.mimetype == "multipart/form-data":
        return
    if request.content_length is not None and request.content_length > SMALL_BODY:
        abort(413)
    request.max_content_length = SMALL_BODY
    if request.content_length is None and request.environ.get("wsgi.input_terminated"):
        # A body without a length (chunked): read up to the bound here, so that one over it is refused whole
        # instead of being parsed cut short (werkzeug's own limit truncates a url-encoded form silently).
        from io import BytesIO

        sent = request.environ["wsgi.input"].read(SMALL_BODY + 1)
        if len(sent) > SMALL_BODY:
            abort(413)
        request.environ["wsgi.input"] = BytesIO(sent)


def check_csrf() -> None:
    """Refuse (403) a POST whose csrf_token field is not the session's."""
    if request.method != "POST":
        return
    sent = request.form.get(CSRF_FIELD, "")
    expected = session.get(CSRF_FIELD)
    if not isinstance(expected, str) or not hmac.compare_digest(sent.encode(), expected.encode()):
        abort(403, description="csrf")


def secure_headers(response: Response) -> Response:
    """The headers every response carries; pages are never cached (they show a person's tasks)."""
    response.headers.setdefault("Content-Security-Policy", PAGE_POLICY)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "same-origin"
    if request.endpoint != "static":
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def install(app: Flask) -> None:
    """Put the session, CSRF and header protections on the app."""
    app.session_interface = SessionCookies()
    app.config.update(SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax", SESSION_COOKIE_NAME="sop_session")
    app.before_request(bound_body)  # before the CSRF check, which reads the form
    app.before_request(check_csrf)
    app.after_request(secure_headers)
    app.jinja_env.globals["csrf_token"] = csrf_token
    app.jinja_env.globals["CSRF_FIELD"] = CSRF_FIELD


def now_seconds() -> int:
    """The server's time in whole seconds, for the session's ages (tests move it)."""
    import time

    return int(time.time())


def new_session(values: dict[str, Any]) -> None:
    """Start a fresh session (after a login): nothing of the anonymous one kept, a new CSRF token, the time of the
    sign-in (the absolute lifetime counts from it, whatever the requests after) and of the last request."""
    import time

    session.clear()
    session.update(values)
    # to the microsecond: a sign-in right after a sign-out (ended at that millisecond) must count as after it
    session["since"] = max(float(now_seconds()), time.time())
    session["seen"] = now_seconds()
    session.permanent = True
    csrf_token()


def session_expired(app: Flask) -> bool:
    """True when the session's sign-in is older than SOP_SESSION_HOURS or its last request older than
    SOP_IDLE_MINUTES; else the last request's time moves to now (the absolute lifetime never does)."""
    now = now_seconds()
    since, seen = session.get("since"), session.get("seen")
    if not isinstance(since, int | float) or not isinstance(seen, int):
        return True  # a session from before sessions ended: signed in again once
    if now - since > app.config["SOP_SESSION_HOURS"] * 3600 or now - seen > app.config["SOP_IDLE_MINUTES"] * 60:
        return True
    if now - seen >= 30:  # re-signed at most twice a minute
        session["seen"] = now
    return False
