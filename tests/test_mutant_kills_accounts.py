"""The accounts log as `sop verify`, `sop history` and the store show it, at the edges the older tests left open (the
mutants of engine/store/accounts_log.py that survived tests/test_accounts_log.py, `make mutants`): each finding's
exact words, a store upgraded from before the log, unreadable and reordered events, a clock that stepped back, and
which password a step was signed in with."""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from conftest import EXAMPLES, FORMS, Sop
from web_fixtures import PASSWORD, engine_as, logged_in, make_app, office, os_account_audits, post, started

from engine.common.identity import os_login
from engine.common.work_calendar import format_time
from engine.store.sqlite_schema import ACCOUNTS_LOG_SINCE

SURVEY = {"tanggal_survey": "2026-11-05", "lokasi": "Jl. Ahmad Yani No. 12", "_rows.petugas": "1",
          "petugas.0": "Fajar Nugroho", "kondisi_eksisting": "LAN 24 titik", "jarak_ke_titik_akses_meter": "420",
          "media_usulan": "fiber optik"}
OWN = "jaringan-sendiri-Bangka-77"
RESET = "dari-operator-Belitung-88"
LOG = "the store's accounts log: "


@pytest.fixture
def paths(tmp_path: Path) -> dict[str, str]:
    return office(tmp_path)


def _sop(paths: dict[str, str]) -> Sop:
    """The CLI as the OS account, an auditor of the office."""
    os_account_audits(paths)
    return Sop(Path(paths["db"]), Path(paths["definitions"]), FORMS)


def _store_problems(paths: dict[str, str]) -> tuple[int, str, list[str]]:
    """`sop verify`: its exit code and text, and the store's own problems as `--json` lists them."""
    sop = _sop(paths)
    text = sop("verify")
    verdicts = json.loads(sop("verify", "--json").stdout)
    store = [p["problem"] for v in verdicts if v["instance"] == 0 for p in v["problems"]]
    return text.exit_code, text.stdout + text.stderr, store


def _sql(paths: dict[str, str], *statements: str) -> None:
    """Change the store behind the program's back (the accounts log's append-only triggers dropped first)."""
    conn = sqlite3.connect(paths["db"])
    with conn:
        for (trigger,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' "
                                       "AND tbl_name = 'accounts_events'").fetchall():
            conn.execute(f'DROP TRIGGER "{trigger}"')
        for statement in statements:
            conn.execute(statement)
    conn.close()


def _rows(paths: dict[str, str], sql: str) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(paths["db"])
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def _events(paths: dict[str, str]) -> list[tuple[Any, ...]]:
    """The accounts log: (seq, time, kind, login, actor) of each event."""
    return _rows(paths, "SELECT seq, time, kind, login, actor FROM accounts_events ORDER BY seq")


def _where(event: tuple[Any, ...]) -> str:
    seq, at, kind, login, actor = event
    return f"accounts event {seq} ({kind} of '{login}' by {actor} at {at})"


def _survey_by_tim(paths: dict[str, str], password: str = PASSWORD) -> int:
    """An instance whose survey tim.jaringan completes through the web, signed in with password."""
    instance = started(paths, "SurveyTeknis")
    client = logged_in(make_app(paths), "tim.jaringan", password)
    assert post(client, f"/instances/{instance}/tasks/SurveyTeknis", SURVEY).status_code == 303
    return instance


def _marks(paths: dict[str, str], instance: int) -> tuple[list[str], list[Any], list[dict[str, Any]]]:
    """How an instance's steps signed in with a password an operator set show: the lines of `sop verify` that name
    them, password_set_by of each step in `sop history --json`, and `sop verify --json`'s password_set_by_operator."""
    sop = _sop(paths)
    lines = [line for line in sop("verify", str(instance)).stdout.splitlines() if "recorded by" in line]
    history = [r["password_set_by"] for r in sop.json("history", str(instance))]
    verdicts = sop.json("verify", str(instance))
    return lines, history, verdicts[0]["password_set_by_operator"]


def _tim_marked(instance: int) -> tuple[list[str], list[Any], list[dict[str, Any]]]:
    """What _marks gives when tim.jaringan's survey (event 5), and it alone, was signed in with the clerk's
    password."""
    return ([f"instance {instance} event 5: recorded by 'tim.jaringan' signed in with a password set by operator "
             "'tu.umum'"], [None, None, None, None, "tu.umum"],
            [{"event": 5, "login": "tim.jaringan", "set_by": "tu.umum"}])


def _downgrade(paths: dict[str, str]) -> None:
    """Make the store one from before the accounts log (its accounts and session ends as they are)."""
    conn = sqlite3.connect(paths["db"])
    conn.executescript(f"DROP TABLE accounts_events; PRAGMA user_version = {ACCOUNTS_LOG_SINCE - 1};")
    conn.close()


