"""`sop serve`: the web tasklist on a production server (gunicorn); the web extra is imported only here."""

from __future__ import annotations

import ipaddress
import os
import sys

import click

from .context import engine_of
from .render import message
from .words import N_


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="The address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535), help="The port to listen on.")
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 64),
              help="Worker processes (each with 4 threads); more for PostgreSQL stores with many users.")
@click.option("--trust-header", metavar="NAME",
              help="Take the login from this header of a --trusted-proxy (single sign-on), e.g. X-Remote-User.")
@click.option("--trusted-proxy", "trusted_proxies", multiple=True, metavar="ADDR",
              help="The reverse proxy's address: its X-Forwarded-For/-Proto (and --trust-header) are believed. "
                   "Repeatable.")
@click.option("--session-hours", default=8, show_default=True, type=click.IntRange(1, 24), metavar="N",
              help="A sign-in ends N hours after it was made, however busy the session.")
@click.option("--idle-minutes", default=30, show_default=True, type=click.IntRange(1, 24 * 60), metavar="N",
              help="A sign-in ends after N minutes without a request.")
@click.option("--notify", "send_notices", is_flag=True,
              help="Also send notices, as `sop notify --follow` does, from one process beside the workers (started "
                   "and stopped with the server).")
@click.option("--notify-every", default=30, show_default=True, type=click.IntRange(1, 3600), metavar="SECONDS",
              help="With --notify, the pause between two passes of the notices.")
@click.pass_context
def serve(ctx: click.Context, *, host: str, port: int, workers: int, trust_header: str | None,
          trusted_proxies: tuple[str, ...], session_hours: int, idle_minutes: int, send_notices: bool,
          notify_every: int) -> None:
    """Serve the web tasklist: officials log in and complete their steps in a browser.

    Example: sop serve --port 8000 --workers 4 --notify; sop serve --trusted-proxy 127.0.0.1 --trust-header
    X-Remote-User
    """
    try:
        import flask  # noqa: F401
        import gunicorn  # noqa: F401
    except ImportError:
        raise click.ClickException("sop serve needs the web extra: pip install 'sop[web]' (Flask and gunicorn)") \
            from None
    for address in trusted_proxies:
        try:
            ipaddress.ip_address(address)
        except ValueError:
            raise click.BadParameter(f"{address!r} is not an IP address", param_hint="--trusted-proxy") from None
    if trust_header and not trusted_proxies:
        raise click.UsageError("--trust-header needs --trusted-proxy ADDR: a login header is believed only from the "
                               "proxy that sets it")
    engine = engine_of(ctx)
    engine.open()  # a missing store is an error now, not on every page
    if engine.people.roles_status().pinned is None:
        raise click.ClickException("sop serve needs the roles pinned in the store, so people can log in: run "
                                   "`sop setup` on a new store (or `sop roles apply`), then `sop passwd LOGIN` for "
                                   "each person")
    if send_notices:
        engine.notices.checked()  # no channel, no roles, a bad notices.yaml: refused now, not in every pass
    engine.close()
    from web.app import WebSettings
    from web.server import serve as run

    os.environ.setdefault("SOP_LANG", "id")  # the officials' pages are Indonesian unless SOP_LANG says otherwise

    obj = ctx.obj
    settings = WebSettings(obj["db"], obj["definitions"], obj["forms"], _roles(obj), os.environ.get("SOP_SECRET_KEY"),
                           trust_header, tuple(trusted_proxies), session_hours=session_hours,
                           idle_minutes=idle_minutes)
    from engine import store_label

    message(N_("Serving {store} on http://{host}:{port}/ with {workers} workers (Ctrl-C stops)",
               store=store_label(obj["db"]), host=host, port=port, workers=workers))
    run(settings, host, port, workers, companion=_notifier(obj, notify_every) if send_notices else None)


def _notifier(obj: dict[str, str | None], every: int) -> list[str]:
    """The `sop notify --follow` command line on the server's store and folders."""
    roles = ["--roles", str(obj["roles"])] if obj.get("roles") else []
    return [sys.executable, "-m", "runner.cli", "--db", str(obj["db"]), "--definitions", str(obj["definitions"]),
            "--forms", str(obj["forms"]), *roles, "notify", "--follow", "--every", str(every)]


def _roles(obj: dict[str, str | None]) -> str | None:
    from engine import find_roles

    return find_roles(obj.get("roles"), obj["definitions"] or "definitions")
