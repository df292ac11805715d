"""Counts taken from data are capped: a multi-instance step repeats at most its process's limit, checked before
SpiffWorkflow makes a single instance (so one command cannot hold the store's write lock for minutes)."""

from __future__ import annotations

from collections.abc import Sized
from typing import Any

from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import (
    ParallelMultiInstanceTask,
    SequentialMultiInstanceTask,
)

from engine.common.errors import ValidationError
from engine.definitions.limits import COUNT_LIMIT_KEY, DEFAULT_COUNT_LIMIT


def check_count(task: Any, value: Any, what: str) -> None:
    """Refuse a count (a number, or a collection's size) over the limit of the task's process."""
    count = len(value) if isinstance(value, Sized) and not isinstance(value, str) else value
    if isinstance(count, bool) or not isinstance(count, int):
        return  # not a count: SpiffWorkflow refuses it, and run_engine names the failure
    limit = getattr(task.workflow.top_workflow.spec, "sop_count_limit", DEFAULT_COUNT_LIMIT)
    if count > limit:
        step = getattr(task.task_spec, "bpmn_id", None) or task.task_spec.name
        raise ValidationError(
            "Step '{step}' would repeat {count} times ({what}), over this process's limit of {limit}; nothing "
            "was saved. Give a smaller number, or raise {count_limit_key} in the process's YAML page",
            step=step, count=count, what=what, limit=limit, count_limit_key=COUNT_LIMIT_KEY
        )


def _capped(original: Any) -> Any:
    def _update_hook(self: Any, my_task: Any) -> Any:
        if self.data_input is not None and self.data_input.exists(my_task):
            check_count(my_task, self.data_input.get(my_task), f"one per item of '{self.data_input.bpmn_id}'")
        return original(self, my_task)

    return _update_hook


for _cls in (SequentialMultiInstanceTask, ParallelMultiInstanceTask):
    _cls._update_hook = _capped(_cls._update_hook)
