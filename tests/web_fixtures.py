"""Shared set-up of the web tests: a store with the real definitions, their roles pinned (plus a second Tim Teknis
Jaringan member, for claims) and a password for everyone, and Flask test clients logged in as one person."""

from __future__ import annotations

import atexit
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any

from conftest import DEFINITIONS, EXAMPLES, FORMS

from engine import Engine

PASSWORD = "rahasia-kantor-2026"
PROCESS = "interkoneksi_data_baru"
SECOND_TEAM_MEMBER = """dedi.jaringan:
  name: Dedi Kurniawan, A.Md
  nip: "19930510 201801 1 001"
  jabatan: Pranata Komputer, Tim Teknis Jaringan
  lanes: [Tim Teknis Jaringan]
"""
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


_MADE: list[Path] = []


def office(tmp_path: Path) -> dict[str, str]:
    """A store at tmp_path with the definitions' roles (and Dedi) pinned and every password set; the paths. The
    store is made once per test run (Argon2 is slow on purpose) and copied."""
    if not _MADE:
        made = Path(tempfile.mkdtemp(prefix="sop-web-office-"))
        atexit.register(shutil.rmtree, made, True)
        definitions = made / "definitions"
        shutil.copytree(DEFINITIONS, definitions)
        roles = definitions / "roles.yaml"
        roles.write_text(roles.read_text(encoding="utf-8") + SECOND_TEAM_MEMBER, encoding="utf-8")
        engine = Engine(
            str(made / "sop.db"), definitions_dir=definitions, forms_dir=FORMS, operator="tu.umum", roles=str(roles)
        )
        engine.context.store(create=True)
        engine.people.apply_roles()
        for login in engine.people.roles.people:  # type: ignore[union-attr]
            engine.people.set_password(login, PASSWORD)
        engine.close()
        _MADE.append(made)
    shutil.copytree(_MADE[0] / "definitions", tmp_path / "definitions")
    shutil.copy(_MADE[0] / "sop.db", tmp_path / "sop.db")
    definitions = tmp_path / "definitions"
    return {"db": str(tmp_path / "sop.db"), "definitions": str(definitions), "forms": str(FORMS),
            "roles": str(definitions / "roles.yaml")}


def engine_as(paths: dict[str, str], login: str, **options: Any) -> Engine:
    """An Engine on the test store acting as login (to prepare instances the way the CLI would)."""
    return Engine(
        paths["db"],
        definitions_dir=paths["definitions"],
        forms_dir=paths["forms"],
        operator=login,
        roles=paths["roles"],
        **options,
    )


def make_app(paths: dict[str, str], **extra: Any) -> Any:
    """The web app on the test store."""
    from web.app import WebSettings, create_app

    settings = WebSettings(paths["db"], paths["definitions"], paths["forms"], paths["roles"], secret_key="test" * 8,
                           **extra)
    return create_app(settings, testing=True)


def csrf_of(client: Any, path: str = "/login") -> str:
    """The CSRF token a page's form carries."""
    page = client.get(path)
    found = _CSRF.search(page.get_data(as_text=True))
    assert found, page.get_data(as_text=True)[:500]
    return found.group(1)


def logged_in(app: Any, login: str, password: str = PASSWORD) -> Any:
    """A test client with a session of login."""
    client = app.test_client()
    token = csrf_of(client)
    answer = client.post("/login", data={"login": login, "password": password, "csrf_token": token})
    assert answer.status_code == 303, answer.get_data(as_text=True)
    return client


def post(client: Any, path: str, data: dict[str, Any] | None = None, **kwargs: Any) -> Any:
    """A POST with the session's CSRF token added (read from the tasklist page)."""
    fields = dict(data or {})
    fields.setdefault("csrf_token", csrf_of(client, "/"))
    return client.post(path, data=fields, **kwargs)


def started(paths: dict[str, str], upto: str | None = None) -> int:
    """An instance of the Interkoneksi SOP (the pasang scenario) with its steps completed before task upto."""
    from engine import load_scenarios

    scenario = next(s for s in load_scenarios(EXAMPLES) if s.file.endswith("pasang.scenario.yaml"))
    engine = engine_as(paths, "tu.umum")
    try:
        view = engine.instances.start(PROCESS, actor="opd.dinkes")  # the clerk registers the OPD's request
        for step in scenario.steps:
            if step["task"] == upto:
                break
            engine.instance(view.instance).complete(
                step["task"], step["data"], actor=step["as"], attach=step["attach"] or None
            )
        return view.instance
    finally:
        engine.close()


def os_account_audits(paths: dict[str, str]) -> None:
    """Make the OS account running the tests an auditor of the office (the read rule lets it read every instance
    through the CLI), its roles applied by the clerk; done once per store."""
    from engine.common.identity import os_login

    roles = Path(paths["roles"])
    me = os_login()
    if f"\n{me}:" in roles.read_text(encoding="utf-8"):
        return
    roles.write_text(roles.read_text(encoding="utf-8") + f"{me}:\n  name: Auditor Uji\n  auditor: true\n",
                     encoding="utf-8")
    clerk = engine_as(paths, "tu.umum")
    clerk.people.apply_roles()
    clerk.close()
