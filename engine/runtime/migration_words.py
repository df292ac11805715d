"""What a new version changes, in the process owner's words: steps added after a step, removed, renamed; a Mutu Baku
time or output changed; a form's fields added, removed or changed (by their titles, never a file name). A step whose
only change is its row number (`nomor`, after rows were inserted) is not changed."""

from __future__ import annotations

import json
from typing import Any

from engine.bpmn.tasks import FORM_PROPERTY
from engine.common.i18n import N_

STEP_TYPES = ("UserTask", "ManualTask", "NoneTask")
_STATE_WORDS = {"completed": N_("already done"), "started": N_("being done"), "error": N_("stopped by an error"),
                "cancelled": N_("cancelled"), "ready": N_("waiting to be done"), "waiting": N_("waiting")}


def is_step(spec: Any) -> bool:
    """A step people do (a user, manual or plain task), not a gateway or an event."""
    return any(cls.__name__ in STEP_TYPES for cls in type(spec).__mro__) and bool(getattr(spec, "bpmn_id", None))


def step_name(spec: Any) -> str:
    """A step's name as people read it (its id when it has none)."""
    return str(getattr(spec, "bpmn_name", None) or getattr(spec, "bpmn_id", None) or spec.name)


def state_words(state_name: str) -> str:
    """A task's state in words ("already done", "waiting to be done")."""
    return _STATE_WORDS.get(state_name.lower(), state_name.lower())


def properties(spec: Any) -> dict[str, str]:
    """The step's spiffworkflow properties (form, sla, output, nomor...)."""
    props = spec.extensions.get("properties", {}) if hasattr(spec, "extensions") else {}
    return dict(props) if isinstance(props, dict) else {}


def only_renumbered(old: Any, new: Any, changed: list[str]) -> bool:
    """True when the one difference between the two specs is the row number (`nomor`)."""
    return new is not None and not meaningful(old, new, changed)


def meaningful(old: Any, new: Any, changed: list[str]) -> list[str]:
    """The changed attributes, without `extensions` when the row number (`nomor`) is all that differs there."""
    if new is None or "extensions" not in changed:
        return list(changed)
    before, after = properties(old), properties(new)
    same = {k: v for k, v in before.items() if k != "nomor"} == {k: v for k, v in after.items() if k != "nomor"} \
        and dict(getattr(old, "extensions", {}), properties=None) == dict(getattr(new, "extensions", {}),
                                                                         properties=None)
    return [a for a in changed if a != "extensions"] if same else list(changed)


def _previous_step(spec: Any, seen: set[int] | None = None) -> Any:
    """The nearest step before a spec (across gateways and events), if any."""
    seen = seen if seen is not None else set()
    for before in getattr(spec, "inputs", []) or []:
        if id(before) in seen:
            continue
        seen.add(id(before))
        if is_step(before):
            return before
        found = _previous_step(before, seen)
        if found is not None:
            return found
    return None


def added_words(spec: Any) -> str:
    """A step the new version adds, and after which step."""
    before = _previous_step(spec)
    if before is None:
        return N_("new step '{name}' added", name=step_name(spec))
    return N_("new step '{name}' added after '{before}'", name=step_name(spec), before=step_name(before))


def removed_words(spec: Any) -> str:
    """A step the new version removes."""
    return N_("step '{name}' removed", name=step_name(spec))


def changed_words(old: Any, new: Any, changed: list[str], old_forms: dict[str, str],
                  new_forms: dict[str, str], *, flows: bool = True) -> list[str]:
    """What changed in one step, each in a sentence; nothing for a step only renumbered. flows=False leaves out
    changed flows (a step added or removed beside it already says so)."""
    if new is None or only_renumbered(old, new, changed):
        return []
    name = step_name(new)
    out: list[str] = []
    if step_name(old) != name:
        out.append(N_("step '{old}' is now called '{new}'", old=step_name(old), new=name))
    before, after = properties(old), properties(new)
    if before.get("sla") != after.get("sla"):
        from engine.definitions.artefact_view import duration_words

        out.append(N_("Mutu Baku time of '{name}': {old} -> {new}", name=name, old=duration_words(before.get("sla")),
                      new=duration_words(after.get("sla"))))
    for key, words in (("output", N_("Mutu Baku output")), ("kelengkapan", N_("Mutu Baku kelengkapan"))):
        if before.get(key) != after.get(key):
            out.append(N_("{what} of '{name}': {old} -> {new}", what=words, name=name, old=before.get(key) or "-",
                          new=after.get(key) or "-"))
    out += form_words(name, before.get(FORM_PROPERTY), after.get(FORM_PROPERTY), old_forms, new_forms)
    if before.get("check") != after.get("check") or before.get("checkMessage") != after.get("checkMessage"):
        out.append(N_("the check of '{name}' changed", name=name))
    if flows and ("outputs" in changed or "inputs" in changed):
        out.append(N_("the flow around '{name}' changed", name=name))
    if type(old) is not type(new):
        out.append(N_("step '{name}' is now another kind of step", name=name))
    return out


def form_words(name: str, old_form: str | None, new_form: str | None, old_forms: dict[str, str],
               new_forms: dict[str, str]) -> list[str]:
    """A step's form change in words: its fields added, removed or changed, by title (never a file name)."""
    old_text, new_text = old_forms.get(old_form or ""), new_forms.get(new_form or "")
    if old_form == new_form and old_text == new_text:
        return []
    if not old_form or not new_form:
        return [N_("step '{name}' now records a form", name=name) if new_form else
                N_("step '{name}' no longer records a form", name=name)]
    if old_text == new_text:
        return [N_("step '{name}' records another form, with the same fields", name=name)]
    old_fields, new_fields = _fields(old_text), _fields(new_text)
    out = []
    added = [title for key, (title, _) in new_fields.items() if key not in old_fields]
    removed = [title for key, (title, _) in old_fields.items() if key not in new_fields]
    changed = [title for key, (title, schema) in new_fields.items() if key in old_fields and
               old_fields[key][1] != schema]
    def listed(titles: list[str]) -> str:
        return ", ".join(f"'{t}'" for t in titles)

    if added:
        out.append(N_("the form of '{name}' changed: new fields {fields}", name=name, fields=listed(added)))
    if removed:
        out.append(N_("the form of '{name}' changed: fields removed {fields}", name=name, fields=listed(removed)))
    if changed:
        out.append(N_("the form of '{name}' changed: fields changed {fields}", name=name, fields=listed(changed)))
    return out or [N_("the form of '{name}' changed (its titles, help or rules)", name=name)]


def _fields(text: str | None) -> dict[str, tuple[str, str]]:
    """A form's top-level fields: key -> (title, its schema as canonical text)."""
    try:
        schema = json.loads(text or "{}")
    except ValueError:
        return {}
    props = schema.get("properties") if isinstance(schema, dict) else None
    if not isinstance(props, dict):
        return {}
    return {key: (str(value.get("title") or key) if isinstance(value, dict) else key,
                  json.dumps(value, sort_keys=True)) for key, value in props.items()}