@pytest.fixture
def jakarta(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The machine's local time zone is WIB (UTC+7), as on the office's server."""
    monkeypatch.setenv("TZ", "Asia/Jakarta")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_each_sql_edit_of_the_accounts_tables_is_named_in_the_auditors_words(paths: dict[str, str]) -> None:
    """An account added, one altered in two columns, one deleted, a session end added and one deleted by SQL: verify
    fails and names each in full, in the words the auditors' guide quotes."""
    _sql(paths, "INSERT INTO accounts VALUES ('penyusup', 'x', '2026-01-01T00:00:00.000Z', 'tu.umum')",
         "UPDATE accounts SET password_hash = 'x', set_by = 'kadis' WHERE login = 'kabid.egov'",
         "DELETE FROM accounts WHERE login = 'sekretaris'",
         "INSERT INTO session_ends VALUES ('penyusup', '2026-01-02T00:00:00.000Z', 'penyusup')",
         "DELETE FROM session_ends WHERE login = 'kadis'")
    code, text, problems = _store_problems(paths)
    assert code == 1
    expected = [
        "table accounts, login 'kabid.egov': password_hash, set_by differs from the accounts log "
        "(altered behind the program's back)",
        "table accounts, login 'penyusup': no password of it is in the accounts log (added behind the program's back)",
        "table accounts, login 'sekretaris': its row is gone though the accounts log sets its password "
        "(deleted behind the program's back)",
        "table session_ends, login 'penyusup': ended_at 2026-01-02T00:00:00.000Z differs from the accounts log "
        "(no session end) (altered behind the program's back)",
        "table session_ends, login 'kadis': its row is gone though the accounts log ends its sessions "
        "(deleted behind the program's back)"]
    assert problems == [LOG + p for p in expected]
    assert f"store: FAILED: {LOG}{expected[0]} (and 4 more; see --json)" in text


def test_an_unreadable_event_is_named_and_the_events_after_it_still_count(paths: dict[str, str]) -> None:
    """tim.jaringan sets his own password, the clerk clears a throttle, then resets tim's password, and tim completes
    a survey with it; the throttle event's data is then garbled by SQL. verify names that one event as unreadable
    and nothing else (the events after it still chain and still set the accounts), and the survey stays marked as
    signed in with the clerk's password."""
    own = engine_as(paths, "tim.jaringan")
    own.people.set_password("tim.jaringan", OWN)
    own.close()
    clerk = engine_as(paths, "tu.umum")
    clerk.people.clear_throttles("kabid.egov")
    clerk.people.set_password("tim.jaringan", RESET)
    clerk.close()
    instance = _survey_by_tim(paths, RESET)
    throttle = next(e for e in _events(paths) if e[2] == "throttles-cleared")
    _sql(paths, f"UPDATE accounts_events SET data = 'not json' WHERE seq = {throttle[0]}")
    code, text, problems = _store_problems(paths)
    assert code == 1
    assert problems == [f"{LOG}{_where(throttle)}: its data is not readable"]
    assert (f"store: FAILED: {LOG}accounts event {throttle[0]} (throttles-cleared of 'kabid.egov' by tu.umum at "
            in text) and " WIB): its data is not readable\n" in text
    assert _marks(paths, instance) == _tim_marked(instance)


def test_a_missing_and_a_backdated_accounts_event_are_named(paths: dict[str, str]) -> None:
    """Event 2 of the log deleted and the last one dated 2000 by SQL: verify says which number is missing (and what
    it found instead) and which event is backdated, before which time."""
    events = _events(paths)
    last = events[-1]
    _sql(paths, "DELETE FROM accounts_events WHERE seq = 2",
         f"UPDATE accounts_events SET time = '2000-01-01T00:00:00.000Z' WHERE seq = {last[0]}")
    code, _, problems = _store_problems(paths)
    assert code == 1
    backdated = (last[0], "2000-01-01T00:00:00.000Z", *last[2:])
    assert f"{LOG}accounts event 2 is missing or out of order (found 3)" in problems
    assert (f"{LOG}{_where(backdated)} is dated before the accounts event it follows ({events[-2][1]}): backdated"
            in problems)


def test_a_session_end_from_a_clock_that_stepped_back_verifies(paths: dict[str, str]) -> None:
    """kadis's sessions are ended on a server whose clock then steps back an hour and ends them again: the table
    keeps the later end, the log both, and verify accepts the store (the latest end is the one in force)."""
    for now in ("2099-01-01T02:00:00.000Z", "2099-01-01T01:00:00.000Z"):
        engine = engine_as(paths, "kadis", clock=lambda now=now: now)
        engine.people.end_sessions("kadis")
        engine.close()
    assert _rows(paths, "SELECT ended_at FROM session_ends WHERE login = 'kadis'") == [("2099-01-01T02:00:00.000Z",)]
    assert [json.loads(d)["ended_at"] for (d,) in _rows(
        paths, "SELECT data FROM accounts_events WHERE kind = 'sessions-ended' AND login = 'kadis' ORDER BY seq")][
        -2:] == ["2099-01-01T02:00:00.000Z", "2099-01-01T01:00:00.000Z"]
    code, text, problems = _store_problems(paths)
    assert (code, problems) == (0, []), text


def test_an_upgraded_store_starts_its_log_from_a_baseline_by_sop_and_keeps_who_set_each_password(
        paths: dict[str, str], jakarta: None) -> None:
    """A store from before the log with accounts and no session end yet (the clerk set every password) upgrades to one
    baseline event, by 'sop' of no login, dated now in UTC though the server's zone is WIB; it verifies; and
    tim.jaringan's survey afterwards is marked as signed in with the password the clerk set, which only the baseline
    records."""
    _sql(paths, "DELETE FROM session_ends")
    _downgrade(paths)
    before = format_time(datetime.now(UTC))
    code, text, problems = _store_problems(paths)
    after = format_time(datetime.now(UTC))
    assert (code, problems) == (0, []), text
    [(seq, at, kind, login, actor)] = _events(paths)
    assert (seq, kind, login, actor) == (1, "baseline", "", "sop")
    assert before <= at <= after
    instance = _survey_by_tim(paths)
    assert _marks(paths, instance) == _tim_marked(instance)


def test_a_password_set_in_the_same_millisecond_as_a_step_is_the_one_it_was_signed_in_with(
        paths: dict[str, str]) -> None:
    """tim.jaringan set his own password; at 09:00:00.000 the clerk resets it and, in that same millisecond, tim
    completes the survey: the step counts as signed in with the clerk's password (set at or before it)."""
    from engine import load_scenarios

    instance = started(paths, "SurveyTeknis")
    scenario = next(s for s in load_scenarios(EXAMPLES) if s.file.endswith("pasang.scenario.yaml"))
    survey = next(s for s in scenario.steps if s["task"] == "SurveyTeknis")
    own = engine_as(paths, "tim.jaringan", clock=lambda: "2099-01-01T01:00:00.000Z")
    own.people.set_password("tim.jaringan", OWN)
    own.close()
    at = "2099-01-01T02:00:00.000Z"
    clerk = engine_as(paths, "tu.umum", clock=lambda: at)
    clerk.people.set_password("tim.jaringan", RESET)
    clerk.close()
    tim = engine_as(paths, "tim.jaringan", clock=lambda: at)
    tim.instance(instance).complete("SurveyTeknis", survey["data"], attach=survey["attach"] or None)
    tim.close()
    assert _marks(paths, instance) == _tim_marked(instance)


def test_a_step_by_someone_who_never_had_a_password_is_not_marked(paths: dict[str, str]) -> None:
    """The OS account (no password of it was ever set) starts an instance through the CLI: its step is not marked
    as signed in with an operator's password, in `sop history --json` or `sop verify --json`."""
    me = os_login()
    roles = Path(paths["roles"])
    roles.write_text(roles.read_text(encoding="utf-8") + f"{me}:\n  name: Pemohon Uji\n  nip: '1'\n"
                     "  lanes: [OPD]\n", encoding="utf-8")
    clerk = engine_as(paths, "tu.umum")
    clerk.people.apply_roles()
    clerk.close()
    sop = Sop(Path(paths["db"]), Path(paths["definitions"]), FORMS)
    instance = sop.start()
    rows = sop.json("history", str(instance))
    assert [r["operator"] for r in rows] == [me] and rows[0]["password_set_by"] is None
    verdicts = sop.json("verify", str(instance))
    assert verdicts[0]["ok"] is True and verdicts[0]["password_set_by_operator"] == []
    head = verdicts[0]["head_hash"]
    assert sop("verify", str(instance)).stdout == f"instance {instance}: ok, 1 events, head {head}\n"


def test_a_baseline_that_lists_no_session_ends_verifies(paths: dict[str, str]) -> None:
    """A baseline event that carries only the accounts (no `session_ends` entry at all, as a log sealed by another
    tool may be), correctly chained, reads as a baseline with no session ends: the store verifies."""
    from engine.store.accounts_log import sealed_accounts_event

    _sql(paths, "DELETE FROM session_ends")
    _downgrade(paths)
    assert _store_problems(paths)[0] == 0
    [(at, data)] = _rows(paths, "SELECT time, data FROM accounts_events")
    assert json.loads(data)["session_ends"] == {}
    accounts_only = sealed_accounts_event(None, kind="baseline", login="", actor="sop", time=at,
                                          data={"accounts": json.loads(data)["accounts"]})
    _sql(paths, f"UPDATE accounts_events SET data = '{accounts_only.data}', hash = '{accounts_only.hash}'")
    code, text, problems = _store_problems(paths)
    assert (code, problems) == (0, []), text
