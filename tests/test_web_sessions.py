"""Sessions end: a fixed lifetime from sign-in that requests never extend, and an idle limit."""

from __future__ import annotations

from pathlib import Path

import pytest
from web_fixtures import logged_in, make_app, office


@pytest.fixture
def paths(tmp_path: Path) -> dict[str, str]:
    return office(tmp_path)


class FakeTime:
    """The server's clock in seconds, moved by the test."""

    def __init__(self) -> None:
        self.now = 1_800_000_000

    def __call__(self) -> int:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeTime:
    fake = FakeTime()
    monkeypatch.setattr("web.security.now_seconds", fake)
    return fake


def test_an_idle_session_ends_after_its_minutes(paths: dict[str, str], clock: FakeTime) -> None:
    """29 minutes after the last request the tasklist opens; 31 minutes after, it asks for a sign-in again."""
    client = logged_in(make_app(paths), "kadis")
    clock.now += 29 * 60
    assert client.get("/").status_code == 200
    clock.now += 29 * 60
    assert client.get("/").status_code == 200  # each request counts as activity
    clock.now += 31 * 60
    answer = client.get("/")
    assert answer.status_code == 302 and "/login" in answer.headers["Location"]


def test_a_busy_session_still_ends_at_its_lifetime(paths: dict[str, str], clock: FakeTime) -> None:
    """A request every 20 minutes keeps a session alive for its 8 hours from sign-in, never longer: re-signing the
    cookie does not move the sign-in's time."""
    client = logged_in(make_app(paths), "kadis")
    for _ in range(8 * 3):  # 8 hours of requests, 20 minutes apart
        clock.now += 20 * 60
        status = client.get("/").status_code
    assert status == 200
    clock.now += 20 * 60
    assert client.get("/").status_code == 302


def test_the_limits_follow_the_servers_settings(paths: dict[str, str], clock: FakeTime) -> None:
    """`sop serve --idle-minutes 5 --session-hours 1` (WebSettings) shortens both."""
    app = make_app(paths, idle_minutes=5, session_hours=1)
    client = logged_in(app, "kadis")
    clock.now += 6 * 60
    assert client.get("/").status_code == 302
    client = logged_in(app, "kadis")
    for _ in range(14):
        clock.now += 4 * 60
        assert client.get("/").status_code == 200
    clock.now += 5 * 60
    assert client.get("/").status_code == 302  # 61 minutes from sign-in
