"""The roles in force: once `sop roles apply` pinned a version in the store, that version is enforced, not
whatever file SOP_ROLES names; applying is an audited, hash-chained event naming who made it."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, NamedTuple

from engine.common.canonical import canonical_json
from engine.common.errors import RoleError
from engine.definitions.roles import Person, Roles
from engine.definitions.roles_pinning import people_json, pinned_roles, roles_version, sealed_roles_event
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
        return (f"Warning: the roles file {self.file_source} (version {str(self.file_version)[:12]}) differs from "
                f"the roles version {self.pinned.version[:12]} pinned in the store, which is what is enforced; "
                "run `sop roles apply` to enforce the file")


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
    rows = store.roles_events()
    return rows[-1] if rows else None


def roles_in_tx(store: Store, tx: Transaction, fallback: Callable[[], Roles | None]) -> Roles | None:
    """The roles in force, read under the transaction's lock (a concurrent apply waits for it), else the
    fallback's (the roles file, read only when nothing is pinned)."""
    row = tx.roles_in_force() if has_roles_log(store) else None
    return pinned_roles(row) if row is not None else fallback()


def lane_person(roles: Roles, operator: str, requested: str | None, lane: str | None, what: str) -> Person:
    """Who acts on a step (the OS account, or with --as the person an operator records for), refused unless they
    hold the step's lane (`what` names the step)."""
    person = roles.acting(operator, requested)
    roles.check_lane(person, lane, what, roles.people.get(operator))
    return person


def status(context: EngineContext) -> RolesStatus:
    """The pinned roles version and the roles file's, to say when they differ."""
    file_roles = context.file_roles
    return RolesStatus(pinned_row(context.store(optional=True)), file_roles.source if file_roles else None,
                       roles_version(file_roles) if file_roles else None)


def apply_roles(context: EngineContext) -> RolesApplied:
    """Pin the roles file's current content in the store (a no-op when that version is in force already, intact);
    once a version with operators is in force, only one of them may apply another."""
    roles = context.file_roles
    if roles is None:
        raise RoleError("No roles file to apply: give --roles FILE (or SOP_ROLES), or put roles.yaml in the "
                        "definitions folder; nothing was changed")
    version = roles_version(roles)
    with context.store(create=True).transaction() as tx:
        current = tx.roles_in_force(exclusive=True)
        if current is not None and current.version == version and current.people == canonical_json(people_json(roles)):
            return RolesApplied(current, False, len(roles.people))
        if current is not None:
            try:
                in_force = pinned_roles(current)
            except RoleError:
                in_force = None  # altered behind the program's back: applying a good file is the repair
            if in_force is not None:
                _check_applier(in_force, context.operator)
        row = sealed_roles_event(current, roles, context.clock(), context.operator)
        tx.append_roles_event(row)
        if in_force_before := (_readable(current) if current is not None else None):
            for login in sorted(set(in_force_before.people) - set(roles.people)):  # removed: signed out everywhere
                tx.end_sessions(login, row.time, context.operator)
    return RolesApplied(row, True, len(roles.people))


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
