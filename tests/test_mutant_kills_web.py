"""The web layer's protections at their edges: the forwarded address and scheme, the proxy's login header, the
body bound at exactly its size, the headers every answer carries and the session limits to the second (the edges
`make mutants` found untested in web/security.py)."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

import pytest
from conftest import ServerClock
from web_fixtures import PASSWORD, csrf_of, engine_as, logged_in, make_app, office

MIB = 1024 * 1024
WRONG = "salah-sekali-123"


@pytest.fixture
def paths(tmp_path: Path) -> dict[str, str]:
    return office(tmp_path)


def _failures(paths: dict[str, str], address: str) -> int:
    """Failed sign-ins of kadis the store counts against an address."""
    store = engine_as(paths, "tu.umum").context.store()
    with store.transaction() as tx:
        return len(tx.login_failures((f"pair:kadis|{address}",), "2000-01-01T00:00:00.000Z"))


def _fail_through_proxy(paths: dict[str, str], forwarded: str) -> None:
    """One wrong password for kadis, through the trusted proxy 192.0.2.50 sending this X-Forwarded-For."""
    client = make_app(paths, trusted_proxies=("192.0.2.50",)).test_client()
    answer = client.post("/login", data={"login": "kadis", "password": WRONG, "csrf_token": csrf_of(client)},
                         environ_base={"REMOTE_ADDR": "192.0.2.50"}, headers={"X-Forwarded-For": forwarded})
    assert answer.status_code == 401


def test_the_trusted_proxys_own_entry_counts_not_what_the_browser_sent_before_it(paths: dict[str, str]) -> None:
    """A proxy appends the address it saw: of "spoofed, real" the failure counts against the last entry, with the
    spaces around it trimmed; a forwarded value over 64 characters is cut to 64."""
    _fail_through_proxy(paths, "203.0.113.9, 198.51.100.7 ")
    assert (_failures(paths, "198.51.100.7"), _failures(paths, "203.0.113.9")) == (1, 0)
    _fail_through_proxy(paths, "a" * 100)
    assert (_failures(paths, "a" * 64), _failures(paths, "a" * 65)) == (1, 0)


def test_an_empty_forward_from_the_proxy_counts_against_the_proxy(paths: dict[str, str]) -> None:
    """A trusted proxy sending an empty X-Forwarded-For: the failure counts against the proxy's own address."""
    _fail_through_proxy(paths, " ")
    assert _failures(paths, "192.0.2.50") == 1


def test_the_proxys_https_is_believed_in_any_case(paths: dict[str, str]) -> None:
    """X-Forwarded-Proto "HTTPS" from the trusted proxy marks the session cookie Secure, as "https" does."""
    app = make_app(paths, trusted_proxies=("10.0.0.5",))
    answer = app.test_client().get("/login", headers={"X-Forwarded-Proto": "HTTPS"},
                                   environ_base={"REMOTE_ADDR": "10.0.0.5"})
    assert "Secure" in answer.headers["Set-Cookie"]


def test_the_proxys_login_header_is_trimmed_and_an_empty_one_is_no_login(paths: dict[str, str]) -> None:
    """" kadis " in the --trust-header header signs kadis in; a blank one sends the person to the sign-in page."""
    app = make_app(paths, trust_header="X-Remote-User", trusted_proxies=("10.0.0.5",))
    spaced = app.test_client().get("/", headers={"X-Remote-User": " kadis "}, environ_base={"REMOTE_ADDR": "10.0.0.5"})
    assert spaced.status_code == 200 and "Ir. Asmawi Alie" in spaced.get_data(as_text=True)
    blank = app.test_client().get("/", headers={"X-Remote-User": "  "}, environ_base={"REMOTE_ADDR": "10.0.0.5"})
    assert blank.status_code == 302 and "/login" in blank.headers["Location"]


def _login_body(token: str, size: int, password: str = WRONG) -> bytes:
    """A url-encoded sign-in of kadis padded to exactly size bytes."""
    head = f"login=kadis&password={password}&csrf_token={token}&pad=".encode()
    return head + b"x" * (size - len(head))


