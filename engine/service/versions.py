"""Versions of a process in the store and the definitions folder, and moving running instances between them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

from engine.common.canonical import canonical_json
from engine.common.errors import EngineError, NoProcessError, NotFoundError, TaskStateError
from engine.common.i18n import N_
from engine.common.models import TaskView
from engine.service.transition import Change, Happened, advance, preview
from engine.store.protocol import InstanceRow, VersionRow

if TYPE_CHECKING:
    from engine.runtime.workflow import Spec
    from engine.service.context import EngineContext

MIN_PREFIX = 6


class VersionInfo(NamedTuple):
    """One version of a process: its hash, first use, instances on it, and whether the folder holds it now."""

    process: str
    version: str
    first_seen: str | None
    running: int
    instances: int
    current: bool

    def to_json(self) -> dict[str, Any]:
        """The documented JSON of `sop processes --versions --json`."""
        return self._asdict()


class MigrationResult(NamedTuple):
    """What `sop migrate` did (or, with --dry-run, would do) to one instance."""

    instance: int
    process: str
    from_version: str
    to_version: str
    migrated: bool
    dry_run: bool
    added: list[str]
    removed: list[str]
    changed: dict[str, list[str]]
    tasks: list[TaskView]
    problems: list[str]
    up_to_date: bool = False  # already on the target version: nothing to do, not a refusal
    changes: tuple[str, ...] = ()  # what the new version changes, in the process owner's words (Messages)

    def to_json(self) -> dict[str, Any]:
        """The documented JSON of one instance in `sop migrate --json`."""
        return {"instance": self.instance, "process": self.process, "from": self.from_version,
                "to": self.to_version, "migrated": self.migrated, "dry_run": self.dry_run, "added": self.added,
                "removed": self.removed, "changed": self.changed, "tasks": [t.to_json() for t in self.tasks],
                "problems": self.problems, "up_to_date": self.up_to_date, "changes": list(self.changes)}


def process_versions(context: EngineContext) -> tuple[list[VersionInfo], list[str]]:
    """Every version the store has pinned plus the ones the definitions folder holds now."""
    catalog = context.catalog()
    current = {d.process_id: d.version for d in catalog.definitions}
    out = [VersionInfo(v.process_id, v.version, v.created_at, v.running, v.instances,
                       current.get(v.process_id) == v.version) for v in context.store(optional=True).list_versions()]
    known = {v.version for v in out}
    out += [VersionInfo(pid, version, None, 0, 0, True) for pid, version in current.items() if version not in known]
    return sorted(out, key=lambda v: (v.process, v.first_seen or "~")), list(catalog.problems)


class _Target(NamedTuple):
    version: str
    row: VersionRow
    spec: Spec
    bundle: dict[str, Any]


def _target(context: EngineContext, process_id: str, to: str | None) -> _Target:
    """The version to move to: a stored or current version of the process named by a hash prefix, else the current."""
    from engine.runtime.workflow import bundle_spec, spec_to_text

    catalog = context.catalog()
    current = next((d for d in catalog.definitions if d.process_id == process_id), None)
    if to is None:
        if current is None:
            catalog.get(process_id)  # raises the NotFound/ambiguity error with what exists
            raise NoProcessError("No process '{process_id}' in the definitions", process_id=process_id)
        wanted = current.version
    else:
        wanted = to.strip().lower()
        if len(wanted) < MIN_PREFIX:
            raise EngineError("--to {to!r} is too short; give at least {min_prefix} characters of the version hash",
                              to=to, min_prefix=MIN_PREFIX)
    stored = [v for v in context.store().list_versions() if v.process_id == process_id]
    hashes = {v.version for v in stored} | ({current.version} if current else set())
    matches = sorted(h for h in hashes if h.startswith(wanted))
    if len(matches) != 1:
        listing = ", ".join(sorted(h[:12] for h in hashes)) or N_("none")
        what = N_("several versions") if matches else N_("no version")
        raise NotFoundError("Process '{process_id}' has {what} starting with '{wanted}'; versions: {listing}",
                            process_id=process_id, what=what, wanted=wanted[:12], listing=listing)
    version = matches[0]
    row = context.store().get_version(version)
    if row is not None:
        return _Target(version, row, context.pinned.spec(version, row.spec), context.pinned.bundle(row))
    assert current is not None
    spec = bundle_spec(current.bundle, current.file)
    context.pinned.keep_spec(version, spec)
    row = VersionRow(version, process_id, current.name, canonical_json(current.bundle), spec_to_text(spec),
                     context.clock())
    return _Target(version, row, spec, current.bundle)


def migrate(context: EngineContext, instance: int, *, to: str | None = None, dry_run: bool = False) -> MigrationResult:
    """Move a running instance to another version when SpiffWorkflow's diff says it is safe; refuse with reasons."""
    row = context.instance_row(instance)
    target = _target(context, row.process_id, to)
    if dry_run:
        return _move(context, row, target, dry_run=True)
    with context.store().transaction() as tx:
        locked = tx.lock_instance(instance)
        assert locked is not None
        return _move(context, locked, target, dry_run=False, tx=tx)


