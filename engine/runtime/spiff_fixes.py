"""Fixes to SpiffWorkflow 3.2 installed on import: task UUIDs a replay can rebuild, task iteration that
neither caps the tree's depth nor walks a long history at every step, and a parser error that names its element."""

from __future__ import annotations

from typing import Any
from uuid import uuid5

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.parser.node_parser import NodeParser
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.util.task import BpmnTaskIterator
from SpiffWorkflow.exceptions import WorkflowException
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskIterator, TaskState

_ORIGINAL_ADD_CHILD = Task._add_child


def _derived_child(parent: Task, task_spec: Any, state: int = TaskState.MAYBE) -> Task:
    """SpiffWorkflow 3.2's Task._add_child, except that the child's UUID derives from its parent's UUID and its
    spec name (then #2, #3... while taken): the same steps give the same task tree, so a replay of an instance's
    events rebuilds exactly the UUIDs its events recorded."""
    tasks = parent.workflow.tasks
    if not isinstance(tasks, TaskIndex):  # a workflow not built by the engine stays as SpiffWorkflow makes it
        return _ORIGINAL_ADD_CHILD(parent, task_spec, state)
    if parent.has_state(TaskState.PREDICTED_MASK) and state & TaskState.PREDICTED_MASK == 0:
        raise WorkflowException("Attempt to add non-predicted child to predicted task", task_spec=parent.task_spec)
    child_id = uuid5(parent.id, task_spec.name)
    n = 1
    while child_id in tasks:
        n += 1
        child_id = uuid5(parent.id, f"{task_spec.name}#{n}")
    task = Task(parent.workflow, task_spec, parent, state=state, id=child_id)
    depth = getattr(parent, "_sop_depth", None)
    if depth is not None:
        task._sop_depth = depth + 1
    task.thread_id = parent.thread_id
    if state == TaskState.READY:
        task._ready()
    return task


def _task_next(self: Any) -> Task:
    """TaskIterator._next, depth first, on a stack: the same order as SpiffWorkflow 3.2's, without its cap of
    1,000 levels (a loop taken 333 times hid every task below it and left the instance stranded) and without
    its list copies and depth walks, which made each walk quadratic in the tree's depth."""
    stack = self.task_list
    if not stack:
        raise StopIteration()
    task: Task = stack.pop()
    if task._children and task.state >= self.min_state and task.task_spec.name != self.end_at_spec:
        stack.extend(reversed(task.children))
    return task


def _bpmn_task_next(self: Any) -> Task:
    """BpmnTaskIterator._next on a stack, descending into subprocesses as SpiffWorkflow 3.2 does."""
    stack = self.task_list
    if not stack:
        raise StopIteration()
    task: Task = stack.pop()
    subprocess = task.workflow.top_workflow.subprocesses.get(task.id)
    if ((task._children or subprocess is not None) and (task.state >= self.min_state or subprocess is not None)
            and task.task_spec.name != self.end_at_spec):
        below = list(task.children)
        if subprocess is not None and not self.skip_subprocesses and not (
            task.state >= TaskState.FINISHED_MASK and self.task_filter.state <= TaskState.FINISHED_MASK
        ):
            below.insert(0, subprocess.task_tree)
        stack.extend(reversed(below))
    return task


_SETTLED = TaskState.COMPLETED | TaskState.CANCELLED  # never change again (ERROR may be retried)


class TaskIndex(dict[Any, Task]):
    """A workflow's task dict that also remembers creation order, so the unfinished tasks are found without
    walking the whole tree: a loop taken a thousand times leaves a chain of thousands of finished tasks that
    SpiffWorkflow walks three or four times per step."""

    def __init__(self, tasks: dict[Any, Task] | None = None) -> None:
        super().__init__(tasks or {})
        self.order: list[Task] = list(self.values())
        self.settled = 0  # every task before this position of `order` is settled or gone

    def __setitem__(self, key: Any, task: Task) -> None:
        super().__setitem__(key, task)
        self.order.append(task)

    def unsettled_start(self, mask: int) -> Task | None:
        """The deepest task whose subtree holds every task in a state of mask (None when there is none)."""
        order, i, get = self.order, self.settled, self.get
        while i < len(order) and (order[i]._state & _SETTLED or get(order[i].id) is not order[i]):
            i += 1
        self.settled = i
        found = [t for t in order[i:] if t._state & mask and get(t.id) is t]
        if not found:
            return None
        return _common_ancestor(found)


