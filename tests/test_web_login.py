"""Logging in to the web tasklist: one message for every wrong login, the rate limit, the session cookie, CSRF, the
trusted proxy's login header, and the security headers of every page."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from web_fixtures import PASSWORD, csrf_of, logged_in, make_app, office


@pytest.fixture
def paths(tmp_path: Path) -> dict[str, str]:
    return office(tmp_path)


def _login(client, login: str, password: str, **kwargs):  # type: ignore[no-untyped-def]
    return client.post("/login", data={"login": login, "password": password, "csrf_token": csrf_of(client)}, **kwargs)


def _problem(answer) -> str:  # type: ignore[no-untyped-def]
    found = re.search(r'id="login-problem">([^<]*)<', answer.get_data(as_text=True))
    assert found, answer.get_data(as_text=True)
    return found.group(1)


def test_a_right_password_logs_in_and_shows_the_tasklist(paths: dict[str, str]) -> None:
    """The login form posts login and password; the session then opens "Tugas saya"."""
    client = make_app(paths).test_client()
    page = client.get("/login").get_data(as_text=True)
    assert 'name="login"' in page and 'name="password"' in page and 'name="csrf_token"' in page
    answer = _login(client, "kadis", PASSWORD)
    assert answer.status_code == 303 and answer.headers["Location"] == "/"
    assert "Ir. Asmawi Alie" in client.get("/").get_data(as_text=True)


def test_a_wrong_password_and_an_unknown_login_get_the_same_message(paths: dict[str, str]) -> None:
    """Nothing tells whether a login exists: a wrong password and an unknown login read alike (401 both)."""
    client = make_app(paths).test_client()
    wrong = _login(client, "kadis", "salah-sekali-ini")
    unknown = _login(client, "nobody.here", "salah-sekali-ini")
    assert wrong.status_code == unknown.status_code == 401
    assert _problem(wrong) == _problem(unknown)
    assert 'value="kadis"' in wrong.get_data(as_text=True)  # the login typed is kept, the password never
    assert "salah-sekali-ini" not in wrong.get_data(as_text=True)


def test_failures_from_one_browser_make_it_wait(paths: dict[str, str]) -> None:
    """After three failures from one address the next attempt from there, the right password too, is told how many
    seconds to wait; the same official signing in from another address is not."""
    client = make_app(paths).test_client()
    for _ in range(3):
        assert _login(client, "kabid.egov", "bukan-ini-sandinya").status_code == 401
    waiting = _login(client, "kabid.egov", PASSWORD)
    assert waiting.status_code == 401 and "seconds" in _problem(waiting)
    elsewhere = make_app(paths).test_client()
    answer = elsewhere.post("/login", data={"login": "kabid.egov", "password": PASSWORD,
                                            "csrf_token": csrf_of(elsewhere)}, environ_base={"REMOTE_ADDR": "10.7.7.7"})
    assert answer.status_code == 303


def test_a_post_without_the_csrf_token_is_refused(paths: dict[str, str]) -> None:
    """Every POST needs the session's token: without it, or with another, 403 and nothing done."""
    client = make_app(paths).test_client()
    csrf_of(client)
    assert client.post("/login", data={"login": "kadis", "password": PASSWORD}).status_code == 403
    assert client.post("/login", data={"login": "kadis", "password": PASSWORD, "csrf_token": "x"}).status_code == 403
    signed_in = logged_in(make_app(paths), "opd.dinkes")
    assert signed_in.post("/processes/interkoneksi_data_baru/start").status_code == 403
    assert "Instance 1" not in signed_in.get("/").get_data(as_text=True)


def test_the_session_cookie_is_httponly_lax_and_secure_over_https_from_the_proxy(paths: dict[str, str]) -> None:
    """HttpOnly and SameSite=Lax always; Secure when the trusted proxy says the browser used https."""
    client = make_app(paths, trusted_proxies=("10.0.0.5",)).test_client()
    plain = client.get("/login").headers["Set-Cookie"]
    assert "HttpOnly" in plain and "SameSite=Lax" in plain and "Secure" not in plain
    behind = make_app(paths, trusted_proxies=("10.0.0.5",)).test_client()
    tls = behind.get("/login", headers={"X-Forwarded-Proto": "https"},
                     environ_base={"REMOTE_ADDR": "10.0.0.5"}).headers["Set-Cookie"]
    assert "Secure" in tls
    other = make_app(paths, trusted_proxies=("10.0.0.5",)).test_client()
    spoofed = other.get("/login", headers={"X-Forwarded-Proto": "https"},
                        environ_base={"REMOTE_ADDR": "10.0.0.9"}).headers["Set-Cookie"]
    assert "Secure" not in spoofed
    answer = _login(make_app(paths).test_client(), "kadis", PASSWORD)
    assert "Expires=" in answer.headers["Set-Cookie"]  # a session that ends (8 hours)


def test_every_page_carries_the_security_headers(paths: dict[str, str]) -> None:
    """CSP without inline script and no framing, nosniff, no caching of pages."""
    answer = make_app(paths).test_client().get("/login")
    policy = answer.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy and "unsafe-inline" not in policy
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert answer.headers["Cache-Control"] == "no-store"
    assert "<script" not in answer.get_data(as_text=True) and "style=" not in answer.get_data(as_text=True)