def migrate_all(context: EngineContext, from_version: str, *, to: str | None,
                dry_run: bool) -> list[MigrationResult]:
    """Move every running instance of a version; each moves (or is refused) on its own."""
    wanted = from_version.strip().lower()
    if len(wanted) < MIN_PREFIX:
        raise EngineError("--all-from {from_version!r} is too short; give at least {min_prefix} characters",
                          from_version=from_version, min_prefix=MIN_PREFIX)
    versions = {r.version for r in context.store().list_instances("running") if r.version.startswith(wanted)}
    if len(versions) > 1:
        raise NotFoundError("--all-from '{wanted}' names several versions; give more of the hash", wanted=wanted)
    results = []
    for row in context.store().list_instances("running"):
        if row.version in versions:
            try:
                results.append(migrate(context, row.id, to=to, dry_run=dry_run))
            except EngineError as exc:
                refused = getattr(exc, "result", None)
                problems = [str(exc)] if refused is None else refused.problems
                results.append(MigrationResult(row.id, row.process_id, row.version, to or "", False, dry_run, [], [],
                                               {}, [], problems) if refused is None else refused)
    return results


def _move(context: EngineContext, row: InstanceRow, target: _Target, dry_run: bool, tx: Any = None) -> MigrationResult:
    from engine.runtime.migration import MigrationError, move_to_spec, plan_migration
    from engine.runtime.workflow import ready_user_tasks, state_from_bytes
    from engine.service.schedule import retimed_steps

    def result(migrated: bool, tasks: list[TaskView], problems: list[str]) -> MigrationResult:
        return MigrationResult(row.id, row.process_id, row.version, target.version, migrated, dry_run, plan.added,
                               plan.removed, plan.changed, tasks, problems, changes=plan.words)

    if row.status != "running":
        raise TaskStateError("Instance {instance} is {status}; only running instances move to another version",
                             instance=row.id, status=row.status)
    reader = tx if tx is not None else context.store()
    old = context.pinned.of(row, reader.get_version)
    workflow = state_from_bytes(row.state, context.pinned.spec(row.version, old.spec))
    if row.version == target.version:
        return MigrationResult(row.id, row.process_id, row.version, target.version, False, dry_run, [], [], {}, [],
                               [], up_to_date=True)
    old_forms = context.pinned.bundle(old)["forms"]
    plan = plan_migration(workflow, target.spec, old_forms, target.bundle["forms"])
    plan = plan._replace(words=(*plan.words, *_shared_form_words(context, row.process_id, old_forms,
                                                                  target.bundle["forms"])))
    if plan.problems:
        refused = result(False, [], plan.problems)
        if dry_run:
            return refused
        error = MigrationError(
            "Instance {instance} cannot move from version {version} to {target_version}; "
            "nothing was changed", plan.problems,
            instance=row.id, version=row.version[:12], target_version=target.version[:12])
        error.result = refused  # type: ignore[attr-defined]
        raise error
    move_to_spec(workflow, target.spec)
    now = context.clock()
    before = reader.ready_tasks(row.id)
    stranded = N_("Moving instance {instance} to version {version} would leave it", instance=row.id,
                  version=target.version[:12])
    if dry_run:
        return result(False, preview(row, workflow, before, now, stranded, clock=context.work_clock()), [])
    if tx.get_version(target.version) is None:
        tx.put_version(target.row)
    # Ready rows keep their since; a ready step whose Mutu Baku changed is due by the new one from that since;
    # tasks the new version makes ready get theirs.
    change = Change(context.operator, context.operator, now, context.work_clock(), before, retime=True)
    moved: dict[str, Any] = {"from": row.version, "to": target.version}
    retimed = retimed_steps(change.clock, row, ready_user_tasks(workflow), before)
    if retimed:  # the audited record says which due times the move changed
        moved["retimed"] = retimed
    done = advance(tx, row, workflow, [Happened("instance-migrated", None, None, moved)],
                   change, stranded=stranded, version=target.version)
    return result(True, done.ready, [])


