"""Sessions end: a fixed lifetime from sign-in that requests never extend, and an idle limit."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import ServerClock
from web_fixtures import logged_in, make_app, office


@pytest.fixture
def paths(tmp_path: Path) -> dict[str, str]:
    return office(tmp_path)


def test_an_idle_session_ends_after_its_minutes(paths: dict[str, str], server_clock: ServerClock) -> None:
    """29 minutes after the last request the tasklist opens; 31 minutes after, it asks for a sign-in again."""
    client = logged_in(make_app(paths), "kadis")
    server_clock.now += 29 * 60
    assert client.get("/").status_code == 200
    server_clock.now += 29 * 60
    assert client.get("/").status_code == 200  # each request counts as activity
    server_clock.now += 31 * 60
    answer = client.get("/")
    assert answer.status_code == 302 and "/login" in answer.headers["Location"]


def test_a_busy_session_still_ends_at_its_lifetime(paths: dict[str, str], server_clock: ServerClock) -> None:
    """A request every 20 minutes keeps a session alive for its 8 hours from sign-in, never longer: re-signing the
    cookie does not move the sign-in's time."""
    client = logged_in(make_app(paths), "kadis")
    for _ in range(8 * 3):  # 8 hours of requests, 20 minutes apart
        server_clock.now += 20 * 60
        status = client.get("/").status_code
    assert status == 200
    server_clock.now += 20 * 60
    assert client.get("/").status_code == 302


def test_the_limits_follow_the_servers_settings(paths: dict[str, str], server_clock: ServerClock) -> None:
    """`sop serve --idle-minutes 5 --session-hours 1` (WebSettings) shortens both."""
    app = make_app(paths, idle_minutes=5, session_hours=1)
    client = logged_in(app, "kadis")
    server_clock.now += 6 * 60
    assert client.get("/").status_code == 302
    client = logged_in(app, "kadis")
    for _ in range(14):
        server_clock.now += 4 * 60
        assert client.get("/").status_code == 200
    server_clock.now += 5 * 60
    assert client.get("/").status_code == 302  # 61 minutes from sign-in


def test_signing_out_ends_every_session_of_the_login(paths: dict[str, str]) -> None:
    """The Kepala Dinas signed in on two devices signs out on one: the other's cookie (or a stolen copy) no longer
    opens anything; he signs in again as before."""
    app = make_app(paths)
    desk, phone = logged_in(app, "kadis"), logged_in(app, "kadis")
    assert desk.get("/").status_code == phone.get("/").status_code == 200
    from web_fixtures import csrf_of

    assert desk.post("/logout", data={"csrf_token": csrf_of(desk, "/")}).status_code == 303
    assert phone.get("/").status_code == 302
    again = logged_in(app, "kadis")
    assert again.get("/").status_code == 200


def test_a_new_password_ends_the_sessions_signed_in_with_the_old(paths: dict[str, str]) -> None:
    """An operator sets the Kepala Dinas's password (or he does): every session he had is over."""
    from web_fixtures import engine_as

    app = make_app(paths)
    kadis = logged_in(app, "kadis")
    engine_as(paths, "tu.umum").people.set_password("kadis", "kopi-hujan-meja-72")
    assert kadis.get("/").status_code == 302


def test_removal_from_the_roles_ends_the_sessions_for_good(paths: dict[str, str]) -> None:
    """Removed from the roles, a person is signed out; added back, the old session does not come back."""
    import yaml
    from web_fixtures import engine_as

    app = make_app(paths)
    kabid = logged_in(app, "kabid.egov")
    roles = Path(paths["roles"])
    original = roles.read_text(encoding="utf-8")
    people = yaml.safe_load(original)
    people.pop("kabid.egov")
    roles.write_text(yaml.safe_dump(people, allow_unicode=True), encoding="utf-8")
    engine_as(paths, "tu.umum").people.apply_roles()
    roles.write_text(original, encoding="utf-8")
    engine_as(paths, "tu.umum").people.apply_roles()
    assert kabid.get("/").status_code == 302


def test_an_operator_ends_a_persons_sessions_from_the_cli(paths: dict[str, str]) -> None:
    """`sop accounts sessions kadis --end` (an operator, or kadis himself) signs him out everywhere; another
    official may not."""
    from conftest import Sop

    app = make_app(paths)
    kadis = logged_in(app, "kadis")
    sop = Sop(Path(paths["db"]), Path(paths["definitions"]), Path(paths["forms"]))
    refused = sop("--roles", paths["roles"], "accounts", "sessions", "kadis", "--end")  # this OS account: no one
    assert refused.exit_code == 1 and kadis.get("/").status_code == 200
    before = sop.json("accounts", "sessions", "kadis")["ended_at"]  # when his password was set
    from web_fixtures import engine_as

    ended = engine_as(paths, "tu.umum").people.end_sessions("kadis")
    assert kadis.get("/").status_code == 302
    assert sop.json("accounts", "sessions", "kadis") == {"login": "kadis", "ended_at": ended} and ended > before


def test_an_operator_sees_and_clears_the_throttles(paths: dict[str, str]) -> None:
    """`sop accounts throttles` lists the logins slowed by failures (from one address, and from everywhere); an
    operator's --clear forgets them, and the official signs in from the guessing address at once."""
    from conftest import Sop
    from web_fixtures import PASSWORD, engine_as

    from engine import LoginError

    web = engine_as(paths, "web")
    for _ in range(3):
        with pytest.raises(LoginError):
            web.people.check_login("kadis", "salah-sekali-1", address="192.0.2.9")
    with pytest.raises(LoginError, match="try again in"):
        web.people.check_login("kadis", PASSWORD, address="192.0.2.9")
    sop = Sop(Path(paths["db"]), Path(paths["definitions"]), Path(paths["forms"]))
    listed = sop.json("accounts", "throttles")
    assert {(t["login"], t["address"], t["failures"]) for t in listed} == {("kadis", "192.0.2.9", 3), ("kadis", "", 3)}
    refused = sop("--roles", paths["roles"], "accounts", "throttles", "--clear", "kadis")  # this OS account
    assert refused.exit_code == 1 and len(sop.json("accounts", "throttles")) == 2
    assert engine_as(paths, "tu.umum").people.clear_throttles("kadis") == 6
    assert sop.json("accounts", "throttles") == []
    assert web.people.check_login("kadis", PASSWORD, address="192.0.2.9").login == "kadis"
