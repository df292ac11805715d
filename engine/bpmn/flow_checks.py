"""Rules over a process's flow: reachability, what conditions read upstream, gateways covering every choice."""

from __future__ import annotations

import ast
import itertools
from collections.abc import Iterator
from typing import Any

from engine.bpmn.diagram_checks import BPMN_NS, SPIFF_NS, tag
from engine.common.errors import ExpressionError
from engine.common.expressions import evaluate, parse_expression
from engine.common.i18n import N_

# Children of a process that are not nodes of its flow (artifacts such as bpmn-js's groups, and descriptions).
_NOT_NODES = {"sequenceFlow", "laneSet", "extensionElements", "documentation", "dataObject", "dataObjectReference",
              "dataStoreReference", "textAnnotation", "association", "ioSpecification", "property", "group",
              "auditing", "monitoring", "resourceRole", "performer", "humanPerformer", "potentialOwner",
              "correlationSubscription", "supports", "dataInputAssociation", "dataOutputAssociation",
              "standardLoopCharacteristics", "multiInstanceLoopCharacteristics", ""}
_MAX_COMBINATIONS = 10_000

Found = tuple[int | None, str | None, str, str]


class FlowGraph:
    """The flow nodes of a process and of the embedded subprocesses in it, and its sequence flows (a boundary event
    follows the activity it sits on; a subprocess leads into its start event, and what comes after it follows
    every step inside it)."""

    def __init__(self, process: Any) -> None:
        self.nodes: dict[str, Any] = {}
        self.outgoing: dict[str, set[str]] = {}
        self.incoming: dict[str, set[str]] = {}
        self.inside: dict[str, set[str]] = {}  # subprocess id -> every node inside it (at any depth)
        self.enclosing: dict[str, str] = {}  # node id -> the subprocess it is drawn in
        self.starts: set[str] = set()  # the process's own start events (not a subprocess's)
        self._enter: dict[str, set[str]] = {}  # subprocess -> its start events
        self._add_nodes(process, None)
        for element in process.iter(f"{{{BPMN_NS}}}sequenceFlow"):
            self._edge(element.get("sourceRef"), element.get("targetRef"))
        for element in process.iter(f"{{{BPMN_NS}}}boundaryEvent"):
            self._edge(element.get("attachedToRef"), element.get("id"))

    def _add_nodes(self, container: Any, owner: str | None) -> None:
        for element in container:
            name = tag(element)
            node_id = element.get("id")
            if name in _NOT_NODES or not node_id:
                continue
            self.nodes[node_id] = element
            if owner is None and name == "startEvent":
                self.starts.add(node_id)
            if owner is not None:
                self.enclosing[node_id] = owner
                if name == "startEvent":
                    self._enter.setdefault(owner, set()).add(node_id)
            if name == "subProcess":
                self._add_nodes(element, node_id)
        for node_id, owner in self.enclosing.items():
            for outer in self._owners(owner):
                self.inside.setdefault(outer, set()).add(node_id)

    def _owners(self, node: str | None) -> list[str]:
        out = []
        while node is not None:
            out.append(node)
            node = self.enclosing.get(node)
        return out

    def _edge(self, source: str | None, target: str | None) -> None:
        if source in self.nodes and target in self.nodes:
            self.outgoing.setdefault(source, set()).add(target)
            self.incoming.setdefault(target, set()).add(source)

    def _walk(self, starts: set[str], *edges: dict[str, set[str]]) -> set[str]:
        seen, todo = set(starts), list(starts)
        while todo:
            node = todo.pop()
            for nxt in (n for edge in edges for n in edge.get(node, ())):
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        return seen

    def upstream(self, node: str) -> set[str]:
        """The nodes some path runs through before reaching this one (inside a subprocess: also what comes before
        the subprocess; after one: every node inside it)."""
        entered = {start: {sub} for sub, starts in self._enter.items() for start in starts}
        found = self._walk(self.incoming.get(node, set()) | entered.get(node, set()), self.incoming, entered)
        around = set(self._owners(self.enclosing.get(node)))
        for sub in [n for n in found if n in self.inside and n not in around]:
            found |= self.inside[sub]
        return found

    def _said_elsewhere(self) -> set[str]:
        """Nodes whose flow another rule already refuses (one message per problem): an event subprocess and a
        subprocess without one start event (and all inside them), compensation handlers and their boundary events,
        which BPMN connects by association, not by flow."""
        said: set[str] = set()
        for node_id, element in self.nodes.items():
            starts = [c for c in element if tag(c) == "startEvent"]
            compensation = element.get("isForCompensation") == "true" or any(
                tag(c) == "compensateEventDefinition" for c in element)
            if compensation or (tag(element) == "subProcess" and (
                    element.get("triggeredByEvent") == "true" or len(starts) != 1)):
                said |= {node_id} | (self.inside.get(node_id, set()) if tag(element) == "subProcess" else set())
        return said

    def problems(self) -> Iterator[Found]:
        """Elements no start event reaches, and elements from which no end event of their own process or
        subprocess can be reached."""
        kinds = {node_id: tag(element) for node_id, element in self.nodes.items()}
        reached = self._walk(self.starts, self.outgoing, self._enter)
        ending = self._walk({n for n, k in kinds.items() if k == "endEvent"}, self.incoming)
        said = self._said_elsewhere()
        for node_id, element in self.nodes.items():
            if node_id in said:
                continue
            if node_id not in reached:
                yield (element.sourceline, node_id, "unreachable", N_(
                    "{kind} '{node_id}' cannot be reached from a start event; connect it or remove it",
                    kind=kinds[node_id], node_id=node_id))
            elif node_id not in ending:
                yield (element.sourceline, node_id, "dead-end", N_(
                    "{kind} '{node_id}' is on a path that never reaches an end event; connect it to the rest of the "
                    "flow or to an end event", kind=kinds[node_id], node_id=node_id))


