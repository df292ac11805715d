"""The Engine's methods about people: the roles file, the roles pinned in the store, who is acting."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from engine.definitions.roles import Roles
    from engine.service.facade import Engine
    from engine.service.roles_service import RolesApplied, RolesStatus
    from engine.store.protocol import Store


class RolesMethods:
    """Who may act: the Engine supplies the store, the operator and the roles file it was given."""

    operator: str
    _roles: Any
    _pinned_roles: tuple[Roles | None] | None

    def store(self, create: bool = False, optional: bool = False) -> Store:
        """The store (the Engine's)."""
        raise NotImplementedError

    @property
    def file_roles(self) -> Roles | None:
        """The roles file's people (read on first use), or None without a roles file."""
        if self._roles is not None and not hasattr(self._roles, "people"):
            from engine.definitions.roles import load_roles

            self._roles = load_roles(self._roles)
        return cast("Roles | None", self._roles)

    @property
    def roles(self) -> Roles | None:
        """The roles in force: the store's pinned version once one was applied (`sop roles apply`), else the roles
        file; None in single-user mode."""
        return self.store_roles() or self.file_roles

    def store_roles(self) -> Roles | None:
        """The roles version pinned in the store (read once per Engine), or None when none was applied."""
        if self._pinned_roles is None:
            rows = self.store(optional=True).roles_events()  # no yaml, nor json unless roles are pinned
            if rows:
                from engine.definitions.roles_pinning import pinned_roles

                self._pinned_roles = (pinned_roles(rows[-1]),)
            else:
                self._pinned_roles = (None,)
        return self._pinned_roles[0]

    @property
    def single_user(self) -> bool:
        """True without roles (no roles file, none pinned): anyone completes anything."""
        return self._roles is None and self.store_roles() is None

    def apply_roles(self) -> RolesApplied:
        """Pin the roles file's content in the store as the roles in force (no-op when unchanged)."""
        from engine.service.roles_service import apply_roles

        applied = apply_roles(cast("Engine", self))
        self._pinned_roles = None
        return applied

    def roles_status(self) -> RolesStatus:
        """The pinned roles version and the roles file's, to say when they differ."""
        from engine.service.roles_service import status

        return status(cast("Engine", self))

    def acting(self, actor: str | None) -> str:
        """The login of the person acting: checked against the roles file when there is one."""
        if actor is not None:
            from engine.common.identity import check_login

            check_login(actor, "--as")
        if self.roles is None:
            return actor or self.operator
        return self.roles.acting(self.operator, actor).login
