"""What both stores keep about people signing in to `sop serve`: password hashes, recent login failures (the
rate limit) and unfinished forms. None of it is audited: it is no part of any instance's history."""

from __future__ import annotations

from engine.store.protocol import AccountRow, DraftRow
from engine.store.sql_files import SqlFileReads, SqlFileWrites

ACCOUNT_COLUMNS = "login, password_hash, set_at, set_by"
DRAFT_COLUMNS = "instance_id, task_uuid, login, data, saved_at"


class SqlAccountWrites(SqlFileWrites):
    """The Transaction's account, login-failure and draft reads and writes (execution as in SqlFileWrites)."""

    def get_account(self, login: str) -> AccountRow | None:
        """A login's password hash and who set it when, or None."""
        rows = self._all(f"SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE login = ?", (login,))
        return AccountRow(*rows[0]) if rows else None

    def put_account(self, row: AccountRow) -> None:
        """Set a login's password hash (replacing the one it had)."""
        self._run(f"INSERT INTO accounts ({ACCOUNT_COLUMNS}) VALUES (?, ?, ?, ?) ON CONFLICT (login) DO UPDATE SET "
                  "password_hash = excluded.password_hash, set_at = excluded.set_at, set_by = excluded.set_by",
                  tuple(row))

    def login_failures(self, keys: tuple[str, ...], since: str) -> list[tuple[str, str]]:
        """The (key, time) of each failed login of these keys after `since`, oldest first."""
        sql = (f"SELECT key, at FROM login_failures WHERE key IN ({', '.join('?' * len(keys))}) AND at > ? "
               "ORDER BY at")
        return [(str(k), str(a)) for k, a in self._all(sql, (*keys, since))]

    def add_login_failures(self, keys: tuple[str, ...], at: str, forget_before: str) -> None:
        """Record one failed login under each key, forgetting every failure older than `forget_before`."""
        self._run("DELETE FROM login_failures WHERE at < ?", (forget_before,))
        self._many("INSERT INTO login_failures (key, at) VALUES (?, ?)", [(key, at) for key in keys])

    def clear_login_failures(self, key: str) -> None:
        """Forget a key's failed logins (a login that succeeded)."""
        self._run("DELETE FROM login_failures WHERE key = ?", (key,))

    def put_draft(self, row: DraftRow) -> None:
        """Keep a person's unfinished form of a ready task (replacing the one saved before)."""
        self._run(f"INSERT INTO drafts ({DRAFT_COLUMNS}) VALUES (?, ?, ?, ?, ?) ON CONFLICT "
                  "(instance_id, task_uuid, login) DO UPDATE SET data = excluded.data, saved_at = excluded.saved_at",
                  tuple(row))

    def discard_drafts(self, instance_id: int, keep: tuple[str, ...]) -> None:
        """Drop the instance's drafts of tasks other than the ready ones in `keep` (task UUIDs)."""
        if keep:
            self._run(f"DELETE FROM drafts WHERE instance_id = ? AND task_uuid NOT IN ({', '.join('?' * len(keep))})",
                      (instance_id, *keep))
        else:
            self._run("DELETE FROM drafts WHERE instance_id = ?", (instance_id,))


class SqlAccountReads(SqlFileReads):
    """The Store's account and draft reads (none before the store had them)."""

    accounts_since: int

    def _has_accounts(self) -> bool:
        return self.schema_version() >= self.accounts_since

    def account(self, login: str) -> AccountRow | None:
        """A login's password hash and who set it when, or None."""
        if not self._has_accounts():
            return None
        rows = self._query(f"SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE login = ?", (login,))
        return AccountRow(*rows[0]) if rows else None

    def draft(self, instance_id: int, task_uuid: str, login: str) -> DraftRow | None:
        """A person's saved draft of a ready task, or None."""
        if not self._has_accounts():
            return None
        rows = self._query(f"SELECT {DRAFT_COLUMNS} FROM drafts WHERE instance_id = ? AND task_uuid = ? AND login = ?",
                           (instance_id, task_uuid, login))
        return DraftRow(*rows[0]) if rows else None
