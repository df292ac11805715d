"""No 500 from input: hypothesis sends every route odd path parts, query parameters, form fields and headers
(X-Forwarded-For, Cookie, Accept-Language, Content-Type), signed in and not, through Flask's test client; whatever it
sends is answered with a page or a refusal (2xx, 3xx, 4xx), never a server error."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from web_fixtures import csrf_of, logged_in, make_app, office, started

EXAMPLES = settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
# Text people and attackers type: any character (control characters, surrogates left out: no client sends
# them encoded), long runs, numbers of any size.
WORDS = st.one_of(st.text(st.characters(exclude_categories=["Cs"]), max_size=40),
                  st.text(st.characters(exclude_categories=["Cs"]), min_size=250, max_size=400),
                  st.integers(-(2**80), 2**80).map(str),
                  st.sampled_from(["", "0", "-1", "1", "²", "٣", "1e9", "99999999999999999999", "SurveyTeknis",
                                   "interkoneksi_data_baru", "pindaian_surat", "%00", "..", "../..", "\r\n",
                                   "<script>", "'; DROP TABLE accounts; --", "\x00", "/\t/evil.example"]))
PARAMS = st.dictionaries(st.sampled_from(["next", "process", "overdue", "instance", "lane", "_action", "_as",
                                          "login", "password", "csrf_token", "lokasi", "_rows.petugas",
                                          "petugas.0", "tanggal_survey", "jarak_ke_titik_akses_meter", "table",
                                          "base", "token"]) | WORDS,
                         WORDS, max_size=5)
HEADERS = st.dictionaries(st.sampled_from(["X-Forwarded-For", "X-Forwarded-Proto", "Accept-Language", "Cookie",
                                           "X-Remote-User", "Referer", "Origin"]),
                          st.text(st.characters(min_codepoint=32, max_codepoint=255), max_size=60), max_size=3)
# Every route, its path parts to fill ({} each), and the method.
ROUTES = [
    ("GET", "/login"), ("POST", "/login"), ("POST", "/logout"), ("GET", "/"), ("GET", "/processes"),
    ("POST", "/processes/{}/start"), ("GET", "/processes/{}/sheet"), ("GET", "/instances/{}"),
    ("GET", "/instances/{}/diagram.svg"), ("GET", "/instances/{}/files/{}/{}/{}"), ("GET", "/instances/{}/tasks/{}"),
    ("POST", "/instances/{}/tasks/{}"), ("POST", "/instances/{}/tasks/{}/claim"),
    ("POST", "/instances/{}/tasks/{}/release"), ("GET", "/manage"), ("GET", "/manage/{}"), ("GET", "/manage/{}/plan"),
    ("POST", "/manage/{}/check"), ("POST", "/manage/{}/sheet"), ("POST", "/manage/{}/publish"),
    ("POST", "/manage/{}/move"),
]


@pytest.fixture(scope="module")
def clients(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One office store with an instance waiting at the survey; an anonymous client, the clerk (an operator) and
    the network team signed in."""
    paths = office(tmp_path_factory.mktemp("fuzz"))
    started(paths, "SurveyTeknis")
    app = make_app(paths)
    signed = {login: logged_in(app, login) for login in ("tu.umum", "tim.jaringan")}
    return {"anonymous": app.test_client(), **signed, "tokens": {k: csrf_of(c, "/") for k, c in signed.items()},
            "cookies": {k: c.get_cookie("sop_session").value for k, c in signed.items()}}


def _send(clients: dict[str, Any], who: str, method: str, path: str, params: dict[str, str],
          headers: dict[str, str], real_token: bool) -> int:
    client = clients[who]
    if who in clients["cookies"]:  # signed in again as at the start: an earlier example may have signed out
        client.set_cookie("sop_session", clients["cookies"][who])
        if path == "/logout":
            real_token = False  # a real sign-out ends every session of the login, server-side
    if method == "GET":
        return int(client.get(path, query_string=params, headers=headers).status_code)
    form = dict(params)
    if real_token and who in clients["tokens"]:
        form["csrf_token"] = clients["tokens"][who]
    return int(client.post(path, data=form, headers=headers).status_code)


@pytest.mark.parametrize(("method", "route"), ROUTES, ids=[f"{m} {r}" for m, r in ROUTES])
def test_no_input_gives_a_server_error(clients: dict[str, Any], method: str, route: str) -> None:
    """Whatever fills the route's path, query, form and headers, signed in or not: never a 5xx."""

    @EXAMPLES
    @given(parts=st.lists(st.one_of(WORDS, st.sampled_from(["1", "SurveyTeknis", "0"])), min_size=4, max_size=4),
           params=PARAMS, headers=HEADERS, who=st.sampled_from(["anonymous", "tu.umum", "tim.jaringan"]),
           real_token=st.booleans())
    def check(parts: list[str], params: dict[str, str], headers: dict[str, str], who: str, real_token: bool) -> None:
        path = route.format(*(quote(p, safe="") or "x" for p in parts[: route.count("{}")]))
        status = _send(clients, who, method, path, params, headers, real_token)
        assert status < 500, (method, path, params, headers, who)

    check()


def test_the_fuzz_reaches_the_pages_behind_the_sign_in(clients: dict[str, Any]) -> None:
    """The signed-in clients get pages, not the sign-in redirect (so the fuzz above tests the views themselves)."""
    assert _send(clients, "tu.umum", "GET", "/instances/1", {}, {}, False) == 200
    assert _send(clients, "tim.jaringan", "GET", "/instances/1/tasks/SurveyTeknis", {}, {}, False) == 200


def test_a_fixed_list_of_hostile_values_is_refused_without_a_server_error(clients: dict[str, Any]) -> None:
    """The values that broke pages once: a superscript digit as an instance filter, huge numbers in paths, control
    characters in the next address, an unknown cookie."""
    client = clients["tu.umum"]
    for path in ("/?instance=%C2%B2", "/?instance=99999999999999999999", "/instances/99999999999999999999",
                 "/instances/1/files/99999999999999999999/x/0", "/login?next=%0d%0a//evil.example"):
        assert client.get(path).status_code < 500, path