def _reads(text: str) -> list[tuple[str, Any]]:
    """The (step, key) pairs an expression reads as step["key"] (key None when not a constant)."""
    try:
        tree = parse_expression(text)
    except ExpressionError:
        return []
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name):
            key = node.slice.value if isinstance(node.slice, ast.Constant) else None
            out.append((node.value.id, key))
    return out


def expressions_of(process: Any, graph: FlowGraph) -> Iterator[tuple[Any, str, str, set[str], bool]]:
    """(element, owner id, text, steps upstream of where it is evaluated, is a step check) for each expression."""
    for flow in process.iter(f"{{{BPMN_NS}}}sequenceFlow"):
        for cond in flow.iter(f"{{{BPMN_NS}}}conditionExpression"):
            source = flow.get("sourceRef", "")
            yield cond, flow.get("id", ""), (cond.text or "").strip(), graph.upstream(source) | {source}, False
    for task in graph.nodes.values():
        if tag(task) == "subProcess":
            continue  # its steps are nodes of their own; a subprocess has no condition or check of its own
        task_id = task.get("id", "")
        before = graph.upstream(task_id)
        for name in ("loopCardinality", "completionCondition", "loopCondition"):
            for expr in task.iter(f"{{{BPMN_NS}}}{name}"):
                yield expr, task_id, (expr.text or "").strip(), before | {task_id}, False
        for prop in task.iter(f"{{{SPIFF_NS}}}property"):
            if prop.get("name") == "check" and prop.get("value"):
                yield prop, task_id, prop.get("value", ""), before | {task_id}, True


def condition_problems(process: Any, graph: FlowGraph, step_ids: set[str], schemas: dict[str, dict[str, Any]],
                       start_data: frozenset[str] = frozenset()) -> Iterator[Found]:
    """A condition reading a step that does not come before it, or a field its form does not define (start data,
    given before any step, is read anywhere)."""
    for element, owner, text, before, is_check in expressions_of(process, graph):
        for step, key in dict.fromkeys(_reads(text)):
            if step in start_data:
                continue
            if step not in step_ids:
                if is_check:
                    yield (element.sourceline, owner, "condition-unknown-step", N_(
                        "task '{owner}' check {text!r} reads '{step}', which is no step of this process; use a "
                        "step's task id", owner=owner, text=text, step=step))
                continue
            if step not in before:
                yield (element.sourceline, owner, "condition-unknown-step", N_(
                    "expression {text!r} of '{owner}' reads step '{step}', which never comes before it; read a step "
                    "upstream", text=text, owner=owner, step=step))
                continue
            properties = schemas.get(step, {}).get("properties")
            if isinstance(key, str) and isinstance(properties, dict) and key not in properties:
                yield (element.sourceline, owner, "condition-unknown-field", N_(
                    "expression {text!r} of '{owner}' reads {step}[{key!r}], a field the form of '{step}' does not "
                    "define (fields: {fields}); fix the field name", text=text, owner=owner, step=step, key=key,
                    fields=", ".join(sorted(properties))))


CONDITION_SOURCE_RULE = "condition-ignored"


def ignored_condition_problems(process: Any, graph: FlowGraph) -> Iterator[Found]:
    """A condition on a flow out of anything but an exclusive or inclusive gateway: SpiffWorkflow 3.2 connects
    such flows unconditionally, so every one of them would be taken whatever the condition says."""
    for flow in process.iter(f"{{{BPMN_NS}}}sequenceFlow"):
        cond = flow.find(f"{{{BPMN_NS}}}conditionExpression")
        source = graph.nodes.get(flow.get("sourceRef", ""))
        if cond is None or not (cond.text or "").strip() or source is None:
            continue
        kind = tag(source)
        if kind not in ("exclusiveGateway", "inclusiveGateway"):
            yield (cond.sourceline, flow.get("id"), CONDITION_SOURCE_RULE, N_(
                "sequence flow '{flow_id}' out of {kind} '{source_id}' has a condition, which is never evaluated "
                "there (every flow out of it is taken); put an exclusive gateway after '{source_id}' and move the "
                "condition to the gateway's flow", flow_id=flow.get("id"), kind=kind, source_id=source.get("id")))


