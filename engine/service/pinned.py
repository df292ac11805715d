"""Pinned definition versions as a process uses them: rows, restored specs, bundles and compiled forms, kept once
read (a version is named by its content hash, so nothing kept can go stale)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from engine.common.errors import DefinitionError, StoreError
from engine.store.protocol import InstanceRow, VersionRow

if TYPE_CHECKING:
    from engine.runtime.workflow import Spec


class PinnedVersions:
    """What this process has read of the store's pinned versions."""

    def __init__(self) -> None:
        self._rows: dict[str, VersionRow] = {}
        self._specs: dict[str, Spec] = {}
        self._bundles: dict[str, dict[str, Any]] = {}
        self._forms: dict[tuple[str, str], Any] = {}

    def of(self, row: InstanceRow, get: Callable[[str], VersionRow | None]) -> VersionRow:
        """The definition version an instance is pinned to, read with get the first time."""
        version = self._rows.get(row.version) or get(row.version)
        if version is None:
            raise StoreError("Store lacks definition version {version} pinned by instance {instance}",
                             version=row.version[:12], instance=row.id)
        self._rows[row.version] = version
        return version

    def spec(self, version: str, spec_text: str) -> Spec:
        """The workflow spec of a version, restored from its stored text once."""
        spec = self._specs.get(version)
        if spec is None:
            from engine.runtime.workflow import spec_from_text

            spec = self._specs[version] = spec_from_text(spec_text)
        return spec

    def known_spec(self, version: str) -> Spec | None:
        """The spec of a version if this process already has it."""
        return self._specs.get(version)

    def keep_spec(self, version: str, spec: Spec) -> None:
        """Remember a spec built from the definitions folder for the version it hashes to."""
        self._specs[version] = spec

    def bundle(self, row: VersionRow) -> dict[str, Any]:
        """The pinned bundle (BPMN, forms, YAML pages) of a version, parsed once."""
        bundle = self._bundles.get(row.version)
        if bundle is None:
            import json  # not at import time: `sop tasks` never needs it

            bundle = self._bundles[row.version] = json.loads(row.bundle)
        return bundle

    def form(self, row: VersionRow, form: str) -> Any:
        """The pinned form of a version, parsed and compiled once."""
        key = (row.version, form)
        compiled = self._forms.get(key)
        if compiled is None:
            from engine.definitions.forms import compile_form

            forms = self.bundle(row)["forms"]
            if form not in forms:  # a version pinned before plain and manual tasks' forms were pinned
                raise DefinitionError("Form '{form}' is not pinned with version {version}, so its step "
                                      "cannot be checked; nothing was saved. Migrate the instance to a version "
                                      "that `sop lint` passes (`sop migrate`)", form=form, version=row.version[:12])
            compiled = self._forms[key] = compile_form(forms[form], form, forms)
        return compiled
