"""People: the roles in force, who acts, and signing in to `sop serve` (Argon2 password hashes in the store, the
login check with its rate limit)."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from engine.common.errors import LoginError, NotInRolesError, NotOperatorError, RoleError
from engine.common.i18n import N_

if TYPE_CHECKING:
    from engine.definitions.delegations import Delegation
    from engine.definitions.roles import Person, Roles
    from engine.service.context import EngineContext
    from engine.service.roles_service import RolesApplied, RolesStatus
    from engine.store.protocol import RolesEventRow

# Failed sign-ins slow the next attempt, never shut it out. Per login and address: the first PAIR_FREE failures
# cost nothing, then each further attempt waits PAIR_DELAY_S doubled per failure, at most PAIR_MAX_DELAY_S. Per
# login from every address (a spray from many addresses): LOGIN_FREE free, then LOGIN_DELAY_S doubled, at most
# LOGIN_MAX_DELAY_S, so the owner signing in elsewhere waits a minute at worst. Failures older than the window go.
FAILURE_WINDOW_S = 60 * 60
PAIR_FREE, PAIR_DELAY_S, PAIR_MAX_DELAY_S = 3, 30, 15 * 60
LOGIN_FREE, LOGIN_DELAY_S, LOGIN_MAX_DELAY_S = 10, 5, 60
MAX_VERIFYING = 2  # Argon2 verifications at once in one process (64 MiB each): more wait their turn
# The one answer to a wrong login, a wrong password and a login without a password: nothing says which.
WRONG_LOGIN = N_("The login or the password is wrong (or no password was set for this login); try again, or ask an "
                 "operator to set one with `sop passwd LOGIN`")


class PeopleService:
    """Who the people are (the roles in force), who may act, and their sign-in to `sop serve`."""

    def __init__(self, context: EngineContext) -> None:
        self._context = context

    @property
    def roles(self) -> Roles | None:
        """The roles in force: the store's pinned version once one was applied, else the roles file; None in
        single-user mode."""
        return self._context.roles

    @property
    def single_user(self) -> bool:
        """True without roles (no roles file, none pinned): anyone completes anything."""
        return self._context.single_user

    def acting(self, actor: str | None = None) -> str:
        """The login of the person acting (actor: the person an operator records for), checked against the roles."""
        return self._context.acting(actor)

    def my_process_lanes(self, login: str | None = None) -> tuple[tuple[str, str], ...]:
        """(lane name, process) of the ready tasks a person (default: the one acting) acts in only in one process, by
        a delegation limited to it (Plh./Plt. `--process`), besides `my_lanes`; none without roles."""
        roles = self._context.roles
        if roles is None:
            return ()
        from engine.common.lanes import lane_key
        from engine.definitions.acting import lanes_delegated_in

        person = roles.person(login or self._context.operator)
        anywhere = set(self.my_lanes(person.login) or ())
        limited = {(lane_key(lane), process) for lane, process in lanes_delegated_in(roles, person.login,
                                                                                    self._context.clock()) if process}
        return tuple((lane, process) for lane in self._context.store().ready_lanes() if lane not in anywhere
                     for key, process in sorted(limited) if key == lane_key(lane))

    def my_lanes(self, login: str | None = None) -> tuple[str, ...] | None:
        """The lane names of ready tasks that a person (default: the one acting) acts in, in every process (their own
        lanes, and those delegated to them for every process: see `my_process_lanes`); None without roles."""
        roles = self._context.roles
        if roles is None:
            return None
        from engine.common.lanes import lane_key
        from engine.definitions.acting import lanes_delegated

        person = roles.person(login or self._context.operator)
        acting = {lane_key(lane) for lane in lanes_delegated(roles, person.login, self._context.clock())}
        return tuple(lane for lane in self._context.store().ready_lanes()
                     if person.holds(lane) or lane_key(lane) in acting)

    def apply_roles(self, *, recover: bool = False) -> RolesApplied:
        """Pin the roles file's content in the store as the roles in force (no-op when unchanged); the account
        applying must be an operator of the file; recover: as the store file's owner, whoever is in force."""
        from engine.service.roles_service import apply_roles

        applied = apply_roles(self._context, recover=recover)
        self._context.forget_roles()
        return applied

    def set_up(self, *, password: str, add_me: str | None = None) -> RolesApplied:
        """Create the store, pin the roles file and set the password of the operator running it (`sop setup`;
        add_me: first append the OS account to the roles file as an operator of that name)."""
        from engine.service.roles_service import set_up

        applied = set_up(self._context, password, add_me)
        self._context.forget_roles()
        return applied

    def check_set_up(self, *, applier: bool = True) -> Person | None:
        """Refuse what `sop setup` would refuse, before a password is asked (applier: also an account that is no
        operator of the roles file); the operator's entry, when asked."""
        from engine.service.roles_service import set_up_checks

        return set_up_checks(self._context, applier=applier)

    def recoveries(self) -> list[RolesEventRow]:
        """The roles events the store file's owner applied as recoveries, oldest first."""
        from engine.service.roles_service import recoveries

        return recoveries(self._context.store(optional=True))

    def delegate(self, giver: str, taker: str, *, start: str, until: str, process: str | None = None,
                 lane: str | None = None, kind: str = "plh") -> Delegation:
        """Record that `taker` acts in the lanes of `giver` (Plh./Plt.) from `start` to `until`, dates (or date and
        time) in the office's zone, `until` inclusive to the end of its day; only `lane`, only in `process`, when
        given; an operator for anyone, a person for their own lanes; a chained event of the roles log."""
        from engine.service.delegation_service import delegate

        return delegate(self._context, giver, taker, start=start, until=until, process=process, lane=lane, kind=kind)

    def end_delegation(self, seq: int) -> Delegation:
        """End a delegation now, before its until (the giver, or an operator); a chained event of the roles log."""
        from engine.service.delegation_service import end_delegation

        return end_delegation(self._context, seq)

    def delegations(self, *, past: bool = False) -> tuple[Delegation, ...]:
        """The delegations in force and planned (past: also those over or ended), oldest first."""
        from engine.service.delegation_service import delegations

        return delegations(self._context, past=past)

    def delegates_for(self, lane: str | None, *, at: str | None = None, process: str | None = None) -> tuple[str, ...]:
        """The logins acting in a lane at a moment (default now) only by a delegation, e.g. to send them its notices."""
        from engine.definitions.acting import delegates_for

        roles = self._context.roles
        return delegates_for(roles, lane, at or self._context.clock(), process) if roles is not None else ()

    def lane_people(self, lane: str | None, *, process: str | None = None,
                    at: str | None = None) -> tuple[tuple[str, str], ...]:
        """Who acts in a lane at a moment (default now): (login, '') for each person holding it, by name, then
        (login, acting title such as "Plh. Kepala Unit ...") for each standing in by a delegation for the process."""
        from engine.definitions.acting import acting_jabatan
        from engine.service.notices import lane_people

        roles = self._context.roles
        if roles is None or lane is None:
            return ()
        moment = at or self._context.clock()
        people = lane_people(roles, lane, at=moment, process=process)
        holders = sorted((p for p in people if p.holds(lane)), key=lambda p: (p.name, p.login))
        return (*((p.login, "") for p in holders),
                *((p.login, acting_jabatan(roles, p, lane, at=moment, process=process))
                  for p in people if not p.holds(lane)))

    def roles_status(self) -> RolesStatus:
        """The pinned roles version and the roles file's, to say when they differ."""
        from engine.service.roles_service import status

        return status(self._context)

    def person(self, login: str) -> Person | None:
        """A login's entry in the roles in force (pinned in the store, read afresh: a long-lived server sees the
        next `sop roles apply`), or None when it has none."""
        from engine.definitions.roles_pinning import pinned_roles
        from engine.service.roles_service import pinned_row

        row = pinned_row(self._context.store(optional=True))
        return pinned_roles(row).people.get(login) if row is not None else None

    def set_password(self, login: str, password: str, *, actor: str | None = None) -> None:
        """Set a person's password (an Argon2 hash in the store): the person themself, or an operator of the
        roles in force (actor: who sets it, default the OS account)."""
        from engine.common.identity import check_login
        from engine.common.passwords import check_policy, hash_password
        from engine.definitions.roles_pinning import pinned_roles

        check_login(login, "LOGIN")
        store = self._context.store()
        with store.transaction() as tx:
            row = tx.roles_in_force()
            if row is None:
                raise RoleError("No roles are in force in store '{location}', so no login can have a "
                                "password; pin the roles file first with `sop roles apply`; nothing was changed",
                                location=store.location)
            roles = pinned_roles(row)
            if login not in roles.people:
                raise NotInRolesError("'{login}' is not in {described}; add them to the roles file and run "
                                      "`sop roles apply`, then set the password; nothing was changed",
                                      login=login, described=roles.described)
            setter = roles.acting(self._context.operator, actor)
            if setter.login != login and not setter.operator:
                operators = ", ".join(sorted(p.login for p in roles.people.values() if p.operator)) or N_("none")
                raise RoleError("'{setter_login}' may not set the password of '{login}': only '{login}' or an "
                                "operator of {described} ({operators}) may; nothing was changed",
                                setter_login=setter.login, login=login, described=roles.described, operators=operators)
            owner = roles.people[login]
            check_policy(password, login, owner.name, context=(owner.nip or "", owner.jabatan or ""))
            from engine.store.protocol import AccountRow

            now = self._context.clock()
            tx.put_account(AccountRow(login, hash_password(password), now, setter.login))
            tx.end_sessions(login, now, setter.login)  # a new password ends every session signed in with the old

    def end_sessions(self, login: str, *, actor: str | None = None) -> str:
        """End every `sop serve` session of a login (sign-out everywhere): the person themself, or an operator of
        the roles in force (actor: who ends them, default the one acting); when they were ended."""
        store = self._context.store()
        with store.transaction() as tx:
            row = tx.roles_in_force()
            if row is not None:
                from engine.definitions.roles_pinning import pinned_roles

                roles = pinned_roles(row)
                ender = roles.acting(self._context.operator, actor)
                if ender.login != login and not ender.operator:
                    raise NotOperatorError("'{ender}' may not end the sessions of '{login}': only '{login}' or an "
                                           "operator may; nothing was changed", ender=ender.login, login=login)
                by = ender.login
            else:
                by = self._context.acting(actor)
            now = self._context.clock()
            tx.end_sessions(login, now, by)
        return now

    def throttles(self) -> list[tuple[str, str, int, str]]:
        """The sign-ins being slowed now: (login, address or "" for the login from everywhere, failures in the
        window, the last one), most failures first."""
        from datetime import timedelta

        from engine.common.work_calendar import format_time, parse_time

        since = format_time(parse_time(self._context.clock()) - timedelta(seconds=FAILURE_WINDOW_S))
        found = []
        for key, count, last in self._context.store(optional=True).login_failure_counts(since):
            kind, _, rest = key.partition(":")
            login, _, address = rest.partition("|") if kind == "pair" else (rest, "", "")
            found.append((login, address, count, last))
        return found

    def clear_throttles(self, login: str) -> int:
        """Forget a login's failed sign-ins (an operator of the roles in force): its next sign-in is not slowed."""
        store = self._context.store()
        with store.transaction() as tx:
            row = tx.roles_in_force()
            by = self._context.acting(None) if row is None else None
            if row is not None:
                from engine.definitions.roles_pinning import pinned_roles

                clearer = pinned_roles(row).acting(self._context.operator, None)
                if not clearer.operator:
                    raise NotOperatorError("'{clearer}' may not clear the sign-in throttle of '{login}': only an "
                                           "operator may; nothing was changed", clearer=clearer.login, login=login)
                by = clearer.login
            assert by is not None
            return tx.clear_throttles(login, self._context.clock(), by)

    def sessions_ended(self, login: str) -> str | None:
        """When a login's sessions were last ended (a session signed in before then is over), or None."""
        return self._context.store(optional=True).sessions_ended(login)

    def check_login(self, login: str, password: str, *, address: str) -> Person:
        """The person a login and password belong to, or LoginError: one message whatever is wrong, and "try
        again in N seconds" while failed attempts of this login (from this address, or from everywhere) make it
        wait. The attempt is counted as failed before the password is checked and forgotten when it was right,
        under the login's lock: parallel guesses get no more checks than the throttle allows."""
        from datetime import timedelta

        from engine.common.passwords import MAX_LENGTH, needs_rehash
        from engine.common.work_calendar import format_time, parse_time

        password = password[:MAX_LENGTH + 1]  # longer is wrong anyway: never hash megabytes someone posted
        store = self._context.store()
        if store.schema_version() < store.accounts_since:
            _verify(None, password)
            raise LoginError(WRONG_LOGIN)
        now = self._context.clock()
        since = format_time(parse_time(now) - timedelta(seconds=FAILURE_WINDOW_S))
        pair, whole = f"pair:{login[:200]}|{address[:100]}", f"login:{login[:200]}"
        with store.transaction() as tx:
            tx.lock_login(login[:200])
            _refuse_while_throttled(tx.login_failures((pair, whole), since), pair, now)
            tx.add_login_failures((pair, whole), now, since)  # counted now; forgotten below if it was right
        person = self.person(login)
        account = store.account(login) if person is not None else None
        stored = account.password_hash if account is not None else None
        if not _verify(stored, password) or person is None or account is None:
            raise LoginError(WRONG_LOGIN)
        with store.transaction() as tx:
            tx.clear_login_failures(pair)
            tx.forget_login_failure((whole,), now)
            if needs_rehash(account.password_hash):
                from engine.common.passwords import hash_password

                tx.put_account(account._replace(password_hash=hash_password(password)), rehashed_at=now)
        return person