class MigrationPlanWords(NamedTuple):
    """A migration plan as people read it: sentences (Messages: translate them where they are shown) and counts."""

    sentences: list[str]
    requests: int  # running requests the plan is about
    movable: int  # of which the move is safe
    refused: int  # of which the move is refused (each refusal is one sentence)
    at_step: dict[str, int]  # ready step's name -> how many of the requests are there


def process_migration_plan(context: EngineContext, process_id: str, *, to: str | None = None) -> MigrationPlanWords:
    """What moving every running request of a process to a version (default: the folder's) would do, in words; a
    dry run: nothing changes. A request that cannot be compared is one refused sentence, the others still count."""
    results = []
    for row in context.store(optional=True).list_instances("running", process_id):
        try:
            results.append(migrate(context, row.id, to=to, dry_run=True))
        except EngineError as exc:
            results.append(MigrationResult(row.id, row.process_id, row.version, to or "", False, True, [], [], {},
                                           [], [str(exc)]))
    return migration_plan_words(results)


def migration_plan_words(results: list[MigrationResult]) -> MigrationPlanWords:
    """What moving these requests means, in words: what the new version changes (once), how many requests are at
    which step, and why any cannot move ("2 requests are at step 'Periksa'; new step 'Verifikasi' added after
    'Periksa'; request 3 cannot move: ...")."""
    pending = [r for r in results if not r.up_to_date]
    changes = list(dict.fromkeys(c for r in pending for c in r.changes))
    at_step: dict[str, int] = {}
    for r in pending:
        if not r.problems:
            for name in dict.fromkeys(t.name for t in r.tasks):
                at_step[name] = at_step.get(name, 0) + 1
    sentences = [N_("{count} request(s) at step '{name}'", count=n, name=name) for name, n in at_step.items()]
    sentences += changes
    refused = [r for r in pending if r.problems]
    for r in refused:
        sentences.append(N_("request {instance} cannot move: {why}", instance=r.instance,
                            why="; ".join(str(p) for p in r.problems)))
    if not pending:
        sentences.append(N_("every request is already on this version; nothing to move"))
    return MigrationPlanWords(sentences, len(pending), len(pending) - len(refused), len(refused), at_step)


class FormChange(NamedTuple):
    """A form whose text differs from the one the newest pinned versions hold, and the SOPs it gives a new
    version (by name)."""

    form: str  # the form's file (for the JSON of lint; never on a page)
    title: str  # the form's title as people read it
    processes: list[str]

    def words(self) -> str:
        """The change in a sentence (a Message)."""
        return N_("the form '{title}' changed; it makes a new version of {count} SOP(s): {names}",
                  title=self.title, count=len(self.processes), names=", ".join(self.processes))


def form_title(name: str, text: str | None) -> str:
    """A form's title (its file name without .schema.json when it has none)."""
    import json

    try:
        schema = json.loads(text or "{}")
    except ValueError:
        schema = {}
    title = schema.get("title") if isinstance(schema, dict) else None
    return str(title) if title else name.removesuffix(".json").removesuffix(".schema")


def form_changes(context: EngineContext) -> list[FormChange]:
    """Each form the definitions folder holds in another text than the newest pinned version of a process that
    binds it, with every SOP (by name) whose current version differs from its pinned one because of it."""
    store = context.store(optional=True)
    newest: dict[str, str] = {}
    for v in store.list_versions():  # by process and first use: the last one of a process is its newest
        newest[v.process_id] = v.version
    changed: dict[str, list[str]] = {}
    titles: dict[str, str] = {}
    for d in context.catalog().definitions:
        pinned = newest.get(d.process_id)
        row = store.get_version(pinned) if pinned and pinned != d.version else None
        if row is None:
            continue
        old_forms = context.pinned.bundle(row)["forms"]
        for name, text in d.bundle["forms"].items():
            if name in old_forms and old_forms[name] != text and not name.endswith(".uischema.json"):
                changed.setdefault(name, []).append(d.name)
                titles[name] = form_title(name, text)
    return [FormChange(name, titles[name], sorted(names)) for name, names in sorted(changed.items())]


def _shared_form_words(context: EngineContext, process_id: str, old_forms: dict[str, str],
                       new_forms: dict[str, str]) -> list[str]:
    """For each form this move changes that other SOPs bind too: the SOPs whose new version it also makes."""
    out = []
    for name, text in sorted(new_forms.items()):
        if name in old_forms and old_forms[name] != text and not name.endswith(".uischema.json"):
            others = sorted(d.name for d in context.catalog().definitions
                            if d.process_id != process_id and name in d.bundle["forms"])
            if others:
                out.append(N_("the form '{title}' changed; it also makes a new version of {names}",
                              title=form_title(name, text), names=", ".join(others)))
    return out
