"""An instance's title (its subject): the process's YAML page names it as a template of its steps' fields, e.g.
`judul: "{StepId.subject} ({StepId.sender.office})"`; lint and loading check that each
field is one of that step's form, and the engine fills the title when the step is done."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from engine.bpmn.diagram_checks import SPIFF_NS
from engine.bpmn.tasks import FORM_PROPERTY
from engine.common.i18n import N_
from engine.definitions.rules import step_elements

TITLE_KEY = "judul"
TITLE_RULE = "title-invalid"
MAX_TITLE = 200  # characters of a title as lists show it
_FIELD = re.compile(r"\{([^{}]*)\}")


def title_fields(template: str) -> list[tuple[str, tuple[str, ...]]]:
    """The (step, path) of each `{Step.field.subfield}` of a title template."""
    found = []
    for field in _FIELD.findall(template):
        step, _, path = field.strip().partition(".")
        found.append((step, tuple(path.split(".")) if path else ()))
    return found


def step_forms(process: Any, read: Callable[[str], str | None]) -> dict[str, tuple[str, dict[str, Any] | None]]:
    """Each step of a process with the name of its form and the form's schema (None when it has no readable one)."""
    found: dict[str, tuple[str, dict[str, Any] | None]] = {}
    for task in step_elements(process):
        name = next((p.get("value", "") for p in task.iter(f"{{{SPIFF_NS}}}property")
                     if p.get("name") == FORM_PROPERTY), "")
        schema = None
        if name:
            try:
                text = read(name)
                schema = json.loads(text) if text else None
            except (OSError, UnicodeDecodeError, ValueError):
                schema = None
        found[task.get("id", "")] = (name, schema if isinstance(schema, dict) else None)
    return found


def title_problems(template: Any, forms: dict[str, tuple[str, dict[str, Any] | None]]) -> list[str]:
    """What is wrong with a page's title template: each field must name a step with a form and a text, number or
    choice field of that form (nested fields by dots)."""
    if not isinstance(template, str) or not _FIELD.search(template):
        return [N_("{key} must be text naming a step's fields, e.g. \"{{StepId.field}}\"", key=TITLE_KEY)]
    problems = []
    for step, path in title_fields(template):
        shown = ".".join((step, *path))
        if step not in forms:
            problems.append(N_("{key} names {{{shown}}}, but the process has no step '{step}'; steps: {steps}",
                               key=TITLE_KEY, shown=shown, step=step, steps=", ".join(sorted(forms)) or N_("none")))
            continue
        form, schema = forms[step]
        if schema is None or not path:
            problems.append(N_("{key} names {{{shown}}}: give a field of step '{step}''s form, e.g. "
                               "{{{step}.FIELD}}", key=TITLE_KEY, shown=shown, step=step))
            continue
        problem = _path_problem(schema, path)
        if problem is not None:
            problems.append(N_("{key} names {{{shown}}}, but '{part}' is no field of step '{step}''s form {form}; its "
                               "fields: {fields}", key=TITLE_KEY, shown=shown, part=problem[0], step=step, form=form,
                               fields=", ".join(problem[1]) or N_("none")))
    return problems


def _path_problem(schema: dict[str, Any], path: tuple[str, ...]) -> tuple[str, list[str]] | None:
    """The first part of a path that is not a field (with the fields there), or None when the path holds a value."""
    node: Any = schema
    for part in path:
        properties = node.get("properties") if isinstance(node, dict) else None
        if not isinstance(properties, dict) or part not in properties:
            return part, sorted(properties) if isinstance(properties, dict) else []
        node = properties[part]
    if isinstance(node, dict) and node.get("type") in ("object", "array"):
        return path[-1], sorted(node.get("properties", {})) if node.get("type") == "object" else []
    return None


def title_findings(template: Any, page_text: str, process: Any, read: Callable[[str], str | None]) -> list[Any]:
    """The title template's problems as rule findings (the page's line of the key), for loading and `sop lint`."""
    from engine.definitions.rules import ERROR, Finding

    line = template_line(page_text)
    return [Finding(ERROR, line, process.get("id", ""), TITLE_RULE, problem)
            for problem in title_problems(template, step_forms(process, read))]


def template_line(text: str) -> int | None:
    """The line of the page's title key, for messages."""
    for number, line in enumerate(text.splitlines(), 1):
        if re.match(rf"{TITLE_KEY}\s*:", line):
            return number
    return None


def render_title(template: str, artefacts: dict[str, Any]) -> str:
    """The title a template gives for an instance's artefacts (by step id); '' until every step it names is
    done."""
    fields = title_fields(template)
    if any(not isinstance(artefacts.get(step), dict) for step, _ in fields):
        return ""

    def value(match: re.Match[str]) -> str:
        step, _, path = match.group(1).strip().partition(".")
        node: Any = artefacts.get(step)
        for part in path.split(".") if path else ():
            node = node.get(part) if isinstance(node, dict) else None
        if node is None or isinstance(node, dict | list):
            return ""
        if isinstance(node, bool):
            return "Ya" if node else "Tidak"
        return str(node)

    text = " ".join(_FIELD.sub(value, template).split())
    return text[:MAX_TITLE]


def page_template(bundle: dict[str, Any]) -> str | None:
    """The title template of a definition bundle's pinned YAML page, or None."""
    from engine.common.errors import EngineError
    from engine.common.yamlio import parse_yaml

    page = bundle.get("yaml") if isinstance(bundle, dict) else None
    if not isinstance(page, dict) or not isinstance(page.get("text"), str):
        return None
    try:
        parsed = parse_yaml(page["text"], str(page.get("file", "page")))
    except EngineError:
        return None
    template = parsed.get(TITLE_KEY) if isinstance(parsed, dict) else None
    return template if isinstance(template, str) else None