def test_the_trusted_proxy_header_logs_in_only_from_the_proxy(paths: dict[str, str]) -> None:
    """--trust-header takes the login from the proxy's header, never from another address."""
    app = make_app(paths, trust_header="X-Remote-User", trusted_proxies=("10.0.0.5",))
    client = app.test_client()
    via_proxy = client.get("/", headers={"X-Remote-User": "kadis"}, environ_base={"REMOTE_ADDR": "10.0.0.5"})
    assert via_proxy.status_code == 200 and "Ir. Asmawi Alie" in via_proxy.get_data(as_text=True)
    assert "Log out" not in via_proxy.get_data(as_text=True)  # the proxy signs people out, not this site
    direct = app.test_client().get("/", headers={"X-Remote-User": "kadis"}, environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert direct.status_code == 302 and "/login" in direct.headers["Location"]


def test_after_login_only_a_path_of_the_site_is_followed(paths: dict[str, str]) -> None:
    """`next` sends the person back to the page they asked for, never to another site."""
    client = make_app(paths).test_client()
    assert client.get("/instances/1").headers["Location"] == "/login?next=/instances/1"
    for target, expected in (("/instances/1", "/instances/1"), ("//evil.example/x", "/"),
                             ("https://evil.example/", "/"), ("/\\evil.example", "/")):
        client = make_app(paths).test_client()
        answer = client.post("/login", data={"login": "kadis", "password": PASSWORD, "next": target,
                                             "csrf_token": csrf_of(client)})
        assert answer.headers["Location"] == expected, target


# Payloads from the OWASP Unvalidated Redirects cheat sheet and its filter-evasion lists, as a browser receives them.
REDIRECT_PAYLOADS = (
    "//evil.example", "///evil.example", "////evil.example/", "/\\evil.example", "/\t/evil.example",
    "/%09/evil.example", "\t//evil.example", "/\n/evil.example", "/\r\n/evil.example", "%2F%2Fevil.example",
    "/%2F/evil.example",
    "/%5Cevil.example", "/%5C%5Cevil.example", "https://evil.example", "https:evil.example", "http:/evil.example",
    "javascript:alert(1)", "//evil.example@site", "/ /evil.example", "\\evil.example", "evil.example", "./x",
    "/%0d%0aSet-Cookie:x=1", "/\x00/evil.example", "/" + "a" * 5000,
)


@pytest.mark.parametrize("payload", REDIRECT_PAYLOADS)
def test_no_next_address_leads_off_the_site(paths: dict[str, str], payload: str) -> None:
    """After a genuine sign-in, and when a signed-in person opens /login, `next` is followed only to a path of this
    site, whatever a browser would make of it; nothing in it gives a 500."""
    from urllib.parse import urlsplit

    client = make_app(paths).test_client()
    answer = client.post("/login", data={"login": "kadis", "password": PASSWORD, "next": payload,
                                         "csrf_token": csrf_of(client)})
    again = client.get("/login", query_string={"next": payload})
    for response in (answer, again):
        assert response.status_code in (302, 303), (payload, response.status_code)
        location = response.headers["Location"]
        browser = "".join(ch for ch in location if ch not in "\t\r\n").replace("\\", "/")
        parts = urlsplit(browser)
        assert not parts.scheme and not parts.netloc and browser.startswith("/") and not browser.startswith("//"), \
            (payload, location)


def test_a_forwarded_address_is_believed_only_from_a_trusted_proxy(paths: dict[str, str]) -> None:
    """A failed sign-in is counted against the address that connected, whatever X-Forwarded-For it sends, unless it
    came from a trusted proxy (the planted bug "X-Forwarded-For believed from any address" fails here: spoofing it
    would get round the per-address limit)."""
    from web_fixtures import engine_as

    def failures(app_paths: dict[str, str], address: str) -> int:
        store = engine_as(app_paths, "tu.umum").context.store()
        with store.transaction() as tx:
            return len(tx.login_failures((f"pair:kadis|{address}",), "2000-01-01T00:00:00.000Z"))

    client = make_app(paths).test_client()
    token = csrf_of(client)
    answer = client.post("/login", data={"login": "kadis", "password": "salah-sekali-123", "csrf_token": token},
                         environ_base={"REMOTE_ADDR": "192.0.2.50"}, headers={"X-Forwarded-For": "203.0.113.9"})
    assert answer.status_code == 401
    assert (failures(paths, "192.0.2.50"), failures(paths, "203.0.113.9")) == (1, 0)
    proxied = make_app(paths, trusted_proxies=("192.0.2.50",)).test_client()
    token = csrf_of(proxied)
    proxied.post("/login", data={"login": "kadis", "password": "salah-sekali-123", "csrf_token": token},
                 environ_base={"REMOTE_ADDR": "192.0.2.50"}, headers={"X-Forwarded-For": "198.51.100.7"})
    assert failures(paths, "198.51.100.7") == 1


def test_logging_out_ends_the_session(paths: dict[str, str]) -> None:
    """After "Keluar" the tasklist asks for a login again."""
    client = logged_in(make_app(paths), "kadis")
    token = csrf_of(client, "/")
    assert client.post("/logout", data={"csrf_token": token}).status_code == 303
    assert client.get("/").status_code == 302
