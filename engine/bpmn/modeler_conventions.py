"""Other modelers' conventions sop does not read (Camunda 7's and 8's extensions other than their properties, which
modeler_properties.py reads): warnings naming the equivalent sop reads, so a copied model does not silently lose
its forms."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from engine.bpmn.diagram_checks import BPMN_NS, SPIFF_NS, DiagramProblem
from engine.bpmn.tasks import FORM_PROPERTY
from engine.common.i18n import N_

CAMUNDA_NAMESPACES = frozenset({"http://camunda.org/schema/1.0/bpmn", "http://camunda.org/schema/zeebe/1.0"})
CONVENTION_RULE = "modeler-extension"
_BIND = N_("bind a JSON Schema file of the forms folder with the property {FORM_PROPERTY} (in Camunda Modeler: "
           "apply sop's element template 'Langkah SOP' and fill its Formulir field)", FORM_PROPERTY=FORM_PROPERTY)


def _split(name: str) -> tuple[str, str]:
    if name.startswith("{"):
        namespace, local = name[1:].split("}", 1)
        return namespace, local
    return "", name


def _owner(element: Any) -> tuple[str, str]:
    """The BPMN element a Camunda extension belongs to: (its kind, its id)."""
    for candidate in (element, *element.iterancestors()):
        if isinstance(candidate.tag, str) and candidate.tag.startswith(f"{{{BPMN_NS}}}") and candidate.get("id"):
            kind = _split(candidate.tag)[1]
            return kind, candidate.get("id")
    return "element", "?"


def _names(element: Any, child: str, key: str) -> str:
    found = [c.get(key) or "?" for c in element if isinstance(c.tag, str) and _split(c.tag)[1] == child]
    return ", ".join(found) or N_("none")


def convention_warnings(process: Any) -> Iterator[DiagramProblem]:
    """A warning for each Camunda form key, form, property list or listener in a process: sop reads none."""
    for element in process.iter():
        if not isinstance(element.tag, str):
            continue
        for attribute, value in element.attrib.items():
            namespace, local = _split(attribute)
            if namespace in CAMUNDA_NAMESPACES and local in ("formKey", "formRef"):
                kind, owner = _owner(element)
                yield DiagramProblem(element.sourceline, owner, CONVENTION_RULE, N_(
                    "{kind} '{owner}' names its form with camunda:{local}={value!r}, which sop does not read; {bind}",
                    kind=kind, owner=owner, local=local, value=value, bind=_BIND))
            if namespace in CAMUNDA_NAMESPACES and local in ("assignee", "candidateUsers", "candidateGroups"):
                kind, owner = _owner(element)
                yield DiagramProblem(element.sourceline, owner, CONVENTION_RULE, N_(
                    "{kind} '{owner}' names who does it with camunda:{local}={value!r}, which sop does not read; put "
                    "the step in its actor's lane (the roles file says who holds each lane)",
                    kind=kind, owner=owner, local=local, value=value))
        namespace, local = _split(element.tag)
        if namespace not in CAMUNDA_NAMESPACES:
            continue
        kind, owner = _owner(element)
        message = _message(element, local, kind, owner)
        if message:
            yield DiagramProblem(element.sourceline, owner, CONVENTION_RULE, message)


def _message(element: Any, local: str, kind: str, owner: str) -> str | None:
    if local == "properties" and _split(element.getparent().tag)[1] == "extensionElements":
        return None  # read as spiffworkflow:property (modeler_properties.py); a value given twice is an error there
    if local == "properties":
        return N_("{kind} '{owner}' has camunda:properties ({names}) inside a form field, which sop does not read; "
                  "describe the field in the step's JSON Schema form instead", kind=kind, owner=owner,
                  names=_names(element, "property", "name"))
    if local == "formData":
        return N_("{kind} '{owner}' declares its fields in camunda:formData ({names}), which sop does not read; write "
                  "the fields as a JSON Schema 2020-12 file in the forms folder and {bind}", kind=kind, owner=owner,
                  names=_names(element, "formField", "id"), bind=_BIND)
    if local in ("formDefinition", "userTaskForm"):
        return N_("{kind} '{owner}' has a zeebe:{local}, which sop does not read; {bind}", kind=kind, owner=owner,
                  local=local, bind=_BIND)
    if local in ("executionListener", "taskListener", "inputOutput", "taskDefinition", "script"):
        return N_("{kind} '{owner}' has a camunda:{local}, which sop never runs (diagrams run no code or services); "
                  "delete it, and model the work as a user task", kind=kind, owner=owner, local=local)
    return None


FORMLESS_RULE = "process-without-forms"


def formless_warning(process: Any, steps: list[Any]) -> DiagramProblem | None:
    """A warning when a process has steps and none is a user task or binds a form (bpmn.io draws plain tasks and
    sets no properties): every step would be completed with no artefact, which an SOP with Kelengkapan never
    means. A user task without a form is form-missing already."""
    if not steps or any(_split(step.tag)[1] == "userTask" for step in steps) or any(
            p.get("name") == FORM_PROPERTY and p.get("value") for step in steps
            for p in step.iter(f"{{{SPIFF_NS}}}property")):
        return None
    return DiagramProblem(process.sourceline, process.get("id"), FORMLESS_RULE, N_(
        "no step of process '{process_id}' binds a form, so every step is completed with no artefact; make each "
        "step with a Kelengkapan a user task and add its {FORM_PROPERTY} property (in Camunda Modeler: apply "
        "sop's element template 'Langkah SOP' and fill its Formulir field; bpmn.io has no field for it)",
        process_id=process.get("id"), FORM_PROPERTY=FORM_PROPERTY))
