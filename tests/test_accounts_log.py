"""The accounts log: passwords set, throttles cleared and sessions ended are hash-chained events `sop verify`
checks; an edit of the accounts table by SQL fails verify naming the login; acts signed in with a password an
operator set are marked in `sop history` and `sop verify --json` until the owner sets their own."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from conftest import FORMS, Sop
from web_fixtures import engine_as, logged_in, make_app, office, os_account_audits, post, started

from engine.store.sqlite_schema import ACCOUNTS_LOG_SINCE, MIGRATIONS

SURVEY = {"tanggal_survey": "2026-11-05", "lokasi": "Jl. Ahmad Yani No. 12", "_rows.petugas": "1",
          "petugas.0": "Fajar Nugroho", "kondisi_eksisting": "LAN 24 titik", "jarak_ke_titik_akses_meter": "420",
          "media_usulan": "fiber optik"}
OWN = "jaringan-sendiri-Bangka-77"


@pytest.fixture
def paths(tmp_path: Path) -> dict[str, str]:
    return office(tmp_path)


def _sop(paths: dict[str, str]) -> Sop:
    """The CLI as the OS account, an auditor of the office (the read rule lets it read every instance)."""
    os_account_audits(paths)
    return Sop(Path(paths["db"]), Path(paths["definitions"]), FORMS)


def _verify(paths: dict[str, str]) -> tuple[int, str, list[dict[str, Any]]]:
    """`sop verify` as text (exit code, stdout + stderr) and `sop verify --json`'s list."""
    sop = _sop(paths)
    text = sop("verify")
    data = sop("verify", "--json")
    return text.exit_code, text.stdout + text.stderr, json.loads(data.stdout)


def _sql(paths: dict[str, str], statement: str, *params: Any) -> None:
    conn = sqlite3.connect(paths["db"])
    with conn:
        conn.execute(statement, params)
    conn.close()


def _completed_survey(paths: dict[str, str], password: str | None = None) -> int:
    """An instance whose survey tim.jaringan completes through the web, signed in with password."""
    instance = started(paths, "SurveyTeknis")
    client = logged_in(make_app(paths), "tim.jaringan", *((password and [password]) or []))
    assert post(client, f"/instances/{instance}/tasks/SurveyTeknis", SURVEY).status_code == 303
    return instance


def test_the_office_store_verifies_with_its_accounts_log(paths: dict[str, str]) -> None:
    """Every password the clerk set is an event of the log, and verify accepts the store as it is."""
    code, text, _ = _verify(paths)
    assert code == 0, text
    conn = sqlite3.connect(paths["db"])
    kinds = conn.execute("SELECT kind, login, actor FROM accounts_events ORDER BY seq").fetchall()
    digests = [json.loads(d)["digest"] for (d,) in conn.execute("SELECT data FROM accounts_events "
                                                                "WHERE kind = 'password-set'")]
    hashes = [h for (h,) in conn.execute("SELECT password_hash FROM accounts")]
    assert ("password-set", "kadis", "tu.umum") in kinds
    assert not any(h in d or d in h for h in hashes for d in digests)  # the log never holds a password hash


@pytest.mark.parametrize(("column", "named"), [("password_hash", "password_hash"), ("set_by", "set_by")])
def test_an_sql_edit_of_an_account_fails_verify_naming_it(paths: dict[str, str], column: str, named: str) -> None:
    """kadis's password hash swapped for the clerk's (or its setter rewritten) by SQL: verify fails naming kadis and
    the column; put back, the store verifies again."""
    conn = sqlite3.connect(paths["db"])
    before = conn.execute(f"SELECT {column} FROM accounts WHERE login = 'kadis'").fetchone()[0]
    other = conn.execute(f"SELECT {column} FROM accounts WHERE login = 'tu.umum'").fetchone()[0]
    conn.close()
    _sql(paths, f"UPDATE accounts SET {column} = ? WHERE login = 'kadis'", other if column != "set_by" else "kadis")
    code, text, verdicts = _verify(paths)
    assert code == 1
    assert f"store: FAILED: the store's accounts log: table accounts, login 'kadis': {named} differs" in text
    store = next(v for v in verdicts if v["instance"] == 0)
    assert any("login 'kadis'" in p["problem"] for p in store["problems"])
    _sql(paths, f"UPDATE accounts SET {column} = ? WHERE login = 'kadis'", before)
    assert _verify(paths)[0] == 0


