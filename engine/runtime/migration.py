"""Moving a running workflow onto another version of its process, with SpiffWorkflow's spec diff deciding safety."""

from __future__ import annotations

from typing import Any, NamedTuple

from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.util.diff import SpecDiff, WorkflowDiff, migrate_workflow
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.util.task import TaskState

from engine.bpmn.tasks import FORM_PROPERTY
from engine.common.errors import EngineError
from engine.common.i18n import N_
from engine.runtime.workflow import Spec, run_engine

_REGISTRY = BpmnWorkflowSerializer.configure(SPIFF_CONFIG)
_DONE = TaskState.COMPLETED | TaskState.STARTED | TaskState.ERROR | TaskState.CANCELLED


class MigrationError(EngineError):
    """A move to another version that is not safe; problems lists every reason."""


class MigrationPlan(NamedTuple):
    """What a move changes (BPMN ids) and, when it is unsafe, why."""

    added: list[str]
    removed: list[str]
    changed: dict[str, list[str]]
    problems: list[str]
    words: tuple[str, ...] = ()  # what the new version changes, in sentences (Messages)


def _name(spec: Any) -> str:
    return str(getattr(spec, "bpmn_id", None) or spec.name)


def _form(spec: Any) -> str | None:
    props = spec.extensions.get("properties", {}) if hasattr(spec, "extensions") else {}
    form: str | None = props.get(FORM_PROPERTY)
    return form


# What a completed step may change and stay the same step (its identity is its id, its form and its flows): its
# name, documentation, type description and its other properties (sla, output, instructions...). DI is no part
# of a spec.
_COSMETIC = frozenset({"bpmn_name", "documentation", "description"})


def _identity_changes(old: Any, new: Any, changed: list[str]) -> list[str]:
    """The changed attributes of a completed step's spec that make it another step."""
    if new is None:
        return changed
    return [attr for attr in changed
            if attr not in _COSMETIC and not (attr == "extensions" and _form(old) == _form(new))]


def _diff(workflow: Any, new: Spec) -> tuple[Any, Any]:
    try:
        spec_diff = SpecDiff(_REGISTRY, workflow.spec, new.process)
        return spec_diff, WorkflowDiff(workflow, spec_diff)
    except Exception as exc:  # SpiffWorkflow 3.2's diff raises plain errors on shapes it cannot align
        raise MigrationError("SpiffWorkflow cannot compare the two versions ({exc_type}: {exc}); "
                             "finish the instance on its version", exc_type=type(exc).__name__, exc=exc) from None


def plan_migration(workflow: Any, new: Spec, old_forms: dict[str, str], new_forms: dict[str, str]) -> MigrationPlan:
    """Diff the workflow against the new spec: safe when no completed or started task changed or went away and
    every ready task still exists with the same form (file name and content). Problems and changes are said in the
    process owner's words (steps by name, forms by their fields' titles)."""
    from engine.runtime.migration_words import (
        added_words,
        changed_words,
        form_words,
        is_step,
        meaningful,
        removed_words,
        state_words,
        step_name,
    )

    spec_diff, diff = _diff(workflow, new)
    problems: list[str] = []
    if workflow.subprocesses:
        problems.append(N_("the request runs subprocesses, which sop does not move"))
    for task in diff.removed:
        if task.state & (_DONE | TaskState.READY | TaskState.WAITING):
            problems.append(N_("step '{name}' is {state} and the new version removes it",
                               name=step_name(task.task_spec), state=state_words(TaskState.get_name(task.state))))
    for task in diff.changed:
        if task.state & _DONE and task not in diff.removed:
            aligned = spec_diff.alignment.get(task.task_spec)
            changes = _identity_changes(task.task_spec, aligned, spec_diff.changed[task.task_spec])
            if not changes:
                continue
            said = changed_words(task.task_spec, aligned, changes, old_forms, new_forms) or [
                N_("the flow around '{name}' changed", name=step_name(task.task_spec))]
            problems.append(N_("step '{name}' is {state} and the new version changes it: {what}",
                               name=step_name(task.task_spec), state=state_words(TaskState.get_name(task.state)),
                               what="; ".join(said)))
    for task in workflow.get_tasks(state=TaskState.READY, manual=True):
        aligned = diff.alignment.get(task)
        if aligned is None:
            continue
        before, after = _form(task.task_spec), _form(aligned)
        if before != after or old_forms.get(before or "") != new_forms.get(after or ""):
            what = "; ".join(form_words(step_name(aligned), before, after, old_forms, new_forms))
            problems.append(N_("step '{name}' is waiting to be done and the new version changes its form ({what}); "
                               "finish the step first", name=step_name(task.task_spec), what=what))
    added = sorted(_name(s) for s in spec_diff.added if getattr(s, "bpmn_id", None))
    removed = sorted(_name(s) for s in spec_diff.removed if getattr(s, "bpmn_id", None))
    changed = {_name(s): kept for s, attrs in spec_diff.changed.items() if getattr(s, "bpmn_id", None)
               and (kept := meaningful(s, spec_diff.alignment.get(s), attrs))}
    words = [added_words(s) for s in spec_diff.added if is_step(s)]
    words += [removed_words(s) for s in spec_diff.removed if is_step(s)]
    for spec, attrs in spec_diff.changed.items():
        if is_step(spec):
            words += changed_words(spec, spec_diff.alignment.get(spec), attrs, old_forms, new_forms,
                                   flows=not (added or removed))
    for spec in new.process.task_specs.values():  # a form file whose text changed leaves the spec as it was
        form = _form(spec) if is_step(spec) else None
        if form and form in old_forms and old_forms.get(form) != new_forms.get(form):
            words += form_words(step_name(spec), form, form, old_forms, new_forms)
    return MigrationPlan(added, removed, dict(sorted(changed.items())), problems, tuple(dict.fromkeys(words)))


def move_to_spec(workflow: Any, new: Spec) -> None:
    """Move a loaded workflow onto a new spec and run its engine steps: the one act an `instance-migrated` event
    records, so replaying that event repeats exactly this."""
    _, diff = _diff(workflow, new)
    if diff.removed and any(t.id in workflow.tasks and t.state & ~TaskState.PREDICTED_MASK for t in diff.removed):
        names = ", ".join(sorted({_name(t.task_spec) for t in diff.removed}))
        raise MigrationError("Cannot move the workflow: the new version lacks steps it has reached ({names})",
                             names=names)
    migrate_workflow(diff, workflow, new.process)
    workflow.subprocess_specs = new.subprocesses
    stray = {_name(t.task_spec) for t in workflow.get_tasks() if new.process.task_specs.get(t.task_spec.name)
             is not t.task_spec}
    if stray:
        raise MigrationError("Cannot move the workflow: tasks {stray} have no place in the "
                             "new version", stray=', '.join(sorted(stray)))
    run_engine(workflow)
