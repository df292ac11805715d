"""The accounts log: every password set (who set whose, when; the SHA-256 of the stored Argon2 string, never the
string), every throttle cleared and every session end, hash-chained like the roles log; and what `sop verify`
finds wrong with it or with the accounts and session_ends tables it accounts for."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from engine.common.canonical import canonical_json, chain_hash, sha256_hex
from engine.store.protocol import AccountRow, AccountsEventRow

ACCOUNTS_LOG_COLUMNS = "seq, time, kind, login, actor, data, hash"
INSERT_ACCOUNTS_EVENT = f"INSERT INTO accounts_events ({ACCOUNTS_LOG_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)"
BASELINE, PASSWORD_SET, PASSWORD_REHASHED = "baseline", "password-set", "password-rehashed"
THROTTLES_CLEARED, SESSIONS_ENDED = "throttles-cleared", "sessions-ended"
KINDS = (BASELINE, PASSWORD_SET, PASSWORD_REHASHED, THROTTLES_CLEARED, SESSIONS_ENDED)


def account_fact(row: AccountRow) -> dict[str, str]:
    """What the log holds of an account: when and by whom its password was set, and the SHA-256 of the stored
    hash (which tells a swapped hash from the logged one, and cannot check a guessed password)."""
    return {"set_at": row.set_at, "set_by": row.set_by, "digest": sha256_hex(row.password_hash)}


def sealed_accounts_event(previous: AccountsEventRow | None, *, kind: str, login: str, actor: str, time: str,
                          data: dict[str, Any]) -> AccountsEventRow:
    """The next accounts event, chained onto the previous one's hash ('' for the first)."""
    row = AccountsEventRow((previous.seq if previous else 0) + 1, time, kind, login, actor, canonical_json(data), "")
    return row._replace(hash=chain_hash(previous.hash if previous else "", _body(row, data)))


def baseline_event(accounts: list[AccountRow], session_ends: list[tuple[str, str, str]],
                   time: str) -> AccountsEventRow:
    """The first event of a store that had accounts before it had the log: the accounts and session ends as they
    stood."""
    return sealed_accounts_event(None, kind=BASELINE, login="", actor="sop", time=time,
                                 data={"accounts": {a.login: account_fact(a) for a in sorted(accounts)},
                                       "session_ends": {login: at for login, at, _ in sorted(session_ends)}})


def migration_time() -> str:
    """Now, as the store writes times (the baseline's time: the migration has no engine clock)."""
    from datetime import UTC, datetime

    from engine.common.work_calendar import format_time

    return format_time(datetime.now(UTC))


def seal_baseline(query: Callable[..., list[tuple[Any, ...]]], run: Callable[..., Any], time: str) -> None:
    """Start an upgraded store's accounts log from its accounts and session ends (none: the log starts empty),
    unless it has a log already."""
    if query("SELECT 1 FROM accounts_events LIMIT 1"):
        return
    accounts = [AccountRow(*r) for r in query("SELECT login, password_hash, set_at, set_by FROM accounts")]
    ends = [(str(a), str(b), str(c)) for a, b, c in query("SELECT login, ended_at, ended_by FROM session_ends")]
    if accounts or ends:
        run(INSERT_ACCOUNTS_EVENT, tuple(baseline_event(accounts, ends, time)))


def _body(row: AccountsEventRow, data: Any) -> dict[str, Any]:
    """An accounts event as its hash covers it: every column but the hash, the data as parsed JSON."""
    return {"seq": row.seq, "time": row.time, "kind": row.kind, "login": row.login, "actor": row.actor, "data": data}


