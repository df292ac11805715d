"""The SpiffWorkflow adapter: specs from bundles, spec-less state (de)serialization, ready tasks, completion."""

from __future__ import annotations

import json
import zlib
from dataclasses import dataclass
from typing import Any
from uuid import UUID, uuid4

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter, WorkflowConverter
from SpiffWorkflow.bpmn.serializer.workflow import VERSION as SPIFF_SERIALIZER_VERSION
from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    CycleTimerEventDefinition,
    TimeDateEventDefinition,
    TimerEventDefinition,
)
from SpiffWorkflow.bpmn.specs.mixins.events.start_event import StartEvent
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import MultiInstanceTask
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState

from engine.common.errors import DefinitionError, EngineError, ExpressionError
from engine.common.expressions import evaluate
from engine.definitions.limits import DEFAULT_COUNT_LIMIT
from engine.runtime.counts import check_count
from engine.runtime.spiff_fixes import TaskIndex  # importing it installs the fixes before any workflow is built

# Our layout (spec kept apart, zlib) and SpiffWorkflow's serializer version it wraps, so a later SpiffWorkflow
# can tell which of its migrations an old state needs.
STATE_FORMAT = f"sop-nospec-1+zlib;spiff={SPIFF_SERIALIZER_VERSION}"
# What a waiting timer holds as its fire time in SpiffWorkflow's state: never, by the wall clock. The same
# value every time, so the state does not depend on when a command ran.
NEVER = "P36500D"
PARKED = "9999-12-31T00:00:00+00:00"
PARKED_CYCLE = "R1/9999-12-30T00:00:00+00:00/P1D"  # a cycle that never comes: sop starts timer processes itself


class RestrictedEnvironment(BasePythonScriptEngineEnvironment):
    """Evaluates diagram expressions with the restricted evaluator and refuses every script."""

    def evaluate(self, expression: str, context: dict[str, Any], external_context: Any = None) -> Any:
        names = dict(external_context or {})
        names.update(context)
        return evaluate(expression, names)

    def execute(self, script: str, context: dict[str, Any], external_context: Any = None) -> bool:
        raise ExpressionError("scripts are not allowed in diagrams; model the work as a user task")

    def call_service(self, context: dict[str, Any], **kwargs: Any) -> Any:
        raise ExpressionError("service calls are not allowed in diagrams")


class _ScriptEngine(PythonScriptEngine):
    """Hands timer expressions a date SpiffWorkflow's wall clock never reaches: sop fires timers itself, from
    its own clock (engine/runtime/timers.py), and evaluates their durations with the restricted evaluator.
    A multi-instance count from data is checked against the process's limit before any instance is made."""

    def evaluate(self, task: Task, expression: str, external_context: Any = None) -> Any:
        definition = getattr(task.task_spec, "event_definition", None)
        if isinstance(definition, TimerEventDefinition):  # a date, a cycle (a start event's), or a duration
            if isinstance(definition, TimeDateEventDefinition):
                return PARKED
            return PARKED_CYCLE if isinstance(definition, CycleTimerEventDefinition) else NEVER
        value = super().evaluate(task, expression, external_context)
        if isinstance(task.task_spec, MultiInstanceTask) and expression == task.task_spec.cardinality:
            check_count(task, value, f"its loop cardinality {expression!r}")
        return value


SCRIPT_ENGINE = _ScriptEngine(environment=RestrictedEnvironment())