def test_an_account_added_or_deleted_by_sql_and_a_revived_session_fail_verify(paths: dict[str, str]) -> None:
    """An account row the log never set, one whose row was deleted, and a session end moved back: each named."""
    _sql(paths, "INSERT INTO accounts VALUES ('penyusup', 'x', '2026-01-01T00:00:00.000Z', 'tu.umum')")
    _sql(paths, "DELETE FROM accounts WHERE login = 'sekretaris'")
    engine = engine_as(paths, "kadis")
    engine.people.end_sessions("kadis")
    engine.close()
    _sql(paths, "UPDATE session_ends SET ended_at = '2000-01-01T00:00:00.000Z' WHERE login = 'kadis'")
    code, _, verdicts = _verify(paths)
    problems = " | ".join(p["problem"] for v in verdicts for p in v["problems"])
    assert code == 1
    assert "login 'penyusup': no password of it is in the accounts log" in problems
    assert "login 'sekretaris': its row is gone" in problems
    assert "table session_ends, login 'kadis': ended_at 2000-01-01T00:00:00.000Z differs" in problems


def test_an_altered_accounts_event_breaks_the_chain(paths: dict[str, str]) -> None:
    """An accounts event rewritten by SQL (its trigger dropped first) is named by its number."""
    _sql(paths, "DROP TRIGGER accounts_events_no_update")
    _sql(paths, "UPDATE accounts_events SET actor = 'kadis' WHERE seq = 1")
    code, text, _ = _verify(paths)
    assert code == 1 and "accounts event 1 (password-set of" in text and "hash mismatch" in text


def test_the_accounts_log_is_append_only(paths: dict[str, str]) -> None:
    """An UPDATE or DELETE of the log is refused by the store itself."""
    for statement in ("UPDATE accounts_events SET actor = 'x'", "DELETE FROM accounts_events"):
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            _sql(paths, statement)


