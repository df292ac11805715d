"""The Engine's methods for people who sign in to `sop serve`: passwords (Argon2 hashes in the store), the
login check with its rate limit, and drafts of unfinished forms. People are those of the roles in force."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

from engine.common.errors import LoginError, NotFoundError, RoleError, ValidationError
from engine.common.i18n import N_

if TYPE_CHECKING:
    from engine.common.models import TaskView
    from engine.definitions.roles import Person, Roles
    from engine.service.facade import Engine
    from engine.service.pinned import PinnedVersions
    from engine.store.protocol import InstanceRow, Store, Transaction

# Failed logins counted per login and per address: this many within the window block both for the window.
MAX_FAILURES = 5
FAILURE_WINDOW_S = 15 * 60
MAX_DRAFT_BYTES = 256 * 1024  # a draft is not validated against its form; only its size is bounded
# The one answer to a wrong login, a wrong password and a login without a password: nothing says which.
WRONG_LOGIN = ("The login or the password is wrong (or no password was set for this login); try again, or ask an "
               "operator to set one with `sop passwd LOGIN`")


class AccountMethods:
    """Accounts and drafts: the Engine supplies the store, the clock, who is acting and the pinned versions."""

    operator: str
    db: str
    clock: Callable[[], str]

    @property
    def pinned(self) -> PinnedVersions:
        """The pinned versions read so far (the Engine's)."""
        raise NotImplementedError

    @property
    def file_roles(self) -> Roles | None:
        """The roles file's people (the Engine's)."""
        raise NotImplementedError

    def store(self, create: bool = False, optional: bool = False) -> Store:
        """The store (the Engine's)."""
        raise NotImplementedError

    def acting(self, actor: str | None) -> str:
        """The login of the person acting (the Engine's)."""
        raise NotImplementedError

    def person(self, login: str) -> Person | None:
        """A login's entry in the roles in force (pinned in the store, read afresh: a long-lived server sees the
        next `sop roles apply`), or None when it has none."""
        from engine.definitions.roles_pinning import pinned_roles
        from engine.service.roles_service import pinned_row

        row = pinned_row(self.store(optional=True))
        return pinned_roles(row).people.get(login) if row is not None else None

    def set_password(self, login: str, password: str, actor: str | None = None) -> None:
        """Set a person's password (an Argon2 hash in the store): the person themself, or an operator of the
        roles in force (actor: who sets it, default the OS account)."""
        from engine.common.identity import check_login
        from engine.common.passwords import check_policy, hash_password
        from engine.definitions.roles_pinning import pinned_roles

        check_login(login, "LOGIN")
        store = self.store()
        with store.transaction() as tx:
            row = tx.roles_in_force()
            if row is None:
                raise RoleError(f"No roles are in force in store '{store.location}', so no login can have a "
                                "password; pin the roles file first with `sop roles apply`; nothing was changed")
            roles = pinned_roles(row)
            if login not in roles.people:
                raise RoleError(f"'{login}' is not in {roles.described}; add them to the roles file and run "
                                "`sop roles apply`, then set the password; nothing was changed")
            setter = roles.acting(self.operator, actor)
            if setter.login != login and not setter.operator:
                operators = ", ".join(sorted(p.login for p in roles.people.values() if p.operator)) or "none"
                raise RoleError(f"'{setter.login}' may not set the password of '{login}': only '{login}' or an "
                                f"operator of {roles.described} ({operators}) may; nothing was changed")
            check_policy(password, login, roles.people[login].name)
            from engine.store.protocol import AccountRow

            tx.put_account(AccountRow(login, hash_password(password), self.clock(), setter.login))

    def check_login(self, login: str, password: str, address: str) -> Person:
        """The person a login and password belong to, or LoginError: one message whatever is wrong, and "too many
        attempts" after MAX_FAILURES failures within FAILURE_WINDOW_S per login or per address."""
        from datetime import timedelta

        from engine.common.passwords import MAX_LENGTH, needs_rehash, verify_password
        from engine.common.work_calendar import format_time, parse_time

        password = password[:MAX_LENGTH + 1]  # longer is wrong anyway: never hash megabytes someone posted
        store = self.store()
        if store.schema_version() < store.accounts_since:
            verify_password(None, password)
            raise LoginError(WRONG_LOGIN)
        now = self.clock()
        since = format_time(parse_time(now) - timedelta(seconds=FAILURE_WINDOW_S))
        keys = (f"login:{login[:200]}", f"address:{address[:100]}") if address else (f"login:{login[:200]}",)
        with store.transaction() as tx:
            _refuse_when_blocked(tx.login_failures(keys, since), now)
        person = self.person(login)
        account = store.account(login) if person is not None else None
        stored = account.password_hash if account is not None else None
        if not verify_password(stored, password) or person is None or account is None:
            with store.transaction() as tx:
                tx.add_login_failures(keys, now, since)
            raise LoginError(WRONG_LOGIN)
        with store.transaction() as tx:
            tx.clear_login_failures(keys[0])
            if needs_rehash(account.password_hash):
                from engine.common.passwords import hash_password

                tx.put_account(account._replace(password_hash=hash_password(password)))
        return person

    def save_draft(self, instance: int, task: str, data: dict[str, Any], actor: str | None = None) -> str:
        """Keep the acting person's unfinished form of a ready task (in their lane); returns when it was saved. A
        draft is not an artefact: no event, not validated against the form, discarded when the step completes."""
        from engine.common.canonical import canonical_json
        from engine.common.data_limits import check_data
        from engine.service.roles_service import lane_person, roles_in_tx
        from engine.store.protocol import DraftRow

        what = N_(f"The draft of instance {instance} task '{task}'")
        if not isinstance(data, dict):
            raise ValidationError(f"{what} must be an object of field: value pairs; nothing was saved")
        check_data(data, what)
        text = canonical_json(data)
        if len(text.encode("utf-8")) > MAX_DRAFT_BYTES:
            raise ValidationError(f"{what} is over {MAX_DRAFT_BYTES // 1024} KiB; shorten it, or complete the step "
                                  "with its files attached; nothing was saved")
        store = self.store()
        if store.schema_version() == 0:
            raise NotFoundError(f"No instance {instance} in store '{self.db}' (it has none yet); start one first")
        saved_at = self.clock()
        with store.transaction() as tx:
            row = tx.lock_instance(instance)
            if row is None:
                raise NotFoundError(f"No instance {instance} in store '{self.db}'; list them with `sop instances`")
            target = self._named_task(row, tx.ready_tasks(instance), task, tx)
            roles = roles_in_tx(store, tx, lambda: self.file_roles)
            if roles is not None:
                where = N_(f"Instance {instance} task '{target.task}'")
                login = lane_person(roles, self.operator, actor, target.lane, where).login
            else:
                login = self.acting(actor)
            tx.put_draft(DraftRow(instance, target.id, login, text, saved_at))
        return saved_at

    def draft(self, instance: int, task: str, actor: str | None = None) -> dict[str, Any] | None:
        """The acting person's saved draft of a ready task, or None when they saved none."""
        import json

        store = self.store()
        row = cast("Engine", self).instance_row(instance)
        target = self._named_task(row, store.ready_tasks(instance), task, store)
        saved = store.draft(instance, target.id, self.acting(actor))
        if saved is None:
            return None
        data: dict[str, Any] = json.loads(saved.data)
        return data

    def _named_task(self, row: InstanceRow, ready: list[TaskView], task: str, reader: Store | Transaction) -> TaskView:
        """The ready task a reference names (BPMN id or UUID), or the error saying why there is none."""
        from engine.bpmn.tasks import resolve, user_task_ids

        def known() -> set[str]:
            version = self.pinned.of(row, reader.get_version)
            return user_task_ids(self.pinned.spec(row.version, version.spec))

        return resolve(row, ready, task, lambda: reader.events(row.id), known)


def _refuse_when_blocked(failures: list[tuple[str, str]], now: str) -> None:
    """LoginError when a key had MAX_FAILURES failures in the window, saying when the oldest of them expires."""
    from engine.common.work_calendar import parse_time

    by_key: dict[str, list[str]] = {}
    for key, at in failures:
        by_key.setdefault(key, []).append(at)
    blocked = [times[-MAX_FAILURES] for times in by_key.values() if len(times) >= MAX_FAILURES]
    if blocked:
        waited = (parse_time(now) - parse_time(max(blocked))).total_seconds()
        minutes = max(1, -(-int(FAILURE_WINDOW_S - waited) // 60))
        raise LoginError(f"Too many failed logins; try again in {minutes} minutes")
