"""Verify an instance's record: pinned snapshots, hash chain, stored spec, and a replay that must match the store."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

from engine.audit.records import AuditRecord, Problem, chain_problems, version_problems
from engine.audit.replay import replay
from engine.common.errors import EngineError
from engine.common.i18n import N_

if TYPE_CHECKING:
    from collections.abc import Sequence

    from engine.common.work_calendar import Clock


class Verdict(NamedTuple):
    """The outcome of verifying one instance."""

    instance: int
    events: int
    head_hash: str
    problems: list[Problem]
    # (event, who acted, the operator who set the password they had then): acts signed in with a password an
    # operator set before its owner changed it (not a problem: a mark for the auditor)
    operator_passwords: tuple[tuple[int, str, str], ...] = ()

    @property
    def ok(self) -> bool:
        """True when nothing is wrong."""
        return not self.problems

    def to_json(self) -> dict[str, Any]:
        """The documented JSON of one instance in `sop verify --json`."""
        return {"instance": self.instance, "ok": self.ok, "events": self.events, "head_hash": self.head_hash,
                "problems": [p.to_json() for p in self.problems],
                "password_set_by_operator": [{"event": e, "login": who, "set_by": by}
                                             for e, who, by in self.operator_passwords]}


def verify_record(record: AuditRecord, cache: dict[Any, Any] | None = None, clocks: Sequence[Clock] = ()) -> Verdict:
    """Every check on one record; cache carries built specs and forms across instances of a verify run; clock
    (candidate working-time calendars) recompute due and working times (none: those are not compared)."""
    from engine.audit.derived import completion_problems, derived_problems
    from engine.audit.lane_audit import lane_problems
    from engine.audit.replay import Observed

    cache = {} if cache is None else cache
    observed: list[Observed] = []
    # first: the replay builds each version's spec, which spec_problems reuses
    outcome = replay(record, cache=cache, observe=observed)
    problems = version_problems(record) + chain_problems(record) + spec_problems(record, cache)
    if outcome.divergence is not None:
        problems.append(Problem(outcome.divergence.event, "replay: " + outcome.divergence.message))
    else:
        problems += derived_problems(record, observed, clocks)
    problems += completion_problems(record) + lane_problems(record, cache)
    return Verdict(record.instance, len(record.events), record.events[-1].hash if record.events else "",
                   sorted(dict.fromkeys(problems), key=lambda p: p.event))


def spec_problems(record: AuditRecord, cache: dict[Any, Any]) -> list[Problem]:
    """The store runs instances from a spec serialized once per version: it must be the one its BPMN gives."""
    import json

    from engine.runtime.workflow import bundle_spec, spec_to_text

    problems = []
    for version, pinned in record.versions.items():
        if pinned.spec is None:
            continue
        key = ("spec-text", version)
        if key not in cache:
            try:
                spec = cache.get(("spec", version))
                if spec is None:
                    bundle = json.loads(pinned.bundle)
                    spec = bundle_spec(bundle)
                cache[key] = _without_file(spec_to_text(spec))
            except (EngineError, ValueError, KeyError, TypeError):
                cache[key] = None  # version_problems or the replay name what is wrong with the bundle
        if cache[key] is not None and cache[key] != _without_file(pinned.spec):
            problems.append(Problem(0, N_("the stored spec of version {version} is not the one its pinned BPMN "
                                       "gives (it was altered); live steps would run a different diagram",
                                          version=version[:12])))
    return problems


def _without_file(spec_text: str) -> Any:
    """A serialized spec without the path it was parsed from (the folder differs between machines)."""
    import json

    try:
        spec = json.loads(spec_text)
        for part in [spec["process"], *spec["subprocesses"].values()]:
            part.pop("file", None)
    except (ValueError, KeyError, TypeError, AttributeError):
        return spec_text
    return spec
