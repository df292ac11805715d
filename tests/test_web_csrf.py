"""Every POST route refuses a request without the session's CSRF token (403) and changes nothing: the routes are
read from the app itself, so a new POST route without the check fails here."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from web_fixtures import PASSWORD, csrf_of, engine_as, logged_in, make_app, office

# The values a route's arguments take in this test's store.
ARGUMENTS = {"instance": "{instance}", "task": "AjukanPermohonan", "process": "interkoneksi_data_baru",
             "semester": "2026-2"}


def _post_routes() -> list[tuple[str, str]]:
    from web.app import WebSettings, create_app

    app = create_app(WebSettings("unused.db", "definitions", "forms"), testing=True)
    found = []
    for rule in app.url_map.iter_rules():
        if "POST" in (rule.methods or ()):
            missing = set(rule.arguments) - set(ARGUMENTS)
            assert not missing, f"{rule.rule}: give this test a value for {missing}"
            found.append((rule.endpoint, rule.rule))
    return sorted(found)


POST_ROUTES = _post_routes()


@pytest.fixture
def paths(tmp_path: Path) -> dict[str, str]:
    return office(tmp_path)


def _state(paths: dict[str, str]) -> Any:
    """What a forged POST could change: every instance's events and ready tasks with their claims, the
    delegations."""
    engine = engine_as(paths, "tu.umum")
    return [(i.instance, i.events, [(t.task, t.claimed_by) for t in engine.instance(i.instance).tasks()])
            for i in engine.instances.find()], engine.people.delegations(past=True)


def test_the_app_has_the_post_routes_this_test_knows() -> None:
    """Sign-in, sign-out, a step's form, claim, release, start, the process owner's check, sheet preview,
    publish and move, adding and ending a delegation, and the comments on an instance and a task: all POST routes
    are checked below."""
    assert [endpoint for endpoint, _ in POST_ROUTES] == sorted(
        ["auth.login_post", "auth.logout", "tasks.task_post", "tasks.claim", "tasks.release", "tasks.send_back",
         "instances.start", "owner.check", "owner.sheet", "owner.publish", "owner.move",
         "delegations.add_delegation", "delegations.end_delegation", "comments.instance_comment",
         "comments.task_comment", "monev.monev_post"])


@pytest.mark.parametrize(("endpoint", "rule"), POST_ROUTES)
@pytest.mark.parametrize("token", [None, "forged-token"])
def test_a_post_without_the_sessions_token_is_refused_and_changes_nothing(
        paths: dict[str, str], endpoint: str, rule: str, token: str | None) -> None:
    """No token, or a token that is not the session's: 403, and the store and the session as they were (the
    planted bug "CSRF check skipped for the claim route" fails here, as would any route without the check)."""
    instance = engine_as(paths, "tu.umum").instances.start("interkoneksi_data_baru", actor="opd.dinkes").instance
    address = rule
    for name, value in ARGUMENTS.items():
        address = address.replace(f"<int:{name}>", value).replace(f"<{name}>", value)
    address = address.format(instance=instance)
    client = make_app(paths).test_client() if endpoint == "auth.login_post" else \
        logged_in(make_app(paths), "opd.dinkes")
    before = _state(paths)
    data = {"login": "opd.dinkes", "password": PASSWORD, "perihal": "x", "_action": "complete"}
    if token is not None:
        data["csrf_token"] = token
    answer = client.post(address, data=data)
    assert answer.status_code == 403, (address, answer.status_code)
    assert _state(paths) == before
    home = client.get("/")
    if endpoint == "auth.login_post":
        assert home.status_code == 302  # not signed in
    else:
        assert home.status_code == 200  # still signed in (sign-out refused)
        assert client.post(address, data={**data, "csrf_token": csrf_of(client, "/")}).status_code != 403
