"""The Flask application of `sop serve`: its settings, pages, protections and the words and times of its templates."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any, NamedTuple

from flask import Flask

from engine import COUNT_CAP

SESSION_HOURS = 8
IDLE_MINUTES = 30
MAX_UPLOAD = 2 * 1024**3 + 16 * 1024**2  # the largest file a form may take (2 GiB) and the rest of the form


class WebSettings(NamedTuple):
    """What `sop serve` serves: the global options' store, definitions, forms and roles, and the web's own."""

    db: str
    definitions: str
    forms: str
    roles: str | None = None
    secret_key: str | None = None  # SOP_SECRET_KEY; None: one made at start (gunicorn preloads: workers share it)
    trust_header: str | None = None
    trusted_proxies: tuple[str, ...] = ()
    max_upload: int = MAX_UPLOAD
    session_hours: int = SESSION_HOURS  # from sign-in, however busy the session
    idle_minutes: int = IDLE_MINUTES  # from the last request


def create_app(settings: WebSettings, testing: bool = False) -> Flask:
    """The web tasklist app for one store and definitions folder."""
    from . import access, security
    from .auth_views import auth
    from .comment_views import comments
    from .dashboard_views import dashboard
    from .delegation_views import delegations
    from .instance_views import instances
    from .monev_views import monev
    from .owner_views import owner
    from .task_views import tasks

    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=settings.secret_key or secrets.token_urlsafe(48),
        PERMANENT_SESSION_LIFETIME=timedelta(hours=settings.session_hours),
        SOP_SESSION_HOURS=settings.session_hours, SOP_IDLE_MINUTES=settings.idle_minutes,
        MAX_CONTENT_LENGTH=settings.max_upload,
        SOP_DB=settings.db, SOP_DEFINITIONS=settings.definitions, SOP_FORMS=settings.forms, SOP_ROLES=settings.roles,
        SOP_TRUST_HEADER=settings.trust_header, SOP_TRUSTED_PROXIES=frozenset(settings.trusted_proxies),
        TESTING=testing,
    )
    app.jinja_env.autoescape = True  # every template, whatever its name ends with
    app.jinja_env.trim_blocks = app.jinja_env.lstrip_blocks = True
    app.jinja_env.globals.update(_=_words, local_time=_local_time, me=_me, page_language=_language,
                                  office_name=_office_name, count_cap=COUNT_CAP)
    security.install(app)
    access.install(app)
    for blueprint in (auth, tasks, instances, owner, delegations, comments, monev, dashboard):
        app.register_blueprint(blueprint)
    return app


def _words(text: str, **values: Any) -> str:
    from .words import words

    return words(text, **values)


def _local_time(moment: str | None, seconds: bool = False) -> str:
    """A stored UTC time as the office reads it (`2026-11-30 08:30 WIB`)."""
    from .access import engine

    return engine().time.local_times().text(moment, seconds)


def _language() -> str:
    from engine import language

    return language()


def _office_name() -> str | None:
    """The organisation's name for the header, from the processes' identity pages: read once per worker (a new
    name shows after a restart), None when the definitions name none or cannot be read."""
    from flask import current_app

    from engine import EngineError

    from .access import engine

    kept: dict[str, str | None] = current_app.extensions.setdefault("sop_office", {})
    if "name" not in kept:
        try:
            kept["name"] = engine().processes.office()
        except EngineError:
            return None
    return kept["name"]


def _me() -> Any:
    from flask import g

    return g.get("sop_person")