def test_a_completion_signed_in_with_the_operators_password_is_marked_until_the_owner_changes_it(
        paths: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    """The clerk set tim.jaringan's password: his survey is marked, naming the clerk, in `sop history`, the
    instance page and `sop verify --json`; after he sets his own, his next survey is not marked, and the first
    stays marked."""
    monkeypatch.setenv("SOP_LANG", "id")
    first = _completed_survey(paths)
    own = engine_as(paths, "tim.jaringan")
    own.people.set_password("tim.jaringan", OWN)
    own.close()
    second = _completed_survey(paths, OWN)
    sop = _sop(paths)
    marked = sop("history", str(first)).stdout
    assert "(kata sandi ditetapkan oleh operator Yuliana, A.Md (Pengadministrasi Umum" in marked
    assert "(kata sandi ditetapkan oleh operator tu.umum)" in sop("history", str(first), "--audit").stdout
    page = logged_in(make_app(paths), "kadis").get(f"/instances/{first}").get_data(as_text=True)
    assert page.count("kata sandi ditetapkan oleh operator Yuliana, A.Md") == 1
    assert "kata sandi ditetapkan" not in logged_in(make_app(paths), "kadis").get(
        f"/instances/{second}").get_data(as_text=True)
    assert "kata sandi ditetapkan" not in sop("history", str(second)).stdout
    rows = sop.json("history", str(first))
    survey = next(r for r in rows if r["task"] == "SurveyTeknis")
    assert survey["password_set_by"] == "tu.umum" and survey["operator"] == "tim.jaringan"
    assert all(r["password_set_by"] is None for r in rows if r["operator"] == "tu.umum")
    code, text, verdicts = _verify(paths)
    assert code == 0, text
    by_instance = {v["instance"]: v for v in verdicts}
    assert by_instance[first]["password_set_by_operator"] == [
        {"event": survey["seq"], "login": "tim.jaringan", "set_by": "tu.umum"}]
    assert by_instance[second]["password_set_by_operator"] == []
    assert (f"instans {first} peristiwa {survey['seq']}: dicatat oleh 'tim.jaringan' yang masuk dengan kata sandi "
            "ditetapkan oleh operator 'tu.umum'") in text


def test_throttle_clears_and_session_ends_are_logged_with_who(paths: dict[str, str]) -> None:
    """`sop accounts throttles --clear` and a sign-out each add an event naming who did it; verify stays ok."""
    client = logged_in(make_app(paths), "kadis")
    client.post("/logout", data={"csrf_token": __import__("web_fixtures").csrf_of(client, "/")})
    clerk = engine_as(paths, "tu.umum")
    clerk.people.clear_throttles("kabid.egov")
    clerk.close()
    rows = sqlite3.connect(paths["db"]).execute(
        "SELECT kind, login, actor FROM accounts_events ORDER BY seq DESC LIMIT 2").fetchall()
    assert rows == [("throttles-cleared", "kabid.egov", "tu.umum"), ("sessions-ended", "kadis", "kadis")]
    assert _verify(paths)[0] == 0


def test_an_older_store_starts_its_log_from_a_baseline_and_verifies(paths: dict[str, str]) -> None:
    """A store from before the log (schema 9, accounts and a session end in it) upgrades to a baseline event of
    what it had, verifies, and an SQL edit after that still fails."""
    engine = engine_as(paths, "kadis")
    engine.people.end_sessions("kadis")
    engine.close()
    conn = sqlite3.connect(paths["db"])
    conn.executescript(f"DROP TABLE accounts_events; PRAGMA user_version = {ACCOUNTS_LOG_SINCE - 1};")
    conn.close()
    assert _verify(paths)[0] == 0
    conn = sqlite3.connect(paths["db"])
    assert conn.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
    assert conn.execute("SELECT seq, kind FROM accounts_events").fetchall() == [(1, "baseline")]
    conn.close()
    _sql(paths, "UPDATE accounts SET set_by = 'kadis' WHERE login = 'kadis'")
    assert "login 'kadis': set_by differs" in _verify(paths)[1]


def test_a_copy_to_postgresql_keeps_the_log_and_verifies(paths: dict[str, str], pg_url: str) -> None:
    """`sop db copy` carries the accounts log; the PostgreSQL copy verifies, and an SQL edit there fails it."""
    from engine import copy_store

    result = copy_store(paths["db"], pg_url)
    # each password set, and the sessions it ended
    assert result.problems == () and result.rows["accounts_events"] == 2 * result.rows["accounts"] > 0
    import psycopg

    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("UPDATE accounts SET password_hash = 'x' WHERE login = 'kadis'")
    copied = Sop(Path("unused"), Path(paths["definitions"]), FORMS)
    answer = copied.runner.invoke(__import__("runner.cli", fromlist=["cli"]).cli,
                                  ["--db", pg_url, "--definitions", paths["definitions"], "verify"])
    assert answer.exit_code == 1 and "login 'kadis': password_hash differs" in answer.stdout


def test_an_older_postgresql_store_starts_its_log_from_a_baseline_on_its_first_write(
        paths: dict[str, str], pg_url: str) -> None:
    """A PostgreSQL store from before the log (schema 6) reads as before; its first change upgrades it, the log
    starting from a baseline of its accounts, and verify accepts it."""
    import psycopg

    from engine import Engine, copy_store
    from engine.store.pg_schema import ACCOUNTS_LOG_SINCE as PG_SINCE

    assert copy_store(paths["db"], pg_url).problems == ()
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("DROP TABLE accounts_events")
        conn.execute(f"UPDATE sop_schema SET version = {PG_SINCE - 1}")
    engine = Engine(pg_url, definitions_dir=paths["definitions"], forms_dir=paths["forms"], operator="kadis",
                    roles=paths["roles"])
    engine.people.end_sessions("kadis")
    engine.close()
    with psycopg.connect(pg_url, autocommit=True) as conn:
        kinds = [r[0] for r in conn.execute("SELECT kind FROM accounts_events ORDER BY seq")]
    assert kinds == ["baseline", "sessions-ended"]
    cli = __import__("runner.cli", fromlist=["cli"]).cli
    answer = Sop(Path("unused")).runner.invoke(cli, ["--db", pg_url, "--definitions", paths["definitions"], "verify"])
    assert answer.exit_code == 0, answer.output
