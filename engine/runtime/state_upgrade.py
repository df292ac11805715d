"""Stored state written by an older SpiffWorkflow serializer is upgraded on load; a newer or unknown one is refused."""

from __future__ import annotations

from typing import Any

from SpiffWorkflow.bpmn.serializer.migration.version_migration import MIGRATIONS
from SpiffWorkflow.bpmn.serializer.workflow import VERSION as SPIFF_SERIALIZER_VERSION

from engine.common.errors import StoreError

LAYOUT = "sop-nospec-1+zlib"
# The oldest serializer sop has run on (SpiffWorkflow 3.0 wrote 1.3); older ones need migrations that rebuild the
# task tree from a spec in their own format, which a spec-less state cannot give them, and 1.1's runs Python's
# eval on the diagram's timer expressions.
OLDEST = "1.3"
# SpiffWorkflow 3.2's migration functions chain 1.0 -> 1.1 -> 1.2 -> 1.3 themselves; each entry says where one ends.
_ENDS_AT = {"1.0": "1.3", "1.1": "1.3", "1.2": "1.3", "1.3": "1.4", "1.4": "1.5"}


def state_format(spiff_version: str = SPIFF_SERIALIZER_VERSION) -> str:
    """The format tag of state written with a serializer version: our layout and SpiffWorkflow's version."""
    return f"{LAYOUT};spiff={spiff_version}"


def _number(version: str) -> tuple[int, ...]:
    try:
        return tuple(int(part) for part in version.split("."))
    except ValueError:
        return (0,)


def serializer_version(tag: Any) -> str:
    """The SpiffWorkflow serializer version of a state's format tag; StoreError when sop cannot read that format."""
    layout, _, version = str(tag).partition(";spiff=")
    current = SPIFF_SERIALIZER_VERSION
    if layout != LAYOUT or not version:
        raise StoreError("Stored state has format {tag!r}, which this sop does not know (it reads "
                         "{state_format!r}); upgrade sop", tag=tag, state_format=state_format())
    if _number(version) > _number(current):
        raise StoreError("Stored state was written by SpiffWorkflow serializer {version}, newer than this sop's "
                         "({current}); upgrade sop (and SpiffWorkflow) to read it", version=version, current=current)
    if version != current and (version not in _ENDS_AT or _number(version) < _number(OLDEST)):
        raise StoreError("Stored state was written by SpiffWorkflow serializer {version}, which this sop cannot "
                         "upgrade (it upgrades {oldest} and later to {current})",
                         version=version, oldest=OLDEST, current=current)
    return version


def upgrade(dct: dict[str, Any], version: str, spec: dict[str, Any], subprocess_specs: dict[str, Any]) -> None:
    """Upgrade a spec-less state dict in place from a serializer version to the current one with SpiffWorkflow's own
    migrations (they read the spec, so it is lent to them for the run)."""
    dct["spec"], dct["subprocess_specs"] = spec, subprocess_specs
    try:
        while version != SPIFF_SERIALIZER_VERSION:
            MIGRATIONS[version](dct)
            version = _ENDS_AT[version]
    except Exception as exc:  # SpiffWorkflow's migrations raise anything (3.2's 1.4 one: NameError)
        raise StoreError("Stored state of serializer {version} could not be upgraded ({exc_type}: "
                         "{exc}); restore it with the sop version that wrote it",
                         version=version, exc_type=type(exc).__name__, exc=exc) from None
    finally:
        dct.pop("spec", None)
        dct.pop("subprocess_specs", None)
        dct.pop("VERSION", None)
