"""`sop serve`'s production server: gunicorn run from Python, several worker processes of threads (gthread), the app
loaded once in the master before the workers fork (preload), so they share its generated session secret."""

from __future__ import annotations

import logging
from typing import Any

from gunicorn.app.base import BaseApplication

from .app import WebSettings, create_app


class SopServer(BaseApplication):  # type: ignore[misc]  # gunicorn has no type hints
    """Gunicorn with its options given here rather than read from a command line or a config file."""

    def __init__(self, app: Any, options: dict[str, Any]) -> None:
        self.application = app
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            if key in self.cfg.settings:  # settings newer than gunicorn 22 (control_socket_disable) are skipped
                self.cfg.set(key, value)

    def load(self) -> Any:
        return self.application


def serve(settings: WebSettings, host: str, port: int, workers: int, threads: int = 4) -> None:
    """Serve the app until interrupted; only the trusted proxies' X-Forwarded-* headers are believed."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s [%(process)d] %(levelname)s %(name)s: %(message)s")
    app = create_app(settings)
    options = {
        "bind": f"[{host}]:{port}" if ":" in host else f"{host}:{port}",
        "workers": workers,
        "worker_class": "gthread",
        "threads": threads,
        "preload_app": True,
        "forwarded_allow_ips": ",".join(settings.trusted_proxies) or "127.0.0.2",  # none: an address never used
        "accesslog": "-",
        "errorlog": "-",
        "timeout": 120,
        "graceful_timeout": 20,
        "limit_request_line": 8190,
        "proc_name": "sop-serve",
        "control_socket_disable": True,  # gunicorn 24+: no gunicornc socket in the user's home
    }
    SopServer(app, options).run()
