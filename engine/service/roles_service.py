"""The roles in force: once `sop roles apply` pinned a version in the store, that version is enforced, not
whatever file SOP_ROLES names; applying is an audited, hash-chained event naming who made it."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, NamedTuple

from engine.common.canonical import canonical_json
from engine.common.errors import RoleError
from engine.common.i18n import N_
from engine.definitions.roles import Person, Roles
from engine.definitions.roles_pinning import (
    is_recovery,
    people_json,
    pinned_roles,
    roles_version,
    sealed_roles_event,
)
from engine.store.protocol import RolesEventRow, Store, Transaction

if TYPE_CHECKING:
    from engine.service.context import EngineContext


class RolesStatus(NamedTuple):
    """The pinned roles version (None before the first apply) and the roles file's (None without a file)."""

    pinned: RolesEventRow | None
    file_source: str | None
    file_version: str | None

    @property
    def differs(self) -> bool:
        """True when a roles file and a pinned version both exist and hold different people."""
        return self.pinned is not None and self.file_version is not None and self.file_version != self.pinned.version

    def drift_message(self) -> str:
        """The warning commands print when the file is not what is enforced ('' when there is nothing to say)."""
        if not self.differs or self.pinned is None:
            return ""
        return N_("Warning: the roles file {source} (version {file_version}) differs from the roles version "
                  "{pinned_version} pinned in the store, which is what is enforced; run `sop roles apply` to enforce "
                  "the file", source=self.file_source, file_version=str(self.file_version)[:12],
                  pinned_version=self.pinned.version[:12])


class RolesApplied(NamedTuple):
    """The outcome of `sop roles apply`: the event in force after it and whether it is new."""

    event: RolesEventRow
    changed: bool
    people: int


def has_roles_log(store: Store) -> bool:
    """True when the store's schema has the roles log (older PostgreSQL stores are upgraded by a write)."""
    return store.schema_version() >= store.roles_since


def pinned_row(store: Store) -> RolesEventRow | None:
    """The roles event in force in the store, or None."""
    return store.roles_event_last()


def roles_in_tx(store: Store, tx: Transaction, fallback: Callable[[], Roles | None]) -> Roles | None:
    """The roles in force, read under the transaction's lock (a concurrent apply waits for it), else the
    fallback's (the roles file, read only when nothing is pinned)."""
    row = tx.roles_in_force() if has_roles_log(store) else None
    return with_delegations(pinned_roles(row), store) if row is not None else fallback()


def with_delegations(roles: Roles, store: Store) -> Roles:
    """The pinned roles with the delegations (Plh./Plt.) their roles log records."""
    from engine.definitions.delegations import delegations_of

    return roles._replace(delegations=delegations_of(store.roles_events()))


def lane_person(roles: Roles, operator: str, requested: str | None, lane: str | None, what: str, *,
                at: str | None = None, process: str | None = None) -> Person:
    """Who acts on a step (the OS account, or with --as the person an operator records for), refused unless they
    hold the step's lane, themself or (at the moment `at`) by a delegation for the process (`what` names the step)."""
    person = roles.acting(operator, requested)
    roles.check_lane(person, lane, what, roles.people.get(operator), at=at, process=process)
    return person


def status(context: EngineContext) -> RolesStatus:
    """The pinned roles version and the roles file's, to say when they differ."""
    file_roles = context.file_roles
    return RolesStatus(pinned_row(context.store(optional=True)), file_roles.source if file_roles else None,
                       roles_version(file_roles) if file_roles else None)


def apply_roles(context: EngineContext, *, recover: bool = False) -> RolesApplied:
    """Pin the roles file's current content in the store (a no-op when that version is in force already, intact);
    the account applying must be an operator of the file (nobody is locked out); once a version with operators is in
    force, only one of them may apply another, or (recover) the OS account owning the store file, recorded as a
    recovery in the chained roles log."""
    roles = _file_roles(context)
    check_applier_in_file(roles, context.operator)
    version = roles_version(roles)
    store = context.store(create=True)
    if recover:
        check_store_owner(store.location, context.operator)
    with store.transaction() as tx:
        current = tx.roles_in_force(exclusive=True)
        if current is not None and current.version == version and current.people == canonical_json(people_json(roles)):
            return RolesApplied(current, False, len(roles.people))
        in_force_before = _readable(current) if current is not None else None
        if in_force_before is not None and not recover:  # unreadable: altered behind the program's back, and
            _check_applier(in_force_before, context.operator)  # applying a good file is the repair
        row = sealed_roles_event(current, roles, context.clock(), context.operator, recovery=recover)
        tx.append_roles_event(row)
        if in_force_before is not None:
            for login in sorted(set(in_force_before.people) - set(roles.people)):  # removed: signed out everywhere
                tx.end_sessions(login, row.time, context.operator)
    return RolesApplied(row, True, len(roles.people))


