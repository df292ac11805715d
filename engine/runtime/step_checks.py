"""Rules a step must pass before anything is saved: start data keys, the step's `check`, no stranded instance."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from engine.common.errors import EngineError, ValidationError

if TYPE_CHECKING:
    from collections.abc import Sequence

    from engine.definitions.version import Definition


def check_start_data(definition: Definition, data: dict[str, Any]) -> None:
    """Start data keys become names conditions read: identifiers, no step id, no constant or function name."""
    import keyword

    from engine.common.expressions import RESERVED_NAMES

    step_ids = {s.bpmn_id for s in definition.steps}
    for key in data:
        if not isinstance(key, str) or not key.isidentifier() or key.startswith("_"):
            raise ValidationError(
                "Start data key {key!r} is not a valid data key; use letters, digits and _ (not leading)", key=key
            )
        if key in RESERVED_NAMES or keyword.iskeyword(key):
            raise ValidationError(
                "Start data key '{key}' is a name conditions read as a constant or function "
                "({reserved_names}); choose another key; nothing was saved",
                key=key, reserved_names=', '.join(sorted(RESERVED_NAMES))
            )
        if key in step_ids:
            raise ValidationError(
                "Start data key '{key}' is the id of a step of {process_id}; the step's artefact is "
                "stored under it when the step completes, so choose another key",
                key=key, process_id=definition.process_id
            )
    if definition.start_form:  # the start event's form validates the start data
        from engine.common.i18n import N_
        from engine.definitions.forms import compile_form

        forms = definition.bundle["forms"]
        form = compile_form(forms[definition.start_form], definition.start_form, forms)
        form.validate(data, N_("Start data (form {start_form})", start_form=definition.start_form))
    missing = [name for name in definition.start_data if name not in data]
    if missing:
        names = ", ".join(f"'{name}'" for name in missing)
        raise ValidationError(
            "Start data lacks {names}, which process {process_id} declares in its startData (its "
            "conditions read them); give them with --data FILE; nothing was saved",
            names=names, process_id=definition.process_id
        )


def check_not_stranded(status: str, ready: Sequence[object], what: str) -> None:
    """A running instance must have a ready step or a timer it waits on (ready: its ready user tasks, else the
    timers its flow waits on), or it waits for ever."""
    if status == "running" and not ready:
        raise EngineError(
            "{what} running with no step ready (the diagram waits for something sop cannot do); "
            "nothing was saved. Fix the diagram", what=what
        )


def check_step(what: str, props: dict[str, str], upstream: dict[str, Any], task: str, data: dict[str, Any]) -> None:
    """A step's `check` property: a restricted expression over the artefacts so far that must hold."""
    check = props.get("check")
    if not check:
        return
    from engine.common.errors import ExpressionError
    from engine.common.expressions import evaluate

    names = {**upstream, task: data}
    try:
        ok = evaluate(check, names)
    except ExpressionError as exc:
        raise ValidationError("{what}: its check could not be evaluated ({exc}); nothing was saved",
                              what=what, exc=exc) from None
    if not ok:
        reason = props.get("checkMessage") or f"the check {check!r} does not hold"
        raise ValidationError("{what}: {reason}; nothing was saved", what=what, reason=reason)