def choices(schema: dict[str, Any], key: Any) -> list[Any] | None:
    """Every value a form field can take when it is a choice (enum, const, boolean), else None."""
    prop = schema.get("properties", {}).get(key) if isinstance(key, str) else None
    if not isinstance(prop, dict):
        return None
    if isinstance(prop.get("enum"), list):
        return list(prop["enum"])
    if "const" in prop:
        return [prop["const"]]
    if prop.get("type") == "boolean":
        return [True, False]
    options = prop.get("oneOf") or prop.get("anyOf")
    if isinstance(options, list) and options and all(isinstance(o, dict) and "const" in o for o in options):
        return [o["const"] for o in options]
    return None


def gateway_problems(process: Any, schemas: dict[str, dict[str, Any]]) -> Iterator[tuple[Any, ...]]:
    """An exclusive or inclusive gateway with no default flow whose conditions leave some value of the choice they
    read uncovered (no way out: the step before it could not be completed)."""
    flows = list(process.iter(f"{{{BPMN_NS}}}sequenceFlow"))
    gateways = [*process.iter(f"{{{BPMN_NS}}}exclusiveGateway"), *process.iter(f"{{{BPMN_NS}}}inclusiveGateway")]
    for gateway in sorted(gateways, key=lambda g: g.sourceline or 0):
        gateway_id = gateway.get("id", "")
        outgoing = [f for f in flows if f.get("sourceRef") == gateway_id]
        default = gateway.get("default")
        if default and default not in {f.get("id") for f in outgoing} and gateway.tag.endswith("exclusiveGateway"):
            yield (gateway.sourceline, gateway_id, "flow-dangling", N_(
                "exclusive gateway '{gateway_id}' has default='{default}', which is none of its outgoing flows; "
                "pick one of them", gateway_id=gateway_id, default=default), "error")
        if default or len(outgoing) < 2:
            continue
        conditions = []
        for flow in outgoing:
            cond = flow.find(f"{{{BPMN_NS}}}conditionExpression")
            if cond is None or not (cond.text or "").strip() or not _parses(cond.text):
                break  # no condition: the default is missing, said by SpiffWorkflow; a broken one: condition-invalid
            conditions.append((cond.text or "").strip())
        else:
            yield from _coverage(gateway, conditions, schemas)


def _coverage(gateway: Any, conditions: list[str], schemas: dict[str, dict[str, Any]]) -> Iterator[tuple[Any, ...]]:
    gateway_id, line = gateway.get("id", ""), gateway.sourceline
    kind = N_("inclusive gateway") if gateway.tag.endswith("inclusiveGateway") else N_("exclusive gateway")
    reads = sorted({r for text in conditions for r in _reads(text)}, key=str)
    values = [choices(schemas.get(step, {}), key) for step, key in reads]
    if not reads or any(v is None for v in values):
        yield (line, gateway_id, "gateway-no-default", N_(
            "{kind} '{gateway_id}' has no default flow and its conditions do not read only choice fields, so sop "
            "cannot tell whether every case has a way out; add a default flow", kind=kind, gateway_id=gateway_id),
            "warning")
        return
    sizes = [len(v or []) for v in values]
    total = 1
    for size in sizes:
        total *= size
    if total > _MAX_COMBINATIONS:
        return
    uncovered = []
    for combo in itertools.product(*[v or [] for v in values]):
        data: dict[str, Any] = {}
        for (step, key), value in zip(reads, combo, strict=True):
            data.setdefault(step, {})[key] = value
        if not any(_true(text, data) for text in conditions):
            uncovered.append(", ".join(f"{s}[{k!r}] = {v!r}" for (s, k), v in zip(reads, combo, strict=True)))
    if uncovered:
        shown = "; ".join(uncovered[:5])
        if len(uncovered) > 5:
            shown = N_("{shown}; and {count} more", shown=shown, count=len(uncovered) - 5)
        yield (line, gateway_id, "gateway-uncovered", N_(
            "{kind} '{gateway_id}' has no default flow and no condition holds when {shown}; add a default flow or a "
            "condition for it", kind=kind, gateway_id=gateway_id, shown=shown), "error")


def _parses(text: str) -> bool:
    try:
        parse_expression(text)
    except ExpressionError:
        return False
    return True


def _true(text: str, data: dict[str, Any]) -> bool:
    try:
        return bool(evaluate(text, data))
    except ExpressionError:
        return False