def test_a_body_of_exactly_the_bound_is_read(paths: dict[str, str]) -> None:
    """A sign-in body of exactly 1 MiB, with its length or chunked, is read (a wrong password: 401, counted);
    one byte more is refused (413)."""
    client = make_app(paths).test_client()
    token = csrf_of(client)
    sized = client.post("/login", data=_login_body(token, MIB), content_type="application/x-www-form-urlencoded",
                        environ_base={"REMOTE_ADDR": "192.0.2.61"})
    assert sized.status_code == 401
    chunked = client.post("/login", input_stream=BytesIO(_login_body(token, MIB)),
                          content_type="application/x-www-form-urlencoded", headers={"Transfer-Encoding": "chunked"},
                          environ_overrides={"wsgi.input_terminated": True}, environ_base={"REMOTE_ADDR": "192.0.2.62"})
    assert chunked.status_code == 401
    assert (_failures(paths, "192.0.2.61"), _failures(paths, "192.0.2.62")) == (1, 1)
    over = client.post("/login", input_stream=BytesIO(_login_body(token, MIB + 1)),
                       content_type="application/x-www-form-urlencoded", headers={"Transfer-Encoding": "chunked"},
                       environ_overrides={"wsgi.input_terminated": True}, environ_base={"REMOTE_ADDR": "192.0.2.63"})
    assert over.status_code == 413 and _failures(paths, "192.0.2.63") == 0


@pytest.mark.parametrize("method", ["GET", "HEAD", "OPTIONS"])
def test_a_read_is_never_refused_for_its_body(paths: dict[str, str], method: str) -> None:
    """A GET, HEAD or OPTIONS carrying a 2 MiB body is answered as without it (its body is never read)."""
    client = make_app(paths).test_client()
    answer = client.open("/login", method=method, data=b"x" * (2 * MIB), content_type="application/octet-stream")
    assert answer.status_code == 200


def test_every_answer_says_no_framing_no_referrer_off_site_and_its_cookie_name(paths: dict[str, str]) -> None:
    """X-Frame-Options DENY, Referrer-Policy same-origin, the session cookie named sop_session; the style sheet may
    be cached, a page never."""
    client = make_app(paths).test_client()
    page = client.get("/login")
    assert page.headers["X-Frame-Options"] == "DENY" and page.headers["Referrer-Policy"] == "same-origin"
    assert page.headers["Set-Cookie"].startswith("sop_session=")
    assert page.headers["Content-Security-Policy"].startswith("default-src 'self'; frame-ancestors 'none'")
    style = client.get("/static/sop.css")
    assert style.status_code == 200 and "no-store" not in style.headers.get("Cache-Control", "")
    assert style.headers["X-Content-Type-Options"] == "nosniff"


def test_a_session_lasts_exactly_its_idle_minutes_and_its_hours(paths: dict[str, str],
                                                                server_clock: ServerClock) -> None:
    """Idle exactly 30 minutes: still signed in; a request 30 seconds after sign-in counts as activity; a session
    exactly 8 hours old still opens, one second older it does not."""
    client = logged_in(make_app(paths), "kadis")
    server_clock.now += 30
    assert client.get("/").status_code == 200  # activity: the idle time counts from here
    server_clock.now += 30 * 60
    assert client.get("/").status_code == 200  # idle exactly 30 minutes
    start = server_clock.now - 30 * 60 - 30
    while server_clock.now + 25 * 60 < start + 8 * 3600:
        server_clock.now += 25 * 60
        assert client.get("/").status_code == 200
    server_clock.now = start + 8 * 3600
    assert client.get("/").status_code == 200  # exactly 8 hours
    server_clock.now += 1
    answer = client.get("/")
    assert answer.status_code == 302 and "/login" in answer.headers["Location"]


def test_a_sign_in_gives_a_fresh_token_and_the_old_one_is_refused(paths: dict[str, str]) -> None:
    """The anonymous session's CSRF token is not kept by the sign-in: a POST with it is refused (403) and changes
    nothing; the token of the signed-in page works."""
    client = make_app(paths).test_client()
    before = csrf_of(client)
    answer = client.post("/login", data={"login": "kadis", "password": PASSWORD, "csrf_token": before})
    assert answer.status_code == 303
    after = csrf_of(client, "/")
    assert after != before and len(after) >= 43
    assert client.post("/logout", data={"csrf_token": before}).status_code == 403
    assert client.get("/").status_code == 200  # still signed in
    assert client.post("/logout", data={"csrf_token": after}).status_code in (302, 303)