def set_up(context: EngineContext, password: str, add_me: str | None = None) -> RolesApplied:
    """`sop setup`: create the store, pin the roles file and set the password of the operator running it (the OS
    account, an operator of the file; add_me: first append it to the file as an operator of that name), in one
    transaction; refused, changing nothing, when roles are pinned in the store already."""
    from pathlib import Path

    from engine.common.passwords import check_policy, hash_password
    from engine.store.protocol import AccountRow

    set_up_checks(context, applier=False)
    roles, path, before, after = _file_roles(context), None, b"", b""
    if add_me is not None:
        path = Path(roles.source)
        before = path.read_bytes()
        roles, after = _roles_with_me(roles, context.operator, add_me, before)
    me = check_applier_in_file(roles, context.operator)
    check_policy(password, me.login, me.name, context=(me.nip or "", me.jabatan or ""))
    hashed = hash_password(password)  # slow (Argon2): outside the transaction
    if path is not None:
        path.write_bytes(after)
    try:
        store = context.store(create=True)
        with store.transaction() as tx:
            current = tx.roles_in_force(exclusive=True)
            if current is not None:
                raise _set_up_already(store.location, current)
            row = sealed_roles_event(None, roles, context.clock(), context.operator)
            tx.append_roles_event(row)
            tx.put_account(AccountRow(me.login, hashed, row.time, me.login))
    except BaseException:
        if path is not None:
            path.write_bytes(before)  # the file as it was: nothing was set up
        raise
    return RolesApplied(row, True, len(roles.people))


def set_up_checks(context: EngineContext, *, applier: bool = True) -> Person | None:
    """What `sop setup` refuses before asking for a password: no roles file, a store with roles pinned already, an
    applier who is no operator of the file (unless not asked); the applier's entry otherwise."""
    roles = _file_roles(context)
    store = context.store(optional=True)
    current = pinned_row(store) if has_roles_log(store) else None
    if current is not None:
        raise _set_up_already(store.location, current)
    return check_applier_in_file(roles, context.operator) if applier else None


def _roles_with_me(roles: Roles, login: str, name: str, before: bytes) -> tuple[Roles, bytes]:
    """The roles file with the OS account appended as an operator without a lane, checked as a roles file is, and
    its new bytes; refused when the account is in the file already."""
    import json
    import os
    import tempfile

    from engine.definitions.roles import load_roles

    if login in roles.people:
        raise RoleError("'{login}' is in {source} already; make that entry an operator (operator: true) instead of "
                        "adding another; nothing was changed", login=login, source=roles.source)
    text = before.decode("utf-8-sig")
    entry = f"{login}: {{name: {json.dumps(name.strip(), ensure_ascii=False)}, lanes: [], operator: true}}\n"
    after = (text + ("" if text.endswith("\n") or not text else "\n") + entry).encode("utf-8")
    handle, scratch = tempfile.mkstemp(suffix=".yaml")
    try:
        os.write(handle, after)
        os.close(handle)
        checked = load_roles(scratch)
    finally:
        os.unlink(scratch)
    return checked._replace(source=roles.source), after


def _set_up_already(location: str, current: RolesEventRow) -> RoleError:
    return RoleError("Store '{location}' is set up already: roles event {seq} pinned the roles (applied by {actor} at "
                     "{time}); change them with `sop roles apply`, passwords with `sop passwd LOGIN`; nothing was "
                     "changed", location=location, seq=current.seq, actor=current.actor, time=current.time)


def _file_roles(context: EngineContext) -> Roles:
    roles = context.file_roles
    if roles is None:
        raise RoleError("No roles file to apply: give --roles FILE (or SOP_ROLES), or put roles.yaml in the "
                        "definitions folder; nothing was changed")
    return roles


def check_applier_in_file(roles: Roles, login: str) -> Person:
    """The applying account's entry in a roles file; RoleError (saying what to add) unless it is an operator there:
    pinning a file without its applier as an operator would leave nobody present to set a password or fix it."""
    me = roles.people.get(login)
    if me is None or not me.operator:
        raise RoleError("{source} does not make '{login}' an operator, so after pinning it nobody present could set "
                        "a password or apply a corrected file; add '{login}' to it as an operator, e.g. the line "
                        "'{login}: {{name: Petugas TU, lanes: [], operator: true}}', then apply it again; "
                        "nothing was changed", source=roles.source, login=login)
    return me


def check_store_owner(location: str, login: str) -> None:
    """RoleError unless this process's OS account owns the store file (the account that may always recover)."""
    import os

    path = location.removeprefix("sqlite:///")
    owner = os.stat(path).st_uid if os.path.isfile(path) else None
    if owner is None or owner != os.geteuid():
        raise RoleError("Only the OS account that owns the store file may recover the roles; '{login}' does not own "
                        "'{location}' (a PostgreSQL store has no owner file: apply as an operator of the roles in "
                        "force); nothing was changed", login=login, location=location)


def recoveries(store: Store) -> list[RolesEventRow]:
    """The roles events that were recoveries by the store file's owner, oldest first."""
    return [row for row in store.roles_events() if is_recovery(row)]


def _readable(row: RolesEventRow) -> Roles | None:
    try:
        return pinned_roles(row)
    except RoleError:
        return None


def _check_applier(in_force: Roles, login: str) -> None:
    operators = sorted(p.login for p in in_force.people.values() if p.operator)
    if operators and login not in operators:
        raise RoleError("'{login}' may not change the roles in force ({described}): only an operator of "
                        "that version may ({operators}); nothing was changed",
                        login=login, described=in_force.described, operators=', '.join(operators))