class _SpecLessConverter(BpmnWorkflowConverter):
    """Serializes a workflow without its spec; restores it with the spec the store already holds."""

    def to_dict(self, workflow: BpmnWorkflow) -> dict[str, Any]:
        # BpmnWorkflowConverter.to_dict (SpiffWorkflow 3.2) less its spec and subprocess specs, which it would
        # convert only for us to drop: a third of the time of saving a state.
        dct: dict[str, Any] = WorkflowConverter.to_dict(self, workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def from_dict(self, dct: dict[str, Any], spec: Any = None, subprocess_specs: Any = None) -> BpmnWorkflow:
        workflow = self.target_class(spec, subprocess_specs, deserializing=True)
        workflow.tasks = TaskIndex(self.mapping_from_dict(dct["tasks"], UUID, workflow=workflow))
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        for subprocess in workflow.subprocesses.values():  # indexed as built, so new tasks inside get derived UUIDs
            subprocess.tasks = TaskIndex(subprocess.tasks)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


_SPEC_REGISTRY = BpmnWorkflowSerializer.configure(SPIFF_CONFIG)
_STATE_REGISTRY = BpmnWorkflowSerializer.configure(SPIFF_CONFIG)
_SpecLessConverter(BpmnWorkflow, _STATE_REGISTRY)
_STATE_SERIALIZER = BpmnWorkflowSerializer(_STATE_REGISTRY, version=STATE_FORMAT)


@dataclass(frozen=True)
class Spec:
    """A parsed process spec and its subprocess specs, shared by every workflow of one version, with the most
    times data may repeat one of its steps (the YAML page's limit)."""

    process: Any
    subprocesses: dict[str, Any]
    count_limit: int = DEFAULT_COUNT_LIMIT

    def __post_init__(self) -> None:
        self.process.sop_count_limit = self.count_limit  # read by check_count from a task's workflow


def build_spec(bpmn_text: str, process_id: str, source: str, count_limit: int = DEFAULT_COUNT_LIMIT) -> Spec:
    """Parse a BPMN text with SpiffWorkflow (XSD-validated) into a Spec; refused with the rule lint names."""
    from engine.runtime.parsing import parse_process

    return Spec(*parse_process(bpmn_text, process_id, source), count_limit=count_limit)


def bundle_spec(bundle: dict[str, Any], source: str | None = None) -> Spec:
    """The Spec of a definition bundle: its BPMN, with the count limit its YAML page sets."""
    from engine.definitions.lane_units import bundle_lane_namer
    from engine.definitions.limits import count_limit

    spec = build_spec(bundle["bpmn"]["text"], bundle["process"], source or bundle["bpmn"]["file"],
                      count_limit(bundle))
    named = bundle_lane_namer(bundle)
    for process in (spec.process, *spec.subprocesses.values()):  # the page's units: `Kepala Bagian (Bidang ...)`
        for task_spec in process.task_specs.values():
            if getattr(task_spec, "lane", None):
                task_spec.lane = named(task_spec.lane)
    return spec


def spec_to_text(spec: Spec) -> str:
    """Serialize a spec alone, to be stored once per definition version."""
    dct: dict[str, Any] = {
        "process": _SPEC_REGISTRY.convert(spec.process),
        "subprocesses": {k: _SPEC_REGISTRY.convert(v) for k, v in spec.subprocesses.items()},
    }
    if spec.count_limit != DEFAULT_COUNT_LIMIT:  # versions stored before the limit existed read the same
        dct["count_limit"] = spec.count_limit
    return json.dumps(dct)


def spec_from_text(text: str) -> Spec:
    """Restore a spec stored by spec_to_text."""
    dct = json.loads(text)
    limit = dct.get("count_limit", DEFAULT_COUNT_LIMIT)
    return Spec(
        _SPEC_REGISTRY.restore(dct["process"]),
        {k: _SPEC_REGISTRY.restore(v) for k, v in dct["subprocesses"].items()},
        limit if isinstance(limit, int) and not isinstance(limit, bool) else DEFAULT_COUNT_LIMIT,
    )


def new_workflow(spec: Spec, data: dict[str, Any] | None = None, root_id: str | None = None) -> BpmnWorkflow:
    """A fresh workflow run up to its first waiting tasks; every task UUID derives from root_id (random if None)."""
    workflow = BpmnWorkflow(spec.process, spec.subprocesses, script_engine=SCRIPT_ENGINE, deserializing=True)
    workflow.tasks = TaskIndex()
    # What Workflow.__init__ does when not deserializing (SpiffWorkflow 3.2), with a root UUID of our choosing.
    workflow.task_tree = Task(workflow, workflow.spec.start, state=TaskState.FUTURE,
                              id=UUID(root_id) if root_id else uuid4())
    workflow.task_tree._sop_depth = 0
    workflow.task_tree.task_spec._predict(workflow.task_tree, mask=TaskState.NOT_FINISHED_MASK)
    workflow.task_tree._ready()
    if data:
        workflow.task_tree.data.update(data)
        for task in workflow.get_tasks():
            task.data.update(data)
    run_engine(workflow)
    _fire_start_timers(workflow)
    return workflow


def _fire_start_timers(workflow: BpmnWorkflow) -> None:
    """A process that starts on a timer (a date or a cycle) is started by `sop tick` when the timer is due, or by
    a person: either way its start event's timer has fired when the instance begins."""
    fired = False
    for task in workflow.get_tasks(state=TaskState.WAITING):
        if isinstance(task.task_spec, StartEvent) and isinstance(getattr(task.task_spec, "event_definition", None),
                                                                 TimerEventDefinition):
            if isinstance(task.task_spec.event_definition, CycleTimerEventDefinition):
                # SpiffWorkflow's cycle timer grows a path per cycle and completes without one when its cycles run
                # out: this instance is one occurrence, so its one path is grown here before the timer fires.
                for output in task.task_spec.outputs:
                    child = task._add_child(output, TaskState.FUTURE)
                    child.task_spec._predict(child, mask=TaskState.NOT_FINISHED_MASK)
                    child.task_spec._update(child)
            task.internal_data["event_fired"] = True
            task.task_spec._update(task)
            fired = True
    if fired:
        run_engine(workflow)


def run_engine(workflow: BpmnWorkflow) -> None:
    """Run engine steps; an expression or engine failure becomes an EngineError naming the element."""
    workflow.script_engine = SCRIPT_ENGINE  # whoever built or loaded it, nothing runs with SpiffWorkflow's eval
    try:
        workflow.do_engine_steps()
    except SpiffWorkflowException as exc:
        raise _engine_error(exc) from None
    except ExpressionError as exc:
        raise EngineError("The diagram's expression was refused: {exc}", exc=exc) from None
    except (TypeError, ValueError, ArithmeticError) as exc:  # e.g. a loop cardinality that is not a number
        raise DefinitionError("The diagram failed on a value it computed ({exc_type}: {exc}); nothing was "
                              "saved. Check the data its expressions read (loop cardinality, timers)",
                              exc_type=type(exc).__name__, exc=exc) from None
    for task in workflow.get_tasks(state=TaskState.WAITING):
        definition = getattr(task.task_spec, "event_definition", None)
        if isinstance(definition, TimerEventDefinition) and not isinstance(definition, CycleTimerEventDefinition):
            task.internal_data["event_value"] = PARKED


def _engine_error(exc: SpiffWorkflowException) -> EngineError:
    task = getattr(exc, "task", None)
    spec = task.task_spec if task is not None else getattr(exc, "task_spec", None)
    element = (getattr(spec, "bpmn_id", None) or getattr(spec, "name", None) or "?") if spec is not None else "?"
    # SpiffWorkflow 3.2 raises WorkflowTaskException inside `except` without `from`: the reason is the context.
    cause = exc.__cause__ or getattr(exc, "exception", None) or exc.__context__
    detail = str(cause) if cause is not None else str(exc)
    notes = " ".join(getattr(exc, "__notes__", []) or [])
    return DefinitionError("The diagram failed at element '{element}': {detail}{notes}; nothing was saved. Fix the "
                           "diagram (or the data its conditions read) and try again",
                           element=element, detail=detail.rstrip(), notes=f" {notes}" if notes else "")


def state_to_bytes(workflow: BpmnWorkflow) -> bytes:
    """The workflow's state without its spec: JSON, zlib-compressed (a fifth of the size, 0.07 ms)."""
    text: str = _STATE_SERIALIZER.serialize_json(workflow)
    return zlib.compress(text.encode("utf-8"), 1)


def state_text(workflow: BpmnWorkflow) -> str:
    """The workflow's state as stored, before compression (what state_json gives back)."""
    text: str = _STATE_SERIALIZER.serialize_json(workflow)
    return text


def state_json(state: bytes) -> str:
    """The JSON text of stored state (for auditors and tools)."""
    try:
        return zlib.decompress(state).decode("utf-8")
    except (zlib.error, UnicodeDecodeError, TypeError) as exc:
        raise EngineError("Stored state is damaged ({exc}); restore the store from a backup", exc=exc) from None


def state_from_bytes(state: bytes, spec: Spec) -> BpmnWorkflow:
    """Restore a workflow from spec-less state; the restricted script engine is set again on every load."""
    from engine.runtime.state_upgrade import serializer_version, upgrade

    dct = json.loads(state_json(state))
    version = serializer_version(dct.pop(BpmnWorkflowSerializer.VERSION_KEY, None))
    if version != SPIFF_SERIALIZER_VERSION:  # written by an older SpiffWorkflow: its own migrations upgrade it
        upgrade(dct, version, _SPEC_REGISTRY.convert(spec.process),
                {k: _SPEC_REGISTRY.convert(v) for k, v in spec.subprocesses.items()})
    workflow: BpmnWorkflow = _STATE_REGISTRY.restore(dct, spec=spec.process, subprocess_specs=spec.subprocesses)
    # SpiffWorkflow 3.2 does not serialize the script engine: install ours again after every load (subprocesses
    # read the top workflow's; their script_engine is a read-only property).
    workflow.script_engine = SCRIPT_ENGINE
    return workflow


def ready_user_tasks(workflow: BpmnWorkflow) -> list[Task]:
    """The ready manual (user) tasks in a stable order."""
    tasks: list[Task] = workflow.get_tasks(state=TaskState.READY, manual=True)
    return tasks


def is_ready_user_task(task: Task) -> bool:
    """Whether a task is a user task ready to be completed now."""
    return bool(task.state == TaskState.READY and task.task_spec.manual)


def complete_task(workflow: BpmnWorkflow, task: Task, data: dict[str, Any]) -> None:
    """Store the step's data under its BPMN id, run the task and the engine steps after it."""
    workflow.script_engine = SCRIPT_ENGINE
    bpmn_id = task.task_spec.bpmn_id
    task.data[bpmn_id] = data
    # SpiffWorkflow 3.2 merges the parallel branches' data at a join, so a branch still holding this step's
    # artefact from an earlier turn of a loop would overwrite the new one there: hand it to the open branches.
    for other in workflow.get_tasks(state=TaskState.READY | TaskState.WAITING):
        if other is not task and bpmn_id in other.data:
            other.data[bpmn_id] = data
    try:
        task.run()
    except SpiffWorkflowException as exc:
        raise _engine_error(exc) from None
    run_engine(workflow)


def root_id(workflow: BpmnWorkflow) -> str:
    """The UUID of the workflow's root task, from which every other task UUID derives."""
    return str(workflow.task_tree.id)


def task_by_uuid(workflow: BpmnWorkflow, task_id: str) -> Task | None:
    """The task with this UUID, or None."""
    try:
        found: Task | None = workflow.get_task_from_id(UUID(task_id))
    except (ValueError, KeyError, TypeError, SpiffWorkflowException):
        return None
    return found