def accounts_log_problems(rows: list[AccountsEventRow], accounts: list[AccountRow],
                          session_ends: list[tuple[str, str, str]]) -> list[str]:
    """What is wrong with the accounts log (numbering, dates, each hash over the previous) and with the accounts
    and session_ends tables measured against it (a row the log does not account for was edited by SQL)."""
    problems: list[str] = []
    facts: dict[str, dict[str, str]] = {}
    ended: dict[str, str] = {}
    previous, before = "", ""
    for expected, row in enumerate(rows, 1):
        where = f"accounts event {row.seq} ({row.kind} of '{row.login}' by {row.actor} at {row.time})"
        if row.seq != expected:
            problems.append(f"accounts event {expected} is missing or out of order (found {row.seq})")
        if row.time < before:
            problems.append(f"{where} is dated before the accounts event it follows ({before}): backdated")
        before = max(before, row.time)
        try:
            data = json.loads(row.data)
            _apply(row, data, facts, ended)
        except (ValueError, TypeError, KeyError, AttributeError):
            problems.append(f"{where}: its data is not readable")
            previous = row.hash
            continue
        if chain_hash(previous, _body(row, data)) != row.hash:
            problems.append(f"{where}: hash mismatch — the accounts event was altered, or one before it removed")
        previous = row.hash
    problems.extend(_table_problems(facts, ended, accounts, session_ends))
    return problems


def _apply(row: AccountsEventRow, data: Any, facts: dict[str, dict[str, str]], ended: dict[str, str]) -> None:
    """Carry one event into the accounts and session ends it says there are."""
    if row.kind == BASELINE:
        facts.update({str(k): {f: str(v[f]) for f in ("set_at", "set_by", "digest")}
                      for k, v in data["accounts"].items()})
        ended.update({str(k): str(v) for k, v in data.get("session_ends", {}).items()})
    elif row.kind in (PASSWORD_SET, PASSWORD_REHASHED):
        facts[row.login] = {f: str(data[f]) for f in ("set_at", "set_by", "digest")}
    elif row.kind == SESSIONS_ENDED:
        ended[row.login] = max(ended.get(row.login, ""), str(data["ended_at"]))
    elif row.kind != THROTTLES_CLEARED:
        raise ValueError(row.kind)


def _table_problems(facts: dict[str, dict[str, str]], ended: dict[str, str], accounts: list[AccountRow],
                    session_ends: list[tuple[str, str, str]]) -> list[str]:
    """Rows of accounts and session_ends that differ from what the log says they are."""
    problems = []
    for account in accounts:
        fact = facts.pop(account.login, None)
        stored = account_fact(account)
        if fact is None:
            problems.append(f"table accounts, login '{account.login}': no password of it is in the accounts log "
                            "(added behind the program's back)")
        elif fact != stored:
            changed = ", ".join("password_hash" if k == "digest" else k for k in ("digest", "set_at", "set_by")
                                if fact[k] != stored[k])
            problems.append(f"table accounts, login '{account.login}': {changed} differs from the accounts log "
                            "(altered behind the program's back)")
    problems.extend(f"table accounts, login '{login}': its row is gone though the accounts log sets its password "
                    "(deleted behind the program's back)" for login in sorted(facts))
    for login, at, _ in session_ends:
        logged = ended.pop(login, None)
        if logged != at:
            problems.append(f"table session_ends, login '{login}': ended_at {at} differs from the accounts log "
                            f"({logged or 'no session end'}) (altered behind the program's back)")
    problems.extend(f"table session_ends, login '{login}': its row is gone though the accounts log ends its "
                    "sessions (deleted behind the program's back)" for login in sorted(ended))
    return problems


def password_setters(rows: list[AccountsEventRow]) -> dict[str, list[tuple[str, str]]]:
    """Per login, (time, who set it) of each password it had, in order (a rehash keeps the setter; a baseline
    names the setter the accounts table had); unreadable events are skipped (verify names them)."""
    found: dict[str, list[tuple[str, str]]] = {}
    for row in rows:
        try:
            data = json.loads(row.data)
            if row.kind == BASELINE:
                for login, fact in data["accounts"].items():
                    found.setdefault(str(login), []).append((str(fact["set_at"]), str(fact["set_by"])))
            elif row.kind == PASSWORD_SET:
                found.setdefault(row.login, []).append((str(data["set_at"]), str(data["set_by"])))
        except (ValueError, TypeError, KeyError, AttributeError):
            continue
    return found


def operator_set_password(setters: dict[str, list[tuple[str, str]]], login: str, time: str) -> str | None:
    """Who set the password a login had at a moment when it was not the login themself (None: their own, or
    none logged)."""
    setter = None
    for at, by in setters.get(login, []):
        if at <= time:
            setter = by
    return setter if setter is not None and setter != login else None
