"""The web layer's protections at their edges: the forwarded address and scheme, the proxy's login header, the
body bound at exactly its size, the headers every answer carries and the session limits to the second (the edges
`make mutants` found untested in web/security.py)."""

from __future__ import annotations

import re
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


def test_a_trusted_proxy_that_forwards_no_address_counts_against_itself(paths: dict[str, str]) -> None:
    """The trusted proxy sends no X-Forwarded-For at all: the failed sign-in is refused as any other (401) and
    counts against the proxy's own address; a request whose address the server does not know counts against '-'."""
    client = make_app(paths, trusted_proxies=("192.0.2.50",)).test_client()
    answer = client.post("/login", data={"login": "kadis", "password": WRONG, "csrf_token": csrf_of(client)},
                         environ_base={"REMOTE_ADDR": "192.0.2.50"})
    assert answer.status_code == 401 and _failures(paths, "192.0.2.50") == 1
    unknown = make_app(paths).test_client()
    answer = unknown.post("/login", data={"login": "kadis", "password": WRONG, "csrf_token": csrf_of(unknown)},
                          environ_base={"REMOTE_ADDR": ""})
    assert answer.status_code == 401 and _failures(paths, "-") == 1


def test_a_direct_https_request_gets_a_secure_cookie_and_plain_http_does_not(paths: dict[str, str]) -> None:
    """Over TLS to the server itself (no proxy) the session cookie is Secure; over plain http it is not, and a
    proxy that is not trusted cannot make it so."""
    app = make_app(paths)
    direct = app.test_client().get("/login", base_url="https://kantor.example")
    assert direct.status_code == 200 and "; Secure" in direct.headers["Set-Cookie"]
    plain = app.test_client().get("/login", headers={"X-Forwarded-Proto": "https"})
    assert plain.status_code == 200 and "Secure" not in plain.headers["Set-Cookie"]
    assert "HttpOnly" in plain.headers["Set-Cookie"] and "SameSite=Lax" in plain.headers["Set-Cookie"]


def test_a_trusted_proxy_without_the_login_header_is_no_sign_in(paths: dict[str, str]) -> None:
    """With --trust-header set, a request from the trusted proxy that carries no such header signs nobody in: the
    person is sent to the sign-in page, which opens, and signing in there with a password works as without a proxy."""
    app = make_app(paths, trust_header="X-Remote-User", trusted_proxies=("10.0.0.5",))
    client = app.test_client()
    answer = client.get("/", environ_base={"REMOTE_ADDR": "10.0.0.5"})
    assert answer.status_code == 302 and "/login" in answer.headers["Location"]
    assert client.get("/login", environ_base={"REMOTE_ADDR": "10.0.0.5"}).status_code == 200
    signed = client.post("/login", data={"login": "kadis", "password": PASSWORD, "csrf_token": csrf_of(client)},
                         environ_base={"REMOTE_ADDR": "10.0.0.5"})
    assert signed.status_code == 303
    page = client.get("/", environ_base={"REMOTE_ADDR": "10.0.0.5"})
    assert page.status_code == 200 and "Ir. Asmawi Alie" in page.get_data(as_text=True)


def test_the_csrf_token_is_32_random_bytes(paths: dict[str, str]) -> None:
    """Each session's token is 32 random bytes, URL-safe: 43 characters, different for each session."""
    tokens = {csrf_of(make_app(paths).test_client()) for _ in range(3)}
    assert len(tokens) == 3 and {len(t) for t in tokens} == {43}
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{43}", t) for t in tokens)


class _Endless:
    """A chunked request body that never ends; counts what the server read of it."""

    def __init__(self) -> None:
        self.read_bytes = 0

    def read(self, size: int | None = -1) -> bytes:
        if size is None or size < 0:
            raise MemoryError("the whole of an endless body was asked for")
        self.read_bytes += size
        return b"x" * size


def test_an_endless_chunked_body_is_refused_after_reading_just_past_the_bound(paths: dict[str, str]) -> None:
    """A chunked sign-in body that never ends is refused (413) once the server has read one byte past 1 MiB; it
    never reads more."""
    client = make_app(paths).test_client()
    body = _Endless()
    answer = client.post("/login", content_type="application/x-www-form-urlencoded",
                         headers={"Transfer-Encoding": "chunked"},
                         environ_overrides={"wsgi.input_terminated": True, "wsgi.input": body},
                         environ_base={"REMOTE_ADDR": "192.0.2.64"})
    assert answer.status_code == 413 and body.read_bytes == MIB + 1
    assert _failures(paths, "192.0.2.64") == 0


def test_a_session_without_its_times_asks_for_a_sign_in(paths: dict[str, str], server_clock: ServerClock) -> None:
    """A signed session cookie naming kadis but without the sign-in time and last request time (one from before
    sessions had them), or with only the sign-in time: the tasklist asks for a sign-in again."""
    for kept in ({}, {"since": float(server_clock.now)}):
        client = logged_in(make_app(paths), "kadis")
        with client.session_transaction() as session:
            session.pop("since")
            session.pop("seen")
            session.update(kept)
        answer = client.get("/")
        assert answer.status_code == 302 and "/login" in answer.headers["Location"], kept


def test_a_session_idle_one_second_past_its_minutes_ends(paths: dict[str, str], server_clock: ServerClock) -> None:
    """Idle 30 minutes and 1 second after the last request: the tasklist asks for a sign-in again."""
    client = logged_in(make_app(paths), "kadis")
    server_clock.now += 30 * 60 + 1
    answer = client.get("/")
    assert answer.status_code == 302 and "/login" in answer.headers["Location"]


def test_the_last_request_time_moves_at_most_twice_a_minute(paths: dict[str, str],
                                                           server_clock: ServerClock) -> None:
    """A request 29 seconds after the sign-in does not count as activity (the session's last request time is kept
    to the half minute): idle 30 minutes and 1 second from the sign-in ends the session."""
    client = logged_in(make_app(paths), "kadis")
    server_clock.now += 29
    assert client.get("/").status_code == 200
    server_clock.now += 30 * 60 + 1 - 29
    answer = client.get("/")
    assert answer.status_code == 302 and "/login" in answer.headers["Location"]