def _refuse_while_throttled(failures: list[tuple[str, str]], pair: str, now: str) -> None:
    """LoginError when the last failure of this login and address, or of this login anywhere, is too recent for
    the number of failures in the window, saying how many seconds are left."""
    from engine.common.work_calendar import parse_time

    moment = parse_time(now)
    for key, free, delay, most in ((pair, PAIR_FREE, PAIR_DELAY_S, PAIR_MAX_DELAY_S),
                                   (None, LOGIN_FREE, LOGIN_DELAY_S, LOGIN_MAX_DELAY_S)):
        times = [at for k, at in failures if (key is None and k != pair) or k == key]
        if len(times) < free:
            continue
        wait = min(most, delay * 2 ** (len(times) - free)) - (moment - parse_time(max(times))).total_seconds()
        if wait > 0:
            raise LoginError("Too many failed sign-ins for this login; try again in {seconds} seconds",
                             seconds=max(1, -(-int(wait) // 1)))


_VERIFYING = threading.BoundedSemaphore(MAX_VERIFYING)


def _verify(stored: str | None, password: str) -> bool:
    """Check a password against its hash, at most MAX_VERIFYING at once in this process (a flood of sign-ins
    queues here instead of taking every core and 64 MiB per check)."""
    from engine.common.passwords import verify_password

    with _VERIFYING:
        return verify_password(stored, password)