def _depth(task: Task) -> int:
    depth = getattr(task, "_sop_depth", None)
    if depth is None:
        path = []
        node: Task | None = task
        while node is not None and getattr(node, "_sop_depth", None) is None:
            path.append(node)
            node = node.parent
        depth = -1 if node is None else node._sop_depth
        for n in reversed(path):
            depth += 1
            n._sop_depth = depth
    return int(depth)


def _common_ancestor(tasks: list[Task]) -> Task:
    nodes = {t.id: t for t in tasks}
    depths = {tid: _depth(t) for tid, t in nodes.items()}
    while len(nodes) > 1:
        low = max(depths.values())
        for tid in [tid for tid, d in depths.items() if d == low]:
            parent = nodes.pop(tid).parent
            del depths[tid]
            if parent is not None and parent.id not in nodes:
                nodes[parent.id], depths[parent.id] = parent, low - 1
    return next(iter(nodes.values()))


def _start_below_history(self: Any, task: Task) -> None:
    """Begin a whole-tree walk for unfinished tasks at their common ancestor: the same tasks in the same
    depth-first order, without visiting the finished chain above it."""
    workflow = task.workflow
    tasks = workflow.tasks
    self._sop_fast = isinstance(tasks, TaskIndex)
    if (not self._sop_fast or task is not workflow.task_tree or not self.depth_first
            or getattr(workflow, "parent_task_id", None) is not None  # a subprocess: walked whole
            or self.end_at_spec is not None or self.task_filter.state & TaskState.FINISHED_MASK
            or getattr(workflow, "subprocesses", None)):
        return
    start = tasks.unsettled_start(self.task_filter.state)
    self.task_list = [] if start is None else [start]


ORIGINAL_NEXT = {TaskIterator: TaskIterator._next, BpmnTaskIterator: BpmnTaskIterator._next}  # for tests


def _install() -> None:
    Task._add_child = _derived_child
    originals = ORIGINAL_NEXT
    for cls, fast in ((TaskIterator, _task_next), (BpmnTaskIterator, _bpmn_task_next)):
        original = originals[cls]

        def _next(self: Any, fast: Any = fast, original: Any = original) -> Task:
            return fast(self) if self.depth_first and getattr(self, "_sop_fast", False) else original(self)

        cls._next = _next

    original_init = TaskIterator.__init__  # BpmnTaskIterator.__init__ calls it too

    def __init__(self: Any, task: Task, *args: Any, **kwargs: Any) -> None:
        original_init(self, task, *args, **kwargs)
        _start_below_history(self, task)

    TaskIterator.__init__ = __init__


def _raise_validation_exception(self: Any, message: str, node: Any = None) -> None:
    """NodeParser.raise_validation_exception, also taking the `node=` its event parsers pass (3.2 takes none and
    raised a TypeError naming no element), with that element's line (3.2 reads a `line_number` lxml lacks)."""
    element = self.node if node is None else node
    found = ValidationException(message, element, self.filename)
    found.line_number = getattr(element, "sourceline", None) or ""
    raise found


def _derived_subprocess(self: Any, my_task: Task, spec_name: str) -> Any:
    """BpmnWorkflow.create_subprocess (SpiffWorkflow 3.2), except that in a workflow the engine built the
    subprocess's root task UUID derives from the task that runs it, and its tasks are indexed as the top
    workflow's are: its steps' UUIDs, like every other task's, are rebuilt the same by a replay."""
    if not isinstance(self.tasks, TaskIndex):
        return _ORIGINAL_CREATE_SUBPROCESS(self, my_task, spec_name)
    from SpiffWorkflow.bpmn.util.subworkflow import BpmnSubWorkflow

    subprocess = BpmnSubWorkflow(self.subprocess_specs[spec_name], parent_task_id=my_task.id, top_workflow=self,
                                 deserializing=True)
    subprocess.tasks = TaskIndex()
    # What Workflow.__init__ does when not deserializing, with a root UUID derived from the running task's.
    subprocess.task_tree = Task(subprocess, subprocess.spec.start, state=TaskState.FUTURE,
                                id=uuid5(my_task.id, "subprocess"))
    subprocess.task_tree._sop_depth = 0
    subprocess.task_tree.task_spec._predict(subprocess.task_tree, mask=TaskState.NOT_FINISHED_MASK)
    subprocess.task_tree._ready()
    self.subprocesses[my_task.id] = subprocess
    return subprocess


_ORIGINAL_CREATE_SUBPROCESS = BpmnWorkflow.create_subprocess
BpmnWorkflow.create_subprocess = _derived_subprocess
NodeParser.raise_validation_exception = _raise_validation_exception
_install()
