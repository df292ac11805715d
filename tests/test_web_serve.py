"""`sop serve` refuses what it cannot serve with a clear `Error:`: no web extra, no roles pinned (nobody could log in),
a login header without the proxy that sets it, a proxy that is no address."""

from __future__ import annotations

import builtins
from pathlib import Path
from typing import Any

import pytest
from conftest import FORMS, Sop
from web_fixtures import office


def test_without_the_web_extra_serve_says_how_to_install_it(sop: Sop, monkeypatch: pytest.MonkeyPatch) -> None:
    """Flask missing: exit 1 naming `sop[web]`, no traceback."""
    real = builtins.__import__

    def no_flask(name: str, *args: Any, **kwargs: Any) -> Any:
        if name in ("flask", "gunicorn"):
            raise ImportError(name=name)
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_flask)
    result = sop("serve")
    assert result.exit_code == 1 and "sop[web]" in result.stderr and "Traceback" not in result.output


def test_serve_needs_roles_pinned_in_the_store(sop: Sop) -> None:
    """A store without `sop roles apply` has no accounts: serve says what to run."""
    sop.start()
    result = sop("serve")
    assert result.exit_code == 1 and "sop roles apply" in result.stderr and "sop passwd" in result.stderr


def test_a_login_header_needs_its_trusted_proxy(tmp_path: Path) -> None:
    """--trust-header alone is a usage error; --trusted-proxy must be an IP address."""
    paths = office(tmp_path)
    sop = Sop(Path(paths["db"]), Path(paths["definitions"]), FORMS)
    alone = sop("serve", "--trust-header", "X-Remote-User")
    assert alone.exit_code == 2 and "--trusted-proxy" in alone.stderr
    bad = sop("serve", "--trusted-proxy", "proxy.local")
    assert bad.exit_code == 2 and "not an IP address" in bad.stderr
